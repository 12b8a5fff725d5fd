"""CycleGAN (Zhu et al. 2017): unpaired translation between domains X and Y, with the reference recipe.

Two generators, G: X -> Y and F: Y -> X, and two discriminators, D_Y (judges G's outputs against
real y) and D_X (F's against real x). The generators minimise

    L = L_LSGAN(G, D_Y) + L_LSGAN(F, D_X) + lambda (E|F(G(x)) - x| + E|G(F(y)) - y|)
        + 0.5 lambda (E|G(y) - y| + E|F(x) - x|),        lambda = 10,

and the discriminators are trained on a pool of 50 past fakes rather than only the newest ones.
Adam 2e-4 with beta1 = 0.5, a constant learning rate then a linear decay to zero, weights N(0, 0.02).
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from gankit import losses, models
from gankit.runtime import device as pick_device
from gankit.training import Checkpoint, History, adam, evaluating, run_loop

PRETRAINED_URL = "http://efrosgans.eecs.berkeley.edu/cyclegan/pretrained_models/{name}.pth"


class ImagePool:
    """A history of generated images (Shrivastava et al. 2017), `size` of them.

    query(images) returns a batch of the same shape: while the pool fills, the new images; then, for
    each new image, with probability 1/2 a stored one (which the new image replaces), else the new one.
    D so sees fakes from several past versions of G and cannot chase only the newest one.
    """

    def __init__(self, size: int = 50, seed: int = 0):
        self.size, self.images = size, []
        self.rng = torch.Generator().manual_seed(seed)

    def query(self, images: torch.Tensor) -> torch.Tensor:
        if self.size == 0:
            return images
        out = []
        for image in images.detach():
            if len(self.images) < self.size:
                self.images.append(image.clone())
                out.append(image)
            elif torch.rand(1, generator=self.rng).item() < 0.5:
                i = int(torch.randint(len(self.images), (1,), generator=self.rng))
                out.append(self.images[i].clone())
                self.images[i] = image.clone()
            else:
                out.append(image)
        return torch.stack(out)

    def state_dict(self) -> dict:
        return {"images": [im.cpu() for im in self.images], "rng": self.rng.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.images = list(state["images"])  # already on the run's device: the checkpoint is loaded there
        self.rng.set_state(state["rng"])


def generator_loss(G: nn.Module, F: nn.Module, D_X: nn.Module, D_Y: nn.Module, x: torch.Tensor, y: torch.Tensor,
                   lam: float = 10.0) -> tuple[torch.Tensor, dict, tuple[torch.Tensor, torch.Tensor]]:
    """The generators' total loss on a batch x of X and y of Y: (loss, parts, (G(x), F(y))), the parts
    as floats for the record and the fakes for the discriminators' step."""
    fake_y, fake_x = G(x), F(y)
    adv = losses.lsgan_g_loss(D_Y(fake_y)) + losses.lsgan_g_loss(D_X(fake_x))
    cyc = losses.cycle_loss(x, F(fake_y), lam) + losses.cycle_loss(y, G(fake_x), lam)
    idt = losses.identity_loss(y, G(y), lam) + losses.identity_loss(x, F(x), lam)
    parts = {"adversarial": adv.item(), "cycle": cyc.item(), "identity": idt.item()}
    return adv + cyc + idt, parts, (fake_y, fake_x)


def set_requires_grad(nets, flag: bool) -> None:
    for net in nets:
        for p in net.parameters():
            p.requires_grad_(flag)


