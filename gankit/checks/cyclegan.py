"""Checks for Lab 5, CycleGAN. Each names the typical mistake it finds.

The generator-loss and training-step checks run on stand-in nets (one scale and shift each, so every
wrong wiring gives its own number) and record which images each net and pool was shown.
"""
from __future__ import annotations

import torch
from torch import nn

from gankit import cyclegan, losses
from gankit.checks import CheckFailed, close, forbids, isolated_rng, passed, require, scalar

LAM = 10.0


def _maps(seed: int, shape=(3, 1, 4, 4)) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed)) * 0.8 + 0.2


@forbids(losses.lsgan_d_loss, losses.lsgan_g_loss)
@isolated_rng
def check_lsgan_losses(lsgan_d_loss, lsgan_g_loss) -> None:
    """lsgan_d_loss = 1/2 [mean (D(y) - 1)^2 + mean D(G(x))^2], lsgan_g_loss = mean (D(G(x)) - 1)^2."""
    real, fake = _maps(1), _maps(2)
    d = scalar(lsgan_d_loss(real, fake), "lsgan_d_loss")
    want = 0.5 * ((real - 1).pow(2).mean() + fake.pow(2).mean())
    if close(d, 0.5 * (real.pow(2).mean() + (fake - 1).pow(2).mean())):
        raise CheckFailed("LSGAN targets swapped: D's outputs on real images go to 1 and on fakes to 0.")
    if close(d, 2 * want):
        raise CheckFailed("lsgan_d_loss is twice the reference's: the D loss is halved, 1/2 (real term + fake term).")
    if close(d, -0.5 * (torch.nn.functional.logsigmoid(real).mean() + torch.nn.functional.logsigmoid(-fake).mean())):
        raise CheckFailed("this is the log loss: LSGAN uses squared errors on D's raw outputs, (D(y) - 1)^2 and D(G(x))^2.")
    require(close(d, want), f"lsgan_d_loss = {d.item():.5f}, expected {want.item():.5f} = "
                            "1/2 [mean (D(y) - 1)^2 + mean D(G(x))^2].")
    g = scalar(lsgan_g_loss(fake), "lsgan_g_loss")
    want_g = (fake - 1).pow(2).mean()
    if close(g, fake.pow(2).mean()) or close(g, -fake.pow(2).mean()):
        raise CheckFailed("LSGAN targets swapped in lsgan_g_loss: G wants D's outputs on its fakes at 1 (real).")
    require(close(g, want_g), f"lsgan_g_loss = {g.item():.5f}, expected {want_g.item():.5f} = mean (D(G(x)) - 1)^2.")
    passed("lsgan_d_loss / lsgan_g_loss: squared distances to the targets 1 (real) and 0 (fake)")


@forbids(losses.cycle_loss)
@isolated_rng
def check_cycle_loss(cycle_loss) -> None:
    """cycle_loss(real, reconstructed, lam=10) = lam * mean |reconstructed - real|."""
    real, rec = torch.tanh(_maps(3)), torch.tanh(_maps(4))
    loss = scalar(cycle_loss(real, rec), "cycle_loss")
    l1 = (rec - real).abs().mean()
    if close(loss, LAM * (rec - real).pow(2).mean()) or close(loss, (rec - real).pow(2).mean()):
        raise CheckFailed("cycle loss with L2: the paper's cycle-consistency loss is the L1 distance |F(G(x)) - x|.")
    if close(loss, l1):
        raise CheckFailed("lambda not applied to the cycle loss: multiply the L1 distance by lam (10 by default).")
    require(close(loss, LAM * l1), f"cycle_loss = {loss.item():.5f}, expected {(LAM * l1).item():.5f} = 10 mean |F(G(x)) - x|.")
    require(close(cycle_loss(real, rec, lam=3.0), 3 * l1), "lam is ignored: cycle_loss(..., lam=3) must weigh it by 3.")
    passed("cycle_loss: lambda * L1 between the input and its round trip")


@forbids(losses.identity_loss)
@isolated_rng
def check_identity_loss(identity_loss) -> None:
    """identity_loss(real, same, lam=10) = 0.5 * lam * mean |same - real|."""
    real, same = torch.tanh(_maps(5)), torch.tanh(_maps(6))
    loss = scalar(identity_loss(real, same), "identity_loss")
    l1 = (same - real).abs().mean()
    if close(loss, LAM * l1):
        raise CheckFailed("identity weight is 0.5 lambda in the reference, not lambda: 0.5 * lam * mean |G(y) - y|.")
    if close(loss, 0.5 * LAM * (same - real).pow(2).mean()):
        raise CheckFailed("identity loss with L2: use the L1 distance |G(y) - y|.")
    require(close(loss, 0.5 * LAM * l1), f"identity_loss = {loss.item():.5f}, expected {(0.5 * LAM * l1).item():.5f}.")
    require(close(identity_loss(real, same, lam=4.0), 2 * l1), "lam is ignored: identity_loss(..., lam=4) is 2 mean |G(y) - y|.")
    passed("identity_loss: 0.5 * lambda * L1 between y and G(y)")


