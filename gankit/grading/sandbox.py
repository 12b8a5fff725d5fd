"""Every submission's kernel in a sandbox (bubblewrap): it sees its own notebook and, read-only, the
Python environment; nothing else of the machine, no network, and every process it starts dies with it.

    sandbox = probe(Limits(), hidden=[project, submissions, out])   # once per grading run
    km = SandboxKernelManager(sandbox=sandbox)                       # nbclient starts the kernel

Only the kernel runs inside: nbgrader, the hidden tests' source and the gradebook stay outside, and
the two sides talk through Unix sockets in a folder both see (jupyter_client's `ipc` transport, which
works across network namespaces). Inside the sandbox:

- read-only: the system folders (/usr, /etc, ...), the Python installation and its packages, gankit's
  own package folder (not the repository around it), the data folders the labs read;
- writable, and gone when the kernel ends: a private /tmp, /dev/shm and the working folder, which
  shows the lab's own files read-only and nothing else of the course (not even the notebook: the copy
  nbgrader runs already holds the hidden tests);
- a PID namespace (when the kernel exits, its processes are killed), a network namespace with only
  its own loopback, and limits on memory and processes: a cgroup made for the kernel where one can be
  (root, or a delegated cgroup v2 subtree), otherwise an rlimit (data segment, processes of the
  sandbox's user).

Run as root, the sandbox is set up as root and the kernel then runs as an unused uid of its grading
process's own (root inside a user namespace would still be the machine's root for /proc/sysrq-trigger
and its kin; a uid per grading process keeps one kernel's processes from counting against another's
process rlimit when kernels are graded side by side).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Any, Unicode

from gankit.grading.cgroups import KernelCgroups, cgroup_parents
from gankit.grading.course import GradingError

GiB = 1 << 30
UID_BASE = 1_000_000  # + the grading process's pid: a uid no account has, one per grading process


def sandbox_uid() -> int:
    return UID_BASE + os.getpid()

# what a kernel needs of the grader's environment; the rest (tokens, the grader's paths) stays outside
ENV_KEEP = re.compile(r"^(PATH|LANG|LANGUAGE|LC_\w+|TZ|PYTHONHASHSEED|NBGRADER_EXECUTION|"
                      r"(GANKIT|MPL|OMP|MKL|OPENBLAS|CUDA|NVIDIA|TORCH)_?\w*)$")
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
# torch reads the CPU topology from here (and prints warnings on stderr without it)
SYSFS = ("/sys/devices/system/cpu", "/sys/devices/system/node")

# Runs inside the sandbox before the kernel: the rlimits, then (as root) the switch to `nobody`.
# `-I -S` keeps it to a few milliseconds and free of anything a site folder could inject.
_LIMIT_AND_DROP = """\
import os, resource, sys
for item in filter(None, sys.argv[1].split(",")):
    name, value = item.split("=")
    resource.setrlimit(getattr(resource, name), (int(value), int(value)))
uid = int(sys.argv[2])
if uid >= 0:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
os.execv(sys.argv[3], sys.argv[3:])
"""
# Runs outside, before bwrap: joins the kernel's cgroups, so that bwrap and all it starts count there.
_JOIN_CGROUPS = """\
import os, sys
cut = sys.argv.index("--")
for procs in sys.argv[1:cut]:
    with open(procs, "w") as f:
        f.write(str(os.getpid()))
