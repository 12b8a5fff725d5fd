"""Submissions as LMSs hand them out (gankit.grading.intake) and grades back to them (gankit.grading.export):
a Canvas zip with a late and a double submission, a Moodle zip with per-student folders, Colab-named
files in student folders, a file no rule matches; a roster; Canvas, Moodle and plain CSV read back."""
import csv
import hashlib
import time
import zipfile

import nbformat
import pytest

from gankit import cli
from gankit.grading.course import GradingError
from gankit.grading.export import export
from gankit.grading.intake import collect, parse_columns, read_roster

LAB = "02-optimal-d"
ROSTER = [  # the registrar's export: its own headers, names with commas and quotes
    {"SIS User ID": "s1001", "Student": "Smith, John", "Email": "john@uni.edu", "Canvas ID": "123456"},
    {"SIS User ID": "s1002", "Student": "Doe, Jane", "Email": "jane@uni.edu", "Canvas ID": "234567"},
    {"SIS User ID": "s2001", "Student": "Ana María López", "Email": "ana@uni.edu", "Canvas ID": "55501"},
    {"SIS User ID": "s2002", "Student": 'Bob "Bobby" O\'Neil, Jr', "Email": "bob@uni.edu", "Canvas ID": "55502"},
]
COLUMNS = "id=SIS User ID,name=Student,email=Email,lms_id=Canvas ID"


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "roster.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(ROSTER[0]))
        w.writeheader()
        w.writerows(ROSTER)
    return read_roster(path, parse_columns(COLUMNS))


def _zip(path, members: dict, notebooks):
    """members: name in the zip -> (tree, age in hours); the older file gets the older zip time."""
    with zipfile.ZipFile(path, "w") as z:
        for name, (tree, hours) in members.items():
            info = zipfile.ZipInfo(name, time.localtime(time.time() - hours * 3600)[:6])
            z.writestr(info, nbformat.writes(notebooks(LAB, tree)))
    return path


@pytest.fixture
def canvas_zip(tmp_path, notebooks):
    return _zip(tmp_path / "canvas.zip", {
        "smithjohn_123456_7890123_02-optimal-d.ipynb": ("notebooks", 5),  # first try, untouched
        "smithjohn_123456_7890999_02-optimal-d-1.ipynb": ("solutions", 1),  # handed in again, finished
        "doejane_LATE_234567_7891111_Copy of 02-optimal-d.ipynb": ("solutions", 2),
        "Copy of 02-optimal-d.ipynb": ("notebooks", 3),  # no rule: graded under its stem
    }, notebooks)


def test_canvas_zip_one_student_each_newest_graded(canvas_zip, roster):
    intake = collect(canvas_zip, LAB, roster)
    try:
        by = {s.student_id: s for s in intake.submissions}
        assert sorted(by) == ["Copy of 02-optimal-d", "s1001", "s1002"]
        assert by["s1001"].name == "smithjohn_123456_7890999_02-optimal-d-1.ipynb" and by["s1001"].lms_id == "123456"
        assert "not graded: smithjohn_123456_7890123_02-optimal-d.ipynb" in by["s1001"].notes[0]
        assert by["s1002"].late and "submitted late (Canvas)" in by["s1002"].notes
        assert intake.unmatched == ["Copy of 02-optimal-d.ipynb"]
        assert "no naming rule matched" in by["Copy of 02-optimal-d"].notes[-1]
    finally:
        intake.close()
    assert not intake.folder.exists()  # the unpacked copy is gone; the zip itself was only read


