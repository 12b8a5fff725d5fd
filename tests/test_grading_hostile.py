"""`gankit grade` on broken and hostile submissions of every lab (tests/hostile.py makes them).

Per lab, two notebooks made from the solution: "broken" (metadata stripped and ids rewritten, a syntax
error, an answer that never returns, one that returns NaN) and "hostile" (every visible check and the
checks' helpers switched off, one answer delegating to the kit, one returning an extra axis, one half
precision, one moving its tensors to a GPU the grader lacks). Each attack costs exactly its exercise
(and the exercises that call it). Lab 1 also grades a notebook that deletes its own course directory
while it runs; Lab 6 one that reads the course and the project's solutions from disk and prints them,
and one that rebinds torch.allclose and abs.
"""
import hashlib
import html
import re

import nbformat
import pytest

import lab01_mistakes
import lab02_mistakes
import lab03_mistakes
import lab04_mistakes
import lab05_mistakes
import lab06_mistakes
from gankit.grading.feedback import redact, secret_lines_of
from gankit.grading.grade import grade
from hostile import SPY, TAMPER, VANDAL, delegating, infinite_loop, on_gpu, poisoned, stripped, syntax_error, with_cell

# lab: (catalogue, broken: syntax / loop / nan, hostile: delegated (exercise, code) / shape / dtype / gpu)
PLAN = {
    "01-minimax": (lab01_mistakes, ("ex-value", "ex-losses", "ex-gradient"),
                   (("ex-algorithm1", "from gankit import training\nalgorithm1_iteration = training.algorithm1_iteration"),
                    "ex-losses", "ex-gradient", "ex-value")),
    "02-optimal-d": (lab02_mistakes, ("ex-two-sample", "ex-value-at-optimum", "ex-optimal-d"),
                     (("ex-value-at-optimum", "from gankit import theory\n"
                                              "def value_at_optimum(p_data, p_g, dx):\n"
                                              "    return theory.value_at_optimum(p_data, p_g, dx)"),
                      "ex-jsd", "ex-optimal-d", "ex-two-sample")),
    "03-vanilla-gan": (lab03_mistakes, ("ex-interpolate", None, "ex-g-loss"),
                       (("ex-d-loss", "from gankit import losses\nd_loss = losses.d_loss"),
                        "ex-interpolate", "ex-g-loss", None)),
    "04-cgan": (lab04_mistakes, ("ex-class-grid", "ex-patch-d-loss", "ex-pix2pix-g-loss"),
                (("ex-cond-losses", "from gankit import losses\n"
                                    "def cgan_d_loss(D, real, fake, labels):\n"
                                    "    return losses.cgan_d_loss(D, real, fake, labels)"),
                 "ex-patch-d-loss", "ex-pix2pix-g-loss", "ex-one-hot")),
    "05-cyclegan": (lab05_mistakes, ("ex-train-step", "ex-image-pool", "ex-lsgan"),
                    (("ex-image-pool", "from gankit import cyclegan\nclass ImagePool(cyclegan.ImagePool):\n    pass"),
                     "ex-lsgan", "ex-generator-loss", "ex-train-step")),
    "06-evaluation": (lab06_mistakes, ("ex-gaussian-fit", "ex-parzen", "ex-frechet"),
                      (("ex-parzen", "from gankit import metrics\n"
                                     "def parzen_log_likelihood(samples, test, sigma):\n"
                                     "    return metrics.parzen_log_likelihood(samples, test, sigma)"),
                       "ex-gaussian-fit", "ex-inception-score", "ex-frechet")),
}

pytestmark = pytest.mark.slow


def _broken(solution, syntax, loop, nan):
    nb = syntax_error(solution, syntax)
    if loop:
        nb = infinite_loop(nb, loop)
    return stripped(poisoned(nb, nan, "nan"))


def _hostile(solution, delegated, shape, dtype, gpu):
    nb = delegating(solution, *delegated)
    nb = poisoned(poisoned(nb, shape, "shape"), dtype, "dtype")
    return on_gpu(nb, gpu) if gpu else nb


