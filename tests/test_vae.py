"""Lab 8's kit pieces against closed forms: the KL, the ELBO, the IWAE bound, binarisation, the models."""
import math

import pytest
import torch
from torch.distributions import Bernoulli, Normal, kl_divergence

from gankit import autoencoders, data, elbo


def test_gaussian_kl_matches_torch_distributions():
    g = torch.Generator().manual_seed(0)
    mu, logvar = torch.randn(5, 4, generator=g, dtype=torch.float64), torch.randn(5, 4, generator=g, dtype=torch.float64)
    want = kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)).sum(1)
    assert torch.allclose(elbo.gaussian_kl(mu, logvar), want)
    assert torch.allclose(elbo.gaussian_kl(torch.zeros(3, 2), torch.zeros(3, 2)), torch.zeros(3))


def test_bernoulli_log_likelihood_and_negative_elbo_of_known_outputs():
    # a decoder whose logit is 0 everywhere gives every binary image log p = 784 log(1/2)
    x = (torch.rand(3, 1, 28, 28, generator=torch.Generator().manual_seed(1)) < 0.5).float()
    ll = elbo.bernoulli_log_likelihood(torch.zeros_like(x), x)
    assert torch.allclose(ll, torch.full((3,), 784 * math.log(0.5)))
    logits = torch.randn(3, 1, 28, 28, generator=torch.Generator().manual_seed(2))
    assert torch.allclose(elbo.bernoulli_log_likelihood(logits, x), Bernoulli(logits=logits).log_prob(x).flatten(1).sum(1),
                          atol=1e-3)
    mu, logvar = torch.ones(3, 2), torch.zeros(3, 2)  # KL = 1/2 * 2 * 1 = 1 per image
    assert abs(elbo.negative_elbo(torch.zeros_like(x), x, mu, logvar).item() - (784 * math.log(2) + 1.0)) < 1e-3


def test_reparameterize_moments_and_gradients():
    mu = torch.full((50_000, 2), 1.5, requires_grad=True)
    logvar = torch.tensor([math.log(9.0), math.log(0.01)]).repeat(50_000, 1).requires_grad_()
    z = elbo.reparameterize(mu, logvar, torch.Generator().manual_seed(0))
    assert torch.allclose(z.mean(0), torch.tensor([1.5, 1.5]), atol=0.03)
    assert torch.allclose(z.std(0), torch.tensor([3.0, 0.1]), rtol=0.02)
    z.sum().backward()
    assert torch.allclose(mu.grad, torch.ones_like(mu))
    assert torch.allclose(logvar.grad, 0.5 * (z - mu).detach(), atol=1e-6)


def test_iwae_of_identical_weights_is_that_weight_and_of_k_1_is_the_log_weight():
    assert torch.allclose(elbo.iwae_bound(torch.full((10, 3), -87.0)), torch.full((3,), -87.0))
    lw = torch.tensor([[-600.0, -1.0]])
    assert torch.allclose(elbo.iwae_bound(lw), lw[0])
    two = torch.tensor([[0.0], [math.log(3.0)]])  # weights 1 and 3: log of their mean, log 2
    assert abs(elbo.iwae_bound(two).item() - math.log(2.0)) < 1e-6


def test_log_weights_are_exact_for_a_linear_gaussian_model():
    """With q(z | x) = the prior and a decoder that ignores z, every log weight is log p(x | z): the bound is exact."""
    class Flat(torch.nn.Module):
        def encode(self, x):
            return torch.zeros(len(x), 3), torch.zeros(len(x), 3)

        def decode(self, z):
            return torch.zeros(len(z), 1, 28, 28)

    x = data.binarize(torch.zeros(4, 1, 28, 28), torch.Generator().manual_seed(0))
    lw = elbo.log_weights(Flat(), x, k=5)
    assert lw.shape == (5, 4)
    assert torch.allclose(lw, torch.full((5, 4), 784 * math.log(0.5)), atol=1e-3)


