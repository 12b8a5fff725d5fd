"""`gankit projects`: the course project's data sets, given out first come, first served.

Each group proposes a plan A and a plan B data set; no two groups may use the same one. The proposals
are a CSV with the columns group, members, plan A, plan B, submitted-at (headers matched without regard
to case, spaces, hyphens or underscores). In order of submission time (rows with the same time in the
file's order) each group gets its plan A if no earlier group holds that data set, else its plan B if
free, else nothing: it is listed with who holds its two plans.

Two names are the same data set when they differ only in case, spacing or punctuation ("CIFAR-10",
"cifar 10"), or by a slip of spelling (one letter wrong, missing, extra or two swapped; two in a name
of nine letters or more: "Fashon MNIST") while their numbers agree ("CIFAR10" and "CIFAR100" differ).
Every such match is reported, so that a wrong one is seen.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from gankit.grading.course import GradingError

COLUMNS = ("group", "members", "plan A", "plan B", "submitted-at")


def _header_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


@dataclass
class Proposal:
    group: str
    members: str
    plans: tuple  # (plan A, plan B) as written
    submitted: datetime
    row: int  # its row in the file, from 2 (the header is row 1)


@dataclass
class Outcome:
    proposal: Proposal
    data_set: str = ""  # as the group wrote it; "" for none
    plan: str = ""  # "A", "B" or ""
    notes: list = field(default_factory=list)


def read_proposals(path: str | Path) -> list[Proposal]:
    """The proposals in `path`, in the file's order; a GradingError names a missing column or a bad row."""
    path = Path(path)
    if not path.is_file():
        raise GradingError(f"{path} is not a file: pass the proposals CSV (columns: {', '.join(COLUMNS)}).")
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        found = {_header_key(h): h for h in reader.fieldnames or []}
        missing = [c for c in COLUMNS if _header_key(c) not in found]
        if missing:
            raise GradingError(f"{path} has no column {', '.join(repr(m) for m in missing)}; it has "
                               f"{', '.join(repr(h) for h in reader.fieldnames or []) or 'no header'}. "
                               f"The columns are: {', '.join(COLUMNS)}.")
        group, members, a, b, at = (found[_header_key(c)] for c in COLUMNS)
        proposals = []
        for row, r in enumerate(reader, start=2):
            if not any((v or "").strip() for v in r.values()):
                continue  # a blank line
            name = (r[group] or "").strip()
            if not name:
                raise GradingError(f"{path}, row {row}: no group name.")
            try:
                when = datetime.fromisoformat((r[at] or "").strip())
            except ValueError:
                raise GradingError(f"{path}, row {row} (group {name!r}): submitted-at {r[at]!r} is not a date and time "
                                   "such as 2026-10-05 14:30 (ISO 8601).") from None
            plans = tuple((r[col] or "").strip() for col in (a, b))
            if not plans[0]:
                raise GradingError(f"{path}, row {row} (group {name!r}): no plan A.")
            proposals.append(Proposal(name, (r[members] or "").strip(), plans, when, row))
    return proposals


def _canonical(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _edits(a: str, b: str) -> int:
    """Letters changed, missing, extra or swapped with a neighbour between a and b (Damerau-Levenshtein)."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def same_data_set(a: str, b: str) -> bool:
    """Do two names denote the same data set (see the module's docstring)?"""
    ca, cb = _canonical(a), _canonical(b)
    if not ca or not cb:
        return False
    if ca == cb:
        return True
    if re.findall(r"\d+", ca) != re.findall(r"\d+", cb):
        return False
    letters = min(len(ca), len(cb))
    allowed = 0 if letters < 5 else 1 if letters < 9 else 2
    return _edits(ca, cb) <= allowed


def assign(proposals: list[Proposal]) -> list[Outcome]:
    """One Outcome per group, in order of submission. A group that appears twice keeps its later row
    (a revised proposal takes the later time)."""
    latest: dict[str, Proposal] = {}
    notes: dict[str, list] = {}
    for p in proposals:
        key = p.group.casefold()
        if key in latest:
            notes.setdefault(key, []).append(f"row {latest[key].row} replaced by row {p.row} (a later proposal)")
        latest[key] = p
    taken: list[tuple[str, Outcome]] = []  # (the data set as first written, who holds it)
    outcomes = []
    for p in sorted(latest.values(), key=lambda p: (p.submitted, p.row)):
        out = Outcome(p, notes=notes.get(p.group.casefold(), []))
        for plan, wanted in zip("AB", p.plans):
            if not wanted:
                continue
            holder = next(((name, o) for name, o in taken if same_data_set(name, wanted)), None)
            if holder is None:
                out.data_set, out.plan = wanted, plan
                taken.append((wanted, out))
                break
            name, o = holder
            if _canonical(name) != _canonical(wanted):
                out.notes.append(f"plan {plan} {wanted!r} read as {name!r} (a spelling of the same data set)")
            out.notes.append(f"plan {plan} {wanted!r} is held by group {o.proposal.group} "
                             f"(submitted {o.proposal.submitted:%Y-%m-%d %H:%M})")
        outcomes.append(out)
    return outcomes


OUT_COLUMNS = ("group", "members", "data set", "plan", "submitted-at", "notes")


def write_assignments(outcomes: list[Outcome], path: str | Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(OUT_COLUMNS)
        for o in outcomes:
            w.writerow([o.proposal.group, o.proposal.members, o.data_set, o.plan,
                        o.proposal.submitted.isoformat(sep=" "), "; ".join(o.notes)])


def report(outcomes: list[Outcome]) -> str:
    """The assignments as a text table, then the groups left without a data set."""
    rows = [("group", "data set", "plan", "submitted-at")] + [
        (o.proposal.group, o.data_set or "-", o.plan or "-", f"{o.proposal.submitted:%Y-%m-%d %H:%M}") for o in outcomes]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    noted = [o for o in outcomes if o.notes and o.data_set]
    left = [o for o in outcomes if not o.data_set]
    for o in noted:
        lines.append(f"note: group {o.proposal.group}: " + "; ".join(o.notes))
    if left:
        lines.append(f"\n{len(left)} group(s) left without a data set (ask them for a new proposal):")
        lines += [f"  {o.proposal.group}: " + "; ".join(o.notes) for o in left]
    else:
        lines.append("\nevery group has a data set")
    return "\n".join(lines)
