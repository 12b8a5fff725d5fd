"""Checks for Lab 12, the course project. Each names the typical mistake it finds.

The split on crafted labels (uneven classes, labels that are not 0..k-1, a class of one image) for
several seeds and fractions: indices, disjoint, complete, each class at its fraction, the same split
for the same seed and another for another, and torch's global random state left alone. The custom
CNN for the shape contract only, as the project's grading asks: logits (N, n_classes) for the channels,
classes and image sizes a group may have, and a gradient to every parameter.
"""
from __future__ import annotations

import torch
from torch import nn

from gankit import project
from gankit.checks import CheckFailed, forbids, isolated_rng, passed, require


def _labels() -> torch.Tensor:
    """60 images of class 7, 25 of class 2, 10 of class 5, 4 of class 9, 1 of class 3, interleaved."""
    labels = torch.tensor([7] * 60 + [2] * 25 + [5] * 10 + [9] * 4 + [3])
    return labels[torch.randperm(len(labels), generator=torch.Generator().manual_seed(12))]


def _split(split, labels: torch.Tensor, fraction: float, seed: int):
    try:
        out = split(labels.clone(), fraction=fraction, seed=seed)
    except NotImplementedError:  # the release's blank: nothing to name
        raise
    except (RuntimeError, ValueError, IndexError, TypeError) as e:
        first = (str(e).splitlines() or [""])[0]
        raise CheckFailed(f"stratified_split failed on labels of 5 uneven classes ({type(e).__name__}: {first}).") from None
    require(isinstance(out, tuple) and len(out) == 2, "stratified_split must return a pair (train indices, test "
                                                      f"indices), got {type(out).__name__}.")
    sides = []
    for side, name in zip(out, ("train", "test")):
        require(isinstance(side, torch.Tensor) and side.dim() == 1,
                f"the {name} side must be a 1-D tensor of indices, got {type(side).__name__}"
                f"{tuple(side.shape) if isinstance(side, torch.Tensor) else ''}.")
        require(side.dtype != torch.bool, f"the {name} side is a mask: return the indices, e.g. mask.nonzero().squeeze(1).")
        require(not side.dtype.is_floating_point and len(side) <= len(labels) and
                (len(side) == 0 or (side.min() >= 0 and side.max() < len(labels))),
                f"return indices, not labels: the {name} side must hold positions 0..{len(labels) - 1} of the images.")
        sides.append(side.long())
    require(sorted(torch.cat(sides).tolist()) != sorted(labels.tolist()),
            "return indices, not labels: the sides hold the images' labels; return positions into `labels`.")
    return sides


@forbids(project.stratified_split)
@isolated_rng
def check_split(stratified_split) -> None:
    """stratified_split(labels, fraction, seed) -> (train, test) indices, each class cut at its fraction."""
    labels = _labels()
    first, again = (_split(stratified_split, labels, 0.8, 3) for _ in range(2))
    require(all(torch.equal(a.sort().values, b.sort().values) for a, b in zip(first, again)),
            "not seeded: two calls with seed=3 gave different splits. Draw the shuffle from "
            "torch.Generator().manual_seed(seed), so that a run can be repeated.")
    other = _split(stratified_split, labels, 0.8, 4)
    require(not torch.equal(first[0].sort().values, other[0].sort().values),
            "the seed is ignored: seeds 3 and 4 gave the same split. Seed the shuffle with the `seed` argument.")
    state = torch.get_rng_state()
    train, test = _split(stratified_split, labels, 0.8, 3)
    require(torch.equal(torch.get_rng_state(), state),
            "the global random state changed (torch.manual_seed or a draw from torch's own generator): seed a "
            "torch.Generator of your own, or the split resets every later random draw of the notebook.")
    require(len(train) == len(set(train.tolist())) and len(test) == len(set(test.tolist())),
            "an image appears twice on one side: draw without replacement (a permutation), not with randint.")
    both = set(train.tolist()) & set(test.tolist())
    require(not both, f"images on both sides (e.g. image {min(both) if both else ''}): a test image the model "
                      "trained on measures memory, not generalisation. Give each image one side.")
    missing = set(range(len(labels))) - set(train.tolist()) - set(test.tolist())
    require(not missing, f"{len(missing)} images left out of both sides: every image belongs to one side.")
    require(len(train) >= len(test), f"the 80/20 split reversed: {len(train)} training and {len(test)} test images; "
                                     "the training side gets `fraction` of each class.")
    classes = labels.unique().tolist()
    at_08 = [int((labels[train] == c).sum()) for c in classes]
    for fraction, seed in ((0.8, 3), (0.8, 4), (0.5, 0), (0.7, 1)):
        train, _ = _split(stratified_split, labels, fraction, seed)
        counts = [int((labels[train] == c).sum()) for c in classes]
        require(fraction == 0.8 or counts != at_08, f"the fraction is ignored: fraction={fraction} split every class as 0.8 does.")
        for c, got in zip(classes, counts):
            n_c = int((labels == c).sum())
            require(got in (int(fraction * n_c), int(fraction * n_c) + 1),
                    f"not stratified: class {c} has {n_c} images, {got} of them on the training side at fraction "
                    f"{fraction} (want {fraction * n_c:g}, rounded). Split each class on its own, so that a rare "
                    "class keeps its share on both sides.")
    passed("stratified_split: every class cut at its fraction, disjoint, complete, repeatable by its seed")