def test_iwae_rises_with_k_on_a_fixed_model():
    torch.manual_seed(0)
    model = autoencoders.VAE(z_dim=4, kind="mlp")
    x = data.binarize(data.digits().images[:40], torch.Generator().manual_seed(1))
    bounds = elbo.test_bounds(model, x, ks=(1, 10, 100))
    assert bounds["iwae_1"] < bounds["iwae_10"] < bounds["iwae_100"]
    assert abs(bounds["iwae_1"] - bounds["elbo"]) < 0.05 * abs(bounds["elbo"])


def test_binarize_keeps_the_grey_level_as_a_probability():
    grey = torch.full((1, 1, 100, 100), 0.5)  # [-1, 1] -> probability 0.75
    b = data.binarize(grey, torch.Generator().manual_seed(0))
    assert set(b.unique().tolist()) <= {0.0, 1.0}
    assert abs(b.mean().item() - 0.75) < 0.02
    assert torch.equal(data.binarize(torch.full((2, 3), -1.0)), torch.zeros(2, 3))
    again = data.binarize(grey, torch.Generator().manual_seed(0))
    assert torch.equal(b, again)
    assert not torch.equal(b, data.binarize(grey, torch.Generator().manual_seed(1)))


def test_corrupt_replaces_the_share_it_is_asked_for():
    x = torch.zeros(1, 1, 200, 200)
    noisy = data.corrupt(x, 0.3, torch.Generator().manual_seed(0))
    assert abs(noisy.mean().item() - 0.15) < 0.01  # 30 % replaced, half of them by 1
    assert torch.equal(data.corrupt(x, 0.0), x)


@pytest.mark.parametrize("kind", ["conv", "mlp"])
def test_models_have_the_documented_shapes(kind):
    x = torch.zeros(5, 1, 28, 28)
    ae = autoencoders.Autoencoder(z_dim=7, kind=kind)
    assert ae.encode(x).shape == (5, 7) and ae(x).shape == (5, 1, 28, 28)
    vae = autoencoders.VAE(z_dim=3, kind=kind)
    logits, mu, logvar = vae(x)
    assert logits.shape == (5, 1, 28, 28) and mu.shape == logvar.shape == (5, 3)
    assert vae.preview(x, torch.zeros(2, 3)).shape == (2, 1, 28, 28)
    with pytest.raises(ValueError, match="kind must be one of"):
        autoencoders.VAE(kind="resnet")


def test_train_autoencoder_lowers_the_loss_and_resumes(tmp_path):
    images = data.digits().images[:256]
    torch.manual_seed(0)
    vae = autoencoders.VAE(z_dim=4, kind="mlp")
    h = autoencoders.train_autoencoder(vae, images, steps=60, batch_size=32, device="cpu", progress=False,
                                       checkpoint=tmp_path / "vae.pt")
    loss = h.extra["loss"]
    assert sum(loss[-10:]) / 10 < sum(loss[:10]) / 10
    assert h.snapshots[-1].shape == (64, 1, 28, 28) and h.snapshots[-1].min() >= -1
    torch.manual_seed(0)
    straight = autoencoders.VAE(z_dim=4, kind="mlp")
    autoencoders.train_autoencoder(straight, images, steps=80, batch_size=32, device="cpu", progress=False)
    resumed = autoencoders.train_autoencoder(vae, images, steps=80, batch_size=32, device="cpu", progress=False,
                                             checkpoint=tmp_path / "vae.pt")
    assert resumed.step == list(range(1, 81))
    for a, b in zip(vae.parameters(), straight.parameters()):
        assert torch.allclose(a, b, atol=1e-5)


def test_train_autoencoder_hands_the_denoiser_clean_and_corrupted_images():
    seen = []

    def loss_fn(model, clean, noisy):
        seen.append((clean, noisy))
        return autoencoders.reconstruction_loss(model, clean) * 0 + (model(noisy).sigmoid() - clean).pow(2).mean()

    ae = autoencoders.Autoencoder(z_dim=2, kind="mlp")
    autoencoders.train_autoencoder(ae, data.digits().images[:64], steps=2, batch_size=16, corrupt=0.25, loss_fn=loss_fn,
                                   device="cpu", progress=False)
    clean, noisy = seen[0]
    assert clean.shape == noisy.shape == (16, 1, 28, 28)
    changed = (clean != noisy).float().mean().item()
    assert 0.05 < changed < 0.25  # a quarter replaced, about half of those by the value already there
