"""notebooks/ is generated from solutions/ and stays in sync; what it holds is safe to hand out."""
import json

import nbformat

from gankit import colab
from gankit.grading.course import find_project, labs, release


def test_release_regenerates_the_committed_notebooks_byte_for_byte(root, tmp_path):
    written = release(root, out=tmp_path)
    assert written, "no lab was released"
    for path in written:
        committed = root / "notebooks" / path.parent.name / path.name
        assert committed.read_bytes() == path.read_bytes(), f"{committed} is out of date: run `gankit release`"
    assert sorted(p.name for p in (root / "notebooks").iterdir() if p.is_dir()) == labs(root)


def test_released_notebooks_hold_no_solution_or_hidden_test(root):
    for lab in labs(root):
        source = nbformat.read(str(root / "solutions" / lab / f"{lab}.ipynb"), as_version=4)
        hidden = [line.strip() for c in source.cells
                  for block in c.source.split("### BEGIN HIDDEN TESTS")[1:]
                  for line in block.split("### END HIDDEN TESTS")[0].splitlines() if line.strip()]
        assert hidden, f"{lab} has no hidden tests to look for"
        text = (root / "notebooks" / lab / f"{lab}.ipynb").read_text()
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
        for line in hidden:
            assert json.dumps(line)[1:-1] not in text, f"hidden test line leaked into {lab}: {line}"


def test_committed_notebooks_have_no_outputs(root):
    for path in list((root / "solutions").rglob("*.ipynb")) + list((root / "notebooks").rglob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), f"{path} has outputs"


def test_every_lab_opens_with_the_one_setup_cell_and_its_badge(root):
    for lab in labs(root):
        nb = nbformat.read(str(root / "solutions" / lab / f"{lab}.ipynb"), as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code[0].source == colab.SETUP_CELL, f"{lab}: first code cell is not gankit.colab.SETUP_CELL"
        assert colab.badge(lab) in nb.cells[0].source


def test_find_project_from_a_subfolder(root):
    assert find_project(root / "tests") == root


def test_repository_nbgrader_config_matches_the_grading_settings(root):
    from nbgrader.preprocessors import ClearHiddenTests
    from traitlets.config.loader import PyFileConfigLoader

    c = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    assert (c.CourseDirectory.source_directory, c.CourseDirectory.release_directory) == ("solutions", "notebooks")
    assert ClearHiddenTests in c.GenerateFeedback.preprocessors and c.OverwriteCells.add_missing_cells
