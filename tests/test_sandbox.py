"""The grading sandbox on its own (gankit.grading.sandbox) and the guarded execution of a notebook
(gankit.grading.execute): commands run in the sandbox directly, tiny notebooks without torch. The
attacks graded through `gankit grade` are in test_grading_sandbox.py."""
import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from gankit import cli
from gankit.grading.execute import KERNEL_DIED, NOT_RUN, GuardedExecute
from gankit.grading.cgroups import KernelCgroups, cgroup_parents
from gankit.grading.sandbox import GiB, Limits, SandboxUnavailable, parse_size, probe

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sandbox():
    try:
        return probe(Limits(), hidden=[ROOT])
    except SandboxUnavailable as e:
        pytest.skip(f"no sandbox on this machine: {e}")


def run_inside(sandbox, code: str, tmp_path: Path, timeout=60) -> subprocess.CompletedProcess:
    work, kernel = tmp_path / "work", tmp_path / "kernel"
    work.mkdir()
    kernel.mkdir()
    (work / "data.txt").write_text("the lab's own file")
    (work / "lab.ipynb").write_text("the notebook as nbgrader holds it")
    cmd = sandbox.command([sys.executable, "-c", textwrap.dedent(code)], work, kernel, dict(os.environ))
    if sandbox.as_root:  # as the kernel manager does: the kernel's folder belongs to the kernel's user
        from gankit.grading.sandbox import sandbox_uid
        os.chown(kernel, sandbox_uid(), sandbox_uid())
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def test_parse_size():
    assert parse_size("4G") == 4 * GiB and parse_size("512M") == 512 << 20 and parse_size("1.5GiB") == 3 * GiB // 2
    with pytest.raises(Exception, match="not a size"):
        parse_size("lots")
    with pytest.raises(Exception, match="too small"):
        Limits(memory=1 << 20)


