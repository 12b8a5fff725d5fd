"""Checks for Lab 7, Wasserstein GANs. Each names the typical mistake it finds.

The penalty and the iteration are checked on critics whose input gradient is known in closed form
(gankit/checks/wgan_nets.py).
"""
from __future__ import annotations

import copy

import torch
from torch import nn

from gankit import losses, models, theory, training
from gankit.checks import CheckFailed, close, forbids, isolated_rng, kit_helpers, name_the_mistake, passed, require, scalar
from gankit.checks import wgan_nets as nets
from gankit.checks.gan import FAKE, REAL
from gankit.checks.vanilla_gan import require_layers_of

LAM = 10.0


# ---- W1 in 1D ---------------------------------------------------------------------------------

@forbids(theory.wasserstein_1d)
@isolated_rng
def check_wasserstein_1d(wasserstein_1d) -> None:
    """wasserstein_1d(x, y) for equal-size 1D samples (n,) = mean |sort(x) - sort(y)|."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(200, generator=g, dtype=torch.float64)
    perm = x[torch.randperm(200, generator=g)]
    same = scalar(torch.as_tensor(wasserstein_1d(x, perm)), "wasserstein_1d")
    if same > 1e-6:
        raise CheckFailed("not sorted: W1 of a sample and its own shuffle is 0; the optimal coupling in 1D pairs "
                          "the sorted samples (the i-th smallest with the i-th smallest).")
    z = torch.randn(200, generator=g, dtype=torch.float64)
    y = 3 * z + 2
    got = scalar(torch.as_tensor(wasserstein_1d(z, y)), "wasserstein_1d")
    a, b = z.sort().values, y.sort().values
    want = (a - b).abs().mean()
    mistakes = {
        "squared differences: that is W2^2; W1 is the mean absolute difference of the sorted samples":
            (a - b).pow(2).mean(),
        "this is W2 (the root of the mean squared difference); W1 is the mean absolute difference":
            (a - b).pow(2).mean().sqrt(),
        "summed over the samples: W1 is the mean of |sort(x)_i - sort(y)_i|, each sample carries mass 1/n":
            (a - b).abs().sum(),
        "the distance between the means: W1 is the mean distance each unit of mass moves, not |mean x - mean y|":
            (z.mean() - y.mean()).abs(),
        "one side sorted in descending order: pair the i-th smallest of x with the i-th smallest of y":
            (a - b.flip(0)).abs().mean(),
    }
    name_the_mistake(got, want, mistakes, f"wasserstein_1d(z, 3 z + 2) = {got.item():.4f}, expected {want.item():.4f} = "
                                          "mean |sort(x) - sort(y)|.")
    shift = scalar(torch.as_tensor(wasserstein_1d(z, z + 1.5)), "wasserstein_1d")
    require(close(shift, 1.5), f"W1 of a sample and itself shifted by 1.5 is 1.5, got {shift.item():.4f}.")
    require(close(wasserstein_1d(z.float(), (z + 1.5).float()), 1.5, tol=1e-4), "wasserstein_1d must work on float32 too.")
    passed("wasserstein_1d: the mean distance between sorted samples, 0 for a shuffle, the shift for a shift")


# ---- the critic's and the generator's losses --------------------------------------------------

@forbids(losses.critic_loss, losses.wgan_g_loss)
@isolated_rng
def check_wgan_losses(critic_loss, generator_loss) -> None:
    """critic_loss(real, fake) = E f(G(z)) - E f(x); generator_loss(fake) = -E f(G(z)); raw scores."""
    real, fake = REAL.clone().requires_grad_(), FAKE.clone().requires_grad_()
    got = scalar(critic_loss(real, fake), "critic_loss")
    want = FAKE.mean() - REAL.mean()
    bce = 0.5 * losses.d_loss(REAL, FAKE)
    mistakes = {
        "sigmoid left in the critic loss: the critic outputs a raw score f(x), and W1 = E f(x) - E f(G(z)) has no sigmoid":
            torch.sigmoid(FAKE).mean() - torch.sigmoid(REAL).mean(),
        "log left in the critic loss: this is the GAN's cross-entropy; the critic's loss is E f(G(z)) - E f(x), no log":
            losses.d_loss(REAL, FAKE),
        "log left in the critic loss (log of the raw scores): the critic's loss is E f(G(z)) - E f(x), no log": bce,
        "critic and generator signs swapped: the critic maximises E f(x) - E f(G(z)), so its loss (minimised) is "
        "E f(G(z)) - E f(x)": -want,
        "summed over the batch instead of averaged: use .mean()": 3 * want,
    }
    name_the_mistake(got, want, mistakes, f"critic_loss({REAL.tolist()}, {FAKE.tolist()}) should be {want:.4f} = "
                                          f"mean(fake) - mean(real), got {got.item():.4f}.")
    got.backward()
    require(real.grad is not None and close(real.grad, torch.full((3,), -1 / 3)),
            "the critic loss's gradient must be -1/N for every real score: do not detach or use .item().")
    require(close(critic_loss(REAL.view(-1, 1), FAKE.view(-1, 1)), want), "critic_loss must accept scores of shape (N, 1).")
    big = critic_loss(torch.tensor([1e4]), torch.tensor([-1e4]))
    require(close(big, -2e4), "critic_loss saturates on large scores: a critic's scores are unbounded, no sigmoid or clamp.")
    fake = FAKE.clone().requires_grad_()
    g = scalar(generator_loss(fake), "generator_loss")
    want_g = -FAKE.mean()
    g_mistakes = {
        "critic and generator signs swapped in generator_loss: G wants high critic scores on its samples, so it "
        "minimises -E f(G(z))": -want_g,
        "sigmoid left in generator_loss: G's loss is -E f(G(z)) on raw scores": -torch.sigmoid(FAKE).mean(),
        "log left in generator_loss: this is the non-saturating GAN loss; the WGAN generator loss is -E f(G(z))":
            losses.g_loss_nonsaturating(FAKE),
        "summed over the batch instead of averaged: use .mean()": 3 * want_g,
    }
    name_the_mistake(g, want_g, g_mistakes, f"generator_loss({FAKE.tolist()}) should be {want_g:.4f} = -mean(fake), "
                                            f"got {g.item():.4f}.")
    g.backward()
    require(fake.grad is not None and close(fake.grad, torch.full((3,), -1 / 3)),
            "generator_loss's gradient must be -1/N for every fake score: do not detach.")
    passed("critic_loss = E f(G(z)) - E f(x) and generator_loss = -E f(G(z)) on raw scores")


# ---- weight clipping ----------------------------------------------------------------------------

def _clip_net(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
    with torch.no_grad():
        for p in net.parameters():
            p.uniform_(-1, 1)
    return net


@forbids(training.clip_weights)
@isolated_rng
def check_clip_weights(clip_weights) -> None:
    """clip_weights(critic, c=0.01) clamps every parameter of the critic into [-c, c], in place."""
    net = _clip_net()
    before = [p.detach().clone() for p in net.parameters()]
    ids = [id(p) for p in net.parameters()]
    result = clip_weights(net, 0.3)
    require(result is None or result is net, "clip_weights changes the critic in place and returns nothing.")
    after = [p.detach() for p in net.parameters()]
    require([id(p) for p in net.parameters()] == ids, "clip_weights must clamp the existing parameters in place "
                                                      "(p.clamp_ under torch.no_grad()), not replace them.")
    if all(torch.equal(a, b) for a, b in zip(before, after)):
        raise CheckFailed("clip_weights did not change the critic's parameters: clamp them in place "
                          "(p.clamp_(-c, c) under torch.no_grad()), a clamped copy is thrown away.")
    for b, a in zip(before, after):
        if close(a, b.clamp(-0.3, 0.3)):
            continue
        if close(a, b * 0.3 / b.abs().max()):
            raise CheckFailed("weights rescaled instead of clipped: WGAN clamps each weight to [-c, c], leaving the "
                              "ones inside unchanged.")
        if close(a, b.clamp(0, 0.3)):
            raise CheckFailed("clipped to [0, c]: the interval is [-c, c].")
    w, bias = before[0], before[1]
    if not close(after[1], bias.clamp(-0.3, 0.3)) and close(after[0], w.clamp(-0.3, 0.3)):
        raise CheckFailed("only the weights were clipped: WGAN clips every parameter of the critic, biases too.")
    for b, a in zip(before, after):
        require(close(a, b.clamp(-0.3, 0.3)), "clip_weights(critic, c) must clamp every parameter to [-c, c] "
                                              "(the value c passed, not a constant).")
    require(all(p.requires_grad for p in net.parameters()), "the parameters must still require gradients after clipping.")
    net2 = _clip_net(1)
    clip_weights(net2)
    require(all(p.abs().max() <= 0.01 + 1e-9 for p in net2.parameters()), "the default c is 0.01 (Arjovsky et al.).")
    passed("clip_weights: every parameter clamped into [-c, c] in place, c = 0.01 by default")


# ---- the gradient penalty ---------------------------------------------------------------------

@forbids(losses.gradient_penalty)
@isolated_rng
def check_gradient_penalty(gradient_penalty) -> None:
    """gradient_penalty(critic, real, fake, lam=10) = lam E (|grad f(x_hat)|_2 - 1)^2, one eps per sample."""
    real, fake = nets.images(1), nets.images(2)
    # the norm over all non-batch dimensions: |w| = 0.5 over the 4 pixels of a (1, 2, 2) image
    w = torch.tensor([[[0.1, -0.3], [0.2, 0.3872983]]])
    lin = nets.LinearCritic(w)
    pen = scalar(gradient_penalty(lin, real, fake), "gradient_penalty")
    norm = w.flatten().norm()
    want = LAM * (norm - 1) ** 2
    mistakes = {
        "norm taken over the wrong axis: the gradient of one sample is a whole image, take its norm over every "
        "non-batch dimension (grad.flatten(1).norm(dim=1))": LAM * (w.abs() - 1).pow(2).mean(),
        "lambda not applied: the penalty is lam * E (|grad| - 1)^2, lam = 10": (norm - 1) ** 2,
        "squared norm: the penalty is (|grad|_2 - 1)^2, with the norm itself, not its square":
            LAM * (norm ** 2 - 1) ** 2,
        "the penalty is two-sided, (|grad| - 1)^2: it also pulls norms below 1 up (Gulrajani et al.)": torch.tensor(0.0),
        "(|grad| - 1) must be squared": LAM * (norm - 1).abs(),
    }
    name_the_mistake(pen, want, mistakes, f"gradient_penalty of a linear critic with |w| = 0.5 must be lam (|w| - 1)^2 = "
                                          f"{want.item():.4f}, got {pen.item():.4f}.")
    require(close(gradient_penalty(lin, real, fake, lam=2.0), 2 * (norm - 1) ** 2),
            "lam is ignored: gradient_penalty(..., lam=2) must weigh the penalty by 2.")
    flat = gradient_penalty(nets.LinearCritic(w.flatten()), real.flatten(1), fake.flatten(1))
    require(close(flat, want), "the penalty must work for data of any shape, toys' points (N, 2) as well as images: "
                               "eps of shape (N, 1, ..., 1), one 1 per non-batch dimension of the data.")
    if pen.grad_fn is None or not pen.requires_grad:
        raise CheckFailed("create_graph missing: without torch.autograd.grad(..., create_graph=True) the gradient is a "
                          "constant, and the penalty sends no gradient to the critic's weights (it does not train it).")
    (dw,) = torch.autograd.grad(pen, lin.w, allow_unused=True)
    want_dw = 2 * LAM * (norm - 1) * w / norm
    require(dw is not None and close(dw, want_dw), "create_graph missing: the penalty's gradient must reach the critic's "
                                                   "weights (torch.autograd.grad(..., create_graph=True)).")
    # where the penalty is taken: f = |x|^2 / 2 has grad x, so the critic sees x_hat
    quad = nets.QuadraticCritic()
    pen = scalar(gradient_penalty(quad, real, fake), "gradient_penalty")
    require(len(quad.inputs) >= 1, "the critic was never called on the interpolates.")
    x_hat = quad.inputs[-1]
    require(x_hat.shape == real.shape, f"x_hat must have the batch's shape {tuple(real.shape)}, got {tuple(x_hat.shape)}.")
    if torch.allclose(x_hat, real):
        raise CheckFailed("the penalty on real samples only: take it at x_hat = eps x + (1 - eps) x_tilde, "
                          "between real and fake samples.")
    if torch.allclose(x_hat, fake):
        raise CheckFailed("the penalty on fake samples only: take it at x_hat = eps x + (1 - eps) x_tilde, "
                          "between real and fake samples.")
    eps = nets.eps_of(x_hat, real, fake)
    require(bool(((eps > -1e-4) & (eps < 1 + 1e-4)).all()),
            "x_hat is not between the real and the fake samples: x_hat = eps x + (1 - eps) x_tilde with eps in [0, 1].")
    if eps.std(1).max() > 1e-4:
        raise CheckFailed("one eps per element: draw one eps per sample (shape (N, 1, 1, 1)), shared by all its pixels, "
                          "so x_hat lies on the line between a real and a fake image.")
    if eps[:, 0].std() < 1e-6:
        raise CheckFailed("one epsilon for the whole batch: draw one eps per sample (torch.rand(N, 1, 1, 1)), so the "
                          "interpolates spread along every line between real and fake.")
    want = LAM * (x_hat.flatten(1).norm(dim=1) - 1).pow(2).mean()
    if close(pen, LAM * (x_hat.flatten(1).norm(dim=1) - 1).pow(2).sum()):
        raise CheckFailed("summed over the batch instead of averaged: the penalty is lam * E (...), use .mean().")
    require(close(pen, want, tol=1e-4), f"gradient_penalty = {pen.item():.4f} where f = |x|^2/2 gives "
                                        f"{want.item():.4f} at the points the critic was called on.")
    gradient_penalty(quad, real, fake)
    require(not torch.allclose(quad.inputs[-1], x_hat), "eps must be drawn anew at every call (torch.rand).")
    passed("gradient_penalty: lam (|grad f(x_hat)| - 1)^2 at one interpolate per sample, differentiable")


# ---- the critic --------------------------------------------------------------------------------

@forbids(models.DCGANCritic)
@isolated_rng
def check_critic(Critic) -> None:
    """Critic() maps (N, 1, 28, 28) to raw scores (N, 1); each sample's score does not depend on the batch."""
    torch.manual_seed(0)
    critic = Critic()
    x = torch.rand(8, 1, 28, 28) * 2 - 1
    critic.train()
    out = critic(x)
    require(isinstance(out, torch.Tensor) and tuple(out.shape) == (8, 1),
            f"the critic must return one score per image, shape (8, 1), got {tuple(getattr(out, 'shape', ()))}.")
    if any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in critic.modules()):
        raise CheckFailed("BatchNorm in a penalised critic: it makes f(x) depend on the rest of the batch, while the "
                          "penalty bounds the gradient of f at each x on its own; use nn.GroupNorm(1, C) (layer norm) or none.")
    alone = torch.cat([critic(x[i:i + 1]) for i in range(len(x))])
    require(torch.allclose(alone, out, atol=1e-5), "a sample's score changes with the rest of the batch: the critic must "
                                                   "score each image on its own (no batch statistics).")
    order = []
    hooks = [m.register_forward_hook(lambda m, i, o: order.append(m)) for m in critic.modules() if not list(m.children())]
    try:
        critic(x)
        layers = [m for m in order if any(True for _ in m.parameters())]
        require(bool(layers), "the critic has no layers with weights.")
        scaled = copy.deepcopy(critic)
        last = dict(zip(critic.modules(), scaled.modules()))[layers[-1]]
        with torch.no_grad():
            for p in last.parameters():
                p.mul_(1000)
        big = scaled(x)
    finally:
        for h in hooks:
            h.remove()
    if isinstance(order[-1], (nn.Sigmoid, nn.Tanh)) or big.abs().max() <= 1 + 1e-6:
        raise CheckFailed("the critic's output is squashed (a sigmoid or tanh at the end): a critic returns a raw, "
                          "unbounded score; end on a linear layer.")
    n = sum(p.numel() for p in critic.parameters())
    wanted = {norm: models.DCGANCritic(norm=norm) for norm in ("layer", "none")}
    counts = {norm: models.count_parameters(net) for norm, net in wanted.items()}
    require(n in counts.values(), f"expected the DCGAN critic's layers (conv 1->32, conv 32->64, layer norm or none, "
                                  f"linear 3136->1: {counts['layer']:,} or {counts['none']:,} parameters), found {n:,}.")
    reference = wanted["layer" if n == counts["layer"] else "none"]
    # the reference's layers run directly: a call of the kit's forward from torch would count as the answer's
    require_layers_of(critic, reference, lambda net: net(x), "conv, LeakyReLU(0.2), conv, layer norm, LeakyReLU(0.2), linear",
                      call_reference=lambda net: net.net(x))
    passed("Critic: raw scores (N, 1), each image scored on its own, no BatchNorm")


