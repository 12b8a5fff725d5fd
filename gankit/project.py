"""The course project (Lab 12): an image classifier trained two ways, augmentation measured, and
augmentation with a class-conditional GAN as an option.

The deck's project: a labelled data set of the group's choice (at least two classes; an 80/20 split
where none exists), experiment A with a pretrained network (fine-tuned, and as a frozen feature
extractor), experiment B with a small CNN the group writes, each with and without 2-3 augmentations
(`gankit.augment`), learning rates and solvers tried; a results table with the accuracy of each
experiment as mean and spread over seeds, per-class accuracy and a confusion matrix.

Every data set here is a `LabelledImages`: images (N, C, H, W) in [-1, 1], labels (N,), the class
names, and the kind of data (`augment.KINDS`), which says which augmentations keep its labels.
"""
from __future__ import annotations

import re
import statistics
from pathlib import Path
from typing import Callable, NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from gankit import augment, classifier, data, features, models, training
from gankit.data import DataNotFoundError
from gankit.runtime import device as pick_device
from gankit.training import Checkpoint, History, evaluating, run_loop


class LabelledImages(NamedTuple):
    images: torch.Tensor  # (N, C, H, W) float32 in [-1, 1]
    labels: torch.Tensor  # (N,) int64 in 0 .. len(classes) - 1
    classes: tuple  # class names
    name: str
    kind: str  # one of augment.KINDS


def take(images: LabelledImages, idx: torch.Tensor) -> LabelledImages:
    """The images at `idx`, with the same classes."""
    return images._replace(images=images.images[idx], labels=images.labels[idx])


# ---- three ways to load a data set ---------------------------------------------------------------

def offline_default(limit: int = 2000, root=None, download: bool = True) -> LabelledImages:
    """The project's data set without a download: MNIST-M (Lab 11), `limit` digits of MNIST's training
    split blended over scikit-learn's colour photos. The shipped digit classifier was trained on MNIST's
    test split, so the pretrained network has seen none of these digits, and none in colour."""
    m = data.mnist_m("train", photos="sklearn", limit=limit, root=root, download=download)
    return LabelledImages(m.images, m.labels, tuple(str(d) for d in range(10)), m.name, "digits")


