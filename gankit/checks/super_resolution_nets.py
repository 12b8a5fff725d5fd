"""Lab 10's check tools: stand-in networks (a feature network whose output depends on its mode, a
linear D, a tiny sub-pixel G) and the kit's SRGAN step with one typical mistake each."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gankit import super_resolution as sr


class ModalPhi(nn.Sequential):
    """A feature network with BatchNorm and dropout: what it computes depends on its mode."""

    def __init__(self):
        super().__init__(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.Tanh(), nn.Dropout(0.5))


def images(seed: int, n: int = 4, side: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    """Two batches (N, 1, side, side) of float64 noise in [-1, 1]: an upscaling and its target."""
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(n, 1, side, side, generator=g, dtype=torch.float64) * 2 - 1,
            torch.rand(n, 1, side, side, generator=g, dtype=torch.float64) * 2 - 1)


def feature_net(seed: int) -> nn.Module:
    """A ModalPhi in float64 and train mode, as a student might be handed one."""
    torch.manual_seed(seed)
    phi = ModalPhi().double()
    with torch.no_grad():  # running statistics a network trained elsewhere would have
        phi[1].running_mean.uniform_(-0.5, 0.5)
        phi[1].running_var.uniform_(0.5, 2.0)
    return phi.train()


class LinearD(nn.Module):
    """x (N, 1, 8, 8) -> logit (N,)."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(64, 1))

    def forward(self, x):
        return 3 * self.net(x).squeeze(1)


class TinyG(nn.Module):
    """x_LR (N, 1, 4, 4) -> x_SR (N, 1, 8, 8)."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.PixelShuffle(2), nn.Tanh())

    def forward(self, x):
        return self.net(x)


def variant(g_loss="perceptual", swapped=False, d_on_real_only=False, weight=None):
    """The kit's srgan_step with one thing changed, for naming the mistakes."""
    def step(G, D, opt_g, opt_d, lr, hr, phi, adv_weight=sr.ADV_WEIGHT):
        up = G(lr)
        real, fake = D(hr), D(up.detach())
        ones, zeros = torch.ones_like(real), torch.zeros_like(fake)
        if swapped:
            ones, zeros = zeros, ones
        loss_d = F.binary_cross_entropy_with_logits(real, ones)
        if not d_on_real_only:
            loss_d = loss_d + F.binary_cross_entropy_with_logits(fake, zeros)
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = F.mse_loss(up, hr) if g_loss == "pixels" else \
            sr.srgan_g_loss(D, phi, up, hr, adv_weight if weight is None else weight)
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        return {"d_loss": loss_d.item(), "g_loss": loss_g.item()}
    return step
