"""gankit.features: one preparation per extractor, the shipped digit extractor, Inception-v3 offline and online."""
import urllib.error

import pytest
import torch
import torch.nn.functional as F

from gankit import classifier, features


def test_prepare_for_digits_keeps_mnist_images_and_converts_others():
    x = torch.rand(4, 1, 28, 28) * 2 - 1
    assert torch.equal(features.prepare(x, "digits"), x)
    rgb = torch.full((2, 3, 64, 64), 0.25)
    rgb[:, 0] = -0.5  # grey = mean of the channels = (-0.5 + 0.25 + 0.25) / 3
    out = features.prepare(rgb, "digits")
    assert out.shape == (2, 1, 28, 28)
    assert torch.allclose(out, torch.full_like(out, 0.0), atol=1e-6)


def test_prepare_for_inception_resizes_and_normalises_like_imagenet():
    out = features.prepare(torch.full((2, 1, 28, 28), 0.5), "inception")
    assert out.shape == (2, 3, 299, 299)
    for c, (m, s) in enumerate(zip(features.IMAGENET_MEAN, features.IMAGENET_STD)):
        assert torch.allclose(out[:, c], torch.full_like(out[:, c], (0.75 - m) / s), atol=1e-5)


@pytest.mark.parametrize("images, extractor, phrase", [
    (torch.rand(2, 1, 28, 28) * 255, "digits", "x / 127.5 - 1"),
    (torch.rand(2, 28, 28), "digits", "unsqueeze(1)"),
    (torch.rand(2, 1, 28, 28), "resnet", "unknown extractor"),
])
def test_prepare_names_the_fix_for_bad_input(images, extractor, phrase):
    with pytest.raises(ValueError, match=phrase.replace("(", r"\(").replace(")", r"\)")):
        features.prepare(images, extractor)


def test_digit_extractor_is_the_shipped_classifier_split_at_its_feature_layer():
    images = torch.rand(5, 1, 28, 28) * 2 - 1
    net, ext = classifier.pretrained(), features.load("digits")
    with torch.no_grad():
        assert torch.allclose(ext.features(images, batch_size=2), net.features(images), atol=1e-6)
        assert torch.allclose(ext.probs(images, batch_size=2), F.softmax(net(images), dim=1), atol=1e-6)


def test_inception_offline_raises_a_clear_connection_error(monkeypatch):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr("torchvision.models._api.load_state_dict_from_url", offline)
    with pytest.raises(ConnectionError, match="need internet"):
        features.load("inception")


def test_inception_gives_2048_features_and_imagenet_probabilities(monkeypatch):
    from torchvision.models import inception_v3

    # the published weights are not reachable here: the same architecture's random weights stand in
    random_state = inception_v3(weights=None, aux_logits=True, init_weights=False).state_dict()
    monkeypatch.setattr("torchvision.models._api.load_state_dict_from_url", lambda *a, **k: random_state)
    ext = features.load("inception")
    images = torch.rand(2, 1, 28, 28) * 2 - 1
    feats, probs = ext.features(images), ext.probs(images)
    assert feats.shape == (2, 2048) and probs.shape == (2, 1000)
    assert torch.allclose(probs.sum(1), torch.ones(2), atol=1e-5)
    assert torch.allclose(F.softmax(ext.head(feats), dim=1), probs, atol=1e-5)
