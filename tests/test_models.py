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
