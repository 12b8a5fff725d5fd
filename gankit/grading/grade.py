"""Grade a class's submitted notebooks: one gradebook row and one feedback page per student, whatever they hold.

    grade(Path("submissions.zip"), "03-vanilla-gan", Path("graded"))

The submissions are a folder or a .zip as an LMS hands them out (gankit.grading.intake: Canvas and
Moodle naming, a folder per student, `<student_id>.ipynb`); a roster turns LMS ids into the course's.
Nothing in the input is written to.
"""
from __future__ import annotations

import csv
import html
import json
import os
import re
from pathlib import Path

import nbformat

from gankit.grading.course import (RUN_REPORT, SOURCE, GradingError, check_lab, course_copy, course_snapshot,
                                   environment, find_project)
from gankit.grading.execute import KERNEL_DIED, NOT_RUN
from gankit.grading.feedback import at_top, feedback_path, one_line, secret_lines_of
from gankit.grading.intake import Submission, collect, write_intake
from gankit.grading.repair import Prepared, autograded_points, grade_id, prepare
from gankit.grading.sandbox import Limits, probe
from gankit.grading.written import ANSWERS_KEY, answers_of, apply, questions, read_entries, update_feedback, write_sheets
from gankit.runtime import FAST_ENV

FIXED_COLUMNS = ["student_id", "assignment", "score", "max_score"]
STATUS_COLUMNS = ["status", "reason"]
# what --no-sandbox leaves open, said before grading
EXPOSED = ("grading without a sandbox: every notebook runs as {user}, with this machine's network, and can read "
           "{project}/solutions (the answers and hidden tests) and the other submissions in {submissions}, write "
           "into the installed packages and your home, and leave processes running after it is graded.")


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
    """One line per graded cell that raised, or that wrote to stderr (nbgrader scores such a cell 0 even
    when it passed: a warning costs the points): which cell and what it said."""
    lines = []
    for cell in autograded_nb.cells:
        gid = grade_id(cell)
        if gid in graded_ids:
            outputs = cell.get("outputs", [])
            said = [o.get("text", "") for o in outputs if o.get("output_type") == "stream" and o.get("name") == "stderr"]
            if said and not any(o.get("output_type") == "error" for o in outputs):
                first = "".join(said).strip().splitlines()
                lines.append(f"{gid}: wrote to stderr, which scores the cell 0 (a warning?): {first[0] if first else ''}")
            for out in outputs:
                if out.get("output_type") == "error":
                    msg = one_line(out)
                    if out.get("ename") == "NotImplementedError":
                        msg = "not attempted (NotImplementedError)"
                    elif out.get("ename") in ("KeyboardInterrupt", "CellTimeoutError"):  # nbgrader interrupts a cell at the limit
                        msg = "timed out: stopped at the time limit per cell (does an answer loop forever?)"
                    elif out.get("ename") in (NOT_RUN, KERNEL_DIED):  # the notebook stopped before or in this cell
                        msg = out.get("evalue", "")
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
        body = "<html><head><meta charset='utf-8'><title>Feedback</title></head><body></body></html>"
    path.write_text(at_top(body, banner), encoding="utf-8")


def grade(submissions: str | Path, lab: str, out: str | Path, *, project: str | Path | None = None,
          timeout: int = 60, fast: bool = True, progress: bool = True, jobs: int = 1, sandbox: bool = True,
          limits: Limits | None = None, roster: list[dict] | None = None,
          written: str | Path | None = None) -> list[dict]:
    """Autograde each student's notebook in `submissions` (a folder or a .zip) for `lab`; write
    out/gradebook.csv, out/intake.csv (who each row is), out/feedback/<id>.html, and for the written
    answers out/written.html and out/written.csv (gankit.grading.written). The points and comments
    entered in `written` (default: out/written.csv as left by an earlier run) are merged, so grading
    again keeps them.

    Returns the gradebook rows, in the order of the student ids; `roster`: intake.read_roster's rows.
    `timeout` is the limit per cell in seconds; `fast` sets GANKIT_FAST=1 and draws no figures;
    `jobs` > 1 grades in that many processes at once.
    Each kernel runs in a sandbox (gankit.grading.sandbox) with `limits` (memory, processes, seconds
    per notebook); `sandbox=False` runs them as the grading user (only the time limit holds then).
    """
    submissions, out = Path(submissions), Path(out)
    if not submissions.exists():
        raise GradingError(f"{submissions} is not a folder or a file: pass the folder or the .zip that holds "
                           "the submitted .ipynb files.")
    if jobs < 1:
        raise GradingError(f"jobs must be 1 or more, got {jobs}: --jobs N grades N submissions at a time.")
    project = find_project(project)
    check_lab(project, lab)
    limits = limits or Limits()
    intake = collect(submissions, lab, roster)
    try:
        if out.resolve() == submissions.resolve() or submissions.resolve() in out.resolve().parents:
            raise GradingError(f"--out {out} is inside the submissions folder: choose another folder, "
                               "the submissions are never written to.")
        return _grade_intake(intake, lab, out, project, timeout, fast, progress, jobs, sandbox, limits, roster,
                             hidden=[project, submissions, intake.folder, out, Path.home()], written=written)
    finally:
        intake.close()


