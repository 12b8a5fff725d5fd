"""Checks for Lab 2, the optimal discriminator. Reference values come from closed forms
(Gaussian KL, the shifted-uniform JSD, D* at known density values), not from gankit.theory."""
from __future__ import annotations

import math

import torch
from torch import nn

from gankit import theory
from gankit.checks import CheckFailed, close, forbids, isolated_rng, passed, require

__all__ = ["check_optimal_d", "check_kl", "check_jsd", "check_value_at_optimum", "check_train_discriminator",
           "check_two_sample_accuracy"]

X, DX = theory.grid(-12.0, 12.0, 6001)
CENTRES = X + DX / 2  # uniform densities are sampled between grid lines, so their edges never fall on a point


def _number(value, name: str) -> float:
    require(isinstance(value, (float, int, torch.Tensor)) and (not isinstance(value, torch.Tensor) or value.dim() == 0),
            f"{name} must return one number (a float or a 0-dim tensor), got "
            f"{tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__}.")
    return float(value)


@forbids(theory.optimal_discriminator)
@isolated_rng
def check_optimal_d(optimal_d) -> None:
    """optimal_d(p_data, p_g) = p_data / (p_data + p_g), elementwise; 1/2 where both vanish."""
    p_data, p_g = torch.tensor([0.4, 0.1, 0.0, 0.3], dtype=torch.float64), torch.tensor([0.1, 0.3, 0.2, 0.3], dtype=torch.float64)
    got = optimal_d(p_data, p_g)
    require(isinstance(got, torch.Tensor) and got.shape == p_data.shape,
            f"optimal_d must return a tensor shaped like the densities {tuple(p_data.shape)}.")
    want = torch.tensor([0.8, 0.25, 0.0, 0.5], dtype=torch.float64)
    if close(got, 1 - want):
        raise CheckFailed("D* inverted: D is the probability of 'real', D* = p_data / (p_data + p_g), large where the "
                          "data has more mass.")
    require(close(got, want), f"optimal_d({p_data.tolist()}, {p_g.tolist()}) should be {want.tolist()}, got {got.tolist()}.")
    both_zero = optimal_d(torch.zeros(2, dtype=torch.float64), torch.tensor([0.0, 1.0], dtype=torch.float64))
    require(bool(torch.isfinite(both_zero).all()) and close(both_zero, torch.tensor([0.5, 0.0], dtype=torch.float64)),
            f"0/0 where both densities vanish: D* is then arbitrary, return 1/2 there (torch.where); got {both_zero.tolist()}.")
    passed("optimal_d: p_data / (p_data + p_g), 1/2 where neither has mass")


@forbids(theory.kl)
@isolated_rng
def check_kl(kl_divergence) -> None:
    """kl_divergence(p, q, dx) = int p log(p / q) dx in nats, against the Gaussian closed form."""
    p, q = theory.gaussian(X, 0.0, 1.0), theory.gaussian(X, 1.0, 2.0)
    want, backwards = theory.gaussian_kl(0, 1, 1, 2), theory.gaussian_kl(1, 2, 0, 1)
    got = _number(kl_divergence(p, q, DX), "kl_divergence")
    if not math.isclose(got, want, rel_tol=1e-4):
        mistakes = {
            "KL arguments swapped: KL(p || q) = int p log(p / q), weighted by p; it is not symmetric": backwards,
            "log base 2: the theory uses natural logarithms (nats), torch.log": want / math.log(2),
            "missing dx: the integral is the Riemann sum (...).sum() * dx": want / DX,
            "sign flipped: KL(p || q) = int p log(p / q) >= 0": -want,
        }
        for mistake, value in mistakes.items():
            if math.isclose(got, value, rel_tol=1e-3):
                raise CheckFailed(mistake + ".")
        raise CheckFailed(f"KL(N(0, 1) || N(1, 4)) should be {want:.5f} (closed form), got {got:.5f}.")
    u, g = theory.uniform(CENTRES, 0.0, 1.0), theory.gaussian(X, 0.5, 1.0)
    zero_mass = _number(kl_divergence(u, g, DX), "kl_divergence")
    require(math.isfinite(zero_mass), "0 log 0 must count as 0: where p = 0 the integrand vanishes (torch.xlogy, or "
                                      "sum only where p > 0); got nan for a p with zeros.")
    passed(f"kl_divergence: KL(N(0,1) || N(1,4)) = {got:.5f} nats, the closed form")