def iteration(G, F, D_X, D_Y, opt_G, opt_D, x, y, pool_x: ImagePool, pool_y: ImagePool, lam: float = 10.0) -> dict:
    """One CycleGAN iteration: the generators' step (discriminators frozen), then the discriminators'
    on real images and pooled, detached fakes. Returns floats for the history."""
    set_requires_grad([D_X, D_Y], False)  # no gradient needed for D here: saves the work
    loss_g, parts, (fake_y, fake_x) = generator_loss(G, F, D_X, D_Y, x, y, lam)
    opt_G.zero_grad()
    loss_g.backward()
    opt_G.step()
    set_requires_grad([D_X, D_Y], True)
    real_y_out, fake_y_out = D_Y(y), D_Y(pool_y.query(fake_y.detach()))
    loss_d = (losses.lsgan_d_loss(real_y_out, fake_y_out)
              + losses.lsgan_d_loss(D_X(x), D_X(pool_x.query(fake_x.detach()))))
    opt_D.zero_grad()
    loss_d.backward()
    opt_D.step()
    return {"g_loss": loss_g.item(), "d_loss": loss_d.item(), "d_real": real_y_out.mean().item(),
            "d_fake": fake_y_out.mean().item(), **parts}


def linear_decay(n_constant: int, n_decay: int):
    """The reference's schedule as a LambdaLR factor: 1 for n_constant steps, then linearly to 0."""
    return lambda step: 1.0 - max(0, step - n_constant) / float(n_decay + 1)


def small_models(channels: int = 1, ngf: int = 16, n_blocks: int = 3, ndf: int = 16, n_layers: int = 2):
    """The lab's CPU-sized nets for 28 px digits: G, F (ResnetGenerator) and D_X, D_Y (PatchGAN)."""
    nets = [models.ResnetGenerator(channels, channels, ngf, n_blocks) for _ in range(2)]
    nets += [models.PatchDiscriminator(channels, ndf, n_layers) for _ in range(2)]
    for net in nets:
        net.apply(models.dcgan_init)  # the reference's init_type "normal": N(0, 0.02)
    return nets