def _logits(net: nn.Module, x: torch.Tensor, n_classes: int) -> torch.Tensor:
    try:
        out = net(x)
    except NotImplementedError:
        raise
    except (RuntimeError, ValueError, IndexError, TypeError) as e:
        first = (str(e).splitlines() or [""])[0]
        hint = (" A layer sized for 28x28 inputs (nn.Linear after a flatten): pool to a fixed size first "
                "(nn.AdaptiveAvgPool2d), so that a group's own 64x64 images fit too." if x.shape[-1] != 28 else "")
        raise CheckFailed(f"CustomCNN failed on a batch {tuple(x.shape)} ({type(e).__name__}: {first}).{hint}") from None
    require(isinstance(out, torch.Tensor), f"CustomCNN must return a tensor of logits, got {type(out).__name__}.")
    require(out.shape == (len(x), n_classes), f"CustomCNN({x.shape[1]}, {n_classes}) on a batch {tuple(x.shape)} "
                                              f"must return logits ({len(x)}, {n_classes}), got {tuple(out.shape)}.")
    require(bool(torch.isfinite(out).all()), f"CustomCNN returned non-finite logits on a batch {tuple(x.shape)}.")
    return out


@forbids(project.SmallCNN, project.TransferNet)
@isolated_rng
def check_custom_cnn(CustomCNN) -> None:
    """CustomCNN(in_channels, n_classes): an nn.Module, (N, C, H, W) -> logits (N, n_classes), any H, W >= 28."""
    for channels, n_classes, size in ((3, 10, 28), (1, 2, 28), (3, 5, 32), (3, 4, 64)):
        torch.manual_seed(channels * 100 + size)
        try:
            net = CustomCNN(channels, n_classes)
        except NotImplementedError:
            raise
        except (RuntimeError, ValueError, TypeError) as e:
            raise CheckFailed(f"CustomCNN({channels}, {n_classes}) could not be built ({type(e).__name__}: {e}).") from None
        require(isinstance(net, nn.Module), f"CustomCNN must be an nn.Module class, got {type(net).__name__}.")
        require(any(isinstance(m, nn.Conv2d) for m in net.modules()),
                "no convolution: experiment B is a CNN; start with nn.Conv2d layers.")
        x = torch.rand(4, channels, size, size, generator=torch.Generator().manual_seed(size)) * 2 - 1
        net.train()
        out = _logits(net, x, n_classes)
        probabilities = bool((out >= 0).all() and torch.allclose(out.sum(1), torch.ones(len(x)), atol=1e-4))
        require(not probabilities, "a softmax at the end: return logits; F.cross_entropy applies the log-softmax "
                                   "itself, and a second one flattens the gradient.")
        out.pow(2).mean().backward()
        unused = [name for name, p in net.named_parameters() if p.requires_grad and (p.grad is None or not p.grad.any())]
        require(not unused, f"no gradient reaches {', '.join(unused[:3])}: a layer built but not used in forward.")
        net.eval()
        _logits(net, x[:1], n_classes)
    passed("CustomCNN: logits (N, n_classes) for 1 or 3 channels, 2 to 10 classes, 28 to 64 pixels")