@forbids(theory.jsd)
@isolated_rng
def check_jsd(jsd) -> None:
    """jsd(p, q, dx) = 1/2 KL(p || m) + 1/2 KL(q || m), against JSD(U(0,1), U(s, 1+s)) = min(|s|, 1) log 2."""
    for shift in (0.5, 3.0):
        p, q = theory.uniform(CENTRES, 0.0, 1.0), theory.uniform(CENTRES, shift, 1.0 + shift)
        want = theory.shifted_uniform_jsd(shift)
        got = _number(jsd(p, q, DX), "jsd")
        if math.isclose(got, want, rel_tol=1e-3):
            continue
        if math.isclose(got, 2 * want, rel_tol=1e-3):
            raise CheckFailed("the 1/2 is missing: JSD = 1/2 KL(p || m) + 1/2 KL(q || m), at most log 2.")
        if math.isclose(got, want / math.log(2), rel_tol=1e-3):
            raise CheckFailed("log base 2: use natural logarithms, so that the maximum is log 2 (not 1).")
        if not math.isfinite(got) or got > 10:
            raise CheckFailed(f"JSD({shift=}) came out {got}: KL(p || q) between the distributions themselves is infinite "
                              "where q has no mass; JSD compares each with the mixture m = (p + q) / 2.")
        raise CheckFailed(f"JSD(U(0, 1), U({shift}, {1 + shift})) should be {want:.5f} (= min(|s|, 1) log 2), got {got:.5f}.")
    p, q = theory.gaussian(X, 0.0, 1.0), theory.gaussian(X, 1.0, 2.0)
    require(math.isclose(float(jsd(p, q, DX)), float(jsd(q, p, DX)), rel_tol=1e-9), "JSD must be symmetric in p and q.")
    passed("jsd: matches min(|s|, 1) log 2 for shifted uniforms, saturating at log 2 once they are disjoint")


@forbids(theory.value_at_optimum)
@isolated_rng
def check_value_at_optimum(value_at_optimum) -> None:
    """value_at_optimum(p_data, p_g, dx) = int p_data log D* + p_g log(1 - D*) dx = 2 JSD - log 4 (Theorem 1)."""
    same = theory.gaussian(X, 0.0, 1.0)
    got = _number(value_at_optimum(same, same.clone(), DX), "value_at_optimum")
    require(math.isclose(got, -theory.LOG4, rel_tol=1e-4),
            f"with p_g = p_data, D* = 1/2 everywhere and V(G, D*) = -log 4 = {-theory.LOG4:.5f}; got {got:.5f}"
            + (" (log(1 - D*) is the fake term, log D* the real one)" if math.isfinite(got) else "") + ".")
    for shift in (0.2, 2.0):
        p, q = theory.uniform(CENTRES, 0.0, 1.0), theory.uniform(CENTRES, shift, 1.0 + shift)
        want = 2 * theory.shifted_uniform_jsd(shift) - theory.LOG4
        got = _number(value_at_optimum(p, q, DX), "value_at_optimum")
        require(math.isfinite(got), "nan or inf where a density is zero: p log D* with p = 0 counts as 0 (torch.xlogy).")
        require(math.isclose(got, want, rel_tol=1e-3, abs_tol=1e-6),
                f"V(G, D*) for U(0, 1) against U({shift}, {1 + shift}) should be 2 JSD - log 4 = {want:.5f}, got {got:.5f}: "
                "the real term weighs log D* by p_data, the fake term log(1 - D*) by p_g.")
    far = value_at_optimum(theory.gaussian(X, 0.0, 1.0), theory.gaussian(X, 1.5, 0.7), DX)
    require(math.isfinite(float(far)), "1 - D* rounded to 0 where p_g is tiny but not zero, so p_g log(1 - D*) = -inf: "
                                       "write log(1 - D*) = log p_g - log(p_data + p_g) (torch.xlogy).")
    passed("value_at_optimum: V(G, D*) = 2 JSD(p_data, p_g) - log 4, minimum -log 4 at p_g = p_data")


