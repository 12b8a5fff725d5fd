"""Super-resolution with a GAN (Ledig et al. 2017, "Photo-realistic single image super-resolution
using a generative adversarial network", SRGAN), at 4x: 7x7 digits -> 28x28.

G is SRResNet: a 9x9 convolution, B residual blocks (conv-BN-PReLU-conv-BN, plus the input), a skip
around them all, and log2(r) sub-pixel upsamplers (a convolution to C r'^2 channels rearranged by
PixelShuffle into an r'-times larger image), then a 9x9 convolution to pixels. Trained on pixel MSE it
is "SRResNet"; SRGAN starts from it and minimises the perceptual loss

    l_SR = l_content + 1e-3 * l_adv,   l_content = || phi(G(x_LR)) - phi(x_HR) ||^2 / size(phi),
    l_adv = -log D(G(x_LR)),

where phi is a fixed feature network (VGG19 in the paper; offline here, the shipped digit classifier's
convolutional features) and D is trained to tell G(x_LR) from x_HR as in any GAN.
"""
from __future__ import annotations

import math
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from gankit import features
from gankit.runtime import device as pick_device
from gankit.training import Checkpoint, History, evaluating, run_loop

FACTOR = 4
ADV_WEIGHT = 1e-3  # the paper's weight of the adversarial term against the content loss


def bicubic(lr: torch.Tensor, factor: int = FACTOR) -> torch.Tensor:
    """The baseline: (N, C, h, w) -> (N, C, factor h, factor w) by bicubic interpolation, kept in [-1, 1]."""
    return F.interpolate(lr, scale_factor=factor, mode="bicubic", align_corners=False).clamp(-1, 1)


# ---- the generator ------------------------------------------------------------------------------

class SubPixelUpsampler(nn.Module):
    """(N, C, H, W) -> (N, C, rH, rW): a 3x3 convolution to C r^2 channels, PixelShuffle(r), PReLU.
    PixelShuffle moves channel c r^2 + i r + j of pixel (h, w) to pixel (r h + i, r w + j) of channel c:
    the convolution learns r^2 sub-pixel filters at the low resolution, where it is cheap."""

    def __init__(self, channels: int, r: int = 2):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels * r * r, 3, padding=1)
        self.shuffle = nn.PixelShuffle(r)
        self.act = nn.PReLU(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.shuffle(self.conv(x)))


