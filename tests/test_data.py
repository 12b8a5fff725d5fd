import gzip

import numpy as np
import pytest
import torch

from gankit import data


def test_offline_mnist_test_set_is_the_real_one(shared_data):
    s = data.mnist("test", shared_data, download=False)
    assert s.images.shape == (10000, 1, 28, 28)
    assert s.labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert torch.bincount(s.labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    mean_pixel = ((s.images + 1) * 127.5).mean().item()
    assert abs(mean_pixel - 33.79) < 0.01
    assert s.images.min() == -1 and s.images.max() == 1


def test_offline_mnist_train_subset(shared_data):
    s = data.mnist("train", shared_data, download=False)
    assert s.images.shape == (5000, 1, 28, 28)
    assert torch.bincount(s.labels).tolist() == [500] * 10


def test_missing_data_error_names_folder_files_and_alternative(tmp_path):
    with pytest.raises(data.DataNotFoundError) as e:
        data.mnist("test", tmp_path, download=False)
    msg = str(e.value)
    assert str(tmp_path) in msg and "t10k-images-idx3-ubyte.gz" in msg and "gankit.data.digits()" in msg


def test_read_idx_roundtrip(tmp_path):
    arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    header = (0x0803).to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in arr.shape)
    path = tmp_path / "x.gz"
    with gzip.open(path, "wb") as f:
        f.write(header + arr.tobytes())
    assert np.array_equal(data.read_idx(path), arr)


def _write_idx(path, arr):
    header = (0x0800 + arr.ndim).to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in arr.shape)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + arr.tobytes())


def test_a_torchvision_download_is_read_as_torchvision_reads_it(tmp_path):
    from torchvision.datasets import MNIST

    rng = np.random.default_rng(0)
    images, labels = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8), rng.integers(0, 10, 5, dtype=np.uint8)
    for split in ("train", "test"):  # torchvision wants both splits' files
        for name, arr in zip(data.TORCHVISION_FILES[split], (images, labels)):
            _write_idx(tmp_path / name, arr)
    ours, theirs = data.mnist("test", tmp_path, download=False), MNIST(str(tmp_path), train=False, download=False)
    assert torch.equal(ours.labels, theirs.targets)
    assert torch.equal(ours.images, data.to_signed(theirs.data.numpy()))


def test_digits_are_28x28_in_range_and_centred():
    s = data.digits()
    assert s.images.shape == (1797, 1, 28, 28) and set(s.labels.unique().tolist()) == set(range(10))
    assert s.images.min() == -1 and s.images.max() <= 1
    assert (s.images[:, :, :4, :] == -1).all() and (s.images[:, :, :, -4:] == -1).all()  # MNIST-style border


def test_auto_falls_back_to_digits_without_files(tmp_path, capsys):
    s = data.load_images("auto", root=tmp_path, download=False)
    assert s.name == "scikit-learn digits"
    assert "bundled digits" in capsys.readouterr().out


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="unknown data set"):
        data.load_images("cifar")
    with pytest.raises(ValueError, match="split"):
        data.mnist("validation")


def test_edges_outline_a_square_and_leave_flat_areas_dark():
    x = -torch.ones(1, 1, 28, 28)
    x[..., 8:20, 8:20] = 1.0
    e = data.edges(x)
    assert e.shape == x.shape and e.min() >= -1 and e.max() <= 1
    assert e[0, 0, 14, 14] == -1 and e[0, 0, 2, 2] == -1  # inside and outside the square: no gradient
    assert e[0, 0, 14, 8] == 1 and e[0, 0, 8, 14] == 1  # on its sides: a full step
