"""Algorithm 1 of Goodfellow et al. 2014: k steps of D, then one step of G; repeated.

    for number of training iterations:
        for k steps:
            sample m noise samples z and m examples x
            update D by ascending  grad 1/m sum [log D(x) + log(1 - D(G(z)))]
        sample m noise samples z
        update G by descending its cost (here: the non-saturating -log D(G(z)))
"""
from __future__ import annotations

import contextlib
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import torch
from torch import nn
from tqdm.auto import tqdm

from gankit import losses
from gankit.runtime import device as pick_device


def d_step(G: nn.Module, D: nn.Module, opt_D, real: torch.Tensor, z: torch.Tensor, d_loss_fn=losses.d_loss):
    """One step of D: descend J(D) on a real minibatch and G(z). Returns (loss, real_logits, fake_logits)."""
    fake = G(z).detach()  # D's step must not send gradients into G
    real_logits, fake_logits = D(real), D(fake)
    loss = d_loss_fn(real_logits, fake_logits)
    opt_D.zero_grad()
    loss.backward()
    opt_D.step()
    return loss, real_logits, fake_logits


def g_step(G: nn.Module, D: nn.Module, opt_G, z: torch.Tensor, g_loss_fn=losses.g_loss_nonsaturating):
    """One step of G: descend its cost on D(G(z)) with D held fixed. Returns the loss."""
    loss = g_loss_fn(D(G(z)))
    opt_G.zero_grad()
    loss.backward()  # also fills D's .grad, which D's next zero_grad clears; only opt_G steps
    opt_G.step()
    return loss


def train_iteration(G: nn.Module, D: nn.Module, opt_G, opt_D, real_batches, sample_z: Callable[[int], torch.Tensor],
                    d_loss_fn=losses.d_loss, g_loss_fn=losses.g_loss_nonsaturating) -> dict:
    """One iteration of Algorithm 1; k = len(real_batches) D steps, then one G step.

    real_batches: k tensors (m, ...); sample_z(m) -> noise (m, z_dim), fresh for every step.
    Returns floats: d_loss and g_loss, and the last D step's mean D(x) and D(G(z)).
    """
    for real in real_batches:
        loss_d, real_logits, fake_logits = d_step(G, D, opt_D, real, sample_z(real.shape[0]), d_loss_fn)
    loss_g = g_step(G, D, opt_G, sample_z(real_batches[-1].shape[0]), g_loss_fn)
    return {"d_loss": loss_d.item(), "g_loss": loss_g.item(), **_stats(real_logits, fake_logits)}


def algorithm1_iteration(G: nn.Module, D: nn.Module, opt_G, opt_D, sample_data: Callable[[int], torch.Tensor],
                         sample_z: Callable[[int], torch.Tensor], k: int = 1, m: int = 64,
                         d_loss_fn=losses.d_loss, g_loss_fn=losses.g_loss_nonsaturating) -> dict:
    """Algorithm 1 with samplers: k D steps on fresh data sample_data(m) and noise, then one G step."""
    return train_iteration(G, D, opt_G, opt_D, [sample_data(m) for _ in range(k)], sample_z, d_loss_fn, g_loss_fn)