# ---- one WGAN iteration -----------------------------------------------------------------------

# the notebook's names for the pieces an iteration calls, and the kit's versions of them
HELPERS = {"critic_loss": losses.critic_loss, "generator_loss": losses.wgan_g_loss,
           "gradient_penalty": losses.gradient_penalty, "clip_weights": training.clip_weights}


@forbids(training.wgan_iteration)
@isolated_rng
def check_wgan_iteration(wgan_iteration) -> None:
    """wgan_iteration(G, critic, opt_G, opt_C, real_batches, sample_z, lam=10, clip=None): n_critic critic steps
    (penalty with lam, clipping after each step with clip), then one G step. Run with the kit's losses,
    penalty and clipping in place of the notebook's (kit_helpers)."""
    with kit_helpers(wgan_iteration, HELPERS):
        _check_wgan_iteration(wgan_iteration)


def _check_wgan_iteration(wgan_iteration) -> None:
    def reference(n, **kw):
        G, critic, batches, zs = nets.setup(n)
        out, _ = nets.run(training.wgan_iteration, G, critic, batches, zs, nets.Log(), **kw)
        return G, critic, out

    for kw, what in (({"lam": LAM, "clip": None}, "WGAN-GP"), ({"lam": None, "clip": 0.25}, "WGAN with clipping")):
        G, critic, batches, zs = nets.setup(3)
        log = nets.Log()
        out, calls = nets.run(wgan_iteration, G, critic, batches, zs, log, **kw)
        require(isinstance(out, dict), f"wgan_iteration must return a dict of floats, got {type(out).__name__}.")
        steps = [e for e in log if e.endswith(".step")]
        n_c = steps.count("critic.step")
        if n_c == 1:
            raise CheckFailed("n_critic ignored: one critic step per real batch, len(real_batches) (n_critic = 5) of "
                              "them before each G step.")
        if n_c == 4:
            raise CheckFailed("the generator step also steps the critic: after G's backward only opt_G.step() runs; "
                              "the critic's gradients from it are cleared by its next zero_grad.")
        require(n_c == 3, f"{what}: expected 3 critic steps for 3 real batches, saw {n_c}.")
        require(steps.count("G.step") == 1, f"{what}: expected one G step, saw {steps.count('G.step')}.")
        require(steps[-1] == "G.step", "the G step comes after the critic's steps.")
        require(len(calls) >= 4, "fresh noise for every critic step and for the G step: call sample_z each time.")
        if "G has gradients" in log:
            raise CheckFailed("fakes not detached in the critic's step: its backward runs through G as well (wasted "
                              "work, G's .grad filled); use G(z).detach() for the critic.")
        G_ref, critic_ref, ref_out = reference(3, **kw)
        if kw["clip"] is not None:  # as G steps: the critic clipped after its last step, G left alone
            c = kw["clip"] + 1e-7
            _, g_largest, critic_largest = [entry for entry in log.largest if entry[0] == "G"][-1]
            if g_largest <= c and critic_largest > c:
                raise CheckFailed("clipping applied to G: clip the critic's weights, the generator is not constrained.")
            if critic_largest > c:
                raise CheckFailed("clipping before the optimizer step: the step pushes the weights out of [-c, c] again; "
                                  "clip after opt_C.step().")
        ref_c, got_c = nets.params(critic_ref), nets.params(critic)
        if not nets.same(got_c, ref_c):
            if kw["lam"]:
                _, critic_np, _ = reference(3, lam=None, clip=None)
                if nets.same(got_c, nets.params(critic_np)):
                    raise CheckFailed("the gradient penalty is not added to the critic's loss when lam is given.")
            raise CheckFailed(f"{what}: the critic's weights after the iteration differ from the reference's: each critic "
                              "step is zero_grad, critic_loss(+ penalty), backward, step (then clip); check zero_grad "
                              "before each backward.")
        require(nets.same(nets.params(G), nets.params(G_ref)), f"{what}: G's weights after the iteration differ from the reference's: "
                                                   "G descends generator_loss(critic(G(z))) with fresh noise, one step, "
                                                   "as many samples as the last real batch.")
        for key, value in ref_out.items():
            require(key in out and close(out[key], value, tol=1e-4),
                    f"{what}: the returned {key} is {out.get(key)}, expected {value:.5f} (d_loss: the critic's last loss "
                    "with the penalty; d_real / d_fake: the last critic step's mean scores; w_estimate: their difference).")
    passed("wgan_iteration: n_critic critic steps (penalty or clipping after the step), then one G step")
