"""Generators and discriminators: small MLPs for the toy games, and nets for 28x28 images.

Generators map noise z (N, z_dim) to images (N, 1, 28, 28) in [-1, 1] (tanh, the data's range).
Discriminators map images (N, 1, 28, 28) to one logit each, (N, 1): D(x) = sigmoid(logit). They
output logits, not probabilities, so the losses can use the numerically stable log-sigmoid.
"""
from __future__ import annotations

import torch
from torch import nn

IMAGE_SHAPE = (1, 28, 28)
IMAGE_SIZE = 28 * 28


def _mlp(widths: list[int], activation) -> nn.Sequential:
    layers = []
    for a, b in zip(widths[:-1], widths[1:]):
        layers += [nn.Linear(a, b), activation()]
    return nn.Sequential(*layers[:-1])  # the last layer stays linear


class ToyGenerator(nn.Module):
    """G for low-dimensional toys: an MLP with ReLU. z (N, z_dim) -> x (N, out_dim), unbounded."""

    def __init__(self, z_dim: int = 2, out_dim: int = 2, hidden: int = 128, depth: int = 3):
        super().__init__()
        self.z_dim = z_dim
        self.net = _mlp([z_dim] + [hidden] * depth + [out_dim], nn.ReLU)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class ToyDiscriminator(nn.Module):
    """D for low-dimensional toys: an MLP with LeakyReLU(0.2). x (N, in_dim) -> logits (N, 1)."""

    def __init__(self, in_dim: int = 2, hidden: int = 128, depth: int = 3):
        super().__init__()
        self.net = _mlp([in_dim] + [hidden] * depth + [1], lambda: nn.LeakyReLU(0.2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class MLPGenerator(nn.Module):
    """Goodfellow et al. 2014's generator: a multilayer perceptron with ReLU hidden layers.

    The paper ends in a sigmoid for data in [0, 1]; with data in [-1, 1] the matching output is tanh.
    z (N, z_dim) -> x (N, 1, 28, 28).
    """

    def __init__(self, z_dim: int = 64, hidden: tuple[int, ...] = (256, 512)):
        super().__init__()
        self.z_dim = z_dim
        layers, width = [], z_dim
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers += [nn.Linear(width, IMAGE_SIZE), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(-1, *IMAGE_SHAPE)


class MLPDiscriminator(nn.Module):
    """A multilayer perceptron with LeakyReLU(0.2), the usual stand-in for the paper's maxout.

    x (N, 1, 28, 28) -> logits (N, 1).
    """

    def __init__(self, hidden: tuple[int, ...] = (512, 256)):
        super().__init__()
        layers, width = [nn.Flatten()], IMAGE_SIZE
        for h in hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2)]
            width = h
        layers += [nn.Linear(width, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class DCGANGenerator(nn.Module):
    """DCGAN guidelines (Radford et al.): project and reshape z, upsample by fractionally strided
    convolutions, fewer channels at higher resolution, BatchNorm and ReLU, tanh output.

    z (N, z_dim) -> (N, 2 ngf, 7, 7) -> (N, ngf, 14, 14) -> (N, 1, 28, 28).
    """

    def __init__(self, z_dim: int = 64, ngf: int = 32):
        super().__init__()
        self.z_dim = z_dim
        self.project = nn.Sequential(
            nn.Linear(z_dim, 2 * ngf * 7 * 7, bias=False),
            nn.Unflatten(1, (2 * ngf, 7, 7)),
            nn.BatchNorm2d(2 * ngf),
            nn.ReLU(),
        )
        self.upsample = nn.Sequential(
            nn.ConvTranspose2d(2 * ngf, ngf, 4, stride=2, padding=1, bias=False),  # 7 -> 14
            nn.BatchNorm2d(ngf),
            nn.ReLU(),
            nn.ConvTranspose2d(ngf, 1, 4, stride=2, padding=1),  # 14 -> 28
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.upsample(self.project(z))


class DCGANDiscriminator(nn.Module):
    """Strided convolutions instead of pooling, LeakyReLU(0.2), BatchNorm after the first layer.

    x (N, 1, 28, 28) -> (N, ndf, 14, 14) -> (N, 2 ndf, 7, 7) -> logits (N, 1).
    """

    def __init__(self, ndf: int = 32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, ndf, 4, stride=2, padding=1),  # 28 -> 14
            nn.LeakyReLU(0.2),
            nn.Conv2d(ndf, 2 * ndf, 4, stride=2, padding=1, bias=False),  # 14 -> 7
            nn.BatchNorm2d(2 * ndf),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            nn.Linear(2 * ndf * 7 * 7, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def dcgan_init(module: nn.Module) -> None:
    """DCGAN's initialisation, N(0, 0.02) weights; use as `model.apply(dcgan_init)`."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# The kit's reference configuration (demo, benchmark, Lab 3's comparison): the DCGAN pair, and the
# training settings measured best for it in 2 minutes on a 2-core CPU (bench/vanilla_gan.py): a
# learning rate 5x DCGAN's 2e-4 and small batches, i.e. many quick updates.
REFERENCE_TRAINING = {"batch_size": 32, "lr": 1e-3}


def reference_gan(z_dim: int = 64) -> tuple[DCGANGenerator, DCGANDiscriminator]:
    """The reference DCGAN pair, initialised as DCGAN prescribes."""
    G, D = DCGANGenerator(z_dim), DCGANDiscriminator()
    G.apply(dcgan_init)
    D.apply(dcgan_init)
    return G, D
