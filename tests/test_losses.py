import math

import pytest
import torch
import torch.nn.functional as F

from gankit import losses

REAL, FAKE = torch.tensor([2.0, -1.0, 0.5, 3.0]), torch.tensor([-2.0, 1.0, 0.0, -0.5])


def test_d_loss_is_half_the_binary_cross_entropy_on_both_batches():
    want = 0.5 * F.binary_cross_entropy(torch.sigmoid(REAL), torch.ones(4)) \
        + 0.5 * F.binary_cross_entropy(torch.sigmoid(FAKE), torch.zeros(4))
    assert torch.allclose(losses.d_loss(REAL, FAKE), want, atol=1e-6)


def test_d_loss_at_the_equilibrium_is_log_2():
    assert math.isclose(losses.d_loss(torch.zeros(5), torch.zeros(5)).item(), math.log(2), rel_tol=1e-6)


def test_value_function_is_minus_twice_d_loss():
    assert torch.allclose(losses.value_function(REAL, FAKE), -2 * losses.d_loss(REAL, FAKE))


def test_generator_losses_closed_forms():
    p = torch.sigmoid(FAKE)
    assert torch.allclose(losses.g_loss_minimax(FAKE), 0.5 * torch.log(1 - p).mean(), atol=1e-6)
    assert torch.allclose(losses.g_loss_nonsaturating(FAKE), -0.5 * torch.log(p).mean(), atol=1e-6)


def test_losses_are_finite_at_extreme_logits():
    big = torch.tensor([-200.0, 200.0])
    for value in (losses.d_loss(big, big), losses.g_loss_minimax(big), losses.g_loss_nonsaturating(big)):
        assert torch.isfinite(value)
    assert math.isclose(losses.g_loss_nonsaturating(torch.tensor([-200.0])).item(), 100.0, rel_tol=1e-6)


def test_minimax_gradient_vanishes_where_d_rejects_fakes():
    a = torch.tensor([-8.0], requires_grad=True)
    (g_mm,) = torch.autograd.grad(losses.g_loss_minimax(a), a)
    b = torch.tensor([-8.0], requires_grad=True)
    (g_ns,) = torch.autograd.grad(losses.g_loss_nonsaturating(b), b)
    # d/da 1/2 log(1 - s(a)) = -s(a)/2 ; d/da -1/2 log s(a) = -(1 - s(a))/2
    s = torch.sigmoid(torch.tensor(-8.0))
    assert torch.allclose(g_mm, -s / 2) and torch.allclose(g_ns, -(1 - s) / 2)
    assert g_ns.abs() > 1000 * g_mm.abs()


def test_losses_accept_column_logits():
    assert torch.allclose(losses.d_loss(REAL.view(-1, 1), FAKE.view(-1, 1)), losses.d_loss(REAL, FAKE))


class _PairD(torch.nn.Module):
    """logit = w * mean pixel + label (w = 3): each label shifts the logit its own way."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.tensor(3.0))

    def forward(self, x, y):
        return (self.w * x.flatten(1).mean(1) + y.float()).unsqueeze(1)


def test_conditional_losses_pass_each_image_its_label_and_detach_the_fakes():
    D, y = _PairD(), torch.tensor([0, 1, 2])
    real = torch.rand(3, 1, 4, 4)
    source = torch.zeros(3, 1, 4, 4, requires_grad=True)
    fake = source + 0.5
    loss = losses.cgan_d_loss(D, real, fake, y)
    assert torch.allclose(loss, losses.d_loss(D(real, y), D(fake, y)))
    loss.backward()
    assert source.grad is None
    assert torch.allclose(losses.cgan_g_loss(D, fake, y), -0.5 * F.logsigmoid(D(fake, y)).mean())


def test_pix2pix_g_loss_is_patch_cross_entropy_plus_lambda_l1():
    patches, target = torch.zeros(2, 1, 3, 3), torch.zeros(2, 1, 4, 4)
    assert losses.pix2pix_g_loss(patches, target + 0.25, target).item() == pytest.approx(math.log(2) + 25)
    assert losses.pix2pix_g_loss(patches, target - 0.25, target, lam=4).item() == pytest.approx(math.log(2) + 1)


def test_cyclegan_losses_closed_forms():
    ones, zeros = torch.ones(2, 1, 3, 3), torch.zeros(2, 1, 3, 3)
    assert losses.lsgan_d_loss(ones, zeros).item() == 0 and losses.lsgan_d_loss(zeros, ones).item() == 1
    assert losses.lsgan_g_loss(zeros).item() == 1 and losses.lsgan_g_loss(ones).item() == 0
    assert losses.cycle_loss(zeros, zeros + 0.5).item() == pytest.approx(5.0)
    assert losses.identity_loss(zeros, zeros - 0.5, lam=2).item() == pytest.approx(0.5)
