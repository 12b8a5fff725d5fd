"""Grades back to the LMS: a CSV each one imports as it is, written from `gankit grade`'s output folder.

    export(Path("graded"), "canvas", column="03 Vanilla GAN (4521)")

- canvas: Student, ID, SIS User ID, SIS Login ID, Section, then the assignment's column (Canvas
  matches it by its header, "Name (assignment id)" as Canvas's own export spells it). ID is the
  Canvas user id, from the submission's file name or the roster's lms_id.
- moodle: Full name, Email address, ID number, then the grade column; Moodle's import maps one of the
  identifier columns to a user field (email address or ID number).
- csv: everything gankit knows per student: the ids, the score, every graded cell, status, reason.
Every field is quoted, so names with commas and quotes survive.
"""
from __future__ import annotations

import csv
from pathlib import Path

from gankit.grading.course import GradingError

FORMATS = ("canvas", "moodle", "csv")


def _read(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def export(out: str | Path, to: str, roster: list[dict] | None = None, column: str | None = None,
           output: str | Path | None = None) -> Path:
    """Write `out`/export-<to>.csv (or `output`) from out/gradebook.csv, out/intake.csv and the roster."""
    out = Path(out)
    if to not in FORMATS:
        raise GradingError(f"unknown export format {to!r}: use one of {', '.join(FORMATS)}.")
    if not (out / "gradebook.csv").is_file():
        raise GradingError(f"no gradebook.csv in {out}: run `gankit grade ... --out {out}` first.")
    grades = _read(out / "gradebook.csv")
    intake = {r["student_id"]: r for r in _read(out / "intake.csv")} if (out / "intake.csv").is_file() else {}
    people = {r["id"]: r for r in roster or []}
    column = column or (grades[0]["assignment"] if grades else "grade")
    rows, missing = [], []
    for g in grades:
        sid, who, seen = g["student_id"], people.get(g["student_id"], {}), intake.get(g["student_id"], {})
        person = {"id": sid, "name": who.get("name") or seen.get("name") or seen.get("lms_name", ""),
                  "email": who.get("email") or seen.get("email", ""), "lms_id": who.get("lms_id") or seen.get("lms_id", "")}
        if to == "canvas":
            if not person["lms_id"]:
                missing.append(sid)
            rows.append({"Student": person["name"], "ID": person["lms_id"], "SIS User ID": sid,
                         "SIS Login ID": person["email"], "Section": "", column: g["score"]})
        elif to == "moodle":
            rows.append({"Full name": person["name"], "Email address": person["email"], "ID number": sid,
                         column: g["score"]})
        else:
            rows.append({"student_id": sid, "name": person["name"], "email": person["email"],
                         "lms_id": person["lms_id"], **{k: v for k, v in g.items() if k != "student_id"}})
    if missing:
        raise GradingError(f"Canvas needs each student's Canvas user id, and {len(missing)} row(s) have none "
                           f"({', '.join(missing[:5])}): grade the Canvas download as it came (its file names "
                           "carry the ids) or pass --roster with an lms_id column.")
    path = Path(output) if output else out / f"export-{to}.csv"
    fields = list(rows[0]) if rows else ["student_id"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields, quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(rows)
    return path
