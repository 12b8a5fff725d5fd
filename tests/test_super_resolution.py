"""Lab 10's kit pieces: the low-resolution pairs, PSNR and SSIM (against closed forms and scikit-image),
the sub-pixel layout, SRResNet and SRGAN's D, the content networks, the losses and step, and
training (resumed exactly)."""
import urllib.error

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gankit import data, metrics
from gankit import super_resolution as sr


def _digits(n=32, seed=0):
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def test_low_resolution_pairs_shrink_four_times_by_antialiased_bicubic():
    hr = _digits(4)
    lr, same = data.low_resolution_pairs(hr)
    assert same is hr and lr.shape == (4, 1, 7, 7) and lr.min() >= -1 and lr.max() <= 1
    flat = torch.full((2, 3, 8, 8), 0.25)  # a constant image shrinks to the same constant
    assert torch.allclose(data.low_resolution_pairs(flat)[0], torch.full((2, 3, 2, 2), 0.25), atol=1e-6)
    with pytest.raises(ValueError, match="multiple of 4"):
        data.low_resolution_pairs(torch.zeros(1, 1, 30, 30))


def test_psnr_closed_forms_and_scikit_image():
    from skimage.metrics import peak_signal_noise_ratio

    y = _digits(3)
    assert abs(metrics.psnr(y + 0.2, y) - 20.0) < 1e-4  # 10 log10(4 / 0.04), up to float32 inputs
    errors = torch.tensor([0.02, 0.2]).view(2, 1, 1, 1)
    assert abs(metrics.psnr(y[:2] + errors, y[:2]) - 30.0) < 1e-4  # the mean of 40 and 20 dB, not the mean error's
    x = (y + 0.3 * torch.randn(y.shape, generator=torch.Generator().manual_seed(1))).clamp(-1, 1)
    theirs = np.mean([peak_signal_noise_ratio(y[i].numpy(), x[i].numpy(), data_range=2.0) for i in range(3)])
    assert abs(metrics.psnr(x, y) - theirs) < 1e-4
    with pytest.raises(ValueError, match="one shape"):
        metrics.psnr(x, y[:2])


def test_ssim_matches_scikit_image_and_is_one_for_identical_images():
    from skimage.metrics import structural_similarity

    y = _digits(4, seed=2)
    x = (y + 0.3 * torch.randn(y.shape, generator=torch.Generator().manual_seed(3))).clamp(-1, 1)
    theirs = np.mean([structural_similarity(x[i, 0].double().numpy(), y[i, 0].double().numpy(), data_range=2.0,
                                            gaussian_weights=True, sigma=1.5, use_sample_covariance=False)
                      for i in range(4)])
    assert abs(metrics.ssim(x, y) - theirs) < 1e-10
    assert abs(metrics.ssim(y, y) - 1.0) < 1e-12
    assert metrics.ssim(x, y) < metrics.ssim((y + x) / 2, y) < 1
    with pytest.raises(ValueError, match="too small"):
        metrics.ssim(torch.zeros(1, 1, 7, 7), torch.zeros(1, 1, 7, 7))


def test_the_upsampler_moves_channel_c_r2_plus_i_r_plus_j_to_pixel_r_h_plus_i_r_w_plus_j():
    up = sr.SubPixelUpsampler(2, r=3)
    x = torch.randn(1, 2 * 9, 2, 2)
    out = up.shuffle(x)
    for c, i, j, h, w in [(0, 0, 0, 0, 0), (1, 2, 1, 1, 0), (0, 1, 2, 1, 1)]:
        assert out[0, c, 3 * h + i, 3 * w + j] == x[0, c * 9 + i * 3 + j, h, w]
    assert up(torch.zeros(5, 2, 4, 4)).shape == (5, 2, 12, 12)


def test_residual_block_with_zero_convolutions_is_the_identity():
    block = sr.ResidualBlock(3).eval()
    with torch.no_grad():
        for m in (block.conv1, block.conv2):
            m.weight.zero_()
            m.bias.zero_()
        x = torch.randn(2, 3, 5, 5)
        assert torch.allclose(block(x), x)


def test_srresnet_and_discriminator_shapes_and_the_factor():
    G, D = sr.SRResNet(channels=8, blocks=2), sr.SRDiscriminator(width=8)
    out = G(torch.zeros(3, 1, 7, 7))
    assert out.shape == (3, 1, 28, 28) and out.abs().max() <= 1
    assert D(out).shape == (3,)
    assert sr.SRResNet(channels=4, blocks=1, factor=2, in_channels=3)(torch.zeros(1, 3, 8, 8)).shape == (1, 3, 16, 16)
    assert sr.SRDiscriminator(width=4, in_channels=3, side=64)(torch.zeros(2, 3, 64, 64)).shape == (2,)
    with pytest.raises(ValueError, match="power of 2"):
        sr.SRResNet(factor=3)
    assert sr.bicubic(torch.zeros(2, 1, 7, 7)).shape == (2, 1, 28, 28)


