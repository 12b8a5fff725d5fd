"""Written answers, graded by hand the way Gradescope grades by question: every student's answer to
one question on one page, the model answer beside it; then points and comments back into the
gradebook and the feedback.

    gankit grade ... --out graded       # also writes graded/written.html and graded/written.csv
    (fill in graded/written.csv: a points and a comment column per question)
    gankit merge graded                 # or: gankit grade ... --written graded/written.csv

The model answer is the source's own answer cell (the release replaces it with "YOUR ANSWER HERE");
the question is the markdown cell above it. Merging checks every entry before it writes anything.
"""
from __future__ import annotations

import csv
import html
import re
from pathlib import Path

from gankit.grading.course import GradingError
from gankit.grading.feedback import at_top, feedback_path
from gankit.grading.repair import autograded_points, grade_id

ANSWERS_KEY = "_written"  # a row's answers, by grade id, on their way from the grader to written.html
SECTION = re.compile(r'<div id="gankit-written">.*?</div><!-- /gankit-written -->', re.DOTALL)


def questions(source_nb) -> list[dict]:
    """Each written (manually graded markdown) cell of the source: grade id, points, question, model answer."""
    out = []
    for i, cell in enumerate(source_nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("grade") and grade_id(cell):
            question = source_nb.cells[i - 1].source if i and source_nb.cells[i - 1].cell_type == "markdown" else ""
            out.append({"id": grade_id(cell), "points": float(meta.get("points", 0)), "question": question,
                        "model": cell.source})
    return out


def answers_of(notebook, ids: list[str]) -> dict:
    """A student's answer cell per written grade id (empty where the notebook lost it)."""
    found = {grade_id(c): c.source for c in notebook.cells if c.cell_type == "markdown" and grade_id(c) in ids}
    return {gid: found.get(gid, "") for gid in ids}


def _columns(qs) -> list[str]:
    return ["student_id"] + [f"{q['id']} {part}" for q in qs for part in ("points", "comment")]


def write_sheets(out: Path, source_nb, rows: list[dict]) -> None:
    """OUT/written.html (one section per question) and OUT/written.csv (kept where it exists: the
    entries made so far stay, new students get empty ones)."""
    qs = questions(source_nb)
    if not qs:
        return
    esc = html.escape
    parts = ["<html><head><meta charset='utf-8'><title>Written answers</title></head>"
             "<body style='font-family:sans-serif;max-width:60em'><h1>Written answers</h1>",
             "<p>" + " ".join(f"<a href='#{esc(q['id'])}'>{esc(q['id'])}</a>" for q in qs) + "</p>"]
    for q in qs:
        parts.append(f"<h2 id='{esc(q['id'])}'>{esc(q['id'])} ({q['points']:g} points)</h2>"
                     f"<pre style='white-space:pre-wrap'>{esc(q['question'])}</pre>"
                     f"<h3>Model answer</h3><pre style='white-space:pre-wrap;background:#efe'>{esc(q['model'])}</pre>")
        for row in rows:
            sid, text = row["student_id"], row.get(ANSWERS_KEY, {}).get(q["id"], "")
            parts.append(f"<h4 id='{esc(q['id'])}-{esc(sid)}'><a href='#{esc(q['id'])}-{esc(sid)}'>{esc(sid)}</a></h4>"
                         f"<pre style='white-space:pre-wrap;background:#f6f6f6'>{esc(text) or '(no answer)'}</pre>")
    (out / "written.html").write_text("".join(parts) + "</body></html>", encoding="utf-8")

    sheet, kept = out / "written.csv", {}
    if sheet.is_file():
        with open(sheet, newline="", encoding="utf-8") as f:
            kept = {r["student_id"]: r for r in csv.DictReader(f)}
    columns = _columns(qs)
    with open(sheet, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=columns, quoting=csv.QUOTE_ALL, extrasaction="ignore")
        w.writeheader()
        for sid in sorted({r["student_id"] for r in rows} | set(kept)):
            w.writerow({c: kept.get(sid, {}).get(c, "") for c in columns} | {"student_id": sid})


def read_entries(sheet: Path, source_nb, students: set) -> dict:
    """Student -> grade id -> (points or None, comment) from a filled written.csv, every entry checked
    first; GradingError lists each bad one (nothing is merged then)."""
    qs = questions(source_nb)
    limits = {q["id"]: q["points"] for q in qs}
    try:
        with open(sheet, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            records = list(reader)
    except OSError as e:
        raise GradingError(f"cannot read {sheet}: {e}") from None
    bad = [f"column {c!r} names no written question (they are: {', '.join(limits)})"
           for c in header if c != "student_id" and c.rsplit(" ", 1)[0] not in limits]
    if "student_id" not in header:
        bad.append("there is no student_id column")
    entries = {}
    for line, rec in enumerate(records, start=2):
        sid = rec.get("student_id", "")
        if sid not in students:
            bad.append(f"row {line}: student {sid!r} is not in the gradebook")
            continue
        for gid, most in limits.items():
            text = (rec.get(f"{gid} points") or "").strip()
            comment = (rec.get(f"{gid} comment") or "").strip()
            points = None
            if text:
                try:
                    points = float(text)
                except ValueError:
                    bad.append(f"row {line} ({sid}), column '{gid} points': {text!r} is not a number")
                    continue
                if not 0 <= points <= most:
                    bad.append(f"row {line} ({sid}), column '{gid} points': {points:g} is outside 0 to {most:g}")
            if points is not None or comment:
                entries.setdefault(sid, {})[gid] = (points, comment)
    if bad:
        raise GradingError(f"{sheet} was not merged (nothing was written):\n  " + "\n  ".join(bad))
    return entries


def apply(rows: list[dict], entries: dict, source_nb) -> int:
    """Give `rows` (gradebook rows) the written points of `entries`, each score recomputed from its cells
    and out of every point of the lab; returns how many answers got points. Repeating it changes nothing."""
    qs, auto = questions(source_nb), autograded_points(source_nb)
    total, given = sum(auto.values()) + sum(q["points"] for q in qs), 0
    for row in rows:
        mine = entries.get(row["student_id"], {})
        for gid, (points, _) in mine.items():
            if points is not None:
                row[gid] = points
                given += 1
        row["score"] = sum(float(row[g]) for g in [*auto, *(q["id"] for q in qs)] if row.get(g) not in ("", None))
        row["max_score"] = total
        pending = [q["id"] for q in qs if mine.get(q["id"], (None, ""))[0] is None]
        kept = [p for p in row["reason"].split("; ") if not p.startswith(("needs manual grading", "written answers"))]
        kept.append("needs manual grading: " + ", ".join(pending) if pending else "written answers graded")
        row["reason"] = "; ".join(kept)
    return given


def update_feedback(out: Path, entries: dict, source_nb, students) -> None:
    """Each student's feedback page with its written points and comments (the section replaced, not added)."""
    qs = questions(source_nb)
    for sid in students:
        _feedback_section(out, sid, qs, entries.get(sid, {}))


def merge(out: Path, source_nb, sheet: Path | None = None) -> int:
    """Put the points and comments of `sheet` (default OUT/written.csv) into OUT/gradebook.csv and the
    feedback pages (`gankit merge OUT`); returns how many answers got points."""
    out = Path(out)
    sheet = Path(sheet) if sheet else out / "written.csv"
    book = out / "gradebook.csv"
    if not book.is_file():
        raise GradingError(f"no gradebook.csv in {out}: run `gankit grade ... --out {out}` first.")
    with open(book, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    entries = read_entries(sheet, source_nb, {r["student_id"] for r in rows})
    given = apply(rows, entries, source_nb)
    with open(book, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    update_feedback(out, entries, source_nb, [r["student_id"] for r in rows])
    return given


def _feedback_section(out: Path, sid: str, qs, mine: dict) -> None:
    page = feedback_path(out, sid)
    if not page.is_file():
        return
    items = []
    for q in qs:
        points, comment = mine.get(q["id"], (None, ""))
        given = "not graded yet" if points is None else f"{points:g}"
        items.append(f"<li><b>{html.escape(q['id'])}</b>: {given} / {q['points']:g}"
                     + (f" - {html.escape(comment)}" if comment else "") + "</li>")
    items = "".join(items)
    section = (f'<div id="gankit-written"><div style="border:1px solid #69c;padding:8px;margin:8px;'
               f'font-family:sans-serif"><b>Written answers:</b><ul>{items}</ul></div></div><!-- /gankit-written -->')
    text = page.read_text(encoding="utf-8")
    text = SECTION.sub(lambda _: section, text) if SECTION.search(text) else at_top(text, section)
    page.write_text(text, encoding="utf-8")
