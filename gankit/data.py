"""Image data for the labs: MNIST (downloaded on Colab, offline files elsewhere) and an embedded default.

Every loader returns an `ImageSet`: images as a float tensor (N, 1, 28, 28) in [-1, 1], the
range of the generators' tanh output, and integer labels (N,).
"""
from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

DATA_ENV = "GANKIT_DATA"

# The offline layout (what ../shared/data holds): a 5k subset of the training set and the full test set.
OFFLINE_FILES = {
    "train": ("mnist/mnist_train_5k.npz",),
    "test": ("mnist/t10k-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz"),
}
# where torchvision's MNIST keeps a download
TORCHVISION_FILES = {split: (f"MNIST/raw/{stem}-images-idx3-ubyte", f"MNIST/raw/{stem}-labels-idx1-ubyte")
                     for split, stem in (("train", "train"), ("test", "t10k"))}


class ImageSet(NamedTuple):
    images: torch.Tensor  # (N, 1, 28, 28) float32 in [-1, 1]
    labels: torch.Tensor  # (N,) int64
    name: str


class DataNotFoundError(FileNotFoundError):
    """No files for a data set here and no way to download them."""


def default_root() -> Path:
    """$GANKIT_DATA if set, else a per-user cache folder."""
    env = os.environ.get(DATA_ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "gankit"


def to_signed(pixels_uint8: np.ndarray | torch.Tensor) -> torch.Tensor:
    """uint8 pixels (N, 28, 28) -> float (N, 1, 28, 28) in [-1, 1]."""
    x = torch.tensor(np.asarray(pixels_uint8), dtype=torch.float32)  # a copy: np.frombuffer arrays are read-only
    return (x / 127.5 - 1.0).unsqueeze(1)


def to_unit(images: torch.Tensor) -> torch.Tensor:
    """[-1, 1] -> [0, 1], the range image grids and classifiers expect."""
    return ((images + 1) / 2).clamp(0, 1)


def binarize(images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Images in [-1, 1] -> binary pixels {0., 1.}: each pixel 1 with probability its grey level in [0, 1].

    Drawn afresh on every call (dynamic binarisation, as the VAE literature's MNIST figures use). The
    noise comes from `generator` on the CPU, so a seed gives the same pixels on every device."""
    u = torch.rand(images.shape, generator=generator).to(images.device)
    return (u < to_unit(images)).float()


def corrupt(x: torch.Tensor, p: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Salt-and-pepper noise on binary images x: each pixel, with probability p, set to 0 or 1 at random."""
    hit = torch.rand(x.shape, generator=generator).to(x.device) < p
    salt = (torch.rand(x.shape, generator=generator) < 0.5).float().to(x.device)
    return torch.where(hit, salt, x)


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (plain or gzipped), the format MNIST is distributed in."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    if magic >> 8 != 0x08:  # 0x08 = unsigned byte, the only type MNIST uses
        raise ValueError(f"{path} is not an unsigned-byte IDX file (magic {magic:#x})")
    ndim = magic & 0xFF
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def _from_torchvision_files(root: Path, split: str) -> ImageSet:
    """A previous torchvision download, read without importing torchvision (2.4 s a kernel)."""
    images, labels = (read_idx(root / f) for f in TORCHVISION_FILES[split])
    return ImageSet(to_signed(images), torch.tensor(labels, dtype=torch.int64), f"MNIST ({split})")


def _download(root: Path, split: str) -> ImageSet:
    from torchvision.datasets import MNIST

    MNIST(str(root), train=(split == "train"), download=True)
    return _from_torchvision_files(root, split)


def _from_offline_files(root: Path, split: str) -> ImageSet:
    paths = [root / f for f in OFFLINE_FILES[split]]
    if split == "train":
        with np.load(paths[0]) as z:
            images, labels = z["images"], z["labels"]
    else:
        images, labels = read_idx(paths[0]), read_idx(paths[1])
    return ImageSet(to_signed(images), torch.tensor(labels, dtype=torch.int64), f"MNIST offline ({split}, {len(labels)})")


def mnist(split: str = "train", root: str | Path | None = None, download: bool = True) -> ImageSet:
    """MNIST from the first source that works, in this order:

    1. torchvision's files under `root` (a previous download);
    2. the offline files under `root` (the layout of the project's shared data folder);
    3. a torchvision download into `root` (Colab), when `download` is true.
    """
    if split not in OFFLINE_FILES:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    root = Path(root).expanduser() if root is not None else default_root()
    if all((root / f).is_file() for f in TORCHVISION_FILES[split]):
        return _from_torchvision_files(root, split)
    if all((root / f).is_file() for f in OFFLINE_FILES[split]):
        return _from_offline_files(root, split)
    if download:
        try:
            return _download(root, split)
        except Exception as e:  # no network: URLError, HTTPError, socket errors, RuntimeError
            detail = [line for line in str(e).splitlines() if "urlopen error" in line] or str(e).splitlines()[:1]
            reason = f"the download failed ({type(e).__name__}: {detail[-1].strip() if detail else ''})"
    else:
        reason = "download=False"
    wanted = ", ".join(OFFLINE_FILES[split])
    raise DataNotFoundError(
        f"MNIST ({split}) is not in {root} and {reason}. Either put the files {wanted} there "
        f"(or torchvision's MNIST/raw files, or point ${DATA_ENV} at a folder that has them), run where the internet is reachable "
        f"(Colab downloads it), or use the bundled digits instead: gankit.data.digits()."
    )


def digits() -> ImageSet:
    """scikit-learn's 1,797 handwritten digits (8x8, shipped inside scikit-learn: no download).

    Resized to 20x20 and centred in 28x28, the way MNIST places its digits, so every model
    built for MNIST takes them as they are.
    """
    from sklearn.datasets import load_digits

    d = load_digits()
    x = torch.as_tensor(d.images, dtype=torch.float32).unsqueeze(1) / 16.0  # (N, 1, 8, 8) in [0, 1]
    x = F.interpolate(x, size=(20, 20), mode="bilinear", align_corners=False).clamp(0, 1)
    x = F.pad(x, (4, 4, 4, 4))
    return ImageSet(x * 2 - 1, torch.as_tensor(d.target, dtype=torch.int64), "scikit-learn digits")


def load_images(name: str = "auto", split: str = "train", root: str | Path | None = None, download: bool = True) -> ImageSet:
    """The labs' entry point: "mnist", "digits", or "auto" (MNIST where it can be had, else digits)."""
    if name == "mnist":
        return mnist(split, root, download)
    if name == "digits":
        return digits()
    if name == "auto":
        try:
            return mnist(split, root, download)
        except DataNotFoundError as e:
            print(f"MNIST unavailable, using the bundled digits instead.\n  {e}")
            return digits()
    raise ValueError(f"unknown data set {name!r}: use 'mnist', 'digits' or 'auto'")


def edges(images: torch.Tensor) -> torch.Tensor:
    """Sobel edge maps of images (N, 1, H, W) in [-1, 1], also in [-1, 1]: the input side of
    Lab 4's pix2pix pairs (edges -> digit), made from any digit set without a download."""
    sobel = torch.tensor([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]], device=images.device)
    kernels = torch.stack([sobel, sobel.T]).unsqueeze(1)  # d/dx and d/dy, (2, 1, 3, 3)
    grad = F.conv2d(to_unit(images), kernels, padding=1)
    magnitude = grad.pow(2).sum(1, keepdim=True).sqrt() / 4  # a unit step gives 4: scale it to 1
    return magnitude.clamp(0, 1) * 2 - 1


def restyle(images: torch.Tensor) -> torch.Tensor:
    """Digits in another style, Lab 5's second domain: bold strokes, thickened by a 3x3 maximum filter
    (a dilation). (N, 1, H, W) in [-1, 1]. (Bold and also inverted was tried: with the contrast to
    undo as well, CycleGAN's small generators often found a cycle-consistent mapping that swaps the
    digits, a 2 into a 7 and back, instead of keeping them.)"""
    return F.max_pool2d(images, 3, stride=1, padding=1)


def low_resolution_pairs(images: torch.Tensor, factor: int = 4) -> tuple[torch.Tensor, torch.Tensor]:
    """(x_LR, x_HR) for Lab 10's super-resolution: x_HR = images (N, C, H, W) in [-1, 1], x_LR the same
    shrunk `factor` times by antialiased bicubic interpolation (as Ledig et al. made theirs), (N, C, H /
    factor, W / factor), kept in [-1, 1]."""
    h, w = images.shape[-2:]
    if h % factor or w % factor:
        raise ValueError(f"images of {h}x{w} do not shrink {factor} times evenly: crop them to a multiple of {factor}.")
    lr = F.interpolate(images, size=(h // factor, w // factor), mode="bicubic", align_corners=False, antialias=True)
    return lr.clamp(-1, 1), images


def unpaired_digits(root: str | Path | None = None, download: bool = True, seed: int = 0) -> tuple[ImageSet, ImageSet]:
    """Lab 5's offline default: X = digits as they are, Y = `restyle`d digits drawn from the other half
    of the set, so that no image in X has its partner in Y (unpaired, as CycleGAN assumes). The labels
    are kept to measure whether a translation keeps the digit; training never sees them."""
    s = load_images("auto", "train", root, download)
    order = torch.randperm(len(s.labels), generator=torch.Generator().manual_seed(seed))
    a, b = order[: len(order) // 2], order[len(order) // 2:]
    return (ImageSet(s.images[a], s.labels[a], f"X: {s.name}"),
            ImageSet(restyle(s.images[b]), s.labels[b], f"Y: {s.name}, bold strokes"))


CYCLEGAN_URL = "http://efrosgans.eecs.berkeley.edu/cyclegan/datasets/{name}.zip"
CYCLEGAN_SETS = ("apple2orange", "horse2zebra", "summer2winter_yosemite", "monet2photo", "cezanne2photo",
                 "ukiyoe2photo", "vangogh2photo", "maps", "facades", "iphone2dslr_flower")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


def _download_cyclegan(name: str, folder: Path) -> None:
    import urllib.request
    import zipfile

    folder.parent.mkdir(parents=True, exist_ok=True)
    archive = folder.parent / f"{name}.zip"
    try:
        urllib.request.urlretrieve(CYCLEGAN_URL.format(name=name), archive)
        with zipfile.ZipFile(archive) as z:  # the archive holds name/trainA, name/trainB, name/testA, name/testB
            z.extractall(folder.parent)
    except Exception as e:  # no network, a bad name, a truncated archive
        raise DataNotFoundError(f"could not download the CycleGAN data set {name!r} from "
                                f"{CYCLEGAN_URL.format(name=name)} ({type(e).__name__}: {e}); it needs internet "
                                f"(Colab has it). Known names: {', '.join(CYCLEGAN_SETS)}. Offline, use "
                                "gankit.data.unpaired_digits().") from e
    finally:
        archive.unlink(missing_ok=True)


def _read_folder(folder: Path, size: int, limit: int | None) -> torch.Tensor:
    from PIL import Image  # pillow comes with torchvision

    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)[:limit]
    if not files:
        raise DataNotFoundError(f"{folder} holds no .jpg or .png images: the download may be incomplete; delete "
                                f"{folder.parent} and run again.")
    images = []
    for p in files:
        with Image.open(p) as im:
            x = torch.from_numpy(np.asarray(im.convert("RGB"), dtype=np.float32)).permute(2, 0, 1)[None] / 255.0
        images.append(F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False))
    return torch.cat(images).clamp(0, 1) * 2 - 1


def cyclegan_dataset(name: str, split: str = "train", size: int = 64, root: str | Path | None = None,
                     download: bool = True, limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """One of the CycleGAN authors' unpaired data sets (e.g. "apple2orange", "horse2zebra"), downloaded
    once into root/cyclegan/NAME and checked, as two tensors (N, 3, size, size) in [-1, 1]: domain A
    and domain B of `split` ("train" or "test"), at most `limit` images each (reduced sizes such as 64
    or 128 px train in minutes on a Colab GPU)."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    root = Path(root).expanduser() if root is not None else default_root()
    folder = root / "cyclegan" / name
    if not (folder / f"{split}A").is_dir():
        if not download:
            raise DataNotFoundError(f"{folder / (split + 'A')} is missing and download=False; run with "
                                    "download=True where the internet is reachable, or use gankit.data.unpaired_digits().")
        _download_cyclegan(name, folder)
    return _read_folder(folder / f"{split}A", size, limit), _read_folder(folder / f"{split}B", size, limit)


# ---- MNIST-M (Lab 11): digits blended over colour photos, as Ganin et al. (2016) made it -------------

BSDS500_URL = "https://www2.eecs.berkeley.edu/Research/Projects/CS/vision/grouping/BSR/BSR_bsds500.tgz"
BSDS500_IMAGES = {"train": 200, "test": 200}  # photos in BSR/BSDS500/data/images/{train,test}


def sample_photos() -> torch.Tensor:
    """The two colour photos that ship inside scikit-learn (a temple in China, a flower; 427x640), as
    (2, 3, 427, 640) in [0, 1]: MNIST-M's offline backgrounds."""
    from sklearn.datasets import load_sample_images

    return torch.stack([torch.tensor(im).permute(2, 0, 1).float() / 255.0 for im in load_sample_images().images])


def bsds500_photos(split: str = "train", root: str | Path | None = None, download: bool = True) -> list[torch.Tensor]:
    """The BSDS500 photos Ganin et al. cut MNIST-M's backgrounds from (`split`'s 200, each (3, H, W) in
    [0, 1]), downloaded once into root/bsds500 and counted."""
    import tarfile
    import urllib.request
    from PIL import Image

    if split not in BSDS500_IMAGES:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    root = Path(root).expanduser() if root is not None else default_root()
    folder = root / "bsds500" / "BSR" / "BSDS500" / "data" / "images" / split
    if not folder.is_dir():
        if not download:
            raise DataNotFoundError(f"{folder} is missing and download=False: download where the internet is reachable "
                                    "(Colab), or use the offline backgrounds: photos=\"sklearn\".")
        archive = root / "bsds500" / "BSR_bsds500.tgz"
        archive.parent.mkdir(parents=True, exist_ok=True)
        try:
            urllib.request.urlretrieve(BSDS500_URL, archive)
            with tarfile.open(archive) as t:
                t.extractall(archive.parent, filter="data")
        except Exception as e:  # no network, a truncated archive
            raise DataNotFoundError(f"could not download BSDS500 from {BSDS500_URL} ({type(e).__name__}: {e}); it needs "
                                    "internet (Colab has it). Offline, use photos=\"sklearn\".") from e
        finally:
            archive.unlink(missing_ok=True)
    files = sorted(folder.glob("*.jpg"))
    if len(files) != BSDS500_IMAGES[split]:
        raise DataNotFoundError(f"{folder} holds {len(files)} photos, BSDS500 has {BSDS500_IMAGES[split]}: the download "
                                f"is incomplete; delete {root / 'bsds500'} and run again.")
    photos = []
    for p in files:
        with Image.open(p) as im:
            photos.append(torch.from_numpy(np.asarray(im.convert("RGB"), dtype=np.float32)).permute(2, 0, 1) / 255.0)
    return photos


def blend_over_photos(images: torch.Tensor, photos, seed: int) -> torch.Tensor:
    """MNIST-M's recipe: each digit (N, 1, H, W) in [-1, 1] binarised (pixel > 0) and blended with a random
    HxW crop of a random photo by the absolute difference |crop - digit|, per channel: (N, 3, H, W) in [-1, 1].
    `photos`: (3, h, w) tensors in [0, 1] of any sizes; `seed` fixes the photos and the crops."""
    g = torch.Generator().manual_seed(seed)
    n, _, h, w = images.shape
    which = torch.randint(len(photos), (n,), generator=g)
    crops = torch.empty(n, 3, h, w)
    for i, p in enumerate(which.tolist()):
        top = int(torch.randint(photos[p].shape[1] - h + 1, (1,), generator=g))
        left = int(torch.randint(photos[p].shape[2] - w + 1, (1,), generator=g))
        crops[i] = photos[p][:, top:top + h, left:left + w]
    digit = (images > 0).float()  # 1 on the strokes: they invert the photo there
    return (crops - digit).abs() * 2 - 1


def mnist_m(split: str = "train", photos: str = "sklearn", limit: int | None = None, root: str | Path | None = None,
            download: bool = True, digits_name: str = "auto") -> ImageSet:
    """MNIST-M of `split`: the split's MNIST digits (the offline 5k for "train", the 10k test set for "test";
    scikit-learn's digits where MNIST is missing) blended over crops of colour photos. photos="sklearn"
    (offline: scikit-learn's two photos for both splits) or "bsds500" (Ganin et al.'s: BSDS500's train
    photos for the train split, its test photos for the test split; downloaded). At most `limit` digits,
    a random subset. Seeds (the subset, the photos, the crops): 1 train, 2 test."""
    if photos not in ("sklearn", "bsds500"):
        raise ValueError(f"photos must be 'sklearn' (offline) or 'bsds500' (downloaded), not {photos!r}")
    seed = {"train": 1, "test": 2}[split]
    source = load_images(digits_name, split, root, download)
    if limit is not None and limit < len(source.labels):
        keep = torch.randperm(len(source.labels), generator=torch.Generator().manual_seed(seed))[:limit]
        source = ImageSet(source.images[keep], source.labels[keep], f"{source.name}, {limit} of them")
    backgrounds = list(sample_photos()) if photos == "sklearn" else bsds500_photos(split, root, download)
    blended = blend_over_photos(source.images, backgrounds, seed=seed)
    return ImageSet(blended, source.labels, f"MNIST-M ({photos} photos) of {source.name}")
