import pytest
import torch

from gankit import models


@pytest.mark.parametrize("G", [models.MLPGenerator(16), models.DCGANGenerator(16), models.reference_gan(16)[0]])
def test_generators_make_images_in_the_data_range(G):
    x = G(torch.randn(5, 16) * 5)
    assert x.shape == (5, 1, 28, 28)
    assert x.min() >= -1 and x.max() <= 1 and x.min() < 0


@pytest.mark.parametrize("D", [models.MLPDiscriminator(), models.DCGANDiscriminator(), models.reference_gan()[1]])
def test_discriminators_return_one_logit_per_image(D):
    out = D(torch.rand(6, 1, 28, 28) * 2 - 1)
    assert out.shape == (6, 1)


def test_mlp_parameter_counts_follow_the_layer_sizes():
    assert models.count_parameters(models.MLPGenerator(64)) == 64 * 256 + 256 + 256 * 512 + 512 + 512 * 784 + 784
    assert models.count_parameters(models.MLPDiscriminator()) == 784 * 512 + 512 + 512 * 256 + 256 + 256 + 1


def test_dcgan_init_draws_weights_from_n_0_002():
    G = models.DCGANGenerator(64, ngf=64)
    G.apply(models.dcgan_init)
    w = G.upsample[0].weight
    assert abs(w.mean().item()) < 0.002 and abs(w.std().item() - 0.02) < 0.002


def test_one_hot_rows_and_clear_errors():
    assert torch.equal(models.one_hot(torch.tensor([2, 0]), 4), torch.tensor([[0, 0, 1, 0], [1, 0, 0, 0]]).float())
    with pytest.raises(ValueError, match="0..9"):
        models.one_hot(torch.tensor([10]))
    with pytest.raises(TypeError, match="integer"):
        models.one_hot(torch.tensor([1.0]))


def test_conditional_nets_use_the_label():
    torch.manual_seed(0)
    G, D = models.ConditionalGenerator(16), models.ConditionalDiscriminator()
    z, x = torch.randn(4, 16), torch.rand(4, 1, 28, 28) * 2 - 1
    y, other = torch.tensor([0, 3, 5, 9]), torch.tensor([1, 4, 6, 0])
    G.eval(), D.eval()
    assert G(z, y).shape == (4, 1, 28, 28) and D(x, y).shape == (4, 1)
    assert not torch.allclose(G(z, y), G(z, other)) and not torch.allclose(D(x, y), D(x, other))


def test_unet_keeps_the_image_size_and_range():
    out = models.UNetGenerator(in_channels=2, out_channels=3)(torch.randn(2, 2, 28, 28) * 3)
    assert out.shape == (2, 3, 28, 28) and out.min() >= -1 and out.max() <= 1


def test_patch_discriminator_matches_the_reference_implementation():
    # junyanz/pytorch-CycleGAN-and-pix2pix prints "[Network D_A] Total number of parameters : 2.765 M" for CycleGAN
    # (3 channels, instance norm) and "[Network D] ... 2.769 M" for pix2pix (6 channels, batch norm)
    cyclegan, pix2pix = models.PatchDiscriminator(3), models.PatchDiscriminator(6, norm="batch")
    assert models.count_parameters(cyclegan) == 2_764_737 and models.count_parameters(pix2pix) == 2_768_705
    assert list(cyclegan.state_dict()) == [f"model.{i}.{p}" for i in (0, 2, 5, 8, 11) for p in ("weight", "bias")]
    # 256 px -> 30 x 30 logits, each seeing a 70 x 70 patch; the lab's 28 px, one layer -> 12 x 12 (16 x 16 patches)
    assert cyclegan(torch.randn(1, 3, 256, 256)).shape == (1, 1, 30, 30)
    assert models.PatchDiscriminator(2, 32, n_layers=1, norm="batch")(torch.randn(2, 2, 28, 28)).shape == (2, 1, 12, 12)


def test_patch_logit_sees_a_70_pixel_patch():
    D = models.PatchDiscriminator(1, ndf=4, norm="batch").eval()  # instance norm would mix the whole image
    x = torch.zeros(1, 1, 256, 256, requires_grad=True)
    D(x)[0, 0, 15, 15].backward()
    rows, cols = x.grad[0, 0].abs().sum(1).nonzero(), x.grad[0, 0].abs().sum(0).nonzero()
    assert rows.max() - rows.min() + 1 == 70 and cols.max() - cols.min() + 1 == 70


def test_the_reference_discriminator_judges_each_image_on_its_own():
    """With BatchNorm (DCGAN's D) a verdict in training mode depends on the other images in the batch;
    the reference D leaves BatchNorm out, so an image scores the same alone or among others."""
    x = torch.rand(8, 1, 28, 28) * 2 - 1
    for D, independent in [(models.reference_gan()[1], True), (models.DCGANDiscriminator(), False)]:
        D.train()
        with torch.no_grad():
            alone, in_batch = D(x[:2]), D(x)[:2]
        assert torch.allclose(alone, in_batch, atol=1e-5) == independent
