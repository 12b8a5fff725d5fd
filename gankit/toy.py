"""Toy data with known densities: Gaussian mixtures in 1D and 2D, the ring of 8 Gaussians, the grid
of 25 Gaussians; and the Swiss roll (WGAN-GP's three toys), which has no modes to count.

On a toy, p_data is known exactly, so the game can be drawn (D's surface, p_g against p_data) and
measured (modes captured). Points are float tensors (N, d); densities are evaluated on (N, d) too.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Mixture:
    """An isotropic Gaussian mixture: sum_j w_j N(x; mu_j, std^2 I).

    means (K, d); std shared by all components (the mode-coverage convention); weights (K,), sum 1.
    """
    means: torch.Tensor
    std: float
    weights: torch.Tensor
    name: str = "mixture"

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    def sample(self, n: int, generator: torch.Generator | None = None, device=None) -> torch.Tensor:
        """n points (n, d); `generator` (CPU) makes the draw reproducible on every device."""
        which = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        noise = torch.randn(n, self.dim, generator=generator)
        return (self.means[which] + self.std * noise).to(device)

    def log_pdf(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) for x (N, d) -> (N,), through logsumexp so far tails do not underflow."""
        x = x.to(self.means.dtype)
        sq = torch.cdist(x, self.means).pow(2)  # (N, K)
        log_norm = -0.5 * self.dim * math.log(2 * math.pi * self.std ** 2)
        return torch.logsumexp(torch.log(self.weights) + log_norm - sq / (2 * self.std ** 2), dim=1)

    def pdf(self, x: torch.Tensor) -> torch.Tensor:
        return self.log_pdf(x).exp()


def ring(n_modes: int = 8, radius: float = 2.0, std: float = 0.05) -> Mixture:
    """The ring of Gaussians from the mode-collapse literature (Metz et al. 2017): equal weights."""
    angle = torch.arange(n_modes, dtype=torch.float64) * (2 * math.pi / n_modes)
    means = radius * torch.stack([angle.cos(), angle.sin()], dim=1)
    return Mixture(means.float(), std, torch.full((n_modes,), 1.0 / n_modes), name=f"ring of {n_modes}")


def grid(n_side: int = 5, spacing: float = 1.0, std: float = 0.05) -> Mixture:
    """The 5 x 5 grid of Gaussians (WGAN-GP, Gulrajani et al. 2017), centred on 0: equal weights."""
    axis = (torch.arange(n_side, dtype=torch.float32) - (n_side - 1) / 2) * spacing
    means = torch.cartesian_prod(axis, axis)
    return Mixture(means, std, torch.full((len(means),), 1.0 / len(means)), name=f"{len(means)} Gaussians")


@dataclass(frozen=True)
class SwissRoll:
    """The 2D Swiss roll: t ~ 1.5 pi (1 + 2 U), x = (t cos t, t sin t) / scale + noise. A curve, not modes."""
    noise: float = 0.05
    scale: float = 7.5
    name: str = "Swiss roll"
    dim: int = 2

    def sample(self, n: int, generator: torch.Generator | None = None, device=None) -> torch.Tensor:
        t = 1.5 * math.pi * (1 + 2 * torch.rand(n, generator=generator))
        curve = torch.stack([t * t.cos(), t * t.sin()], dim=1) / self.scale
        return (curve + self.noise * torch.randn(n, 2, generator=generator)).to(device)


def mixture_1d(means=(-2.0, 2.0), std: float = 0.5, weights=None) -> Mixture:
    """A 1D mixture, (N, 1) points; two well-separated modes by default."""
    m = torch.tensor(means, dtype=torch.float32).view(-1, 1)
    w = torch.full((len(means),), 1.0 / len(means)) if weights is None else torch.tensor(weights, dtype=torch.float32)
    return Mixture(m, std, w / w.sum(), name=f"{len(means)} Gaussians in 1D")


def grid_points(lim: float, n: int = 100) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """An n x n grid over [-lim, lim]^2: (xx, yy) each (n, n) and the points (n*n, 2), for surfaces."""
    axis = torch.linspace(-lim, lim, n)
    xx, yy = torch.meshgrid(axis, axis, indexing="xy")
    return xx, yy, torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=1)


DATASETS = {"ring": ring, "grid": grid, "swiss-roll": SwissRoll, "1d": mixture_1d}


def dataset(name: str) -> Mixture | SwissRoll:
    """A toy by name: 'ring' (8 Gaussians in 2D), 'grid' (25), 'swiss-roll' or '1d' (2 Gaussians)."""
    if name not in DATASETS:
        raise ValueError(f"unknown toy data set {name!r}: choose one of {', '.join(DATASETS)}.")
    return DATASETS[name]()
