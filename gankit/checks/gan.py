"""Checks shared by the labs that build GANs: the losses and one iteration of Algorithm 1."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gankit import losses, training
from gankit.checks import CheckFailed, close, forbids, isolated_rng, name_the_mistake, passed, require, scalar


# Fixed logits for the loss checks: both signs, a zero, and a batch size (3) that tells sums from means.
REAL = torch.tensor([2.0, -1.0, 0.5])
FAKE = torch.tensor([-2.0, 1.0, 0.0])


def _mean_bce(logits, target_is_real: bool):
    return -F.logsigmoid(logits if target_is_real else -logits).mean()


@forbids(losses.d_loss)
@isolated_rng
def check_d_loss(d_loss) -> None:
    """d_loss(real_logits, fake_logits) = -1/2 E log D(x) - 1/2 E log(1 - D(G(z))), stable on logits."""
    real, fake = REAL.clone().requires_grad_(), FAKE.clone().requires_grad_()
    got = scalar(d_loss(real, fake), "d_loss")
    want = 0.5 * _mean_bce(REAL, True) + 0.5 * _mean_bce(FAKE, False)
    mistakes = {
        "real and fake labels swapped: D must say 1 (real) for data and 0 (fake) for G's samples":
            0.5 * _mean_bce(REAL, False) + 0.5 * _mean_bce(FAKE, True),
        "sigmoid applied before a loss on logits: the inputs are already logits; use "
        "F.binary_cross_entropy_with_logits or F.logsigmoid on them directly":
            0.5 * _mean_bce(torch.sigmoid(REAL), True) + 0.5 * _mean_bce(torch.sigmoid(FAKE), False),
        "the factor 1/2 is missing: J(D) = -1/2 E log D(x) - 1/2 E log(1 - D(G(z)))": 2 * want,
        "sign flipped: J(D) is a cost to minimise, the negative log-likelihood (it is positive)": -want,
        "this is the value V(D, G), which D maximises; the loss is the cost J(D) = -V/2": -2 * want,
        "summed over the batch instead of averaged: use .mean()": 3 * want,
    }
    name_the_mistake(got, want, mistakes, f"wrong value: d_loss({REAL.tolist()}, {FAKE.tolist()}) should be {want:.4f}, "
                                          f"got {got.item():.4f}.")
    got.backward()
    require(real.grad is not None and fake.grad is not None, "no gradient reaches the logits: do not detach or use .item().")
    require(close(d_loss(REAL.view(-1, 1), FAKE.view(-1, 1)), want), "d_loss must accept logits of shape (N, 1) as D returns them.")
    extreme = d_loss(torch.tensor([-100.0, 100.0]), torch.tensor([100.0, -100.0]))
    require(bool(torch.isfinite(extreme)) and close(extreme, 50.0, tol=1e-3),
            f"numerically unstable: with logits of +-100 d_loss gave {extreme.item()} instead of 50.0; log(sigmoid(x)) "
            "underflows to log(0), use F.logsigmoid or F.binary_cross_entropy_with_logits.")
    passed("d_loss matches J(D) on logits, batch-averaged and stable")


@forbids(losses.g_loss_minimax, losses.g_loss_nonsaturating)
@isolated_rng
def check_g_losses(g_loss_minimax, g_loss_nonsaturating) -> None:
    """Minimax 1/2 E log(1 - D(G(z))) and non-saturating -1/2 E log D(G(z)), both on logits."""
    mm_want, ns_want = -0.5 * _mean_bce(FAKE, False), 0.5 * _mean_bce(FAKE, True)
    mm = scalar(g_loss_minimax(FAKE.clone()), "g_loss_minimax")
    ns = scalar(g_loss_nonsaturating(FAKE.clone()), "g_loss_nonsaturating")
    common = {
        "sigmoid applied before a loss on logits: the inputs are already logits": None,
        "the factor 1/2 is missing": 2,
        "summed over the batch instead of averaged: use .mean()": 3,
    }
    if not close(ns, ns_want):
        if close(ns, mm_want):
            raise CheckFailed("g_loss_nonsaturating is the minimax loss 1/2 E log(1 - D(G(z))); the non-saturating "
                              "cost is -1/2 E log D(G(z)): G maximises the log-probability that D is fooled.")
        if close(ns, -ns_want):
            raise CheckFailed("g_loss_nonsaturating: sign flipped; it is -1/2 E log D(G(z)), positive, minimised by G.")
        if close(ns, 0.5 * _mean_bce(FAKE, False)):
            raise CheckFailed("g_loss_nonsaturating uses the fake label: G's cost treats its samples as real "
                              "(target 1), i.e. -log D(G(z)).")
        for mistake, factor in common.items():
            value = 0.5 * _mean_bce(torch.sigmoid(FAKE), True) if factor is None else factor * ns_want
            if close(ns, value):
                raise CheckFailed(f"g_loss_nonsaturating: {mistake}.")
        raise CheckFailed(f"g_loss_nonsaturating({FAKE.tolist()}) should be {ns_want:.4f}, got {ns.item():.4f}.")
    if not close(mm, mm_want):
        if close(mm, -mm_want):
            raise CheckFailed("g_loss_minimax: sign flipped; G minimises +1/2 E log(1 - D(G(z))) (= -J(D) without the "
                              "real term), a negative number.")
        if close(mm, ns_want):
            raise CheckFailed("g_loss_minimax is the non-saturating loss; the minimax one is 1/2 E log(1 - D(G(z))).")
        for mistake, factor in common.items():
            value = -0.5 * _mean_bce(torch.sigmoid(FAKE), False) if factor is None else factor * mm_want
            if close(mm, value):
                raise CheckFailed(f"g_loss_minimax: {mistake}.")
        raise CheckFailed(f"g_loss_minimax({FAKE.tolist()}) should be {mm_want:.4f}, got {mm.item():.4f}.")
    for fn, logit, want, name in ((g_loss_nonsaturating, -100.0, 50.0, "g_loss_nonsaturating"),
                                  (g_loss_minimax, 100.0, -50.0, "g_loss_minimax")):
        v = fn(torch.tensor([logit]))
        require(bool(torch.isfinite(v)) and close(v, want, tol=1e-3),
                f"{name} is numerically unstable: at logit {logit:+.0f} it gave {v.item()} instead of {want}; "
                "use F.logsigmoid, not log(sigmoid(x)).")
    # Where D rejects fakes confidently (logit -6, D(G(z)) ~ 0.0025) the minimax gradient has all but vanished.
    a = torch.tensor([-6.0], requires_grad=True)
    (g_mm,) = torch.autograd.grad(g_loss_minimax(a), a)
    b = torch.tensor([-6.0], requires_grad=True)
    (g_ns,) = torch.autograd.grad(g_loss_nonsaturating(b), b)
    require(g_ns.abs() > 100 * g_mm.abs(), "the non-saturating gradient should dwarf the minimax one where D(G(z)) -> 0.")
    passed("g_loss_minimax and g_loss_nonsaturating match the lecture's costs on logits")


class _LoggedSGD(torch.optim.SGD):
    """Plain SGD that writes every step and zero_grad into a shared log."""

    def __init__(self, params, name: str, log: list):
        super().__init__(params, lr=0.1)
        self.name, self.log = name, log

    def step(self, closure=None):
        self.log.append(f"{self.name}.step")
        return super().step(closure)

    def zero_grad(self, set_to_none: bool = True):
        self.log.append(f"{self.name}.zero_grad")
        return super().zero_grad(set_to_none)


class _ToyG(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 5))

    def forward(self, z):
        return self.net(z)


class _ToyD(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(5, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))

    def forward(self, x):
        return self.net(x)


def _run_iteration(fn, k: int, m: int, prefill: float | None, seed: int = 0):
    """Run `fn` on toy nets with logged optimisers; return everything the checks look at."""
    torch.manual_seed(seed)
    G, D = _ToyG(), _ToyD()
    real_batches = [torch.randn(m, 5) + 2 for _ in range(k)]
    log, z_sizes, loss_calls, g_backward = [], [], {"d": 0, "g": 0}, [0]
    opt_G, opt_D = _LoggedSGD(G.parameters(), "G", log), _LoggedSGD(D.parameters(), "D", log)
    if prefill is not None:  # stale gradients from "an earlier iteration"
        for p in list(G.parameters()) + list(D.parameters()):
            p.grad = torch.full_like(p, prefill)
    next(G.parameters()).register_hook(lambda g: g_backward.__setitem__(0, g_backward[0] + 1))
    noise = torch.Generator().manual_seed(seed + 1)

    def sample_z(n):
        z_sizes.append(n)
        return torch.randn(n, 3, generator=noise)

    def d_loss_fn(r, f):
        loss_calls["d"] += 1
        return losses.d_loss(r, f)

    def g_loss_fn(f):
        loss_calls["g"] += 1
        return losses.g_loss_nonsaturating(f)

    stats = fn(G, D, opt_G, opt_D, real_batches, sample_z, d_loss_fn, g_loss_fn)
    return dict(G=G, D=D, stats=stats, log=log, z_sizes=z_sizes, loss_calls=loss_calls, g_backward=g_backward[0])


def _same_params(a: nn.Module, b: nn.Module) -> bool:
    return all(torch.allclose(p, q, atol=1e-6) for p, q in zip(a.parameters(), b.parameters()))


@forbids(training.train_iteration)
@isolated_rng
def check_train_iteration(train_iteration) -> None:
    """train_iteration(G, D, opt_G, opt_D, real_batches, sample_z, d_loss_fn, g_loss_fn): Algorithm 1, once."""
    _check_iteration(train_iteration, "train_iteration")


def _samplers_from_batches(algorithm1_iteration, drawn: list):
    """Adapt algorithm1_iteration(G, D, opt_G, opt_D, sample_data, sample_z, k, m, ...) to the
    train_iteration signature: sample_data hands out the given minibatches in order, then fresh ones."""
    def call(G, D, opt_G, opt_D, real_batches, sample_z, d_loss_fn, g_loss_fn):
        queue, extra = list(real_batches), torch.Generator().manual_seed(99)

        def sample_data(n):
            drawn.append(n)
            return queue.pop(0) if queue and n == len(queue[0]) else torch.randn(n, 5, generator=extra) + 2

        return algorithm1_iteration(G, D, opt_G, opt_D, sample_data, sample_z, len(real_batches), len(real_batches[0]),
                                    d_loss_fn, g_loss_fn)
    return call


@forbids(training.algorithm1_iteration)
@isolated_rng
def check_algorithm1(algorithm1_iteration) -> None:
    """algorithm1_iteration(G, D, opt_G, opt_D, sample_data, sample_z, k, m, d_loss_fn, g_loss_fn)."""
    k, m, drawn = 3, 6, []
    run = _run_iteration(_samplers_from_batches(algorithm1_iteration, drawn), k, m, prefill=None)
    n_d = run["log"].count("D.step")
    require(n_d >= k, f"k ignored: with k = {k}, D must take {k} steps per iteration, it took {n_d}.")
    require(len(drawn) >= k, f"the same data minibatch for every D step: Algorithm 1 samples m fresh examples "
                             f"for each of the k D steps (k = {k}, sample_data called {len(drawn)} times).")
    require(all(n == m for n in drawn), f"wrong minibatch size: sample_data(m) with m = {m}, saw sizes {drawn}.")
    _check_iteration(_samplers_from_batches(algorithm1_iteration, []), "algorithm1_iteration", k=k, m=m)


def _check_iteration(fn, name: str, k: int = 2, m: int = 6) -> None:
    # m differs from the toy data's width (5) and z's (3): noise drawn with real.shape[1] shows
    ref = _run_iteration(training.train_iteration, k, m, prefill=None)
    got = _run_iteration(fn, k, m, prefill=None)
    stats = got["stats"]
    require(isinstance(stats, dict) and {"d_loss", "g_loss", "d_real", "d_fake"} <= set(stats),
            f"{name} must return a dict with the keys d_loss, g_loss, d_real and d_fake.")
    steps = [e for e in got["log"] if e.endswith(".step")]
    n_d, n_g = steps.count("D.step"), steps.count("G.step")
    require(n_g >= 1, "G never steps: finish the iteration with opt_G.step().")
    require(n_d != k + 1,
            "the G step also stepped D: in G's step only opt_G.step() is called (D stays fixed while G moves).")
    require(n_d == k, f"k ignored: with k = {k}, D must take {k} steps, it took {n_d}.")
    require(n_g == 1, f"G must take exactly one step per iteration, it took {n_g}.")
    require(steps == ["D.step"] * k + ["G.step"], f"wrong order {steps}: first the k D steps, then one G step.")
    require(got["loss_calls"]["d"] == k and got["loss_calls"]["g"] == 1,
            f"use the loss functions passed in: d_loss_fn once per D step ({k} calls), g_loss_fn once for G; "
            f"saw {got['loss_calls']['d']} and {got['loss_calls']['g']}.")
    require(got["g_backward"] == 1, "missing detach in the D step: D's loss sent gradients into G. Use "
                                    "G(z).detach() for the fakes D is trained on.")
    bad = [n for n in got["z_sizes"] if n != m]
    require(not bad, f"noise of the wrong shape: sample a noise minibatch of the same size m as the real one "
                     f"(m = {m} here); saw sizes {got['z_sizes']}.")
    require(len(got["z_sizes"]) == k + 1, f"Algorithm 1 samples a fresh noise minibatch for every D step and again "
                                          f"for the G step ({k + 1} calls of sample_z), saw {len(got['z_sizes'])}.")
    stale = _run_iteration(fn, k, m, prefill=1.0)
    require(_same_params(stale["G"], got["G"]) and _same_params(stale["D"], got["D"]),
            "no zero_grad: gradients left from before accumulate into the update; call opt.zero_grad() "
            "before each backward().")
    require(_same_params(got["D"], ref["D"]), "D's parameters after the iteration differ from Algorithm 1's: "
                                              "each D step is zero_grad, d_loss_fn(D(real), D(fake)).backward(), opt_D.step().")
    require(_same_params(got["G"], ref["G"]), "G's parameters after the iteration differ from Algorithm 1's: "
                                              "G's step is zero_grad, g_loss_fn(D(G(z))).backward(), opt_G.step().")
    for key in ("d_loss", "g_loss", "d_real", "d_fake"):
        require(close(float(stats[key]), ref["stats"][key], tol=1e-4),
                f"returned {key} = {float(stats[key]):.4f}, expected {ref['stats'][key]:.4f}"
                + ("; d_real and d_fake are mean probabilities sigmoid(logits) from the last D step."
                   if key in ("d_real", "d_fake") else "."))
    passed(f"{name}: {k} D steps then 1 G step, detached fakes, fresh noise, zeroed gradients")
