"""The semi-supervised GAN (Salimans et al. 2016, "Improved techniques for training GANs", section 5).

D is a K-class classifier with logits l_1..l_K; "fake" is an implicit class K+1 whose logit is fixed
at 0, so that with Z(x) = sum_k exp l_k(x)

    p(real | x) = D(x) = Z(x) / (Z(x) + 1),   p(y = k | x, real) = softmax(l(x))_k.

With log Z = logsumexp(l): log D(x) = log Z - softplus(log Z) and log (1 - D(x)) = -softplus(log Z),
both exact for any logits. The classifier's loss on a batch is the supervised cross-entropy on the
few labelled images plus the GAN's loss on real and generated images; G is trained by feature
matching. The 100-label baseline is the same D trained on the supervised term alone.
"""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from gankit.runtime import device as pick_device
from gankit.training import Checkpoint, History, evaluating, run_loop, seeded_noise


# ---- the losses, as pure functions of D's outputs -------------------------------------------------

def log_z(logits: torch.Tensor) -> torch.Tensor:
    """log Z(x) = log sum_k exp l_k(x), (N, K) -> (N,), without overflow."""
    return torch.logsumexp(logits, dim=1)


def fake_probability(logits: torch.Tensor) -> torch.Tensor:
    """p(fake | x) = 1 / (Z(x) + 1) = sigmoid(-log Z): 1 / (K + 1) for all-zero logits. (N, K) -> (N,)."""
    return torch.sigmoid(-log_z(logits))


def supervised_loss(logits: torch.Tensor, labels: torch.Tensor, labelled: torch.Tensor) -> torch.Tensor:
    """-E log p(y | x, y < K + 1) over the labelled rows only: softmax over the K real classes."""
    return F.cross_entropy(logits[labelled], labels[labelled])


def unsupervised_loss(logits_real: torch.Tensor, logits_fake: torch.Tensor) -> torch.Tensor:
    """-E_real log D(x) - E_fake log(1 - D(x)), D(x) = Z / (Z + 1)."""
    lz_real, lz_fake = log_z(logits_real), log_z(logits_fake)
    return (F.softplus(lz_real) - lz_real).mean() + F.softplus(lz_fake).mean()


def feature_matching_loss(f_real: torch.Tensor, f_fake: torch.Tensor) -> torch.Tensor:
    """|| E f(x_real) - E f(G(z)) ||^2, averaged over features: G matches D's features on average.
    The real side is a fixed target (detached); the gradient reaches G through the fake side."""
    return (f_real.detach().mean(0) - f_fake.mean(0)).pow(2).mean()


def ssgan_step(G: nn.Module, D: nn.Module, opt_g, opt_d, x: torch.Tensor, y: torch.Tensor, labelled: torch.Tensor,
               z: torch.Tensor) -> dict:
    """One iteration: D on its supervised + unsupervised loss, then G by feature matching.
    D(x) -> (logits (N, K), features (N, F)); `labelled` (N,) bool says which of y may be seen."""
    fake = G(z)
    logits_real, _ = D(x)
    logits_fake, _ = D(fake.detach())
    sup = supervised_loss(logits_real, y, labelled)
    loss_d = sup + unsupervised_loss(logits_real, logits_fake)
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()
    _, f_real = D(x)
    _, f_fake = D(fake)
    loss_g = feature_matching_loss(f_real, f_fake)
    opt_g.zero_grad()
    loss_g.backward()
    opt_g.step()
    return {"d_loss": loss_d.item(), "g_loss": loss_g.item(), "supervised": sup.item()}


def supervised_step(D: nn.Module, opt_d, x: torch.Tensor, y: torch.Tensor, labelled: torch.Tensor) -> dict:
    """The baseline's iteration: the same classifier on the labelled rows, no GAN."""
    logits, _ = D(x)
    loss = supervised_loss(logits, y, labelled)
    opt_d.zero_grad()
    loss.backward()
    opt_d.step()
    return {"d_loss": loss.item(), "supervised": loss.item()}


# ---- the networks (Salimans et al.'s MNIST models, without weight normalisation) ------------------

class GaussianNoise(nn.Module):
    """Adds N(0, sigma^2) noise in training: Salimans et al.'s regulariser on D's inputs and layers."""

    def __init__(self, sigma: float):
        super().__init__()
        self.sigma = sigma

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.sigma * torch.randn_like(x) if self.training else x


class SemiSupervisedD(nn.Module):
    """A K-class MLP classifier with noise on every layer's input.

    x (N, 1, 28, 28) -> features (N, widths[-1]) -> logits (N, K); forward returns (logits, features)."""

    def __init__(self, n_classes: int = 10, widths: tuple[int, ...] = (1000, 500, 250, 250, 250),
                 input_noise: float = 0.3, hidden_noise: float = 0.5):
        super().__init__()
        layers, width = [nn.Flatten(), GaussianNoise(input_noise)], 28 * 28
        for i, w in enumerate(widths):
            layers += [nn.Linear(width, w), nn.ReLU()]
            if i < len(widths) - 1:
                layers.append(GaussianNoise(hidden_noise))
            width = w
        self.body = nn.Sequential(*layers)
        self.classes = nn.Linear(width, n_classes)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.body(x)
        return self.classes(features), features