def test_missing_bwrap_stops_grading_with_the_fix(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap.*--no-sandbox"):
        probe(Limits(), hidden=[ROOT])


def test_cli_without_bwrap_grades_nothing_and_says_why(monkeypatch, tmp_path, capsys, lab3_release):
    subs = tmp_path / "subs"
    subs.mkdir()
    nbformat.write(lab3_release, str(subs / "alice.ipynb"))
    monkeypatch.setenv("PATH", "/nonexistent")
    code = cli.main(["grade", str(subs), "--lab", "03-vanilla-gan", "--out", str(tmp_path / "out"),
                     "--project", str(ROOT)])
    assert code == 2
    assert "bubblewrap (bwrap) is not installed" in capsys.readouterr().err
    assert not (tmp_path / "out" / "gradebook.csv").exists()


def test_cli_no_sandbox_says_what_is_exposed(monkeypatch, tmp_path, capsys):
    import gankit.grading.grade as grading

    seen = {}
    monkeypatch.setattr(grading, "grade", lambda *a, **kw: seen.update(kw) or [])
    cli.main(["grade", str(tmp_path), "--lab", "03-vanilla-gan", "--out", str(tmp_path / "out"), "--no-sandbox",
              "--project", str(ROOT), "--memory", "2G", "--max-processes", "100", "--notebook-timeout", "60"])
    err = capsys.readouterr().err
    assert "grading without a sandbox" in err and str(ROOT / "solutions") in err and "network" in err
    assert seen["sandbox"] is False and seen["limits"] == Limits(2 * GiB, 100, 60)
    cli.main(["grade", str(tmp_path), "--lab", "03-vanilla-gan", "--out", str(tmp_path / "out"), "--project", str(ROOT)])
    assert seen["sandbox"] is True and seen["limits"] == Limits()


def test_a_shown_folder_holding_a_hidden_one_is_refused():
    with pytest.raises(SandboxUnavailable, match="contains"):
        probe(Limits(), hidden=[Path(sys.prefix) / "course"])


def test_inside_the_sandbox_only_the_environment_shows(sandbox, tmp_path, listener):
    import torch

    result = run_inside(sandbox, f"""
        import os, socket, pathlib
        import gankit
        print("uid", os.getuid())
        print("cwd", sorted(os.listdir(".")))
        print("repo", sorted(os.listdir({str(ROOT)!r})))
        for folder in [{str(Path(torch.__file__).parent)!r}, {str(ROOT / "gankit")!r}, ".", "/tmp"]:
            try:
                pathlib.Path(folder, "probe.txt").write_text("x")
                print("writable", folder)
            except OSError as e:
                print("read-only", folder)
        try:
            socket.create_connection(("127.0.0.1", {listener.port}), timeout=2)
            print("connected")
        except OSError:
            print("no network")
        print("home", os.environ["HOME"], "env", sorted(k for k in os.environ if k.startswith("JPY")))
    """, tmp_path)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "uid 0" not in out and "cwd ['data.txt']" in out  # the notebook as nbgrader holds it is not shown
    assert "repo ['.venv', 'gankit']" in out or "repo ['gankit']" in out  # no solutions/, tests/, .git
    assert f"read-only {Path(torch.__file__).parent}" in out and f"read-only {ROOT / 'gankit'}" in out
    assert "writable ." in out and "writable /tmp" in out and "no network" in out
    assert not listener.connections and not (ROOT / "gankit" / "probe.txt").exists()
    assert "env ['JPY_PARENT_PID']" in out  # the grader's own kernel variables stay outside


def test_rlimits_hold_where_no_cgroup_does(sandbox, tmp_path):
    box = dataclasses.replace(sandbox, limits=Limits(memory=300 << 20, processes=40), cgroups={})
    assert box.limiter("memory") == box.limiter("processes") == "rlimit"
    result = run_inside(box, """
        import subprocess
        try:
            bytearray(500 << 20)
            print("allocated")
        except MemoryError:
            print("memory refused")
        kids = []
        try:
            for _ in range(200):
                kids.append(subprocess.Popen(["sleep", "30"]))
        except OSError:
            print("processes refused after", len(kids))
    """, tmp_path)
    assert "memory refused" in result.stdout, result.stderr
    assert "processes refused after" in result.stdout and int(result.stdout.split()[-1]) < 40


@pytest.mark.skipif(not cgroup_parents(), reason="no cgroup can be made here: the rlimit test covers the fallback")
def test_cgroups_kill_at_the_memory_limit_and_say_so(sandbox, tmp_path):

    box = dataclasses.replace(sandbox, limits=Limits(memory=300 << 20))
    cgroups = KernelCgroups(box.cgroups, box.limits)
    try:
        work, kernel = tmp_path / "w", tmp_path / "k"
        work.mkdir()
        kernel.mkdir()
        cmd = box.command([sys.executable, "-c", "x = bytearray(600 << 20); x[::4096] = b'1' * len(x[::4096])"],
                          work, kernel, dict(os.environ), cgroups.procs_files)
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        assert result.returncode == 137, (result.returncode, result.stderr)  # 128 + SIGKILL
        assert "memory" in cgroups.hits()
    finally:
        cgroups.remove()
    assert not cgroups.dirs


def _run(tmp_path, sources, **settings):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    report = tmp_path / "run.json"
    GuardedExecute(report=str(report), **settings).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    return nb, json.loads(report.read_text())


@pytest.mark.parametrize("boxed", [False, True], ids=["plain", "sandbox"])
def test_a_dying_kernel_costs_only_the_cells_after_it(tmp_path, boxed, request):
    box = request.getfixturevalue("sandbox") if boxed else None
    nb, report = _run(tmp_path, ["x = 41", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)", "print(x + 1)"],
                      timeout=30, sandbox=box)
    assert nb.cells[0].outputs == []
    assert nb.cells[1].outputs[-1].ename == KERNEL_DIED and "killed by SIGKILL" in nb.cells[1].outputs[-1].evalue
    assert nb.cells[2].outputs[0].ename == NOT_RUN
    assert report["stopped"] == "the kernel died (killed by SIGKILL)" and report["not_run"] == 1
    assert (report["sandbox"] is not None) == boxed


def test_the_notebook_time_limit_stops_the_rest(tmp_path):
    nb, report = _run(tmp_path, ["import time", "time.sleep(30)", "print('late')", "print('later')"],
                      timeout=60, notebook_timeout=4)
    assert nb.cells[1].outputs[-1].ename in ("CellTimeoutError", "KeyboardInterrupt")  # stopped at the limit
    assert [c.outputs[0].ename for c in nb.cells[2:]] == [NOT_RUN, NOT_RUN]
    assert report["stopped"] == "the notebook's time limit (4 s) ran out" and report["not_run"] == 2
