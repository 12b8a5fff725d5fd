"""Checks for Lab 9, the semi-supervised GAN and InfoGAN. Each names the typical mistake it finds.

The losses are checked on closed forms (all-zero logits: p(fake) = 1 / (K + 1); a perfect Q: no
information loss); the training steps on tiny stand-in networks, against the kit's step and against
the step each typical mistake gives (the weights after one iteration tell them apart).
"""
from __future__ import annotations

import copy
import math

import torch
import torch.nn.functional as F

from gankit import infogan, models, semisupervised
from gankit.checks import representations_steps as variants
from gankit.checks import steps
from gankit.checks import CheckFailed, close, forbids, isolated_rng, kit_helpers, name_the_mistake, passed, require, scalar

K = 10


def _backward(loss: torch.Tensor, name: str) -> None:
    require(loss.requires_grad, f"{name} carries no gradient: do not detach its inputs, use .item() or torch.no_grad().")
    loss.backward()


def _logits(seed: int, n: int = 8, scale: float = 2.0) -> torch.Tensor:
    return scale * torch.randn(n, K, generator=torch.Generator().manual_seed(seed))


# ---- part 1: the semi-supervised GAN's losses ---------------------------------------------------

@forbids(semisupervised.supervised_loss)
@isolated_rng
def check_supervised_loss(supervised_loss) -> None:
    """supervised_loss(logits (N, K), labels (N,), labelled (N,) bool): cross-entropy over the K classes,
    averaged over the labelled rows only."""
    logits = _logits(0).requires_grad_()
    labels = torch.tensor([3, 1, 4, 1, 5, 9, 2, 6])  # every row's true label: only the labelled may be read
    labelled = torch.tensor([True, False, True, True, False, False, True, False])
    got = scalar(supervised_loss(logits, labels, labelled), "supervised_loss")
    with torch.no_grad():
        seen, y = logits[labelled], labels[labelled]
        want = F.cross_entropy(seen, y)
        eleventh = torch.cat([seen, torch.zeros(len(seen), 1)], 1)
        mistakes = {
            "label leakage: the labels of every image were used; only the rows where labelled is True may be read "
            "(the others are the unlabelled images, whose labels the method must not see)": F.cross_entropy(logits, labels),
            "a softmax before the cross-entropy: F.cross_entropy takes logits and applies log-softmax itself":
                F.cross_entropy(seen.softmax(1), y),
            "the fake class handled as an eleventh logit: the supervised term is p(y | x, real), a softmax over the K real "
            "classes only": F.cross_entropy(eleventh, y),
            "summed over the labelled images: take the mean": F.cross_entropy(seen, y, reduction="sum"),
            "F.nll_loss on logits: it expects log-probabilities (use F.cross_entropy, or log_softmax first)":
                F.nll_loss(seen, y),
        }
    name_the_mistake(got, want, mistakes, f"supervised_loss = {got.item():.4f}, expected {want.item():.4f}: "
                                          "F.cross_entropy(logits[labelled], labels[labelled]).")
    _backward(got, "supervised_loss")
    require(logits.grad is not None and logits.grad[labelled].abs().sum() > 0, "no gradient reached the logits: do not "
                                                                                "detach them or use .item().")
    passed("supervised_loss: cross-entropy over the K classes on the labelled rows only")


