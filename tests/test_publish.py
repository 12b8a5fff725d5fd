"""`gankit publish DIR`: the student-facing tree holds the released labs and the package, and no line of
any solution region or hidden test of solutions/."""
import nbformat
import pytest

from gankit.grading.course import GradingError
from gankit.grading.publish import leaks, publish, secret_lines


@pytest.fixture(scope="module")
def published(root, tmp_path_factory):
    out = tmp_path_factory.mktemp("public") / "tree"
    publish(root, out)
    return out


def test_published_tree_has_the_labs_the_package_and_a_readme(root, published):
    labs = sorted(p.name for p in (root / "solutions").iterdir() if (p / f"{p.name}.ipynb").is_file())
    assert sorted(p.name for p in (published / "notebooks").iterdir()) == labs
    assert (published / "gankit" / "__init__.py").is_file() and (published / "pyproject.toml").is_file()
    assert (published / "gankit" / "weights" / "digit_classifier.pt").is_file()
    readme = (published / "README.md").read_text()
    assert all(lab in readme for lab in labs)
    assert not (published / "solutions").exists() and not (published / "tests").exists()


def test_no_solution_or_hidden_test_line_is_published(root, published):
    secrets = secret_lines(root)
    assert len(secrets) > 100  # every lab's answers and hidden tests: a grep for nothing would pass anyway
    assert any("_fake_ll" in s for s in secrets), "hidden-test lines are among the searched lines"
    found = []
    for path in published.rglob("*"):
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:  # the classifier's weights
            continue
        if path.suffix == ".ipynb":  # cell sources, not their JSON escaping
            text = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
        found += [f"{path.name}: {s}" for s in secrets if s in text]  # substrings: stricter than publish's line check
    assert not found, found[:10]


def test_the_leak_check_finds_a_planted_answer(root, published, tmp_path):
    secrets = secret_lines(root)
    planted = sorted(secrets)[0]
    (tmp_path / "notes.py").write_text(f"# copied from a solution\n    {planted}\n")
    assert leaks(tmp_path, secrets) == [f"notes.py: {planted}"]


def test_publish_refuses_a_folder_that_is_not_empty(root, tmp_path):
    (tmp_path / "old.txt").write_text("something")
    with pytest.raises(GradingError, match="not empty"):
        publish(root, tmp_path)
    with pytest.raises(GradingError, match="inside the course repository"):
        publish(root, root / "solutions" / "public")
