"""InfoGAN (Chen et al. 2016): codes c in G's input whose mutual information with G(z, c) is maximised.

I(c; G(z, c)) >= E[log Q(c | G(z, c))] + H(c) for any Q: the bound is tight when Q is the true
posterior, and H(c) is a constant of the prior. So G and Q minimise the information loss

    L_I = -E log Q(c | x) = cross-entropy(Q's logits, c)  +  1/2 sum_j (u_j - mu_j)^2

(a categorical code c ~ Cat(10), continuous codes u ~ U(-1, 1) read by a unit-variance Gaussian Q with
means mu, its constants dropped) next to the GAN's losses. Q shares D's body, so it costs one linear
layer or two. Nothing tells the categorical code what to mean; that it lands on the digit classes is
measured by reading G's digits with the shipped classifier and matching codes to classes one to one.
"""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment
from torch import nn

from gankit import models
from gankit.runtime import device as pick_device
from gankit.training import Checkpoint, History, evaluating, run_loop

NOISE_DIM, N_CATEGORIES, N_CONTINUOUS = 62, 10, 2  # Chen et al.'s MNIST latent: 62 + 10 + 2 = 74 inputs


def sample_latent(n: int, noise_dim: int = NOISE_DIM, n_categories: int = N_CATEGORIES,
                  n_continuous: int = N_CONTINUOUS, generator: torch.Generator | None = None):
    """(z, c, u): c (N,) ~ Cat(n_categories) uniform, u (N, n_continuous) ~ U(-1, 1), and G's input
    z = [noise ~ N(0, I), one_hot(c), u], (N, noise_dim + n_categories + n_continuous)."""
    noise = torch.randn(n, noise_dim, generator=generator)
    c = torch.randint(n_categories, (n,), generator=generator)
    u = torch.rand(n, n_continuous, generator=generator) * 2 - 1
    return torch.cat([noise, models.one_hot(c, n_categories), u], dim=1), c, u


def with_codes(noise: torch.Tensor, c: torch.Tensor, u: torch.Tensor, n_categories: int = N_CATEGORIES) -> torch.Tensor:
    """G's input for chosen codes: [noise, one_hot(c), u]."""
    return torch.cat([noise, models.one_hot(c, n_categories).to(noise), u.to(noise)], dim=1)


