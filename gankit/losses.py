"""GAN losses as pure functions of the discriminator's logits (D(x) = sigmoid(logit)).

Written with log-sigmoid, never log(sigmoid(.)): log(sigmoid(-100)) underflows to log(0) = -inf,
while logsigmoid(-100) = -100 exactly. Shapes: logits (N,) or (N, 1); every loss returns a scalar.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """J(D) = -1/2 E_x log D(x) - 1/2 E_z log(1 - D(G(z)))   (binary cross-entropy, real=1, fake=0).

    log(1 - sigmoid(a)) = logsigmoid(-a).
    """
    return -0.5 * F.logsigmoid(real_logits).mean() - 0.5 * F.logsigmoid(-fake_logits).mean()


def g_loss_minimax(fake_logits: torch.Tensor) -> torch.Tensor:
    """The zero-sum cost J(G) = -J(D); only the fake term depends on G: 1/2 E_z log(1 - D(G(z))).

    Its gradient vanishes where D confidently rejects the fakes (D(G(z)) -> 0): early training.
    """
    return 0.5 * F.logsigmoid(-fake_logits).mean()


def g_loss_nonsaturating(fake_logits: torch.Tensor) -> torch.Tensor:
    """The heuristic non-saturating cost J(G) = -1/2 E_z log D(G(z)), Goodfellow et al. 2014."""
    return -0.5 * F.logsigmoid(fake_logits).mean()


def value_function(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Sample estimate of V(D, G) = E_x log D(x) + E_z log(1 - D(G(z)))  (= -2 J(D))."""
    return F.logsigmoid(real_logits).mean() + F.logsigmoid(-fake_logits).mean()
