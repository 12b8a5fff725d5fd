"""Written answers graded by question (gankit.grading.written), on Lab 3's graded corpus: written.html
shows each answer beside the model answer, a filled written.csv lands in the gradebook and the feedback,
each bad entry is refused with its row and column, and grading again keeps the points."""
import csv
import hashlib
import html
import re
import shutil

import pytest

from gankit import cli
from gankit.grading.course import GradingError
from gankit.grading.grade import grade
from gankit.grading.written import merge, questions
from grading_corpus import MADE_UP_ANSWER, written_answer

pytestmark = pytest.mark.slow
LAB = "03-vanilla-gan"


@pytest.fixture
def graded(graded_lab, tmp_path):
    """A copy of Lab 3's graded output, to merge into without touching the shared one."""
    shared = graded_lab(LAB)
    out = tmp_path / "graded"
    shutil.copytree(shared["out"], out)
    return {**shared, "out": out}


def _rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _fill(out, entries: dict):
    """entries: student -> column -> value, written into OUT/written.csv as an instructor would."""
    rows = _rows(out / "written.csv")
    for row in rows:
        row.update(entries.get(row["student_id"], {}))
    with open(out / "written.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def test_written_html_shows_every_answer_beside_the_model_answer(graded):
    page = (graded["out"] / "written.html").read_text()
    (q,) = questions(graded["solution"])
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert "Why do the losses of a GAN" in text and "## 9. Question" in text
    assert q["model"].strip()[:80] in text and text.count(q["model"].strip()[:80]) >= 2  # model answer, solution's
    assert MADE_UP_ANSWER in text and "<b>quality</b>" not in page  # shown as text, not as markup
    assert "id='q-losses-written-answer'" in page and "#q-losses-solution" in page
    sheet = _rows(graded["out"] / "written.csv")
    assert list(sheet[0]) == ["student_id", "q-losses points", "q-losses comment"]
    assert {r["student_id"] for r in sheet} == set(graded["rows"]) and not any(r["q-losses points"] for r in sheet)


def test_a_filled_sheet_lands_in_the_gradebook_and_the_feedback(graded, root):
    out = graded["out"]
    _fill(out, {"written-answer": {"q-losses points": "1.5", "q-losses comment": 'Right idea; say "opponent", too.'},
                "solution": {"q-losses points": "2"}})
    assert cli.main(["merge", str(out), "--project", str(root)]) == 0
    rows = {r["student_id"]: r for r in _rows(out / "gradebook.csv")}
    assert float(rows["solution"]["score"]) == float(rows["solution"]["max_score"]) == 17.0  # 15 autograded + 2
    assert float(rows["written-answer"]["score"]) == 1.5 and rows["written-answer"]["q-losses"] == "1.5"
    assert "written answers graded" in rows["written-answer"]["reason"]
    assert "needs manual grading: q-losses" in rows["untouched"]["reason"] and rows["untouched"]["max_score"] == "17.0"
    page = (out / "feedback" / "written-answer.html").read_text()
    assert "1.5 / 2" in page and html.escape('Right idea; say "opponent", too.') in page
    before = {p.name: p.read_bytes() for p in [out / "gradebook.csv", *sorted((out / "feedback").iterdir())]}
    merge(out, graded["solution"])  # again: nothing changes
    assert before == {p.name: p.read_bytes() for p in [out / "gradebook.csv", *sorted((out / "feedback").iterdir())]}


@pytest.mark.parametrize("column, value, said", [
    ("q-losses points", "3", "'q-losses points': 3 is outside 0 to 2"),
    ("q-losses points", "-1", "'q-losses points': -1 is outside 0 to 2"),
    ("q-losses points", "two", "'two' is not a number"),
])
def test_each_bad_entry_is_refused_and_nothing_is_written(graded, column, value, said):
    out = graded["out"]
    _fill(out, {"written-answer": {column: value}})
    book = hashlib.sha256((out / "gradebook.csv").read_bytes()).hexdigest()
    with pytest.raises(GradingError, match=re.escape(said)) as e:
        merge(out, graded["solution"])
    assert "(written-answer)" in str(e.value) and "nothing was written" in str(e.value)
    assert hashlib.sha256((out / "gradebook.csv").read_bytes()).hexdigest() == book


def test_unknown_students_and_questions_are_refused(graded):
    out = graded["out"]
    with open(out / "written.csv", "a", newline="", encoding="utf-8") as f:
        csv.writer(f, quoting=csv.QUOTE_ALL).writerow(["mallory", "1", ""])
    with pytest.raises(GradingError, match="row .*: student 'mallory' is not in the gradebook"):
        merge(out, graded["solution"])
    rows = _rows(out / "written.csv")
    with open(out / "written.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]) + ["q-bogus points"])
        w.writeheader()
        w.writerows(r for r in rows if r["student_id"] != "mallory")
    with pytest.raises(GradingError, match="column 'q-bogus points' names no written question"):
        merge(out, graded["solution"])


def test_grading_again_keeps_the_written_points(tmp_path, root, notebooks):
    subs, out = tmp_path / "subs", tmp_path / "graded"
    subs.mkdir()
    import nbformat
    nbformat.write(written_answer(notebooks(LAB, "notebooks")), str(subs / "eve.ipynb"))
    grade(subs, LAB, out, project=root, timeout=20, progress=False)
    _fill(out, {"eve": {"q-losses points": "2", "q-losses comment": "good"}})
    (row,) = grade(subs, LAB, out, project=root, timeout=20, progress=False)  # the class graded again
    assert row["q-losses"] == 2.0 and row["score"] == 2.0 and row["max_score"] == 17.0
    assert _rows(out / "written.csv")[0]["q-losses comment"] == "good"
    assert "2 / 2 - good" in (out / "feedback" / "eve.html").read_text()