os.execv(sys.argv[cut + 1], sys.argv[cut + 1:])
"""


class SandboxUnavailable(GradingError):
    """The sandbox cannot be made here; the message says what is missing and how to get it."""


def parse_size(text: str | int) -> int:
    """'4G', '512M', '4GiB' or a number of bytes -> bytes."""
    if isinstance(text, int):
        return text
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*", str(text), re.IGNORECASE)
    if not m:
        raise GradingError(f"memory {text!r} is not a size: write e.g. 4G, 512M or a number of bytes.")
    return int(float(m.group(1)) * 1024 ** " KMGT".index(m.group(2).upper() or " "))


def size_text(n: int) -> str:
    for unit, div in (("GiB", GiB), ("MiB", 1 << 20)):
        if n >= div:
            return f"{n / div:g} {unit}"
    return f"{n} bytes"


@dataclass(frozen=True)
class Limits:
    """What one notebook may use. `processes` counts threads too (torch starts one per core)."""
    memory: int = 4 * GiB
    processes: int = 512
    notebook_seconds: int | None = 1200

    def __post_init__(self):
        if self.memory < 256 << 20:
            raise GradingError(f"memory limit {size_text(self.memory)} is too small for a kernel with torch: "
                               "give at least 256M (the default is 4G).")
        if self.processes < 32:
            raise GradingError(f"process limit {self.processes} is too small: a kernel alone runs about 10 "
                               "threads; give at least 32 (the default is 512).")

    @property
    def scratch(self) -> int:
        """Size of each of the kernel's writable folders (/tmp, /dev/shm, its working folder)."""
        return min(GiB, self.memory // 2)


# ---------------------------------------------------------------------------------------------- the sandbox

@dataclass(frozen=True)
class Sandbox:
    """What every sandboxed kernel of one grading run shares; plain data, so worker processes receive it."""
    bwrap: str
    limits: Limits
    read_only: tuple[str, ...]
    symlinks: tuple[tuple[str, str], ...]
    devices: tuple[str, ...]
    cgroups: dict = field(default_factory=dict)  # controller -> CgroupParent
    as_root: bool = False

    def limiter(self, what: str) -> str:
        """How a limit ('memory' or 'processes') is enforced: 'cgroup v1', 'cgroup v2' or 'rlimit'."""
        parent = self.cgroups.get({"memory": "memory", "processes": "pids"}[what])
        return parent.label if parent else "rlimit"

    def describe(self) -> str:
        return (f"bubblewrap sandbox: memory {size_text(self.limits.memory)} ({self.limiter('memory')}), "
                f"{self.limits.processes} processes ({self.limiter('processes')}), "
                f"{self.limits.notebook_seconds or 'no'} s per notebook, no network"
                + (", kernel runs as an unprivileged uid" if self.as_root else ""))

    def rlimits(self) -> str:
        """The rlimits set inside the sandbox: for what no cgroup limits."""
        out = []
        if "memory" not in self.cgroups:
            out.append(f"RLIMIT_DATA={self.limits.memory}")
        if "pids" not in self.cgroups:
            out.append(f"RLIMIT_NPROC={self.limits.processes}")
        return ",".join(out)

    def command(self, kernel_cmd: list[str], workdir: Path, kernel_dir: Path, env: dict,
                procs_files: list[str] = ()) -> list[str]:
        """The command line that starts `kernel_cmd` in the sandbox, in `workdir`, talking through `kernel_dir`."""
        scratch = str(self.limits.scratch)
        args = [self.bwrap, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                "--unshare-cgroup-try", "--die-with-parent", "--hostname", "gankit-sandbox", "--clearenv"]
        if not self.as_root:
            args += ["--unshare-user", "--disable-userns"]
        else:  # what the switch to the sandbox's uid needs, and nothing else; it has none of them afterwards
            args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        for k, v in sorted(env.items()):
            if ENV_KEEP.match(k):
                args += ["--setenv", k, v]
        # JPY_PARENT_PID 1: the kernel's parent in there is bwrap's init; set, it keeps ipykernel from
        # printing its connection banner on the grader's console. USER: getpass asks no password database.
        args += ["--setenv", "HOME", "/tmp", "--setenv", "TMPDIR", "/tmp", "--setenv", "JPY_PARENT_PID", "1",
                 "--setenv", "USER", "student", "--setenv", "LOGNAME", "student"]
        made: set[str] = {"/"}

        def mount(*option: str) -> None:
            """Add a mount whose target is option[-1], after its parents (bwrap would make them 0700)."""
            target = Path(option[-1])
            for parent in reversed(target.parents):
                if str(parent) not in made:
                    args.extend(["--perms", "0755", "--dir", str(parent)])
                    made.add(str(parent))
            args.extend(option)
            made.add(str(target))

        # /tmp first: what is shown below it (a virtual environment in a clone under /tmp) goes on top
        mount("--perms", "1777", "--size", scratch, "--tmpfs", "/tmp")
        for target, link in self.symlinks:
            mount("--symlink", target, link)
        for path in self.read_only:
            mount("--ro-bind", path, path)
        mount("--proc", "/proc")
        mount("--dev", "/dev")
        for dev in self.devices:
            mount("--dev-bind", dev, dev)
        mount("--perms", "1777", "--size", scratch, "--tmpfs", "/dev/shm")
        mount("--perms", "1777", "--size", scratch, "--tmpfs", str(workdir))
        # the lab's own files, read-only (what the kernel writes there goes with it), but not the notebook:
        # nbgrader's copy of it already holds the hidden tests of every test cell
        for entry in sorted(workdir.iterdir()):
            if entry.suffix != ".ipynb":
                mount("--ro-bind", str(entry), str(entry))
        mount("--bind", str(kernel_dir), str(kernel_dir))
        args += ["--chdir", str(workdir), "--"]
        inner = [sys.executable, "-I", "-S", "-c", _LIMIT_AND_DROP, self.rlimits(),
                 str(sandbox_uid() if self.as_root else -1), *kernel_cmd]
        if procs_files:
            return [sys.executable, "-I", "-S", "-c", _JOIN_CGROUPS, *procs_files, "--", *args, *inner]
        return args + inner


def _python_paths() -> list[str]:
    """Where the kernel's interpreter and packages live: prefixes, the stdlib, site folders, gankit."""
    import gankit

    paths = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix,
             str(Path(sys.executable).resolve().parent), str(Path(gankit.__file__).resolve().parent)}
    paths |= {v for k, v in sysconfig.get_paths().items() if v}
    import site
    if site.ENABLE_USER_SITE:
        paths.add(site.getusersitepackages())
    # an editable install's .pth lines that name folders (setuptools' older "path" mode)
    for folder in site.getsitepackages():
        for pth in Path(folder).glob("*.pth"):
            for line in pth.read_text(errors="replace").splitlines():
                if line.strip() and not line.startswith(("#", "import")) and Path(folder, line.strip()).is_dir():
                    paths.add(str(Path(folder, line.strip()).resolve()))
    return sorted(p for p in paths if os.path.isdir(p))


