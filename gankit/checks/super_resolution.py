"""Checks for Lab 10, super-resolution with a GAN. Each names the typical mistake it finds.

PSNR on closed forms (a constant error of 0.2 on images in [-1, 1] is 20 dB); the upsampler on
crafted weights whose output spells out the sub-pixel layout; the residual block with its
convolutions zeroed (only the skip remains) and against its own layers composed in order; the
two losses on stand-in networks in float64 (values and the gradient reaching the upscaled images);
the step on tiny networks against the kit's step and each mistake's variant.
"""
from __future__ import annotations

import copy
import math

import torch
import torch.nn.functional as F
from torch import nn

from gankit import metrics
from gankit import super_resolution as sr
from gankit.checks import CheckFailed, close, forbids, isolated_rng, kit_helpers, name_the_mistake, passed, require, scalar
from gankit.checks import steps
from gankit.checks import super_resolution_nets as stand_ins


def _number(value, name: str) -> float:
    if isinstance(value, torch.Tensor):
        require(value.numel() == 1, f"{name} must return one number, the mean over the images, got a tensor of shape "
                                    f"{tuple(value.shape)}: average the per-image values with .mean().")
        value = value.item()
    require(isinstance(value, (float, int)), f"{name} must return a number, got {type(value).__name__}.")
    return float(value)


def _build(cls, *args, what: str):
    try:
        return cls(*args)
    except TypeError as e:
        raise CheckFailed(f"{what}({', '.join(map(str, args))}) failed ({e}): keep the signature the lab gives.") from None


def _of_type(module: nn.Module, kind) -> list:
    return [m for m in module.modules() if isinstance(m, kind)]


# ---- PSNR -----------------------------------------------------------------------------------------

@forbids(metrics.psnr)
@isolated_rng
def check_psnr(psnr) -> None:
    """psnr(x, y) = mean over images of 10 log10(2^2 / MSE_i), images (N, C, H, W) in [-1, 1]."""
    g = torch.Generator().manual_seed(0)
    hr = torch.rand(3, 1, 8, 8, generator=g) * 1.2 - 0.6
    sign = torch.ones(8, 8)
    sign[::2, ::2], sign[1::2, 1::2] = -1, -1  # a checkerboard of +-err: MSE_i = err_i^2, whatever the mean
    err = torch.tensor([0.05, 0.1, 0.4]).view(3, 1, 1, 1)
    x = hr + err * sign
    got = torch.tensor(_number(psnr(x, hr), "psnr"))
    mse = err.flatten().double() ** 2

    def db(m, peak=2.0, log=torch.log10, scale=10.0):
        return (scale * log(peak ** 2 / m)).mean()

    mistakes = {
        "the peak of [0, 1] data: these images lie in [-1, 1], a range of 2, so PSNR = 10 log10(2^2 / MSE)": db(mse, 1.0),
        "the peak of [0, 255] data: these images lie in [-1, 1], a range of 2, so PSNR = 10 log10(2^2 / MSE)": db(mse, 255.0),
        "the PSNR of the batch's mean error: PSNR is computed for each image and then averaged over the images":
            db(mse.mean()),
        "the natural logarithm: decibels are 10 log10 of the ratio": db(mse, log=torch.log),
        "20 log10(peak^2 / MSE): it is 10 log10(peak^2 / MSE), or 20 log10(peak / RMSE)": db(mse, scale=20.0),
        "10 log10(peak / MSE): the peak is squared, 10 log10(peak^2 / MSE)": (10 * torch.log10(2.0 / mse)).mean(),
        "the root of the MSE in 10 log10(peak^2 / MSE): use the mean squared error itself": db(mse.sqrt()),
        "summed over the images: take the mean of the per-image PSNRs": db(mse) * 3,
        "the squared errors summed over each image's pixels: MSE is their mean": db(mse * 64),
        "the ratio upside down: 10 log10(peak^2 / MSE), larger for smaller errors": -db(mse),
    }
    name_the_mistake(got, db(mse), mistakes, f"psnr = {got.item():.4f} dB, expected {db(mse).item():.4f}: the mean over "
                                            "images of 10 log10(2^2 / MSE_i), MSE_i over each image's pixels.")
    flat = _number(psnr(hr + 0.2, hr), "psnr")
    require(close(flat, 20.0, tol=1e-4), f"psnr of an error of 0.2 at every pixel = {flat:.4f} dB, expected 20: MSE = "
                                         "0.04 and 10 log10(4 / 0.04) = 20.")
    colour = torch.rand(2, 3, 6, 6, generator=g) * 2 - 1
    got_c = _number(psnr(colour + 0.1, colour), "psnr")
    require(close(got_c, 10 * math.log10(4 / 0.01), tol=1e-4), f"psnr of colour images (N, 3, H, W) = {got_c:.4f} dB: "
                                                              "take each image's MSE over all its channels and pixels.")
    passed("psnr: the mean over images of 10 log10(2^2 / MSE), 20 dB for an error of 0.2")


