"""gankit.cyclegan and the CycleGAN pieces of models and data: the reference's architecture and recipe."""
import urllib.error

import numpy as np
import pytest
import torch
from PIL import Image

from gankit import cyclegan, data, models


def test_resnet_generator_matches_the_reference_implementation():
    # junyanz/pytorch-CycleGAN-and-pix2pix prints "[Network G_A] Total number of parameters : 11.378 M" for
    # resnet_9blocks and 7.838 M for resnet_6blocks (3 -> 3 channels, ngf 64, instance norm without affine)
    G = models.ResnetGenerator(3, 3)
    assert models.count_parameters(G) == 11_378_179
    assert models.count_parameters(models.ResnetGenerator(3, 3, n_blocks=6)) == 7_837_699
    keys = list(G.state_dict())
    assert keys[:4] == ["model.1.weight", "model.1.bias", "model.4.weight", "model.4.bias"]
    assert "model.10.conv_block.1.weight" in keys and "model.18.conv_block.5.bias" in keys
    assert keys[-2:] == ["model.26.weight", "model.26.bias"] and len(keys) == 48  # no norm parameters or buffers


def test_resnet_generator_keeps_the_size_and_range():
    out = models.ResnetGenerator(1, 1, ngf=8, n_blocks=2)(torch.randn(2, 1, 28, 28) * 3)
    assert out.shape == (2, 1, 28, 28) and out.min() >= -1 and out.max() <= 1


def test_image_pool_fills_then_swaps_about_half_and_resumes():
    pool = cyclegan.ImagePool(5, seed=1)
    first = torch.arange(5.0).view(5, 1, 1, 1)
    assert torch.equal(pool.query(first), first)
    outs = torch.cat([pool.query(torch.full((5, 1, 1, 1), 100.0 + i)) for i in range(40)])
    old = (outs != torch.arange(40).repeat_interleave(5).view(-1, 1, 1, 1) + 100.0).float().mean()
    assert 0.35 < old < 0.65 and len(pool.images) == 5
    copy = cyclegan.ImagePool(5)
    copy.load_state_dict(pool.state_dict())
    batch = torch.full((5, 1, 1, 1), -1.0)
    assert torch.equal(copy.query(batch), pool.query(batch))
    assert torch.equal(cyclegan.ImagePool(0).query(batch), batch)


def test_learning_rate_is_constant_then_decays_linearly_to_zero():
    factor = cyclegan.linear_decay(n_constant=100, n_decay=100)
    assert factor(0) == factor(100) == 1.0
    assert factor(150) == pytest.approx(1 - 50 / 101) and factor(200) == pytest.approx(1 / 101)


def _tiny():
    torch.manual_seed(0)
    return cyclegan.small_models(ngf=4, n_blocks=1, ndf=4, n_layers=1)


X_IMAGES = torch.rand(40, 1, 28, 28) * 2 - 1


def test_training_records_parts_snapshots_and_resumes_exactly(tmp_path):
    Y_IMAGES = data.restyle(X_IMAGES)
    nets = _tiny()
    straight = cyclegan.train(nets, X_IMAGES, Y_IMAGES, steps=6, batch_size=4, device="cpu", progress=False,
                              n_snapshot=3, pool_size=3)
    assert set(straight.extra) >= {"adversarial", "cycle", "identity"} and len(straight.g_loss) == 6
    assert straight.snapshots[-1].shape == (6, 3, 1, 28, 28)
    ckpt = tmp_path / "run.pt"
    cyclegan.train(_tiny(), X_IMAGES, Y_IMAGES, steps=6, n_decay=3, batch_size=4, device="cpu", progress=False,
                   pool_size=3, checkpoint=ckpt, max_seconds=0)  # stops after one iteration
    resumed_nets = _tiny()
    resumed = cyclegan.train(resumed_nets, X_IMAGES, Y_IMAGES, steps=6, batch_size=4, device="cpu", progress=False,
                             pool_size=3, checkpoint=ckpt)
    assert resumed.step == straight.step and resumed.g_loss == pytest.approx(straight.g_loss, rel=1e-5)
    for a, b in zip(nets[0].parameters(), resumed_nets[0].parameters()):
        assert torch.allclose(a, b, atol=1e-6)


def test_unpaired_digits_are_two_styles_of_disjoint_halves(tmp_path):
    X, Y = data.unpaired_digits(root=tmp_path, download=False)  # no MNIST there: the bundled digits
    assert abs(len(X.labels) - len(Y.labels)) <= 1 and Y.images.mean() > X.images.mean() + 0.1  # Y: bolder
    assert not any(torch.equal(data.restyle(x[None])[0], y) for x in X.images[:50] for y in Y.images)


def test_cyclegan_dataset_reads_and_checks_the_folders(tmp_path):
    with pytest.raises(data.DataNotFoundError, match="download=False"):
        data.cyclegan_dataset("apple2orange", root=tmp_path, download=False)
    for side in "AB":
        folder = tmp_path / "cyclegan" / "toy" / f"train{side}"
        folder.mkdir(parents=True)
        for i in range(3):
            Image.fromarray(np.random.default_rng(i).integers(0, 256, (40, 30, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    A, B = data.cyclegan_dataset("toy", root=tmp_path, size=16, limit=2)
    assert A.shape == B.shape == (2, 3, 16, 16) and A.min() >= -1 and A.max() <= 1
    (tmp_path / "cyclegan" / "empty" / "trainA").mkdir(parents=True)
    with pytest.raises(data.DataNotFoundError, match="no .jpg or .png"):
        data.cyclegan_dataset("empty", root=tmp_path)


def test_pretrained_generators_need_the_internet_and_say_so(monkeypatch):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", offline)
    with pytest.raises(ConnectionError, match="needs internet"):
        cyclegan.load_pretrained("horse2zebra")
