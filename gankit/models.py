"""Generators and discriminators: small MLPs for the toy games, and nets for 28x28 images.

Generators map noise z (N, z_dim) to images (N, 1, 28, 28) in [-1, 1] (tanh, the data's range).
Discriminators map images (N, 1, 28, 28) to one logit each, (N, 1): D(x) = sigmoid(logit). They
output logits, not probabilities, so the losses can use the numerically stable log-sigmoid.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
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

    z (N, z_dim) -> (N, 2 ngf, 7, 7) -> (N, ngf, 14, 14) -> (N, channels, 28, 28).
    """

    def __init__(self, z_dim: int = 64, ngf: int = 32, channels: int = 1):
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
            nn.ConvTranspose2d(ngf, channels, 4, stride=2, padding=1),  # 14 -> 28
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.upsample(self.project(z))


def _dcgan_d_layers(ndf: int, in_channels: int, norm: nn.Module, bias: bool) -> nn.Sequential:
    """The DCGAN discriminator's layers, shared by the GAN's D and the WGAN critic: strided
    convolutions, `norm` after the second, LeakyReLU(0.2), one linear output per image."""
    return nn.Sequential(
        nn.Conv2d(in_channels, ndf, 4, stride=2, padding=1),  # 28 -> 14
        nn.LeakyReLU(0.2),
        nn.Conv2d(ndf, 2 * ndf, 4, stride=2, padding=1, bias=bias),  # 14 -> 7
        norm,
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(2 * ndf * 7 * 7, 1),
    )


class DCGANDiscriminator(nn.Module):
    """Strided convolutions instead of pooling, LeakyReLU(0.2), BatchNorm after the second layer
    (DCGAN's guideline; `batchnorm=False` leaves it out, as the kit's reference does).

    x (N, 1, 28, 28) -> (N, ndf, 14, 14) -> (N, 2 ndf, 7, 7) -> logits (N, 1).
    """

    def __init__(self, ndf: int = 32, in_channels: int = 1, batchnorm: bool = True):
        super().__init__()
        norm = nn.BatchNorm2d(2 * ndf) if batchnorm else nn.Identity()
        self.net = _dcgan_d_layers(ndf, in_channels, norm, bias=not batchnorm)  # BatchNorm shifts anyway

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class DCGANCritic(nn.Module):
    """The WGAN-GP critic: DCGANDiscriminator's layers with a raw score out (no sigmoid) and no BatchNorm.

    The penalty bounds the gradient of f at each sample x_hat on its own; BatchNorm makes f(x_hat)
    depend on the rest of the batch, so Gulrajani et al. drop it: norm="layer" normalises each
    sample over (C, H, W) (GroupNorm with one group), "none" has no normalisation, "batch" is the
    mistake, kept to measure it. x (N, 1, 28, 28) -> (N, ndf, 14, 14) -> (N, 2 ndf, 7, 7) -> scores (N, 1).
    """

    NORMS = {"layer": lambda c: nn.GroupNorm(1, c), "none": lambda c: nn.Identity(), "batch": nn.BatchNorm2d}

    def __init__(self, ndf: int = 32, norm: str = "layer"):
        super().__init__()
        if norm not in self.NORMS:
            raise ValueError(f"norm must be one of {', '.join(self.NORMS)}, got {norm!r}.")
        self.net = _dcgan_d_layers(ndf, 1, self.NORMS[norm](2 * ndf), bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def one_hot(labels: torch.Tensor, n_classes: int = 10) -> torch.Tensor:
    """Class labels (N,) int -> one-hot rows (N, n_classes) float: the label representation y that a
    conditional G and D share (Mirza and Osindero 2014)."""
    if labels.dtype.is_floating_point or labels.dim() != 1:
        raise TypeError(f"labels must be a 1-D integer tensor (N,), got {labels.dtype} of shape {tuple(labels.shape)}")
    if len(labels) and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"labels must lie in 0..{n_classes - 1}, got {labels.min().item()}..{labels.max().item()}")
    return F.one_hot(labels, n_classes).float()


def label_planes(labels: torch.Tensor, n_classes: int, size: tuple[int, int]) -> torch.Tensor:
    """The one-hot labels as constant image planes, (N, n_classes, H, W), to stack onto an image's channels."""
    return one_hot(labels, n_classes)[:, :, None, None].expand(-1, -1, *size)


