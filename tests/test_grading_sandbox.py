"""`gankit grade` on the attacks of tests/attacks.py, made from the real notebooks of Labs 1, 3, 6 and 7
(each attack in one lab's corpus, grading_corpus.ATTACKS) and graded beside the plain solution
(conftest.graded_lab): each gets its row, its reason and no more than its own work earns, leaves
nothing behind, reaches no server, and the solution keeps full marks. Last, one small run with
--no-sandbox, as an instructor can ask for it.
"""
import html
import re

import nbformat
import pytest

from attacks import FROM_RELEASE, FROM_SOLUTION, after_half, earned_before
from gankit.grading.feedback import redact, secret_lines_of
from gankit.grading.grade import grade
from gankit.grading.sandbox import Limits, probe
from grading_corpus import ATTACK_LABS, ATTACKS, lab_of, points
from hostile import SPY, with_cell

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=ATTACK_LABS)
def graded(request, graded_lab):
    return graded_lab(request.param)


@pytest.fixture(scope="module")
def sandbox(root):
    return probe(Limits(), hidden=[root])


@pytest.fixture(scope="module")
def holding(graded_lab):
    """holding(attack): the graded corpus of the lab that holds the attack."""
    return lambda attack: graded_lab(lab_of(attack))


def _expect_prefix(graded, name):
    """The row of an attack put halfway into the solution: the tests above it keep their points, the rest 0."""
    solution, row = graded["solution"], graded["rows"][f"attack-{name}"]
    kept = earned_before(solution, after_half(solution))
    for test, value in points(solution).items():
        want = value if test in kept else 0
        assert row[test] == want, f"{name}: {test} scored {row[test]}, expected {want}; {row['reason']}"
    return row


def test_the_solution_graded_beside_the_attacks_keeps_full_marks(graded):
    row = graded["rows"]["solution"]
    assert row["score"] == row["max_score"], row["reason"]


def test_attacks_made_from_the_release_score_nothing_and_are_graded(graded):
    for name in [n for n in ATTACKS[graded["lab"]] if n in FROM_RELEASE]:
        row = graded["rows"][f"attack-{name}"]
        assert row["status"] == "graded" and row["score"] == 0, (name, row["reason"])
        assert row["reason"].count("not attempted") == len(points(graded["solution"])), (name, row["reason"])


def test_attacks_leave_no_process_no_file_and_reach_no_server(graded):
    assert graded["traces"] == {"processes": [], "files": []}
    assert graded["connections"] == []
    assert graded["unchanged"]  # the submissions folder, classmates' notebooks included


def test_every_attack_is_graded_somewhere():
    assert sorted(n for names in ATTACKS.values() for n in names) == sorted([*FROM_RELEASE, *FROM_SOLUTION])


def test_a_kernel_that_kills_itself_keeps_what_it_earned(holding):
    row = _expect_prefix(holding("suicide"), "suicide")
    assert "the kernel died (killed by SIGKILL)" in row["reason"] and "did not run" in row["reason"], row["reason"]


def test_memory_past_the_limit_is_stopped_and_named(holding, sandbox):
    graded = holding("memory")
    row = graded["rows"]["attack-memory"]
    limiter = sandbox.limiter("memory")
    assert f"hit the memory limit (4 GiB, {limiter})" in row["reason"], row["reason"]
    if limiter.startswith("cgroup"):  # the kernel is killed: the cells after the hog did not run
        _expect_prefix(graded, "memory")
        assert "killed at the memory limit" in row["reason"], row["reason"]
    else:  # the allocation fails in its cell; the kernel lives on with what it holds
        kept = earned_before(graded["solution"], after_half(graded["solution"]))
        assert all(row[t] == p for t, p in points(graded["solution"]).items() if t in kept), row["reason"]


def test_forking_past_the_limit_is_stopped_and_named(holding, sandbox):
    row = holding("fork")["rows"]["attack-fork"]
    assert f"hit the process limit (512 processes and threads, {sandbox.limiter('processes')})" in row["reason"], \
        row["reason"]


@pytest.mark.parametrize("name", ["steal", "classmates", "gradebook"])
def test_what_the_attacks_saw_shows_none_of_the_course(holding, name):
    graded = holding(name)
    secrets = secret_lines_of(graded["solution"])
    page = (graded["out"] / "feedback" / f"attack-{name}.html").read_text()
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert re.search(r"(sources|classmates|gradebooks) found: 0", text), name
    assert redact(text, secrets) == text, name


def test_without_the_sandbox_the_notebook_sees_the_course_and_feedback_still_hides_it(tmp_path, root, notebooks):
    """--no-sandbox grades as before: a notebook reads the course and the repository and prints them;
    the feedback shows [hidden] where it printed, and the scores are still the source's."""
    lab = "01-minimax"
    subs = tmp_path / "subs"
    subs.mkdir()
    nbformat.write(with_cell(notebooks(lab, "notebooks"), SPY, at=4), str(subs / "spy.ipynb"))
    nbformat.write(notebooks(lab, "solutions"), str(subs / "solution.ipynb"))
    rows = {r["student_id"]: r for r in grade(subs, lab, tmp_path / "out", project=root, timeout=20, jobs=2,
                                               progress=False, sandbox=False)}
    assert rows["solution"]["score"] == rows["solution"]["max_score"], rows["solution"]["reason"]
    assert rows["spy"]["score"] == 0
    text = html.unescape(re.sub(r"<[^>]+>", "", (tmp_path / "out" / "feedback" / "spy.html").read_text()))
    assert "[hidden]" in text  # it did read and print the sources: what it printed was redacted
    secrets = secret_lines_of(notebooks(lab, "solutions"))
    assert redact(text, secrets) == text, [s for s in secrets if s in text][:3]
