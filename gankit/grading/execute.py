"""nbgrader's Execute, made to end every notebook with the points it earned: a wall-clock limit per
notebook on top of the limit per cell, and a kernel that dies (it killed itself, or was killed at the
memory limit) costs only the cells that had not run, where nbgrader would drop the whole submission.

The account of the run (what stopped it, which limits were hit) goes to `report`, a file outside the
sandbox, which `gankit grade` turns into the row's reason.
"""
from __future__ import annotations

import json
import math
import re
import signal
from time import monotonic

from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Any, Integer, Unicode

KERNEL_DIED, NOT_RUN = "KernelDied", "NotRun"
# how an allocation or a fork refused by an rlimit shows in a cell's error
OUT_OF_MEMORY = re.compile(r"MemoryError|can't allocate memory|Cannot allocate memory|out of memory", re.IGNORECASE)
OUT_OF_PROCESSES = re.compile(r"Resource temporarily unavailable|\[Errno 11\]|BlockingIOError|can't start new thread")


def error_output(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _exit_text(status: int | None) -> str:
    if status is None:
        return "it stopped answering"
    if status < 0 or status > 128:  # Popen's -N, or a shell's (bwrap's) 128 + N
        number = -status if status < 0 else status - 128
        try:
            return f"killed by {signal.Signals(number).name}"
        except ValueError:
            return f"killed by signal {number}"
    return f"it exited with status {status}"


class GuardedExecute(Execute):
    """Execute with a notebook time limit, survival of a dead kernel, and an optional sandbox."""

    sandbox = Any(None, help="a gankit.grading.sandbox.Sandbox, or None to run kernels as the grader").tag(config=True)
    notebook_timeout = Integer(None, allow_none=True, help="seconds the whole notebook may run").tag(config=True)
    report = Unicode("", help="file that receives the run's account (JSON)").tag(config=True)

    def create_kernel_manager(self):
        if self.sandbox is not None:
            from gankit.grading.sandbox import SandboxKernelManager

            self.kernel_manager_class = SandboxKernelManager
        km = super().create_kernel_manager()
        if self.sandbox is not None:
            km.sandbox = self.sandbox
        self._manager = km  # nbclient forgets it at cleanup; the account still needs it
        return km

    def preprocess(self, nb, resources=None, km=None):
        self._deadline = None if not self.notebook_timeout else monotonic() + self.notebook_timeout
        self._stopped, self._not_run, self._manager = None, 0, None
        try:
            return super().preprocess(nb, resources, km)
        finally:
            self._write_report(nb)

    def _get_timeout(self, cell):
        timeout = super()._get_timeout(cell)
        if self._deadline is None:
            return timeout
        left = max(1, math.ceil(self._deadline - monotonic()))
        return left if timeout is None else min(timeout, left)

    def preprocess_cell(self, cell, resources, index):
        if self._stopped is None and self._deadline is not None and monotonic() >= self._deadline:
            self._stopped = f"the notebook's time limit ({self.notebook_timeout} s) ran out"
        if self._stopped is not None:
            if cell.cell_type == "code" and cell.source.strip():
                cell.outputs = [error_output(NOT_RUN, f"not run: {self._stopped}")]
                self._not_run += 1
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            why = f"the kernel died ({self._death()})"
            cell.outputs.append(error_output(KERNEL_DIED, why))
            self._stopped = why
            return cell, resources

    def _death(self) -> str:
        km = self._manager
        if "memory" in _cgroup_hits(km):
            return f"killed at the {_limit_text(self.sandbox, 'memory')}"
        process = getattr(getattr(km, "provisioner", None), "process", None)
        return _exit_text(None if process is None else process.poll())

    def _limits_hit(self, nb) -> list[str]:
        """Each limit the notebook ran into, named with its size and how it is enforced."""
        if self.sandbox is None:
            return []
        hits = _cgroup_hits(self._manager)
        # a refused allocation or fork shows only in what the cells said (an answer may catch the error)
        errors = " ".join(f"{o.get('ename', '')} {o.get('evalue', '')} {o.get('text', '')}" for c in nb.cells
                          for o in c.get("outputs", []) if o.get("output_type") in ("error", "stream"))
        if self.sandbox.limiter("memory") == "rlimit" and OUT_OF_MEMORY.search(errors):
            hits.add("memory")
        if self.sandbox.limiter("processes") == "rlimit" and OUT_OF_PROCESSES.search(errors):
            hits.add("processes")
        return [_limit_text(self.sandbox, what) for what in sorted(hits)]

    def _write_report(self, nb) -> None:
        if not self.report:
            return
        account = {"sandbox": self.sandbox.describe() if self.sandbox else None, "stopped": self._stopped,
                   "not_run": self._not_run, "limits_hit": self._limits_hit(nb)}
        with open(self.report, "w", encoding="utf-8") as f:
            json.dump(account, f)


def _cgroup_hits(km) -> set:
    """The limits a sandboxed kernel's cgroups saw it reach; none for a kernel outside the sandbox."""
    return km.limits_hit() if hasattr(km, "limits_hit") else set()


def _limit_text(sandbox, what: str) -> str:
    from gankit.grading.sandbox import size_text

    if what == "memory":
        return f"memory limit ({size_text(sandbox.limits.memory)}, {sandbox.limiter(what)})"
    return f"process limit ({sandbox.limits.processes} processes and threads, {sandbox.limiter(what)})"
