"""Mutation testing of the labs' grading: small generic edits planted one at a time into every line of
every solution region, each graded through the real `gankit grade` path.

    python bench/mutants.py [LAB ...] [--jobs 2] [--limit N] [--out DIR] [--no-sandbox] [--list]

Operators (on the parsed code, so that only the edited expression changes): + <-> -, * <-> /, a
comparison flipped, a unary minus dropped, a term of a sum or difference dropped, an integer
constant changed (0 <-> 1, -1 -> 0, n -> n + 1; indices and dims among them), a float constant
doubled, `.detach()` dropped, `.mean()` -> `.sum()`, Tanh / Sigmoid / ReLU / LeakyReLU (and
tanh / sigmoid / relu) swapped, two neighbouring arguments of a call swapped. A mutant that does not
compile is not made.

Mutants are graded in packs (one mutant per exercise in a notebook, never two in exercises that call
each other: tests/labNN_mistakes.py's DEPENDS), and a mutant is killed when a test cell of its
exercise (or of one that calls it) loses points; a pack whose notebook stopped (a timeout, a dead
kernel) is graded again one mutant at a time. Survivors listed in bench/mutants_equivalent.txt
(reviewed: the edit changes nothing a program can observe) count as equivalent, not as survivors.
Prints per lab: mutants made, killed, equivalent, survived, the kill rate over the non-equivalent
ones, and every survivor's diff. `--list` only prints the mutants.
"""
from __future__ import annotations

import argparse
import ast
import copy
import importlib
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENT = Path(__file__).with_name("mutants_equivalent.txt")
sys.path.insert(0, str(ROOT / "tests"))  # the labs' TEST_OF / DEPENDS maps live beside their mistake catalogues
from notebook_edits import mistake_packs  # noqa: E402  (packs the mutants as the grading tests pack mistakes)

ADD_SUB = {ast.Add: ("+", "-"), ast.Sub: ("-", "+"), ast.Mult: ("*", "/"), ast.Div: ("/", "*")}
COMPARE = {ast.Lt: ("<", ">="), ast.Gt: (">", "<="), ast.LtE: ("<=", ">"), ast.GtE: (">=", "<"),
           ast.Eq: ("==", "!="), ast.NotEq: ("!=", "==")}
ACTIVATIONS = [["Tanh", "Sigmoid", "ReLU", "LeakyReLU"], ["tanh", "sigmoid", "relu"]]


@dataclass(frozen=True)
class Mutant:
    lab: str
    cell: str  # the answer cell's grade id
    line: int  # 1-based, in the cell
    operator: str
    before: str  # the cell's line before and after
    after: str
    source: str  # the whole mutated cell

    @property
    def key(self) -> str:
        """How the reviewed list of equivalent mutants names it."""
        return f"{self.lab} | {self.cell} | {self.before.strip()} | {self.after.strip()}"


def _offsets(source: str) -> list[int]:
    starts, total = [], 0
    for line in source.splitlines(keepends=True):
        starts.append(total)
        total += len(line)
    return starts + [total]


def _solution_lines(source: str) -> set[int]:
    """1-based numbers of the lines between ### BEGIN SOLUTION and ### END SOLUTION."""
    inside, lines = False, set()
    for i, line in enumerate(source.splitlines(), 1):
        if "### BEGIN SOLUTION" in line:
            inside = True
        elif "### END SOLUTION" in line:
            inside = False
        elif inside:
            lines.add(i)
    return lines


