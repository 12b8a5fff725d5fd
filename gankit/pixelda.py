"""Lab 11, part 1: PixelDA (Bousmalis et al. 2017), pixel-level domain adaptation, MNIST -> MNIST-M.

A generator G(x_s, z) turns a labelled source image into a target-domain image; a discriminator D
tells real target images from translated ones; a task classifier T learns the labels on the
translations (and on the source images). Nothing ever reads a target label: T is judged on
held-out target images. The objective (the paper's eq. 1-4, alpha = 1, beta = TASK_WEIGHT):

    min_{G,T} max_D  alpha L_d(D, G) + beta L_t(G, T)
    L_d = E[log D(x_t)] + E[log(1 - D(G(x_s, z)))]
    L_t = E[-y_s . log T(G(x_s, z))] + E[-y_s . log T(x_s)]
"""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from gankit.project import predict
from gankit.runtime import device as pick_device
from gankit.training import Checkpoint, History, evaluating, run_loop, seeded_noise

NOISE_DIM = 10
TASK_WEIGHT = 0.1  # beta: the task loss's weight in G's and T's objective, against the adversarial term's 1


def gray_to_rgb(images: torch.Tensor) -> torch.Tensor:
    """(N, 1, H, W) -> (N, 3, H, W): MNIST enters the colour generator with its grey level in each channel."""
    return images.expand(-1, 3, -1, -1) if images.shape[1] == 1 else images


def with_noise(x: torch.Tensor, z: torch.Tensor, project: nn.Module) -> torch.Tensor:
    """G's input: the image (N, C, H, W) and its noise z (N, d) projected to one more image, project(z)
    reshaped to (N, C, H, W), stacked on the channels: (N, 2C, H, W)."""
    return torch.cat([x, project(z).view(x.shape)], dim=1)


class ResidualBlock(nn.Module):
    """(N, C, H, W) -> (N, C, H, W): x + BN(conv(ReLU(BN(conv(x))))), PixelDA's blocks at full resolution."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels), nn.ReLU(),
                                  nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels))

    def forward(self, x):
        return x + self.body(x)


class Generator(nn.Module):
    """(x (N, C, 28, 28), z (N, noise_dim)) -> (N, C, 28, 28) in [-1, 1]: the image and its projected noise
    (`noise_input`, the lab passes the student's), a 3x3 convolution, residual blocks, a 3x3 convolution
    back to C channels and tanh. No down-sampling: PixelDA changes the look, not the layout."""

    def __init__(self, channels: int = 3, noise_dim: int = NOISE_DIM, width: int = 32, blocks: int = 3,
                 side: int = 28, noise_input=with_noise):
        super().__init__()
        self.noise_input = noise_input
        self.project = nn.Linear(noise_dim, channels * side * side)
        self.head = nn.Sequential(nn.Conv2d(2 * channels, width, 3, padding=1), nn.ReLU())
        self.blocks = nn.Sequential(*[ResidualBlock(width) for _ in range(blocks)])
        self.tail = nn.Sequential(nn.Conv2d(width, channels, 3, padding=1), nn.Tanh())

    def forward(self, x, z):
        return self.tail(self.blocks(self.head(self.noise_input(x, z, self.project))))


class Discriminator(nn.Module):
    """(N, 3, 28, 28) -> logits (N,): DCGAN-like, strided 3x3 convolutions, leaky ReLU, BN, dropout (the
    paper's D has dropout and noise on its layers, which keeps it from winning outright)."""

    def __init__(self, channels: int = 3, width: int = 32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(channels, width, 3, 2, 1), nn.LeakyReLU(0.2), nn.Dropout(0.1),              # 14x14
            nn.Conv2d(width, 2 * width, 3, 2, 1), nn.BatchNorm2d(2 * width), nn.LeakyReLU(0.2), nn.Dropout(0.1),  # 7x7
            nn.Conv2d(2 * width, 4 * width, 3, 2, 1), nn.BatchNorm2d(4 * width), nn.LeakyReLU(0.2),  # 4x4
            nn.Flatten(), nn.Linear(4 * width * 16, 1))

    def forward(self, x):
        return self.net(x).squeeze(1)


class TaskClassifier(nn.Module):
    """(N, 3, 28, 28) -> class logits (N, 10): the small CNN of the DANN and PixelDA MNIST-M experiments
    (5x5 convolutions of 32 and 48 channels, max-pooling, 100 hidden units), with BatchNorm."""

    def __init__(self, channels: int = 3, classes: int = 10):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(channels, 32, 5, padding=2), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),  # 14x14
            nn.Conv2d(32, 48, 5, padding=2), nn.BatchNorm2d(48), nn.ReLU(), nn.MaxPool2d(2),        # 7x7
            nn.Flatten(), nn.Linear(48 * 49, 100), nn.ReLU(), nn.Linear(100, classes))

    def forward(self, x):
        return self.net(x)


