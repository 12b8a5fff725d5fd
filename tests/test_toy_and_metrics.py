"""Toy mixtures (samples match densities) and mode coverage (counts on constructed samples)."""
import math

import pytest
import torch

from gankit import metrics, toy


def test_ring_samples_lie_on_their_modes():
    ring = toy.ring()
    x = ring.sample(4000, torch.Generator().manual_seed(0))
    assert x.shape == (4000, 2)
    assert x.norm(dim=1).mean().item() == pytest.approx(2.0, abs=0.01)
    cov = metrics.mode_coverage(x, ring.means, ring.std)
    assert cov.modes_captured == 8 and cov.high_quality > 0.98  # 3 std in 2D holds 98.9 %


def test_mixture_density_integrates_to_one_and_matches_a_single_gaussian():
    one = toy.mixture_1d(means=(0.5,), std=2.0)
    t = torch.linspace(-20, 20, 40001).view(-1, 1)
    assert float(one.pdf(t).sum() * 0.001) == pytest.approx(1.0, abs=1e-4)
    want = math.exp(-0.5 * (1.5 / 2.0) ** 2) / (2.0 * math.sqrt(2 * math.pi))
    assert float(one.pdf(torch.tensor([[2.0]]))) == pytest.approx(want, rel=1e-5)
    ring = toy.ring()
    _, _, pts = toy.grid_points(4.0, 401)
    assert float(ring.pdf(pts).sum() * (8.0 / 400) ** 2) == pytest.approx(1.0, abs=1e-3)


def test_mode_coverage_counts_constructed_samples():
    means = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    samples = torch.cat([means[0] + 0.1 * torch.ones(50, 2),      # mode 0, within 3 std (0.14 < 0.3)
                         means[1] + torch.tensor([0.25, 0.0]).expand(49, 2),  # mode 1, within 0.3
                         means[1] + torch.tensor([1.0, 0.0]).expand(1, 2)])   # near mode 1 but too far
    cov = metrics.mode_coverage(samples, means, std=0.1)
    assert cov.counts == [50, 49, 0]
    assert cov.modes_captured == 2 and cov.high_quality == pytest.approx(0.99)
    assert "2/3 modes captured" in str(cov)
    assert metrics.mode_coverage(samples, means, std=0.1, min_share=0.495).modes_captured == 1


def test_mode_coverage_rejects_mismatched_dimensions():
    with pytest.raises(ValueError, match=r"samples must be \(N, 2\)"):
        metrics.mode_coverage(torch.zeros(5, 3), torch.zeros(2, 2), 0.1)


def test_unknown_toy_is_named():
    with pytest.raises(ValueError, match="unknown toy data set 'moons'"):
        toy.dataset("moons")
