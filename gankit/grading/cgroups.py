"""Memory and process limits for one sandboxed kernel, in cgroups made for it: cgroup v2 where the
grading process's cgroup delegates the controller to its children, else cgroup v1 (as root).

    parents = cgroup_parents()                  # once per grading run: where cgroups can be made
    cgroups = KernelCgroups(parents, limits)    # per kernel; its procs_files are joined before bwrap
    cgroups.hits(); cgroups.remove()            # after the kernel ended
"""
from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gankit.grading.sandbox import Limits


@dataclass(frozen=True)
class CgroupParent:
    """A cgroup of the grading process under which a kernel's own cgroup for `controller` is made."""
    controller: str  # "memory" or "pids"
    version: int
    path: str

    @property
    def label(self) -> str:
        return f"cgroup v{self.version}"


def _mounts() -> list[tuple[str, str, str, set]]:
    """(mount point, root, fstype, super options) of every cgroup mount."""
    out = []
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return out
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, rest = left.split(), right.split()
        if len(fields) >= 5 and len(rest) >= 3 and rest[0] in ("cgroup", "cgroup2"):
            out.append((fields[4], fields[3], rest[0], set(rest[2].split(","))))
    return out


def _own_cgroups() -> dict[str, str]:
    """Controller (or '' for cgroup v2) -> this process's cgroup path."""
    own = {}
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for c in controllers.split(",") if controllers else [""]:
                own[c] = path
    except OSError:
        pass
    return own


def _join(mount: str, root: str, path: str) -> str:
    if root != "/" and path.startswith(root):
        path = path[len(root):]
    return os.path.join(mount, path.lstrip("/"))


def cgroup_parents() -> dict[str, CgroupParent]:
    """Where this process can make cgroups that limit memory and processes: cgroup v2 where the
    controller is enabled for our cgroup's children and we may write there, else cgroup v1."""
    own, found = _own_cgroups(), {}
    for mount, root, fstype, options in _mounts():
        if fstype == "cgroup2" and "" in own:
            parent = _join(mount, root, own[""])
            try:
                enabled = Path(parent, "cgroup.subtree_control").read_text().split()
            except OSError:
                continue
            for c in ("memory", "pids"):
                if c in enabled and c not in found and os.access(parent, os.W_OK):
                    found[c] = CgroupParent(c, 2, parent)
    for mount, root, fstype, options in _mounts():
        for c in ("memory", "pids"):
            if fstype == "cgroup" and c in options and c in own and c not in found:
                parent = _join(mount, root, own[c])
                if os.access(parent, os.W_OK):
                    found[c] = CgroupParent(c, 1, parent)
    return {c: p for c, p in found.items() if _usable(p)}


_LIMIT_FILES = {("memory", 2): ("memory.max", "memory.swap.max"), ("memory", 1): ("memory.limit_in_bytes",
                "memory.memsw.limit_in_bytes"), ("pids", 2): ("pids.max",), ("pids", 1): ("pids.max",)}


def _usable(parent: CgroupParent) -> bool:
    """Make and remove a cgroup there, setting its limit: only then is the controller ours to use."""
    probe_dir = Path(parent.path, f"gankit-probe-{os.getpid()}")
    try:
        probe_dir.mkdir()
    except OSError:
        return False
    try:
        unlimited = "-1" if (parent.controller, parent.version) == ("memory", 1) else "max"
        (probe_dir / _LIMIT_FILES[parent.controller, parent.version][0]).write_text(unlimited)
        return True
    except OSError:
        return False
    finally:
        try:
            probe_dir.rmdir()
        except OSError:
            pass


class KernelCgroups:
    """The cgroups of one kernel: made before it starts, read and removed after it ends."""

    def __init__(self, parents: dict[str, CgroupParent], limits: "Limits"):
        self.dirs: dict[str, Path] = {}
        name = f"gankit-{os.getpid()}-{time.monotonic_ns()}"
        try:
            for c, parent in parents.items():
                d = Path(parent.path, name)
                d.mkdir()
                self.dirs[c] = d
                first, *second = _LIMIT_FILES[c, parent.version]
                value = limits.memory if c == "memory" else limits.processes
                (d / first).write_text(str(value))
                if second and (d / second[0]).exists():  # no swap beyond the limit, where swap is accounted
                    (d / second[0]).write_text("0" if parent.version == 2 else str(value))
        except OSError:
            self.remove()
            raise
        self.versions = {c: p.version for c, p in parents.items()}

    @property
    def procs_files(self) -> list[str]:
        return [str(d / "cgroup.procs") for d in self.dirs.values()]

    def _events(self, c: str, filename: str) -> dict[str, int]:
        try:
            pairs = (line.split() for line in (self.dirs[c] / filename).read_text().splitlines())
            return {p[0]: int(p[1]) for p in pairs if len(p) == 2 and p[1].isdigit()}
        except (OSError, KeyError):
            return {}

    def hits(self) -> set[str]:
        """Which limits the kernel ran into: 'memory' (a process was killed at it) and 'processes'."""
        hit = set()
        if "memory" in self.dirs:
            file = "memory.events" if self.versions["memory"] == 2 else "memory.oom_control"
            if self._events("memory", file).get("oom_kill", 0) > 0:
                hit.add("memory")
        if "pids" in self.dirs and self._events("pids", "pids.events").get("max", 0) > 0:
            hit.add("processes")
        return hit

    def remove(self) -> None:
        """Kill whatever is still in the cgroups (nothing should be: the PID namespace ended), then remove them."""
        for d in self.dirs.values():
            for _ in range(50):
                try:
                    pids = [int(p) for p in (d / "cgroup.procs").read_text().split()]
                except OSError:
                    pids = []
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                try:
                    d.rmdir()
                    break
                except OSError:
                    time.sleep(0.02)
        self.dirs = {}
