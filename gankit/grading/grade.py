"""Grade a folder of submitted notebooks: one gradebook row and one feedback page per file, whatever it holds.

    grade(Path("submissions"), "03-vanilla-gan", Path("graded"))

Each `*.ipynb` in the folder is one student (the file name without `.ipynb` is the student id, as
an LMS or Colab download names it). Nothing in the folder is written to.
"""
from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import nbformat

from gankit.grading.course import SOURCE, GradingError, check_lab, course_directory, environment, find_project
from gankit.grading.feedback import one_line
from gankit.grading.repair import Prepared, grade_id, prepare
from gankit.runtime import FAST_ENV

FIXED_COLUMNS = ["student_id", "assignment", "score", "max_score"]
STATUS_COLUMNS = ["status", "reason"]


def _safe_ids(stems: list[str]) -> dict[str, str]:
    """nbgrader ids (folder names) for the students' file names, unique."""
    out, used = {}, set()
    for stem in stems:
        base = re.sub(r"[^A-Za-z0-9_-]", "_", stem) or "student"
        sid, n = base, 1
        while sid in used:
            n += 1
            sid = f"{base}_{n}"
        used.add(sid)
        out[stem] = sid
    return out


def _failures(autograded_nb, graded_ids: list[str]) -> list[str]:
    """One line per graded cell that raised: which cell and what the check said."""
    lines = []
    for cell in autograded_nb.cells:
        gid = grade_id(cell)
        if gid in graded_ids:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    msg = one_line(out)
                    if out.get("ename") == "NotImplementedError":
                        msg = "not attempted (NotImplementedError)"
                    lines.append(f"{gid}: {msg}")
                    break
    return lines


def _banner(reason: str, notes: list[str]) -> str:
    items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return (f'<div style="border:1px solid #c90;padding:8px;margin:8px;font-family:sans-serif">'
            f"<b>Grading summary:</b> {html.escape(reason)}<ul>{items}</ul></div>")


def _write_feedback(path: Path, body: str | None, reason: str, notes: list[str]) -> None:
    banner = _banner(reason, notes)
    if body is None:
        body = f"<html><head><meta charset='utf-8'><title>Feedback</title></head><body>{banner}</body></html>"
    elif "<body>" in body:
        body = body.replace("<body>", "<body>" + banner, 1)
    else:
        body = banner + body
    path.write_text(body, encoding="utf-8")


def grade(submissions: str | Path, lab: str, out: str | Path, *, project: str | Path | None = None,
          timeout: int = 60, fast: bool = True, progress: bool = True) -> list[dict]:
    """Autograde every `*.ipynb` in `submissions` for `lab`; write out/gradebook.csv and out/feedback/<id>.html.

    Returns the gradebook rows. `timeout` is the limit per cell in seconds; `fast` sets GANKIT_FAST=1.
    """
    from tqdm.auto import tqdm

    submissions, out = Path(submissions), Path(out)
    if not submissions.is_dir():
        raise GradingError(f"{submissions} is not a folder: pass the folder that holds the submitted .ipynb files.")
    project = find_project(project)
    check_lab(project, lab)
    files = sorted(p for p in submissions.iterdir() if p.suffix == ".ipynb" and p.is_file())
    if not files:
        raise GradingError(f"no .ipynb files in {submissions}: one notebook per student, named <student_id>.ipynb.")
    if out.resolve() == submissions.resolve() or submissions.resolve() in out.resolve().parents:
        raise GradingError(f"--out {out} is inside the submissions folder: choose another folder, "
                           "the submissions are never written to.")
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    source_nb = nbformat.read(str(project / SOURCE / lab / f"{lab}.ipynb"), as_version=4)
    graded_ids = [grade_id(c) for c in source_nb.cells
                  if grade_id(c) and c.metadata["nbgrader"].get("grade")]
    max_score = _max_score(source_nb)  # every row is out of the same total, readable or not
    ids = _safe_ids([p.stem for p in files])
    rows = []
    env = {FAST_ENV: "1"} if fast else {}
    with environment(**env), course_directory(project, [lab], timeout) as (root, api):
        for path in tqdm(files, desc=f"grading {lab}", disable=not progress):
            row = {"student_id": path.stem, "assignment": lab, "score": 0.0, "max_score": max_score,
                   **{g: "" for g in graded_ids}}
            try:
                prepared, feedback_html = _grade_one(api, root, lab, ids[path.stem], path, source_nb, graded_ids, row)
            except Exception as e:  # one misbehaving notebook must not cost the others their rows
                prepared, feedback_html = Prepared(None), None
                row.update(status="not graded", reason=f"grading failed ({type(e).__name__}: {e})")
            _write_feedback(out / "feedback" / f"{path.stem}.html", feedback_html, row["reason"], prepared.notes)
            rows.append(row)
    with open(out / "gradebook.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=FIXED_COLUMNS + graded_ids + STATUS_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return rows


def _grade_one(api, root: Path, lab: str, sid: str, path: Path, source_nb, graded_ids: list[str], row: dict):
    """Repair, autograde and give feedback on one submission; fills `row` and returns (Prepared, feedback HTML)."""
    from nbgrader.api import MissingEntry

    prepared = prepare(path, source_nb)
    if prepared.error:
        row.update(status="unreadable", reason=prepared.error)
        return prepared, None
    target = root / "submitted" / sid / lab
    target.mkdir(parents=True)
    nbformat.write(prepared.notebook, str(target / f"{lab}.ipynb"))
    result = api.autograde(lab, sid, force=True, create=True)
    graded = root / "autograded" / sid / lab / f"{lab}.ipynb"
    if not result.get("success") or not graded.exists():
        log = (result.get("error") or result.get("log") or "").strip().splitlines()
        row.update(status="not graded", reason="nbgrader could not grade it: " + (log[-1] if log else "no log"))
        return prepared, None
    failures = _failures(nbformat.read(str(graded), as_version=4), graded_ids)
    manual = []
    with api.gradebook as gb:
        try:
            for g in gb.find_submission_notebook(lab, lab, sid).grades:
                row[g.name] = "" if g.needs_manual_grade or g.auto_score is None else g.auto_score
                if g.needs_manual_grade:
                    manual.append(g.name)
                else:
                    row["score"] += g.auto_score or 0.0
        except MissingEntry:
            failures.append("no grades were recorded")
    parts = [f"{len(failures)} graded cell(s) failed" if failures else "all autograded cells passed"]
    if manual:
        parts.append("needs manual grading: " + ", ".join(manual))
    row.update(status="repaired" if prepared.notes else "graded", reason="; ".join(parts + failures + prepared.notes))
    fb = api.generate_feedback(lab, sid, force=True)
    page = root / "feedback" / sid / lab / f"{lab}.html"
    return prepared, page.read_text(encoding="utf-8") if fb.get("success") and page.exists() else None


def _max_score(source_nb) -> float:
    """Points of the autograded cells (written answers are graded by hand and counted apart)."""
    return float(sum(c.metadata["nbgrader"].get("points", 0) for c in source_nb.cells
                     if grade_id(c) and c.metadata["nbgrader"].get("grade") and c.cell_type == "code"))
