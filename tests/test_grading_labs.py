"""`gankit grade` on every lab: the solution scores full marks (also as an editor leaves it), the
release zero on every exercise, and every catalogued mistake costs exactly its exercise's points with
a reason naming it.

Mistakes are graded in packs (one per exercise per notebook) to keep the run short: each exercise is
graded on its own, so a pack's score says which mistakes were caught.
"""
import html

import pytest

from grading_corpus import CATALOGUE, MANUAL, RESHUFFLED_LAB, lost, points

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=list(CATALOGUE))
def graded(request, graded_lab):
    return graded_lab(request.param)


def test_every_file_gets_a_row_and_feedback_and_the_folder_is_untouched(graded):
    assert len(graded["rows"]) == len(graded["csv"]) == graded["n"] and graded["unchanged"]
    for student, row in graded["rows"].items():
        page = (graded["out"] / "feedback" / f"{student}.html").read_text(encoding="utf-8")
        assert row["reason"] and html.escape(row["reason"]) in page, student  # the reason, said to the student


def test_solution_full_marks_and_questions_left_for_the_instructor(graded):
    row = graded["rows"]["solution"]
    assert row["score"] == sum(points(graded["solution"]).values()) == row["max_score"], row["reason"]
    assert row["status"] == "graded"
    for question in MANUAL[graded["lab"]]:
        assert question in row and question in row["reason"]


def test_reshuffled_solution_with_emptied_tests_scores_full_marks(graded_lab):
    graded = graded_lab(RESHUFFLED_LAB)
    row = graded["rows"]["reshuffled"]
    assert row["score"] == sum(points(graded["solution"]).values()), row["reason"]


def test_untouched_release_scores_zero_on_every_exercise(graded):
    row, tests = graded["rows"]["untouched"], points(graded["solution"])
    assert row["score"] == 0 and all(row[t] == 0 for t in tests)
    assert row["reason"].count("not attempted") == len(tests)


def test_each_mistake_costs_its_exercise_and_is_named(graded):
    mod, tests = CATALOGUE[graded["lab"]], points(graded["solution"])
    for i, pack in enumerate(graded["packs"]):
        row = graded["rows"][f"pack-{i}"]
        page = (graded["out"] / "feedback" / f"pack-{i}.html").read_text()
        for name, gid, _, _, phrase in pack:
            assert row[mod.TEST_OF[gid]] == 0, f"{name}: {mod.TEST_OF[gid]} still scored"
            assert phrase in row["reason"] and phrase in page, f"{name}: {phrase!r} not in {row['reason']!r}"
        gone = lost(mod, [gid for _, gid, *_ in pack])
        assert row["score"] == sum(p for t, p in tests.items() if t not in gone), f"pack {i}: {row['reason']}"