@forbids(semisupervised.unsupervised_loss)
@isolated_rng
def check_unsupervised_loss(unsupervised_loss) -> None:
    """unsupervised_loss(logits_real, logits_fake) = -E log D(real) - E log(1 - D(fake)), D = Z / (Z + 1)."""
    zeros = torch.zeros(4, K)
    got0 = scalar(unsupervised_loss(zeros, zeros), "unsupervised_loss")
    # all-zero logits: Z = K, D = K / (K + 1), p(fake) = 1 / (K + 1)
    want0 = torch.tensor(-math.log(K / (K + 1)) + math.log(K + 1))
    real, fake = _logits(1).requires_grad_(), _logits(2).requires_grad_()
    got = scalar(unsupervised_loss(real, fake), "unsupervised_loss")
    with torch.no_grad():
        want = semisupervised.unsupervised_loss(real, fake)

        def with_log_z(lz_real, lz_fake):
            return (F.softplus(lz_real) - lz_real).mean() + F.softplus(lz_fake).mean()

        lr, lf = torch.logsumexp(real, 1), torch.logsumexp(fake, 1)
        mistakes = {
            "the fake class handled as an eleventh logit and also implicitly: with logits for the K real classes only, "
            "log Z = logsumexp(logits) and D = Z / (Z + 1); appending a zero logit counts the fake class twice":
                with_log_z(torch.logsumexp(F.pad(real, (0, 1)), 1), torch.logsumexp(F.pad(fake, (0, 1)), 1)),
            "generated images scored as real: their term is -log(1 - D(G(z))) = softplus(log Z)":
                (F.softplus(lr) - lr).mean() + (F.softplus(lf) - lf).mean(),
            "the real images' term has the wrong sign: -log D(x) = softplus(log Z) - log Z":
                (lr - F.softplus(lr)).mean() + F.softplus(lf).mean(),
            "the largest logit used for log Z: log Z = logsumexp over the K logits":
                with_log_z(real.max(1).values, fake.max(1).values),
            "a softmax before logsumexp: log Z is computed from the logits themselves":
                with_log_z(torch.logsumexp(real.softmax(1), 1), torch.logsumexp(fake.softmax(1), 1)),
            "summed over the batch: take the mean of each term": with_log_z(lr, lf) * len(real),
        }
    name_the_mistake(got, want, mistakes, f"unsupervised_loss = {got.item():.4f}, expected {want.item():.4f}: "
                                          "-E log D(real) - E log(1 - D(fake)) with log Z = logsumexp(logits).")
    require(close(got0, want0), f"for all-zero logits unsupervised_loss = {got0.item():.4f}, expected -log(10/11) + "
                                f"log 11 = {want0.item():.4f}: Z = 10 gives D = 10/11 and p(fake) = 1/11.")
    big = 100 + _logits(3, scale=1.0)
    huge = unsupervised_loss(big, -big)
    if not (isinstance(huge, torch.Tensor) and close(huge, semisupervised.unsupervised_loss(big, -big), tol=1e-4)):
        raise CheckFailed(f"unsupervised_loss = {huge} for logits near +-100: exp overflows or log(1 - D) "
                          "rounds to log 0; write log Z = torch.logsumexp(logits, 1), -log D = softplus(log Z) - log Z and "
                          "-log(1 - D) = softplus(log Z).")
    _backward(got, "unsupervised_loss")
    require(real.grad is not None and fake.grad is not None and real.grad.abs().sum() > 0 and fake.grad.abs().sum() > 0,
            "no gradient reached the logits: do not detach them or use .item().")
    passed("unsupervised_loss: D = Z / (Z + 1) from logsumexp, stable for large logits")


@forbids(semisupervised.feature_matching_loss)
@isolated_rng
def check_feature_matching(feature_matching_loss) -> None:
    """feature_matching_loss(f_real, f_fake) = mean over features of (E f_real - E f_fake)^2, the real side detached."""
    g = torch.Generator().manual_seed(4)
    f_real = (torch.randn(16, 6, generator=g) + 1).requires_grad_()
    f_fake = torch.randn(16, 6, generator=g).requires_grad_()
    got = scalar(feature_matching_loss(f_real, f_fake), "feature_matching_loss")
    with torch.no_grad():
        diff = f_real.mean(0) - f_fake.mean(0)
        want = diff.pow(2).mean()
        mistakes = {
            "each real image matched with one generated image: feature matching compares the batch means, "
            "(f_real.mean(0) - f_fake.mean(0))^2": (f_real - f_fake).pow(2).mean(),
            "the L2 norm, not its square, of the difference of means: square it and average over features":
                diff.norm(),
            "summed over features: average the squared differences over features": diff.pow(2).sum(),
            "absolute differences: square the difference of the means": diff.abs().mean(),
        }
    name_the_mistake(got, want, mistakes, f"feature_matching_loss = {got.item():.4f}, expected {want.item():.4f}: "
                                          "((f_real.mean(0) - f_fake.mean(0)) ** 2).mean().")
    if not got.requires_grad:
        raise CheckFailed("the generated side detached: no gradient reaches G, which is what feature matching trains; "
                          "detach the real features only.")
    got.backward()
    if f_fake.grad is None or f_fake.grad.abs().sum() == 0:
        raise CheckFailed("the generated side detached: no gradient reaches G, which is what feature matching trains; "
                          "detach the real features only.")
    if f_real.grad is not None and f_real.grad.abs().sum() > 0:
        raise CheckFailed("the real side not detached: E f(x_real) is the fixed target G moves towards; "
                          "f_real.detach() so that G's loss does not train D's features.")
    passed("feature_matching_loss: squared difference of the batch means, gradient through the fakes only")


