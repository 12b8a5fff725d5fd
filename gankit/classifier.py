"""A small digit classifier: the yardstick for generated digits (accuracy, confidence, class spread).

It is trained on real images the GANs never see (the MNIST test set; the labs train GANs on the
training set), then asked what it reads in each sample: a blurry or ambiguous digit gets a low top
probability, a collapsed generator a narrow class spread, a conditional generator that ignores its
label a low accuracy against the requested classes. Its trained weights ship with the package
(`pretrained()`, about 0.2 MB) and are rebuilt by `gankit train-classifier`.
"""
from __future__ import annotations

import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

WEIGHTS = Path(__file__).parent / "weights" / "digit_classifier.pt"


class DigitClassifier(nn.Module):
    """x (N, 1, 28, 28) in [-1, 1] -> class logits (N, 10); `features(x)` -> (N, hidden), the layer before."""

    def __init__(self, width: int = 16, hidden: int = 64):
        super().__init__()
        self.config = {"width": width, "hidden": hidden}  # what pretrained() needs to rebuild it
        self.body = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 28 -> 14
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 14 -> 7
            nn.Flatten(), nn.Linear(2 * width * 7 * 7, hidden), nn.ReLU(),
        )
        self.head = nn.Linear(hidden, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def _shift(x: torch.Tensor, max_shift: int, rng: torch.Generator) -> torch.Tensor:
    """Translate every image by up to max_shift pixels (background -1 fills in): generated digits
    are rarely centred the way MNIST's are, and the classifier should not care."""
    n = len(x)
    padded = F.pad(x, [max_shift] * 4, value=-1.0)
    dx, dy = (torch.randint(0, 2 * max_shift + 1, (2, n), generator=rng)).tolist()
    return torch.stack([padded[i, :, dy[i]:dy[i] + 28, dx[i]:dx[i] + 28] for i in range(n)])


def train_classifier(images: torch.Tensor, labels: torch.Tensor, *, epochs: int = 3, batch_size: int = 128,
                     max_shift: int = 2, seed: int = 0, device="cpu") -> DigitClassifier:
    """Fit a DigitClassifier with Adam on shifted copies of `images`; returns it in eval mode on the CPU."""
    torch.manual_seed(seed)
    rng = torch.Generator().manual_seed(seed)
    model = DigitClassifier().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(epochs):
        for idx in torch.randperm(len(images), generator=rng).split(batch_size):
            x = _shift(images[idx], max_shift, rng) if max_shift else images[idx]
            loss = F.cross_entropy(model(x.to(device)), labels[idx].to(device))
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model.cpu().eval()


def pretrained(device="cpu") -> DigitClassifier:
    """The shipped classifier (trained by `gankit train-classifier`), in eval mode on `device`."""
    if not WEIGHTS.exists():
        raise FileNotFoundError(f"{WEIGHTS} is missing from this installation of gankit; rebuild it with "
                                "`gankit train-classifier` (needs MNIST) or reinstall gankit.")
    state = torch.load(WEIGHTS, map_location="cpu", weights_only=True)
    model = DigitClassifier(**state["config"])
    model.load_state_dict({k: v.float() for k, v in state["weights"].items()})
    return model.to(device).eval()


def build_weights(out: str | Path = WEIGHTS, *, epochs: int = 15, seed: int = 0, root=None) -> dict:
    """Train on the MNIST test set, measure on the training set, save weights and figures to `out`."""
    from gankit import data

    train_on, held_out = data.mnist("test", root=root), data.mnist("train", root=root)
    t = time.perf_counter()
    model = train_classifier(train_on.images, train_on.labels, epochs=epochs, seed=seed)
    report = {"trained_on": train_on.name, "measured_on": held_out.name, "epochs": epochs, "seed": seed,
              "seconds": round(time.perf_counter() - t, 1)}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # float16 halves the file; the logits move by ~1e-3 (the report is measured after rounding)
    model.load_state_dict({k: v.half().float() for k, v in model.state_dict().items()})
    report["accuracy"] = round(accuracy(model, held_out.images, held_out.labels), 4)
    torch.save({"config": model.config, "report": report,
                "weights": {k: v.half() for k, v in model.state_dict().items()}}, out)
    return report


def _probs(classifier: nn.Module, images: torch.Tensor) -> torch.Tensor:
    dev = next(classifier.parameters()).device
    with torch.no_grad():
        return torch.cat([F.softmax(classifier(b.to(dev)), dim=1).cpu() for b in images.split(500)])


def digit_quality(classifier: nn.Module, images: torch.Tensor) -> dict:
    """How a classifier reads images (N, 1, 28, 28) in [-1, 1].

    confidence: mean top-class probability; class_counts: how many images fall in each class;
    classes_covered: classes that hold at least 2 % of the images.
    """
    top, cls = _probs(classifier, images).max(dim=1)
    counts = torch.bincount(cls, minlength=10)
    return {
        "confidence": top.mean().item(),
        "class_counts": counts.tolist(),
        "classes_covered": int((counts >= 0.02 * len(images)).sum()),
    }


def accuracy(classifier: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of images classified as their label."""
    return (_probs(classifier, images).argmax(1) == labels.cpu()).float().mean().item()


def class_accuracy(classifier: nn.Module, images: torch.Tensor, labels: torch.Tensor, n_classes: int = 10) -> torch.Tensor:
    """Accuracy per requested class, (n_classes,): what a conditional generator is measured by."""
    hit = (_probs(classifier, images).argmax(1) == labels.cpu()).float()
    return torch.stack([hit[labels.cpu() == c].mean() for c in range(n_classes)])