def _grade_intake(intake, lab, out, project, timeout, fast, progress, jobs, sandbox, limits, roster,
                  hidden, written) -> list[dict]:
    files = intake.submissions
    # made (and tried) before anything is graded: a sandbox that cannot be made stops the run here
    box = probe(limits, hidden=hidden) if sandbox else None
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    # fast: the labs' short settings, and figures never drawn (the Agg backend shows nothing), which
    # saves about 2 s of a Lab 1 submission's 18; the checks and tests draw nothing either way
    env = {FAST_ENV: "1", "MPLBACKEND": "agg"} if fast else {}
    source_nb = nbformat.read(str(project / SOURCE / lab / f"{lab}.ipynb"), as_version=4)
    task = {"source_nb": source_nb, "lab": lab, "out": out, "timeout": timeout, "env": env,
            "ids": _safe_ids([s.student_id for s in files]),
            "snapshot": course_snapshot(project, lab),  # made once: every submission is graded in a copy of it
            "sandbox": box, "notebook_timeout": limits.notebook_seconds}
    if jobs == 1 or len(files) == 1:
        rows = _grade_files(files, progress=progress, **task)
    else:
        rows = _grade_in_parallel(files, jobs, progress, task)
    write_sheets(out, source_nb, rows)
    for row in rows:
        row.pop(ANSWERS_KEY, None)
    entries, refused = {}, None
    if questions(source_nb):
        try:  # a bad sheet costs the merge, never the autograding: the gradebook is written either way
            entries = read_entries(Path(written) if written else out / "written.csv", source_nb,
                                   {r["student_id"] for r in rows})
        except GradingError as e:
            refused = e
    if entries:
        apply(rows, entries, source_nb)
    with open(out / "gradebook.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=FIXED_COLUMNS + _graded_ids(source_nb) + STATUS_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    if entries:
        update_feedback(out, entries, source_nb, [r["student_id"] for r in rows])
    write_intake(intake, out / "intake.csv", roster)
    if refused:
        raise GradingError(f"graded (the gradebook holds the autograded scores), but {refused}")
    return rows


def _graded_ids(source_nb) -> list[str]:
    """Grade ids of every graded cell of the source, autograded or written, in notebook order."""
    return [grade_id(c) for c in source_nb.cells if grade_id(c) and c.metadata["nbgrader"].get("grade")]


def _row(student_id: str, lab: str, source_nb) -> dict:
    """A row before grading: every row is out of the same total, readable or not."""
    return {"student_id": student_id, "assignment": lab, "score": 0.0, "max_score": sum(autograded_points(source_nb).values()),
            **{g: "" for g in _graded_ids(source_nb)}}


def _grade_files(files: list[Submission], *, source_nb, lab: str, out: Path, timeout: int, env: dict, ids: dict,
                 snapshot: dict, sandbox=None, notebook_timeout: int | None = None, progress: bool = False) -> list[dict]:
    """Grade `files` one after another, each in its own copy of the course `snapshot`; one row and one
    feedback page each. A notebook runs as the grader's user: whatever it deletes or rewrites in its
    own course directory (its gradebook, the hidden tests) costs only its own row."""
    from tqdm.auto import tqdm

    points, secrets = autograded_points(source_nb), secret_lines_of(source_nb)
    rows = []
    with environment(**env):
        for sub in tqdm(files, desc=f"grading {lab}", disable=not progress):
            row = _row(sub.student_id, lab, source_nb)
            try:
                with course_copy(snapshot, timeout, secrets, sandbox, notebook_timeout) as (root, api):
                    prepared, feedback_html = _grade_one(api, root, lab, ids[sub.student_id], sub.path, source_nb,
                                                         points, row)
            except Exception as e:  # one misbehaving notebook must not cost the others their rows
                prepared, feedback_html = Prepared(None), None
                row.update(status="not graded", reason=f"grading failed ({type(e).__name__}: {e})")
            if sub.notes:  # what the intake chose (the newest of several files, a roster match)
                row["reason"] = "; ".join([row["reason"], *sub.notes])
            _write_feedback(feedback_path(out, sub.student_id), feedback_html, row["reason"],
                            prepared.notes + sub.notes)
            rows.append(row)
    return rows


def _grade_in_parallel(files: list[Submission], jobs: int, progress: bool, task: dict) -> list[dict]:
    """Grade in `jobs` worker processes, one submission at a time each.

    Each notebook's kernel gets an equal share of the cores (OMP_NUM_THREADS), unless the caller set
    it: torch in two kernels that each take every core runs several times slower than in one.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from tqdm.auto import tqdm

    env = dict(task["env"])
    if "OMP_NUM_THREADS" not in os.environ:
        env["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // jobs))
    task = {**task, "env": env}
    by_student = {}
    # spawn, not fork: the parent has torch loaded, and forked torch processes can hang
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool, \
            tqdm(total=len(files), desc=f"grading {task['lab']} ({jobs} jobs)", disable=not progress) as bar:
        # one submission per task: nothing is set up per task (each is graded in a copy of the course)
        futures = {pool.submit(_grade_files, [sub], **task): sub for sub in files}
        for future in as_completed(futures):
            sub = futures[future]
            try:
                (row,) = future.result()
            except Exception as e:  # a worker that died: this submission's row says so, the others are kept
                row = _row(sub.student_id, task["lab"], task["source_nb"])
                row.update(status="not graded", reason=f"grading process failed ({type(e).__name__}: {e}); "
                                                      "grade it again (a script calling grade(jobs > 1) needs "
                                                      "an `if __name__ == '__main__':` guard)")
                _write_feedback(feedback_path(task["out"], sub.student_id), None, row["reason"], [])
            by_student[row["student_id"]] = row
            bar.update(1)
    return [by_student[s.student_id] for s in files]


def _grade_one(api, root: Path, lab: str, sid: str, path: Path, source_nb, points: dict, row: dict):
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
    graded_nb = nbformat.read(str(graded), as_version=4)
    failures = _failures(graded_nb, list(points))
    row[ANSWERS_KEY] = answers_of(graded_nb, [q["id"] for q in questions(source_nb)])
    run = _run_report(root)
    manual, capped = [], []
    with api.gradebook as gb:
        try:
            for g in gb.find_submission_notebook(lab, lab, sid).grades:
                if g.needs_manual_grade:
                    row[g.name] = ""
                    manual.append(g.name)
                    continue
                # the gradebook lives where the notebook ran: trust only the source's points
                score = min(max(g.auto_score or 0.0, 0.0), points.get(g.name, 0.0))
                if score != (g.auto_score or 0.0):
                    capped.append(g.name)
                row[g.name] = score
                row["score"] += score
        except MissingEntry:
            failures.append("no grades were recorded")
    parts = [f"{len(failures)} graded cell(s) failed" if failures else "all autograded cells passed"]
    if run.get("stopped"):
        parts.append(f"{run['stopped']}: {run['not_run']} cell(s) did not run")
    parts += [f"hit the {limit}" for limit in run.get("limits_hit", [])]
    if manual:
        parts.append("needs manual grading: " + ", ".join(manual))
    if capped:
        parts.append("the gradebook was altered while the notebook ran; scores held to the cells' points: "
                     + ", ".join(capped))
    row.update(status="repaired" if prepared.notes else "graded", reason="; ".join(parts + failures + prepared.notes))
    fb = api.generate_feedback(lab, sid, force=True)
    page = root / "feedback" / sid / lab / f"{lab}.html"
    return prepared, page.read_text(encoding="utf-8") if fb.get("success") and page.exists() else None


def _run_report(root: Path) -> dict:
    """GuardedExecute's account of the run: what stopped the notebook, which limits it hit."""
    try:
        return json.loads((root / RUN_REPORT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