def test_moodle_zip_folders_per_student_and_roster_names(tmp_path, notebooks, roster):
    path = _zip(tmp_path / "moodle.zip", {
        "Ana María López_55501_assignsubmission_file_/02-optimal-d.ipynb": ("solutions", 1),
        "Bob \"Bobby\" O'Neil, Jr_55502_assignsubmission_file_/Copy of 02-optimal-d (1).ipynb": ("notebooks", 1),
        "Zed Unknown_55599_assignsubmission_file_/lab.ipynb": ("notebooks", 1),
        "__MACOSX/._junk.ipynb": ("notebooks", 1),
    }, notebooks)
    intake = collect(path, LAB, roster)
    try:
        by = {s.student_id: s for s in intake.submissions}
        assert sorted(by) == ["55599", "s2001", "s2002"]
        assert all(s.rule == "moodle" for s in by.values())
        assert "not in the roster" in by["55599"].notes
    finally:
        intake.close()
    without = collect(path, LAB)
    assert sorted(s.student_id for s in without.submissions) == ["55501", "55502", "55599"]
    without.close()


def test_folders_per_student_with_colab_names_and_plain_files(tmp_path, notebooks):
    for student in ("carol", "dave"):
        (tmp_path / student).mkdir()
        nbformat.write(notebooks(LAB, "notebooks"), str(tmp_path / student / f"Copy of {LAB}.ipynb"))
    nbformat.write(notebooks(LAB, "notebooks"), str(tmp_path / "erin.ipynb"))
    (tmp_path / "carol" / ".ipynb_checkpoints").mkdir()
    nbformat.write(notebooks(LAB, "notebooks"), str(tmp_path / "carol" / ".ipynb_checkpoints" / "x.ipynb"))
    intake = collect(tmp_path, LAB)
    assert [(s.student_id, s.rule) for s in intake.submissions] == [("carol", "folder"), ("dave", "folder"),
                                                                    ("erin", "file")]
    assert intake.folder == tmp_path  # a folder is read where it is


def test_bad_input_is_named(tmp_path):
    with pytest.raises(GradingError, match="neither a folder nor a .zip"):
        collect(tmp_path / "nope.txt", LAB)
    (tmp_path / "broken.zip").write_text("not a zip")
    with pytest.raises(GradingError, match="not a readable zip"):
        collect(tmp_path / "broken.zip", LAB)
    with pytest.raises(GradingError, match="no .ipynb files"):
        collect(tmp_path, LAB)
    with pytest.raises(GradingError, match="FIELD=HEADER"):
        parse_columns("student=SIS")
    (tmp_path / "r.csv").write_text("Name,Email\nA,a@b\n")
    with pytest.raises(GradingError, match="no column 'id'"):
        read_roster(tmp_path / "r.csv")


def test_a_zip_cannot_write_outside_its_folder(tmp_path, notebooks):
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("../../escaped.ipynb", nbformat.writes(notebooks(LAB, "notebooks")))
        z.writestr("fine.ipynb", nbformat.writes(notebooks(LAB, "notebooks")))
    intake = collect(path, LAB)
    assert [s.student_id for s in intake.submissions] == ["fine"]
    intake.close()
    assert not (tmp_path.parent / "escaped.ipynb").exists()


