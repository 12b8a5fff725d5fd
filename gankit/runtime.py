"""Seeds, device choice and the fast-mode training budget: the three knobs every lab sets once."""
from __future__ import annotations

import os
import random

import numpy as np
import torch

FAST_ENV = "GANKIT_FAST"


def seed(n: int) -> torch.Generator:
    """Seed python, numpy and torch (all devices); return a torch.Generator seeded with n too."""
    random.seed(n)
    np.random.seed(n)
    torch.manual_seed(n)
    return torch.Generator().manual_seed(n)


def device(prefer: str | None = None) -> torch.device:
    """The best device here: cuda, then mps, then cpu. `prefer` forces one ("cpu" in tests)."""
    if prefer is not None:
        return torch.device(prefer)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def fast_mode() -> bool:
    """True when GANKIT_FAST is set to a true value (CI and the grader set it)."""
    return os.environ.get(FAST_ENV, "").strip().lower() not in ("", "0", "false", "no")


def budget(full, fast):
    """`full` normally, `fast` under GANKIT_FAST=1, so labs never branch on the variable themselves.

    >>> steps = budget(full=3000, fast=30)
    """
    return fast if fast_mode() else full
