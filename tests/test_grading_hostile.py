"""`gankit grade` on broken and hostile submissions of every lab (tests/grading_corpus.py, tests/hostile.py).

Per lab, two notebooks made from the solution: "broken" (metadata stripped and ids rewritten, a syntax
error, an answer that never returns, one that returns NaN) and "hostile" (every visible check and the
checks' helpers switched off, one answer delegating to the kit, one returning an extra axis, one half
precision, one moving its tensors to a GPU the grader lacks). Each attack costs exactly its exercise
(and the exercises that call it). Lab 1 also grades a notebook that tries to delete its own course
directory while it runs; Lab 6 one that tries to read the course and the project's solutions from disk
and print them, and one that rebinds torch.allclose and abs.
"""
import html
import re

import pytest

from gankit.grading.feedback import redact, secret_lines_of
from grading_corpus import CATALOGUE, PLAN, lost, points

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=list(PLAN))
def graded(request, graded_lab):
    return graded_lab(request.param)


def _expect(graded, student, attacked):
    tests, row = points(graded["solution"]), graded["rows"][student]
    gone = lost(CATALOGUE[graded["lab"]], attacked)
    for test in tests:
        want = 0 if test in gone else tests[test]
        assert row[test] == want, f"{student}: {test} scored {row[test]}, expected {want}; {row['reason']}"
    assert row["score"] == sum(p for t, p in tests.items() if t not in gone), row["reason"]
    return row


def test_broken_notebook_loses_exactly_its_broken_exercises(graded):
    (syntax, loop, nan), _ = PLAN[graded["lab"]]
    row = _expect(graded, "broken", [e for e in (syntax, loop, nan) if e])
    assert row["status"] == "repaired" and "restored" in row["reason"]
    assert "restored" in (graded["out"] / "feedback" / "broken.html").read_text()
    assert f"{CATALOGUE[graded['lab']].TEST_OF[syntax]}: NameError" in row["reason"], row["reason"]
    if loop:  # a lab's corpus may leave the endless loop to the others (grading_corpus.PLAN)
        assert f"{CATALOGUE[graded['lab']].TEST_OF[loop]}: timed out" in row["reason"], row["reason"]


def test_hostile_notebook_gains_nothing_from_switching_the_checks_off(graded):
    _, (delegated, *others) = PLAN[graded["lab"]]
    row = _expect(graded, "hostile", [delegated[0], *[e for e in others if e]])
    assert f"{CATALOGUE[graded['lab']].TEST_OF[delegated[0]]}: CheckFailed: your code calls" in row["reason"] \
        or "is the kit's own implementation" in row["reason"], row["reason"]


def test_a_notebook_deleting_its_course_finds_none_of_it(graded_lab):
    """The vandal looks for its course's gradebook to delete the course: in the sandbox there is none
    to find (its cell fails), so its answers, the solution's, earn full marks, as does the solution."""
    graded = graded_lab("01-minimax")
    row = graded["rows"]["vandal"]
    assert row["status"] == "graded" and row["score"] == row["max_score"], row["reason"]
    assert graded["rows"]["solution"]["score"] == graded["rows"]["solution"]["max_score"]


def test_a_notebook_reading_the_hidden_tests_from_disk_shows_none_of_them(graded_lab):
    """The spy reads its course directory and the repository's solutions/ and prints them: in the sandbox
    it finds none of them (test_grading_sandbox.py grades it without one, where redaction has to work)."""
    graded = graded_lab("06-evaluation")
    row = graded["rows"]["spy"]
    assert row["score"] == 0 and row["reason"].count("not attempted") == len(points(graded["solution"]))
    raw = (graded["out"] / "feedback" / "spy.html").read_text()
    text = html.unescape(re.sub(r"<[^>]+>", "", raw))
    secrets = secret_lines_of(graded["solution"])
    assert redact(text, secrets) == text, [s for s in secrets if s in text][:3]
    assert "BEGIN HIDDEN TESTS" not in text and "gradebook.db" not in text


def test_a_notebook_rebinding_what_hidden_tests_use_scores_nothing(graded_lab):
    graded = graded_lab("06-evaluation")
    row = graded["rows"]["tamper"]
    assert row["score"] == 0, row["reason"]
    assert row["reason"].count("replaced torch.allclose") == len(points(graded["solution"])), row["reason"]
