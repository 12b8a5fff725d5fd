"""`gankit grade` end to end on Lab 3's corpus (tests/grading_corpus.py, graded once per session): what
only this lab's corpus holds (an unreadable file, a duplicated and a deleted test cell, one submission
twice, the gradebook's columns), what feedback may show, and how bad arguments and failures
inside the grader are reported. test_grading_labs.py and test_grading_hostile.py cover the rest.
"""
import csv
import html
import json
import re

import pytest

from gankit.grading.course import GradingError
from gankit.grading.grade import grade
from grading_corpus import points

LAB = "03-vanilla-gan"


@pytest.fixture(scope="module")
def graded(graded_lab):
    return graded_lab(LAB)


@pytest.mark.slow
def test_gradebook_columns(graded):
    row = graded["csv"]["solution"]
    assert list(row)[:4] == ["student_id", "assignment", "score", "max_score"]
    assert list(row)[-2:] == ["status", "reason"]
    assert set(points(graded["solution"])) <= set(row) and "q-losses" in row


@pytest.mark.slow
def test_unreadable_notebook_gets_a_row_and_a_reason(graded):
    row = graded["rows"]["not-json"]
    assert row["status"] == "unreadable" and row["score"] == 0 and "not a readable notebook" in row["reason"]
    assert "not a readable notebook" in (graded["out"] / "feedback" / "not-json.html").read_text()


@pytest.mark.slow
def test_duplicated_and_deleted_test_cells_still_grade_fully(graded):
    full = graded["rows"]["solution"]["max_score"]
    assert graded["rows"]["duplicated cell"]["score"] == full
    assert "second copy of cell test-d-loss" in graded["rows"]["duplicated cell"]["reason"]
    assert graded["rows"]["deleted-test"]["score"] == full


@pytest.mark.slow
def test_the_same_submission_gets_the_same_scores_twice(graded):
    tests = points(graded["solution"])
    rows = [graded["rows"][sid] for sid in ("pack-0", "pack-0-again")]
    assert len({tuple(r[g] for g in tests) + (r["score"], r["reason"]) for r in rows}) == 1
    assert rows[0]["score"] < rows[0]["max_score"]  # a pack of mistakes: the scores compared are not all full marks


@pytest.mark.slow
def test_feedback_reveals_no_hidden_test(graded):
    hidden = [line.strip() for c in graded["solution"].cells
              for block in c.source.split("### BEGIN HIDDEN TESTS")[1:]
              for line in block.split("### END HIDDEN TESTS")[0].splitlines()
              if line.strip() and not line.strip().startswith("#")]
    for page in (graded["out"] / "feedback").iterdir():
        raw = page.read_text()
        text = html.unescape(re.sub(r"<[^>]+>", "", raw))  # the code as shown, without highlighting markup
        assert "BEGIN HIDDEN TESTS" not in text
        if page.stem == "solution":  # the method sees code: the visible check line is there
            assert "lab.check_generator(Generator)" in text
        leaked = [line for line in hidden if line in text]
        assert not leaked, f"{page.name} shows hidden test lines {leaked}"


def test_bad_arguments_get_clear_errors(root, tmp_path):
    with pytest.raises(GradingError, match="not a folder"):
        grade(tmp_path / "nope", LAB, tmp_path / "out", project=root)
    with pytest.raises(GradingError, match="no .ipynb files"):
        grade(tmp_path, LAB, tmp_path / "out", project=root)
    (tmp_path / "a.ipynb").write_text(json.dumps({}))
    with pytest.raises(GradingError, match="unknown lab"):
        grade(tmp_path, "99-nothing", tmp_path / "out", project=root)


def test_an_exception_while_grading_one_notebook_costs_only_its_row(root, tmp_path, monkeypatch):
    import gankit.grading.grade as grading

    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "boom.ipynb").write_text("{}")
    (subs / "not-json.ipynb").write_text("nope")
    real_prepare = grading.prepare

    def prepare(path, source_nb):
        if path.stem == "boom":
            raise RuntimeError("editor wrote something odd")
        return real_prepare(path, source_nb)

    monkeypatch.setattr(grading, "prepare", prepare)
    rows = {r["student_id"]: r for r in grade(subs, LAB, tmp_path / "out", project=root, progress=False)}
    assert rows["boom"]["status"] == "not graded" and "editor wrote something odd" in rows["boom"]["reason"]
    assert rows["not-json"]["status"] == "unreadable"
    assert (tmp_path / "out" / "feedback" / "boom.html").is_file()


def test_a_failed_grading_process_costs_only_its_submissions_and_says_so(root, tmp_path, monkeypatch, lab3_solution):
    import gankit.grading.grade as grading

    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("a", "b", "c"):
        (subs / f"{name}.ipynb").write_text("{}")
    # a function the workers cannot receive: every task fails before it grades anything
    monkeypatch.setattr(grading, "_grade_files", lambda *args, **kwargs: [])
    rows = grade(subs, LAB, tmp_path / "out", project=root, progress=False, jobs=2)
    assert [r["student_id"] for r in rows] == ["a", "b", "c"]
    assert all(r["status"] == "not graded" and "grading process failed" in r["reason"] for r in rows)
    assert all(r["max_score"] == sum(points(lab3_solution).values()) and r["score"] == 0 for r in rows)
    assert all((tmp_path / "out" / "feedback" / f"{n}.html").is_file() for n in "abc")
    with open(tmp_path / "out" / "gradebook.csv", newline="") as f:
        assert len(list(csv.DictReader(f))) == 3


def test_a_test_cell_that_wrote_to_stderr_is_named_in_the_reason():
    """nbgrader scores a passing test cell 0 when it wrote to stderr (a warning): the reason must say so."""
    import nbformat

    from gankit.grading.grade import _failures

    nb = nbformat.v4.new_notebook()
    warned = nbformat.v4.new_code_cell("x = float(t)")
    warned.metadata["nbgrader"] = {"grade": True, "grade_id": "test-a", "points": 2}
    warned.outputs = [nbformat.v4.new_output("stream", name="stderr", text="UserWarning: Converting a tensor\n"),
                      nbformat.v4.new_output("stream", name="stdout", text="OK: fine\n")]
    quiet = nbformat.v4.new_code_cell("pass")
    quiet.metadata["nbgrader"] = {"grade": True, "grade_id": "test-b", "points": 1}
    quiet.outputs = [nbformat.v4.new_output("stream", name="stdout", text="OK: fine\n")]
    nb.cells = [warned, quiet]
    assert _failures(nb, ["test-a", "test-b"]) == [
        "test-a: wrote to stderr, which scores the cell 0 (a warning?): UserWarning: Converting a tensor"]
