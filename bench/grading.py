"""Grading throughput: `gankit grade` on many copies of a mixed set of one lab's submissions.

    python bench/grading.py [--lab 01-minimax] [--copies 100] [--jobs 1 2]

The mixed set: the solution, the untouched release, the solution with one pack of the lab's
catalogued mistakes (tests/labNN_mistakes.py), the solution with every nbgrader field stripped
(as Colab can leave it), and the hostile notebook of tests/grading_corpus.py (checks switched off,
answers delegating to the kit or returning the wrong shape, dtype or device). `--copies` submissions are drawn from it in turn and graded once per
`--jobs` value, with the sandbox and (`--sandbox on off`) without it; prints seconds per submission,
submissions per minute, the speed-up over the first run, what a class of 200 would take, and what the
sandbox costs: per submission graded, and per kernel (start, one cell, shutdown; `--kernels N` of each).
"""
from __future__ import annotations

import argparse
import copy
import importlib
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the mistake catalogues and the notebook edits live with the tests

from gankit.grading.grade import grade  # noqa: E402
from gankit.grading.sandbox import Limits, SandboxKernelManager, probe  # noqa: E402
from grading_corpus import PLAN, hostile  # noqa: E402
from notebook_edits import apply, mistake_packs  # noqa: E402


def mixed_set(lab: str) -> dict:
    solution = nbformat.read(str(ROOT / "solutions" / lab / f"{lab}.ipynb"), as_version=4)
    release = nbformat.read(str(ROOT / "notebooks" / lab / f"{lab}.ipynb"), as_version=4)
    catalogue = importlib.import_module(f"lab{lab[:2]}_mistakes")
    wrong = solution
    for _, gid, old, new, _ in mistake_packs(catalogue.MISTAKES, catalogue.DEPENDS)[0]:
        wrong = apply(wrong, gid, old, new)
    stripped = copy.deepcopy(solution)
    for cell in stripped.cells:
        cell.metadata.pop("nbgrader", None)
    return {"solution": solution, "untouched": release, "mistakes": wrong, "stripped": stripped,
            "hostile": hostile(solution, *PLAN[lab][1])}


def kernel_seconds(n: int, sandbox) -> float:
    """Mean seconds to start a kernel (in `sandbox`, or plain where None), run one cell and shut it down."""
    import asyncio

    from jupyter_client.manager import AsyncKernelManager

    async def once(folder: Path) -> None:
        km = SandboxKernelManager(sandbox=sandbox) if sandbox else AsyncKernelManager()
        await km.start_kernel(cwd=str(folder))
        kc = km.client()
        kc.start_channels()
        await kc.wait_for_ready(timeout=60)
        await kc.execute_interactive("x = 1", timeout=60)
        kc.stop_channels()
        await km.shutdown_kernel()
        await km.cleanup_resources()

    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(once(Path(tmp)))  # warm the file cache
        t = time.perf_counter()
        for _ in range(n):
            asyncio.run(once(Path(tmp)))
        return (time.perf_counter() - t) / n


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lab", default="01-minimax")
    p.add_argument("--copies", type=int, default=100)
    p.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    p.add_argument("--timeout", type=int, default=120)
    p.add_argument("--sandbox", nargs="+", choices=["on", "off"], default=["on"])
    p.add_argument("--kernels", type=int, default=10, help="kernel starts timed with and without the sandbox (0: none)")
    args = p.parse_args()

    if args.kernels:
        box = probe(Limits(), hidden=[ROOT])
        plain, boxed = kernel_seconds(args.kernels, None), kernel_seconds(args.kernels, box)
        print(f"kernel start + one cell + shutdown, mean of {args.kernels}: plain {plain:.2f} s, sandboxed "
              f"{boxed:.2f} s, the sandbox costs {boxed - plain:+.2f} s ({box.describe()})")

    if not args.copies:
        return
    kinds = mixed_set(args.lab)
    with tempfile.TemporaryDirectory(prefix="gankit-bench-") as tmp:
        subs = Path(tmp) / "submissions"
        subs.mkdir()
        names = list(kinds)
        for i in range(args.copies):
            nbformat.write(kinds[names[i % len(names)]], str(subs / f"student{i:03d}-{names[i % len(names)]}.ipynb"))
        first, per_submission = None, {}
        for jobs in args.jobs:
            for mode in args.sandbox:
                t = time.perf_counter()
                rows = grade(subs, args.lab, Path(tmp) / f"graded-{jobs}-{mode}", project=ROOT, timeout=args.timeout,
                             progress=False, jobs=jobs, sandbox=mode == "on")
                seconds = time.perf_counter() - t
                per_minute = 60 * len(rows) / seconds
                first = first or per_minute
                per_submission[jobs, mode] = seconds / len(rows)
                scores = sorted({(r["student_id"].split("-", 1)[1], r["score"]) for r in rows})
                print(f"{args.lab}, {len(rows)} submissions, {jobs} job(s), sandbox {mode}: {seconds:.0f} s, "
                      f"{seconds / len(rows):.1f} s per submission, {per_minute:.1f} submissions/minute "
                      f"({per_minute / first:.2f}x), a class of 200 in {200 / per_minute:.0f} min; scores {scores}")
            if len(args.sandbox) == 2:
                cost = per_submission[jobs, "on"] - per_submission[jobs, "off"]
                print(f"  the sandbox costs {cost:+.2f} s per submission at {jobs} job(s) "
                      f"(wall clock over the run, divided by the submissions)")


if __name__ == "__main__":
    main()
