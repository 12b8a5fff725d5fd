"""Self-checks the labs run after each exercise, one module per lab.

A check prints one short line when the exercise behaves as the lecture says and raises
CheckFailed otherwise, with a message that names the mistake and says what to change. Checks
test behaviour (values on fixed inputs, gradients, shapes), not spelling. They print to stdout
only: nbgrader scores a test cell zero on any output to stderr.
"""
from __future__ import annotations

import functools

import torch


class CheckFailed(AssertionError):
    """An exercise does not do what the lab asks; the message names the mistake."""


def passed(what: str) -> None:
    print(f"OK: {what}")


def require(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def close(a, b, tol: float = 1e-5) -> bool:
    """True when two numbers or tensors agree to `tol` (relative and absolute)."""
    a, b = torch.as_tensor(a, dtype=torch.float64), torch.as_tensor(b, dtype=torch.float64)
    return a.shape == b.shape and bool(torch.allclose(a, b, rtol=tol, atol=tol))


def scalar(value, name: str) -> torch.Tensor:
    """The exercise's return value as a 0-dim tensor, or CheckFailed saying why it is not one."""
    require(isinstance(value, torch.Tensor), f"{name} must return a torch.Tensor, got {type(value).__name__}.")
    require(value.dim() == 0, f"{name} must return a scalar (0-dim) tensor averaged over the batch, "
                              f"got shape {tuple(value.shape)}: take .mean() over the batch.")
    require(bool(torch.isfinite(value)), f"{name} returned {value.item()} on moderate inputs.")
    return value


def isolated_rng(check):
    """Run a check on its own copy of the random state, so that running it leaves the lab's seeds alone."""
    @functools.wraps(check)
    def wrapper(*args, **kwargs):
        with torch.random.fork_rng(devices=[]):
            return check(*args, **kwargs)
    return wrapper
