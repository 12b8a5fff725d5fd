"""`gankit grade` end to end on Lab 3: one batch of real, broken and wrong submissions.

Graded once per test session (about 12 s per notebook in fast mode), then checked row by row.
"""
import copy
import csv
import hashlib
import html
import json
import re

import nbformat
import pytest

from gankit.grading.course import GradingError
from gankit.grading.grade import grade
from lab03_mistakes import MISTAKES, TEST_OF
from notebook_edits import apply, mistake_packs

LAB = "03-vanilla-gan"
POINTS = {"test-generator": 2, "test-discriminator": 2, "test-d-loss": 3, "test-g-loss": 3,
          "test-train-iteration": 4, "test-interpolate": 1}
FULL = sum(POINTS.values())


PACKS = mistake_packs(MISTAKES)  # one mistake per exercise per notebook: 4 notebooks, not 14


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.fixture(scope="module")
def graded(tmp_path_factory, root, lab3_solution, lab3_release):
    subs = tmp_path_factory.mktemp("submissions")
    nbformat.write(lab3_solution, str(subs / "solution.ipynb"))
    nbformat.write(lab3_release, str(subs / "untouched.ipynb"))
    (subs / "not-json.ipynb").write_text("{ this is not a notebook")
    stripped = copy.deepcopy(lab3_solution)
    for c in stripped.cells:
        c.metadata.pop("nbgrader", None)
        c.id = f"colab-{hash(c.source) & 0xffff:x}"  # Colab rewrites ids too
    nbformat.write(stripped, str(subs / "stripped metadata.ipynb"))
    dup = copy.deepcopy(lab3_solution)
    i = dup.cells.index(_cell(dup, "test-d-loss"))
    dup.cells.insert(i + 1, copy.deepcopy(dup.cells[i]))
    nbformat.write(dup, str(subs / "duplicated-cell.ipynb"))
    deleted = copy.deepcopy(lab3_solution)
    deleted.cells.remove(_cell(deleted, "test-interpolate"))
    nbformat.write(deleted, str(subs / "deleted-test.ipynb"))
    loop = apply(lab3_solution, "ex-d-loss", "    return -0.5", "    while True:\n        pass\n    return -0.5")
    nbformat.write(loop, str(subs / "infinite-loop.ipynb"))
    for i, pack in enumerate(PACKS):
        nb = lab3_solution
        for _, gid, old, new, _ in pack:
            nb = apply(nb, gid, old, new)
        nbformat.write(nb, str(subs / f"mistakes-{i}.ipynb"))
        if i == 0:  # determinism: the same submission three times
            for copy_ in ("again-1", "again-2"):
                nbformat.write(nb, str(subs / f"mistakes-0-{copy_}.ipynb"))
    # every test cell emptied to `pass`, and a cell printing megabytes: the tests come back by grade id
    emptied = copy.deepcopy(lab3_solution)
    for c in emptied.cells:
        if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code":
            c.source = "pass"
    emptied.cells.append(nbformat.v4.new_code_cell('print("x" * 2_000_000)'))
    nbformat.write(emptied, str(subs / "tests-emptied-and-chatty.ipynb"))
    # a wrong D loss behind a check patched to do nothing; a G loss that returns NaN
    patched = apply(lab3_solution, "ex-d-loss", "    return -0.5 * F.logsigmoid(real_logits)",
                    "    lab.check_d_loss = lambda *args: None\n    return 0.5 * F.logsigmoid(real_logits)")
    patched = apply(patched, "ex-g-loss", "    return -0.5 * F.logsigmoid(fake_logits).mean()",
                    "    return torch.tensor(float('nan'))")
    nbformat.write(patched, str(subs / "patched-check-and-nan.ipynb"))
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in subs.iterdir()}
    out = tmp_path_factory.mktemp("graded")
    rows = grade(subs, LAB, out, project=root, timeout=20, progress=False, jobs=2)
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in subs.iterdir()}
    with open(out / "gradebook.csv", newline="") as f:
        csv_rows = {r["student_id"]: r for r in csv.DictReader(f)}
    return {"rows": {r["student_id"]: r for r in rows}, "csv": csv_rows, "out": out,
            "unchanged": before == after, "n": len(before)}


pytestmark = pytest.mark.slow  # the module-wide fixture grades 11 notebooks


def test_every_submission_gets_a_row_and_feedback(graded):
    assert len(graded["csv"]) == graded["n"]
    for student in graded["csv"]:
        assert (graded["out"] / "feedback" / f"{student}.html").is_file()


def test_submissions_folder_is_untouched(graded):
    assert graded["unchanged"]


def test_gradebook_columns(graded):
    row = graded["csv"]["solution"]
    assert list(row)[:4] == ["student_id", "assignment", "score", "max_score"]
    assert list(row)[-2:] == ["status", "reason"]
    assert set(POINTS) <= set(row) and "q-losses" in row