@pytest.fixture(scope="module", params=list(PLAN))
def graded(request, tmp_path_factory, root, notebooks):
    lab = request.param
    mod, broken, hostile = PLAN[lab]
    solution, release = notebooks(lab, "solutions"), notebooks(lab, "notebooks")
    subs = tmp_path_factory.mktemp(f"{lab}-hostile")
    nbformat.write(_broken(solution, *broken), str(subs / "broken.ipynb"))
    nbformat.write(_hostile(solution, *hostile), str(subs / "hostile.ipynb"))
    if lab == "01-minimax":
        nbformat.write(with_cell(solution, VANDAL, at=4), str(subs / "vandal.ipynb"))
    if lab == "06-evaluation":
        nbformat.write(with_cell(release, SPY + '\nprint("x" * 3_000_000)', at=4), str(subs / "spy.ipynb"))
        nbformat.write(with_cell(solution, TAMPER, at=4), str(subs / "tamper.ipynb"))
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in subs.iterdir()}
    out = tmp_path_factory.mktemp(f"{lab}-graded")
    rows = {r["student_id"]: r for r in grade(subs, lab, out, project=root, timeout=20, jobs=2, progress=False)}
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in subs.iterdir()}
    points = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"] for c in solution.cells
              if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}
    return {"lab": lab, "mod": mod, "rows": rows, "out": out, "unchanged": before == after, "n": len(before),
            "solution": solution, "points": points}


def _lost(mod, attacked) -> set:
    """The tests an attack on `attacked` exercises costs: theirs, and those of the exercises calling them."""
    depends = getattr(mod, "DEPENDS", {}) or {}
    hit = set(attacked) | {e for e, calls in depends.items() if calls & set(attacked)}
    return {mod.TEST_OF[e] for e in hit}


def _expect(graded, student, attacked):
    points, row = graded["points"], graded["rows"][student]
    lost = _lost(graded["mod"], attacked)
    for test in points:
        want = 0 if test in lost else points[test]
        assert row[test] == want, f"{student}: {test} scored {row[test]}, expected {want}; {row['reason']}"
    assert row["score"] == sum(p for t, p in points.items() if t not in lost), row["reason"]
    return row


def test_every_file_gets_a_row_and_feedback_and_the_folder_is_untouched(graded):
    assert len(graded["rows"]) == graded["n"] and graded["unchanged"]
    for student, row in graded["rows"].items():
        assert row["reason"], student
        assert (graded["out"] / "feedback" / f"{student}.html").is_file()


def test_broken_notebook_loses_exactly_its_broken_exercises(graded):
    _, broken, _ = PLAN[graded["lab"]]
    row = _expect(graded, "broken", [e for e in broken if e])
    assert row["status"] == "repaired" and "restored" in row["reason"]
    assert "SyntaxError" in row["reason"] or "NameError" in row["reason"], row["reason"]
    if broken[1]:
        assert f"{graded['mod'].TEST_OF[broken[1]]}: timed out" in row["reason"], row["reason"]


def test_hostile_notebook_gains_nothing_from_switching_the_checks_off(graded):
    _, _, (delegated, *others) = PLAN[graded["lab"]]
    row = _expect(graded, "hostile", [delegated[0], *[e for e in others if e]])
    assert "the kit's own implementation" in row["reason"], row["reason"]


def test_a_notebook_deleting_its_course_costs_only_its_own_row(graded):
    if "vandal" not in graded["rows"]:
        pytest.skip("graded in Lab 1's batch")
    row = graded["rows"]["vandal"]
    assert row["status"] == "not graded" and row["score"] == 0 and row["reason"]
    assert graded["rows"]["broken"]["status"] == "repaired"  # its batch-mates were graded


def test_a_notebook_reading_the_hidden_tests_from_disk_shows_none_of_them(graded):
    if "spy" not in graded["rows"]:
        pytest.skip("graded in Lab 6's batch")
    row = graded["rows"]["spy"]
    assert row["score"] == 0 and row["reason"].count("not attempted") == len(graded["points"])
    raw = (graded["out"] / "feedback" / "spy.html").read_text()
    text = html.unescape(re.sub(r"<[^>]+>", "", raw))
    assert "[hidden]" in text  # it did print the sources: what it printed was redacted
    secrets = secret_lines_of(graded["solution"])
    assert redact(text, secrets) == text, [s for s in secrets if s in text][:3]


def test_a_notebook_rebinding_what_hidden_tests_use_scores_nothing(graded):
    if "tamper" not in graded["rows"]:
        pytest.skip("graded in Lab 6's batch")
    row = graded["rows"]["tamper"]
    assert row["score"] == 0, row["reason"]
    assert row["reason"].count("replaced torch.allclose") == len(graded["points"]), row["reason"]