def _stats(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> dict:
    return {"d_real": torch.sigmoid(real_logits).mean().item(), "d_fake": torch.sigmoid(fake_logits).mean().item()}


def conditional_iteration(G: nn.Module, D: nn.Module, opt_G, opt_D, real_batches, sample_z: Callable[[int], torch.Tensor],
                          d_loss_fn=losses.cgan_d_loss, g_loss_fn=losses.cgan_g_loss) -> dict:
    """Algorithm 1 for G(z|y) and D(x|y): real_batches are k pairs (x (m, ...), y (m,)); G draws its
    fakes for the batch's own labels. d_loss_fn(D, real, fake, y) and g_loss_fn(D, fake, y) call D."""
    for real, y in real_batches:
        # D's logits for the statistics, caught as the loss calls D (a second forward pass would cost
        # time and move BatchNorm's running averages): outputs on `real` itself, and on the rest
        seen = {}

        def catch(module, args, out, real=real):  # returns None: a hook's return value would replace D's output
            seen.setdefault(args[0] is real, out.detach())

        hook = D.register_forward_hook(catch)
        try:
            loss_d = d_loss_fn(D, real, G(sample_z(len(y)), y), y)
        finally:
            hook.remove()
        opt_D.zero_grad()
        loss_d.backward()
        opt_D.step()
    loss_g = g_loss_fn(D, G(sample_z(len(y)), y), y)
    opt_G.zero_grad()
    loss_g.backward()
    opt_G.step()
    nan = torch.tensor(float("nan"))  # a loss that called D on a stacked batch: no separate statistics
    return {"d_loss": loss_d.item(), "g_loss": loss_g.item(), **_stats(seen.get(True, nan), seen.get(False, nan))}


def pix2pix_iteration(G: nn.Module, D: nn.Module, opt_G, opt_D, real_batches, sample_z=None,
                      d_loss_fn=losses.d_loss, g_loss_fn=losses.pix2pix_g_loss) -> dict:
    """One pix2pix iteration: real_batches are k pairs (target y, input x); G(x) translates (its dropout
    is the noise, so sample_z goes unused) and the PatchGAN D judges the pairs [x, y] and [x, G(x)].
    d_loss_fn(real_patches, fake_patches); g_loss_fn(fake_patches, fake, target)."""
    for target, x in real_batches:
        fake = G(x)
        real_patches, fake_patches = D(torch.cat([x, target], 1)), D(torch.cat([x, fake.detach()], 1))
        loss_d = d_loss_fn(real_patches, fake_patches)
        opt_D.zero_grad()
        loss_d.backward()
        opt_D.step()
    loss_g = g_loss_fn(D(torch.cat([x, fake], 1)), fake, target)
    opt_G.zero_grad()
    loss_g.backward()
    opt_G.step()
    return {"d_loss": loss_d.item(), "g_loss": loss_g.item(), **_stats(real_patches.detach(), fake_patches),
            "l1": (fake - target).abs().mean().item()}


def clip_weights(critic: nn.Module, c: float = 0.01) -> None:
    """WGAN's crude Lipschitz bound (Arjovsky et al. 2017): every critic weight into [-c, c], after each
    critic step (clipping before the step lets the step push them out again)."""
    with torch.no_grad():
        for p in critic.parameters():
            p.clamp_(-c, c)


def wgan_iteration(G: nn.Module, critic: nn.Module, opt_G, opt_C, real_batches, sample_z: Callable[[int], torch.Tensor],
                   lam: float | None = 10.0, clip: float | None = None) -> dict:
    """One WGAN iteration: n_critic = len(real_batches) critic steps, then one G step.

    Critic: descend E f(G(z)) - E f(x) (+ lam * the gradient penalty; WGAN-GP) and, with `clip`, clip
    its weights after each step (the original WGAN). G: descend -E f(G(z)), with only opt_G stepping.
    Returns floats: d_loss (the critic's last loss, penalty included), g_loss, d_real and d_fake (the
    last step's mean critic scores), w_estimate = E f(x) - E f(G(z)) (the critic's W1 estimate).
    """
    for real in real_batches:
        fake = G(sample_z(real.shape[0])).detach()
        real_scores, fake_scores = critic(real), critic(fake)
        loss_c = losses.critic_loss(real_scores, fake_scores)
        if lam:
            loss_c = loss_c + losses.gradient_penalty(critic, real, fake, lam)
        opt_C.zero_grad()
        loss_c.backward()
        opt_C.step()
        if clip is not None:
            clip_weights(critic, clip)
    loss_g = losses.wgan_g_loss(critic(G(sample_z(real_batches[-1].shape[0]))))
    opt_G.zero_grad()
    loss_g.backward()  # fills the critic's .grad too; its next zero_grad clears them, only opt_G steps
    opt_G.step()
    real_mean, fake_mean = real_scores.mean().item(), fake_scores.mean().item()
    return {"d_loss": loss_c.item(), "g_loss": loss_g.item(), "d_real": real_mean, "d_fake": fake_mean,
            "w_estimate": real_mean - fake_mean}


@dataclass
class History:
    """What a training run recorded: one entry per iteration, and image snapshots over time."""
    step: list = field(default_factory=list)
    d_loss: list = field(default_factory=list)
    g_loss: list = field(default_factory=list)
    d_real: list = field(default_factory=list)
    d_fake: list = field(default_factory=list)
    snapshot_steps: list = field(default_factory=list)
    snapshots: list = field(default_factory=list)  # tensors (n, 1, 28, 28) in [-1, 1], on the CPU
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)  # any other figure a step reports (pix2pix: l1), by name

    def record(self, step: int, stats: dict) -> None:
        self.step.append(step)
        for key, value in stats.items():
            if key in ("d_loss", "g_loss", "d_real", "d_fake"):
                getattr(self, key).append(float(value))
            else:
                self.extra.setdefault(key, []).append(float(value))