class ConditionalGenerator(nn.Module):
    """G(z | y): the DCGAN generator fed [z, one_hot(y)]. z (N, z_dim), y (N,) -> (N, channels, 28, 28)."""

    def __init__(self, z_dim: int = 64, n_classes: int = 10, ngf: int = 32, channels: int = 1):
        super().__init__()
        self.z_dim, self.n_classes = z_dim, n_classes
        self.body = DCGANGenerator(z_dim + n_classes, ngf, channels)

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.body(torch.cat([z, one_hot(y, self.n_classes)], dim=1))


class ConditionalDiscriminator(nn.Module):
    """D(x | y): the DCGAN discriminator on the image stacked with one-hot label planes.

    x (N, channels, 28, 28), y (N,) -> (N, channels + n_classes, 28, 28) -> logits (N, 1).
    """

    def __init__(self, n_classes: int = 10, ndf: int = 32, channels: int = 1):
        super().__init__()
        self.n_classes = n_classes
        self.body = DCGANDiscriminator(ndf, in_channels=channels + n_classes)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.body(torch.cat([x, label_planes(y, self.n_classes, x.shape[-2:])], dim=1))


class UNetGenerator(nn.Module):
    """pix2pix's U-Net, sized for 28 px: an encoder-decoder whose decoder also receives the encoder's
    features at the same resolution (skip connections), so fine detail of the input (where the
    strokes are) need not squeeze through the bottleneck. Dropout is pix2pix's noise z.

    x (N, in, 28, 28) -> e1 (N, ngf, 14, 14) -> e2 (N, 2 ngf, 7, 7) -> b (N, 2 ngf, 7, 7)
      -> d2 [b, e2] -> (N, ngf, 14, 14) -> d1 [d2, e1] -> (N, out, 28, 28) in [-1, 1].
    """

    def __init__(self, in_channels: int = 1, out_channels: int = 1, ngf: int = 32, dropout: float = 0.5):
        super().__init__()
        self.e1 = nn.Conv2d(in_channels, ngf, 4, stride=2, padding=1)
        self.e2 = nn.Sequential(nn.LeakyReLU(0.2), nn.Conv2d(ngf, 2 * ngf, 4, stride=2, padding=1, bias=False),
                                nn.BatchNorm2d(2 * ngf))
        self.b = nn.Sequential(nn.LeakyReLU(0.2), nn.Conv2d(2 * ngf, 2 * ngf, 3, padding=1, bias=False),
                               nn.BatchNorm2d(2 * ngf), nn.Dropout(dropout))
        self.d2 = nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(4 * ngf, ngf, 4, stride=2, padding=1, bias=False),
                                nn.BatchNorm2d(ngf), nn.Dropout(dropout))
        self.d1 = nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(2 * ngf, out_channels, 4, stride=2, padding=1), nn.Tanh())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e1 = self.e1(x)
        e2 = self.e2(e1)
        d2 = self.d2(torch.cat([self.b(e2), e2], dim=1))
        return self.d1(torch.cat([d2, e1], dim=1))


class PatchDiscriminator(nn.Module):
    """The PatchGAN of pix2pix and CycleGAN (the reference's NLayerDiscriminator, same layers and
    state-dict keys): a fully convolutional D that outputs one logit per overlapping patch of the
    input, so it judges local texture and leaves the global layout to the L1 / cycle loss.

    x (N, in_channels, H, W) -> patch logits (N, 1, H', W'). With n_layers = 3 each logit sees a
    70 x 70 patch (H = 256 -> 30 x 30 logits); n_layers = 1 sees 16 x 16 (28 -> 12 x 12).
    norm: "batch" (pix2pix) or "instance" (CycleGAN; no affine parameters, so the convolutions keep
    their bias, as in the reference).
    """

    def __init__(self, in_channels: int, ndf: int = 64, n_layers: int = 3, norm: str = "instance"):
        super().__init__()
        if norm not in ("batch", "instance"):
            raise ValueError(f"norm must be 'batch' or 'instance', got {norm!r}")
        Norm = nn.BatchNorm2d if norm == "batch" else nn.InstanceNorm2d
        bias = norm == "instance"
        layers = [nn.Conv2d(in_channels, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers + 1):
            prev, mult = mult, min(2 ** n, 8)
            stride = 2 if n < n_layers else 1  # the last block keeps the resolution
            layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride=stride, padding=1, bias=bias), Norm(ndf * mult),
                       nn.LeakyReLU(0.2, True)]
        layers += [nn.Conv2d(ndf * mult, 1, 4, stride=1, padding=1)]
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


