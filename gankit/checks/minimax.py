"""Checks for Lab 1, the minimax game. Each names the typical mistake it finds."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from gankit.checks import CheckFailed, close, isolated_rng, passed, require, scalar
from gankit.checks.gan import REAL, FAKE, check_algorithm1, check_d_loss, check_g_losses

__all__ = ["check_value", "check_d_loss", "check_g_losses", "check_logit_gradient", "check_algorithm1"]


@isolated_rng
def check_value(value_estimate) -> None:
    """value_estimate(real_logits, fake_logits) = mean log D(x) + mean log(1 - D(G(z)))."""
    got = scalar(value_estimate(REAL.clone(), FAKE.clone()), "value_estimate")
    log_d_real, log_d_fake, log_1m_d_fake = F.logsigmoid(REAL).mean(), F.logsigmoid(FAKE).mean(), F.logsigmoid(-FAKE).mean()
    want = log_d_real + log_1m_d_fake
    if not close(got, want):
        mistakes = {
            "this is D's cost J(D) = -V/2, not the value V(D, G) itself": -0.5 * want,
            "sign flipped: V = E log D(x) + E log(1 - D(G(z))) is a sum of logs of probabilities, never positive": -want,
            "the fake term uses log D(G(z)); V has log(1 - D(G(z))) = logsigmoid(-logit)": log_d_real + log_d_fake,
            "a factor 1/2 crept in: V has no 1/2 (that belongs to the cost J(D))": 0.5 * want,
            "summed over the batch instead of averaged: the expectations are sample means, use .mean()": 3 * want,
            "sigmoid applied to logits before the log-sigmoid: the inputs are logits already":
                F.logsigmoid(torch.sigmoid(REAL)).mean() + F.logsigmoid(-torch.sigmoid(FAKE)).mean(),
        }
        for mistake, value in mistakes.items():
            if close(got, value):
                raise CheckFailed(mistake + ".")
        raise CheckFailed(f"wrong value: value_estimate({REAL.tolist()}, {FAKE.tolist()}) should be {want:.4f}, "
                          f"got {got.item():.4f}.")
    extreme = value_estimate(torch.tensor([-100.0]), torch.tensor([100.0]))
    require(bool(torch.isfinite(extreme)) and close(extreme, -200.0, tol=1e-3),
            f"numerically unstable: at logits -100 (real) and +100 (fake) V should be -200, got {extreme.item()}; "
            "use F.logsigmoid, not log(sigmoid(x)).")
    passed("value_estimate: E log D(x) + E log(1 - D(G(z))) on logits, stable")


PROBS = torch.tensor([0.01, 0.25, 0.5, 0.9], dtype=torch.float64)


@isolated_rng
def check_logit_gradient(logit_gradient, g_loss_minimax, g_loss_nonsaturating) -> None:
    """logit_gradient(g_loss, d_fake) -> per-sample d cost / d logit at D(G(z)) = d_fake (N,)."""
    s = PROBS
    mm_want, ns_want = -0.5 * s, -0.5 * (1 - s)  # d/da of 1/2 log(1 - sigmoid(a)) and of -1/2 log sigmoid(a)
    for fn, want, name in ((g_loss_minimax, mm_want, "minimax"), (g_loss_nonsaturating, ns_want, "non-saturating")):
        got = logit_gradient(fn, s.clone())
        require(isinstance(got, torch.Tensor) and tuple(got.shape) == tuple(s.shape),
                f"logit_gradient must return a tensor with one gradient per value of d_fake, shape {tuple(s.shape)}, got "
                f"{tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__}.")
        got = got.detach().to(torch.float64)
        if close(got, want, tol=1e-4):
            continue
        if close(got, want / len(s), tol=1e-4):
            raise CheckFailed(f"{name}: gradients divided by the batch size: the loss is a batch mean, so each logit "
                              f"gets 1/N of its gradient; multiply the loss by N (or take each value alone).")
        if close(got, -want, tol=1e-4):
            raise CheckFailed(f"{name}: sign flipped: return the gradient of the cost itself, as autograd gives it.")
        p = s.clone().requires_grad_()
        if name == "minimax":
            (wrt_prob,) = torch.autograd.grad((0.5 * torch.log(1 - p)).sum(), p)
        else:
            (wrt_prob,) = torch.autograd.grad((-0.5 * torch.log(p)).sum(), p)
        if close(got, wrt_prob, tol=1e-4):
            raise CheckFailed(f"{name}: gradient taken with respect to the probability D(G(z)); G receives it through "
                              "the logit a = log(s / (1 - s)) (torch.logit): differentiate with respect to the logit.")
        as_logits = s.clone().requires_grad_()
        (probs_as_logits,) = torch.autograd.grad(fn(as_logits) * len(s), as_logits)
        if close(got, probs_as_logits, tol=1e-4):
            raise CheckFailed(f"{name}: probabilities used as logits: d_fake holds D(G(z)) in (0, 1); the losses take "
                              "logits, so convert with torch.logit(d_fake) first.")
        raise CheckFailed(f"{name}: at D(G(z)) = {s.tolist()} the gradient should be {want.tolist()}, got {got.tolist()}.")
    tiny = logit_gradient(g_loss_minimax, torch.tensor([1e-6], dtype=torch.float64))
    require(close(tiny.detach().double(), torch.tensor([-0.5e-6], dtype=torch.float64), tol=1e-7),
            "the minimax gradient should vanish where D(G(z)) -> 0 (about -5e-7 at 1e-6); got "
            f"{tiny.tolist()}.")
    passed("logit_gradient: minimax -D(G(z))/2 vanishes as D(G(z)) -> 0, non-saturating -(1 - D(G(z)))/2 does not")