def _edits(tree: ast.AST, source: str, pos):
    """(operator, start, end, replacement) for every generic edit of the parsed cell."""
    seg = lambda node: source[pos(node.lineno, node.col_offset):pos(node.end_lineno, node.end_col_offset)]  # noqa: E731
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and type(node.op) in ADD_SUB:
            old, new = ADD_SUB[type(node.op)]
            a, b = pos(node.left.end_lineno, node.left.end_col_offset), pos(node.right.lineno, node.right.col_offset)
            gap = source[a:b]
            if gap.count(old) == 1:
                yield f"{old} -> {new}", a, b, gap.replace(old, new)
            if isinstance(node.op, (ast.Add, ast.Sub)):  # drop a term
                start, end = pos(node.lineno, node.col_offset), pos(node.end_lineno, node.end_col_offset)
                yield "drop the right term", start, end, source[start:a]
                if isinstance(node.op, ast.Add):
                    yield "drop the left term", start, end, source[b:end]
        elif isinstance(node, ast.Compare):
            prev = node.left
            for op, right in zip(node.ops, node.comparators):
                a, b = pos(prev.end_lineno, prev.end_col_offset), pos(right.lineno, right.col_offset)
                if type(op) in COMPARE:
                    old, new = COMPARE[type(op)]
                    gap = source[a:b]
                    if gap.count(old) == 1:
                        yield f"{old} -> {new}", a, b, gap.replace(old, new)
                prev = right
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            start, end = pos(node.lineno, node.col_offset), pos(node.end_lineno, node.end_col_offset)
            if isinstance(node.operand, ast.Constant) and node.operand.value == 1:
                yield "-1 -> 0", start, end, "0"
            else:
                yield "drop a minus sign", start, end, source[start:end].replace("-", "", 1)
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float) and not isinstance(node.value, bool):
            start, end = pos(node.lineno, node.col_offset), pos(node.end_lineno, node.end_col_offset)
            v = node.value
            if isinstance(v, int):
                new = {0: 1, 1: 0}.get(v, v + 1)
            else:
                new = 2 * v if v else 1.0
            yield f"constant {v} -> {new}", start, end, repr(new)
        elif isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Attribute) and f.attr == "detach" and not node.args:
                yield "drop .detach()", pos(node.lineno, node.col_offset), pos(node.end_lineno, node.end_col_offset), seg(f.value)
            args = [a for a in node.args if not isinstance(a, ast.Starred)]
            for x, y in zip(args, args[1:]):
                sx, ex = pos(x.lineno, x.col_offset), pos(x.end_lineno, x.end_col_offset)
                sy, ey = pos(y.lineno, y.col_offset), pos(y.end_lineno, y.end_col_offset)
                if seg(x) != seg(y):
                    yield "swap two arguments", sx, ey, seg(y) + source[ex:sy] + seg(x)
        if isinstance(node, ast.Attribute) and node.attr == "mean":
            end = pos(node.end_lineno, node.end_col_offset)
            yield ".mean -> .sum", end - 4, end, "sum"
        name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None
        for family in ACTIVATIONS:
            if name in family:
                end = pos(node.end_lineno, node.end_col_offset)
                for other in family:
                    if other != name:
                        yield f"{name} -> {other}", end - len(name), end, other


def mutants_of(lab: str, nb) -> list[Mutant]:
    made, seen = [], set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("solution") or meta.get("grade"):
            continue
        source, lines = cell.source, _solution_lines(cell.source)
        starts = _offsets(source)
        pos = lambda lineno, col: starts[lineno - 1] + len(source.splitlines(keepends=True)[lineno - 1].encode()[:col].decode())  # noqa: E731
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for operator, start, end, new in _edits(tree, source, pos):
            line = source.count("\n", 0, start) + 1
            if line not in lines or source.count("\n", start, end) > 3:
                continue
            mutated = source[:start] + new + source[end:]
            if mutated == source or (meta["grade_id"], mutated) in seen:
                continue
            try:
                compile(mutated, meta["grade_id"], "exec")
            except SyntaxError:
                continue
            seen.add((meta["grade_id"], mutated))
            old_lines, new_lines = source.splitlines(), mutated.splitlines()
            after = "\n".join(new_lines[line - 1: line - 1 + len(new_lines) - len(old_lines) + 1])
            made.append(Mutant(lab, meta["grade_id"], line, operator, old_lines[line - 1], after, mutated))
    return made


def _with(nb, pack: list[Mutant]):
    nb = copy.deepcopy(nb)
    for m in pack:
        (cell,) = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == m.cell]
        cell.source = m.source
    return nb


def grade_packs(lab: str, nb, groups: list[list[Mutant]], jobs: int, sandbox: bool, workdir: Path) -> list[dict]:
    """Grade each pack as one submission; returns the gradebook rows, in the packs' order."""
    from gankit.grading.grade import grade

    folder, out = workdir / "submissions", workdir / "graded"
    folder.mkdir(parents=True)
    for i, pack in enumerate(groups):
        nbformat.write(_with(nb, pack), str(folder / f"m{i:04d}.ipynb"))
    rows = {r["student_id"]: r for r in grade(folder, lab, out, project=ROOT, jobs=jobs, sandbox=sandbox, progress=True)}
    return [rows[f"m{i:04d}"] for i in range(len(groups))]


