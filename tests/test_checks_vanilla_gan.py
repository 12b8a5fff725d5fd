"""Lab 3's checks: the solution passes, the release fails, every catalogued mistake is named."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gankit.checks import CheckFailed
from gankit.checks import vanilla_gan as lab
from lab03_mistakes import MISTAKES
from notebook_edits import apply

RUNS = {
    "ex-generator": lambda ns: lab.check_generator(ns["Generator"]),
    "ex-discriminator": lambda ns: lab.check_discriminator(ns["Discriminator"]),
    "ex-d-loss": lambda ns: lab.check_d_loss(ns["d_loss"]),
    "ex-g-loss": lambda ns: lab.check_g_losses(ns["g_loss_minimax"], ns["g_loss_nonsaturating"]),
    "ex-train-iteration": lambda ns: lab.check_train_iteration(ns["train_iteration"]),
    "ex-interpolate": lambda ns: lab.check_interpolate(ns["interpolate"]),
}


def answer_namespace(nb, grade_id):
    """Execute one answer cell of a notebook as the lab would, and return its names."""
    (cell,) = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    ns = {"torch": torch, "nn": nn, "F": F}
    exec(cell.source, ns)
    return ns


@pytest.mark.parametrize("grade_id", sorted(RUNS))
def test_solution_passes(lab3_solution, grade_id, capsys):
    RUNS[grade_id](answer_namespace(lab3_solution, grade_id))
    assert capsys.readouterr().out.startswith("OK: ")


@pytest.mark.parametrize("grade_id", sorted(RUNS))
def test_release_fails(lab3_release, grade_id):
    with pytest.raises(NotImplementedError):
        RUNS[grade_id](answer_namespace(lab3_release, grade_id))


@pytest.mark.parametrize("name,grade_id,old,new,phrase", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_mistake_is_named(lab3_solution, name, grade_id, old, new, phrase):
    wrong = apply(lab3_solution, grade_id, old, new)
    with pytest.raises(CheckFailed, match=phrase):
        RUNS[grade_id](answer_namespace(wrong, grade_id))


def test_catalogue_is_large_and_distinct():
    assert len(MISTAKES) >= 10
    assert len({m[0] for m in MISTAKES}) == len(MISTAKES)


def test_checks_leave_the_random_state_alone(lab3_solution):
    ns = answer_namespace(lab3_solution, "ex-generator")
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    lab.check_generator(ns["Generator"])
    assert torch.equal(torch.rand(3), expected)
