"""Autoencoders and the variational autoencoder (Lab 8), with the loop that trains them.

Every decoder here gives **logits** of a Bernoulli per pixel (N, 1, 28, 28): the data are binarised
digits, whose likelihood is the binary cross-entropy; sigmoid(logits) is the decoder's mean image.
Encoders are convolutional ("conv": 28 -> 14 -> 7, as DCGAN's discriminator) or one hidden layer
("mlp", Kingma and Welling's MNIST model).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import torch
from torch import nn

from gankit import data, elbo
from gankit.runtime import device as pick_device
from gankit.training import Checkpoint, History, run_loop, seeded_noise

HIDDEN = 256


class ConvEncoder(nn.Sequential):
    """x (N, 1, 28, 28) -> (N, 32, 14, 14) -> (N, 64, 7, 7) -> features (N, hidden)."""

    def __init__(self, hidden: int = HIDDEN):
        super().__init__(nn.Conv2d(1, 32, 4, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU(),
                         nn.Flatten(), nn.Linear(64 * 7 * 7, hidden), nn.ReLU())
        self.out_features = hidden


class ConvDecoder(nn.Sequential):
    """z (N, z_dim) -> (N, hidden) -> (N, 64, 7, 7) -> (N, 32, 14, 14) -> logits (N, 1, 28, 28)."""

    def __init__(self, z_dim: int, hidden: int = HIDDEN):
        super().__init__(nn.Linear(z_dim, hidden), nn.ReLU(), nn.Linear(hidden, 64 * 7 * 7), nn.ReLU(),
                         nn.Unflatten(1, (64, 7, 7)), nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(),
                         nn.ConvTranspose2d(32, 1, 4, 2, 1))


class MLPEncoder(nn.Sequential):
    """x (N, 1, 28, 28) -> features (N, hidden): one hidden layer."""

    def __init__(self, hidden: int = 500):
        super().__init__(nn.Flatten(), nn.Linear(784, hidden), nn.Tanh())
        self.out_features = hidden


class MLPDecoder(nn.Sequential):
    """z (N, z_dim) -> (N, hidden) -> logits (N, 1, 28, 28)."""

    def __init__(self, z_dim: int, hidden: int = 500):
        super().__init__(nn.Linear(z_dim, hidden), nn.Tanh(), nn.Linear(hidden, 784), nn.Unflatten(1, (1, 28, 28)))


FAMILIES = {"conv": (ConvEncoder, ConvDecoder), "mlp": (MLPEncoder, MLPDecoder)}


def _family(kind: str):
    if kind not in FAMILIES:
        raise ValueError(f"kind must be one of {sorted(FAMILIES)}, not {kind!r}.")
    return FAMILIES[kind]


class GaussianHead(nn.Module):
    """features h (N, in_features) -> (mu (N, z_dim), logvar (N, z_dim)): two linear maps.

    log sigma^2 rather than sigma: any real number is a valid log-variance, so the layer needs no
    activation and sigma = exp(logvar / 2) is never 0."""

    def __init__(self, in_features: int, z_dim: int):
        super().__init__()
        self.mu, self.logvar = nn.Linear(in_features, z_dim), nn.Linear(in_features, z_dim)

    def forward(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.mu(h), self.logvar(h)


class Autoencoder(nn.Module):
    """x (N, 1, 28, 28) -> code z (N, z_dim) -> logits (N, 1, 28, 28): a deterministic bottleneck."""

    def __init__(self, z_dim: int = 16, kind: str = "conv"):
        super().__init__()
        encoder, decoder = _family(kind)
        self.z_dim, self.body = z_dim, encoder()
        self.code, self.decoder = nn.Linear(self.body.out_features, z_dim), decoder(z_dim)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.code(self.body(x))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))

    @torch.no_grad()
    def preview(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """Reconstructions of x, in [0, 1] (what training snapshots show; z is not used)."""
        return torch.sigmoid(self(x))


class VAE(nn.Module):
    """x (N, 1, 28, 28) -> q(z | x) = N(mu, diag(exp(logvar))), (N, z_dim) each -> z -> logits (N, 1, 28, 28).

    `head` (features -> (mu, logvar)) defaults to the kit's GaussianHead; a lab passes its own."""

    def __init__(self, z_dim: int = 16, kind: str = "conv", head: nn.Module | None = None):
        super().__init__()
        encoder, decoder = _family(kind)
        self.z_dim, self.body = z_dim, encoder()
        self.head = head if head is not None else GaussianHead(self.body.out_features, z_dim)
        self.decoder = decoder(z_dim)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.head(self.body(x))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None):
        """(logits, mu, logvar) for one z ~ q(z | x) per image."""
        mu, logvar = self.encode(x)
        return self.decode(elbo.reparameterize(mu, logvar, generator)), mu, logvar

    @torch.no_grad()
    def preview(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """The decoder's means for prior draws z (N, z_dim), in [0, 1] (x is not used)."""
        return torch.sigmoid(self.decode(z))


def vae_loss(model: VAE, x: torch.Tensor) -> torch.Tensor:
    """The negative ELBO of a batch of binary images, one z per image: the kit's VAE objective."""
    logits, mu, logvar = model(x)
    return elbo.negative_elbo(logits, x, mu, logvar)


def reconstruction_loss(model: Autoencoder, x: torch.Tensor) -> torch.Tensor:
    """An autoencoder's binary cross-entropy, summed over pixels, averaged over the batch."""
    return -elbo.bernoulli_log_likelihood(model(x), x).mean()


def train_autoencoder(model: nn.Module, images: torch.Tensor, *, steps: int,
                      loss_fn: Callable[[nn.Module, torch.Tensor], torch.Tensor] | None = None,
                      corrupt: float = 0.0, batch_size: int = 128, lr: float = 1e-3, device=None, seed: int = 0,
                      snapshot_every: int | None = None, n_snapshot: int = 64, checkpoint: str | Path | None = None,
                      checkpoint_every: int = 500, progress: bool = True, max_seconds: float | None = None,
                      desc: str = "training") -> History:
    """Train an autoencoder or a VAE on `images` (N, 1, 28, 28) in [-1, 1] with Adam(lr).

    Each batch is binarised afresh (dynamic binarisation: every pixel 1 with probability its grey
    level, a new draw each time, so the model cannot memorise one binary version of each digit).
    The loss is `loss_fn(model, x)` (default: the negative ELBO for a VAE, the reconstruction loss
    for an autoencoder), or with `corrupt` > 0 `loss_fn(model, clean, corrupted)` with that share of
    pixels replaced by noise. history.extra["loss"] has the loss per iteration; the snapshots are
    model.preview(fixed images, fixed prior draws) in [-1, 1]. Checkpoints and resumes as `train`."""
    dev = pick_device() if device is None else torch.device(device)
    model.to(dev).train()
    loss_fn = loss_fn or (vae_loss if isinstance(model, VAE) else reconstruction_loss)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    pixels = images.to(dev)
    rng = torch.Generator().manual_seed(seed)  # on the CPU: the same run on every device
    fixed_x = data.binarize(pixels[torch.randperm(len(pixels), generator=rng)[:n_snapshot].to(dev)], rng)
    fixed_z = torch.randn(n_snapshot, model.z_dim, generator=rng).to(dev)
    saved = Checkpoint(checkpoint, {"model": model, "opt": opt}, rng, dev)
    history, start, _ = saved.resume()

    def save(step: int) -> None:
        saved.save(step, history)

    def snapshot(step: int) -> None:
        model.eval()
        history.snapshots.append((model.preview(fixed_x, fixed_z) * 2 - 1).cpu())
        model.train()
        history.snapshot_steps.append(step)

    def one_step() -> dict:
        x = data.binarize(pixels[torch.randint(len(pixels), (batch_size,), generator=rng).to(dev)], rng)
        noisy = data.corrupt(x, corrupt, rng) if corrupt else None
        with seeded_noise(rng, dev):  # a VAE's eps
            loss = loss_fn(model, x, noisy) if corrupt else loss_fn(model, x)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return {"loss": loss.item()}

    return run_loop(history, start, steps, one_step, snapshot, save, snapshot_every=snapshot_every or max(1, steps // 10),
                    checkpoint_every=checkpoint_every, max_seconds=max_seconds, progress=progress, desc=desc,
                    postfix=lambda s: {"loss": f"{s['loss']:.1f}"})
