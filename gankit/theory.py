"""The optimal discriminator and the divergences behind the GAN objective, on a 1D grid; the earth
mover's distance W1 between 1D samples (Lab 7).

Densities are float64 tensors sampled on an evenly spaced grid x (n,) with spacing dx; an
integral int f(x) dx is the Riemann sum f.sum() * dx, accurate when the grid spans the support
and resolves it. All logarithms are natural (nats): log 4 and log 2 appear in the theorems as such.
"""
from __future__ import annotations

import math

import torch

LOG2, LOG4 = math.log(2.0), math.log(4.0)


def grid(lo: float = -8.0, hi: float = 8.0, n: int = 4001) -> tuple[torch.Tensor, float]:
    """Evenly spaced points (n,) from lo to hi, float64, and their spacing dx."""
    x = torch.linspace(lo, hi, n, dtype=torch.float64)
    return x, (hi - lo) / (n - 1)


def gaussian(x: torch.Tensor, mu: float = 0.0, sigma: float = 1.0) -> torch.Tensor:
    """N(x; mu, sigma^2)."""
    return torch.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))


def uniform(x: torch.Tensor, a: float = 0.0, b: float = 1.0) -> torch.Tensor:
    """U(x; a, b): 1 / (b - a) on [a, b), 0 elsewhere (half-open, so that grid sums are exact)."""
    return ((x >= a) & (x < b)).to(torch.float64) / (b - a)


def mixture(x: torch.Tensor, components, weights=None) -> torch.Tensor:
    """sum_j w_j N(x; mu_j, sigma_j^2) for components [(mu, sigma), ...]; equal weights by default."""
    weights = weights or [1.0 / len(components)] * len(components)
    return sum(w * gaussian(x, mu, s) for w, (mu, s) in zip(weights, components))


def optimal_discriminator(p_data: torch.Tensor, p_g: torch.Tensor) -> torch.Tensor:
    """D*_G(x) = p_data(x) / (p_data(x) + p_g(x)), the pointwise maximiser of
    p_data log D + p_g log(1 - D). Where neither density has mass D* is arbitrary: 1/2 here.
    """
    total = p_data + p_g
    return torch.where(total > 0, p_data / total.clamp_min(1e-300), torch.full_like(total, 0.5))


def _xlogy_ratio(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """p log(p / q) with 0 log(0 / q) = 0, the convention that makes KL finite on disjoint tails."""
    return torch.xlogy(p, p) - torch.xlogy(p, q)


def kl(p: torch.Tensor, q: torch.Tensor, dx: float) -> torch.Tensor:
    """KL(p || q) = int p log(p / q) dx, in nats; infinite where p has mass and q has none."""
    return _xlogy_ratio(p, q).sum() * dx


def jsd(p: torch.Tensor, q: torch.Tensor, dx: float) -> torch.Tensor:
    """JSD(p, q) = 1/2 KL(p || m) + 1/2 KL(q || m), m = (p + q) / 2; between 0 and log 2."""
    m = 0.5 * (p + q)
    return 0.5 * kl(p, m, dx) + 0.5 * kl(q, m, dx)


def value_at_optimum(p_data: torch.Tensor, p_g: torch.Tensor, dx: float) -> torch.Tensor:
    """V(G, D*) = int p_data log D* + p_g log(1 - D*) dx, which Goodfellow et al.'s Theorem 1
    shows equals 2 JSD(p_data, p_g) - log 4."""
    total = p_data + p_g  # log D* = log p_data - log total: 1 - D* would round to 0 where p_g << p_data
    return (torch.xlogy(p_data, p_data) - torch.xlogy(p_data, total) + torch.xlogy(p_g, p_g) - torch.xlogy(p_g, total)).sum() * dx


def gaussian_kl(mu1: float, s1: float, mu2: float, s2: float) -> float:
    """Closed form KL(N(mu1, s1^2) || N(mu2, s2^2)) = log(s2/s1) + (s1^2 + (mu1 - mu2)^2) / (2 s2^2) - 1/2."""
    return math.log(s2 / s1) + (s1 ** 2 + (mu1 - mu2) ** 2) / (2 * s2 ** 2) - 0.5


def shifted_uniform_jsd(shift: float) -> float:
    """Closed form JSD(U(0, 1), U(s, 1 + s)) = min(|s|, 1) log 2: only the non-overlapping mass counts,
    and m = p/2 there. It saturates at log 2 once the supports are disjoint (|s| >= 1)."""
    return min(abs(shift), 1.0) * LOG2


def wasserstein_1d(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """W1 between the empirical distributions of 1D samples x (n,) and y (m,), exactly.

    In 1D, W1 = int |F_x(t) - F_y(t)| dt, the area between the two empirical CDFs, which are steps
    at the pooled sorted points (for n = m this is the mean |sort(x) - sort(y)|, the optimal
    coupling pairing the order statistics).
    """
    x, y = x.detach().flatten().double().sort().values, y.detach().flatten().double().sort().values
    if len(x) == 0 or len(y) == 0:
        raise ValueError("wasserstein_1d needs at least one sample on each side.")
    points = torch.cat([x, y]).sort().values
    cdf_x = torch.searchsorted(x, points[:-1], right=True) / len(x)
    cdf_y = torch.searchsorted(y, points[:-1], right=True) / len(y)
    return ((cdf_x - cdf_y).abs() * points.diff()).sum()


def shifted_uniform_w1(shift: float) -> float:
    """W1(U(0, 1), U(s, 1 + s)) = |s|: every unit of mass moves by s, overlapping or not, so it keeps
    shrinking as the supports slide together where the JSD above stays at log 2."""
    return abs(shift)