def translate(net: nn.Module, images: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """net(images) in eval mode without gradients, batch by batch, on the CPU."""
    dev = next(net.parameters()).device
    with evaluating(net), torch.no_grad():
        return torch.cat([net(b.to(dev)).cpu() for b in images.split(batch_size)])


def train(nets, X: torch.Tensor, Y: torch.Tensor, *, steps: int, n_decay: int | None = None, batch_size: int = 16,
          lr: float = 2e-4, lam: float = 10.0, pool_size: int = 50, step_fn=iteration, device=None, seed: int = 0,
          snapshot_every: int | None = None, n_snapshot: int = 8, checkpoint: str | Path | None = None,
          checkpoint_every: int = 200, progress: bool = True, max_seconds: float | None = None,
          stop_at: int | None = None) -> History:
    """Train nets = (G, F, D_X, D_Y) on unpaired image sets X and Y (N, C, H, W) in [-1, 1].

    The learning rate is constant for steps - n_decay iterations (n_decay defaults to half the run),
    then decays linearly to 0. step_fn(G, F, D_X, D_Y, opt_G, opt_D, x, y, pool_x, pool_y, lam) does
    one iteration (the lab passes its own). Snapshots are tensors (6, n, C, H, W): rows x, G(x),
    F(G(x)), y, F(y), G(F(y)) for fixed x and y. With `checkpoint` the run saves every
    `checkpoint_every` iterations (on Colab: a file on Drive) and a later call resumes it exactly.
    `stop_at` pauses the run after that iteration (the schedule still spans `steps`); `max_seconds`
    stops it after that much training time.
    """
    G, F, D_X, D_Y = nets
    dev = pick_device() if device is None else torch.device(device)
    for net in nets:
        net.to(dev).train()
    opt_G = adam(nn.ModuleList([G, F]), lr)
    opt_D = adam(nn.ModuleList([D_X, D_Y]), lr)
    n_decay = steps // 2 if n_decay is None else n_decay
    schedules = [torch.optim.lr_scheduler.LambdaLR(o, linear_decay(steps - n_decay, n_decay)) for o in (opt_G, opt_D)]
    pools = ImagePool(pool_size, seed), ImagePool(pool_size, seed + 1)
    rng = torch.Generator().manual_seed(seed)
    fixed_x, fixed_y = X[:n_snapshot].to(dev), Y[:n_snapshot].to(dev)
    snapshot_every = snapshot_every or max(1, steps // 10)
    saved = Checkpoint(checkpoint, {"G": G, "F": F, "D_X": D_X, "D_Y": D_Y, "opt_G": opt_G, "opt_D": opt_D,
                                    "sched_G": schedules[0], "sched_D": schedules[1], "pool_x": pools[0],
                                    "pool_y": pools[1]}, rng, dev)
    history, start, _ = saved.resume()

    def save(step: int) -> None:
        saved.save(step, history)

    def snapshot(step: int) -> None:
        fake_y, fake_x = translate(G, fixed_x), translate(F, fixed_y)
        history.snapshots.append(torch.stack([fixed_x.cpu(), fake_y, translate(F, fake_y),
                                              fixed_y.cpu(), fake_x, translate(G, fake_x)]))
        history.snapshot_steps.append(step)

    def one_step() -> dict:
        ix = torch.randint(len(X), (batch_size,), generator=rng)
        iy = torch.randint(len(Y), (batch_size,), generator=rng)
        stats = step_fn(G, F, D_X, D_Y, opt_G, opt_D, X[ix].to(dev), Y[iy].to(dev), *pools, lam)
        for schedule in schedules:
            schedule.step()
        return stats

    return run_loop(history, start, steps, one_step, snapshot, save, end=stop_at, snapshot_every=snapshot_every,
                    checkpoint_every=checkpoint_every, max_seconds=max_seconds, progress=progress, desc="CycleGAN",
                    postfix=lambda s: dict(g=f"{s['g_loss']:.2f}", d=f"{s['d_loss']:.3f}",
                                           lr=f"{schedules[0].get_last_lr()[0]:.1e}"))


def load_pretrained(name: str, device="cpu") -> models.ResnetGenerator:
    """A generator the CycleGAN authors published (e.g. "horse2zebra", "zebra2horse", "apple2orange",
    "orange2apple", "summer2winter_yosemite", "monet2photo", "style_monet"): ResnetGenerator(3, 3, 64, 9)
    for 256 px RGB images in [-1, 1]. Downloads once into torch's hub cache; needs internet (Colab)."""
    url = PRETRAINED_URL.format(name=name)
    try:
        state = torch.hub.load_state_dict_from_url(url, map_location="cpu", progress=True, file_name=f"cyclegan_{name}.pth")
    except Exception as e:  # no network, a name the server does not have, a truncated file
        raise ConnectionError(f"could not fetch the pretrained CycleGAN generator {name!r} from {url} ({e}). It needs "
                              "internet (Colab has it); check the name against the CycleGAN repository's "
                              "scripts/download_cyclegan_model.sh.") from e
    # checkpoints saved by old PyTorch versions carry instance-norm buffers the current layers do not have
    state = {k: v for k, v in state.items() if not k.endswith(("running_mean", "running_var", "num_batches_tracked"))}
    G = models.ResnetGenerator(3, 3, 64, 9)
    G.load_state_dict(state)
    return G.to(device).eval()


def digit_report(G: nn.Module, F: nn.Module, X, Y, judge: nn.Module, n: int = 1000) -> dict:
    """How well a CycleGAN on `data.unpaired_digits` keeps the content, on n images of each domain.

    cycle_x / cycle_y: mean |F(G(x)) - x| and |G(F(y)) - y| (pixels in [-1, 1]); kept_x: how often the
    digit classifier reads G(x) as x's digit; kept_y: how often it reads F(y) as y's digit. For
    reference, real_y: how often it reads the real images of Y correctly (bold strokes are harder for
    it than MNIST's own).
    """
    from gankit import classifier

    x, y = X.images[:n], Y.images[:n]
    fake_y, fake_x = translate(G, x), translate(F, y)
    return {
        "cycle_x": (translate(F, fake_y) - x).abs().mean().item(),
        "cycle_y": (translate(G, fake_x) - y).abs().mean().item(),
        "kept_x": classifier.accuracy(judge, fake_y, X.labels[:n]),
        "kept_y": classifier.accuracy(judge, fake_x, Y.labels[:n]),
        "real_y": classifier.accuracy(judge, y, Y.labels[:n]),
    }