class SemiSupervisedG(nn.Module):
    """z (N, z_dim) -> 500 -> 500 softplus units with BatchNorm -> tanh pixels (N, 1, 28, 28)."""

    def __init__(self, z_dim: int = 100, hidden: int = 500):
        super().__init__()
        self.z_dim = z_dim
        self.net = nn.Sequential(nn.Linear(z_dim, hidden), nn.BatchNorm1d(hidden), nn.Softplus(),
                                 nn.Linear(hidden, hidden), nn.BatchNorm1d(hidden), nn.Softplus(),
                                 nn.Linear(hidden, 28 * 28), nn.Tanh(), nn.Unflatten(1, (1, 28, 28)))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


# ---- the labelled subset, accuracy, and the training run -----------------------------------------

def choose_labelled(labels: torch.Tensor, per_class: int = 10, seed: int = 0, n_classes: int = 10) -> torch.Tensor:
    """Indices of `per_class` images of each class, drawn with `seed`: the only labels a run may see."""
    rng = torch.Generator().manual_seed(seed)
    picks = []
    for k in range(n_classes):
        members = (labels == k).nonzero().flatten()
        if len(members) < per_class:
            raise ValueError(f"class {k} has {len(members)} images, fewer than per_class = {per_class}.")
        picks.append(members[torch.randperm(len(members), generator=rng)[:per_class]])
    return torch.cat(picks)


@torch.no_grad()
def accuracy(D: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 1000) -> float:
    """Share of `images` whose largest class logit is their label (D in eval mode: no noise)."""
    dev = next(D.parameters()).device
    with evaluating(D):
        right = sum((D(images[i:i + batch_size].to(dev))[0].argmax(1).cpu() == labels[i:i + batch_size]).sum().item()
                    for i in range(0, len(images), batch_size))
    return right / len(images)


def train_semisupervised(D: nn.Module, images: torch.Tensor, labels: torch.Tensor, labelled_idx: torch.Tensor, *,
                         steps: int, G: nn.Module | None = None, step_fn=ssgan_step, test=None, eval_every: int = 200,
                         batch_size: int = 100, lr: float = 3e-4, device=None, seed: int = 0,
                         checkpoint: str | Path | None = None, checkpoint_every: int = 500, progress: bool = True,
                         max_seconds: float | None = None, desc: str = "training") -> History:
    """Train D on `images` (N, 1, 28, 28) in [-1, 1] of which only `labelled_idx` have their label seen.

    Each batch holds `batch_size` labelled images (cycled) and `batch_size` drawn from all of `images`;
    the labels of the second half are hidden (-1) and `labelled` marks the first. With G, each iteration
    is step_fn(G, D, opt_g, opt_d, x, y, labelled, z); without, the baseline's supervised step.
    `test` = (images, labels): accuracy every eval_every iterations in history.extra["accuracy"] (with
    the iteration in history.extra["accuracy_step"]). Checkpoints and resumes as `training.train`."""
    dev = pick_device() if device is None else torch.device(device)
    D.to(dev).train()
    opt_d = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))
    parts = {"D": D, "opt_d": opt_d}
    if G is not None:
        G.to(dev).train()
        opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.999))
        parts.update(G=G, opt_g=opt_g)
    x_all, x_lab, y_lab = images.to(dev), images[labelled_idx].to(dev), labels[labelled_idx].to(dev)
    hidden = torch.full((batch_size,), -1, dtype=torch.long, device=dev)
    labelled = torch.cat([torch.ones(batch_size, dtype=torch.bool), torch.zeros(batch_size, dtype=torch.bool)]).to(dev)
    rng = torch.Generator().manual_seed(seed)
    saved = Checkpoint(checkpoint, parts, rng, dev)
    history, start, _ = saved.resume()

    def evaluate(step: int) -> None:
        if test is not None:
            history.extra.setdefault("accuracy_step", []).append(step)
            history.extra.setdefault("accuracy", []).append(accuracy(D, *test))

    def one_step() -> dict:
        lab = torch.randint(len(x_lab), (batch_size,), generator=rng).to(dev)
        unl = torch.randint(len(x_all), (batch_size,), generator=rng).to(dev)
        x, y = torch.cat([x_lab[lab], x_all[unl]]), torch.cat([y_lab[lab], hidden])
        with seeded_noise(rng, dev):  # D's noise layers, and G's input
            if G is None:
                return supervised_step(D, opt_d, x, y, labelled)
            z = torch.rand(batch_size, G.z_dim, device=dev)  # Salimans et al.'s G reads U(0, 1) noise
            return step_fn(G, D, opt_g, opt_d, x, y, labelled, z)

    def snapshot(step: int) -> None:
        evaluate(step)
        history.snapshot_steps.append(step)
        if G is not None:
            with evaluating(G), torch.no_grad():
                z = torch.rand(64, G.z_dim, generator=torch.Generator().manual_seed(seed)).to(dev)
                history.snapshots.append(G(z).cpu())

    return run_loop(history, start, steps, one_step, snapshot, lambda step: saved.save(step, history),
                    snapshot_every=eval_every, checkpoint_every=checkpoint_every, max_seconds=max_seconds,
                    progress=progress, desc=desc, postfix=lambda s: {"d": f"{s['d_loss']:.3f}"})