def _data_paths() -> list[str]:
    """The folders the labs read data from (data, not secrets): $GANKIT_DATA, the data cache, torch's hub."""
    from gankit.data import default_root

    paths = [default_root()]
    try:
        import torch.hub
        paths.append(Path(torch.hub.get_dir()))
    except Exception:  # noqa: BLE001 (no torch hub folder is fine)
        pass
    return [str(p.resolve()) for p in paths if p.is_dir()]


def _inside(path: str, folder: str) -> bool:
    return os.path.commonpath([os.path.realpath(path), os.path.realpath(folder)]) == os.path.realpath(folder)


def probe(limits: Limits, hidden: list[Path]) -> Sandbox:
    """The sandbox for this machine, tried once with a command; SandboxUnavailable says what is missing.

    `hidden` are folders no notebook may see (the repository, the submissions, the output): a folder
    the sandbox would show read-only that holds one of them is refused, not quietly shown.
    """
    fix = "or pass --no-sandbox to grade without one (every notebook can then read solutions/ and the " \
          "submissions, and reach the network)."
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailable(f"the grading sandbox needs Linux (bubblewrap); this is {sys.platform}: grade on a "
                                 f"Linux machine or in a Linux container or VM, {fix}")
    bwrap = shutil.which("bwrap")
    if not bwrap:
        raise SandboxUnavailable("bubblewrap (bwrap) is not installed: `sudo apt-get install bubblewrap` (Debian, "
                                 "Ubuntu), `sudo dnf install bubblewrap` (Fedora) or `conda install -c conda-forge "
                                 f"bubblewrap`, {fix}")
    read_only = []
    for path in [p for p in SYSTEM if os.path.isdir(p) and not os.path.islink(p)] + _python_paths() + _data_paths():
        for secret in hidden:
            if _inside(str(secret), path):
                raise SandboxUnavailable(f"{path} would be readable in the sandbox (it holds the Python environment "
                                         f"or the data), and it contains {secret}: keep the course repository, the "
                                         f"submissions and the output outside it, {fix}")
        if not any(_inside(path, other) for other in read_only):
            read_only.append(path)
    read_only += [p for p in SYSFS if os.path.isdir(p)]
    symlinks = tuple((os.readlink(p), p) for p in SYSTEM if os.path.islink(p))
    devices = tuple(sorted(str(p) for p in Path("/dev").glob("nvidia*") if p.is_char_device()))
    as_root = os.geteuid() == 0
    sandbox = Sandbox(bwrap, limits, tuple(read_only), symlinks, devices, cgroup_parents() if as_root else
                      {c: p for c, p in cgroup_parents().items() if p.version == 2}, as_root)
    with tempfile.TemporaryDirectory(prefix="gankit-probe-") as tmp:
        work = Path(tmp, "work")
        work.mkdir()
        cmd = sandbox.command([sys.executable, "-I", "-S", "-c", "print('ok')"], work, Path(tmp), dict(os.environ))
        try:
            result = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as e:
            result = subprocess.CompletedProcess(cmd, 1, "", str(e))
    if result.stdout.strip() != "ok":
        said = (result.stderr.strip() or f"exit status {result.returncode}").splitlines()[-1]
        if not re.search(r"namespace|uid map|not permitted|Permission denied|No permissions", said, re.IGNORECASE):
            raise SandboxUnavailable(f"bubblewrap made the sandbox but Python did not start in it ({said}): the "
                                     f"folders shown read-only were {', '.join(read_only)}; {fix}")
        raise SandboxUnavailable(
            f"bubblewrap could not make the sandbox here ({said}). User namespaces may be disabled: on Ubuntu 23.10 "
            "and newer AppArmor restricts them (`sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`, or "
            "an AppArmor profile for bwrap), elsewhere `sudo sysctl -w user.max_user_namespaces=15000`; in a "
            f"container, run it with user namespaces allowed (e.g. docker --privileged), {fix}")
    return sandbox


