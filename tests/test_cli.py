import pytest

from gankit import cli


def test_demo_writes_a_sample_grid_and_a_loss_plot_and_says_which_data(tmp_path, capsys, shared_data):
    assert cli.main(["demo", "--minutes", "0.05", "--out", str(tmp_path), "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "data: MNIST offline (train, 5000)" in out  # MNIST by default where it is on disk
    for name in ("samples.png", "losses.png"):
        path = tmp_path / name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert str(path.resolve()) in out  # it says where
    assert cli.main(["demo", "--minutes", "0.01", "--data", "digits", "--out", str(tmp_path), "--device", "cpu"]) == 0
    assert "data: scikit-learn digits" in capsys.readouterr().out


def test_grade_reports_bad_input_and_exits_2(tmp_path, capsys):
    assert cli.main(["grade", str(tmp_path / "missing"), "--lab", "03-vanilla-gan", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "is not a folder" in err


def test_grade_refuses_zero_jobs(tmp_path, capsys):
    (tmp_path / "a.ipynb").write_text("{}")
    assert cli.main(["grade", str(tmp_path), "--lab", "03-vanilla-gan", "--out", str(tmp_path / "o"), "--jobs", "0"]) == 2
    assert "jobs must be 1 or more" in capsys.readouterr().err


def test_publish_refuses_a_folder_in_use(tmp_path, capsys):
    (tmp_path / "keep.txt").write_text("an instructor's file")
    assert cli.main(["publish", str(tmp_path)]) == 2
    assert "is not empty" in capsys.readouterr().err and (tmp_path / "keep.txt").is_file()


def test_release_refuses_an_unknown_lab(tmp_path, capsys):
    assert cli.main(["release", "07-nothing", "--out", str(tmp_path)]) == 2
    assert "unknown lab '07-nothing'" in capsys.readouterr().err


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert all(cmd in out for cmd in ("demo", "release", "grade", "publish"))