# ---- part 1: one semi-supervised GAN iteration ----------------------------------------------------

@forbids(semisupervised.ssgan_step)
@isolated_rng
def check_ssgan_step(ssgan_step) -> None:
    """ssgan_step(G, D, opt_g, opt_d, x, y, labelled, z): D on supervised + unsupervised loss (all real rows),
    then G by feature matching on the updated D. Run with the kit's losses (kit_helpers)."""
    with kit_helpers(ssgan_step, {"supervised_loss": semisupervised.supervised_loss,
                                  "unsupervised_loss": semisupervised.unsupervised_loss,
                                  "feature_matching_loss": semisupervised.feature_matching_loss}):
        _check_ssgan_step(ssgan_step)


def _check_ssgan_step(ssgan_step) -> None:
    torch.manual_seed(0)
    G0, D0 = variants.TinyG(5), variants.TinyD()
    g = torch.Generator().manual_seed(5)
    x, z = torch.randn(8, 1, 4, 4, generator=g), torch.rand(8, 5, generator=g)
    y = torch.randint(3, (8,), generator=g)  # the true labels of every row: only the labelled may be read
    labelled = torch.tensor([True, True, True, False, False, False, False, False])
    outputs = []

    def run(step):
        G, D = copy.deepcopy(G0), copy.deepcopy(D0)
        opt_g, opt_d = steps.SGD(G.parameters()), steps.SGD(D.parameters())
        out = steps.call_step(step or ssgan_step, G, D, opt_g, opt_d, x, y, labelled, z)
        if step is None:
            outputs.append(out)
            require(not opt_g.had_gradients[:1] == [True], steps.NOT_DETACHED + ".")
        return steps.flat(G, D)

    mistakes = {
        "label leakage: the supervised loss read the labels of every image; pass `labelled` so that only the "
        "chosen images' labels are seen": variants.ssgan_variant(sup_rows="all"),
        "the unsupervised loss on the labelled images only: every real image, labelled or not, is real for "
        "D(x) = Z / (Z + 1); give it all the rows' logits": variants.ssgan_variant(unsup_rows=lambda m: m),
        "the unsupervised loss on the unlabelled rows only: the labelled images are real images too; give it every "
        "row's logits": variants.ssgan_variant(unsup_rows=lambda m: ~m),
        "feature matching with the generated side detached: G gets no gradient and never moves":
            variants.ssgan_variant(g_loss="fm-detached"),
        "G trained on the GAN's loss: this lab's G is trained by feature matching on D's features":
            variants.ssgan_variant(g_loss="gan"),
        "G's features taken from before D's update: after opt_d.step(), run D again on x and on G(z) for G's step":
            variants.ssgan_variant(fm_from_before=True),
    }
    steps.named_step(run, semisupervised.ssgan_step, mistakes,
                "the weights after one iteration differ from the reference's: D descends supervised_loss(logits, y, "
                "labelled) + unsupervised_loss(logits of all of x, logits of G(z).detach()), then G descends "
                "feature_matching_loss(D(x)[1], D(G(z))[1]); zero_grad before each backward.")
    require(isinstance(outputs[0], dict) and {"d_loss", "g_loss"} <= set(outputs[0]),
            f"ssgan_step must return a dict with d_loss and g_loss, got {outputs[0]!r}.")
    passed("ssgan_step: D on the labelled and all the real and generated rows, then G by feature matching")


# ---- part 2: InfoGAN ------------------------------------------------------------------------------