# ---- the sub-pixel upsampler -----------------------------------------------------------------------

@forbids(sr.SubPixelUpsampler)
@isolated_rng
def check_upsampler(SubPixelUpsampler) -> None:
    """SubPixelUpsampler(channels, r): (N, C, H, W) -> (N, C, rH, rW) by a 3x3 convolution to C r^2
    channels, nn.PixelShuffle(r) and a PReLU."""
    c, r = 3, 2
    torch.manual_seed(0)
    up = _build(SubPixelUpsampler, c, r, what="SubPixelUpsampler")
    require(not _of_type(up, nn.Upsample), "upsampling by interpolation (nn.Upsample): this layer must learn its "
                                          "upsampling, a convolution to C r^2 channels rearranged by nn.PixelShuffle(r).")
    convs = _of_type(up, nn.Conv2d)
    require(len(convs) == 1, f"SubPixelUpsampler holds {len(convs)} convolutions: it needs one, C -> C r^2 channels.")
    conv = convs[0]
    if conv.out_channels != c * r * r:
        hint = " (C r: the r is squared, one channel for each of the r x r sub-pixels)" if conv.out_channels == c * r else ""
        raise CheckFailed(f"the PixelShuffle channel count: the convolution gives {conv.out_channels} channels for C = {c}, "
                          f"r = {r}; PixelShuffle(r) turns C r^2 channels into C, so it must give {c * r * r}{hint}.")
    require(conv.in_channels == c and conv.kernel_size == (3, 3) and conv.padding == (1, 1),
            f"the convolution must read C = {c} channels with a 3x3 kernel and padding 1 (the size kept), got "
            f"{conv.in_channels} channels, kernel {conv.kernel_size}, padding {conv.padding}.")
    shuffles = _of_type(up, nn.PixelShuffle)
    require(len(shuffles) == 1 and shuffles[0].upscale_factor == r,
            f"no nn.PixelShuffle({r}) found: the sub-pixel layer rearranges C r^2 channels into an r-times larger image.")
    acts = _of_type(up, nn.PReLU)
    if not acts:
        relu = " (a ReLU: SRResNet uses PReLU)" if _of_type(up, nn.ReLU) else ""
        raise CheckFailed(f"no nn.PReLU after the shuffle{relu}: SRResNet's upsampler is conv, PixelShuffle, PReLU.")
    require(acts[0].num_parameters in (1, c), f"the PReLU has {acts[0].num_parameters} slopes: after the shuffle there "
                                              f"are C = {c} channels (nn.PReLU({c}), or one shared slope).")

    # crafted weights: conv channel k reads input channel k // r^2 times (k % r^2 + 1) at its centre tap, so
    # that after the shuffle output (c, r h + i, r w + j) = (i r + j + 1) x(c, h, w) for positive x
    with torch.no_grad():
        conv.weight.zero_()
        if conv.bias is not None:
            conv.bias.zero_()
        for k in range(c * r * r):
            conv.weight[k, k // (r * r), 1, 1] = k % (r * r) + 1
        acts[0].weight.fill_(0.25)
    x = torch.rand(2, c, 3, 4, generator=torch.Generator().manual_seed(1)) + 0.5
    called = []
    interpolate = F.interpolate

    def spy(*args, **kwargs):
        called.append(True)
        return interpolate(*args, **kwargs)

    F.interpolate = spy
    try:
        with torch.no_grad():
            pos, neg = up(x), up(-x)
    except RuntimeError as e:
        raise CheckFailed(f"SubPixelUpsampler failed on (2, {c}, 3, 4) inputs ({e}).") from None
    finally:
        F.interpolate = interpolate
    require(not called, "upsampling by interpolation (F.interpolate): this layer must learn its upsampling, a "
                        "convolution to C r^2 channels rearranged by nn.PixelShuffle(r).")
    require(isinstance(pos, torch.Tensor) and pos.shape == (2, c, 3 * r, 4 * r),
            f"SubPixelUpsampler({c}, {r}) on (2, {c}, 3, 4) must give (2, {c}, {3 * r}, {4 * r}), got "
            f"{tuple(pos.shape) if isinstance(pos, torch.Tensor) else type(pos).__name__}.")
    pattern = (torch.arange(r * r, dtype=torch.float32) + 1).view(r, r).repeat(3, 4)  # (i r + j + 1) at (r h + i, r w + j)
    want = x.repeat_interleave(r, 2).repeat_interleave(r, 3) * pattern
    require(close(pos, want, tol=1e-5), "the sub-pixel layout is wrong: channel c r^2 + i r + j of pixel (h, w) must go "
                                        "to pixel (r h + i, r w + j) of channel c; use nn.PixelShuffle(r) on the "
                                        "convolution's output rather than your own reshape.")
    if close(neg, torch.zeros_like(neg)):
        raise CheckFailed("a ReLU after the shuffle: SRResNet uses PReLU, whose slope lets negative values through.")
    require(close(neg, -0.25 * want, tol=1e-5), "the activation is not one PReLU after the shuffle: for negative "
                                                "inputs the output must be the PReLU's slope times the rearranged "
                                                "convolution (conv, then PixelShuffle, then PReLU).")
    passed(f"SubPixelUpsampler: conv to C r^2 = {c * r * r} channels, PixelShuffle({r}), PReLU")


# ---- the residual block ----------------------------------------------------------------------------

@forbids(sr.ResidualBlock)
@isolated_rng
def check_residual_block(ResidualBlock) -> None:
    """ResidualBlock(channels): x + BN(conv(PReLU(BN(conv(x))))), 3x3 convolutions, no activation after the sum."""
    c = 4
    torch.manual_seed(0)
    block = _build(ResidualBlock, c, what="ResidualBlock")
    convs, bns, acts = _of_type(block, nn.Conv2d), _of_type(block, nn.BatchNorm2d), _of_type(block, nn.PReLU)
    require(len(convs) == 2 and all(m.in_channels == m.out_channels == c and m.kernel_size == (3, 3)
                                    and m.padding == (1, 1) for m in convs),
            f"the block needs two 3x3 convolutions, C -> C with padding 1, found {len(convs)}: "
            + ", ".join(f"{m.in_channels}->{m.out_channels} k{m.kernel_size[0]} p{m.padding[0]}" for m in convs) + ".")
    require(len(bns) == 2, f"the block has {len(bns)} BatchNorm layers: SRResNet's has one after each convolution.")
    if not acts:
        relu = " (a ReLU: SRResNet uses PReLU)" if _of_type(block, nn.ReLU) else ""
        raise CheckFailed(f"no nn.PReLU in the block{relu}: conv, BN, PReLU, conv, BN, then the skip.")
    x = torch.randn(6, c, 5, 5, generator=torch.Generator().manual_seed(1))

    # zero convolutions: each BN sees zeros and returns its bias (0), so only the skip is left
    zeroed = copy.deepcopy(block).eval()
    with torch.no_grad():
        for m in _of_type(zeroed, nn.Conv2d):
            m.weight.zero_()
            if m.bias is not None:
                m.bias.zero_()
        out = zeroed(x)
    require(isinstance(out, torch.Tensor) and out.shape == x.shape,
            f"ResidualBlock({c}) must keep the shape (6, {c}, 5, 5), got "
            f"{tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__}.")
    if close(out, torch.zeros_like(out)):
        raise CheckFailed("no skip connection: the block must return x + F(x), so that it only has to learn a residual.")
    if close(out, F.prelu(x, torch.tensor([0.25]))) or close(out, F.relu(x)):
        raise CheckFailed("an activation after the sum: SRResNet's block returns x + BN(conv(...)) with nothing after "
                          "the addition.")
    require(close(out, x), "with its convolutions zeroed the block must return x itself: x + BN(conv(PReLU(BN(conv(x))))).")

    # the block's own layers composed in the order asked for, in train mode (batch statistics) and eval mode
    def apply(order, mode):
        net = copy.deepcopy(block).train(mode == "train")  # a fresh copy: train mode moves the running statistics
        (c1, c2), (b1, b2), (act, *_) = _of_type(net, nn.Conv2d), _of_type(net, nn.BatchNorm2d), _of_type(net, nn.PReLU)
        layers = {"conv1": c1, "conv2": c2, "bn1": b1, "bn2": b2, "act": act}
        h = x
        for part in order:
            h = layers[part](h)
        return x + h

    for mode in ("train", "eval"):
        with torch.no_grad():
            got = copy.deepcopy(block).train(mode == "train")(x)
            want = apply(["conv1", "bn1", "act", "conv2", "bn2"], mode)
            mistakes = {
                "the PReLU before the BatchNorm: conv, BN, then PReLU": apply(["conv1", "act", "bn1", "conv2", "bn2"], mode),
                "a PReLU after the second BatchNorm as well: the residual is BN(conv(PReLU(BN(conv(x)))))":
                    apply(["conv1", "bn1", "act", "conv2", "bn2", "act"], mode),
                "the second BatchNorm missing from the residual: x + BN(conv(PReLU(BN(conv(x)))))":
                    apply(["conv1", "bn1", "act", "conv2"], mode),
                "the same convolution used twice: the block has two convolutions with their own weights":
                    apply(["conv1", "bn1", "act", "conv1", "bn2"], mode),
            }
        name_the_mistake(got, want, mistakes, f"ResidualBlock in {mode} mode differs from x + BN(conv(PReLU(BN(conv(x))))) "
                                              "with its own layers: two convolutions and two BatchNorms in that order.")
    passed("ResidualBlock: x + BN(conv(PReLU(BN(conv(x))))), nothing after the sum")


# ---- the content and the generator losses ------------------------------------------------------------

@forbids(sr.content_loss)
@isolated_rng
def check_content_loss(content_loss) -> None:
    """content_loss(phi, sr, hr) = mean squared distance of phi(sr) and phi(hr), phi in eval mode, phi(hr) a constant."""
    phi = stand_ins.feature_net(0)
    ref_phi = copy.deepcopy(phi).eval()
    up, hr = stand_ins.images(1)
    up.requires_grad_()
    hr.requires_grad_()
    got = scalar(content_loss(phi, up, hr), "content_loss")
    with torch.no_grad():
        f_sr, f_hr = ref_phi(up), ref_phi(hr)
        want = F.mse_loss(f_sr, f_hr)
        mistakes = {
            "the content loss on pixels: SRGAN compares the images' features phi(sr) and phi(hr), not their pixels":
                F.mse_loss(up, hr),
            "summed: the content loss is the mean over features and images": F.mse_loss(f_sr, f_hr, reduction="sum"),
            "the L1 distance: the content loss is the mean squared distance of the features": F.l1_loss(f_sr, f_hr),
            "the mean squared error of the features' means: compare the feature maps element by element":
                (f_sr.mean(0) - f_hr.mean(0)).pow(2).mean(),
        }
    if not close(got, want) and phi.training:
        name_the_mistake(got, want, mistakes, "the feature network left in train mode: its BatchNorm and dropout make "
                                              "features that change with the batch and the draw; call phi.eval() first "
                                              "(a fixed feature network is used as at test time).")
    name_the_mistake(got, want, mistakes, f"content_loss = {got.item():.6f}, expected {want.item():.6f}: "
                                          "F.mse_loss(phi(sr), phi(hr)) with phi in eval mode.")
    require(got.requires_grad, "content_loss carries no gradient: do not compute phi(sr) under torch.no_grad().")
    got.backward()
    require(hr.grad is None or not hr.grad.abs().sum() > 0,
            "the target phi(hr) is not detached: the high-resolution image's features are a fixed target, compute "
            "them under torch.no_grad() or .detach() them, so no gradient flows into them.")
    want_grad = torch.autograd.grad(F.mse_loss(ref_phi(up), f_hr), up)[0]
    require(up.grad is not None and close(up.grad, want_grad, tol=1e-6),
            "the gradient reaching sr is wrong: it must flow through phi(sr) (not detached) to sr.")
    passed("content_loss: features of a fixed network in eval mode, the target detached")


@forbids(sr.srgan_g_loss)
@isolated_rng
def check_g_loss(srgan_g_loss) -> None:
    """srgan_g_loss(D, phi, sr, hr, adv_weight=1e-3) = content_loss(phi, sr, hr) + adv_weight * (-log D(sr)).
    Run with the kit's content_loss (kit_helpers)."""
    with kit_helpers(srgan_g_loss, {"content_loss": sr.content_loss}):
        _check_g_loss(srgan_g_loss)


def _check_g_loss(srgan_g_loss) -> None:
    phi = stand_ins.feature_net(2).eval()
    torch.manual_seed(3)
    D = stand_ins.LinearD().double()
    up, hr = stand_ins.images(4)
    up.requires_grad_()
    got = scalar(srgan_g_loss(D, phi, up, hr), "srgan_g_loss")

    def loss(weight=sr.ADV_WEIGHT, adv=None, content=True, images=up):
        logit = D(images)
        a = F.binary_cross_entropy_with_logits(logit, torch.ones_like(logit)) if adv is None else adv(logit)
        return (sr.content_loss(phi, up, hr) if content else 0) + weight * a

    with torch.no_grad():
        want = loss()
        mistakes = {
            "the adversarial weight 1: SRGAN weighs the adversarial term 1e-3 against the content loss, "
            "l_SR = l_content + 1e-3 l_adv (the default of adv_weight)": loss(1.0),
            "the saturating adversarial loss log(1 - D(G(x))): use the non-saturating -log D(G(x)), BCE with label 1":
                loss(adv=lambda t: -F.softplus(t).mean()),
            "the adversarial term with label 0: G wants D to call its images real, BCE with label 1":
                loss(adv=lambda t: F.binary_cross_entropy_with_logits(t, torch.zeros_like(t))),
            "the adversarial term on the real images hr: it is D's verdict on G's images sr": loss(images=hr),
            "no content loss: l_SR = content_loss(phi, sr, hr) + adv_weight * l_adv": loss(content=False),
            "no adversarial term: l_SR = content loss + adv_weight * (-log D(sr))": loss(0.0),
            "a sigmoid before binary_cross_entropy_with_logits: D returns logits, the loss applies the sigmoid itself":
                loss(adv=lambda t: F.binary_cross_entropy_with_logits(t.sigmoid(), torch.ones_like(t))),
        }
    name_the_mistake(got, want, mistakes, f"srgan_g_loss = {got.item():.8f}, expected {want.item():.8f}: "
                                          "content_loss(phi, sr, hr) + adv_weight * BCE-with-logits(D(sr), 1).")
    weighted = scalar(srgan_g_loss(D, phi, up, hr, adv_weight=0.5), "srgan_g_loss")
    require(close(weighted, loss(0.5)), "adv_weight is not used: with adv_weight=0.5 the loss must be content + 0.5 l_adv.")
    require(got.requires_grad, "srgan_g_loss carries no gradient: do not detach sr or use .item().")
    got.backward()
    want_grad = torch.autograd.grad(loss(), up)[0]
    if up.grad is not None and not close(up.grad, want_grad, tol=1e-7):
        content_only = torch.autograd.grad(sr.content_loss(phi, up, hr), up)[0]
        require(not close(up.grad, content_only, tol=1e-7),
                "sr detached before D: the adversarial term's gradient must reach G through D(sr).")
    require(up.grad is not None and close(up.grad, want_grad, tol=1e-7),
            "the gradient reaching sr is not the perceptual loss's: both terms must reach G through sr.")
    passed("srgan_g_loss: content + 1e-3 x (-log D(sr)), non-saturating")


# ---- the SRGAN step ---------------------------------------------------------------------------------

@forbids(sr.srgan_step)
@isolated_rng
def check_srgan_step(srgan_step) -> None:
    """srgan_step(G, D, opt_g, opt_d, lr, hr, phi, adv_weight): D on hr against G(lr).detach(), then G on
    srgan_g_loss with only opt_g stepped. Run with the kit's losses (kit_helpers)."""
    with kit_helpers(srgan_step, {"srgan_g_loss": sr.srgan_g_loss, "content_loss": sr.content_loss}):
        _check_srgan_step(srgan_step)


def _check_srgan_step(srgan_step) -> None:
    torch.manual_seed(5)
    G0, D0 = stand_ins.TinyG(), stand_ins.LinearD()
    phi = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.Tanh()).requires_grad_(False)
    g = torch.Generator().manual_seed(6)
    lr, hr = torch.rand(6, 1, 4, 4, generator=g) * 2 - 1, torch.rand(6, 1, 8, 8, generator=g) * 2 - 1
    outputs = []

    def run(step):
        G, D = copy.deepcopy(G0), copy.deepcopy(D0)
        opt_g, opt_d = steps.SGD(G.parameters()), steps.SGD(D.parameters())
        out = steps.call_step(step or srgan_step, G, D, opt_g, opt_d, lr, hr, phi, 0.5)
        if step is None:
            outputs.append(out)
            require(not opt_g.had_gradients[:1] == [True], steps.NOT_DETACHED + ".")
            require(opt_d.steps <= 1, "the generator step also stepped D: after G's backward only opt_g.step(); D "
                                      "moves only in its own step (G's loss would otherwise train D to be fooled).")
        return steps.flat(G, D)

    mistakes = {
        "D's labels swapped: real images are labelled 1 and G's images 0": stand_ins.variant(swapped=True),
        "D trained on the real images only: its loss has a term for G's images, BCE(D(G(lr).detach()), 0)":
            stand_ins.variant(d_on_real_only=True),
        "G trained on pixel MSE: SRGAN's G descends srgan_g_loss(D, phi, sr, hr, adv_weight)":
            stand_ins.variant(g_loss="pixels"),
        "adv_weight not passed on to srgan_g_loss: the step's weight must reach the loss":
            stand_ins.variant(weight=sr.ADV_WEIGHT),
    }
    steps.named_step(run, sr.srgan_step, mistakes,
                     "the weights after one iteration differ from the reference's: D descends BCE(D(hr), 1) + "
                     "BCE(D(G(lr).detach()), 0), then G descends srgan_g_loss(D, phi, G(lr), hr, adv_weight) with "
                     "opt_g alone; zero_grad before each backward.")
    require(isinstance(outputs[0], dict) and {"d_loss", "g_loss"} <= set(outputs[0]),
            f"srgan_step must return a dict with d_loss and g_loss, got {outputs[0]!r}.")
    passed("srgan_step: D on real against detached upscalings, then G on the perceptual loss, D left alone")