class _CountingAdam(torch.optim.Adam):
    def __init__(self, params, log):
        super().__init__(params, lr=0.05)
        self.log = log

    def step(self, closure=None):
        self.log.append("step")
        return super().step(closure)

    def zero_grad(self, set_to_none: bool = True):
        self.log.append("zero_grad")
        return super().zero_grad(set_to_none)


@isolated_rng
def check_train_discriminator(train_discriminator) -> None:
    """train_discriminator(D, opt, sample_real, sample_fake, steps, m) -> list of losses; D approaches D*.

    Real N(1, 1), fake N(-1, 1): log D*/(1 - D*) = log p_data/p_g = 2x, so a logistic D (one linear
    unit) can be D* exactly: weight 2, bias 0.
    """
    torch.manual_seed(0)
    D, log = nn.Linear(1, 1), []
    opt = _CountingAdam(D.parameters(), log)
    real = lambda m: torch.randn(m, 1) + 1.0  # noqa: E731
    fake = lambda m: torch.randn(m, 1) - 1.0  # noqa: E731
    out = train_discriminator(D, opt, real, fake, 400, 256)
    require(isinstance(out, (list, tuple)) and len(out) == 400 and all(isinstance(v, float) for v in out),
            "train_discriminator must return the list of its 400 losses as floats (loss.item()), one per step.")
    require(log.count("step") == 400, f"steps ignored: 400 steps asked, the optimiser stepped {log.count('step')} times.")
    require(log.count("zero_grad") >= 400, "no zero_grad: clear old gradients before every backward().")
    w, b = D.weight.item(), D.bias.item()
    if w < 0:
        raise CheckFailed("labels swapped: D ended up saying 'real' for the fakes (weight < 0); the real samples get "
                          "target 1 and the fakes target 0.")
    require(abs(w - 2.0) < 0.3 and abs(b) < 0.3,
            f"after 400 steps D should be close to D*: logit 2x (weight 2, bias 0); got weight {w:.2f}, bias {b:.2f}. "
            "Each step: loss = d_loss(D(real), D(fake)) on fresh samples, zero_grad, backward, step.")
    passed(f"train_discriminator: D's logit {w:.2f} x {b:+.2f} is close to D*'s 2x")


@isolated_rng
def check_two_sample_accuracy(two_sample_accuracy) -> None:
    """two_sample_accuracy(D, real, fake): share classified right, logit > 0 = 'real', halves weighted equally."""
    D = lambda x: x  # noqa: E731  a 'discriminator' whose logit is the point itself
    real = torch.tensor([[0.3], [0.2], [2.0], [-1.0]])  # 3 of 4 right
    fake = torch.tensor([[-0.3], [0.4], [-2.0]])        # 2 of 3 right
    got = _number(two_sample_accuracy(D, real, fake), "two_sample_accuracy")
    want = 0.5 * (3 / 4) + 0.5 * (2 / 3)
    if math.isclose(got, 0.5 * (1 / 4) + 0.5 * (3 / 3), rel_tol=1e-6):
        raise CheckFailed("threshold at 0.5 on logits: D returns logits, 'real' means logit > 0 (probability > 1/2).")
    if math.isclose(got, (3 + 2) / 7, rel_tol=1e-6):
        raise CheckFailed("pooled accuracy: weight the real and the fake halves equally, (acc_real + acc_fake) / 2, so "
                          "a test set with more of one kind cannot inflate the statistic.")
    if math.isclose(got, 1 - want, rel_tol=1e-6):
        raise CheckFailed("labels swapped: a positive logit means 'real'.")
    require(math.isclose(got, want, rel_tol=1e-6), f"expected {want:.4f} on the check's points, got {got:.4f}.")
    passed("two_sample_accuracy: balanced accuracy of D's decisions, 1/2 = chance = indistinguishable")

