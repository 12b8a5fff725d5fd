"""The student-facing tree, for an instructor who keeps this repository (with its solutions) private.

    publish(project, Path("public"))

Writes the released notebooks (regenerated from solutions/), the package and a README for
students, and nothing else: no solutions/, no tests/ (the mistake catalogues quote the solutions),
no grading configuration. Then it reads back every file it wrote and fails if any line of a
solution region or hidden test of solutions/ appears outside the package. The package itself is
public by design and holds reference implementations that later labs call (a loss is one line
of math, written the same way in a solution); those lines are returned, not hidden: what keeps
a student from scoring with them is the grader, not secrecy.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from gankit.grading.course import RELEASE, SOURCE, GradingError, labs, release
from gankit.grading.feedback import secret_lines_of

PACKAGE_FILES = ["pyproject.toml", "environment.yml", "LICENSE"]
STUDENT_README = """# {title}: the labs

Labs on Generative Adversarial Networks with PyTorch. Each lab is one notebook in `notebooks/`:

{table}

Open a lab in Colab (or in JupyterLab after `pip install -e .`) and run the first cell: it installs
`gankit`, the helper package the labs call, if it is missing, and picks the GPU where there is one.
Fill in each `raise NotImplementedError()`, run the check cell below it (it prints `OK: ...` or
names the mistake), then download the `.ipynb` and hand it in as your instructor asks.
"""


def secret_lines(project: Path, released: Path | None = None) -> set[str]:
    """Stripped lines inside the solution regions and hidden tests of solutions/ that the released
    notebooks (in `released`, default notebooks/) do not also contain (those are scaffolding, not
    answers)."""
    released = Path(released) if released is not None else project / RELEASE
    secrets, public = set(), set()
    for lab in labs(project):
        secrets |= secret_lines_of(nbformat.read(str(project / SOURCE / lab / f"{lab}.ipynb"), as_version=4))
        student = released / lab / f"{lab}.ipynb"
        if student.is_file():
            for cell in nbformat.read(str(student), as_version=4).cells:
                public.update(line.strip() for line in cell.source.splitlines())
    return secrets - public


def leaks(tree: Path, secrets: set[str]) -> list[str]:
    """'file: line' for every secret line found in a text file under `tree`."""
    found = []
    for path in sorted(p for p in tree.rglob("*") if p.is_file()):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:  # weights and other binary files
            continue
        if path.suffix == ".ipynb":  # compare cell sources line by line, as they were written
            text = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
        lines = {line.strip() for line in text.splitlines()}
        found += [f"{path.relative_to(tree)}: {s}" for s in sorted(secrets & lines)]
    return found


def publish(project: Path, out: Path, repo=None) -> tuple[list[Path], list[str]]:
    """Write the student-facing tree to `out` (a new or empty folder), its badges, set-up cells and
    pyproject.toml naming `repo` (a colab.Repository; default: the project's); returns the top-level
    paths written and the solution lines that the package's own code also holds ('gankit/file: line')."""
    from gankit import colab

    repo = repo or colab.configured(project)
    out = Path(out).resolve()
    if out.exists() and any(out.iterdir()):
        raise GradingError(f"{out} is not empty: publish into a new or empty folder, so that nothing of an "
                           "older tree (or of anything else) is published by mistake.")
    root = project.resolve()
    if out == root or any(out == root / d or root / d in out.parents for d in (SOURCE, "tests")):
        raise GradingError(f"{out} is inside the course repository's {SOURCE}/ or tests/: choose a folder outside them.")
    out.mkdir(parents=True, exist_ok=True)
    names = labs(project)
    release(project, names, out / RELEASE, repo=repo)
    shutil.copytree(project / "gankit", out / "gankit", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    written = [out / RELEASE, out / "gankit"]
    for name in PACKAGE_FILES:
        if (project / name).is_file():
            shutil.copy2(project / name, out / name)
            written.append(out / name)
    if (out / "pyproject.toml").is_file():  # the published tree's own `gankit release` keeps its badges
        pyproject = out / "pyproject.toml"
        pyproject.write_text(colab.with_repository(pyproject.read_text(encoding="utf-8"), repo), encoding="utf-8")
    table = "\n".join(f"- [{lab}]({RELEASE}/{lab}/{lab}.ipynb) {repo.badge(lab)}" for lab in names)
    (out / "README.md").write_text(STUDENT_README.format(title="gankit", table=table), encoding="utf-8")
    written.append(out / "README.md")
    found = leaks(out, secret_lines(project, out / RELEASE))
    in_package = [f for f in found if f.startswith("gankit/")]
    elsewhere = [f for f in found if not f.startswith("gankit/")]
    if elsewhere:
        raise GradingError(f"{len(elsewhere)} solution or hidden-test line(s) ended up in {out}; nothing should be "
                           "published from it until they are gone:\n  " + "\n  ".join(elsewhere[:20]))
    return written, in_package
