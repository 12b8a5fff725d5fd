"""Checks for Lab 4, conditional GANs: the class-conditional GAN and pix2pix. Each names the mistake it finds.

The label checks use recording stand-ins for G and D: they remember which labels came with which
images, so a wiring mistake (fakes scored under other labels, fresh noise in every row of a grid)
shows up as what it is rather than as a wrong number.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gankit import losses, models
from gankit.checks import CheckFailed, close, forbids, isolated_rng, passed, require, scalar
from gankit.checks.vanilla_gan import require_data_range, require_layers_of

N_CLASSES, Z_DIM = 10, 64


@forbids(models.one_hot)
@isolated_rng
def check_one_hot(one_hot) -> None:
    """one_hot(labels, n_classes) -> float (N, n_classes) with a single 1 per row, at the label."""
    y = torch.tensor([3, 0, 7, 3])  # no 9 in this batch: the width must still be n_classes
    out = one_hot(y, 10)
    require(isinstance(out, torch.Tensor), f"one_hot must return a tensor, got {type(out).__name__}.")
    if tuple(out.shape) == (4, 8):
        raise CheckFailed("one_hot's width depends on the batch: labels [3, 0, 7, 3] gave 8 columns, because "
                          "F.one_hot(y) guesses the number of classes from the largest label; pass n_classes.")
    require(tuple(out.shape) == (4, 10), f"wrong shape: one_hot of 4 labels with n_classes = 10 must be (4, 10), "
                                         f"got {tuple(out.shape)}.")
    require(out.dtype.is_floating_point, f"one_hot must return floats (it is concatenated with z and with images), "
                                         f"got {out.dtype}: add .float().")
    want = torch.zeros(4, 10)
    want[torch.arange(4), y] = 1
    require(torch.equal(out.cpu(), want), f"one_hot([3, 0, 7, 3]) should have a 1 at columns 3, 0, 7, 3 and 0 "
                                          f"elsewhere; got\n{out}")
    require(tuple(one_hot(torch.tensor([1]), 3).shape) == (1, 3), "n_classes must be a parameter, not fixed at 10.")
    passed("one_hot: labels (N,) -> float (N, n_classes)")


def _first_linear(model: nn.Module) -> nn.Linear:
    layer = next((m for m in model.modules() if isinstance(m, nn.Linear)), None)
    require(layer is not None, f"{type(model).__name__} has no nn.Linear layer: build the MLP the lab describes.")
    return layer


def _label_part(model: nn.Module, call, data_width: int, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """What the first layer of `model` receives beside the data (the label's representation), read at
    either end of its input: ([data, y] -> y, [y, data] -> y)."""
    seen = []
    hook = _first_linear(model).register_forward_pre_hook(lambda m, args: seen.append(args[0].detach()))
    try:
        call()
    finally:
        hook.remove()
    inputs = seen[0]
    require(inputs.shape[1] > data_width, f"label not given to {name}: its first layer takes {inputs.shape[1]} "
                                          f"inputs, only the {data_width} of the data; concatenate one_hot(y).")
    extra = inputs.shape[1] - data_width
    return inputs[:, data_width:], inputs[:, :extra]


def _mlp_count(widths) -> int:
    return sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))


@isolated_rng
def check_conditional_nets(CondGenerator, CondDiscriminator) -> None:
    """G(z, y) and D(x, y) as the lab's MLPs, fed the same one-hot y."""
    torch.manual_seed(0)
    G, D = CondGenerator(z_dim=Z_DIM, n_classes=N_CLASSES), CondDiscriminator(n_classes=N_CLASSES)
    z, y = torch.randn(6, Z_DIM), torch.tensor([0, 1, 2, 3, 4, 9])
    fake = G(z, y)
    require(isinstance(fake, torch.Tensor) and tuple(fake.shape) == (6, 1, 28, 28),
            f"G(z, y) must return images (N, 1, 28, 28), got {getattr(fake, 'shape', type(fake).__name__)}.")
    require(fake.min() >= -1 and fake.max() <= 1, "G's output must lie in [-1, 1], the data's range: end with nn.Tanh().")
    with torch.no_grad():  # large inputs saturate the output layer: a sigmoid shows as outputs in [0, 1]
        require_data_range(G(10 * torch.randn(64, Z_DIM), torch.arange(64) % N_CLASSES))
    logits = D(fake, y)
    require(isinstance(logits, torch.Tensor) and tuple(logits.shape) == (6, 1),
            f"D(x, y) must return one logit per image, (N, 1); got {getattr(logits, 'shape', type(logits).__name__)}.")

    n_d, want_d = sum(p.numel() for p in D.parameters()), _mlp_count([784 + N_CLASSES, 512, 256, 1])
    if n_d == _mlp_count([784, 512, 256, 1]):
        raise CheckFailed("label not given to D: D has the unconditional discriminator's 784 -> 512 -> 256 -> 1 "
                          "layers; its first layer must take [x flattened, one_hot(y)], 784 + n_classes inputs.")
    n_g, want_g = sum(p.numel() for p in G.parameters()), _mlp_count([Z_DIM + N_CLASSES, 256, 512, 784])
    if n_g == _mlp_count([Z_DIM, 256, 512, 784]):
        raise CheckFailed("label not given to G: G's first layer takes only z; it must take [z, one_hot(y)].")
    require(n_g == want_g, f"wrong architecture for G: expected [z, one_hot(y)] -> 256 -> 512 -> 784 "
                           f"({want_g:,} parameters for z_dim = 64), found {n_g:,}.")
    require(n_d == want_d, f"wrong architecture for D: expected [x, one_hot(y)] -> 512 -> 256 -> 1 "
                           f"({want_d:,} parameters), found {n_d:,}.")

    x = fake.detach()
    g_label = _label_part(G, lambda: G(z, y), Z_DIM, "G")
    d_label = _label_part(D, lambda: D(x, y), 784, "D")
    want = F.one_hot(y, N_CLASSES).float()
    if not (any(torch.equal(part, want) for part in g_label) and any(torch.equal(part, want) for part in d_label)):
        raise CheckFailed(f"G and D see different label encodings: for label {y[1].item()} G's first layer gets "
                          f"{g_label[0][1].tolist()} beside z and D's gets {d_label[0][1].tolist()} "
                          "beside x; both must receive the same one_hot(y), so that y means the same to both.")
    other = (y + 1) % N_CLASSES
    with torch.no_grad():
        require(not torch.allclose(G(z, y), G(z, other)), "G ignores its label: the same z with other labels "
                                                          "gives the same images.")
        require(not torch.allclose(D(x, y), D(x, other)), "label not given to D: D's logits do not change with y.")
    y_hot = F.one_hot(y, N_CLASSES).float()
    require_layers_of(G, models.MLPGenerator(Z_DIM + N_CLASSES), lambda net: net(z, y),
                      "[z, one_hot(y)] -> Linear -> ReLU -> Linear -> ReLU -> Linear -> Tanh",
                      lambda ref: ref(torch.cat([z, y_hot], 1)))
    d_ref = nn.Sequential(nn.Linear(784 + N_CLASSES, 512), nn.LeakyReLU(0.2), nn.Linear(512, 256), nn.LeakyReLU(0.2),
                          nn.Linear(256, 1))
    require_layers_of(CondDiscriminator(n_classes=N_CLASSES), d_ref, lambda net: net(fake.detach(), y),
                      "[x, one_hot(y)] -> Linear -> LeakyReLU(0.2) -> Linear -> LeakyReLU(0.2) -> Linear",
                      lambda ref: ref(torch.cat([fake.detach().flatten(1), y_hot], 1)))
    passed(f"CondGenerator / CondDiscriminator: G {n_g:,} and D {n_d:,} parameters, both fed one_hot(y)")


class _RecordingD(nn.Module):
    """D(x | y) = w . mean pixel + b[y]: every label shifts the logit its own way, and every call is logged."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(1.5))
        self.b = nn.Parameter(torch.linspace(-1.0, 1.3, N_CLASSES))
        self.calls = []

    def forward(self, x, y):
        self.calls.append((x, y))
        return (self.w * x.flatten(1).mean(1) + self.b[y]).unsqueeze(1)


def _half_bce(real_logits, fake_logits):
    return -0.5 * F.logsigmoid(real_logits).mean() - 0.5 * F.logsigmoid(-fake_logits).mean()


def _labels_used(D: _RecordingD, images: torch.Tensor):
    return [y for x, y in D.calls if x.shape == images.shape and torch.equal(x.detach(), images.detach())]


@forbids(losses.cgan_d_loss, losses.cgan_g_loss)
@isolated_rng
def check_conditional_losses(cgan_d_loss, cgan_g_loss) -> None:
    """cgan_d_loss(D, real, fake, labels) and cgan_g_loss(D, fake, labels): D judges (image, label) pairs."""
    torch.manual_seed(0)
    real = torch.rand(6, 1, 28, 28) * 2 - 1
    labels = torch.tensor([0, 3, 5, 7, 9, 2])
    source = torch.randn(6, 1, 28, 28, requires_grad=True)  # stands in for G's parameters
    fake = torch.tanh(source)

    D = _RecordingD()
    loss = scalar(cgan_d_loss(D, real, fake, labels), "cgan_d_loss")
    for images, what in ((real, "real images"), (fake, "fakes")):
        used = _labels_used(D, images)
        require(used, f"cgan_d_loss never shows D the {what}.")
        require(all(torch.equal(u, labels) for u in used),
                f"labels shuffled against the {what}: D scored them under labels {used[0].tolist()}, but they go "
                f"with {labels.tolist()} (G made the fakes for `labels`); pass each image's own label.")
    want = _half_bce(D(real, labels), D(fake, labels))
    if close(loss, _half_bce(-D(real, labels), -D(fake, labels))):
        raise CheckFailed("real and fake labels swapped: D's cost should push D(x|y) up on real pairs and down on fakes.")
    if close(loss, 2 * want):
        raise CheckFailed("cgan_d_loss is twice J(D): each term carries 1/2 (use gankit.losses.d_loss on the logits).")
    require(close(loss, want), f"cgan_d_loss = {loss.item():.5f}, expected {want.item():.5f} = "
                               "-1/2 E log D(x|y) - 1/2 E log(1 - D(G(z|y)|y)).")
    loss.backward()
    require(source.grad is None or not source.grad.any(),
            "missing detach: D's loss sends gradients into G's fakes; score fake.detach() in cgan_d_loss.")

    D = _RecordingD()
    g = scalar(cgan_g_loss(D, fake, labels), "cgan_g_loss")
    used = _labels_used(D, fake)
    require(used and all(torch.equal(u, labels) for u in used),
            "labels shuffled against the fakes: cgan_g_loss must score G(z|y) under the labels y it was made for.")
    logits = D(fake, labels)
    if close(g, 0.5 * F.logsigmoid(-logits).mean()):
        raise CheckFailed("cgan_g_loss is the minimax loss 1/2 E log(1 - D(G(z|y)|y)); use the non-saturating "
                          "-1/2 E log D(G(z|y)|y).")
    want_g = -0.5 * F.logsigmoid(logits).mean()
    if close(g, -want_g):
        raise CheckFailed("cgan_g_loss has its sign flipped: G minimises -1/2 E log D(G(z|y)|y).")
    require(close(g, want_g), f"cgan_g_loss = {g.item():.5f}, expected {want_g.item():.5f} = -1/2 E log D(G(z|y)|y).")
    g.backward()
    require(source.grad is not None and source.grad.any(), "cgan_g_loss sends no gradient to G: do not detach here.")
    passed("cgan_d_loss / cgan_g_loss: (image, label) pairs kept together, fakes detached for D")


class _RecordingG(nn.Module):
    """G(z | y): an image whose pixels encode (first noise coordinate, label); every call logged."""

    z_dim = 8

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(0.1))
        self.calls = []

    def forward(self, z, y):
        self.calls.append((z.detach().clone(), y.detach().clone()))
        return torch.tanh(self.scale * (z[:, :1] + y.float().unsqueeze(1))).view(-1, 1, 1, 1).expand(-1, 1, 28, 28)


@isolated_rng
def check_class_grid(class_grid) -> None:
    """class_grid(G, n_classes, n_noise, z_dim) -> (n_classes * n_noise, 1, 28, 28): row c is class c,
    column j uses the same noise z_j in every row."""
    G = _RecordingG()
    out = class_grid(G, 4, 3, G.z_dim)
    require(isinstance(out, torch.Tensor) and tuple(out.shape) == (12, 1, 28, 28),
            f"class_grid(G, 4 classes, 3 noise vectors) must return 12 images (12, 1, 28, 28), "
            f"got {getattr(out, 'shape', type(out).__name__)}.")
    require(G.calls, "class_grid never calls G.")
    z = torch.cat([c[0] for c in G.calls])
    y = torch.cat([c[1] for c in G.calls])
    require(len(y) == 12 and z.shape == (12, G.z_dim), f"class_grid should ask G for 12 images of z_dim {G.z_dim}, "
                                                       f"asked for {len(y)} with z of shape {tuple(z.shape)}.")
    want_y = torch.arange(4).repeat_interleave(3)
    if torch.equal(y.cpu(), torch.arange(4).repeat(3)):
        raise CheckFailed("labels run along the rows: labels [0, 1, 2, 3, 0, 1, ...] put every class in each row; "
                          "row c must hold class c n_noise times (torch.arange(n_classes).repeat_interleave(n_noise)).")
    require(torch.equal(y.cpu(), want_y), f"labels in the wrong order: expected {want_y.tolist()}, G got {y.tolist()}.")
    rows = z.view(4, 3, G.z_dim)
    if not torch.allclose(rows, rows[:1].expand_as(rows)):
        raise CheckFailed("fresh noise in every row: a column must keep the same z for every class, so that only "
                          "the label changes down a column (draw n_noise vectors once and repeat them per class).")
    require(not torch.allclose(rows[0, 0], rows[0, 1]), "every column uses the same z: draw n_noise different vectors.")
    require(torch.allclose(out.cpu(), G(z, y).detach().cpu()), "class_grid must return G's images in the order "
                                                               "it asked for them (row by row).")
    passed("class_grid: row = class, column = one noise vector shared by all classes")


def _patch_logits(seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(3, 1, 4, 4, generator=g) * 2 + 0.3


@isolated_rng
def check_patch_d_loss(patch_d_loss) -> None:
    """patch_d_loss(real_patches, fake_patches): the cross-entropy per patch, averaged over every patch."""
    real, fake = _patch_logits(1), _patch_logits(2)
    loss = scalar(patch_d_loss(real, fake), "patch_d_loss")
    want = _half_bce(real, fake)
    pooled = _half_bce(real.mean(dim=(1, 2, 3)), fake.mean(dim=(1, 2, 3)))
    if close(loss, pooled) or close(loss, _half_bce(real.mean(), fake.mean())):
        raise CheckFailed("PatchGAN averaged before the loss: each of the H' x W' logits is its own real/fake "
                          "decision about one patch; take the cross-entropy per patch, then the mean.")
    if close(loss, _half_bce(-real, -fake)):
        raise CheckFailed("real and fake labels swapped: real pairs should be pushed to 1, fake pairs to 0.")
    if close(loss, 2 * want):
        raise CheckFailed("patch_d_loss is twice J(D): pix2pix halves D's cost (1/2 per term).")
    require(close(loss, want), f"patch_d_loss = {loss.item():.5f}, expected {want.item():.5f} = "
                               "-1/2 mean log D(x, y) - 1/2 mean log(1 - D(x, G(x))) over all patches.")
    passed("patch_d_loss: one cross-entropy per patch, then the mean")


@forbids(losses.pix2pix_g_loss)
@isolated_rng
def check_pix2pix_g_loss(pix2pix_g_loss) -> None:
    """pix2pix_g_loss(fake_patches, fake, target, lam=100) = -mean log D(x, G(x)) + lam mean |G(x) - y|."""
    patches = _patch_logits(3)
    g = torch.Generator().manual_seed(4)
    fake, target = torch.rand(3, 1, 8, 8, generator=g) * 2 - 1, torch.rand(3, 1, 8, 8, generator=g) * 2 - 1
    adv, l1, l2 = -F.logsigmoid(patches).mean(), (fake - target).abs().mean(), (fake - target).pow(2).mean()
    loss = scalar(pix2pix_g_loss(patches, fake, target), "pix2pix_g_loss")
    want = adv + 100 * l1
    if close(loss, adv + l1):
        raise CheckFailed("L1 weight dropped: the L1 term must be multiplied by lambda (100 by default).")
    if close(loss, 100 * adv + l1):
        raise CheckFailed("lambda applied to the adversarial term: lambda weighs the L1 term, "
                          "L_cGAN + lambda L_L1.")
    if close(loss, adv + 100 * l2):
        raise CheckFailed("L2 instead of L1: the reconstruction term is the mean absolute difference |G(x) - y|, "
                          "which blurs less than the squared error.")
    if close(loss, -F.logsigmoid(patches.mean(dim=(1, 2, 3))).mean() + 100 * l1):
        raise CheckFailed("PatchGAN averaged before the loss: take -log D per patch, then the mean.")
    if close(loss, F.logsigmoid(-patches).mean() + 100 * l1):
        raise CheckFailed("the adversarial term is the minimax log(1 - D(x, G(x))); use the non-saturating "
                          "-log D(x, G(x)).")
    if close(loss, 0.5 * adv + 100 * l1):
        raise CheckFailed("the adversarial term carries a 1/2 here: pix2pix adds the full cross-entropy "
                          "-mean log D(x, G(x)) to lambda L1.")
    require(close(loss, want), f"pix2pix_g_loss = {loss.item():.5f}, expected {want.item():.5f} = "
                               "-mean log D(x, G(x)) + 100 mean |G(x) - y|.")
    require(close(pix2pix_g_loss(patches, fake, target, lam=10), adv + 10 * l1),
            "lam is ignored: pix2pix_g_loss(..., lam=10) must weigh the L1 term by 10.")
    passed("pix2pix_g_loss: -mean log D(x, G(x)) per patch + lambda * L1")
