"""Data augmentation for the course project: label-preserving changes to training images, drawn afresh
for every batch, and a table of which suit which data.

An augmentation must keep the label: a horizontal flip keeps a cat a cat but turns a 2 into something
that is no digit, and a half turn makes a 6 a 9. `TABLE` says where each one fits; `augment` refuses
one that the table marks wrong for the data's kind, naming it. Every function takes a batch (N, C, H, W)
in [-1, 1] and a torch.Generator (the noise comes from it, on the CPU, so a seed gives the same
batches on every device) and returns a batch of the same shape.
"""
from __future__ import annotations

import math
from typing import Callable, NamedTuple

import torch
import torch.nn.functional as F

KINDS = ("digits", "photos", "grey")  # what a data set holds: handwritten symbols, colour photos, grey photos


def _uniform(n: int, low: float, high: float, g: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=g)


def _affine(x: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    """x warped by the per-image 2x3 matrices theta (N, 2, 3); the border pixels fill in what comes in."""
    grid = F.affine_grid(theta.to(x), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, padding_mode="border", align_corners=False)


def shift(x: torch.Tensor, g: torch.Generator, pixels: float = 3.0) -> torch.Tensor:
    """Translate each image by up to `pixels` in each direction."""
    n, _, h, w = x.shape
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = 1.0
    theta[:, 0, 2] = _uniform(n, -1, 1, g) * 2 * pixels / w  # affine_grid's units: the image spans [-1, 1]
    theta[:, 1, 2] = _uniform(n, -1, 1, g) * 2 * pixels / h
    return _affine(x, theta)


def rotate(x: torch.Tensor, g: torch.Generator, degrees: float = 15.0) -> torch.Tensor:
    """Rotate each image by up to `degrees` either way about its centre."""
    a = _uniform(len(x), -1, 1, g) * math.radians(degrees)
    theta = torch.zeros(len(x), 2, 3)
    theta[:, 0, 0], theta[:, 0, 1], theta[:, 1, 0], theta[:, 1, 1] = a.cos(), -a.sin(), a.sin(), a.cos()
    return _affine(x, theta)


def hflip(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Mirror half of the images left to right."""
    flip = torch.rand(len(x), generator=g) < 0.5
    return torch.where(flip.view(-1, 1, 1, 1).to(x.device), x.flip(-1), x)


def rotate180(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Turn half of the images upside down."""
    turn = torch.rand(len(x), generator=g) < 0.5
    return torch.where(turn.view(-1, 1, 1, 1).to(x.device), x.flip(-1, -2), x)


def colour(x: torch.Tensor, g: torch.Generator, strength: float = 0.3) -> torch.Tensor:
    """Brightness, contrast and each channel's gain changed by up to `strength` (relative), clipped to [-1, 1]."""
    n, c = x.shape[:2]
    gain = 1 + _uniform(n * c, -strength, strength, g).view(n, c, 1, 1)
    contrast = 1 + _uniform(n, -strength, strength, g).view(n, 1, 1, 1)
    brightness = _uniform(n, -strength, strength, g).view(n, 1, 1, 1)
    mean = x.mean((1, 2, 3), keepdim=True)
    return ((x - mean) * contrast.to(x) + mean + brightness.to(x)).mul(gain.to(x)).clamp(-1, 1)


def erase(x: torch.Tensor, g: torch.Generator, size: float = 0.3) -> torch.Tensor:
    """Random erasing (cutout): one square of `size` times the side per image set to the image's mean."""
    n, _, h, w = x.shape
    s = max(1, round(size * min(h, w)))
    top, left = torch.randint(h - s + 1, (n,), generator=g), torch.randint(w - s + 1, (n,), generator=g)
    rows, cols = torch.arange(h).view(1, h, 1), torch.arange(w).view(1, 1, w)
    inside = ((rows >= top.view(n, 1, 1)) & (rows < (top + s).view(n, 1, 1))
              & (cols >= left.view(n, 1, 1)) & (cols < (left + s).view(n, 1, 1))).unsqueeze(1)
    return torch.where(inside.to(x.device), x.mean((1, 2, 3), keepdim=True), x)


def noise(x: torch.Tensor, g: torch.Generator, std: float = 0.1) -> torch.Tensor:
    """Gaussian pixel noise of standard deviation `std` (in [-1, 1] units), clipped."""
    return (x + std * torch.randn(x.shape, generator=g).to(x)).clamp(-1, 1)


class Augmentation(NamedTuple):
    apply: Callable[[torch.Tensor, torch.Generator], torch.Tensor]
    what: str
    suits: tuple  # the kinds of data it keeps the labels of
    why_not: str  # where it does not fit, and why


TABLE = {
    "shift": Augmentation(shift, "translate by up to 3 px", KINDS, ""),
    "rotate": Augmentation(rotate, "rotate by up to 15 degrees", KINDS, ""),
    "erase": Augmentation(erase, "cut out a square (30 % of the side)", KINDS, ""),
    "noise": Augmentation(noise, "Gaussian pixel noise, std 0.1", KINDS, ""),
    "colour": Augmentation(colour, "brightness, contrast, channel gains by up to 30 %", ("digits", "photos"),
                           "grey photos: a channel gain tints a grey image, which the test set never shows"),
    "hflip": Augmentation(hflip, "mirror left to right", ("photos", "grey"),
                          "digits and text: a mirrored 2, 3, 7 or S is no longer the symbol"),
    "rotate180": Augmentation(rotate180, "turn upside down", (),
                              "digits (a 6 becomes a 9) and photos (the sky below the ground): only for "
                              "data without an up, such as microscopy or satellite tiles"),
}


def table() -> str:
    """TABLE as markdown: name, what it does, the kinds it suits, where it does not fit."""
    lines = ["| augmentation | what it does | suits | not for |", "|---|---|---|---|"]
    lines += [f"| `{name}` | {a.what} | {', '.join(a.suits) or 'none of these'} | {a.why_not or '-'} |"
              for name, a in TABLE.items()]
    return "\n".join(lines)


def check_names(names, kind: str) -> None:
    """Raise a ValueError naming an unknown augmentation, or one that TABLE marks wrong for `kind`."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of data {kind!r}: one of {', '.join(KINDS)}")
    for name in names:
        if name not in TABLE:
            raise ValueError(f"unknown augmentation {name!r}: one of {', '.join(TABLE)}")
        if kind not in TABLE[name].suits:
            raise ValueError(f"{name!r} does not keep the labels of {kind}: {TABLE[name].why_not}. "
                             "Choose from augment.table().")


def augment(x: torch.Tensor, names, g: torch.Generator) -> torch.Tensor:
    """x (N, C, H, W) through each named augmentation in turn (none: x itself)."""
    for name in names:
        x = TABLE[name].apply(x, g)
    return x