def test_digit_features_are_frozen_convolutional_features():
    phi = sr.digit_features()
    assert not phi.training and not any(p.requires_grad for p in phi.parameters())
    assert phi(_digits(2)).shape == (2, 32, 14, 14)


def test_vgg19_offline_raises_a_clear_connection_error(monkeypatch):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr("torchvision.models._api.load_state_dict_from_url", offline)
    with pytest.raises(ConnectionError, match="digit_features"):
        sr.vgg19_features()


def test_content_loss_detaches_the_target_and_uses_eval_mode():
    phi = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.Dropout(0.5)).train()
    up, hr = _digits(2, 4).requires_grad_(), _digits(2, 5).requires_grad_()
    loss = sr.content_loss(phi, up, hr)
    assert not phi.training
    loss.backward()
    assert hr.grad is None and up.grad.abs().sum() > 0
    assert torch.isclose(loss, F.mse_loss(phi(up), phi(hr)))


def test_g_loss_is_content_plus_a_thousandth_of_the_adversarial_term():
    up, hr = _digits(2, 6), _digits(2, 7)
    undecided = lambda x: torch.zeros(len(x))  # noqa: E731 (D = 1/2: -log D = log 2)
    got = sr.srgan_g_loss(undecided, nn.Identity(), up, hr)
    assert torch.isclose(got, F.mse_loss(up, hr) + 1e-3 * torch.log(torch.tensor(2.0)))


def test_srgan_step_moves_both_players_and_d_only_in_its_own_step():
    torch.manual_seed(0)
    G, D, phi = sr.SRResNet(channels=4, blocks=1), sr.SRDiscriminator(width=4), sr.digit_features()
    opt_g, opt_d = torch.optim.SGD(G.parameters(), lr=0.1), torch.optim.SGD(D.parameters(), lr=0.1)
    hr = _digits(4, 8)
    lr, _ = data.low_resolution_pairs(hr)
    g0, d0 = [p.clone() for p in G.parameters()], [p.clone() for p in D.parameters()]
    out = sr.srgan_step(G, D, opt_g, opt_d, lr, hr, phi)
    assert set(out) == {"d_loss", "g_loss"}
    assert any(not torch.equal(a, b) for a, b in zip(g0, G.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(d0, D.parameters()))


@pytest.mark.parametrize("gan", [False, True])
def test_training_snapshots_the_fixed_images_and_resumes_exactly(tmp_path, gan):
    hr = _digits(40, 9)
    lr, _ = data.low_resolution_pairs(hr)
    phi = sr.digit_features()

    def run(steps, checkpoint=None, end=None):
        def fresh():
            torch.manual_seed(0)
            return sr.SRResNet(channels=4, blocks=1), (sr.SRDiscriminator(width=4) if gan else None)

        options = {"batch_size": 8, "device": "cpu", "progress": False, "checkpoint": checkpoint, "snapshot_every": 3,
                   "phi": phi if gan else None}
        if end is not None:  # an interrupted run
            G, D = fresh()
            sr.train_sr(G, lr, hr, D=D, steps=end, **options)
        G, D = fresh()
        h = sr.train_sr(G, lr, hr, D=D, steps=steps, **options)
        nets = (G, D) if gan else (G,)
        return h, torch.cat([p.detach().flatten() for net in nets for p in net.parameters()])

    whole, w = run(6)
    resumed, r = run(6, tmp_path / "sr.pt", end=3)
    assert whole.snapshot_steps == [3, 6] and whole.snapshots[0].shape == (16, 1, 28, 28)
    assert resumed.step == list(range(1, 7)) and torch.equal(w, r)
    if gan:
        assert len(whole.d_loss) == 6


def test_srgan_training_needs_both_d_and_phi():
    with pytest.raises(ValueError, match="both D and phi"):
        sr.train_sr(sr.SRResNet(channels=4, blocks=1), torch.zeros(4, 1, 7, 7), torch.zeros(4, 1, 28, 28), steps=1,
                    D=sr.SRDiscriminator(width=4), progress=False)


def test_upscale_keeps_the_generator_in_its_mode():
    G = sr.SRResNet(channels=4, blocks=1).train()
    out = sr.upscale(G, torch.zeros(5, 1, 7, 7), batch_size=2)
    assert out.shape == (5, 1, 28, 28) and G.training


def test_vgg19_features_see_images_in_imagenets_normalisation(monkeypatch):
    class Stub:  # VGG19's layers as identities: what reaches them is the normalised image
        features = nn.Sequential(*[nn.Identity() for _ in range(37)])

    monkeypatch.setattr("torchvision.models.vgg19", lambda weights: Stub())
    phi = sr.vgg19_features()
    out = phi(torch.full((2, 3, 8, 8), 0.5))
    assert not phi.training and not any(p.requires_grad for p in phi.parameters())
    for c, (m, s) in enumerate(zip((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))):
        assert torch.allclose(out[:, c], torch.full_like(out[:, c], (0.75 - m) / s), atol=1e-5)