def killed(m: Mutant, row: dict, test_of: dict, depends: dict, points: dict) -> bool:
    callers = [cell for cell, calls in depends.items() if m.cell in calls]
    tests = [test_of[c] for c in [m.cell, *callers] if c in test_of]
    if row.get("status") not in ("graded", "repaired"):
        return True
    return any(float(row.get(t) or 0) < points[t] for t in tests)


def run_lab(lab: str, jobs: int, sandbox: bool, limit: int | None, equivalent: set[str]) -> dict:
    from gankit.grading.course import check_lab
    from gankit.grading.repair import autograded_points

    check_lab(ROOT, lab)
    catalogue = importlib.import_module(f"lab{lab[:2]}_mistakes")
    test_of, depends = catalogue.TEST_OF, getattr(catalogue, "DEPENDS", {})
    nb = nbformat.read(str(ROOT / "solutions" / lab / f"{lab}.ipynb"), as_version=4)
    points = autograded_points(nb)
    made = mutants_of(lab, nb)[:limit]
    t0 = time.perf_counter()
    verdict: dict[Mutant, bool] = {}
    with tempfile.TemporaryDirectory() as tmp:
        groups = mistake_packs(made, depends, exercise=lambda m: m.cell)
        rows = grade_packs(lab, nb, groups, jobs, sandbox, Path(tmp) / "packs")
        again = []
        for pack, row in zip(groups, rows):
            if row.get("status") not in ("graded", "repaired") or "did not run" in row.get("reason", ""):
                again += pack  # the notebook stopped: every mutant in it gets a notebook of its own
            else:
                verdict.update({m: killed(m, row, test_of, depends, points) for m in pack})
        if again:
            rows = grade_packs(lab, nb, [[m] for m in again], jobs, sandbox, Path(tmp) / "single")
            verdict.update({m: killed(m, row, test_of, depends, points) for m, row in zip(again, rows)})
    survivors = [m for m in made if not verdict[m]]
    equiv = [m for m in survivors if m.key in equivalent]
    real = [m for m in survivors if m.key not in equivalent]
    n_real = len(made) - len(equiv)
    return {"lab": lab, "made": len(made), "killed": len(made) - len(survivors), "equivalent": len(equiv),
            "survived": len(real), "rate": (n_real - len(real)) / n_real if n_real else 1.0, "survivors": real,
            "minutes": (time.perf_counter() - t0) / 60, "notebooks": len(groups) + len(again)}


def _equivalent() -> set[str]:
    if not EQUIVALENT.exists():
        return set()
    return {line.strip() for line in EQUIVALENT.read_text().splitlines() if line.strip() and not line.startswith("#")}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("labs", nargs="*", metavar="LAB", help="labs (default: every lab in solutions/)")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--limit", type=int, default=None, help="at most this many mutants per lab (a quick look)")
    p.add_argument("--no-sandbox", action="store_true")
    p.add_argument("--list", action="store_true", help="print the mutants without grading them")
    args = p.parse_args()
    from gankit.grading.course import labs as all_labs

    names = args.labs or all_labs(ROOT)
    if args.list:
        for lab in names:
            nb = nbformat.read(str(ROOT / "solutions" / lab / f"{lab}.ipynb"), as_version=4)
            for m in mutants_of(lab, nb)[:args.limit]:
                print(f"{m.cell}:{m.line} [{m.operator}]\n  - {m.before.strip()}\n  + {m.after.strip()}")
        return
    equivalent = _equivalent()
    results = [run_lab(lab, args.jobs, not args.no_sandbox, args.limit, equivalent) for lab in names]
    for r in results:
        if r["survivors"]:
            print(f"\n## {r['lab']}: {len(r['survivors'])} survivors")
            for m in r["survivors"]:
                print(f"{m.cell}:{m.line} [{m.operator}]\n  - {m.before.strip()}\n  + {m.after.strip()}\n  key: {m.key}")
    print("\n| lab | mutants | killed | equivalent | survived | kill rate | notebooks graded | minutes |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['lab']} | {r['made']} | {r['killed']} | {r['equivalent']} | {r['survived']} | "
              f"{100 * r['rate']:.1f} % | {r['notebooks']} | {r['minutes']:.1f} |")
    low = [r["lab"] for r in results if r["rate"] < 0.95]
    if low:
        print(f"below the 95 % kill rate: {', '.join(low)}")


if __name__ == "__main__":
    main()