def adam(model: nn.Module, lr: float = 2e-4, betas=(0.5, 0.999)) -> torch.optim.Adam:
    """Adam with DCGAN's beta1 = 0.5: the default momentum 0.9 makes the game oscillate more."""
    return torch.optim.Adam(model.parameters(), lr=lr, betas=betas)


def _save(path: Path, state: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)  # never leave a half-written checkpoint behind a disconnect


class Checkpoint:
    """A training run's state in one file at `path` (nowhere when path is None): `parts` (key -> anything
    with state_dict() and load_state_dict(): nets, optimisers, schedules, pools), the run's random
    generator, its History and the iterations done. Written atomically; a later run resumes from it."""

    def __init__(self, path: str | Path | None, parts: dict, rng: torch.Generator, device):
        self.path = Path(path) if path is not None else None
        self.parts, self.rng, self.device = parts, rng, device

    def resume(self) -> tuple[History, int, dict]:
        """(history, iterations done, the whole saved state) of a saved run; (History(), 0, {}) if none."""
        if self.path is None or not self.path.exists():
            return History(), 0, {}
        state = torch.load(self.path, map_location=self.device, weights_only=True)
        for key, part in self.parts.items():
            part.load_state_dict(state[key])
        self.rng.set_state(state["rng"])
        return History(**state["history"]), state["step"], state

    def save(self, step: int, history: History, **extra) -> None:
        """Save after `step` iterations, with `extra` tensors the run needs back (e.g. fixed noise)."""
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _save(self.path, {"step": step, **{key: part.state_dict() for key, part in self.parts.items()},
                              "rng": self.rng.get_state(), "history": asdict(history), **extra})


@contextlib.contextmanager
def evaluating(*nets: nn.Module):
    """The block runs with `nets` in eval mode (no noise or dropout); each net's mode is restored after."""
    modes = [net.training for net in nets]
    for net in nets:
        net.eval()
    try:
        yield
    finally:
        for net, mode in zip(nets, modes):
            net.train(mode)


@contextlib.contextmanager
def seeded_noise(rng: torch.Generator, dev: torch.device):
    """The block's draws from torch's global generator (a model's own noise) seeded from the run's `rng`:
    a resumed run draws what an uninterrupted one would, and the caller's random state is left alone."""
    seed = int(torch.randint(2 ** 62, (1,), generator=rng))
    with torch.random.fork_rng(devices=[torch.cuda.current_device()] if dev.type == "cuda" else []):
        torch.manual_seed(seed)
        yield


def _call_g(G: nn.Module, z: torch.Tensor, c: torch.Tensor | None) -> torch.Tensor:
    return G(z) if c is None else G(z, c)


def run_loop(history: History, start: int, steps: int, one_step: Callable[[], dict], snapshot: Callable[[int], None],
             save: Callable[[int], None], *, snapshot_every: int, checkpoint_every: int, max_seconds: float | None,
             progress: bool, postfix: Callable[[dict], dict], end: int | None = None, desc: str = "training") -> History:
    """What every training run shares: iterations start+1 .. end (default steps) of one_step(), each
    recorded; snapshots every snapshot_every and at the end; a checkpoint every checkpoint_every and
    when the run stops; a progress bar (in seconds under a max_seconds budget, which stops the run)."""
    end = steps if end is None else min(end, steps)
    t0 = time.perf_counter() - history.seconds
    if max_seconds is None:
        bar = tqdm(initial=start, total=steps, disable=not progress, desc=desc, unit="it")
    else:  # a time budget: the bar counts seconds, since the number of iterations is not known ahead
        bar = tqdm(total=round(max_seconds), disable=not progress, desc=desc, unit="s",
                   bar_format="{l_bar}{bar}| {n:.0f}/{total_fmt} s{postfix}")
    for step in range(start, end):
        stats = one_step()
        history.record(step + 1, stats)
        if (step + 1) % snapshot_every == 0 or step + 1 == end:
            snapshot(step + 1)
        if (step + 1) % 20 == 0:
            bar.set_postfix(**postfix(stats))
        if (step + 1) % checkpoint_every == 0:
            history.seconds = time.perf_counter() - t0
            save(step + 1)
        elapsed = time.perf_counter() - t0
        bar.update(1 if max_seconds is None else min(elapsed, max_seconds) - bar.n)
        if max_seconds is not None and elapsed > max_seconds:
            if history.snapshot_steps[-1:] != [step + 1]:
                snapshot(step + 1)
            break
    bar.close()
    history.seconds = time.perf_counter() - t0
    save(history.step[-1] if history.step else start)
    return history


