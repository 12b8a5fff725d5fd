"""The declared dependency ranges, read by pip as a student's set-up cell or an instructor's install
would: installing gankit where the oldest versions in its ranges (Colab's own ipywidgets 7.7 among
them) are already installed changes none of them, and the playground works against them.

The heavy end (torch 2.1 and the newest torch) is bench/compat.py's: its wheels are GB downloads."""
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

# The lower ends of pyproject.toml's ranges for everything but torch and torchvision; ipywidgets
# 7.7.1 is the release Colab pins for its widget manager.
OLDEST = {"numpy": "1.24.4", "matplotlib": "3.9.0", "ipywidgets": "7.7.1", "tqdm": "4.60.0", "scikit-learn": "1.2.2"}


@pytest.fixture(scope="module")
def oldest_env(tmp_path_factory):
    venv = tmp_path_factory.mktemp("oldest") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *(f"{k}=={v}" for k, v in OLDEST.items())], check=True)
    return python


@pytest.mark.slow
def test_installing_gankit_over_the_oldest_versions_in_its_ranges_changes_none_of_them(root, oldest_env, tmp_path):
    report = tmp_path / "report.json"
    subprocess.run([str(oldest_env), "-m", "pip", "install", "-q", "--dry-run", "--report",
                    str(report), str(root)], check=True)
    planned = {item["metadata"]["name"].lower(): item["metadata"]["version"]
               for item in json.loads(report.read_text())["install"]}
    assert "gankit" in planned and "torch" in planned  # what is missing is planned: the report is read right
    changed = {name: (old, planned[name]) for name, old in OLDEST.items() if name in planned}
    assert not changed, f"pip would replace what is already installed: {changed}"


@pytest.mark.slow
def test_the_playground_runs_under_ipywidgets_7_and_the_oldest_matplotlib_numpy_and_tqdm(root, oldest_env):
    # this environment's own packages first, then (torch, pytest, jupyter_client) the test run's own
    site = Path(subprocess.run([str(oldest_env), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "zz-test-run.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {**os.environ, "PYTHONPATH": str(root)}
    probe = subprocess.run([str(oldest_env), "-c", "import ipywidgets, matplotlib, numpy, tqdm, gankit; print("
                            "ipywidgets.__version__, matplotlib.__version__, numpy.__version__, tqdm.__version__, "
                            "gankit.__file__)"], env=env, capture_output=True, text=True, check=True).stdout.split()
    assert probe[:4] == [OLDEST["ipywidgets"], OLDEST["matplotlib"], OLDEST["numpy"], OLDEST["tqdm"]], probe
    assert probe[4].startswith(str(root))
    res = subprocess.run([str(oldest_env), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "tests/test_game.py", "-k", "playground"], cwd=root, env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "3 passed" in res.stdout, res.stdout[-2000:]
