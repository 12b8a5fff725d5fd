"""Lab 11's check tools: stand-in networks small enough to compute by hand (float64), and the kit's
PixelDA step with one typical mistake each."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gankit import pixelda

SIDE, K = 4, 3  # stand-in images are (N, C, 4, 4); StarGAN's stand-ins have 3 domains


def images(seed: int, n: int = 6, channels: int = 3) -> torch.Tensor:
    """(n, channels, 4, 4) float64 noise in [-1, 1]."""
    return torch.rand(n, channels, SIDE, SIDE, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * 2 - 1


def labels(seed: int, n: int = 6, classes: int = 10) -> torch.Tensor:
    return torch.randint(classes, (n,), generator=torch.Generator().manual_seed(seed))


class LinearClassifier(nn.Module):
    """(N, C, 4, 4) -> logits (N, classes)."""

    def __init__(self, channels: int = 3, classes: int = 10):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(channels * SIDE * SIDE, classes))

    def forward(self, x):
        return 2 * self.net(x)


class ModalClassifier(nn.Module):
    """(N, 3, 4, 4) -> logits (N, 10), with BatchNorm and dropout: what it predicts depends on its mode."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(3 * SIDE * SIDE, 10), nn.BatchNorm1d(10), nn.Dropout(0.5))
        with torch.no_grad():  # running statistics far from any batch's: train mode predicts differently
            self.net[2].running_mean.uniform_(-2, 2)
            self.net[2].running_var.uniform_(0.2, 3.0)

    def forward(self, x):
        return self.net(x)


class LinearD(nn.Module):
    """(N, 3, 4, 4) -> logit (N,)."""

    def __init__(self, channels: int = 3):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(channels * SIDE * SIDE, 1))

    def forward(self, x):
        return 3 * self.net(x).squeeze(1)


class TinyG(nn.Module):
    """PixelDA's G in miniature: (x (N, 3, 4, 4), z (N, 2)) -> (N, 3, 4, 4), through the kit's with_noise."""

    def __init__(self):
        super().__init__()
        self.project = nn.Linear(2, 3 * SIDE * SIDE)
        self.conv = nn.Conv2d(6, 3, 3, padding=1)

    def forward(self, x, z):
        return torch.tanh(self.conv(pixelda.with_noise(x, z, self.project)))


class TwoHeadD(nn.Module):
    """StarGAN's D in miniature: x (N, 1, 4, 4) -> (src (N, 1, 2, 2), cls (N, K))."""

    def __init__(self):
        super().__init__()
        self.src = nn.Conv2d(1, 1, 3)
        self.cls = nn.Sequential(nn.Flatten(), nn.Linear(SIDE * SIDE, K))

    def forward(self, x):
        return 2 * self.src(x), 2 * self.cls(x)


class TinyStarG(nn.Module):
    """StarGAN's G in miniature: (x (N, 1, 4, 4), c (N,)) -> (N, 1, 4, 4), the code planes stacked on x."""

    def __init__(self):
        super().__init__()
        self.k = K
        self.conv = nn.Conv2d(1 + K, 1, 3, padding=1)

    def forward(self, x, c):
        code = F.one_hot(c, K).to(x.dtype)[:, :, None, None].expand(-1, -1, *x.shape[2:])
        return torch.tanh(self.conv(torch.cat([x, code], 1)))


def pixelda_variant(task_on="source", swapped=False, d_on_real_only=False, weight=None, noise=True, task=True,
                    adversarial=True):
    """The kit's PixelDA step with one thing changed, for naming the mistakes."""
    def step(G, D, T, opt_g, opt_d, source, labels, target, z, task_weight=pixelda.TASK_WEIGHT):
        fake = G(source, z if noise else torch.zeros_like(z))
        real_logit, fake_logit = D(target), D(fake.detach())
        ones, zeros = torch.ones_like(real_logit), torch.zeros_like(fake_logit)
        if swapped:
            ones, zeros = zeros, ones
        loss_d = F.binary_cross_entropy_with_logits(real_logit, ones)
        if not d_on_real_only:
            loss_d = loss_d + F.binary_cross_entropy_with_logits(fake_logit, zeros)
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        logit = D(fake)
        loss_g = F.binary_cross_entropy_with_logits(logit, torch.ones_like(logit)) if adversarial else 0
        if task:
            w = task_weight if weight is None else weight
            loss_g = loss_g + w * pixelda.task_loss(T, fake, target if task_on == "target" else source, labels)
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        return {"d_loss": loss_d.item(), "g_loss": loss_g.item()}
    return step