@forbids(infogan.sample_latent)
@isolated_rng
def check_sample_latent(sample_latent) -> None:
    """sample_latent(n, generator=None) -> (z, c, u): z = [N(0, I) noise (62), one_hot(c) (10), u (2)],
    c ~ Cat(10) uniform, u ~ U(-1, 1)."""
    n = 20_000
    out = sample_latent(n, generator=torch.Generator().manual_seed(0))
    require(isinstance(out, (tuple, list)) and len(out) == 3, "sample_latent must return (z, c, u).")
    z, c, u = out
    d = infogan.NOISE_DIM + infogan.N_CATEGORIES + infogan.N_CONTINUOUS
    require(tuple(z.shape) == (n, d), f"z must be (n, 62 + 10 + 2) = ({n}, {d}), got {tuple(z.shape)}.")
    require(tuple(c.shape) == (n,) and not c.is_floating_point(), f"c must be ({n},) integer class indices, got "
                                                                  f"{tuple(c.shape)} {c.dtype}.")
    require(tuple(u.shape) == (n, infogan.N_CONTINUOUS), f"u must be ({n}, 2), got {tuple(u.shape)}.")
    noise, block, tail = z[:, :infogan.NOISE_DIM], z[:, infogan.NOISE_DIM:-infogan.N_CONTINUOUS], z[:, -infogan.N_CONTINUOUS:]
    require(c.min() >= 0 and c.max() < infogan.N_CATEGORIES, "c must lie in 0..9.")
    if not torch.equal(block, models.one_hot(c, infogan.N_CATEGORIES)):
        raise CheckFailed("z[:, 62:72] is not one_hot(c): the categorical code goes into G as the one-hot of the c you "
                          "return, after the 62 noise values (order: noise, one_hot(c), u).")
    require(torch.equal(tail, u), "z[:, 72:] is not u: the continuous codes you return are the last two inputs of z.")
    counts = torch.bincount(c, minlength=infogan.N_CATEGORIES).float()
    require(bool((counts - n / 10).abs().max() < 0.1 * n / 10), f"c is not uniform over the 10 values: counts {counts.tolist()}.")
    if u.min() < -1 or u.max() > 1:
        raise CheckFailed(f"u ranges over [{u.min():.2f}, {u.max():.2f}]: continuous codes drawn from N(0, 1) where the "
                          "lab says U(-1, 1): torch.rand(...) * 2 - 1.")
    if u.min() >= 0:
        raise CheckFailed("u is never negative: U(0, 1) where the lab says U(-1, 1): torch.rand(...) * 2 - 1.")
    require(abs(u.mean()) < 0.03 and abs(u.var() - 1 / 3) < 0.02, f"u has mean {u.mean():.3f} and variance {u.var():.3f}; "
                                                                  "U(-1, 1) has 0 and 1/3.")
    if noise.min() >= 0 or noise.abs().max() <= 1:
        raise CheckFailed("the noise is uniform: it is N(0, I), torch.randn.")
    require(abs(noise.mean()) < 0.01 and abs(noise.var() - 1) < 0.02, f"the noise has mean {noise.mean():.3f} and "
                                                                      f"variance {noise.var():.3f}; N(0, I) has 0 and 1.")
    again = sample_latent(n, generator=torch.Generator().manual_seed(0))
    require(all(torch.equal(a, b) for a, b in zip(out, again)), "two calls with equally seeded generators gave different "
                                                                "codes: draw everything from `generator`.")
    passed("sample_latent: N(0, I) noise, a uniform categorical code one-hot in z, U(-1, 1) continuous codes")


@forbids(infogan.information_loss)
@isolated_rng
def check_information_loss(information_loss) -> None:
    """information_loss(q_logits (N, K), q_mean (N, M), c (N,), u (N, M)) = CE(q_logits, c) + 1/2 sum_j (u_j - mu_j)^2,
    averaged over the batch."""
    g = torch.Generator().manual_seed(6)
    c, u = torch.randint(K, (8,), generator=g), torch.rand(8, 3, generator=g) * 2 - 1  # three codes: sum != mean
    perfect = scalar(information_loss(50 * models.one_hot(c, K), u.clone(), c, u), "information_loss")
    logits = _logits(7).requires_grad_()
    mean = torch.randn(8, 3, generator=g).requires_grad_()
    got = scalar(information_loss(logits, mean, c, u), "information_loss")
    with torch.no_grad():
        ce, sq = F.cross_entropy(logits, c), (mean - u).pow(2)
        want = ce + 0.5 * sq.sum(1).mean()
        mistakes = {
            "a softmax before the cross-entropy: F.cross_entropy takes Q's logits as they are":
                F.cross_entropy(logits.softmax(1), c) + 0.5 * sq.sum(1).mean(),
            "the squared error averaged over the continuous codes (F.mse_loss): -log N(u; mu, 1) is 1/2 sum_j (u_j - mu_j)^2, "
            "summed over the codes": ce + F.mse_loss(mean, u),
            "the 1/2 of the Gaussian term missing: -log N(u; mu, 1) = 1/2 (u - mu)^2 + const": ce + sq.sum(1).mean(),
            "the information term has the wrong sign: L_I = -E log Q(c | x) is minimised, a cross-entropy, not its negative":
                -want,
            "the continuous codes left out: add 1/2 sum_j (u_j - mu_j)^2": ce,
            "the categorical code left out: add F.cross_entropy(q_logits, c)": 0.5 * sq.sum(1).mean(),
        }
    name_the_mistake(got, want, mistakes, f"information_loss = {got.item():.4f}, expected {want.item():.4f}: "
                                          "F.cross_entropy(q_logits, c) + 0.5 * ((q_mean - u) ** 2).sum(1).mean().")
    require(close(perfect, 0.0, tol=1e-4), f"a perfect Q (logits 50 one_hot(c), means u) must have information loss 0, "
                                           f"got {perfect.item():.4f}.")
    _backward(got, "information_loss")
    require(logits.grad is not None and mean.grad is not None and logits.grad.abs().sum() > 0 and mean.grad.abs().sum() > 0,
            "no gradient reached Q's outputs: do not detach them or use .item().")
    passed("information_loss: cross-entropy of c plus 1/2 the squared error of u; zero for a perfect Q")


