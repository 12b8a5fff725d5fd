"""Checks for Lab 8, autoencoders and VAEs. Each names the typical mistake it finds.

The ELBO's pieces are checked against their closed forms on fixed inputs; the denoiser and the
prior sampler on stand-in networks whose outputs say what they were given.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from gankit import autoencoders, data, elbo
from gankit.checks import CheckFailed, close, forbids, isolated_rng, kit_helpers, name_the_mistake, passed, require, scalar


def _binary(seed: int, shape=(4, 1, 28, 28)) -> torch.Tensor:
    return (torch.rand(shape, generator=torch.Generator().manual_seed(seed)) < 0.3).float()


def _bce(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Per image, summed over pixels: (N,)."""
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)


# ---- the denoising autoencoder's loss ---------------------------------------------------------

class _Echo(nn.Module):
    """A stand-in autoencoder: logits w (2x - 1) + u of its input x (u a fixed field, so that which image
    went in and which is the target give different losses)."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(1.5))
        self.u = torch.randn(1, 1, 28, 28, generator=torch.Generator().manual_seed(9))

    def forward(self, x):
        return self.w * (2 * x - 1) + self.u


@isolated_rng
def check_denoising_loss(denoising_loss) -> None:
    """denoising_loss(ae, clean, corrupted): BCE of ae(corrupted)'s logits against the clean images,
    summed over pixels, averaged over the batch."""
    clean = _binary(0)
    noisy = data.corrupt(clean, 0.3, torch.Generator().manual_seed(1))
    ae = _Echo()
    got = scalar(denoising_loss(ae, clean, noisy), "denoising_loss")
    with torch.no_grad():
        logits, plain = ae(noisy), ae(clean)
        want = _bce(logits, clean).mean()
        mistakes = {
            "the denoiser is trained to reproduce the corrupted input: the target is the clean image, the input the "
            "corrupted one": _bce(logits, noisy).mean(),
            "the clean image went into the autoencoder: that is a plain autoencoder; a denoiser reads the corrupted "
            "image and is scored against the clean one": _bce(plain, clean).mean(),
            "reconstruction averaged over pixels instead of summed: the likelihood of an image is the product over its "
            "784 pixels, so its log is a sum (then average over the batch)": _bce(logits, clean).mean() / 784,
            "summed over the batch as well: sum over pixels, then .mean() over the images": _bce(logits, clean).sum(),
            "sigmoid applied twice: the autoencoder gives logits, which binary_cross_entropy_with_logits takes as they are":
                _bce(torch.sigmoid(logits), clean).mean(),
            "squared error: for binary pixels the likelihood is a Bernoulli per pixel, whose log is the binary "
            "cross-entropy": (torch.sigmoid(logits) - clean).pow(2).flatten(1).sum(1).mean(),
        }
    name_the_mistake(got, want, mistakes, f"denoising_loss = {got.item():.3f}, expected {want.item():.3f}: the binary "
                                          "cross-entropy of ae(corrupted) against clean, summed over pixels, "
                                          "averaged over the batch.")
    got.backward()
    require(ae.w.grad is not None and ae.w.grad.abs() > 0, "no gradient reached the autoencoder's weights: do not "
                                                           "detach its output or use .item().")
    passed("denoising_loss: the corrupted image in, the clean one as the target, BCE summed over pixels")


# ---- the encoder's Gaussian head ----------------------------------------------------------------

@forbids(autoencoders.GaussianHead)
@isolated_rng
def check_gaussian_head(GaussianHead) -> None:
    """GaussianHead(in_features, z_dim)(h (N, in_features)) -> (mu, logvar), each (N, z_dim), two linear maps."""
    torch.manual_seed(0)
    head = GaussianHead(12, 3)
    h = 3 * torch.randn(64, 12)
    out = head(h)
    require(isinstance(out, (tuple, list)) and len(out) == 2,
            f"GaussianHead must return a pair (mu, logvar), got {type(out).__name__}.")
    mu, logvar = out
    for name, t in (("mu", mu), ("logvar", logvar)):
        require(isinstance(t, torch.Tensor) and t.shape == (64, 3),
                f"{name} must be (N, z_dim) = (64, 3), got {tuple(getattr(t, 'shape', ()))}.")
    require(not torch.allclose(mu, logvar), "mu and logvar are the same numbers: give each its own linear map "
                                            "(or split one map's 2 z_dim outputs in two).")
    n = sum(p.numel() for p in head.parameters())
    require(n == 2 * (12 * 3 + 3), f"expected two Linear(in_features, z_dim) maps (78 parameters for 12 -> 3), found {n}.")
    if bool((logvar >= 0).all()):
        raise CheckFailed("logvar is never negative: an activation (ReLU, softplus, exp) on it? log sigma^2 is any real "
                          "number; the linear map's output is used as it is.")
    zero = head(torch.zeros(1, 12))
    double = head(2 * h)
    for i, name in enumerate(("mu", "logvar")):
        require(torch.allclose(double[i] - zero[i], 2 * (out[i] - zero[i]), atol=1e-4),
                f"{name} is not a linear map of the features: no activation (tanh, ReLU, sigmoid) in the head.")
    (mu.sum() + logvar.sum()).backward()
    require(all(p.grad is not None and p.grad.abs().sum() > 0 for p in head.parameters()),
            "a parameter of the head gets no gradient: do not detach.")
    other = GaussianHead(5, 7)(torch.randn(2, 5))
    require(tuple(other[0].shape) == (2, 7), "in_features and z_dim must be parameters: GaussianHead(5, 7) maps (2, 5) "
                                             f"to (2, 7), got {tuple(other[0].shape)}.")
    passed("GaussianHead: mu and logvar from two linear maps, logvar unconstrained")


# ---- the reparameterisation ---------------------------------------------------------------------

@forbids(elbo.reparameterize)
@isolated_rng
def check_reparameterize(reparameterize) -> None:
    """reparameterize(mu, logvar) = mu + exp(logvar / 2) * eps, eps ~ N(0, I) per sample and dimension."""
    torch.manual_seed(0)
    n = 20_000
    mu = torch.tensor([3.0, 0.0, -1.0]).repeat(n, 1).requires_grad_()
    logvar = torch.tensor([math.log(4.0), 0.0, math.log(0.25)]).repeat(n, 1).requires_grad_()
    z = reparameterize(mu, logvar)
    require(isinstance(z, torch.Tensor) and z.shape == (n, 3), f"z must have mu's shape ({n}, 3), got "
                                                               f"{tuple(getattr(z, 'shape', ()))}.")
    sigma = torch.tensor([2.0, 1.0, 0.5])
    zd = z.detach()
    if float(zd.std(0).max()) < 1e-6:
        raise CheckFailed("noise drawn once per batch: every sample got the same eps; draw eps with mu's shape "
                          "(torch.randn_like(mu)).")
    eps = (zd - mu.detach()) / sigma
    if torch.allclose(eps[:, 0], eps[:, 1], atol=1e-4):
        raise CheckFailed("one noise value per sample for all dimensions: eps must have mu's shape (N, d).")
    std, mean = zd.std(0), zd.mean(0)
    if close(std, torch.tensor([4.0, 1.0, 0.25]), tol=0.05):
        raise CheckFailed("log sigma^2 taken for log sigma: sigma = exp(logvar / 2), not exp(logvar).")
    if close(std, torch.tensor([math.log(4.0), 0.0, math.log(0.25)]).abs(), tol=0.05):
        raise CheckFailed("logvar used as sigma itself: sigma = exp(logvar / 2).")
    require(close(std, sigma, tol=0.05), f"the spread of z should be sigma = exp(logvar / 2) = 2, 1, 0.5 per column, "
                                         f"got {[round(v, 3) for v in std.tolist()]}.")
    if close(mean, torch.zeros(3), tol=0.05):
        raise CheckFailed("mu left out: z = mu + sigma * eps.")
    require(close(mean, torch.tensor([3.0, 0.0, -1.0]), tol=0.05),
            f"the mean of z should be mu = 3, 0, -1 per column, got {[round(v, 3) for v in mean.tolist()]}.")
    if not z.requires_grad:
        raise CheckFailed("z sampled without the reparameterisation: no gradient reaches mu and logvar; compute "
                          "z = mu + sigma * eps from them.")
    z.sum().backward()
    if mu.grad is None or logvar.grad is None or float(mu.grad.abs().max()) == 0 or float(logvar.grad.abs().max()) == 0:
        raise CheckFailed("z sampled without the reparameterisation (torch.normal or a detached draw): no gradient "
                          "reaches mu and logvar; compute z = mu + sigma * eps with eps ~ N(0, I).")
    require(close(mu.grad, torch.ones_like(mu.grad)), "dz/dmu must be 1 for every element: z = mu + sigma * eps.")
    require(close(logvar.grad, 0.5 * (zd - mu.detach()), tol=1e-4),
            "dz/dlogvar must be sigma * eps / 2: use sigma = exp(logvar / 2) and do not detach it.")
    passed("reparameterize: z = mu + exp(logvar / 2) * eps, a fresh eps per sample and dimension, gradients to both")


# ---- the KL term ------------------------------------------------------------------------------

MU = torch.tensor([[1.0, 0.0], [0.0, 0.0], [0.5, -2.0]], dtype=torch.float64)
LOGVAR = torch.tensor([[0.0, math.log(4.0)], [0.0, 0.0], [math.log(0.5), 1.0]], dtype=torch.float64)


@forbids(elbo.gaussian_kl)
@isolated_rng
def check_gaussian_kl(gaussian_kl) -> None:
    """gaussian_kl(mu, logvar) (N, d) -> (N,) = 1/2 sum_j (sigma_j^2 + mu_j^2 - log sigma_j^2 - 1)."""
    mu, logvar = MU.clone().requires_grad_(), LOGVAR.clone().requires_grad_()
    got = gaussian_kl(mu, logvar)
    require(isinstance(got, torch.Tensor), f"gaussian_kl must return a tensor, got {type(got).__name__}.")
    terms = 0.5 * (LOGVAR.exp() + MU.pow(2) - LOGVAR - 1)
    want = terms.sum(1)
    if got.dim() == 0:
        if close(got, want.mean()) or close(got, want.sum()):
            raise CheckFailed("KL reduced over the batch: return one KL per sample (N,), summed over the latent "
                              "dimensions; the ELBO averages over the batch.")
        raise CheckFailed("gaussian_kl must return one KL per sample, shape (N,), not a scalar.")
    if tuple(got.shape) == tuple(MU.shape):
        raise CheckFailed("KL not summed over the latent dimensions: return (N,), the sum over j of each "
                          "dimension's KL.")
    require(tuple(got.shape) == (3,), f"gaussian_kl must return (N,) = (3,), got {tuple(got.shape)}.")
    mistakes = {
        "KL sign flipped: KL(q || p) >= 0 is 1/2 sum (sigma^2 + mu^2 - log sigma^2 - 1)": -want,
        "the 1/2 missing: KL = 1/2 sum (sigma^2 + mu^2 - log sigma^2 - 1)": 2 * want,
        "KL averaged over latent dimensions: it is a sum over j (the dimensions are independent)": want / 2,
        "log sigma taken for log sigma^2: sigma^2 = exp(logvar) and log sigma^2 = logvar":
            (0.5 * ((2 * LOGVAR).exp() + MU.pow(2) - 2 * LOGVAR - 1)).sum(1),
        "the - 1 missing: KL = 1/2 sum (sigma^2 + mu^2 - log sigma^2 - 1), 0 when mu = 0 and sigma = 1":
            (0.5 * (LOGVAR.exp() + MU.pow(2) - LOGVAR)).sum(1),
        "the mu^2 term missing: a mean away from 0 costs mu^2 / 2 per dimension":
            (0.5 * (LOGVAR.exp() - LOGVAR - 1)).sum(1),
        "the KL the other way round, KL(p || q): the ELBO has KL(q(z | x) || p(z)), the encoder's Gaussian first":
            (0.5 * ((-LOGVAR).exp() * (1 + MU.pow(2)) + LOGVAR - 1)).sum(1),
    }
    name_the_mistake(got, want, mistakes, f"gaussian_kl = {[round(v, 4) for v in got.tolist()]}, expected "
                                          f"{[round(v, 4) for v in want.tolist()]} = 1/2 sum (exp(logvar) + mu^2 - "
                                          "logvar - 1).")
    got.sum().backward()
    require(mu.grad is not None and close(mu.grad, MU) and close(logvar.grad, 0.5 * (LOGVAR.exp() - 1)),
            "gradients of the KL must be mu for mu and (sigma^2 - 1) / 2 for logvar: do not detach.")
    passed("gaussian_kl: 1/2 sum (sigma^2 + mu^2 - log sigma^2 - 1) per sample, 0 at N(0, I)")


# ---- the negative ELBO ------------------------------------------------------------------------

@forbids(elbo.negative_elbo)
@isolated_rng
def check_negative_elbo(negative_elbo) -> None:
    """negative_elbo(logits, x, mu, logvar): BCE summed over pixels plus the KL summed over dimensions,
    averaged over the batch. Run with the kit's gaussian_kl in place of the notebook's."""
    with kit_helpers(negative_elbo, {"gaussian_kl": elbo.gaussian_kl}):
        _check_negative_elbo(negative_elbo)


def _check_negative_elbo(negative_elbo) -> None:
    g = torch.Generator().manual_seed(3)
    logits = (2 * torch.randn(4, 1, 28, 28, generator=g)).requires_grad_()
    x = _binary(4)
    mu = torch.randn(4, 3, generator=g).requires_grad_()
    logvar = (0.5 * torch.randn(4, 3, generator=g)).requires_grad_()
    try:
        got = negative_elbo(logits, x, mu, logvar)
    except RuntimeError as e:
        if "between 0 and 1" in str(e):
            raise CheckFailed("BCE on probabilities where the decoder gives logits: use "
                              "F.binary_cross_entropy_with_logits on the logits.") from None
        raise
    got = scalar(got, "negative_elbo")
    require(got.dtype == logits.dtype, f"negative_elbo must keep the inputs' precision ({logits.dtype}), got {got.dtype}: "
                                       "a sum over 784 pixels in half precision is off by a large fraction of a nat.")
    with torch.no_grad():
        L, m, lv = logits.detach(), mu.detach(), logvar.detach()
        rec, kl_terms = _bce(L, x), 0.5 * (lv.exp() + m.pow(2) - lv - 1)
        kl = kl_terms.sum(1)
        want = (rec + kl).mean()
        mistakes = {
            "reconstruction averaged over pixels instead of summed: log p(x | z) is a sum over the 784 pixels; its "
            "mean weighs the KL 784 times too much and the samples blur": (rec / 784 + kl).mean(),
            "BCE on probabilities where the decoder gives logits (a sigmoid applied twice): pass the logits to "
            "binary_cross_entropy_with_logits": (_bce(torch.sigmoid(L), x) + kl).mean(),
            "KL subtracted: the negative ELBO is the reconstruction loss plus the KL": (rec - kl).mean(),
            "returned the ELBO itself: the loss to minimise is its negative, reconstruction loss + KL": -want,
            "the KL term missing: the negative ELBO is the reconstruction loss plus KL(q(z | x) || N(0, I))": rec.mean(),
            "KL averaged over latent dimensions: sum it over them": (rec + kl_terms.mean(1)).mean(),
            "summed over the batch instead of averaged: use .mean() over the images": (rec + kl).sum(),
            "squared error where the pixels are binary: their likelihood is a Bernoulli, whose log is the BCE":
                ((torch.sigmoid(L) - x).pow(2).flatten(1).sum(1) + kl).mean(),
        }
    name_the_mistake(got, want, mistakes, f"negative_elbo = {got.item():.3f}, expected {want.item():.3f} = mean over the "
                                          "batch of (BCE summed over pixels + KL summed over dimensions).")
    got.backward()
    require(all(t.grad is not None and t.grad.abs().sum() > 0 for t in (logits, mu, logvar)),
            "the negative ELBO must pass gradients to the logits, mu and logvar: do not detach.")
    passed("negative_elbo: BCE summed over pixels + KL summed over dimensions, averaged over the batch")


# ---- sampling from the prior --------------------------------------------------------------------

class _Probe(nn.Module):
    """A stand-in VAE with z_dim = 4 whose decoder writes z into its logits, so the samples show z."""

    z_dim = 4

    def __init__(self):
        super().__init__()
        self.anchor, self.seen = nn.Parameter(torch.zeros(())), []

    def decode(self, z):
        self.seen.append(z.detach().clone())
        return z.repeat(1, 196).view(-1, 1, 28, 28) + self.anchor


@isolated_rng
def check_sample_prior(sample_prior) -> None:
    """sample_prior(vae, n): the decoder's means sigmoid(decode(z)) for n draws z ~ N(0, I) of vae.z_dim."""
    torch.manual_seed(0)
    vae = _Probe()
    out = sample_prior(vae, 4000)
    require(isinstance(out, torch.Tensor) and tuple(out.shape) == (4000, 1, 28, 28),
            f"sample_prior(vae, 4000) must return (4000, 1, 28, 28), got {tuple(getattr(out, 'shape', ()))}.")
    require(len(vae.seen) >= 1, "sample_prior must call vae.decode(z).")
    z = torch.cat(vae.seen)
    require(tuple(z.shape) == (4000, 4), f"z must be (n, vae.z_dim) = (4000, 4), got {tuple(z.shape)}.")
    out = out.detach().float()
    if out.min() < 0 or out.max() > 1:
        raise CheckFailed("returned the decoder's logits: its mean image is sigmoid(logits), in [0, 1].")
    if float(((out == 0) | (out == 1)).float().mean()) > 0.99:
        raise CheckFailed("drew binary pixels: show the decoder's mean sigmoid(logits), not a Bernoulli draw from it.")
    if float(z.min()) >= 0:
        raise CheckFailed("z drawn from U(0, 1) (torch.rand): the prior is N(0, I), torch.randn.")
    require(close(z.mean(0), torch.zeros(4), tol=0.1) and close(z.std(0), torch.ones(4), tol=0.05),
            f"z must be drawn from N(0, I): mean {z.mean().item():.3f}, std {z.std().item():.3f}.")
    require(float(z.std(0).min()) > 0.5 and not torch.allclose(z[:, 0], z[:, 1]),
            "every sample and dimension needs its own draw of z.")
    require(close(out, torch.sigmoid(z.repeat(1, 196).view(-1, 1, 28, 28)), tol=1e-4),
            "the samples must be sigmoid(vae.decode(z)) for the z given to the decoder.")
    passed("sample_prior: z ~ N(0, I) of the VAE's z_dim, the decoder's mean sigmoid(logits)")


