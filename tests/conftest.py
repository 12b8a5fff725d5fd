"""Shared fixtures: the project root, the offline data folder, the Lab 3 notebooks."""
from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LAB3 = "03-vanilla-gan"


def _find_data() -> Path | None:
    for candidate in (os.environ.get("GANKIT_DATA"), ROOT.parent / "shared" / "data"):
        if candidate and (Path(candidate) / "mnist").is_dir():
            return Path(candidate)
    return None


DATA = _find_data()
if DATA is not None:  # kernels started by the notebook and grading tests inherit it
    os.environ["GANKIT_DATA"] = str(DATA)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if DATA is None:
        pytest.skip("offline MNIST files not found: set GANKIT_DATA or put them in ../shared/data")
    return DATA


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def lab3_solution():
    return nbformat.read(str(ROOT / "solutions" / LAB3 / f"{LAB3}.ipynb"), as_version=4)


@pytest.fixture(scope="session")
def lab3_release():
    return nbformat.read(str(ROOT / "notebooks" / LAB3 / f"{LAB3}.ipynb"), as_version=4)


@pytest.fixture(scope="session")
def notebooks():
    """notebooks(lab, "solutions" | "notebooks"): a lab's source or released notebook, read once."""
    cache = {}

    def read(lab: str, tree: str):
        if (lab, tree) not in cache:
            cache[lab, tree] = nbformat.read(str(ROOT / tree / lab / f"{lab}.ipynb"), as_version=4)
        return cache[lab, tree]
    return read