@forbids(infogan.infogan_optimizers)
@isolated_rng
def check_infogan_optimizers(infogan_optimizers) -> None:
    """infogan_optimizers(G, D, Q) -> (opt_g, opt_d): Adam(G, lr 1e-3), Adam(D and Q, lr 2e-4), betas (0.5, 0.999)."""
    G, D, Q = variants.TinyG(5), variants.TinyD(1), variants.TinyQ()
    out = infogan_optimizers(G, D, Q)
    require(isinstance(out, (tuple, list)) and len(out) == 2, "infogan_optimizers must return (opt_g, opt_d).")
    opt_g, opt_d = out
    for name, opt in (("opt_g", opt_g), ("opt_d", opt_d)):
        require(isinstance(opt, torch.optim.Adam), f"{name} must be torch.optim.Adam, got {type(opt).__name__}.")

    def ids(opt):
        return {id(p) for group in opt.param_groups for p in group["params"]}

    g_ids, d_ids, q_ids = ({id(p) for p in net.parameters()} for net in (G, D, Q))
    if not q_ids & (ids(opt_d) | ids(opt_g)):
        raise CheckFailed("Q's parameters missing from the optimiser: Q is a module of its own, so its parameters "
                          "must be added to opt_d (list(D.parameters()) + list(Q.parameters())), or Q never learns.")
    require(q_ids <= ids(opt_d), "Q's parameters belong in opt_d, with D's body it shares: Q is trained on the fakes "
                                 "in D's step.")
    require(ids(opt_g) == g_ids, "opt_g must hold G's parameters and nothing else.")
    require(d_ids <= ids(opt_d) and not g_ids & ids(opt_d), "opt_d must hold D's (and Q's) parameters, not G's.")
    rates = {name: {group["lr"] for group in opt.param_groups} for name, opt in (("opt_g", opt_g), ("opt_d", opt_d))}
    if rates == {"opt_g": {2e-4}, "opt_d": {1e-3}}:
        raise CheckFailed("the learning rates swapped: G 1e-3, D and Q 2e-4 (Chen et al.).")
    require(rates == {"opt_g": {1e-3}, "opt_d": {2e-4}}, f"learning rates {rates}: G 1e-3, D and Q 2e-4.")
    betas = {tuple(group["betas"]) for opt in (opt_g, opt_d) for group in opt.param_groups}
    require(betas == {(0.5, 0.999)}, f"betas {betas}: use (0.5, 0.999) as DCGAN does.")
    passed("infogan_optimizers: Adam for G, and for D with Q's head")


@forbids(infogan.infogan_step)
@isolated_rng
def check_infogan_step(infogan_step) -> None:
    """infogan_step(G, D, Q, opt_g, opt_d, real, z, c, u, lam): D and Q on the GAN loss + lam L_I of the detached
    fakes, then G on the non-saturating loss + lam L_I. Run with the kit's information_loss (kit_helpers)."""
    with kit_helpers(infogan_step, {"information_loss": infogan.information_loss}):
        _check_infogan_step(infogan_step)


