"""`gankit grade` on Labs 1, 2, 4, 5 and 6: the solution scores full marks, the release zero on every exercise,
and every catalogued mistake costs exactly its exercise's points with a reason naming it.

Mistakes are graded in packs (one per exercise per notebook) to keep the run short: each exercise is
graded on its own, so a pack's score says which mistakes were caught.
"""
import copy

import nbformat
import pytest

import lab01_mistakes
import lab02_mistakes
import lab04_mistakes
import lab05_mistakes
import lab06_mistakes
from gankit.grading.grade import grade
from notebook_edits import apply, mistake_packs

CATALOGUE = {"01-minimax": lab01_mistakes, "02-optimal-d": lab02_mistakes, "04-cgan": lab04_mistakes,
             "05-cyclegan": lab05_mistakes, "06-evaluation": lab06_mistakes}
MANUAL = {"01-minimax": ["q-saturation", "q-collapse"], "02-optimal-d": ["q-saturation", "q-two-sample"],
          "04-cgan": ["q-same-label", "q-l1-and-patch"], "05-cyclegan": ["q-cycle", "q-identity", "q-pool"],
          "06-evaluation": ["q-parzen", "q-is-blind", "q-fid-n"]}

pytestmark = pytest.mark.slow


def _reshuffled(solution):
    """The solution as an editor can leave it: new cell ids, every test cell emptied to `pass`, the
    title cell moved to the end, and a cell that prints a megabyte. Nothing an answer needs is lost."""
    nb = copy.deepcopy(solution)
    for i, cell in enumerate(nb.cells):
        cell.id = f"edited-{i:03d}"
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = "pass"
    nb.cells.append(nb.cells.pop(0))
    nb.cells.append(nbformat.v4.new_code_cell('print("x" * 1_000_000)'))
    return nb


@pytest.fixture(scope="module", params=list(CATALOGUE))
def graded(request, tmp_path_factory, root, notebooks):
    lab, mod = request.param, CATALOGUE[request.param]
    subs = tmp_path_factory.mktemp(f"{lab}-submissions")
    solution = notebooks(lab, "solutions")
    nbformat.write(solution, str(subs / "solution.ipynb"))
    nbformat.write(notebooks(lab, "notebooks"), str(subs / "untouched.ipynb"))
    nbformat.write(_reshuffled(solution), str(subs / "reshuffled.ipynb"))
    packs = mistake_packs(mod.MISTAKES, mod.DEPENDS)
    for i, pack in enumerate(packs):
        nb = solution
        for _, gid, old, new, _ in pack:
            nb = apply(nb, gid, old, new)
        nbformat.write(nb, str(subs / f"pack-{i}.ipynb"))
    rows = {r["student_id"]: r for r in grade(subs, lab, tmp_path_factory.mktemp("graded"), project=root, timeout=30, jobs=2,
                                              progress=False)}
    return lab, mod, rows, packs


def test_solution_full_marks_and_questions_left_for_the_instructor(graded):
    lab, mod, rows, _ = graded
    row = rows["solution"]
    assert row["score"] == sum(mod.POINTS.values()) == row["max_score"], row["reason"]
    for question in MANUAL[lab]:
        assert question in row and question in row["reason"]


def test_reshuffled_solution_with_emptied_tests_scores_full_marks(graded):
    _, mod, rows, _ = graded
    row = rows["reshuffled"]
    assert row["score"] == sum(mod.POINTS.values()), row["reason"]


def test_untouched_release_scores_zero_on_every_exercise(graded):
    _, mod, rows, _ = graded
    row = rows["untouched"]
    assert row["score"] == 0 and all(row[t] == 0 for t in mod.POINTS)
    assert row["reason"].count("not attempted") == len(mod.POINTS)


def test_each_mistake_costs_its_exercise_and_is_named(graded):
    _, mod, rows, packs = graded
    for i, pack in enumerate(packs):
        row = rows[f"pack-{i}"]
        wrong = {gid for _, gid, *_ in pack}
        lost = {mod.TEST_OF[gid] for gid in wrong | {e for e, calls in mod.DEPENDS.items() if calls & wrong}}
        for name, gid, _, _, phrase in pack:
            assert row[mod.TEST_OF[gid]] == 0, f"{name}: {mod.TEST_OF[gid]} still scored"
            assert phrase in row["reason"], f"{name}: {phrase!r} not in {row['reason']!r}"
        assert row["score"] == sum(p for t, p in mod.POINTS.items() if t not in lost), f"pack {i}: {row['reason']}"