def train(G: nn.Module, D: nn.Module, images: torch.Tensor, *, steps: int, condition: torch.Tensor | None = None,
          generate: Callable = _call_g, z_dim: int | None = None,
          batch_size: int = 64, k: int = 1, lr: float = 2e-4, opt_G=None, opt_D=None, step_fn=train_iteration,
          d_loss_fn=losses.d_loss, g_loss_fn=losses.g_loss_nonsaturating, device=None, seed: int = 0,
          snapshot_every: int | None = None, n_snapshot: int = 64, checkpoint: str | Path | None = None,
          checkpoint_every: int = 500, progress: bool = True, max_seconds: float | None = None,
          postfix: Callable[[dict], dict] | None = None, desc: str = "training") -> History:
    """Train G and D on `images` (N, 1, 28, 28) in [-1, 1] for `steps` iterations of Algorithm 1.

    `condition` (N, ...) goes with the images (class labels for a cGAN, input images for pix2pix):
    then every batch is a pair (images, condition), and the snapshots show generate(G, z, c) for
    fixed c (labels 0, 1, ..., n_classes - 1 over and over, or a fixed draw of input images).
    With `checkpoint`, the run saves there every `checkpoint_every` iterations and at the end, and a
    later call with the same path resumes where it stopped (same data order and noise). `max_seconds`
    stops early (the history says how far it got). Returns the History.
    """
    dev = pick_device() if device is None else torch.device(device)
    z_dim = z_dim if z_dim is not None else G.z_dim
    G.to(dev).train()
    D.to(dev).train()
    opt_G = opt_G if opt_G is not None else adam(G, lr)
    opt_D = opt_D if opt_D is not None else adam(D, lr)
    data = images.to(dev)
    rng = torch.Generator().manual_seed(seed)  # on the CPU: the same run on every device
    fixed_z = torch.randn(n_snapshot, z_dim, generator=rng).to(dev)
    fixed_c = cond = None
    if condition is not None:
        cond = condition.to(dev)
        if condition.dtype.is_floating_point:
            fixed_c = cond[torch.randperm(len(cond), generator=rng)[:n_snapshot].to(dev)]
        else:
            fixed_c = (torch.arange(n_snapshot) % getattr(G, "n_classes", int(condition.max()) + 1)).to(dev)
    snapshot_every = snapshot_every or max(1, steps // 10)
    saved = Checkpoint(checkpoint, {"G": G, "D": D, "opt_G": opt_G, "opt_D": opt_D}, rng, dev)
    history, start, state = saved.resume()
    if state:
        fixed_z = state["fixed_z"].to(dev)

    def sample_z(m: int) -> torch.Tensor:
        return torch.randn(m, z_dim, generator=rng).to(dev)

    def save(step: int) -> None:
        saved.save(step, history, fixed_z=fixed_z.cpu())

    def snapshot(step: int) -> None:
        G.eval()
        with torch.no_grad():
            history.snapshots.append(generate(G, fixed_z, fixed_c).cpu())
        G.train()
        history.snapshot_steps.append(step)

    def one_step() -> dict:
        idx = torch.randint(len(data), (k, batch_size), generator=rng).to(dev)
        batches = [data[i] if cond is None else (data[i], cond[i]) for i in idx]
        return step_fn(G, D, opt_G, opt_D, batches, sample_z, d_loss_fn, g_loss_fn)

    return run_loop(history, start, steps, one_step, snapshot, save, snapshot_every=snapshot_every,
                    checkpoint_every=checkpoint_every, max_seconds=max_seconds, progress=progress, desc=desc,
                    postfix=postfix or (lambda s: dict(d_loss=f"{s['d_loss']:.3f}", g_loss=f"{s['g_loss']:.3f}",
                                                       D_x=f"{s['d_real']:.2f}", D_G_z=f"{s['d_fake']:.2f}")))


def train_conditional(G: nn.Module, D: nn.Module, images: torch.Tensor, labels: torch.Tensor, **options) -> History:
    """`train` for a cGAN: G(z, y), D(x, y); options as for `train` (d_loss_fn / g_loss_fn take D,
    see `conditional_iteration`). Snapshots: labels 0..n_classes-1 repeated, so a grid with
    n_classes columns shows one class per column."""
    options.setdefault("d_loss_fn", losses.cgan_d_loss)
    options.setdefault("g_loss_fn", losses.cgan_g_loss)
    return train(G, D, images, condition=labels, step_fn=conditional_iteration, **options)


def train_wgan(G: nn.Module, critic: nn.Module, images: torch.Tensor, *, n_critic: int = 5, lam: float | None = 10.0,
               clip: float | None = None, step_fn: Callable = wgan_iteration, lr: float | None = None, **options) -> History:
    """`train` for a WGAN: n_critic critic steps per G step (`k`), with the paper's optimisers unless
    given: WGAN-GP (lam) Adam(1e-4, betas (0, 0.9)) for both, clipping (clip, lam=None) RMSProp(5e-5)
    (Adam's momentum destabilised clipped critics in Arjovsky et al.). step_fn(G, critic, opt_G, opt_C,
    batches, sample_z, lam=lam, clip=clip) is one iteration (a student's own wgan_iteration).
    history.d_loss is the critic's loss, history.extra["w_estimate"] its W1 estimate per iteration."""
    if clip is None:
        lr, make = (1e-4 if lr is None else lr), lambda m: torch.optim.Adam(m.parameters(), lr=lr, betas=(0.0, 0.9))
    else:
        lr, make = (5e-5 if lr is None else lr), lambda m: torch.optim.RMSprop(m.parameters(), lr=lr)
    if options.get("opt_G") is None:
        options["opt_G"] = make(G)
    if options.get("opt_D") is None:
        options["opt_D"] = make(critic)
    options.setdefault("desc", "WGAN-GP" if clip is None else "WGAN")

    def step(G, critic, opt_G, opt_C, batches, sample_z, *_):
        return step_fn(G, critic, opt_G, opt_C, batches, sample_z, lam=lam, clip=clip)

    return train(G, critic, images, k=n_critic, step_fn=step, postfix=lambda s: dict(
        critic=f"{s['d_loss']:.3f}", W=f"{s['w_estimate']:.3f}", g_loss=f"{s['g_loss']:.3f}"), **options)


def _translate(G: nn.Module, z, x: torch.Tensor) -> torch.Tensor:
    return G(x)


def train_pix2pix(G: nn.Module, D: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, **options) -> History:
    """`train` for pix2pix: G(input) -> target, D on channel-stacked (input, image) pairs; options as
    for `train` (d_loss_fn on patch logits, g_loss_fn(fake_patches, fake, target)). history.extra["l1"]
    holds the L1 distance to the targets per iteration; snapshots are G's outputs for fixed inputs."""
    options.setdefault("d_loss_fn", losses.d_loss)
    options.setdefault("g_loss_fn", losses.pix2pix_g_loss)
    return train(G, D, targets, condition=inputs, generate=_translate, step_fn=pix2pix_iteration, z_dim=1, **options)


@torch.no_grad()
def sample(G: nn.Module, n: int, *, seed: int = 0, device=None, batch_size: int = 500,
           labels: torch.Tensor | None = None) -> torch.Tensor:
    """n images from G (in eval mode), (n, 1, 28, 28) in [-1, 1] on the CPU; a conditional G gets
    `labels` (n,), one per image: G(z, labels)."""
    if labels is not None and len(labels) != n:
        raise ValueError(f"labels must give one class per image: {n} images, {len(labels)} labels.")
    dev = next(G.parameters()).device if device is None else torch.device(device)
    rng = torch.Generator().manual_seed(seed)
    out = []
    with evaluating(G):
        for i in range(0, n, batch_size):
            z = torch.randn(min(batch_size, n - i), G.z_dim, generator=rng).to(dev)
            out.append((G(z) if labels is None else G(z, labels[i:i + len(z)].to(dev))).cpu())
    return torch.cat(out)