def _instance_norm(channels: int) -> nn.InstanceNorm2d:
    """CycleGAN's normalisation: per image and channel, no learned scale or shift, no running averages."""
    return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)


class ResnetBlock(nn.Module):
    """x + F(x), F = pad, 3x3 conv, norm, ReLU, pad, 3x3 conv, norm: a residual block keeps the image
    and learns only the change. (N, dim, H, W) -> (N, dim, H, W)."""

    def __init__(self, dim: int):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3), _instance_norm(dim), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3), _instance_norm(dim),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    """CycleGAN's generator (the reference's ResnetGenerator with instance norm, no dropout; same layers
    and state-dict keys, so its published weights load): 7x7 conv, two stride-2 convs down, n_blocks
    residual blocks, two stride-2 transposed convs up, 7x7 conv, tanh. Reflection padding avoids
    border artefacts; instance norm has no affine parameters, so the convolutions keep their bias.

    x (N, in_channels, H, W) -> (N, 4 ngf, H/4, W/4) -> (N, out_channels, H, W) in [-1, 1]; H, W
    multiples of 4. The reference: ngf = 64, n_blocks = 9 at 256 px (6 at 128 px).
    """

    def __init__(self, in_channels: int, out_channels: int, ngf: int = 64, n_blocks: int = 9):
        super().__init__()
        layers = [nn.ReflectionPad2d(3), nn.Conv2d(in_channels, ngf, 7), _instance_norm(ngf), nn.ReLU(True)]
        for mult in (1, 2):  # down: ngf -> 2 ngf -> 4 ngf, halving the size each time
            layers += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1), _instance_norm(ngf * mult * 2),
                       nn.ReLU(True)]
        layers += [ResnetBlock(4 * ngf) for _ in range(n_blocks)]
        for mult in (4, 2):  # up: 4 ngf -> 2 ngf -> ngf, doubling the size each time
            layers += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, stride=2, padding=1, output_padding=1),
                       _instance_norm(ngf * mult // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, out_channels, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


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
# learning rate 5x DCGAN's 2e-4 and small batches, i.e. many quick updates. Measured no better in
# the same 2 minutes (issue 17): an EMA of G's weights, spectral norm in D, the hinge loss, R1,
# TTUR, batches of 64, a smaller or larger G or D, a decaying learning rate, translation
# augmentation, Adam's beta1 = 0, one-sided label smoothing, least squares, top-k updates of G, a
# categorical code in z (with or without InfoGAN's term), rejecting samples that D scores low.
REFERENCE_TRAINING = {"batch_size": 32, "lr": 1e-3}


def reference_gan(z_dim: int = 64) -> tuple[DCGANGenerator, DCGANDiscriminator]:
    """The reference DCGAN pair, initialised as DCGAN prescribes, with no BatchNorm in D.

    D sees the real batch and the fake batch in separate calls, and BatchNorm normalises each with
    its own statistics: every verdict then depends on the other images in its batch. Judging each
    image on its own, D trains G to a lower FID in the same 2 CPU minutes: in five seeds of six, 38
    against 46 on average (bench/vanilla_gan.py, issue 17).
    """
    G, D = DCGANGenerator(z_dim), DCGANDiscriminator(batchnorm=False)
    G.apply(dcgan_init)
    D.apply(dcgan_init)
    return G, D


def reference_cgan(z_dim: int = 64, n_classes: int = 10, channels: int = 1) -> tuple[ConditionalGenerator, ConditionalDiscriminator]:
    """Lab 4's convolutional cGAN pair, DCGAN-initialised; trained with REFERENCE_TRAINING too."""
    G, D = ConditionalGenerator(z_dim, n_classes, channels=channels), ConditionalDiscriminator(n_classes, channels=channels)
    G.apply(dcgan_init)
    D.apply(dcgan_init)
    return G, D


def reference_wgan(z_dim: int = 64, norm: str = "layer") -> tuple[DCGANGenerator, DCGANCritic]:
    """Lab 7's pair: the reference DCGAN generator and a critic without BatchNorm, DCGAN-initialised."""
    G, critic = DCGANGenerator(z_dim), DCGANCritic(norm=norm)
    G.apply(dcgan_init)
    critic.apply(dcgan_init)
    return G, critic
