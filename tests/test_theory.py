"""gankit.theory against closed forms and scipy's adaptive quadrature (an independent integral)."""
import math

import numpy as np
import pytest
import torch
from scipy import integrate, stats

from gankit import theory

X, DX = theory.grid(-12.0, 12.0, 6001)


def test_densities_integrate_to_one():
    for p in (theory.gaussian(X, 1.0, 0.7), theory.mixture(X, [(-2, 0.5), (2, 1.0)], [0.3, 0.7]),
              theory.uniform(X + DX / 2, 0.0, 1.0)):
        assert float(p.sum() * DX) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("m1,s1,m2,s2", [(0, 1, 1, 2), (0.5, 0.3, -1, 1.5), (2, 1, 2, 1)])
def test_kl_matches_the_gaussian_closed_form(m1, s1, m2, s2):
    got = float(theory.kl(theory.gaussian(X, m1, s1), theory.gaussian(X, m2, s2), DX))
    assert got == pytest.approx(theory.gaussian_kl(m1, s1, m2, s2), abs=1e-6)


def test_gaussian_kl_closed_form_against_quadrature():
    f = lambda t: stats.norm.pdf(t, 0, 1) * (stats.norm.logpdf(t, 0, 1) - stats.norm.logpdf(t, 1, 2))  # noqa: E731
    assert theory.gaussian_kl(0, 1, 1, 2) == pytest.approx(integrate.quad(f, -30, 30)[0], rel=1e-9)


@pytest.mark.parametrize("shift", [0.0, 0.2, 0.5, 1.0, 3.0])
def test_jsd_of_shifted_uniforms(shift):
    c = X + DX / 2
    got = float(theory.jsd(theory.uniform(c, 0, 1), theory.uniform(c, shift, 1 + shift), DX))
    assert got == pytest.approx(theory.shifted_uniform_jsd(shift), abs=1e-9)


def _v_star_quad(a, b):
    def f(t):
        la, lb = a.logpdf(t), b.logpdf(t)
        lm = np.logaddexp(la, lb)
        return math.exp(la) * (la - lm) + math.exp(lb) * (lb - lm)
    return integrate.quad(f, -15, 15, limit=400)[0]


@pytest.mark.parametrize("mu,s", [(1.5, 0.7), (0.0, 1.0), (6.0, 0.2)])
def test_theorem_1_value_at_optimum_is_2_jsd_minus_log_4(mu, s):
    p, q = theory.gaussian(X, 0, 1), theory.gaussian(X, mu, s)
    value = float(theory.value_at_optimum(p, q, DX))
    assert value == pytest.approx(_v_star_quad(stats.norm(0, 1), stats.norm(mu, s)), abs=1e-6)
    assert value == pytest.approx(2 * float(theory.jsd(p, q, DX)) - theory.LOG4, abs=1e-9)
    assert value >= -theory.LOG4 - 1e-12


def test_optimal_discriminator_is_the_pointwise_maximiser():
    p, q = torch.tensor([0.3, 0.0, 0.0, 2.0], dtype=torch.float64), torch.tensor([0.1, 0.5, 0.0, 2.0], dtype=torch.float64)
    d = theory.optimal_discriminator(p, q)
    assert d.tolist() == pytest.approx([0.75, 0.0, 0.5, 0.5])
    y = torch.linspace(1e-4, 1 - 1e-4, 10001, dtype=torch.float64)  # brute force over D's value at one point
    best = y[torch.argmax(0.3 * torch.log(y) + 0.1 * torch.log(1 - y))]
    assert float(best) == pytest.approx(0.75, abs=1e-4)
