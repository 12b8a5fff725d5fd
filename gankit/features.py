"""Feature extractors for the sample-quality metrics (Lab 6), and the one function that prepares
images for each of them.

"digits": the shipped digit classifier (`gankit.classifier.pretrained()`, offline): 64-d features and
10 classes, for MNIST-like images: "FID on MNIST features", IS-style scores, cGAN accuracy.
"inception": torchvision's Inception-v3 with its ImageNet weights (downloaded once: needs internet,
e.g. Colab): the 2,048-d pool features FID is defined on and the 1,000 ImageNet classes of IS. Its
figures compare with each other, not with published FIDs, which use the TensorFlow Inception weights
(as pytorch-fid does).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

# extractor -> (side in pixels, channels) it reads
INPUTS = {"digits": (28, 1), "inception": (299, 3)}
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def prepare(images: torch.Tensor, extractor: str) -> torch.Tensor:
    """Images (N, C, H, W) in [-1, 1] (a generator's tanh range; C = 1 or 3) -> what `extractor` reads.

    digits: (N, 1, 28, 28) in [-1, 1]; inception: (N, 3, 299, 299) in ImageNet's normalisation.
    Grey images are repeated over 3 channels, colour ones averaged to grey; the size is changed by
    bilinear interpolation with antialiasing (no aliasing when shrinking a large image).
    """
    if extractor not in INPUTS:
        raise ValueError(f"unknown extractor {extractor!r}: choose one of {sorted(INPUTS)}.")
    if not torch.is_tensor(images) or images.dim() != 4 or images.shape[1] not in (1, 3):
        shape = tuple(images.shape) if torch.is_tensor(images) else type(images).__name__
        raise ValueError(f"images must be a tensor (N, C, H, W) with C = 1 or 3, got {shape}; "
                         "add the channel axis with images.unsqueeze(1).")
    x = images.detach().float()
    if len(x) and (x.min() < -1.001 or x.max() > 1.001):
        raise ValueError(f"images must lie in [-1, 1] like a generator's tanh output, got [{x.min():.3g}, {x.max():.3g}]; "
                         "map pixels in [0, 255] with x / 127.5 - 1, in [0, 1] with 2 * x - 1.")
    side, channels = INPUTS[extractor]
    return adapt(x, side, channels, imagenet=extractor == "inception")


def adapt(x: torch.Tensor, side: int, channels: int, imagenet: bool = False) -> torch.Tensor:
    """Images (N, C, H, W) in [-1, 1] -> (N, channels, side, side): grey by the channel mean, colour by
    repeating the grey channel, resized bilinearly with antialiasing, and in ImageNet's normalisation
    where `imagenet`. What a pretrained network was trained on, from any of the labs' images."""
    if x.shape[1] != channels:
        x = x.mean(1, keepdim=True) if channels == 1 else x.expand(-1, 3, -1, -1)
    if x.shape[-2:] != (side, side):
        x = F.interpolate(x, size=(side, side), mode="bilinear", align_corners=False, antialias=True)
    return imagenet_normalise(x) if imagenet else x


def imagenet_normalise(x: torch.Tensor) -> torch.Tensor:
    """Colour images (N, 3, H, W) in [-1, 1] -> ImageNet's normalisation, (x01 - mean) / std per
    channel with x01 in [0, 1]: the input torchvision's ImageNet weights were trained on."""
    mean = torch.tensor(IMAGENET_MEAN, device=x.device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=x.device).view(1, 3, 1, 1)
    return ((x + 1) / 2 - mean) / std


@dataclass
class Extractor:
    """A network split at its feature layer: `body` images -> features, `head` features -> logits."""
    name: str
    body: nn.Module
    head: nn.Module
    device: torch.device

    @torch.no_grad()
    def _run(self, images: torch.Tensor, batch_size: int, classes: bool) -> torch.Tensor:
        out = []
        for batch in images.split(batch_size):
            h = self.body(prepare(batch.to(self.device), self.name))
            out.append((F.softmax(self.head(h), dim=1) if classes else h).cpu())
        return torch.cat(out)

    def features(self, images: torch.Tensor, batch_size: int = 200) -> torch.Tensor:
        """Images (N, C, H, W) in [-1, 1] -> features (N, d) on the CPU (d = 64 digits, 2,048 inception)."""
        return self._run(images, batch_size, classes=False)

    def probs(self, images: torch.Tensor, batch_size: int = 200) -> torch.Tensor:
        """Images (N, C, H, W) in [-1, 1] -> class probabilities (N, classes) on the CPU, for IS."""
        return self._run(images, batch_size, classes=True)


def _inception() -> tuple[nn.Module, nn.Module]:
    from torchvision.models import Inception_V3_Weights, inception_v3

    weights = Inception_V3_Weights.IMAGENET1K_V1
    try:
        model = inception_v3(weights=weights, progress=True)
    except Exception as e:  # no network (URLError), a truncated download
        raise ConnectionError(f"could not fetch Inception-v3's ImageNet weights from {weights.url} ({e}). They are "
                              "downloaded once (about 100 MB) and need internet: run this on Colab, or use the "
                              "offline extractor 'digits' for MNIST-like images.") from e
    head, model.fc = model.fc, nn.Identity()  # what remains ends at the 2,048-d average pool
    return model, head


def load(name: str = "digits", device="cpu") -> Extractor:
    """The extractor `name` ("digits" offline, "inception" online) in eval mode on `device`."""
    if name == "digits":
        from gankit import classifier

        net = classifier.pretrained(device)
        body, head = net.body, net.head
    elif name == "inception":
        body, head = _inception()
    else:
        raise ValueError(f"unknown extractor {name!r}: choose one of {sorted(INPUTS)}.")
    return Extractor(name, body.to(device).eval(), head.to(device).eval(), torch.device(device))
