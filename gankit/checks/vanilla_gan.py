"""Checks for Lab 3, the vanilla GAN. Each names the typical mistake it finds."""
from __future__ import annotations

import torch
from torch import nn

from gankit import models
from gankit.checks import CheckFailed, isolated_rng, passed, require
from gankit.checks.gan import check_d_loss, check_g_losses, check_train_iteration

__all__ = ["check_generator", "check_discriminator", "check_d_loss", "check_g_losses", "check_train_iteration",
           "check_interpolate"]

Z_DIM = 64


def _generator_output(G: nn.Module, z: torch.Tensor) -> torch.Tensor:
    out = G(z)
    require(isinstance(out, torch.Tensor), f"G(z) must return a tensor, got {type(out).__name__}.")
    if tuple(out.shape) == (len(z), 784):
        raise CheckFailed("wrong output shape: G returns flat vectors (N, 784); reshape them into images "
                          "(N, 1, 28, 28) with .view(-1, 1, 28, 28).")
    require(tuple(out.shape) == (len(z), 1, 28, 28),
            f"wrong output shape: G(z) for z of shape {tuple(z.shape)} must be (N, 1, 28, 28), got {tuple(out.shape)}.")
    return out


def require_data_range(big: torch.Tensor) -> None:
    """G's outputs for large inputs (which push its output layer into saturation) must reach both
    signs and stay in [-1, 1], the images' range: a tanh, not a sigmoid, a ReLU or nothing."""
    if big.min() >= 0:
        raise CheckFailed("output range does not match the data's: G's outputs lie in [0, 1] (a sigmoid?) but the "
                          "images are scaled to [-1, 1]; end the generator with nn.Tanh().")
    require(big.min() >= -1 and big.max() <= 1,
            f"output range does not match the data's: G's outputs reach [{big.min():.2f}, {big.max():.2f}], "
            "outside the images' [-1, 1]; end the generator with nn.Tanh().")


def require_layers_of(net: nn.Module, reference: nn.Module, call, layout: str, call_reference=None) -> None:
    """`net` computes what `reference` does once given the same weights (copied in registration order,
    where every shape matches): the activations and their order are the lab's `layout`. `call(net)`
    runs either net, unless `call_reference` runs the reference."""
    ours, theirs = list(net.parameters()), list(reference.parameters())
    if [p.shape for p in ours] != [p.shape for p in theirs]:
        return  # another parameter order: the counts and the other checks judge it
    with torch.no_grad():
        for a, b in zip(theirs, ours):
            a.copy_(b)
        got, want = call(net), (call_reference or call)(reference)
    require(torch.allclose(got, want, atol=1e-5),
            f"wrong layers: with the same weights, the network does not compute {layout}; check each activation "
            "(its kind, its slope) and that one follows every hidden linear layer.")


@isolated_rng
def check_generator(Generator) -> None:
    """Generator(z_dim) maps (N, z_dim) to images (N, 1, 28, 28) in [-1, 1], the data's range."""
    torch.manual_seed(0)
    G = Generator(z_dim=Z_DIM)
    out = _generator_output(G, torch.randn(16, Z_DIM))
    _generator_output(Generator(z_dim=16), torch.randn(3, 16))  # z_dim must be a parameter, not a constant
    n, want = models.count_parameters(G), models.count_parameters(models.MLPGenerator(Z_DIM))
    require(n == want, f"wrong architecture: expected z_dim -> 256 -> 512 -> 784 linear layers "
                       f"({want:,} parameters for z_dim = 64), found {n:,}.")
    with torch.no_grad():
        require_data_range(G(10 * torch.randn(256, Z_DIM)))
    require(not torch.allclose(out[0], out[1]), "G ignores its input: two different z give the same image.")
    z = torch.randn(16, Z_DIM)
    require_layers_of(G, models.MLPGenerator(Z_DIM), lambda net: net(z),
                      "Linear -> ReLU -> Linear -> ReLU -> Linear -> Tanh")
    out.sum().backward()
    no_grad = [name for name, p in G.named_parameters() if p.grad is None]
    require(not no_grad, f"parameters {no_grad} get no gradient: every layer must take part in forward().")
    passed(f"Generator: (N, {Z_DIM}) -> (N, 1, 28, 28) in [-1, 1], {n:,} parameters")


@isolated_rng
def check_discriminator(Discriminator) -> None:
    """Discriminator() maps images (N, 1, 28, 28) to one logit each, (N, 1)."""
    torch.manual_seed(0)
    D = Discriminator()
    x = torch.rand(8, 1, 28, 28) * 2 - 1
    out = D(x)
    require(isinstance(out, torch.Tensor), f"D(x) must return a tensor, got {type(out).__name__}.")
    require(tuple(out.shape) == (8, 1), f"wrong output shape: D(x) for 8 images must be (8, 1), one logit per image, "
                                        f"got {tuple(out.shape)}.")
    n, want = models.count_parameters(D), models.count_parameters(models.MLPDiscriminator())
    require(n == want, f"wrong architecture: expected 784 -> 512 -> 256 -> 1 linear layers ({want:,} parameters), found {n:,}.")
    linears = [m for m in D.modules() if isinstance(m, nn.Linear)]
    require(bool(linears), "the discriminator has no nn.Linear layers.")
    with torch.no_grad():  # a D whose last layer outputs -3 for every image must return the logit -3 itself
        for p in D.parameters():
            p.zero_()
        linears[-1].bias.fill_(-3.0)
        out = D(x)
    if torch.allclose(out, torch.sigmoid(torch.tensor(-3.0)).expand_as(out), atol=1e-4):
        raise CheckFailed("sigmoid applied in the discriminator: D must return logits (any real number), the losses "
                          "apply the sigmoid inside a numerically stable log-sigmoid; remove the final sigmoid.")
    require(torch.allclose(out, torch.full_like(out, -3.0), atol=1e-4),
            "D's output is not its last linear layer's output: return the logits of the final nn.Linear as they are.")
    require_layers_of(Discriminator(), models.MLPDiscriminator(), lambda net: net(x),
                      "Linear -> LeakyReLU(0.2) -> Linear -> LeakyReLU(0.2) -> Linear (logits)")
    passed(f"Discriminator: (N, 1, 28, 28) -> logits (N, 1), {n:,} parameters")


@isolated_rng
def check_interpolate(interpolate) -> None:
    """interpolate(z0, z1, steps) -> (steps, z_dim): z0, evenly spaced points, z1."""
    z0, z1 = torch.zeros(4), torch.arange(4.0)
    out = interpolate(z0, z1, 5)
    require(isinstance(out, torch.Tensor) and tuple(out.shape) == (5, 4),
            f"interpolate(z0, z1, steps=5) for codes of size 4 must return shape (5, 4), got "
            f"{tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__}.")
    want = torch.stack([z0 + t * (z1 - z0) for t in torch.linspace(0, 1, 5)])
    if torch.allclose(out, want.flip(0)):
        raise CheckFailed("interpolation runs backwards: the first row is z0, the last z1.")
    if torch.allclose(out, torch.stack([z0 + t * (z1 - z0) for t in torch.linspace(0, 1, 7)[1:-1]])):
        raise CheckFailed("endpoints missing: the first row must be z0 itself and the last z1 (torch.linspace(0, 1, steps)).")
    require(torch.allclose(out, want, atol=1e-6), f"interpolate(0, [0, 1, 2, 3], 5) should be (1 - t) z0 + t z1 for "
                                                  f"t = 0, 0.25, ..., 1; got {out.tolist()}.")
    passed("interpolate: straight line from z0 to z1, endpoints included")
