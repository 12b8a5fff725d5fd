"""Shared fixtures: the project root, the offline data folder, the labs' notebooks, graded corpora."""
from __future__ import annotations

import csv
import hashlib
import os
import socket
import tempfile
import threading
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


def _hashes(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


class Listener:
    """A TCP server on the grading machine's loopback that counts who reaches it."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, peer = self.sock.accept()
            except OSError:
                return
            self.connections.append(peer)
            conn.close()


def traces(marker: str) -> dict:
    """What an attack left on this machine: processes whose command line holds `marker`, and files
    named after it in the places the writer attack tries."""
    import gankit
    import nbgrader
    import torch

    procs = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if marker.encode() in cmdline.read_bytes():
                procs.append(cmdline.parent.name)
        except OSError:
            pass
    folders = [Path(m.__file__).resolve().parent for m in (gankit, nbgrader, torch)]
    folders += [ROOT, ROOT / "solutions", ROOT / "tests", Path.home(), Path(tempfile.gettempdir()), Path("/tmp")]
    return {"processes": procs, "files": [str(f) for f in folders if (f / f"{marker}.txt").exists()]}


@pytest.fixture(scope="session")
def listener():
    server = Listener()
    yield server
    server.sock.close()


@pytest.fixture(scope="session")
def graded_lab(tmp_path_factory, notebooks, listener):
    """graded_lab(lab): the lab's grading corpus (tests/grading_corpus.py) graded by one `gankit grade`
    run, once per session: rows by student, the gradebook CSV read back, the output folder, the packs,
    and what the attacks (tests/attacks.py) left on the machine right after the run."""
    from attacks import MARKER
    from gankit.grading.grade import grade
    from grading_corpus import write_corpus

    cache = {}

    def get(lab: str) -> dict:
        if lab not in cache:
            subs = tmp_path_factory.mktemp(f"{lab}-submissions")
            solution = notebooks(lab, "solutions")
            packs = write_corpus(lab, solution, notebooks(lab, "notebooks"), subs, port=listener.port)
            before = _hashes(subs)
            out = tmp_path_factory.mktemp(f"{lab}-graded")
            rows = grade(subs, lab, out, project=ROOT, timeout=20, jobs=2, progress=False)
            left = traces(MARKER)
            with open(out / "gradebook.csv", newline="", encoding="utf-8") as f:
                csv_rows = {r["student_id"]: r for r in csv.DictReader(f)}
            cache[lab] = {"lab": lab, "rows": {r["student_id"]: r for r in rows}, "csv": csv_rows, "out": out,
                          "packs": packs, "solution": solution, "n": len(before), "unchanged": before == _hashes(subs),
                          "traces": left, "connections": list(listener.connections)}
        return cache[lab]
    return get
