import random

import numpy as np
import torch

import gankit


def test_seed_makes_python_numpy_and_torch_repeat():
    gankit.seed(7)
    a = (random.random(), np.random.rand(), torch.rand(1).item())
    gankit.seed(7)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == a


def test_budget_follows_fast_mode(monkeypatch):
    monkeypatch.delenv("GANKIT_FAST", raising=False)
    assert gankit.budget(full=3000, fast=30) == 3000
    monkeypatch.setenv("GANKIT_FAST", "1")
    assert gankit.budget(full=3000, fast=30) == 30
    monkeypatch.setenv("GANKIT_FAST", "0")
    assert gankit.budget(full=3000, fast=30) == 3000


def test_device_prefers_what_is_asked_and_else_finds_one():
    assert gankit.device("cpu") == torch.device("cpu")
    assert gankit.device().type in ("cuda", "mps", "cpu")
