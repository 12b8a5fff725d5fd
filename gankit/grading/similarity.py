"""`gankit similarity`: pairs of submissions ranked by how much of their code they share, for the course
project and for any lab.

Each submission's code cells become one Python file; the lab's release (what every student started
from) is the boilerplate, so code the release gives everyone does not count. The comparison is
copydetect's (winnowing over fingerprints of normalised tokens, as MOSS does: renamed variables,
reordered whitespace and comments do not hide a copy). A pair's score is the larger of its two shares:
the fraction of one submission's own code that is found in the other.

Writes OUT/similarity.csv (every pair, highest first) and OUT/similarity.html (the top pairs side by side,
the shared code highlighted), and returns the ranked pairs.
"""
from __future__ import annotations

import csv
import html
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from gankit.grading.course import RELEASE, GradingError, find_project
from gankit.grading.intake import collect


@dataclass
class Pair:
    a: str  # student ids
    b: str
    share_a: float  # the fraction of a's own code found in b
    share_b: float
    tokens: int  # tokens they share
    code_a: str = ""  # HTML, shared parts highlighted
    code_b: str = ""

    @property
    def score(self) -> float:
        return max(self.share_a, self.share_b)


def notebook_code(path: str | Path) -> str:
    """A notebook's code cells as one Python file (IPython magics and shell lines left out)."""
    nb = nbformat.read(str(path), as_version=4)
    cells = ["\n".join(line for line in c.source.splitlines() if not line.lstrip().startswith(("%", "!")))
             for c in nb.cells if c.cell_type == "code"]
    return "\n\n".join(cells) + "\n"


def rank(submissions: dict, release: str | None = None, noise: int = 25, guarantee: int = 30) -> list[Pair]:
    """Every pair of {student id: code} ranked by score, highest first. `release`: the code they all
    started from. noise / guarantee: copydetect's k-gram and window thresholds (in tokens): a shared run
    shorter than `noise` tokens is ignored, one of `guarantee` tokens is always found."""
    try:
        from copydetect import CopyDetector
    except ImportError:
        raise GradingError("copydetect is not installed: pip install copydetect (or pip install -e \".[course]\"), "
                           "then run again.") from None

    if len(submissions) < 2:
        raise GradingError(f"{len(submissions)} submission(s): a comparison needs at least two.")
    with tempfile.TemporaryDirectory(prefix="gankit-similarity-") as tmp:
        folder, boiler = Path(tmp) / "code", Path(tmp) / "release"
        folder.mkdir()
        boiler.mkdir()
        files = {}
        for i, (student, code) in enumerate(sorted(submissions.items())):
            files[student] = folder / f"s{i:04d}.py"  # our names: a student id may be anything
            files[student].write_text(code, encoding="utf-8")
        if release:
            (boiler / "release.py").write_text(release, encoding="utf-8")
        detector = CopyDetector(test_dirs=[str(folder)], ref_dirs=[str(folder)],
                                boilerplate_dirs=[str(boiler)] if release else [], extensions=["py"],
                                noise_t=noise, guarantee_t=guarantee, display_t=0.0, autoopen=False, silent=True,
                                force_language="python")
        detector.run()
        student_of = {str(path): s for s, path in files.items()}
        index = {str(p): i for i, p in enumerate(detector.test_files)}
        pairs = []
        students = sorted(files)
        for x, sa in enumerate(students):
            for sb in students[x + 1:]:
                i, j = index[str(files[sa])], index[str(files[sb])]
                share_a, share_b = (float(v) for v in detector.similarity_matrix[i, j])
                pairs.append(Pair(sa, sb, max(share_a, 0.0), max(share_b, 0.0),
                                  max(int(detector.token_overlap_matrix[i, j]), 0)))
        highlighted = {(student_of[t], student_of[r]): (ca, cb)
                       for _, _, t, r, ca, cb, _ in detector.get_copied_code_list()}
    for p in pairs:
        if (p.a, p.b) in highlighted:
            p.code_a, p.code_b = highlighted[(p.a, p.b)]
        elif (p.b, p.a) in highlighted:
            p.code_b, p.code_a = highlighted[(p.b, p.a)]
    return sorted(pairs, key=lambda p: (-p.score, p.a, p.b))


def _page(pairs: list[Pair], title: str) -> str:
    css = ("body{font-family:sans-serif;margin:1.5em} table.pair{width:100%;table-layout:fixed;border-collapse:collapse}"
           "td{vertical-align:top;border:1px solid #ccc;padding:.4em} pre{white-space:pre-wrap;font-size:12px;margin:0}"
           ".highlight-red{background:#fbb} .highlight-green{background:#bfb} h2{margin-top:2em}")
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{css}</style></head><body><h1>{html.escape(title)}</h1>",
             "<p>Shared code is highlighted; what the release gives everyone does not count. A high score is a "
             "reason to look, not a verdict.</p>"]
    for n, p in enumerate(pairs, 1):
        parts.append(f"<h2>{n}. {html.escape(p.a)} and {html.escape(p.b)}: {p.score:.0%}</h2>"
                     f"<p>{p.share_a:.0%} of {html.escape(p.a)}'s code is in {html.escape(p.b)}'s; {p.share_b:.0%} "
                     f"of {html.escape(p.b)}'s is in {html.escape(p.a)}'s; {p.tokens} tokens shared.</p>"
                     f"<table class='pair'><tr><th>{html.escape(p.a)}</th><th>{html.escape(p.b)}</th></tr>"
                     f"<tr><td><pre>{p.code_a}</pre></td><td><pre>{p.code_b}</pre></td></tr></table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def similarity(source: str | Path, lab: str, out: str | Path, top: int = 10, project=None,
               use_release: bool = True) -> list[Pair]:
    """Rank the submissions in `source` (a folder or an LMS .zip, named as `gankit grade` reads them) of
    `lab`; write OUT/similarity.csv and OUT/similarity.html (the `top` pairs). Returns the ranked pairs."""
    intake = collect(source, lab)
    try:
        codes = {}
        for sub in intake.submissions:
            try:
                codes[sub.student_id] = notebook_code(sub.path)
            except Exception as e:  # unreadable JSON: listed, not compared
                print(f"not compared: {sub.name} ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})")
    finally:
        intake.close()
    release = None
    if use_release:
        path = find_project(project) / RELEASE / lab / f"{lab}.ipynb"
        if not path.is_file():
            raise GradingError(f"no release of {lab!r} at {path}: name a lab of the course (--lab), or compare "
                               "without the release (--no-release).")
        release = notebook_code(path)
    pairs = rank(codes, release)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "similarity.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["rank", "student_a", "student_b", "score", "share_a", "share_b", "tokens"])
        for n, p in enumerate(pairs, 1):
            w.writerow([n, p.a, p.b, f"{p.score:.3f}", f"{p.share_a:.3f}", f"{p.share_b:.3f}", p.tokens])
    (out / "similarity.html").write_text(_page(pairs[:top], f"{lab}: the {min(top, len(pairs))} most similar pairs"),
                                         encoding="utf-8")
    return pairs