class ResidualBlock(nn.Module):
    """(N, C, H, W) -> (N, C, H, W): x + BN(conv(PReLU(BN(conv(x))))), 3x3 convolutions, no activation after the sum."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels)
        self.act = nn.PReLU(channels)
        self.conv2, self.bn2 = nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.bn2(self.conv2(self.act(self.bn1(self.conv1(x)))))


class SRResNet(nn.Module):
    """x_LR (N, 1, h, w) in [-1, 1] -> x_SR (N, 1, factor h, factor w) in [-1, 1].

    `block` and `upsampler` are the classes to build from (the lab passes the student's):
    block(channels), upsampler(channels, 2), one upsampler per doubling."""

    def __init__(self, channels: int = 32, blocks: int = 4, factor: int = FACTOR, in_channels: int = 1,
                 block=ResidualBlock, upsampler=SubPixelUpsampler):
        super().__init__()
        doublings = round(math.log2(factor))
        if 2 ** doublings != factor:
            raise ValueError(f"factor must be a power of 2 (each upsampler doubles the size), got {factor}.")
        self.head = nn.Sequential(nn.Conv2d(in_channels, channels, 9, padding=4), nn.PReLU(channels))
        self.body = nn.Sequential(*[block(channels) for _ in range(blocks)],
                                  nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels))
        self.up = nn.Sequential(*[upsampler(channels, 2) for _ in range(doublings)])
        self.tail = nn.Conv2d(channels, in_channels, 9, padding=4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.head(x)
        return torch.tanh(self.tail(self.up(h + self.body(h))))  # the long skip: the blocks learn a residual


class SRDiscriminator(nn.Module):
    """x (N, 1, 28, 28) -> logit (N,): SRGAN's D shrunk to digits (conv-BN-LeakyReLU, strided halvings,
    then two dense layers)."""

    def __init__(self, width: int = 32, in_channels: int = 1, side: int = 28):
        super().__init__()

        def block(c_in, c_out, stride):
            return [nn.Conv2d(c_in, c_out, 3, stride, 1), nn.BatchNorm2d(c_out), nn.LeakyReLU(0.2)]

        self.features = nn.Sequential(nn.Conv2d(in_channels, width, 3, 1, 1), nn.LeakyReLU(0.2),
                                      *block(width, width, 2), *block(width, 2 * width, 1), *block(2 * width, 2 * width, 2))
        self.classify = nn.Sequential(nn.Flatten(), nn.Linear(2 * width * (side // 4) ** 2, 256), nn.LeakyReLU(0.2),
                                      nn.Linear(256, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classify(self.features(x)).squeeze(1)


# ---- the fixed feature networks of the content loss ---------------------------------------------

def digit_features(device="cpu") -> nn.Module:
    """phi offline: the shipped digit classifier up to its second convolution's ReLU, (N, 1, 28, 28) ->
    (N, 32, 14, 14), frozen in eval mode (VGG54 in the paper is likewise a late convolution's activation)."""
    from gankit import classifier

    phi = classifier.pretrained(device).body[:5]
    return phi.eval().requires_grad_(False)


def vgg19_features(device="cpu", layer: int = 36) -> nn.Module:
    """phi on Colab: torchvision's ImageNet VGG19 up to relu5_4 (`layer` 36; the paper's VGG54), for
    (N, 3, H, W) in [-1, 1] (ImageNet's normalisation applied inside), frozen in eval mode.
    The weights (550 MB) are downloaded once."""
    from torchvision.models import VGG19_Weights, vgg19

    weights = VGG19_Weights.IMAGENET1K_V1
    try:
        net = vgg19(weights=weights).features[:layer]
    except Exception as e:  # no network (URLError), a truncated download
        raise ConnectionError(f"could not fetch VGG19's ImageNet weights from {weights.url} ({e}): they need the "
                              "internet (run this on Colab); offline, use super_resolution.digit_features().") from e
    phi = nn.Sequential(_ImageNetNormalise(), net)
    return phi.to(device).eval().requires_grad_(False)


class _ImageNetNormalise(nn.Module):
    """`features.imagenet_normalise` as a layer, in front of VGG. (N, 3, H, W) -> (N, 3, H, W)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return features.imagenet_normalise(x)


# ---- the losses and the steps --------------------------------------------------------------------

def content_loss(phi: nn.Module, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
    """Mean squared distance of phi's features, phi fixed (eval mode) and the target phi(hr) a constant."""
    phi.eval()
    with torch.no_grad():
        target = phi(hr)
    return F.mse_loss(phi(sr), target)


def srgan_g_loss(D: nn.Module, phi: nn.Module, sr: torch.Tensor, hr: torch.Tensor, adv_weight: float = ADV_WEIGHT) -> torch.Tensor:
    """l_SR = l_content + adv_weight * (-log D(sr)), the adversarial term non-saturating, on D's logits."""
    logit = D(sr)
    return content_loss(phi, sr, hr) + adv_weight * F.binary_cross_entropy_with_logits(logit, torch.ones_like(logit))


def d_loss(D: nn.Module, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
    """-log D(hr) - log(1 - D(sr)), batch-averaged; sr detached: D's step must not reach G."""
    real, fake = D(hr), D(sr.detach())
    return F.binary_cross_entropy_with_logits(real, torch.ones_like(real)) + \
        F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))


