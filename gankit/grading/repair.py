"""Read a submitted notebook and mend what editors and students do to it before nbgrader sees it.

Colab and other editors can drop the nbgrader metadata of every cell; without it nbgrader treats
the whole notebook as "needs manual grading". Cells are matched back to the source's graded cells
by cell id, then by the functions or classes an answer defines, then by the text of a test cell.
A grade id that appears twice (a student copied a cell) would abort nbgrader's whole batch: only
the first copy keeps it.
"""
from __future__ import annotations

import copy
import difflib
import re
from dataclasses import dataclass, field

import nbformat

DEFINES = re.compile(r"^(?:def|class)\s+(\w+)", re.MULTILINE)
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.DOTALL)


@dataclass
class Prepared:
    notebook: object | None  # nbformat.NotebookNode, or None when the file is not a notebook
    notes: list = field(default_factory=list)  # what was repaired, for the feedback
    error: str | None = None  # why the file cannot be graded at all


def grade_id(cell) -> str | None:
    """The nbgrader grade id of a cell, or None."""
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def autograded_points(source_nb) -> dict:
    """Grade id -> points of the autograded cells (written answers are graded by hand and counted apart)."""
    return {grade_id(c): float(c.metadata["nbgrader"].get("points", 0)) for c in source_nb.cells
            if grade_id(c) and c.metadata["nbgrader"].get("grade") and c.cell_type == "code"}


def _ids(cell) -> set:
    return {i for i in (cell.get("id"), cell.get("metadata", {}).get("id")) if i}


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _match(src, candidates):
    """The submission cell that best stands for graded source cell `src`, or None."""
    same_type = [c for c in candidates if c.cell_type == src.cell_type]
    for c in same_type:
        if _ids(c) & (_ids(src) | {grade_id(src)}):
            return c
    names = set(DEFINES.findall(src.source))
    if names:
        for c in same_type:
            if names <= set(DEFINES.findall(c.source)):
                return c
    visible = HIDDEN.sub("", src.source)  # what the student's copy of a test cell holds
    scored = [(_similarity(visible, c.source), i) for i, c in enumerate(same_type)]
    if scored:
        best, i = max(scored)
        if best >= 0.6:
            return same_type[i]
    return None


def prepare(path, source_nb) -> Prepared:
    """Read the submission at `path` and repair it against the source notebook (with nbgrader metadata)."""
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as e:  # JSON errors, wrong encoding, an nbformat too old or too new
        return Prepared(None, error=f"not a readable notebook ({type(e).__name__}: {str(e).splitlines()[0][:200]})")
    if not isinstance(nb.get("cells"), list):
        return Prepared(None, error="not a readable notebook (no list of cells)")
    notes = []
    seen = set()
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid is None:
            continue
        if gid in seen:
            del cell.metadata["nbgrader"]
            notes.append(f"a second copy of cell {gid} was not graded")
        seen.add(gid)
    graded = [c for c in source_nb.cells if grade_id(c)]
    repaired = []
    for src in graded:
        gid = grade_id(src)
        if gid in seen:
            continue
        c = _match(src, [c for c in nb.cells if grade_id(c) is None])
        if c is not None:
            c.metadata["nbgrader"] = copy.deepcopy(src.metadata["nbgrader"])
            seen.add(gid)
            repaired.append(gid)
    if repaired:
        notes.append(f"nbgrader metadata was missing and has been restored for: {', '.join(repaired)}")
    used = set()
    for i, cell in enumerate(nb.cells):  # nbformat 4.5 wants unique ids; old editors write none, copies repeat them
        if not cell.get("id") or cell["id"] in used:
            cell["id"] = f"submitted-{i}"
        used.add(cell["id"])
    nb.nbformat, nb.nbformat_minor = 4, max(5, nb.get("nbformat_minor", 5))
    return Prepared(nb, notes)
