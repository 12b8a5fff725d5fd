"""`gankit publish DIR`: the student-facing tree holds the released labs and the package, and no line of
any solution region or hidden test of solutions/ outside the package's own (public) reference code."""
from pathlib import Path

import nbformat
import pytest

from gankit.grading.course import GradingError
from gankit.grading.publish import leaks, publish, secret_lines


@pytest.fixture(scope="module")
def published(root, tmp_path_factory):
    out = tmp_path_factory.mktemp("public") / "tree"
    publish(root, out)
    return out


def _public_text(path):
    """The text a student reads in a published file (cell sources for a notebook), or None for binary files."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:  # the classifier's weights
        return None
    if path.suffix == ".ipynb":  # cell sources, not their JSON escaping
        return "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
    return text


def test_published_tree_has_the_labs_the_package_and_a_readme(root, published):
    labs = sorted(p.name for p in (root / "solutions").iterdir() if (p / f"{p.name}.ipynb").is_file())
    assert sorted(p.name for p in (published / "notebooks").iterdir()) == labs
    assert (published / "gankit" / "__init__.py").is_file() and (published / "pyproject.toml").is_file()
    assert (published / "gankit" / "weights" / "digit_classifier.pt").is_file()
    readme = (published / "README.md").read_text()
    assert all(lab in readme for lab in labs)
    assert not (published / "solutions").exists() and not (published / "tests").exists()


def test_no_solution_or_hidden_test_line_is_published_outside_the_package(root, published):
    secrets = secret_lines(root)
    assert len(secrets) > 100  # every lab's answers and hidden tests: a grep for nothing would pass anyway
    assert any("_fake_ll" in s for s in secrets), "hidden-test lines are among the searched lines"
    found = []
    for path in published.rglob("*"):
        text = _public_text(path) if path.is_file() and "gankit" not in path.relative_to(published).parts[:1] else None
        if text is not None:
            found += [f"{path.name}: {s}" for s in secrets if s in text]  # substrings: stricter than publish's check
    assert not found, found[:10]


def test_hidden_tests_appear_nowhere_not_even_in_the_package(root, published):
    hidden = set()
    for nb_path in (root / "solutions").glob("*/*.ipynb"):
        for cell in nbformat.read(str(nb_path), as_version=4).cells:
            if "### BEGIN HIDDEN TESTS" in cell.source:
                block = cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
                hidden |= {line.strip() for line in block.splitlines() if len(line.strip()) >= 12
                           and not line.strip().startswith(("import ", "from ", "def ", "class "))}  # not tests
    hidden &= secret_lines(root)  # lines the release shows anyway are not hidden
    assert len(hidden) > 30
    texts = [t for p in published.rglob("*") if p.is_file() for t in [_public_text(p)] if t is not None]
    assert not [h for h in hidden if any(h in t for t in texts)]


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


def test_a_tree_published_for_its_own_repository_points_there(root, tmp_path):
    from gankit import colab

    repo = colab.parse("myuni/gan-course@fall")
    out = tmp_path / "tree"
    publish(root, out, repo=repo)
    for nb_path in (out / "notebooks").rglob("*.ipynb"):
        nb = nbformat.read(str(nb_path), as_version=4)
        lab = nb_path.stem
        assert next(c for c in nb.cells if c.cell_type == "code").source == repo.setup_cell(), lab
        assert repo.badge(lab) in nb.cells[0].source and "gankit/gankit" not in nb_path.read_text(), lab
    assert repo.badge("03-vanilla-gan") in (out / "README.md").read_text()
    assert colab.configured(out) == repo  # its own `gankit release` keeps pointing there
    with pytest.raises(GradingError, match="owner/name"):
        colab.parse("not a repository")


@pytest.mark.slow
def test_the_colab_path_a_badge_takes_installs_the_published_tree(root, tmp_path):
    """A published tree turned into a git repository; a lab's set-up cell run in a new virtual environment
    that has the kit's dependencies but not gankit, its install URL pointed at that repository (file://);
    then the lab's own imports."""
    import os
    import re
    import subprocess
    import sys
    import sysconfig

    from gankit import colab

    repo = colab.parse("myuni/gan-course@fall")
    tree = tmp_path / "tree"
    publish(root, tree, repo=repo)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(tree)]
    subprocess.run(git[:5] + ["init", "-q", "-b", "fall", str(tree)], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "published"], check=True)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    # Colab's pip is current; the one venv bundles (23.2 here) refuses git+file:/// in a PEP 508 requirement
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True, cwd=tmp_path)
    # the dependencies (torch, nbgrader, ...) of this environment, without gankit: links to each entry
    deps = tmp_path / "deps"
    deps.mkdir()
    here = Path(sysconfig.get_paths()["purelib"])
    for entry in here.iterdir():
        if "gankit" not in entry.name.lower() and not entry.name.endswith(".pth"):
            (deps / entry.name).symlink_to(entry)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "deps.pth").write_text(str(deps) + "\n")
    missing = subprocess.run([str(python), "-c", "import gankit"], capture_output=True, text=True, cwd=tmp_path)
    assert missing.returncode != 0, "the new environment already has gankit: the test would prove nothing"

    lab = "03-vanilla-gan"
    nb = nbformat.read(str(tree / "notebooks" / lab / f"{lab}.ipynb"), as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    setup = code[0].replace(repo.url, tree.as_uri())
    imports = "\n".join(line for c in code[1:] for line in c.splitlines()
                        if re.match(r"^(import|from) \S+", line))
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONPATH", None)
    result = subprocess.run([str(python), "-c", setup + "\n" + imports + "\nprint('imports ok', gankit.__file__)"],
                            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "imports ok" in result.stdout and str(venv) in result.stdout  # gankit came from the published tree
