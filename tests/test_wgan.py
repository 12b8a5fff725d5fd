"""Lab 7's kit: W1 in 1D, the Wasserstein losses and the penalty, clipping, the critic, the WGAN loop,
the new toys and the rank correlation; checked against closed forms and independent implementations."""
import math

import pytest
import torch
from torch import nn

from gankit import losses, metrics, models, theory, toy, training


def test_wasserstein_1d_matches_scipy_for_unequal_sizes():
    stats = pytest.importorskip("scipy.stats")
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(137, generator=g), torch.randn(80, generator=g) * 2 + 0.3
    assert float(theory.wasserstein_1d(x, y)) == pytest.approx(stats.wasserstein_distance(x.numpy(), y.numpy()), rel=1e-6)


def test_wasserstein_1d_closed_forms_of_shifts_and_scales():
    g = torch.Generator().manual_seed(1)
    z, w = torch.randn(100_000, generator=g, dtype=torch.float64), torch.randn(100_000, generator=g, dtype=torch.float64)
    assert float(theory.wasserstein_1d(z, z + 0.8)) == pytest.approx(0.8, abs=1e-9)  # every point moved by 0.8
    assert float(theory.wasserstein_1d(z, 3 * w)) == pytest.approx(2 * math.sqrt(2 / math.pi), abs=0.02)
    u = torch.rand(50_000, generator=g, dtype=torch.float64)
    for s in (0.3, 2.0):
        assert float(theory.wasserstein_1d(u, u + s)) == pytest.approx(theory.shifted_uniform_w1(s))
    with pytest.raises(ValueError, match="at least one sample"):
        theory.wasserstein_1d(torch.tensor([]), z)


def test_critic_and_generator_losses_are_the_w1_estimate_and_its_g_term():
    real, fake = torch.tensor([1.0, 3.0]), torch.tensor([-1.0, 0.0, 4.0])
    assert losses.critic_loss(real, fake).item() == pytest.approx(1.0 - 2.0)
    assert losses.wgan_g_loss(fake).item() == pytest.approx(-1.0)


def test_penalty_of_a_linear_critic_is_lam_times_the_slope_error_squared_and_trains_it():
    critic = nn.Linear(3, 1)
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([[2.0, 0.0, 0.0]]))
    real, fake = torch.randn(8, 3), torch.randn(8, 3)
    pen = losses.gradient_penalty(critic, real, fake, lam=10.0)
    assert pen.item() == pytest.approx(10.0)  # 10 (|w| - 1)^2 with |w| = 2, wherever the interpolates fall
    (grad,) = torch.autograd.grad(pen, critic.weight)  # the double backward: 20 (|w| - 1) w / |w|
    assert torch.allclose(grad, torch.tensor([[20.0, 0.0, 0.0]]))


def test_penalty_draws_one_eps_per_sample_over_image_shapes():
    seen = []

    class Quadratic(nn.Module):  # grad of |x|^2 / 2 is x: the penalty's points are visible
        def forward(self, x):
            seen.append(x.detach())
            return 0.5 * x.flatten(1).pow(2).sum(1)

    real, fake = torch.randn(32, 1, 4, 4), torch.randn(32, 1, 4, 4)
    pen = losses.gradient_penalty(Quadratic(), real, fake, lam=1.0, generator=torch.Generator().manual_seed(0))
    eps = ((seen[0] - fake) / (real - fake)).flatten(1)
    assert eps.std(1).max() < 1e-4 and eps[:, 0].std() > 0.1 and 0 <= eps.min() and eps.max() <= 1
    assert pen.item() == pytest.approx((seen[0].flatten(1).norm(dim=1) - 1).pow(2).mean().item(), rel=1e-5)


def test_clip_weights_clamps_every_parameter_in_place():
    net = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 1))
    ids = [id(p) for p in net.parameters()]
    training.clip_weights(net, 0.05)
    assert [id(p) for p in net.parameters()] == ids
    assert all(p.abs().max() <= 0.05 for p in net.parameters())


def test_dcgan_critic_scores_each_image_on_its_own_and_refuses_unknown_norms():
    critic = models.DCGANCritic()
    x = torch.rand(6, 1, 28, 28) * 2 - 1
    out = critic(x)
    assert out.shape == (6, 1)
    assert torch.allclose(torch.cat([critic(x[i:i + 1]) for i in range(6)]), out, atol=1e-5)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in critic.modules())
    with pytest.raises(ValueError, match="norm must be one of"):
        models.DCGANCritic(norm="instance")


def test_wgan_iteration_takes_n_critic_steps_and_clips_after_each():
    torch.manual_seed(0)
    G, critic = models.ToyGenerator(), models.ToyDiscriminator()
    opt_G, opt_C = torch.optim.RMSprop(G.parameters(), lr=1e-2), torch.optim.RMSprop(critic.parameters(), lr=1e-2)
    steps = []
    opt_C.register_step_post_hook(lambda *a: steps.append("critic"))
    opt_G.register_step_post_hook(lambda *a: steps.append("G"))
    stats = training.wgan_iteration(G, critic, opt_G, opt_C, [torch.randn(16, 2) for _ in range(5)],
                                    lambda m: torch.randn(m, 2), lam=None, clip=0.01)
    assert steps == ["critic"] * 5 + ["G"]
    assert all(p.abs().max() <= 0.01 for p in critic.parameters())
    assert stats["w_estimate"] == pytest.approx(stats["d_real"] - stats["d_fake"])


def test_train_wgan_records_the_estimate_and_resumes(tmp_path):
    points = toy.grid().sample(512, torch.Generator().manual_seed(0))
    options = dict(batch_size=32, n_critic=2, progress=False, device="cpu", checkpoint=tmp_path / "w.pt")
    torch.manual_seed(0)
    G, critic = models.ToyGenerator(), models.ToyDiscriminator()
    h = training.train_wgan(G, critic, points, steps=4, **options)
    assert h.extra["w_estimate"] == pytest.approx([r - f for r, f in zip(h.d_real, h.d_fake)])
    h = training.train_wgan(G, critic, points, steps=6, **options)
    assert h.step == [1, 2, 3, 4, 5, 6] and len(h.extra["w_estimate"]) == 6


def test_grid_and_swiss_roll_toys():
    grid = toy.grid()
    x = grid.sample(5000, torch.Generator().manual_seed(0))
    assert metrics.mode_coverage(x, grid.means, grid.std).modes_captured == 25
    assert grid.means.shape == (25, 2) and grid.means.mean().abs() < 1e-6
    roll = toy.dataset("swiss-roll").sample(1000, torch.Generator().manual_seed(0))
    r = roll.norm(dim=1)
    assert roll.shape == (1000, 2) and r.min() > 0.5 and r.max() < 2.0  # t / 7.5 for t in [1.5 pi, 4.5 pi]: 0.63 to 1.88


def test_the_game_refuses_a_toy_without_a_density():
    from gankit.game import Game

    with pytest.raises(ValueError, match="no density"):
        Game(data="swiss-roll")


def test_rank_correlation():
    assert metrics.rank_correlation([1, 2, 3, 4], [10, 20, 30, 100]) == pytest.approx(1.0)
    assert metrics.rank_correlation([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    stats = pytest.importorskip("scipy.stats")
    a, b = torch.randn(20, generator=torch.Generator().manual_seed(0)), torch.randn(20, generator=torch.Generator().manual_seed(1))
    assert metrics.rank_correlation(a, b) == pytest.approx(stats.spearmanr(a.numpy(), b.numpy()).statistic)
    with pytest.raises(ValueError, match="same length"):
        metrics.rank_correlation([1, 2, 3], [1, 2])