def _check_infogan_step(infogan_step) -> None:
    torch.manual_seed(0)
    G0, D0, Q0 = variants.TinyG(7), variants.TinyD(1), variants.TinyQ()
    g = torch.Generator().manual_seed(8)
    real = torch.randn(8, 1, 4, 4, generator=g)
    c, u = torch.randint(3, (8,), generator=g), torch.rand(8, 2, generator=g) * 2 - 1
    z = torch.cat([torch.randn(8, 2, generator=g), models.one_hot(c, 3), u], 1)
    outputs = []

    def run(step):
        G, D, Q = copy.deepcopy(G0), copy.deepcopy(D0), copy.deepcopy(Q0)
        opt_g, opt_d = steps.SGD(G.parameters()), steps.SGD(list(D.parameters()) + list(Q.parameters()))
        out = steps.call_step(step or infogan_step, G, D, Q, opt_g, opt_d, real, z, c, u, 0.7)
        if step is None:
            outputs.append(out)
            require(not opt_g.had_gradients[:1] == [True], steps.NOT_DETACHED + ".")
        return steps.flat(G, D, Q)

    mistakes = {
        "the information term given to D's loss only: G must minimise it too (add lam * information_loss to G's loss), "
        "or nothing makes G's images carry the codes": variants.infogan_variant(info_in_g=False),
        "the information term given to G's loss only: Q (and D's body) must minimise it too, in D's step on the "
        "detached fakes, or Q never learns to read the codes": variants.infogan_variant(info_in_d=False),
        "lam ignored in G's loss: weight the information term by lam in both losses": variants.infogan_variant(lam_in_g=False),
        "lam ignored in D's loss: weight the information term by lam in both losses": variants.infogan_variant(lam_in_d=False),
        "lam ignored: weight the information term by lam in both losses":
            variants.infogan_variant(lam_in_d=False, lam_in_g=False),
        "G trained on the saturating loss log(1 - D(G(z))): use the non-saturating -log D(G(z)), BCE against ones":
            variants.infogan_variant(saturating=True),
    }
    steps.named_step(run, infogan.infogan_step, mistakes,
                "the weights after one iteration differ from the reference's: D and Q descend BCE(D(real), 1) + "
                "BCE(D(fake.detach()), 0) + lam * information_loss(*Q(features of fake.detach()), c, u), then G descends "
                "BCE(D(fake), 1) + lam * information_loss(*Q(features of fake), c, u); zero_grad before each backward.")
    require(isinstance(outputs[0], dict) and {"d_loss", "g_loss", "info"} <= set(outputs[0]),
            f"infogan_step must return a dict with d_loss, g_loss and info, got {outputs[0]!r}.")
    passed("infogan_step: D and Q, then G, each with lam times the information term")


@forbids(infogan.match_codes)
@isolated_rng
def check_match_codes(match_codes) -> None:
    """match_codes(confusion (10, 10)) -> mapping (10,) long, code k -> digit, one to one, maximising the matched counts."""
    # codes 0 and 1 both read mostly as digit 3; the rest follow a cycle, so that code -> digit and digit -> code differ
    cycle = torch.tensor([3, 2, 4, 1, 5, 6, 7, 8, 9, 0])
    confusion = 5 * torch.ones(K, K, dtype=torch.long)
    confusion[torch.arange(K), cycle] = 100
    confusion[0, 3], confusion[1, 3], confusion[1, 2] = 100, 90, 80
    mapping = match_codes(confusion.clone())
    require(isinstance(mapping, torch.Tensor) and tuple(mapping.shape) == (K,) and not mapping.is_floating_point(),
            f"match_codes must return a (10,) integer tensor, code -> digit, got {type(mapping).__name__} "
            f"{tuple(getattr(mapping, 'shape', ()))}.")
    want = infogan.match_codes(confusion)
    if torch.equal(mapping, confusion.argmax(1)):
        raise CheckFailed("a per-code argmax: it maps two codes to one digit (here codes 0 and 1 both to 3); the matching "
                          "must be one to one: scipy.optimize.linear_sum_assignment(-confusion).")
    if len(set(mapping.tolist())) < K:
        raise CheckFailed(f"mapping {mapping.tolist()} sends two codes to one digit: the matching must be one to one.")
    if torch.equal(mapping, torch.argsort(want)):
        raise CheckFailed("the mapping is inverted (digit -> code): mapping[row] = col for each matched (row, col), rows "
                          "being codes.")
    score = confusion[torch.arange(K), mapping].sum()
    if score < confusion[torch.arange(K), want].sum():
        raise CheckFailed(f"the matched counts sum to {score.item()}, less than the best one-to-one matching's "
                          f"{confusion[torch.arange(K), want].sum().item()}: linear_sum_assignment minimises a cost, so "
                          "give it -confusion (or maximize=True).")
    passed("match_codes: a one-to-one matching of codes to digits (the Hungarian algorithm)")
