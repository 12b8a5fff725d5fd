"""Checks for Lab 11, PixelDA and StarGAN. Each names the typical mistake it finds.

The two generator inputs on crafted projections and codes (which channel holds what); the task loss
and StarGAN's two losses on stand-in networks in float64, against each mistake's value and with the
gradients that must (and must not) reach the images; the PixelDA step on tiny networks against the
kit's step and each mistake's variant; the accuracy on a stand-in classifier whose answer depends on
its mode and on the split it reads.
"""
from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

from gankit import data, models, pixelda, stargan
from gankit.checks import CheckFailed, close, forbids, isolated_rng, kit_helpers, name_the_mistake, passed, require, scalar
from gankit.checks import domains_nets as stand_ins
from gankit.checks import steps


def _tensor(value, name: str) -> torch.Tensor:
    require(isinstance(value, torch.Tensor), f"{name} must return a torch.Tensor, got {type(value).__name__}.")
    return value


def _call(function, name: str, *args, hint: str = ""):
    try:
        return function(*args)
    except NotImplementedError:  # the release's blank: nothing to name
        raise
    except (RuntimeError, ValueError, IndexError, TypeError) as e:
        first = (str(e).splitlines() or [""])[0]
        raise CheckFailed(f"{name} failed on the check's inputs ({type(e).__name__}: {first}){hint}") from None


# ---- PixelDA: the generator's input -------------------------------------------------------------------

