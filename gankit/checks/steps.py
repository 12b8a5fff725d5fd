"""What the training-step checks share: an SGD that notes leftover gradients, a step call that names
fakes not detached, and the comparison of the weights after one iteration with the reference's and
with each typical mistake's variant."""
from __future__ import annotations

import torch

from gankit.checks import CheckFailed


class SGD(torch.optim.SGD):
    """SGD that notes, at each zero_grad, whether its parameters held gradients (G's optimiser finding
    gradients at its first zero_grad means D's step ran its backward through G), and counts its steps."""

    def __init__(self, params, lr: float = 0.5):
        super().__init__(params, lr=lr)
        self.had_gradients, self.steps = [], 0

    def step(self, closure=None):
        self.steps += 1
        return super().step(closure)

    def zero_grad(self, set_to_none: bool = True):
        self.had_gradients.append(any(p.grad is not None and bool(p.grad.abs().sum() > 0)
                                      for group in self.param_groups for p in group["params"]))
        super().zero_grad(set_to_none)


NOT_DETACHED = ("fakes not detached in D's step: its backward runs through G as well (wasted work, G's .grad "
                 "filled, and G's own backward then finds the graph freed); give D G(z).detach() there")


def call_step(step, *args):
    try:
        return step(*args)
    except RuntimeError as e:
        if "backward through the graph a second time" in str(e):
            raise CheckFailed(NOT_DETACHED + ".") from None
        raise


def flat(*nets) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for net in nets for p in net.parameters()])


def named_step(run, reference, mistakes: dict, what: str) -> None:
    """run(step) -> the weights after one iteration; the student's step is `run(None)`. Names the
    mistake whose variant gives the same weights, or says which weights differ."""
    got, want = run(None), run(reference)
    if torch.allclose(got, want, atol=1e-6):
        return
    for message, variant in mistakes.items():
        if torch.allclose(got, run(variant), atol=1e-6):
            raise CheckFailed(message + ".")
    raise CheckFailed(what)
