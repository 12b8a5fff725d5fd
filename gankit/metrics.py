"""Measuring generators: pure functions on samples or features.

Mode coverage on toy mixtures (Lab 1, reused by Lab 6).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Coverage:
    """How a sample covers a mixture's modes."""
    modes_captured: int      # modes holding at least min_share of the samples as high-quality ones
    n_modes: int
    high_quality: float      # share of samples within n_std standard deviations of their nearest mode
    counts: list             # high-quality samples per mode

    def __str__(self) -> str:
        return f"{self.modes_captured}/{self.n_modes} modes captured, {100 * self.high_quality:.1f} % high-quality samples"


def mode_coverage(samples: torch.Tensor, means: torch.Tensor, std: float, n_std: float = 3.0,
                  min_share: float = 0.01) -> Coverage:
    """Mode coverage of `samples` (N, d) on a mixture with modes `means` (K, d) and component std `std`.

    A sample is high-quality when it lies within n_std * std of its nearest mode (Srivastava et al.
    2017, Metz et al. 2017); a mode is captured when at least min_share of all samples are
    high-quality samples of that mode (1 %, i.e. 12.5 % of a fair share on the ring of 8).
    """
    if samples.dim() != 2 or samples.shape[1] != means.shape[1]:
        raise ValueError(f"samples must be (N, {means.shape[1]}) like the modes, got {tuple(samples.shape)}.")
    samples = samples.detach().to("cpu", means.dtype)
    dist, nearest = torch.cdist(samples, means.cpu()).min(dim=1)
    good = dist <= n_std * std
    counts = torch.bincount(nearest[good], minlength=len(means))
    captured = int((counts >= min_share * len(samples)).sum())
    return Coverage(captured, len(means), good.float().mean().item(), counts.tolist())
