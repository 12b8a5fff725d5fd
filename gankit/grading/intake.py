"""Submissions as an LMS hands them out: a folder or a .zip, one notebook per student, whoever named it.

    intake = collect(Path("submissions.zip"), "03-vanilla-gan", roster=read_roster(Path("roster.csv")))
    for sub in intake.submissions: sub.student_id, sub.path, sub.notes

The rules, tried in order on every `.ipynb` (at any depth):
- Canvas: `smithjohn_123456_7890123_03-vanilla-gan.ipynb` (name, `LATE_` where late, Canvas user id,
  submission id, the file's own name): the student is the Canvas user id;
- Moodle: a folder `Full Name_12345_assignsubmission_file_` holding the file: the participant id;
- a folder per student (`alice/Copy of 03-vanilla-gan.ipynb`, as a Colab download is named): the folder;
- the file's own name (`alice.ipynb`): its stem. A file named only after the lab (`Copy of
  03-vanilla-gan.ipynb` at the top) matches no rule: it is graded under its stem and listed.

With a roster, LMS ids (or, failing those, LMS names that only one roster row has) become the roster's
ids. A student who handed in several files gets the newest graded (then the highest Canvas submission
id); the others are named in the reason. The input is never written to: a zip is read into a folder of
our own.
"""
from __future__ import annotations

import csv
import os
import re
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from gankit.grading.course import GradingError

CANVAS = re.compile(r"^(?P<name>[^_]+)_(?P<late>LATE_)?(?P<user>\d+)_(?P<submission>\d+)_(?P<file>.+)$")
MOODLE = re.compile(r"^(?P<name>.+)_(?P<participant>\d+)_assignsubmission_file_?$")
COPY_OF = re.compile(r"^(Copy of |Kopie von |Copie de )+|\s*\(\d+\)$|-\d+$", re.IGNORECASE)
ROSTER_FIELDS = ("id", "name", "email", "lms_id")
# a zip holds the notebooks of one class: far more than this is not a submissions download
MAX_ZIP_BYTES = 4 << 30


@dataclass
class Submission:
    path: Path  # where the notebook can be read
    name: str  # its name as handed in (relative to the folder or zip)
    student_id: str
    rule: str  # "canvas", "moodle", "folder", "file" or "unmatched"
    lms_id: str = ""
    lms_name: str = ""
    late: bool = False
    modified: float = 0.0
    order: int = 0  # Canvas submission id: a later submission has a larger one
    notes: list = field(default_factory=list)


@dataclass
class Intake:
    submissions: list  # one Submission per student, by student id
    ignored: list  # Submissions not graded (an older file of the same student)
    unmatched: list  # names of files no rule matched (graded under their stem)
    folder: Path  # where the notebooks lie (a temporary folder for a zip)
    _tmp: object = None

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


def _key(text: str) -> str:
    """A name as LMS file names spell it: 'Smith, John' and 'smithjohn' alike."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def read_roster(path: Path, columns: dict | None = None) -> list[dict]:
    """Rows of a roster CSV as {id, name, email, lms_id}; `columns` maps those to the file's headers
    (default: headers named id, name, email, lms_id, in any case)."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            headers = {h.strip().lower(): h for h in reader.fieldnames or []}
            wanted = {k: (columns or {}).get(k, k) for k in ROSTER_FIELDS}
            found = {k: headers.get(v.strip().lower()) for k, v in wanted.items()}
            if not found["id"]:
                raise GradingError(f"roster {path} has no column {wanted['id']!r} (its columns: "
                                   f"{', '.join(reader.fieldnames or [])}): name the id column with "
                                   "--roster-columns id=HEADER.")
            return [{k: (row.get(h) or "").strip() if h else "" for k, h in found.items()} for row in reader]
    except OSError as e:
        raise GradingError(f"cannot read the roster {path}: {e}") from None


def parse_columns(text: str | None) -> dict:
    """'id=SIS User ID,lms_id=ID' -> {'id': 'SIS User ID', 'lms_id': 'ID'}."""
    out = {}
    for part in filter(None, (text or "").split(",")):
        key, sep, header = part.partition("=")
        if not sep or key.strip() not in ROSTER_FIELDS:
            raise GradingError(f"--roster-columns {text!r}: write FIELD=HEADER pairs, FIELD one of "
                               f"{', '.join(ROSTER_FIELDS)}.")
        out[key.strip()] = header.strip()
    return out


def _unzip(archive: Path, into: Path) -> None:
    """Extract the notebooks of `archive`, keeping their folders and times, refusing paths out of `into`."""
    try:
        with zipfile.ZipFile(archive) as z:
            members = [m for m in z.infolist() if not m.is_dir() and m.filename.endswith(".ipynb")]
            if sum(m.file_size for m in members) > MAX_ZIP_BYTES:
                raise GradingError(f"{archive} unpacks to more than {MAX_ZIP_BYTES >> 30} GiB of notebooks: "
                                   "is it the LMS's download of one assignment?")
            for m in members:
                parts = [p for p in PurePosixPath(m.filename.replace("\\", "/")).parts if p not in ("", ".", "/")]
                if not parts or ".." in parts or parts[0].startswith("__MACOSX"):
                    continue
                target = into.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with z.open(m) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                stamp = time.mktime(m.date_time + (0, 0, -1))
                os.utime(target, (stamp, stamp))
    except zipfile.BadZipFile as e:
        raise GradingError(f"{archive} is not a readable zip file ({e}): pass the LMS's download as it came, "
                           "or a folder of notebooks.") from None


