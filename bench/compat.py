"""Both ends of the declared dependency ranges: the fast suite and every lab's solution in fast mode.

    python bench/compat.py [--ends oldest newest] [--venvs DIR] [--keep]

For each end, a fresh virtual environment under DIR (default: a temporary folder) gets that end's
torch, torchvision, numpy and ipywidgets (below), then `pip install -e ".[test]"`, which must not
change them (checked). In it run the fast suite (`pytest -m "not slow"`) and the labs' solutions top
to bottom in fast mode (tests/test_labs_notebooks.py and tests/test_lab03_notebook.py). Prints a
table: versions, passed / failed / skipped, minutes. Not part of CI: the two ends download several
GB (PyPI's torch wheels are CUDA builds). The newest end ignores this machine's pip configuration
(PIP_CONFIG_FILE=/dev/null), which caps torch at the release kept on disk.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The lower bounds of pyproject.toml's ranges (numpy: the oldest that torch 2.1's wheels and Python
# 3.11 share; ipywidgets: the 7.7 that Colab pins for its widget manager), and the newest releases.
ENDS = {
    "oldest": ["torch==2.1.2", "torchvision==0.16.2", "numpy==1.24.4", "ipywidgets==7.7.1", "matplotlib==3.9.0",
               "tqdm==4.60.0", "scikit-learn==1.2.2"],
    "newest": ["torch", "torchvision", "numpy", "ipywidgets", "matplotlib", "tqdm", "scikit-learn"],
}
WATCHED = ["torch", "torchvision", "numpy", "ipywidgets", "matplotlib", "tqdm", "scikit-learn"]
SUITES = {"fast suite": ["-m", "not slow"],
          "labs (fast mode)": ["tests/test_labs_notebooks.py", "tests/test_lab03_notebook.py"]}


def run(cmd: list[str], env: dict, **kw) -> subprocess.CompletedProcess:
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, env=env, text=True, **kw)


def versions(python: Path, env: dict) -> dict:
    out = subprocess.run([str(python), "-m", "pip", "list", "--format=json"], env=env, capture_output=True,
                         text=True, check=True).stdout
    found = {p["name"].lower(): p["version"] for p in json.loads(out)}
    return {name: found.get(name, "-") for name in WATCHED}


def counts(output: str) -> str:
    tail = output.strip().splitlines()[-1] if output.strip() else ""
    got = {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|skipped|errors?)", tail)}
    return " / ".join(str(got.get(k, 0)) for k in ("passed", "failed", "skipped")) + (
        f" ({got.get('error', got.get('errors', 0))} errors)" if got.get("error") or got.get("errors") else "")


def check_end(end: str, folder: Path) -> dict:
    env = dict(os.environ)
    if end == "newest":
        env["PIP_CONFIG_FILE"] = os.devnull
    venv = folder / end
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    t0 = time.perf_counter()
    run([str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"], env, check=True)
    run([str(python), "-m", "pip", "install", "-q", *ENDS[end]], env, check=True)
    before = versions(python, env)
    run([str(python), "-m", "pip", "install", "-q", "-e", f"{ROOT}[test]"], env, check=True)
    after = versions(python, env)
    row = {"end": end, "versions": after, "install min": (time.perf_counter() - t0) / 60,
           "changed by gankit's install": {k: (before[k], after[k]) for k in WATCHED if before[k] != after[k]}}
    env.setdefault("GANKIT_DATA", str(ROOT.parent / "shared" / "data"))
    for suite, args in SUITES.items():
        t0 = time.perf_counter()
        res = run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], env, cwd=ROOT,
                  capture_output=True)
        print(res.stdout[-3000:], res.stderr[-2000:], sep="\n")
        row[suite] = (counts(res.stdout), (time.perf_counter() - t0) / 60)
    return row


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ends", nargs="+", default=list(ENDS), choices=list(ENDS))
    p.add_argument("--venvs", type=Path, default=None, help="where the environments go (default: a temporary folder)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.venvs or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        rows = [check_end(end, folder) for end in args.ends]
    print("\n| end | torch | torchvision | numpy | ipywidgets | matplotlib | tqdm | scikit-learn | install (min) "
          "| changed by gankit's install | " + " | ".join(f"{s}: passed / failed / skipped (min)" for s in SUITES) + " |")
    print("|" + "---|" * (11 + len(SUITES) - 1))
    for r in rows:
        v = r["versions"]
        changed = ", ".join(f"{k} {a} -> {b}" for k, (a, b) in r["changed by gankit's install"].items()) or "nothing"
        suites = " | ".join(f"{r[s][0]} ({r[s][1]:.1f})" for s in SUITES)
        print(f"| {r['end']} | " + " | ".join(v[k] for k in WATCHED) + f" | {r['install min']:.1f} | {changed} | {suites} |")
    bad = [r["end"] for r in rows if r["changed by gankit's install"]
           or any(r[s][0].split(" / ")[1] != "0" or "errors" in r[s][0] for s in SUITES)]
    if bad:
        sys.exit(f"failures at: {', '.join(bad)}")


if __name__ == "__main__":
    main()