def task_loss(T: nn.Module, translated: torch.Tensor, source: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """L_t: cross-entropy of T on the translated images and on the source images, both with the source
    labels, averaged over the two (T sees both domains' looks and G is pushed to keep the digit)."""
    return (F.cross_entropy(T(translated), labels) + F.cross_entropy(T(source), labels)) / 2


def step(G, D, T, opt_g, opt_d, source, labels, target, z, task_weight: float = TASK_WEIGHT) -> dict:
    """One PixelDA iteration: D on real target images (1) against translations detached (0); then G and T
    together (opt_g holds both) on the non-saturating adversarial loss plus task_weight * L_t."""
    fake = G(source, z)
    real_logit, fake_logit = D(target), D(fake.detach())
    loss_d = F.binary_cross_entropy_with_logits(real_logit, torch.ones_like(real_logit)) \
        + F.binary_cross_entropy_with_logits(fake_logit, torch.zeros_like(fake_logit))
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()
    logit = D(fake)
    loss_g = F.binary_cross_entropy_with_logits(logit, torch.ones_like(logit)) \
        + task_weight * task_loss(T, fake, source, labels)
    opt_g.zero_grad()
    loss_g.backward()
    opt_g.step()
    return {"d_loss": loss_d.item(), "g_loss": loss_g.item()}


def target_accuracy(T: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 500) -> float:
    """The fraction of `images` (held-out target images) whose argmax class is the label, T in eval mode."""
    return (predict(T, images, batch_size) == labels).float().mean().item()


@torch.no_grad()
def translate(G: nn.Module, source: torch.Tensor, seed: int = 0, batch_size: int = 500) -> torch.Tensor:
    """G(x_s, z) for every source image, z drawn from `seed`, in eval mode, on the CPU."""
    dev = next(G.parameters()).device
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(len(source), G.project.in_features, generator=g)
    with evaluating(G):
        return torch.cat([G(gray_to_rgb(x).to(dev), n.to(dev)).cpu()
                          for x, n in zip(source.split(batch_size), z.split(batch_size))])


def _adam(*nets: nn.Module, lr: float) -> torch.optim.Adam:
    return torch.optim.Adam([p for net in nets for p in net.parameters()], lr=lr, betas=(0.5, 0.999))


def _judged(stats: dict, T: nn.Module, judge: tuple | None, judge_every: int, done: int) -> dict:
    """stats, plus T's held-out accuracy and the iteration it was taken at every judge_every iterations."""
    if judge is None or done % judge_every:
        return stats
    return stats | {"target_accuracy": target_accuracy(T, *judge), "judged_at": done}


def train_classifier(T: nn.Module, images: torch.Tensor, labels: torch.Tensor, *, steps: int, batch_size: int = 64,
                     lr: float = 1e-3, judge: tuple | None = None, judge_every: int = 250, device=None, seed: int = 0,
                     progress: bool = True, desc: str = "classifier") -> History:
    """T alone on labelled images (N, C, 28, 28): the source-only baseline (MNIST, through gray_to_rgb) and the
    target-only reference (MNIST-M's labels, which PixelDA never reads). `judge` as `train`."""
    dev = pick_device() if device is None else torch.device(device)
    T.to(dev).train()
    opt = torch.optim.Adam(T.parameters(), lr=lr)
    x, y = images.to(dev), labels.to(dev)
    rng = torch.Generator().manual_seed(seed)
    history = History()

    def one_step() -> dict:
        idx = torch.randint(len(x), (batch_size,), generator=rng).to(dev)
        loss = F.cross_entropy(T(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        return _judged({"g_loss": loss.item()}, T, judge, judge_every, len(history.step) + 1)

    return run_loop(history, 0, steps, one_step, lambda s: None, lambda s: None, snapshot_every=steps,
                    checkpoint_every=steps + 1, max_seconds=None, progress=progress, desc=desc,
                    postfix=lambda s: {"loss": f"{s['g_loss']:.3f}"})


def train(G: nn.Module, D: nn.Module, T: nn.Module, source: torch.Tensor, labels: torch.Tensor, target: torch.Tensor, *,
          steps: int, step_fn=step, task_weight: float = TASK_WEIGHT, batch_size: int = 32, lr: float = 2e-4,
          fixed: torch.Tensor | None = None, judge: tuple | None = None, judge_every: int = 250, device=None,
          seed: int = 0, snapshot_every: int = 250, checkpoint: str | Path | None = None, checkpoint_every: int = 500,
          progress: bool = True, desc: str = "PixelDA") -> History:
    """PixelDA on labelled source images (N, 1 or 3, 28, 28) with `labels` and unlabelled target images
    (M, 3, 28, 28): each iteration is step_fn(G, D, T, opt_g, opt_d, x_s, y_s, x_t, z, task_weight), with
    opt_g Adam over G's and T's parameters. Snapshots: translations of `fixed` source images under fixed
    noise. `judge` = (images, labels) of held-out target images: T's accuracy on them every judge_every
    iterations goes into history.extra["target_accuracy"] (at history.extra["judged_at"]). Checkpoints
    and resumes as `training.train`."""
    dev = pick_device() if device is None else torch.device(device)
    for net in (G, D, T):
        net.to(dev).train()
    opt_g, opt_d = _adam(G, T, lr=lr), _adam(D, lr=lr)
    x_s, y_s, x_t = gray_to_rgb(source).to(dev), labels.to(dev), target.to(dev)
    rng = torch.Generator().manual_seed(seed)
    fixed = gray_to_rgb(source[:10] if fixed is None else fixed).to(dev)
    fixed_z = torch.randn(len(fixed), G.project.in_features, generator=torch.Generator().manual_seed(seed)).to(dev)
    saved = Checkpoint(checkpoint, {"G": G, "D": D, "T": T, "opt_g": opt_g, "opt_d": opt_d}, rng, dev)
    history, start, _ = saved.resume()

    def one_step() -> dict:
        i = torch.randint(len(x_s), (batch_size,), generator=rng).to(dev)
        j = torch.randint(len(x_t), (batch_size,), generator=rng).to(dev)
        z = torch.randn(batch_size, G.project.in_features, generator=rng).to(dev)
        with seeded_noise(rng, dev):  # D's dropout: a resumed run draws what an uninterrupted one would
            stats = step_fn(G, D, T, opt_g, opt_d, x_s[i], y_s[i], x_t[j], z, task_weight)
        return _judged(stats, T, judge, judge_every, len(history.step) + 1)

    def snapshot(step_no: int) -> None:
        history.snapshot_steps.append(step_no)
        with evaluating(G), torch.no_grad():
            history.snapshots.append(G(fixed, fixed_z).cpu())

    return run_loop(history, start, steps, one_step, snapshot, lambda s: saved.save(s, history),
                    snapshot_every=snapshot_every, checkpoint_every=checkpoint_every, max_seconds=None,
                    progress=progress, desc=desc, postfix=lambda s: {"d": f"{s['d_loss']:.3f}", "g": f"{s['g_loss']:.3f}"})