def _identify(rel: PurePosixPath, lab: str) -> Submission:
    """Which rule names this file's student, and the student's id in the LMS's terms."""
    stem = rel.stem
    m = CANVAS.match(rel.name)
    if m:
        return Submission(Path(), str(rel), m["user"], "canvas", m["user"], m["name"], bool(m["late"]),
                          order=int(m["submission"]))
    for folder in reversed(rel.parts[:-1]):
        m = MOODLE.match(folder)
        if m:
            return Submission(Path(), str(rel), m["participant"], "moodle", m["participant"], m["name"])
    if _key(COPY_OF.sub("", stem)) != _key(lab):
        return Submission(Path(), str(rel), stem, "file")
    if len(rel.parts) > 1:  # named after the lab, in a folder named after the student
        return Submission(Path(), str(rel), rel.parts[-2], "folder")
    return Submission(Path(), str(rel), stem, "unmatched")


def _apply_roster(sub: Submission, roster: list[dict]) -> None:
    if sub.lms_id:
        hits = [r for r in roster if r["lms_id"] and r["lms_id"] == sub.lms_id]
        if len(hits) == 1:
            sub.student_id = hits[0]["id"]
            return
    key = _key(sub.lms_name or sub.student_id)
    by_name = [r for r in roster if r["name"] and _key(r["name"]) in (key, _key(" ".join(r["name"].split()[::-1])))]
    by_id = [r for r in roster if r["id"] == sub.student_id]
    if len(by_id) == 1:
        return
    if len(by_name) == 1:
        sub.student_id = by_name[0]["id"]
        sub.notes.append(f"matched to the roster by name ({sub.lms_name or sub.name})")
    elif len(by_name) > 1:
        sub.notes.append(f"{len(by_name)} roster rows share the name {sub.lms_name!r}: graded under the LMS id")
    else:
        sub.notes.append("not in the roster")


def collect(source: str | Path, lab: str, roster: list[dict] | None = None) -> Intake:
    """Every student's submission in `source` (a folder or a .zip), one each, with the reasons."""
    source = Path(source)
    tmp = None
    if source.is_file() and source.suffix.lower() == ".zip":
        tmp = tempfile.TemporaryDirectory(prefix="gankit-intake-")
        folder = Path(tmp.name)
        _unzip(source, folder)
    elif source.is_dir():
        folder = source
    else:
        raise GradingError(f"{source} is neither a folder nor a .zip: pass the folder or the zip file that "
                           "holds the submitted .ipynb files.")
    found = []
    for path in sorted(p for p in folder.rglob("*.ipynb") if p.is_file() and ".ipynb_checkpoints" not in p.parts):
        rel = PurePosixPath(path.relative_to(folder).as_posix())
        sub = _identify(rel, lab)
        sub.path, sub.modified = path, path.stat().st_mtime
        if roster:
            _apply_roster(sub, roster)
        found.append(sub)
    if not found:
        if tmp:
            tmp.cleanup()
        raise GradingError(f"no .ipynb files in {source}: one notebook per student, named <student_id>.ipynb "
                           "or as Canvas or Moodle names its download.")
    by_student: dict[str, list[Submission]] = {}
    for sub in found:
        by_student.setdefault(sub.student_id, []).append(sub)
    chosen, ignored = [], []
    for sid in sorted(by_student):
        subs = sorted(by_student[sid], key=lambda s: (s.modified, s.order, s.name), reverse=True)
        best, older = subs[0], subs[1:]
        if older:
            best.notes.append(f"graded {best.name}, the newest of {len(subs)}; not graded: "
                              + ", ".join(s.name for s in older))
        if best.late:
            best.notes.append("submitted late (Canvas)")
        if best.rule == "unmatched":
            best.notes.append(f"no naming rule matched {best.name}: graded as {best.student_id!r}")
        chosen.append(best)
        ignored += older
    return Intake(chosen, ignored, [s.name for s in chosen if s.rule == "unmatched"], folder, tmp)


INTAKE_COLUMNS = ["student_id", "file", "rule", "lms_id", "lms_name", "name", "email", "late", "not_graded"]


def write_intake(intake: Intake, path: Path, roster: list[dict] | None = None) -> None:
    """OUT/intake.csv: who each row is, as the LMS and the roster know them (gankit export reads it)."""
    by_id = {r["id"]: r for r in roster or []}
    not_graded = {}
    for sub in intake.ignored:
        not_graded.setdefault(sub.student_id, []).append(sub.name)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=INTAKE_COLUMNS, quoting=csv.QUOTE_ALL)
        w.writeheader()
        for sub in intake.submissions:
            who = by_id.get(sub.student_id, {})
            w.writerow({"student_id": sub.student_id, "file": sub.name, "rule": sub.rule,
                        "lms_id": sub.lms_id or who.get("lms_id", ""), "lms_name": sub.lms_name,
                        "name": who.get("name", ""), "email": who.get("email", ""), "late": "yes" if sub.late else "",
                        "not_graded": "; ".join(not_graded.get(sub.student_id, []))})