# ---- the importance weighted bound ------------------------------------------------------------

@forbids(elbo.iwae_bound)
@isolated_rng
def check_iwae_bound(iwae_bound) -> None:
    """iwae_bound(log_w (k, N)) -> (N,) = logsumexp over k - log k."""
    log_w = torch.tensor([[-90.0, -100.0, -3.0], [-88.0, -101.0, -1.0], [-95.0, -99.0, -2.0],
                          [-89.5, -104.0, -7.0], [-91.0, -100.5, 0.5]], dtype=torch.float64)
    got = iwae_bound(log_w)
    require(isinstance(got, torch.Tensor), f"iwae_bound must return a tensor, got {type(got).__name__}.")
    want = torch.logsumexp(log_w, 0) - math.log(5)
    if tuple(got.shape) == (5,):
        raise CheckFailed("reduced over the wrong axis: log_w is (k, N); combine the k weights of each image (dim 0) "
                          "into one bound per image (N,).")
    require(tuple(got.shape) == (3,), f"iwae_bound must return one bound per image, (N,) = (3,), got {tuple(got.shape)}.")
    mistakes = {
        "the mean of the log weights: that is the ELBO again; IWAE is the log of the mean weight, "
        "logsumexp(log_w) - log k": log_w.mean(0),
        "the - log k missing: the bound is the log of the *mean* weight, logsumexp(log_w, 0) - log k":
            torch.logsumexp(log_w, 0),
        "+ log k instead of - log k: the mean divides the sum by k": torch.logsumexp(log_w, 0) + math.log(5),
        "the largest log weight: the bound is the log of the mean weight, logsumexp(log_w, 0) - log k": log_w.max(0).values,
    }
    name_the_mistake(got, want, mistakes, f"iwae_bound = {[round(v, 4) for v in got.tolist()]}, expected "
                                          f"{[round(v, 4) for v in want.tolist()]} = logsumexp(log_w, dim=0) - log k.")
    deep = iwae_bound(log_w.float() - 600)
    if not bool(torch.isfinite(deep).all()):
        raise CheckFailed("underflow: log weights near -600 (a digit's log-likelihood in nats is of that order) give exp(...) = 0 "
                          "in floating point; compute the log of the mean with torch.logsumexp.")
    require(close(deep, want - 600, tol=1e-3), "log weights shifted by -600 must give the bound shifted by -600: "
                                               "use torch.logsumexp.")
    same = iwae_bound(torch.full((7, 2), -87.0))
    require(close(same, torch.full((2,), -87.0), tol=1e-4), "k identical weights must give that weight's log.")
    passed("iwae_bound: log of the mean weight over k (logsumexp - log k), stable for log weights near -600")