@forbids(pixelda.with_noise)
@isolated_rng
def check_with_noise(with_noise) -> None:
    """with_noise(x, z, project) = cat([x, project(z).view(x.shape)], dim=1), (N, 2C, H, W)."""
    x, n = stand_ins.images(0), 6
    torch.manual_seed(1)
    project = nn.Linear(2, x[0].numel()).double()
    z = torch.randn(n, 2, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    got = _tensor(_call(with_noise, "with_noise", x, z, project), "with_noise")
    with torch.no_grad():
        plane = project(z).view(x.shape)
    want = torch.cat([x, plane], 1)
    if got.shape == x.shape:
        if close(got, x):
            raise CheckFailed("the noise left out of the generator: G's input is the image and project(z) stacked on the "
                              "channels, (N, 2C, H, W); without z, G is one fixed function of the source image.")
        if close(got, x + plane):
            raise CheckFailed("the noise added to the image: stack project(z).view(x.shape) as C more channels with "
                              "torch.cat([x, ...], dim=1).")
    require(got.shape != (2 * n, *x.shape[1:]), "stacked along the batch (dim 0): stack the noise on the channels, dim=1.")
    require(got.shape == want.shape, f"with_noise on x {tuple(x.shape)} must give {tuple(want.shape)} (the image's C "
                                     f"channels, then C from the noise), got {tuple(got.shape)}.")
    mistakes = {
        "the noise before the image: the image's channels first, then project(z)'s": torch.cat([plane, x], 1),
        "project(z) reshaped in another layout: .view(x.shape) gives the (N, C, H, W) the projection was built for":
            torch.cat([x, project(z).detach().view(n, *x.shape[2:], x.shape[1]).permute(0, 3, 1, 2)], 1),
    }
    name_the_mistake(got, want, mistakes, "with_noise differs from torch.cat([x, project(z).view(x.shape)], dim=1).")
    require(got.requires_grad, "the projection detached: G must learn project, so its output must carry a gradient.")
    passed("with_noise: the image and its projected noise stacked on the channels")


# ---- PixelDA: the task loss ----------------------------------------------------------------------------

@forbids(pixelda.task_loss)
@isolated_rng
def check_task_loss(task_loss) -> None:
    """task_loss(T, translated, source, labels) = (CE(T(translated), y) + CE(T(source), y)) / 2."""
    torch.manual_seed(3)
    T = stand_ins.LinearClassifier().double()
    fake, source, y = stand_ins.images(4).requires_grad_(), stand_ins.images(5), stand_ins.labels(6)
    got = scalar(_call(task_loss, "task_loss", T, fake, source, y), "task_loss")
    with torch.no_grad():
        on_fake, on_source = T(fake), T(source)
        ce_f, ce_s = F.cross_entropy(on_fake, y), F.cross_entropy(on_source, y)
        mistakes = {
            "a softmax before the cross-entropy: F.cross_entropy takes the logits and applies log-softmax itself":
                (F.cross_entropy(on_fake.softmax(1), y) + F.cross_entropy(on_source.softmax(1), y)) / 2,
            "the task loss on the translated images only: L_t has a term for the source images too, "
            "(CE(T(G(x_s, z)), y) + CE(T(x_s), y)) / 2": ce_f,
            "the task loss on the source images only: T must learn on the translations, which look like the target": ce_s,
            "the two cross-entropies summed: average them, (CE(T(G(x_s, z)), y) + CE(T(x_s), y)) / 2": ce_f + ce_s,
            "nll_loss on logits: F.nll_loss expects log-probabilities; use F.cross_entropy on the logits":
                (F.nll_loss(on_fake, y) + F.nll_loss(on_source, y)) / 2,
        }
    name_the_mistake(got, (ce_f + ce_s) / 2, mistakes, f"task_loss = {got.item():.6f}, expected "
                     f"{((ce_f + ce_s) / 2).item():.6f}: the mean of F.cross_entropy(T(translated), labels) and "
                     "F.cross_entropy(T(source), labels).")
    got.backward()
    want = torch.autograd.grad(F.cross_entropy(T(fake), y) / 2, fake)[0]
    require(fake.grad is not None and close(fake.grad, want, tol=1e-7),
            "the translated images detached in the task loss: its gradient must reach G, which learns to keep the digit.")
    passed("task_loss: the source labels on the translated and the source images, averaged")


# ---- PixelDA: one step ----------------------------------------------------------------------------------

@forbids(pixelda.step)
@isolated_rng
def check_pixelda_step(pixelda_step) -> None:
    """pixelda_step(G, D, T, opt_g, opt_d, source, labels, target, z, task_weight): D on target (1) against
    G(source, z).detach() (0), then G and T (both in opt_g) on -log D(G(x_s, z)) + task_weight L_t.
    Run with the kit's task_loss (kit_helpers)."""
    with kit_helpers(pixelda_step, {"task_loss": pixelda.task_loss}):
        _check_pixelda_step(pixelda_step)


def _check_pixelda_step(pixelda_step) -> None:
    torch.manual_seed(7)
    G0, D0, T0 = stand_ins.TinyG().double(), stand_ins.LinearD().double(), stand_ins.LinearClassifier().double()
    source, target, y = stand_ins.images(8), stand_ins.images(9), stand_ins.labels(10)
    z = torch.randn(6, 2, generator=torch.Generator().manual_seed(11), dtype=torch.float64)
    outputs = []

    def run(step):
        G, D, T = copy.deepcopy(G0), copy.deepcopy(D0), copy.deepcopy(T0)
        opt_g, opt_d = steps.SGD([*G.parameters(), *T.parameters()]), steps.SGD(D.parameters())
        out = steps.call_step(step or pixelda_step, G, D, T, opt_g, opt_d, source, y, target, z, 0.5)
        if step is None:
            outputs.append(out)
            require(not opt_g.had_gradients[:1] == [True], steps.NOT_DETACHED.replace("G(z)", "G(x_s, z)") + ".")
            require(opt_d.steps <= 1, "the generator step also stepped D: after G's backward only opt_g.step(); D "
                                      "moves only in its own step.")
        return steps.flat(G, D, T)

    variant = stand_ins.pixelda_variant
    mistakes = {
        "PixelDA's task loss on target images: they have no labels (PixelDA never reads one); T learns on the "
        "translated and the source images with the source labels, task_loss(T, fake, source, labels)":
            variant(task_on="target"),
        "the noise left out of the generator: G(source, z), a fresh z each iteration": variant(noise=False),
        "D's labels swapped: real target images are labelled 1 and translations 0": variant(swapped=True),
        "D trained on the real images only: its loss has a term for the translations, BCE(D(fake.detach()), 0)":
            variant(d_on_real_only=True),
        "task_weight not passed on: G's loss is the adversarial term plus task_weight * task_loss":
            variant(weight=pixelda.TASK_WEIGHT),
        "no task loss in G's objective: G and T descend -log D(G(x_s, z)) + task_weight * L_t": variant(task=False),
        "no adversarial term in G's objective: without -log D(G(x_s, z)) nothing makes the translations look like "
        "the target": variant(adversarial=False),
    }
    steps.named_step(run, pixelda.step, mistakes,
                     "the weights after one iteration differ from the reference's: D descends BCE(D(x_t), 1) + "
                     "BCE(D(G(x_s, z).detach()), 0), then G and T (opt_g) descend BCE(D(G(x_s, z)), 1) + task_weight * "
                     "task_loss(T, G(x_s, z), x_s, y); zero_grad before each backward.")
    require(isinstance(outputs[0], dict) and {"d_loss", "g_loss"} <= set(outputs[0]),
            f"pixelda_step must return a dict with d_loss and g_loss, got {outputs[0]!r}.")
    passed("pixelda_step: D on target against detached translations, then G and T on adversarial + task loss")


# ---- PixelDA: the held-out accuracy ----------------------------------------------------------------------

@forbids(pixelda.target_accuracy)
@isolated_rng
def check_accuracy(accuracy_on_target) -> None:
    """accuracy_on_target(T, mnist_m) = the fraction of mnist_m["test"] that T (in eval mode, its mode
    restored after) classifies right."""
    torch.manual_seed(112)
    T = stand_ins.ModalClassifier().double()
    test = data.ImageSet(stand_ins.images(13, n=40), stand_ins.labels(14, n=40), "test")
    train = data.ImageSet(stand_ins.images(15, n=40), stand_ins.labels(16, n=40), "train")
    with torch.no_grad():  # labels the classifier gets right a known part of the time, in eval mode
        test = test._replace(labels=torch.where(torch.arange(40) < 30, T.eval()(test.images).argmax(1), test.labels))
    T.train()
    modes = []  # T's mode at each of the student's calls
    hook = T.register_forward_pre_hook(lambda module, args: modes.append(module.training))
    try:
        got = _call(accuracy_on_target, "accuracy_on_target", T, {"train": train, "test": test})
    finally:
        hook.remove()
    require(not any(modes), "T evaluated in train mode: BatchNorm uses the batch's statistics and dropout drops units; "
                            "call T.eval() first (and restore the mode after).")
    if isinstance(got, torch.Tensor) and got.numel() == 1:
        got = got.item()
    require(isinstance(got, (float, int)), f"accuracy_on_target must return a number, got {type(got).__name__}.")
    require(T.training, "T left in eval mode after the evaluation: restore its mode (T.train(was_training)), or "
                        "the training that follows runs without BatchNorm's batch statistics and dropout.")

    def reads(images, labels):
        with torch.no_grad():
            return (copy.deepcopy(T).eval()(images).argmax(1) == labels).double().mean().item()

    want = reads(*test[:2])
    mistakes = {
        "the classifier evaluated on MNIST-M training images: D saw them in training; report the held-out "
        "mnist_m[\"test\"]": reads(*train[:2]),
        "a percentage: return the fraction in [0, 1]": 100 * want,
    }
    name_the_mistake(got, want, mistakes, f"accuracy_on_target = {got}, expected {want:.4f}: the fraction of "
                                          "mnist_m[\"test\"] whose argmax class is the label, T in eval mode.")
    passed(f"accuracy_on_target: {want:.1%} on the held-out split, in eval mode, the mode restored")


# ---- StarGAN: the domain code -------------------------------------------------------------------------------

@forbids(stargan.with_domain, models.label_planes)
@isolated_rng
def check_with_domain(with_domain) -> None:
    """with_domain(x, c, k): (N, C + k, H, W), x then the one-hot code of c replicated over every pixel."""
    # H, W and k all differ: a code expanded to (N, H, k, W) or (N, k, W, H) must not fit by chance
    k, h, w = 4, 5, 3
    x = torch.rand(5, 1, h, w, generator=torch.Generator().manual_seed(17)) * 2 - 1
    c = torch.tensor([0, 3, 1, 2, 3])
    got = _tensor(_call(with_domain, "with_domain", x, c, k,
                        hint=": the code not replicated over the image? one_hot(c, k) is (N, k); view it as (N, k, 1, 1) "
                             "and expand it to (N, k, H, W) before stacking it on the image's channels."), "with_domain")
    code = F.one_hot(c, k).float()[:, :, None, None].expand(-1, -1, h, w)
    want = torch.cat([x, code], 1)
    if got.shape == (5, 2, h, w):
        raise CheckFailed("the domain as one plane holding its number: StarGAN's code is one-hot, k planes, one 1 and "
                          "k - 1 zeros, so that no domain reads as 'larger' than another.")
    require(got.shape == want.shape, f"with_domain on x {tuple(x.shape)}, k = {k} must give {tuple(want.shape)}, got "
                                     f"{tuple(got.shape)}.")
    corner = torch.zeros_like(code)
    corner[:, :, 0, 0] = code[:, :, 0, 0]
    mistakes = {
        "the code before the image: the image's channels first, then the k code planes": torch.cat([code, x], 1),
        "the code not replicated over the image: every pixel must carry the code, expand (N, k, 1, 1) to (N, k, H, W)":
            torch.cat([x, corner], 1),
    }
    name_the_mistake(got.float(), want, mistakes, "with_domain differs from torch.cat([x, one_hot(c, k) replicated "
                                                  "over (H, W)], dim=1).")
    require(got.dtype == x.dtype, f"with_domain returned {got.dtype}: make the code the images' dtype (.to(x.dtype)).")
    passed("with_domain: x and the one-hot code replicated over every pixel")


# ---- StarGAN: D's loss ----------------------------------------------------------------------------------------

_HEADS = (": are the real/fake and domain heads' losses swapped? D(x) returns (src, cls): BCE with logits on src "
          "(N, 1, h, w), cross-entropy on cls (N, k).")


@forbids(stargan.d_loss)
@isolated_rng
def check_star_d_loss(stargan_d_loss) -> None:
    """stargan_d_loss(D, real, fake, c_orig, c_target, lambda_cls=1) = BCE(src(real), 1) + BCE(src(fake), 0)
    + lambda_cls CE(cls(real), c_orig), fake detached."""
    torch.manual_seed(18)
    D = stand_ins.TwoHeadD().double()
    real, fake = stand_ins.images(19, channels=1), stand_ins.images(20, channels=1).requires_grad_()
    c_orig, c_target = stand_ins.labels(21, classes=stand_ins.K), stand_ins.labels(22, classes=stand_ins.K)
    got = scalar(_call(stargan_d_loss, "stargan_d_loss", D, real, fake, c_orig, c_target, hint=_HEADS), "stargan_d_loss")

    def loss(cls_w=1.0, on_fakes=False, labels=c_orig, swapped=False, softmax=False):
        (sr, cr), (sf, cf) = D(real), D(fake.detach())
        adv = F.binary_cross_entropy_with_logits(sr, torch.full_like(sr, float(not swapped))) \
            + F.binary_cross_entropy_with_logits(sf, torch.full_like(sf, float(swapped)))
        cls = F.cross_entropy(cr.softmax(1) if softmax else cr, labels)
        return adv + cls_w * (cls + (F.cross_entropy(cf, c_target) if on_fakes else 0))

    with torch.no_grad():
        mistakes = {
            "StarGAN's domain loss on fakes put into D's loss: D learns the domains from real images only, "
            "L_cls^r; the fakes' domain term belongs to G's loss": loss(on_fakes=True),
            "the real images' domain loss with the target domains: D classifies a real image as its own domain, c_orig":
                loss(labels=c_target),
            "no domain term: L_D = -L_adv + lambda_cls * CE(cls(real), c_orig)": loss(0.0),
            "D's labels swapped: real images are labelled 1 and fakes 0": loss(swapped=True),
            "a softmax before the cross-entropy: F.cross_entropy takes the logits": loss(softmax=True),
        }
    name_the_mistake(got, loss(), mistakes, f"stargan_d_loss = {got.item():.6f}, expected {loss().item():.6f}: "
                     "BCE(src(real), 1) + BCE(src(fake), 0) + lambda_cls * CE(cls(real), c_orig).")
    weighted = scalar(stargan_d_loss(D, real, fake, c_orig, c_target, 0.5), "stargan_d_loss")
    require(close(weighted, loss(0.5)), "lambda_cls is not used: with lambda_cls=0.5 the domain term must weigh 0.5.")
    got.backward()
    require(fake.grad is None or not fake.grad.abs().sum() > 0,
            "fake not detached in D's loss: D's step must not reach G; use D(fake.detach()).")
    passed("stargan_d_loss: real against fake, and the domains of the real images only")


# ---- StarGAN: G's loss ------------------------------------------------------------------------------------------

@forbids(stargan.g_loss)
@isolated_rng
def check_star_g_loss(stargan_g_loss) -> None:
    """stargan_g_loss(G, D, real, fake, c_orig, c_target, lambda_cls=1, lambda_rec=10) = BCE(src(fake), 1)
    + lambda_cls CE(cls(fake), c_target) + lambda_rec mean|real - G(fake, c_orig)|."""
    torch.manual_seed(23)
    G, D = stand_ins.TinyStarG().double(), stand_ins.TwoHeadD().double()
    real = stand_ins.images(24, channels=1)
    c_orig, c_target = stand_ins.labels(25, classes=stand_ins.K), stand_ins.labels(26, classes=stand_ins.K)
    c_target = torch.where(c_target == c_orig, (c_orig + 1) % stand_ins.K, c_target)  # a real change of domain
    fake = G(real, c_target)
    got = scalar(_call(stargan_g_loss, "stargan_g_loss", G, D, real, fake, c_orig, c_target, hint=_HEADS), "stargan_g_loss")

    def loss(rec_w=stargan.LAMBDA_REC, rec_code=c_orig, cls_labels=c_target, cls_w=1.0, adv=True, saturating=False,
             rec_from=fake, rec_of=real, distance="l1"):
        src, cls = D(fake)
        a = F.binary_cross_entropy_with_logits(src, torch.ones_like(src))
        if saturating:
            a = -F.binary_cross_entropy_with_logits(src, torch.zeros_like(src))
        diff = rec_of - G(rec_from, rec_code)
        rec = diff.abs().mean() if distance == "l1" else diff.pow(2).mean()
        return (a if adv else 0) + cls_w * F.cross_entropy(cls, cls_labels) + rec_w * rec

    with torch.no_grad():
        mistakes = {
            "the target code given for reconstruction instead of the original one: G(fake, c_orig) must give back "
            "the real image": loss(rec_code=c_target),
            "lambda_rec dropped: the reconstruction term weighs lambda_rec = 10": loss(rec_w=1.0),
            "no reconstruction term: L_G has lambda_rec * mean|x - G(G(x, c), c')|": loss(rec_w=0.0),
            "the reconstruction by squared error: StarGAN's L_rec is the L1 norm, mean |x - G(G(x, c), c')|":
                loss(distance="l2"),
            "the reconstruction compared with the fake: it must give back the real image, |real - G(fake, c_orig)|":
                loss(rec_of=fake),
            "G(real, c_orig) as the reconstruction: translate the fake back, G(fake, c_orig)": loss(rec_from=real),
            "the fakes' domain loss with the original domains: G wants its fake read as the target domain c_target":
                loss(cls_labels=c_orig),
            "no domain term: G's loss has lambda_cls * CE(cls(fake), c_target)": loss(cls_w=0.0),
            "no adversarial term: G's loss starts with BCE(src(fake), 1)": loss(adv=False),
            "the saturating adversarial loss log(1 - D(G(x))): use BCE(src(fake), 1)": loss(saturating=True),
        }
    name_the_mistake(got, loss(), mistakes, f"stargan_g_loss = {got.item():.6f}, expected {loss().item():.6f}: "
                     "BCE(src(fake), 1) + lambda_cls * CE(cls(fake), c_target) + lambda_rec * mean|real - G(fake, c_orig)|.")
    weighted = scalar(stargan_g_loss(G, D, real, fake, c_orig, c_target, 0.5, 3.0), "stargan_g_loss")
    require(close(weighted, loss(3.0, cls_w=0.5)), "lambda_cls or lambda_rec is not used: with lambda_cls=0.5 and "
                                                   "lambda_rec=3 the terms must weigh 0.5 and 3.")
    require(got.requires_grad, "stargan_g_loss carries no gradient: do not detach fake or use .item().")
    passed("stargan_g_loss: fool D, read as the target domain, 10 x the L1 reconstruction from the original code")