def srgan_step(G: nn.Module, D: nn.Module, opt_g, opt_d, lr: torch.Tensor, hr: torch.Tensor, phi: nn.Module,
               adv_weight: float = ADV_WEIGHT) -> dict:
    """One SRGAN iteration: D on real hr against G(lr), then G on the perceptual loss (D not stepped)."""
    sr = G(lr)
    loss_d = d_loss(D, sr, hr)
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()
    loss_g = srgan_g_loss(D, phi, sr, hr, adv_weight)
    opt_g.zero_grad()
    loss_g.backward()
    opt_g.step()
    return {"d_loss": loss_d.item(), "g_loss": loss_g.item()}


def mse_step(G: nn.Module, opt_g, lr: torch.Tensor, hr: torch.Tensor) -> dict:
    """SRResNet's iteration: pixel MSE, no D."""
    loss = F.mse_loss(G(lr), hr)
    opt_g.zero_grad()
    loss.backward()
    opt_g.step()
    return {"g_loss": loss.item()}


# ---- training and upscaling ----------------------------------------------------------------------

def train_sr(G: nn.Module, lr_images: torch.Tensor, hr_images: torch.Tensor, *, steps: int, D: nn.Module | None = None,
             phi: nn.Module | None = None, step_fn=srgan_step, adv_weight: float = ADV_WEIGHT, batch_size: int = 64,
             learning_rate: float = 1e-4, fixed: torch.Tensor | None = None, device=None, seed: int = 0,
             snapshot_every: int = 100, checkpoint: str | Path | None = None, checkpoint_every: int = 500,
             progress: bool = True, max_seconds: float | None = None, desc: str = "training") -> History:
    """Train G on pairs (lr_images (N, 1, h, w), hr_images (N, 1, 28, 28)), in [-1, 1].

    Without D: SRResNet, pixel MSE (`mse_step`). With D and phi: each iteration is
    step_fn(G, D, opt_g, opt_d, lr, hr, phi, adv_weight). Adam at 1e-4 with beta1 = 0.9 (the paper's).
    Snapshots: G's upscaling of `fixed` low-resolution images (default the first 16). Checkpoints and
    resumes as `training.train`."""
    if (D is None) != (phi is None):
        raise ValueError("SRGAN needs both D and phi (the content loss's feature network); SRResNet neither.")
    dev = pick_device() if device is None else torch.device(device)
    G.to(dev).train()
    opt_g = torch.optim.Adam(G.parameters(), lr=learning_rate)
    parts = {"G": G, "opt_g": opt_g}
    if D is not None:
        D.to(dev).train()
        phi.to(dev)
        opt_d = torch.optim.Adam(D.parameters(), lr=learning_rate)
        parts.update(D=D, opt_d=opt_d)
    x_lr, x_hr = lr_images.to(dev), hr_images.to(dev)
    fixed = (lr_images[:16] if fixed is None else fixed).to(dev)
    rng = torch.Generator().manual_seed(seed)
    saved = Checkpoint(checkpoint, parts, rng, dev)
    history, start, _ = saved.resume()

    def one_step() -> dict:
        idx = torch.randint(len(x_lr), (batch_size,), generator=rng).to(dev)
        if D is None:
            return mse_step(G, opt_g, x_lr[idx], x_hr[idx])
        return step_fn(G, D, opt_g, opt_d, x_lr[idx], x_hr[idx], phi, adv_weight)

    def snapshot(step: int) -> None:
        history.snapshot_steps.append(step)
        with evaluating(G), torch.no_grad():
            history.snapshots.append(G(fixed).cpu())

    return run_loop(history, start, steps, one_step, snapshot, lambda step: saved.save(step, history),
                    snapshot_every=snapshot_every, checkpoint_every=checkpoint_every, max_seconds=max_seconds,
                    progress=progress, desc=desc, postfix=lambda s: {"g": f"{s['g_loss']:.4f}"})


@torch.no_grad()
def upscale(G: nn.Module, lr: torch.Tensor, batch_size: int = 500) -> torch.Tensor:
    """G's x_SR for every image of lr (N, C, h, w), in eval mode, on the CPU."""
    dev = next(G.parameters()).device
    with evaluating(G):
        return torch.cat([G(b.to(dev)).cpu() for b in lr.split(batch_size)])