def information_loss(q_logits: torch.Tensor, q_mean: torch.Tensor, c: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """-E log Q(c, u | x) up to constants: cross-entropy of c plus 1/2 sum_j (u_j - mu_j)^2, batch-averaged."""
    return F.cross_entropy(q_logits, c) + 0.5 * (q_mean - u).pow(2).sum(1).mean()


class InfoDiscriminator(nn.Module):
    """DCGAN's discriminator body with its features exposed for Q.

    x (N, 1, 28, 28) -> (N, ndf, 14, 14) -> (N, 2 ndf, 7, 7) -> features (N, 2 ndf 49) -> logit (N, 1);
    forward returns (logit, features)."""

    def __init__(self, ndf: int = 32):
        super().__init__()
        layers = models.DCGANDiscriminator(ndf).net
        self.body, self.out = layers[:-1], layers[-1]
        self.out_features = self.out.in_features

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.body(x)
        return self.out(features), features


class QHead(nn.Module):
    """Q(c, u | x) on D's features: features (N, F) -> 128 -> (logits (N, n_categories), means (N, n_continuous))."""

    def __init__(self, in_features: int, n_categories: int = N_CATEGORIES, n_continuous: int = N_CONTINUOUS):
        super().__init__()
        self.n_categories = n_categories
        self.net = nn.Sequential(nn.Linear(in_features, 128), nn.BatchNorm1d(128), nn.LeakyReLU(0.2),
                                 nn.Linear(128, n_categories + n_continuous))

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.net(features)
        return out[:, :self.n_categories], out[:, self.n_categories:]


def reference_infogan(ndf: int = 32) -> tuple[nn.Module, InfoDiscriminator, QHead]:
    """Lab 9's (G, D, Q): the reference DCGAN generator on the 74-dimensional latent, DCGAN-initialised."""
    G, D = models.DCGANGenerator(NOISE_DIM + N_CATEGORIES + N_CONTINUOUS), InfoDiscriminator(ndf)
    Q = QHead(D.out_features)
    for net in (G, D, Q):
        net.apply(models.dcgan_init)
    return G, D, Q


def infogan_optimizers(G: nn.Module, D: nn.Module, Q: nn.Module, lr_g: float = 1e-3, lr_d: float = 2e-4):
    """(opt_g, opt_d): Adam(beta1 = 0.5) with Chen et al.'s rates; Q's head is trained with D's body."""
    opt_g = torch.optim.Adam(G.parameters(), lr=lr_g, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(list(D.parameters()) + list(Q.parameters()), lr=lr_d, betas=(0.5, 0.999))
    return opt_g, opt_d


def infogan_step(G: nn.Module, D: nn.Module, Q: nn.Module, opt_g, opt_d, real: torch.Tensor, z: torch.Tensor,
                 c: torch.Tensor, u: torch.Tensor, lam: float = 1.0) -> dict:
    """One iteration: D (and Q) on the GAN loss + lam L_I, then G on the non-saturating loss + lam L_I."""
    fake = G(z)
    logit_real, _ = D(real)
    logit_fake, h_fake = D(fake.detach())
    info_d = information_loss(*Q(h_fake), c, u)
    loss_d = (F.binary_cross_entropy_with_logits(logit_real, torch.ones_like(logit_real))
              + F.binary_cross_entropy_with_logits(logit_fake, torch.zeros_like(logit_fake)) + lam * info_d)
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()
    logit, h = D(fake)
    info = information_loss(*Q(h), c, u)
    loss_g = F.binary_cross_entropy_with_logits(logit, torch.ones_like(logit)) + lam * info
    opt_g.zero_grad()
    loss_g.backward()
    opt_g.step()
    return {"d_loss": loss_d.item(), "g_loss": loss_g.item(), "info": info.item()}


def train_infogan(G: nn.Module, D: nn.Module, Q: nn.Module, images: torch.Tensor, *, steps: int,
                  step_fn=infogan_step, optimizers=infogan_optimizers, lam: float = 1.0, batch_size: int = 64,
                  device=None, seed: int = 0, snapshot_every: int | None = None, checkpoint: str | Path | None = None,
                  checkpoint_every: int = 500, progress: bool = True, max_seconds: float | None = None,
                  desc: str = "training") -> History:
    """Train InfoGAN on `images` (N, 1, 28, 28) in [-1, 1]: step_fn(G, D, Q, opt_g, opt_d, real, z, c, u, lam)
    per iteration with the optimisers from optimizers(G, D, Q). Snapshots: code_grid rows (10 x 8)
    with fixed noise. history.extra["info"] is L_I per iteration. Checkpoints and resumes as `train`."""
    dev = pick_device() if device is None else torch.device(device)
    for net in (G, D, Q):
        net.to(dev).train()
    opt_g, opt_d = optimizers(G, D, Q)
    pixels = images.to(dev)
    rng = torch.Generator().manual_seed(seed)  # on the CPU: the same run on every device
    saved = Checkpoint(checkpoint, {"G": G, "D": D, "Q": Q, "opt_g": opt_g, "opt_d": opt_d}, rng, dev)
    history, start, _ = saved.resume()

    def snapshot(step: int) -> None:
        history.snapshots.append(code_grid(G, n_columns=8, seed=seed).flatten(0, 1))
        history.snapshot_steps.append(step)

    def one_step() -> dict:
        real = pixels[torch.randint(len(pixels), (batch_size,), generator=rng).to(dev)]
        z, c, u = sample_latent(batch_size, generator=rng)
        return step_fn(G, D, Q, opt_g, opt_d, real, z.to(dev), c.to(dev), u.to(dev), lam)

    return run_loop(history, start, steps, one_step, snapshot, lambda step: saved.save(step, history),
                    snapshot_every=snapshot_every or max(1, steps // 10), checkpoint_every=checkpoint_every,
                    max_seconds=max_seconds, progress=progress, desc=desc,
                    postfix=lambda s: {"info": f"{s['info']:.2f}", "d": f"{s['d_loss']:.2f}"})


# ---- what the codes came to mean --------------------------------------------------------------------

@torch.no_grad()
def code_grid(G: nn.Module, n_columns: int = 9, code: int = 0, seed: int = 0) -> torch.Tensor:
    """G's images (n_categories, n_columns, 1, 28, 28) on the CPU: row k has c = k, columns sweep
    continuous code `code` from -1 to 1 (the others at 0), all from one noise vector: a column shows
    what c changes, a row what u changes."""
    dev = next(G.parameters()).device
    noise = torch.randn(1, NOISE_DIM, generator=torch.Generator().manual_seed(seed)).expand(N_CATEGORIES * n_columns, -1)
    c = torch.arange(N_CATEGORIES).repeat_interleave(n_columns)
    u = torch.zeros(N_CATEGORIES * n_columns, N_CONTINUOUS)
    u[:, code] = torch.linspace(-1, 1, n_columns).repeat(N_CATEGORIES)
    with evaluating(G):
        images = G(with_codes(noise, c, u).to(dev)).cpu()
    return images.view(N_CATEGORIES, n_columns, 1, 28, 28)


@torch.no_grad()
def code_confusion(G: nn.Module, classifier: nn.Module, n_per_code: int = 500, seed: int = 0) -> torch.Tensor:
    """(n_categories, 10) counts: row k, how the classifier reads n_per_code digits G draws with c = k."""
    dev = next(G.parameters()).device
    rng = torch.Generator().manual_seed(seed)
    rows = []
    with evaluating(G):
        for k in range(N_CATEGORIES):
            z, _, u = sample_latent(n_per_code, generator=rng)
            z = with_codes(z[:, :NOISE_DIM], torch.full((n_per_code,), k), u)
            read = classifier(G(z.to(dev)).to(next(classifier.parameters()).device)).argmax(1).cpu()
            rows.append(torch.bincount(read, minlength=10))
    return torch.stack(rows)


def match_codes(confusion: torch.Tensor) -> torch.Tensor:
    """mapping (n_categories,) long, code k -> digit mapping[k], one to one, maximising the matched counts
    (the Hungarian algorithm: linear_sum_assignment minimises a cost, so it is given -confusion)."""
    rows, cols = linear_sum_assignment(-confusion.double().numpy())
    mapping = torch.empty(confusion.shape[0], dtype=torch.long)
    mapping[torch.as_tensor(rows)] = torch.as_tensor(cols)
    return mapping


def matched_accuracy(confusion: torch.Tensor, mapping: torch.Tensor) -> float:
    """Share of the counted digits whose code maps to the digit read: sum_k confusion[k, mapping[k]] / total."""
    return confusion[torch.arange(len(mapping)), mapping].sum().item() / confusion.sum().item()


@torch.no_grad()
def q_confusion(D: nn.Module, Q: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """(n_categories, 10) counts: Q's categorical code (argmax) on real images against their true labels."""
    dev = next(D.parameters()).device
    with evaluating(D, Q):
        codes = torch.cat([Q(D(images[i:i + batch_size].to(dev))[1])[0].argmax(1).cpu()
                           for i in range(0, len(images), batch_size)])
    return torch.bincount(codes * 10 + labels, minlength=N_CATEGORIES * 10).view(N_CATEGORIES, 10)
