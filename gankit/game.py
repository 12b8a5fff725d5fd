"""The GAN game on a toy, one step at a time: the state behind Lab 1's pictures and its playground.

A Game holds G, D, their optimisers and a toy p_data, and plays Algorithm 1 by iterations or by
single D and G steps. A Frame is what can be drawn at one moment: real and generated points, D's
output over the plane (or the line), and where G's cost pushes each generated point.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import torch
from tqdm.auto import tqdm

from gankit import losses, metrics, toy, training
from gankit.models import ToyDiscriminator, ToyGenerator

G_LOSSES = {"nonsaturating": losses.g_loss_nonsaturating, "minimax": losses.g_loss_minimax}


def _require_loss(name: str) -> None:
    if name not in G_LOSSES:
        raise ValueError(f"unknown loss {name!r}: choose 'nonsaturating' or 'minimax'.")


@dataclass
class Frame:
    """One moment of the game, on the CPU, ready to draw."""
    iteration: int
    real: torch.Tensor        # (n, d) data points
    fake: torch.Tensor        # (n, d) G's points
    push: torch.Tensor        # (n, d) -grad of G's cost at each fake point: where G moves it
    axis: torch.Tensor        # (r,) grid coordinates along each axis
    surface: torch.Tensor     # D(x) on the grid: (r, r) in 2D, (r,) in 1D
    density: torch.Tensor     # p_data on the same grid


@dataclass
class GameHistory(training.History):
    """training.History (per iteration: losses, mean D outputs) plus mode coverage every `coverage_every`."""
    coverage_iteration: list = field(default_factory=list)
    coverage: list = field(default_factory=list)


class Game:
    """G and D playing on toy data. Settings can change mid-game (`set`), as in GAN Lab.

    data: 'ring' (8 Gaussians in 2D), 'grid' (25) or '1d'; loss: 'nonsaturating' or 'minimax' (G's cost);
    k: D steps per iteration; m: minibatch size; iteration: an Algorithm 1 iteration with the
    signature of `training.algorithm1_iteration` (Lab 1's exercise plugs in here).
    """

    def __init__(self, data: str = "ring", loss: str = "nonsaturating", k: int = 1, lr_d: float = 1e-3,
                 lr_g: float = 1e-3, m: int = 256, z_dim: int = 2, hidden: int = 128, seed: int = 0,
                 device=None, iteration=None):
        self.settings = dict(data=data, loss=loss, k=k, lr_d=lr_d, lr_g=lr_g, m=m, z_dim=z_dim, hidden=hidden, seed=seed)
        self.device = torch.device("cpu") if device is None else torch.device(device)
        self.iteration_fn = iteration or training.algorithm1_iteration
        self.reset()

    def reset(self) -> None:
        """New nets and optimisers from the seed; the settings are kept."""
        s = self.settings
        _require_loss(s["loss"])
        self.mixture = toy.dataset(s["data"])
        if not isinstance(self.mixture, toy.Mixture):  # the game draws p_data's density and counts modes
            raise ValueError(f"the game plays on Gaussian mixtures: {s['data']!r} has no density to draw; "
                             "choose 'ring', 'grid' or '1d'.")
        torch.manual_seed(s["seed"])
        dim = self.mixture.dim
        self.G = ToyGenerator(s["z_dim"], dim, s["hidden"]).to(self.device)
        self.D = ToyDiscriminator(dim, s["hidden"]).to(self.device)
        self.opt_G = training.adam(self.G, s["lr_g"])
        self.opt_D = training.adam(self.D, s["lr_d"])
        self.rng = torch.Generator().manual_seed(s["seed"])
        self.fixed_z = torch.randn(512, s["z_dim"], generator=self.rng).to(self.device)
        self.lim = float(self.mixture.means.abs().max()) + 1.5
        self.iterations, self.d_steps, self.g_steps = 0, 0, 0
        self.history = GameHistory()

    def set(self, **changes) -> None:
        """Change settings: learning rates and k apply from the next step; data, loss or sizes restart."""
        unknown = set(changes) - set(self.settings)
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}; the game has {sorted(self.settings)}.")
        _require_loss(changes.get("loss", self.settings["loss"]))  # before anything changes
        restart = any(changes[key] != self.settings[key] for key in changes if key in ("data", "z_dim", "hidden", "seed"))
        self.settings.update(changes)
        if restart:
            self.reset()
            return
        for opt, key in ((self.opt_G, "lr_g"), (self.opt_D, "lr_d")):
            for group in opt.param_groups:
                group["lr"] = self.settings[key]

    def sample_data(self, m: int) -> torch.Tensor:
        return self.mixture.sample(m, self.rng, self.device)

    def sample_z(self, m: int) -> torch.Tensor:
        return torch.randn(m, self.settings["z_dim"], generator=self.rng).to(self.device)

    @property
    def g_loss_fn(self):
        return G_LOSSES[self.settings["loss"]]

    def step_d(self) -> float:
        """One D step alone (the 'step D' button)."""
        m = self.settings["m"]
        loss, _, _ = training.d_step(self.G, self.D, self.opt_D, self.sample_data(m), self.sample_z(m))
        self.d_steps += 1
        return loss.item()

    def step_g(self) -> float:
        """One G step alone (the 'step G' button)."""
        loss = training.g_step(self.G, self.D, self.opt_G, self.sample_z(self.settings["m"]), self.g_loss_fn)
        self.g_steps += 1
        return loss.item()

    def play(self, iterations: int = 1, coverage_every: int = 0, progress: bool = False) -> GameHistory:
        """Run Algorithm 1 for some iterations (k D steps, then one G step, each)."""
        s = self.settings
        for _ in tqdm(range(iterations), disable=not progress, desc="playing", unit="it"):
            stats = self.iteration_fn(self.G, self.D, self.opt_G, self.opt_D, self.sample_data, self.sample_z,
                                      s["k"], s["m"], losses.d_loss, self.g_loss_fn)
            self.iterations += 1
            self.d_steps += s["k"]
            self.g_steps += 1
            h = self.history
            h.record(self.iterations, stats)
            if coverage_every and self.iterations % coverage_every == 0:
                h.coverage_iteration.append(self.iterations)
                h.coverage.append(self.coverage())
        return self.history

    @torch.no_grad()
    def samples(self, n: int = 2500, seed: int = 1) -> torch.Tensor:
        z = torch.randn(n, self.settings["z_dim"], generator=torch.Generator().manual_seed(seed)).to(self.device)
        return self.G(z).cpu()

    def coverage(self, n: int = 2500) -> metrics.Coverage:
        """Modes captured and the share of high-quality samples (gankit.metrics.mode_coverage)."""
        return metrics.mode_coverage(self.samples(n), self.mixture.means, self.mixture.std)

    def _push(self, n: int, loss_fn) -> tuple[torch.Tensor, torch.Tensor]:
        """G's points for the fixed noise, and -grad of G's cost at each: where the cost moves them."""
        fake = self.G(self.fixed_z[:n]).detach().requires_grad_()
        # per-point push: the gradient of the batch cost times the batch size, so the scale is per sample
        (grad,) = torch.autograd.grad(loss_fn(self.D(fake)) * len(fake), fake)
        return fake.detach(), -grad

    def mean_push(self, loss: str, n: int = 512) -> float:
        """Mean length of the push G's cost `loss` gives its points now: the signal G learns from."""
        return self._push(n, G_LOSSES[loss])[1].norm(dim=1).mean().item()

    def frame(self, n: int = 512, resolution: int = 80) -> Frame:
        """What to draw now: data, G's points for fixed noise, D over the plane, G's push on its points."""
        fake, push = self._push(n, self.g_loss_fn)
        with torch.no_grad():
            if self.mixture.dim == 2:
                _, _, points = toy.grid_points(self.lim, resolution)
            else:
                points = torch.linspace(-self.lim, self.lim, 4 * resolution).view(-1, 1)
            surface = torch.sigmoid(self.D(points.to(self.device))).cpu()
            density = self.mixture.pdf(points)
        axis = torch.linspace(-self.lim, self.lim, resolution if self.mixture.dim == 2 else 4 * resolution)
        shape = (resolution, resolution) if self.mixture.dim == 2 else (-1,)
        rng = torch.Generator().manual_seed(2)
        return Frame(self.iterations, self.mixture.sample(n, rng), fake.cpu(), push.cpu(), axis,
                     surface.view(shape), density.view(shape))

    def copy(self) -> "Game":
        """An independent copy (nets, optimisers, random state), to branch a game into variants."""
        rng, self.rng = self.rng, None  # torch < 2.3 cannot deepcopy a Generator: copied by its state
        try:
            twin = copy.deepcopy(self)
        finally:
            self.rng = rng
        twin.rng = torch.Generator()
        twin.rng.set_state(rng.get_state())
        return twin
