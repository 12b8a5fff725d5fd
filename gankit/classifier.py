"""A small digit classifier: the yardstick for generated digits (confidence, class spread).

It is trained on real images the GAN never saw, then asked how sure it is of each sample: a
blurry or ambiguous digit gets a low top probability, a collapsed generator a narrow class spread.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class DigitClassifier(nn.Module):
    """x (N, 1, 28, 28) in [-1, 1] -> class logits (N, 10)."""

    def __init__(self, width: int = 32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 28 -> 14
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 14 -> 7
            nn.Flatten(), nn.Linear(2 * width * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def train_classifier(images: torch.Tensor, labels: torch.Tensor, *, epochs: int = 3, batch_size: int = 128,
                     seed: int = 0, device="cpu") -> DigitClassifier:
    """Fit a DigitClassifier with Adam; returns it in eval mode."""
    torch.manual_seed(seed)
    rng = torch.Generator().manual_seed(seed)
    model = DigitClassifier().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = images.to(device), labels.to(device)
    for _ in range(epochs):
        for idx in torch.randperm(len(x), generator=rng).split(batch_size):
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model.eval()


@torch.no_grad()
def digit_quality(classifier: nn.Module, images: torch.Tensor) -> dict:
    """How a classifier reads images (N, 1, 28, 28) in [-1, 1].

    confidence: mean top-class probability; class_counts: how many images fall in each class;
    classes_covered: classes that hold at least 2 % of the images.
    """
    dev = next(classifier.parameters()).device
    probs = torch.cat([F.softmax(classifier(b.to(dev)), dim=1).cpu() for b in images.split(500)])
    top, cls = probs.max(dim=1)
    counts = torch.bincount(cls, minlength=10)
    return {
        "confidence": top.mean().item(),
        "class_counts": counts.tolist(),
        "classes_covered": int((counts >= 0.02 * len(images)).sum()),
    }


@torch.no_grad()
def accuracy(classifier: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    dev = next(classifier.parameters()).device
    preds = torch.cat([classifier(b.to(dev)).argmax(1).cpu() for b in images.split(500)])
    return (preds == labels).float().mean().item()
