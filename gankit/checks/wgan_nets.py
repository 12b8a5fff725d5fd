"""Stand-in nets and recorders for Lab 7's checks (gankit/checks/wgan.py).

Critics whose input gradient is known in closed form: a linear critic f(x) = <w, x> + b has
grad_x f = w at every point, so its penalty is lam (|w| - 1)^2 whatever the interpolation, and
f(x) = |x|^2 / 2 has grad_x f = x, which shows the points the penalty was taken at. For the
iteration: a linear G, batches of different sizes, and optimisers that log each step.
"""
from __future__ import annotations

import torch
from torch import nn

from gankit.checks.gan import _LoggedSGD


class LinearCritic(nn.Module):
    """f(x) = <w, x> + b over all of x's non-batch dimensions: grad_x f = w everywhere."""

    def __init__(self, w: torch.Tensor):
        super().__init__()
        self.w = nn.Parameter(w.clone())
        self.b = nn.Parameter(torch.tensor(0.3))
        self.inputs = []

    def forward(self, x):
        self.inputs.append(x.detach().clone())
        return (x * self.w).flatten(1).sum(1, keepdim=True) + self.b


class QuadraticCritic(nn.Module):
    """f(x) = s |x|^2 / 2: grad_x f = s x, so the penalty shows the points it was taken at."""

    def __init__(self):
        super().__init__()
        self.s = nn.Parameter(torch.tensor(1.0))
        self.inputs = []

    def forward(self, x):
        self.inputs.append(x.detach().clone())
        return 0.5 * self.s * x.flatten(1).pow(2).sum(1, keepdim=True)


def images(seed: int, n: int = 16) -> torch.Tensor:
    return torch.randn(n, 1, 2, 2, generator=torch.Generator().manual_seed(seed))


def eps_of(x_hat, real, fake) -> torch.Tensor:
    """The eps of every element of x_hat = eps real + (1 - eps) fake, (N, elements)."""
    return ((x_hat - fake) / (real - fake)).flatten(1)


class StandInG(nn.Module):
    """A stand-in G: z (N, 2) -> x (N, 4), linear."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 4)
        with torch.no_grad():
            self.lin.weight.copy_(torch.tensor([[0.5, -0.2], [0.1, 0.4], [-0.3, 0.2], [0.2, 0.1]]))
            self.lin.bias.copy_(torch.tensor([0.05, -0.1, 0.2, 0.0]))

    def forward(self, z):
        return self.lin(z)


def setup(n_batches: int):
    G, critic = StandInG(), LinearCritic(torch.tensor([0.3, -0.2, 0.4, 0.1]))
    g = torch.Generator().manual_seed(7)
    # batches of different sizes: the G step draws as many fakes as the last batch has images
    batches = [torch.randn(5 + i, 4, generator=g) + 1.0 for i in range(n_batches)]
    zs = [torch.randn(5 + n_batches, 2, generator=g) for _ in range(n_batches + 3)]
    return G, critic, batches, zs


class WatchedSGD(_LoggedSGD):
    """_LoggedSGD that also notes, at each step, the largest |parameter| of G and of the critic before it."""

    def __init__(self, params, name, log, nets):
        super().__init__(params, name, log)
        self.nets, self.largest = nets, log.largest

    def step(self, closure=None):
        self.largest.append((self.name, *[max(p.abs().max().item() for p in net.parameters()) for net in self.nets]))
        if self.name == "critic" and any(p.grad is not None for p in self.nets[0].parameters()):
            self.log.append("G has gradients")
        return super().step(closure)


class Log(list):
    def __init__(self):
        super().__init__()
        self.largest = []  # (optimizer, largest |p| of G, largest |p| of the critic), before each step


def run(step, G, critic, batches, zs, log, **kw):
    calls = []

    def sample_z(m):
        calls.append(m)
        return zs[min(len(calls) - 1, len(zs) - 1)][:m].clone()

    opt_G, opt_C = (WatchedSGD(net.parameters(), name, log, (G, critic)) for net, name in ((G, "G"), (critic, "critic")))
    for p in critic.parameters():  # what the previous G step leaves in the critic's .grad
        p.grad = torch.full_like(p, 0.7)
    out = step(G, critic, opt_G, opt_C, batches, sample_z, **kw)
    return out, calls


def params(net):
    return [p.detach().clone() for p in net.parameters()]


def same(a, b):
    return all(torch.allclose(x, y, atol=1e-6) for x, y in zip(a, b))