def _read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.slow
def test_lms_downloads_graded_with_a_roster_and_exported(tmp_path, canvas_zip, root, roster, notebooks):
    """Every naming rule in one download (the rules are per file): the Canvas files, Moodle's folders,
    a Colab-named file in a student's folder, and the file no rule matches."""
    with zipfile.ZipFile(canvas_zip, "a") as z:
        for name, tree in [("Ana María López_55501_assignsubmission_file_/02-optimal-d.ipynb", "solutions"),
                           ("Bob \"Bobby\" O'Neil, Jr_55502_assignsubmission_file_/Copy of 02-optimal-d.ipynb",
                            "notebooks"),
                           ("carol/Copy of 02-optimal-d.ipynb", "notebooks")]:
            z.writestr(name, nbformat.writes(notebooks(LAB, tree)))
    before = hashlib.sha256(canvas_zip.read_bytes()).hexdigest()
    out = tmp_path / "graded"
    assert cli.main(["grade", str(canvas_zip), "--lab", LAB, "--out", str(out), "--project", str(root),
                     "--jobs", "2", "--timeout", "20", "--roster", str(tmp_path / "roster.csv"),
                     "--roster-columns", COLUMNS]) == 0
    rows = {r["student_id"]: r for r in _read(out / "gradebook.csv")}
    assert sorted(rows) == ["Copy of 02-optimal-d", "carol", "s1001", "s1002", "s2001", "s2002"]
    assert rows["s2001"]["score"] == rows["s2001"]["max_score"] and float(rows["s2002"]["score"]) == 0
    assert "not in the roster" in rows["carol"]["reason"]
    assert rows["s1001"]["score"] == rows["s1001"]["max_score"]  # the newer, finished file was graded
    assert "the newest of 2; not graded: smithjohn_123456_7890123_02-optimal-d.ipynb" in rows["s1001"]["reason"]
    assert "submitted late" in rows["s1002"]["reason"] and float(rows["Copy of 02-optimal-d"]["score"]) == 0
    assert "no naming rule matched" in (out / "feedback" / "Copy of 02-optimal-d.html").read_text()
    intake = {r["student_id"]: r for r in _read(out / "intake.csv")}
    assert intake["s1001"]["lms_id"] == "123456" and intake["s1002"]["late"] == "yes"
    assert hashlib.sha256(canvas_zip.read_bytes()).hexdigest() == before

    # Canvas: only students it knows (the unmatched file has no Canvas id): refused with the fix
    with pytest.raises(GradingError, match="Canvas user id"):
        export(out, "canvas", roster=roster)
    kept = [r for r in _read(out / "gradebook.csv") if r["student_id"] not in ("Copy of 02-optimal-d", "carol")]
    with open(out / "gradebook.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(kept[0]))
        w.writeheader()
        w.writerows(kept)
    path = export(out, "canvas", roster=roster, column="02 Optimal D (4521)")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == '"Student","ID","SIS User ID","SIS Login ID","Section","02 Optimal D (4521)"'
    back = {r["SIS User ID"]: r for r in _read(path)}
    assert back["s1001"]["Student"] == "Smith, John" and back["s1001"]["ID"] == "123456"
    assert back["s2002"]["Student"] == 'Bob "Bobby" O\'Neil, Jr' and back["s2002"]["ID"] == "55502"
    assert back["s1001"]["02 Optimal D (4521)"] == rows["s1001"]["score"]


def test_moodle_and_csv_exports_read_back_with_names_quoted(tmp_path, roster):
    out = tmp_path / "graded"
    out.mkdir()
    with open(out / "gradebook.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student_id", "assignment", "score", "max_score", "test-a", "status", "reason"])
        w.writerow(["s2002", LAB, "7.0", "10.0", "3.0", "graded", "1 graded cell(s) failed; test-b: x, y"])
        w.writerow(["s2001", LAB, "10.0", "10.0", "3.0", "graded", "all autograded cells passed"])
    moodle = _read(export(out, "moodle", roster=roster))
    assert list(moodle[0]) == ["Full name", "Email address", "ID number", LAB]
    assert moodle[0]["Full name"] == 'Bob "Bobby" O\'Neil, Jr' and moodle[0]["Email address"] == "bob@uni.edu"
    assert moodle[0][LAB] == "7.0" and moodle[1]["ID number"] == "s2001"
    plain = _read(export(out, "csv", roster=roster, output=tmp_path / "all.csv"))
    assert plain[0]["name"] == 'Bob "Bobby" O\'Neil, Jr' and plain[0]["test-a"] == "3.0"
    assert plain[0]["reason"] == "1 graded cell(s) failed; test-b: x, y" and plain[0]["lms_id"] == "55502"
    with pytest.raises(GradingError, match="unknown export format"):
        export(out, "blackboard")
    with pytest.raises(GradingError, match="no gradebook.csv"):
        export(tmp_path, "csv")