class _Affine(nn.Module):
    """A stand-in net: tanh(a x + b) for a generator, a x + b (a patch map) for a discriminator."""

    def __init__(self, a: float, b: float, squash: bool, name: str):
        super().__init__()
        self.a, self.b = nn.Parameter(torch.tensor(a)), nn.Parameter(torch.tensor(b))
        self.squash, self.name, self.inputs = squash, name, []

    def forward(self, x):
        self.inputs.append(x)
        out = self.a * x + self.b
        return torch.tanh(out) if self.squash else out


def _nets():
    return (_Affine(0.9, 0.3, True, "G"), _Affine(1.1, -0.2, True, "F"),
            _Affine(0.7, 0.1, False, "D_X"), _Affine(-0.6, 0.4, False, "D_Y"))


def _reference_parts(G, F, D_X, D_Y, x, y, lam=LAM):
    fake_y, fake_x = G(x), F(y)
    l1 = lambda a, b: (a - b).abs().mean()  # noqa: E731
    adv = (D_Y(fake_y) - 1).pow(2).mean() + (D_X(fake_x) - 1).pow(2).mean()
    cyc = lam * (l1(F(fake_y), x) + l1(G(fake_x), y))
    idt = 0.5 * lam * (l1(G(y), y) + l1(F(x), x))
    swapped_d = (D_X(fake_y) - 1).pow(2).mean() + (D_Y(fake_x) - 1).pow(2).mean()
    wrong_idt = 0.5 * lam * (l1(F(y), y) + l1(G(x), x))
    return adv, cyc, idt, swapped_d, wrong_idt, fake_y, fake_x


@forbids(cyclegan.generator_loss)
@isolated_rng
def check_generator_loss(generator_loss) -> None:
    """generator_loss(G, F, D_X, D_Y, x, y, lam) -> (loss, parts, (G(x), F(y)))."""
    x, y = torch.tanh(_maps(7)), torch.tanh(_maps(8))
    G, F, D_X, D_Y = nets = _nets()
    out = generator_loss(G, F, D_X, D_Y, x, y)
    require(isinstance(out, tuple) and len(out) == 3, "generator_loss must return (loss, parts, (fake_y, fake_x)).")
    loss, parts, fakes = out
    loss = scalar(loss, "generator_loss")
    require(isinstance(parts, dict), f"parts must be a dict of floats, got {type(parts).__name__}.")
    with torch.no_grad():
        adv, cyc, idt, swapped_d, wrong_idt, fake_y, fake_x = _reference_parts(*nets, x, y)
    if close(loss, adv + cyc):
        raise CheckFailed("identity term missing: add 0.5 lambda (|G(y) - y| + |F(x) - x|).")
    if close(loss, adv + cyc + wrong_idt):
        raise CheckFailed("identity term applied to the wrong generator: G maps X to Y, so it is G that should leave "
                          "an image y of Y unchanged (G(y) ~ y), and F an image x of X (F(x) ~ x).")
    if close(loss, LAM * adv + cyc + idt):
        raise CheckFailed("lambda applied to the adversarial term: lambda weighs the cycle (and identity) terms only.")
    if close(loss, swapped_d + cyc + idt):
        raise CheckFailed("discriminators swapped: G's outputs G(x) are images of Y, judged by D_Y; F(y) by D_X.")
    require(close(loss, adv + cyc + idt, 1e-4), f"generator_loss = {loss.item():.5f}, expected "
                                                f"{(adv + cyc + idt).item():.5f} = adversarial {adv.item():.4f} + cycle "
                                                f"{cyc.item():.4f} + identity {idt.item():.4f}.")
    require(isinstance(fakes, tuple) and len(fakes) == 2 and all(isinstance(f, torch.Tensor) for f in fakes),
            "the third value must be the pair (G(x), F(y)) for the discriminators' step.")
    require(close(fakes[0].detach(), fake_y) and close(fakes[1].detach(), fake_x),
            "the fakes returned must be (G(x), F(y)), in that order.")
    loss.backward()
    require(all(p.grad is not None and p.grad.abs().sum() > 0 for net in (G, F) for p in net.parameters()),
            "the loss sends no gradient to one of the generators: do not detach inside generator_loss.")
    passed(f"generator_loss: adversarial {adv.item():.3f} + cycle {cyc.item():.3f} + identity {idt.item():.3f}")


