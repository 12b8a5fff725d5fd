"""The kit's image grid against torchvision's, and the import it saves every kernel."""
import subprocess
import sys

import pytest
import torch

from gankit.data import to_unit
from gankit.viz import grid_image


@pytest.mark.parametrize("n, channels, nrow", [(16, 1, 8), (10, 1, 4), (7, 3, 3), (3, 1, 8), (2, 3, 1)])
def test_grid_image_matches_torchvision(n, channels, nrow):
    from torchvision.utils import make_grid

    images = torch.rand(n, channels, 9, 7, generator=torch.Generator().manual_seed(n)) * 2 - 1
    expected = make_grid(to_unit(images), nrow=nrow, padding=2, pad_value=1.0).permute(1, 2, 0).numpy()
    got = grid_image(images, nrow)
    assert got.shape == expected.shape
    assert abs(got - expected).max() == 0


def test_kit_imports_leave_torchvision_out():
    """No module of the kit loads torchvision on import (the labs import them in their first cells): it
    costs every graded kernel 2.4 s. Downloads and Inception import it where they need it."""
    code = ("import importlib, pkgutil, sys, gankit\n"
            "for m in pkgutil.walk_packages(gankit.__path__, 'gankit.'):\n"
            "    importlib.import_module(m.name)\n"
            "print([n for n in sys.modules if n.startswith('torchvision')][:3])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
