"""The variational autoencoder's bound (Lab 8): Kingma and Welling 2014, Burda et al. 2016.

For a decoder p(x | z) with a Bernoulli per pixel (its logits), a prior p(z) = N(0, I) and an
encoder q(z | x) = N(mu, diag(sigma^2)),

    log p(x) >= ELBO = E_q log p(x | z) - KL(q(z | x) || p(z))
    log p(x) >= IWAE_k = E log (1/k) sum_i p(x, z_i) / q(z_i | x),   z_1..z_k ~ q(z | x),

IWAE_1 = ELBO (in expectation), IWAE_k rises with k towards log p(x). All figures are in nats per
image: summed over pixels and latent dimensions, averaged (or listed) over images.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

LOG_2PI = math.log(2 * math.pi)


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """z = mu + sigma * eps, eps ~ N(0, I) drawn per sample and dimension: (N, d) -> (N, d).

    sigma = exp(logvar / 2); the noise is the only random part, so gradients reach mu and logvar."""
    eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
    return mu + torch.exp(0.5 * logvar) * eps


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, sigma^2) || N(0, I)) = 1/2 sum_j (sigma_j^2 + mu_j^2 - log sigma_j^2 - 1): (N, d) -> (N,)."""
    return 0.5 * (logvar.exp() + mu.pow(2) - logvar - 1).sum(-1)


def bernoulli_log_likelihood(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """log p(x | z) of binary pixels x (N, ...) under Bernoulli(sigmoid(logits)), summed over pixels: (N,)."""
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)


def negative_elbo(logits: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """-ELBO = -log p(x | z) + KL, each summed over its pixels or dimensions, averaged over the batch: a scalar.

    The sums keep the two terms in the ratio the bound gives them (784 pixels against d latent
    dimensions); averaging the reconstruction over pixels weighs the KL 784 times too much and the
    samples blur into the mean digit."""
    return (-bernoulli_log_likelihood(logits, x) + gaussian_kl(mu, logvar)).mean()


def log_normal(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mu, diag(exp(logvar))) summed over the last axis: (..., d) -> (...)."""
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) / logvar.exp()).sum(-1)


def iwae_bound(log_w: torch.Tensor) -> torch.Tensor:
    """IWAE_k = log (1/k) sum_i w_i from log weights (k, N) -> (N,): log-sum-exp over k, minus log k.

    The mean of the logs would be the ELBO again (Jensen's inequality in the other place)."""
    return torch.logsumexp(log_w, dim=0) - math.log(log_w.shape[0])


@torch.no_grad()
def log_weights(model, x: torch.Tensor, k: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """log p(x, z_i) - log q(z_i | x) for k draws z_i ~ q(z | x) per binary image x (N, 1, 28, 28): (k, N).

    `model` has encode(x) -> (mu, logvar) and decode(z) -> logits."""
    mu, logvar = model.encode(x)
    z = reparameterize(mu.expand(k, *mu.shape), logvar.expand(k, *logvar.shape), generator)  # (k, N, d)
    logits = model.decode(z.flatten(0, 1))
    log_px_z = bernoulli_log_likelihood(logits, x.repeat(k, *[1] * (x.dim() - 1))).view(k, -1)
    log_pz = log_normal(z, torch.zeros_like(z), torch.zeros_like(z))
    return log_px_z + log_pz - log_normal(z, mu, logvar)


@torch.no_grad()
def test_bounds(model, x: torch.Tensor, ks=(100, 1000), *, batch_size: int = 50, seed: int = 0) -> dict:
    """The ELBO (analytic KL, one z per image) and IWAE_k for each k, in nats, averaged over binary images x.

    Evaluated in eval mode, `batch_size` images at a time (k * batch_size decoder passes in memory).
    Returns {"elbo": ..., "iwae_100": ..., ...} as floats."""
    was_training = model.training
    model.eval()
    dev = next(model.parameters()).device
    rng = torch.Generator(device=dev).manual_seed(seed)
    totals = {"elbo": 0.0, **{f"iwae_{k}": 0.0 for k in ks}}
    for i in range(0, len(x), batch_size):
        xb = x[i:i + batch_size].to(dev)
        mu, logvar = model.encode(xb)
        logits = model.decode(reparameterize(mu, logvar, rng))
        totals["elbo"] += float((bernoulli_log_likelihood(logits, xb) - gaussian_kl(mu, logvar)).sum())
        for k in ks:
            chunks = [iwae_bound(log_weights(model, xb[j:j + max(1, 5000 // k)], k, rng))
                      for j in range(0, len(xb), max(1, 5000 // k))]
            totals[f"iwae_{k}"] += float(torch.cat(chunks).sum())
    model.train(was_training)
    return {name: total / len(x) for name, total in totals.items()}