# ---------------------------------------------------------------------------------------------- the kernel manager

class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels start inside `sandbox` (a Sandbox), in their own cgroups where it has them."""

    sandbox = Any(None, help="the Sandbox of this grading run").tag(config=True)
    transport = Unicode("ipc")  # Unix sockets: they cross the network namespace, TCP would not

    _kernel_dir: Path | None = None
    _cgroups: KernelCgroups | None = None
    hits: frozenset = frozenset()  # the limits its cgroups saw, read when the kernel ended

    async def _async_pre_start_kernel(self, **kw):
        self._kernel_dir = Path(tempfile.mkdtemp(prefix="gankit-kernel-"))
        self.connection_file = str(self._kernel_dir / "kernel.json")
        self.ip = str(self._kernel_dir / "k")
        self.hits = frozenset()
        if self.sandbox.as_root:
            os.chown(self._kernel_dir, sandbox_uid(), sandbox_uid())
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        # interrupts go as a message: a SIGINT to the process group would reach bwrap itself, outside
        self.kernel_spec.interrupt_mode = "message"
        return cmd, kw

    def format_kernel_cmd(self, extra_arguments=None) -> list[str]:
        kernel_cmd = super().format_kernel_cmd(extra_arguments)
        if self.sandbox.as_root:  # jupyter_client wrote it for us alone (0600)
            os.chown(self.connection_file, sandbox_uid(), sandbox_uid())
        if self.sandbox.cgroups:
            self._cgroups = KernelCgroups(self.sandbox.cgroups, self.sandbox.limits)
        args = self._launch_args or {}
        workdir = Path(args.get("cwd") or os.getcwd()).resolve()
        return self.sandbox.command(kernel_cmd, workdir, self._kernel_dir, args.get("env") or dict(os.environ),
                                    self._cgroups.procs_files if self._cgroups else [])

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if self._cgroups is not None:
            self.hits = frozenset(self._cgroups.hits())
            self._cgroups.remove()
            self._cgroups = None
        if self._kernel_dir is not None:
            shutil.rmtree(self._kernel_dir, ignore_errors=True)
            self._kernel_dir = None

    def limits_hit(self) -> set:
        """'memory', 'processes': the limits the kernel's cgroups saw it reach, now or before they went."""
        return set(self.hits) | (self._cgroups.hits() if self._cgroups is not None else set())

    cleanup_resources = _async_cleanup_resources  # nbclient calls the public name, shutdown the private one