@forbids(cyclegan.ImagePool)
@isolated_rng
def check_image_pool(ImagePool) -> None:
    """ImagePool(size).query(images): fills, then swaps stored fakes in for about half of each batch."""
    torch.manual_seed(0)
    pool = ImagePool(4)
    first = torch.arange(3.0).view(3, 1, 1, 1).expand(3, 1, 2, 2).clone()
    out = pool.query(first)
    require(isinstance(out, torch.Tensor) and out.shape == first.shape, "query must return a batch of the input's shape.")
    require(torch.equal(out, first), "while the pool is not full, query returns the new images themselves.")
    seen_old, stored = 0, [float(i) for i in range(3)]
    for batch in range(1, 40):
        new = (10.0 * batch + torch.arange(3.0)).view(3, 1, 1, 1).expand(3, 1, 2, 2).clone()
        out = pool.query(new)
        require(out.shape == new.shape, "query must return as many images as it was given.")
        values = out[:, 0, 0, 0].tolist()
        unknown = [v for v in values if v not in stored and v not in new[:, 0, 0, 0].tolist()]
        require(not unknown, f"query returned images it was never given: {unknown}.")
        seen_old += sum(v not in new[:, 0, 0, 0].tolist() for v in values)
        stored += new[:, 0, 0, 0].tolist()
    if seen_old == 0:
        raise CheckFailed("the pool returns only the new images: once full, each image should be swapped for a "
                          "stored one with probability 1/2, so D also sees fakes from earlier generators.")
    require(0.25 < seen_old / (39 * 3) < 0.75, f"{seen_old} of {39 * 3} returned images were old ones: with a full "
                                                "pool it should be about half.")
    images = getattr(pool, "images", None)
    require(images is None or len(images) <= 4, "the pool grew past its size: replace stored images, do not append.")
    zero = ImagePool(0).query(first)
    require(torch.equal(zero, first), "ImagePool(0) must return the new images (no pool).")
    passed(f"ImagePool: {seen_old} of {39 * 3} returned images came from the history")


class _GradSnapSGD(torch.optim.SGD):
    """SGD that logs its steps and keeps a copy of the gradients it stepped with."""

    def __init__(self, params, name: str, log: list):
        super().__init__(params, lr=0.05)
        self.name, self.log, self.stepped_with = name, log, None

    def step(self, closure=None):
        self.log.append(f"{self.name}.step")
        self.stepped_with = [None if p.grad is None else p.grad.clone() for g in self.param_groups for p in g["params"]]
        return super().step(closure)

    def zero_grad(self, set_to_none: bool = True):
        self.log.append(f"{self.name}.zero_grad")
        return super().zero_grad(set_to_none)


class _RecordingPool:
    """Returns its input shifted by 0.01, gradient and all (so D's input shows whether the pool's output
    was used, and a missing detach shows as gradient in G, as with a pool of size 0)."""

    def __init__(self):
        self.given, self.returned = [], []

    def query(self, images):
        self.given.append(images)
        self.returned.append(images + 0.01)
        return self.returned[-1]


def _shown(net: _Affine, images: torch.Tensor) -> bool:
    return any(x.shape == images.shape and torch.allclose(x.detach(), images.detach(), atol=1e-6) for x in net.inputs)