def _to_tensors(dataset, limit: int | None, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(images (N, C, H, W) in [-1, 1], labels) of a torchvision data set whose transform gives tensors in [0, 1]."""
    idx = torch.arange(len(dataset))
    if limit is not None and limit < len(idx):
        idx = torch.randperm(len(idx), generator=torch.Generator().manual_seed(seed))[:limit]
    pairs = [dataset[i] for i in idx.tolist()]
    return torch.stack([x for x, _ in pairs]) * 2 - 1, torch.tensor([int(y) for _, y in pairs])


def torchvision_set(name: str, kind: str = "photos", size: int | None = None, limit: int | None = None,
                    root=None, download: bool = True, seed: int = 0) -> LabelledImages:
    """A torchvision data set by class name ("CIFAR10", "FashionMNIST", "SVHN", ...): its training split,
    at most `limit` images (a seeded random subset), resized to size x size where given. Downloaded once
    into root (default: GANKIT_DATA or the cache folder)."""
    import torchvision
    from torchvision import transforms

    if not hasattr(torchvision.datasets, name):
        raise ValueError(f"torchvision has no data set {name!r}: see torchvision.datasets (e.g. CIFAR10, FashionMNIST, SVHN)")
    folder = Path(root).expanduser() if root is not None else data.default_root()
    transform = transforms.Compose(([transforms.Resize((size, size))] if size else []) + [transforms.ToTensor()])
    cls = getattr(torchvision.datasets, name)
    try:
        try:
            dataset = cls(str(folder), train=True, download=download, transform=transform)
        except TypeError:  # SVHN, STL10 and others name their splits
            dataset = cls(str(folder), split="train", download=download, transform=transform)
    except (RuntimeError, OSError) as e:  # not on disk and no download (offline)
        raise DataNotFoundError(f"could not load {name} into {folder} ({e}): it needs the internet once (Colab has "
                                "it); offline, use project.offline_default().") from e
    images, labels = _to_tensors(dataset, limit, seed)
    classes = tuple(getattr(dataset, "classes", None) or range(int(labels.max()) + 1))
    return LabelledImages(images, labels, tuple(map(str, classes)), f"{name} (train{f', {len(labels)}' if limit else ''})",
                          kind)


def image_folder(path, kind: str = "photos", size: int = 64, limit: int | None = None, seed: int = 0) -> LabelledImages:
    """The group's own images, one folder per class (path/cat/001.jpg, path/dog/002.png, ...), resized to
    size x size colour images. On Colab, mount Drive first (google.colab.drive.mount) and pass its folder."""
    from torchvision import datasets, transforms

    path = Path(path).expanduser()
    if not path.is_dir():
        raise DataNotFoundError(f"{path} is not a folder: put the images in one sub-folder per class, "
                                f"{path}/<class name>/<image>.jpg (on Colab, mount Drive first).")
    try:
        dataset = datasets.ImageFolder(str(path), transform=transforms.Compose(
            [transforms.Resize((size, size)), transforms.Lambda(lambda im: im.convert("RGB")), transforms.ToTensor()]))
    except FileNotFoundError as e:  # ImageFolder's word for "no class folder holds an image"
        raise DataNotFoundError(f"{path} holds no images in class sub-folders ({e}).") from e
    if len(dataset.classes) < 2:
        raise ValueError(f"{path} has {len(dataset.classes)} class folder(s): a classifier needs at least two.")
    images, labels = _to_tensors(dataset, limit, seed)
    return LabelledImages(images, labels, tuple(dataset.classes), f"{path.name} ({len(labels)} images)", kind)


def stratified_split(labels: torch.Tensor, fraction: float = 0.8, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """(train indices, test indices): each class's images shuffled by `seed`, round(fraction * n_c) of
    each class to the training side, the rest to the test side; no image on both sides."""
    g = torch.Generator().manual_seed(seed)
    train, test = [], []
    for c in labels.unique().tolist():
        members = (labels == c).nonzero().squeeze(1)
        members = members[torch.randperm(len(members), generator=g)]
        cut = round(fraction * len(members))
        train.append(members[:cut])
        test.append(members[cut:])
    return torch.cat(train).sort().values, torch.cat(test).sort().values


# ---- experiment A: a pretrained network; experiment B: a small CNN --------------------------------

class TransferNet(nn.Module):
    """x (N, C, H, W) -> logits (N, n_classes): a pretrained `backbone` (x -> (N, features)) and a new
    linear head. frozen: the backbone is a fixed feature extractor (no gradient, and kept in eval mode,
    so that its BatchNorm statistics stay the pretrained ones); else every weight is fine-tuned."""

    def __init__(self, backbone: nn.Module, features: int, n_classes: int, frozen: bool):
        super().__init__()
        self.backbone, self.head, self.frozen = backbone, nn.Linear(features, n_classes), frozen
        self.backbone.requires_grad_(not frozen)

    def train(self, mode: bool = True):
        super().train(mode)
        if self.frozen:
            self.backbone.eval()
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x))


class _Adapt(nn.Module):
    """What a backbone expects (`features.adapt`): `channels` channels, size x size pixels, and for
    ImageNet networks ImageNet's normalisation."""

    def __init__(self, channels: int, size: int, imagenet: bool):
        super().__init__()
        self.channels, self.size, self.imagenet = channels, size, imagenet

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return features.adapt(x, self.size, self.channels, self.imagenet)


def pretrained(name: str, n_classes: int, frozen: bool = False) -> TransferNet:
    """Experiment A's network: "digits" (the shipped digit classifier up to its 64 hidden units, for
    digit-like data; offline) or "resnet18" (torchvision's ImageNet ResNet-18 up to its 512 pooled
    features, at 112 px; its weights are downloaded once), with a new head for n_classes."""
    if name == "digits":
        return TransferNet(nn.Sequential(_Adapt(1, 28, imagenet=False), classifier.pretrained().body), 64, n_classes, frozen)
    if name == "resnet18":
        from torchvision.models import ResNet18_Weights, resnet18

        weights = ResNet18_Weights.IMAGENET1K_V1
        try:
            net = resnet18(weights=weights)
        except Exception as e:  # no network (URLError), a truncated download
            raise ConnectionError(f"could not fetch ResNet-18's ImageNet weights from {weights.url} ({e}): they need "
                                  "the internet (run this on Colab); offline, use pretrained(\"digits\", ...).") from e
        net.fc = nn.Identity()
        return TransferNet(nn.Sequential(_Adapt(3, 112, imagenet=True), net), 512, n_classes, frozen)
    raise ValueError(f"unknown pretrained network {name!r}: 'digits' (offline) or 'resnet18' (downloads)")


class SmallCNN(nn.Module):
    """Experiment B's baseline: x (N, C, H, W) -> logits (N, n_classes), any H, W >= 8. Two blocks of
    3x3 convolution, BatchNorm, ReLU and 2x2 max-pooling, global average pooling, a linear layer."""

    def __init__(self, in_channels: int = 3, n_classes: int = 10, width: int = 32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.BatchNorm2d(2 * width), nn.ReLU(), nn.MaxPool2d(2),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2 * width, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


# ---- training and measuring -----------------------------------------------------------------------

SOLVERS = {
    "adam": lambda params, lr: torch.optim.Adam(params, lr=lr),
    "sgd": lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=0.9),
    "adamw": lambda params, lr: torch.optim.AdamW(params, lr=lr, weight_decay=1e-2),
}


@torch.no_grad()
def predict(model: nn.Module, images: torch.Tensor, batch_size: int = 500) -> torch.Tensor:
    """The argmax class of every image (N,), model in eval mode (its mode restored), on the CPU."""
    dev = next(model.parameters()).device
    with evaluating(model):
        return torch.cat([model(x.to(dev)).argmax(1).cpu() for x in images.split(batch_size)])


def confusion_matrix(predicted: torch.Tensor, labels: torch.Tensor, n_classes: int) -> torch.Tensor:
    """(n_classes, n_classes) counts: row = the true class, column = the predicted one."""
    return torch.bincount(labels * n_classes + predicted, minlength=n_classes ** 2).view(n_classes, n_classes)


def evaluate(model: nn.Module, test: LabelledImages) -> dict:
    """{"accuracy": float, "per_class": (n_classes,) accuracy of each true class, "confusion": counts}."""
    m = confusion_matrix(predict(model, test.images), test.labels, len(test.classes))
    return {"accuracy": (m.diag().sum() / m.sum()).item(), "per_class": m.diag() / m.sum(1).clamp(min=1),
            "confusion": m}


def fit(model: nn.Module, train: LabelledImages, *, steps: int, batch_size: int = 64, lr: float = 1e-3,
        solver: str = "adam", augmentations=(), test: LabelledImages | None = None, judge_every: int = 100,
        checkpoint: str | Path | None = None, checkpoint_every: int = 200, device=None, seed: int = 0,
        progress: bool = True, desc: str = "training") -> History:
    """Cross-entropy training of `model` on `train` for `steps` minibatches, each drawn by `seed` and
    passed through `augmentations` (names in augment.TABLE, checked against train.kind). The loss of
    every step goes into history.extra["loss"]; with `test`, the accuracy on it every judge_every steps
    into history.extra["test_accuracy"] (at history.extra["judged_at"]). Checkpoints and resumes as
    `training.train`."""
    augment.check_names(augmentations, train.kind)
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}: one of {', '.join(SOLVERS)}")
    dev = pick_device() if device is None else torch.device(device)
    model.to(dev).train()
    opt = SOLVERS[solver]([p for p in model.parameters() if p.requires_grad], lr)
    x, y = train.images.to(dev), train.labels.to(dev)
    rng = torch.Generator().manual_seed(seed)
    saved = Checkpoint(checkpoint, {"model": model, "opt": opt}, rng, dev)
    history, start, _ = saved.resume()

    def one_step() -> dict:
        idx = torch.randint(len(x), (batch_size,), generator=rng).to(dev)
        loss = F.cross_entropy(model(augment.augment(x[idx], augmentations, rng)), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        done = len(history.step) + 1
        if test is None or done % judge_every:
            return {"loss": loss.item()}
        return {"loss": loss.item(), "test_accuracy": evaluate(model, test)["accuracy"], "judged_at": done}

    return run_loop(history, start, steps, one_step, lambda s: None, lambda s: saved.save(s, history),
                    snapshot_every=steps + 1, checkpoint_every=checkpoint_every, max_seconds=None, progress=progress,
                    desc=desc, postfix=lambda s: {"loss": f"{s['loss']:.3f}"})


class Result(NamedTuple):
    experiment: str
    augmentation: str  # "none", or the augmentations' names joined by " + "
    seed: int
    accuracy: float
    per_class: torch.Tensor
    confusion: torch.Tensor
    history: History


def run(experiment: str, build: Callable[[], nn.Module], train: LabelledImages, test: LabelledImages, *,
        seeds=(0, 1, 2), augmentations=(), label: str | None = None, folder: str | Path | None = None,
        **fit_options) -> list[Result]:
    """One row of the results table: for each seed, torch seeded, build() a network and fit it; measured
    on `test`. `label` is what the row's augmentation column says (default: the augmentations' names, or
    "none"). With `folder`, each run checkpoints there under its row's and seed's name, so that a rerun
    resumes (or skips) what was done. fit_options as `fit` (steps, lr, solver, device, ...)."""
    label = label or " + ".join(augmentations) or "none"
    results = []
    for seed in seeds:
        torch.manual_seed(seed)
        model = build()
        slug = re.sub(r"[^a-z0-9]+", "-", f"{experiment} {label}".lower()).strip("-")
        checkpoint = Path(folder) / f"{slug}-seed{seed}.pt" if folder is not None else None
        h = fit(model, train, augmentations=augmentations, test=test, seed=seed, checkpoint=checkpoint,
                desc=f"{experiment}, {label}, seed {seed}", **fit_options)
        r = evaluate(model, test)
        results.append(Result(experiment, label, seed, r["accuracy"], r["per_class"], r["confusion"], h))
    return results


def results_table(results: list[Result]) -> str:
    """Markdown: one row per experiment and augmentation, the test accuracy's mean and standard deviation
    over seeds (the spread a reader needs to judge a difference), in the order first met."""
    rows: dict = {}
    for r in results:
        rows.setdefault((r.experiment, r.augmentation), []).append(r.accuracy)
    lines = ["| experiment | augmentation | test accuracy (mean ± sd) | seeds |", "|---|---|---|---|"]
    for (experiment, aug), accs in rows.items():
        sd = statistics.stdev(accs) if len(accs) > 1 else 0.0
        lines.append(f"| {experiment} | {aug} | {100 * statistics.mean(accs):.1f} % ± {100 * sd:.1f} | {len(accs)} |")
    return "\n".join(lines)


# ---- the GAN option -------------------------------------------------------------------------------

def gan_samples(train: LabelledImages, per_class: int, *, steps: int, device=None, seed: int = 0,
                progress: bool = True, checkpoint: str | Path | None = None) -> tuple[LabelledImages, History]:
    """Lab 4's class-conditional DCGAN trained on the training split only (28x28 images, any channels),
    then per_class samples of every class: (the samples as LabelledImages, the GAN's history). The test
    split never reaches the GAN, or the augmented classifier would be measured on what it was fed."""
    if train.images.shape[-2:] != (28, 28):
        raise ValueError(f"Lab 4's cGAN draws 28x28 images, these are {tuple(train.images.shape[-2:])}: resize them "
                         "to 28x28 (size=28 when loading) or use a larger GAN.")
    n_classes = len(train.classes)
    torch.manual_seed(seed)
    G, D = models.reference_cgan(n_classes=n_classes, channels=train.images.shape[1])
    h = training.train_conditional(G, D, train.images, train.labels, steps=steps, device=device, seed=seed,
                                   progress=progress, checkpoint=checkpoint, desc="conditional GAN",
                                   **models.REFERENCE_TRAINING)
    labels = torch.arange(n_classes).repeat_interleave(per_class)
    fakes = training.sample(G, len(labels), seed=seed + 1, labels=labels)
    return LabelledImages(fakes, labels, train.classes, f"cGAN samples of {train.name}", train.kind), h


def combined(a: LabelledImages, b: LabelledImages) -> LabelledImages:
    """a's images and b's together (the same classes), e.g. the training split and GAN samples."""
    if a.classes != b.classes:
        raise ValueError(f"the two sets have different classes: {a.classes} and {b.classes}")
    return a._replace(images=torch.cat([a.images, b.images]), labels=torch.cat([a.labels, b.labels]),
                      name=f"{a.name} + {b.name}")


# ---- the report: a table and pictures for the slides ---------------------------------------------

def save_report(results: list[Result], folder: str | Path, classes) -> list[Path]:
    """Write results.md (`results_table`), results.png (each row's mean accuracy and spread), per_class.png
    (each row's per-class accuracy, mean over seeds), confusion.png (the best row's first seed) and
    curves.png (test accuracy over training, each row's first seed) into `folder`; returns the paths."""
    import matplotlib.pyplot as plt

    from gankit import viz

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows: dict = {}
    for r in results:
        rows.setdefault(f"{r.experiment} ({r.augmentation})", []).append(r)
    means = {name: torch.tensor([r.accuracy for r in rs]) for name, rs in rows.items()}
    best = max(means, key=lambda name: means[name].mean())

    fig, ax = plt.subplots(figsize=(7, 0.5 + 0.4 * len(rows)))
    names = list(means)[::-1]
    ax.barh(names, [means[n].mean().item() for n in names],
            xerr=[means[n].std().item() if len(means[n]) > 1 else 0.0 for n in names], capsize=3)
    ax.set_xlim(0, 1)
    ax.set_xlabel("test accuracy (mean over seeds; bars: one standard deviation)")
    fig.tight_layout()
    figures = {
        "results.png": fig,
        "per_class.png": viz.plot_class_accuracy(
            {name: torch.stack([r.per_class for r in rs]).mean(0) for name, rs in rows.items()},
            title="test accuracy per class", xlabel="true class", classes=list(classes)),
        "confusion.png": viz.plot_confusion(rows[best][0].confusion, list(classes), title=f"{best}, seed {rows[best][0].seed}"),
        "curves.png": viz.plot_accuracy_curves({name: (rs[0].history.extra.get("judged_at", []),
                                                       rs[0].history.extra.get("test_accuracy", []))
                                                for name, rs in rows.items()}),
    }
    paths = [folder / "results.md"]
    paths[0].write_text(results_table(results) + "\n")
    for name, figure in figures.items():
        figure.savefig(folder / name, dpi=120, bbox_inches="tight")
        plt.close(figure)
        paths.append(folder / name)
    return paths