def test_solution_full_marks(graded):
    row = graded["rows"]["solution"]
    assert row["score"] == FULL == row["max_score"]
    assert row["status"] == "graded" and "needs manual grading: q-losses" in row["reason"]


def test_untouched_release_scores_zero_on_every_exercise(graded):
    row = graded["rows"]["untouched"]
    assert row["score"] == 0
    assert all(row[g] == 0 for g in POINTS)
    assert row["reason"].count("not attempted") == len(POINTS)


def test_unreadable_notebook_gets_a_row_and_a_reason(graded):
    row = graded["rows"]["not-json"]
    assert row["status"] == "unreadable" and row["score"] == 0 and "not a readable notebook" in row["reason"]
    assert "not a readable notebook" in (graded["out"] / "feedback" / "not-json.html").read_text()


def test_lost_metadata_is_repaired_and_said(graded):
    row = graded["rows"]["stripped metadata"]
    assert row["score"] == FULL and row["status"] == "repaired" and "restored" in row["reason"]
    assert "restored" in (graded["out"] / "feedback" / "stripped metadata.html").read_text()


def test_duplicated_and_deleted_test_cells_still_grade_fully(graded):
    assert graded["rows"]["duplicated-cell"]["score"] == FULL
    assert graded["rows"]["deleted-test"]["score"] == FULL


def test_infinite_loop_costs_only_its_exercise(graded):
    row = graded["rows"]["infinite-loop"]
    assert row["test-d-loss"] == 0 and row["score"] == FULL - POINTS["test-d-loss"]


def test_the_same_submission_gets_the_same_scores_three_times(graded):
    rows = [graded["rows"][sid] for sid in ("mistakes-0", "mistakes-0-again-1", "mistakes-0-again-2")]
    assert len({tuple(r[g] for g in POINTS) + (r["score"], r["reason"]) for r in rows}) == 1
    assert rows[0]["score"] < FULL  # a pack of mistakes: the scores compared are not all full marks


def test_emptied_test_cells_are_restored_and_a_chatty_notebook_is_graded(graded):
    row = graded["rows"]["tests-emptied-and-chatty"]
    assert row["score"] == FULL, row["reason"]
    assert (graded["out"] / "feedback" / "tests-emptied-and-chatty.html").is_file()


def test_a_patched_check_and_a_nan_answer_score_nothing_for_their_exercises(graded):
    row = graded["rows"]["patched-check-and-nan"]
    assert row["test-d-loss"] == 0 and row["test-g-loss"] == 0, row["reason"]
    assert row["score"] == FULL - POINTS["test-d-loss"] - POINTS["test-g-loss"]


@pytest.mark.parametrize("pack", range(len(PACKS)), ids=[" + ".join(m[0] for m in p) for p in PACKS])
def test_each_mistake_loses_its_exercise_with_a_reason_that_names_it(graded, pack):
    row = graded["rows"][f"mistakes-{pack}"]
    page = (graded["out"] / "feedback" / f"mistakes-{pack}.html").read_text()
    for name, grade_id, _, _, phrase in PACKS[pack]:
        assert row[TEST_OF[grade_id]] == 0, f"{name}: {TEST_OF[grade_id]} still scored"
        assert phrase in row["reason"] and phrase in page, f"{name}: {phrase!r} not in {row['reason']!r}"
    lost = sum(POINTS[TEST_OF[gid]] for _, gid, *_ in PACKS[pack])
    assert row["score"] == FULL - lost, f"other exercises lost points: {row['reason']}"


def test_feedback_reveals_no_hidden_test(graded, lab3_solution):
    hidden = [line.strip() for c in lab3_solution.cells
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


def test_a_failed_grading_process_costs_only_its_batch_and_says_so(root, tmp_path, monkeypatch):
    import gankit.grading.grade as grading

    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("a", "b", "c"):
        (subs / f"{name}.ipynb").write_text("{}")
    # a function the workers cannot receive: every batch's process fails before it grades anything
    monkeypatch.setattr(grading, "_grade_files", lambda *args, **kwargs: [])
    rows = grade(subs, LAB, tmp_path / "out", project=root, progress=False, jobs=2)
    assert [r["student_id"] for r in rows] == ["a", "b", "c"]
    assert all(r["status"] == "not graded" and "grading process failed" in r["reason"] for r in rows)
    assert all(r["max_score"] == FULL and r["score"] == 0 for r in rows)
    assert all((tmp_path / "out" / "feedback" / f"{n}.html").is_file() for n in "abc")
    with open(tmp_path / "out" / "gradebook.csv", newline="") as f:
        assert len(list(csv.DictReader(f))) == 3