@forbids(cyclegan.iteration)
@isolated_rng
def check_train_step(train_step) -> None:
    """train_step(G, F, D_X, D_Y, opt_G, opt_D, x, y, pool_x, pool_y, lam): the generators' step, then
    the discriminators' on real images and pooled, detached fakes."""
    x, y = torch.tanh(_maps(9)), torch.tanh(_maps(10))
    G, F, D_X, D_Y = nets = _nets()
    before = [[p.detach().clone() for p in net.parameters()] for net in nets]
    with torch.no_grad():
        fake_y, fake_x = G(x), F(y)
    for net in nets:
        net.inputs.clear()
    log = []
    opt_G = _GradSnapSGD(list(G.parameters()) + list(F.parameters()), "G", log)
    opt_D = _GradSnapSGD(list(D_X.parameters()) + list(D_Y.parameters()), "D", log)
    pool_x, pool_y = _RecordingPool(), _RecordingPool()
    try:
        stats = train_step(G, F, D_X, D_Y, opt_G, opt_D, x, y, pool_x, pool_y, LAM)
    except RuntimeError as e:
        if "backward through the graph a second time" not in str(e):
            raise
        raise CheckFailed("D trained on fakes without detach: the discriminators' loss backpropagated into G and F "
                          "through a graph the generators' step had already used; query the pools with "
                          "fake.detach().") from None
    require(isinstance(stats, dict), f"train_step must return a dict of floats, got {type(stats).__name__}.")
    require(log.count("G.step") == 1 and log.count("D.step") == 1,
            f"expected one step of each optimizer, saw {[e for e in log if e.endswith('step')]}.")
    for name in ("G", "D"):
        i = log.index(f"{name}.step")
        require(f"{name}.zero_grad" in log[:i], f"no zero_grad before {name}'s step: gradients add up across iterations.")
    moved = [not all(torch.equal(a, b) for a, b in zip(old, net.parameters())) for old, net in zip(before, nets)]
    require(all(moved), f"{[n.name for n, m in zip(nets, moved) if not m]} did not move: step both generators "
                        "and both discriminators.")
    now = [p.grad for p in list(G.parameters()) + list(F.parameters())]
    if any(a is not None and (b is None or not torch.allclose(a, b)) for a, b in zip(now, opt_G.stepped_with)):
        raise CheckFailed("D trained on fakes without detach: the discriminators' loss sent gradients into G and F; "
                          "query the pools with fake.detach().")
    require(pool_y.given and pool_x.given, "the pools are not used: pass the fakes through pool_y.query (G(x)) and "
                                           "pool_x.query (F(y)) before D sees them.")
    if close(pool_y.given[0].detach(), fake_x) or close(pool_x.given[0].detach(), fake_y):
        raise CheckFailed("pools swapped: pool_y keeps fakes of Y (G(x)) for D_Y; pool_x keeps F(y) for D_X.")
    require(_shown(D_Y, pool_y.returned[0]) and _shown(D_X, pool_x.returned[0]),
            "the discriminators must judge what the pools return (a mix of new and stored fakes), not the new fakes.")
    require(_shown(D_X, x) and _shown(D_Y, y), "each discriminator must also see real images of its domain: D_X(x), D_Y(y).")
    # The two steps' gradients must be those of the notebook's own losses (whatever they compute: their
    # exercises grade them) called as the reference calls them, at the weights each step started from.
    names = train_step.__globals__
    d_loss_of = names.get("lsgan_d_loss", losses.lsgan_d_loss)
    for i, (net, real, fake) in enumerate(((D_X, x, pool_x.returned[0]), (D_Y, y, pool_y.returned[0]))):
        a, b = (w.clone().requires_grad_(True) for w in before[2 + i])
        want = torch.stack(torch.autograd.grad(d_loss_of(a * real + b, a * fake.detach() + b), (a, b)))
        got = torch.stack([g if g is not None else torch.zeros(()) for g in opt_D.stepped_with[2 * i: 2 * i + 2]])
        if float(got @ want) < 0:
            raise CheckFailed(f"{net.name} ascends its own loss: the discriminators' losses were combined with a minus "
                              "sign; add them, lsgan_d_loss(D_Y(y), D_Y(fake y)) + lsgan_d_loss(D_X(x), D_X(fake x)), "
                              "so that each discriminator descends its own.")
        swapped = torch.stack(torch.autograd.grad(d_loss_of(a * fake.detach() + b, a * real + b), (a, b)))
        if torch.allclose(got, swapped, atol=1e-6) and not torch.allclose(got, want, atol=1e-6):
            raise CheckFailed(f"real and fake swapped in {net.name}'s loss: lsgan_d_loss(real_out, fake_out) takes "
                              f"{net.name} on real images first, then on the pooled fakes.")
        require(torch.allclose(got, want, atol=1e-6),
                f"{net.name}'s step differs from lsgan_d_loss({net.name}(real), {net.name}(pooled fake)) descended.")
    g_loss_of = names.get("generator_loss")
    if g_loss_of is not None:
        nets_then = [_Affine(float(w[0]), float(w[1]), net.squash, net.name) for w, net in zip(before, nets)]
        want_g = torch.autograd.grad(g_loss_of(*nets_then, x, y, LAM)[0],
                                     [p for n in nets_then[:2] for p in n.parameters()])
        got_g = [g if g is not None else torch.zeros(()) for g in opt_G.stepped_with]
        require(all(torch.allclose(a, b, atol=1e-5) for a, b in zip(got_g, want_g)),
                "the generators' step is not generator_loss(G, F, D_X, D_Y, x, y, lam) descended: check the order "
                "of the nets passed to it (G: X -> Y, F: Y -> X, D_X judges X, D_Y judges Y).")
    passed("train_step: generators stepped, then discriminators on real images and pooled, detached fakes")
