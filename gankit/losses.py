"""GAN losses as pure functions of the discriminator's logits (D(x) = sigmoid(logit)).

Written with log-sigmoid, never log(sigmoid(.)): log(sigmoid(-100)) underflows to log(0) = -inf,
while logsigmoid(-100) = -100 exactly. Shapes: logits (N,) or (N, 1), or patch logits
(N, 1, H', W') for a PatchGAN (every element is one real/fake decision, so the means run over all
of them); every loss returns a scalar. The conditional losses take D itself, since where the label
goes is the point of them.
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


def cgan_d_loss(D, real: torch.Tensor, fake: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mirza and Osindero's D cost: J(D) = -1/2 E log D(x|y) - 1/2 E log(1 - D(G(z|y)|y)).

    real (N, ...) with its labels (N,); fake = G(z|labels), drawn for the same labels, so both terms
    see the same class mix. D must judge (image, label) pairs: a real 3 labelled 7 should be rejected.
    """
    return d_loss(D(real, labels), D(fake.detach(), labels))  # detach: D's step leaves G alone


def cgan_g_loss(D, fake: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """The non-saturating G cost, conditioned: J(G) = -1/2 E log D(G(z|y)|y)."""
    return g_loss_nonsaturating(D(fake, labels))


def pix2pix_g_loss(fake_patches: torch.Tensor, fake: torch.Tensor, target: torch.Tensor, lam: float = 100.0) -> torch.Tensor:
    """pix2pix's G objective: L_cGAN + lambda L_L1 = -E log D(x, G(x)) + lambda E |y - G(x)|_1.

    fake_patches: D's patch logits on (input, G(input)), (N, 1, H', W'); fake, target: (N, C, H, W).
    The adversarial term is the paper's full cross-entropy (not the 1/2 of J(G) above), so lambda = 100
    weighs what it weighs in the paper. The L1 term keeps G near the target; the patch term makes it sharp.
    """
    return -F.logsigmoid(fake_patches).mean() + lam * (fake - target).abs().mean()


# CycleGAN (Zhu et al. 2017): least-squares adversarial losses (Mao et al.'s LSGAN) on raw D outputs,
# which the reference uses because they train more stably than the log loss; cycle and identity L1.

def lsgan_d_loss(real_out: torch.Tensor, fake_out: torch.Tensor) -> torch.Tensor:
    """J(D) = 1/2 [E (D(y) - 1)^2 + E D(G(x))^2]: real outputs pulled to 1, fakes to 0 (per patch)."""
    return 0.5 * ((real_out - 1).pow(2).mean() + fake_out.pow(2).mean())


def lsgan_g_loss(fake_out: torch.Tensor) -> torch.Tensor:
    """J(G) = E (D(G(x)) - 1)^2: G wants D to call its outputs real."""
    return (fake_out - 1).pow(2).mean()


def cycle_loss(real: torch.Tensor, reconstructed: torch.Tensor, lam: float = 10.0) -> torch.Tensor:
    """lambda E ||F(G(x)) - x||_1: going there and back must return the input."""
    return lam * (reconstructed - real).abs().mean()


def identity_loss(real: torch.Tensor, same: torch.Tensor, lam: float = 10.0) -> torch.Tensor:
    """0.5 lambda E ||G(y) - y||_1: an image already in G's target domain should pass through unchanged."""
    return 0.5 * lam * (same - real).abs().mean()


# Wasserstein GANs (Arjovsky et al. 2017; Gulrajani et al. 2017). The critic f returns a raw score
# (N, 1), no sigmoid: by Kantorovich-Rubinstein duality W1(p_data, p_g) = sup_{|f|_L <= 1} E_data f - E_g f,
# so the critic ascends that gap (descends its negative) and G descends -E f(G(z)).

def critic_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """L_critic = E f(G(z)) - E f(x), the negative of the critic's W1 estimate."""
    return fake_scores.mean() - real_scores.mean()


def wgan_g_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """L_G = -E f(G(z)): only this term of the W1 estimate depends on G."""
    return -fake_scores.mean()


def gradient_penalty(critic, real: torch.Tensor, fake: torch.Tensor, lam: float = 10.0,
                     generator: torch.Generator | None = None) -> torch.Tensor:
    """WGAN-GP's lambda E (||grad f(x_hat)||_2 - 1)^2 on x_hat = eps x + (1 - eps) x_tilde.

    real, fake (N, ...); one eps ~ U[0, 1] per sample (`generator`, on the CPU, fixes the draw), the
    norm taken over every non-batch dimension. create_graph=True keeps the gradient differentiable, so
    that the penalty's own gradient reaches the critic's weights (a double backward).
    """
    eps = torch.rand(real.shape[0], *[1] * (real.dim() - 1), generator=generator).to(real.device, real.dtype)
    x_hat = (eps * real + (1 - eps) * fake.detach()).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return lam * (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()
