"""The project's nbgrader folders and the throwaway course directories built from them.

`solutions/<lab>/<lab>.ipynb` is the nbgrader source, `notebooks/<lab>/<lab>.ipynb` the release.
Every nbgrader run happens in a temporary course directory with its own database, so nothing in
the repository changes except the released notebooks themselves.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

SOURCE, RELEASE = "solutions", "notebooks"
COURSE_ID = "gankit"


class GradingError(RuntimeError):
    """The grading or release command cannot run as asked; the message says what to do."""


def find_project(start: str | Path | None = None) -> Path:
    """The folder holding `solutions/`: the current folder or one above it, else the package's checkout."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents, Path(__file__).resolve().parents[2]):
        if (folder / SOURCE).is_dir():
            return folder
    raise GradingError(f"no '{SOURCE}/' folder in {here} or above it: run the command inside the course "
                       "repository (a clone of gankit), or pass --project PATH.")


def labs(project: Path) -> list[str]:
    """Lab names (e.g. '03-vanilla-gan'): folders of solutions/ that hold a notebook of their own name."""
    return sorted(p.name for p in (project / SOURCE).iterdir() if (p / f"{p.name}.ipynb").is_file())


def check_lab(project: Path, lab: str) -> str:
    known = labs(project)
    if lab not in known:
        raise GradingError(f"unknown lab {lab!r}: the labs in {project / SOURCE} are {', '.join(known) or 'none'}.")
    return lab


def grading_settings(c, timeout: int, notebook_timeout: int | None = None) -> None:
    """The nbgrader settings every run shares, gankit's own and the repository's nbgrader_config.py alike."""
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import ClearHiddenTests, Execute, GetGrades

    from gankit.grading.execute import GuardedExecute
    from gankit.grading.feedback import OneLineErrors, RedactSecrets

    c.CourseDirectory.course_id = COURSE_ID
    # a notebook time limit, and a kernel that dies costs its remaining cells, not the whole submission
    c.Autograde.autograde_preprocessors = [GuardedExecute if p is Execute else p for p in
                                           Autograde.class_traits()["autograde_preprocessors"].default()]
    c.Execute.timeout = timeout
    c.Execute.interrupt_on_timeout = True
    c.GuardedExecute.notebook_timeout = notebook_timeout
    c.OverwriteCells.add_missing_cells = True  # a deleted test cell is put back and graded, not left to a human
    # Feedback must not reveal the hidden tests: neither their source nor a traceback that quotes them.
    c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, OneLineErrors, RedactSecrets,
                                        CSSHTMLHeaderPreprocessor]


RUN_REPORT = "run.json"  # GuardedExecute's account of the notebook's run, beside (never inside) its sandbox


def nbgrader_config(root: Path, timeout: int = 60, secrets=(), sandbox=None, notebook_timeout: int | None = None):
    """The configuration of a throwaway course at `root`, with its own database; `secrets` are the
    lines feedback must never show (feedback.secret_lines_of the source); `sandbox` (a
    gankit.grading.sandbox.Sandbox) is where kernels run, None for the grader's own account."""
    from traitlets.config import Config

    c = Config()
    c.RedactSecrets.lines = sorted(secrets)
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    c.Exchange.root = str(root / "exchange")
    grading_settings(c, timeout, notebook_timeout)
    c.GuardedExecute.sandbox = sandbox
    c.GuardedExecute.report = str(root / RUN_REPORT)
    return c


@contextmanager
def environment(**values):
    """Set environment variables (for nbgrader and the kernels it starts), and put the old ones back."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _nbgrader_path():
    """nbgrader runs `alembic` to create a database: the environment's bin folder must be on PATH."""
    return environment(PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))


@contextmanager
def course_directory(project: Path, lab_names: list[str]):
    """A temporary nbgrader course with the given labs as source; yields (root, NbGraderAPI)."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    with _nbgrader_path(), tempfile.TemporaryDirectory(prefix="gankit-course-") as tmp:
        root = Path(tmp)
        for lab in lab_names:
            shutil.copytree(project / SOURCE / lab, root / "source" / lab,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pt"))
        config = nbgrader_config(root)
        api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
        for lab in lab_names:
            result = api.generate_assignment(lab, force=True, create=True)
            if not result["success"]:
                raise GradingError(f"nbgrader could not generate {lab} from {project / SOURCE / lab}:\n"
                                   f"{result.get('error') or result.get('log')}")
        yield root, api


def course_snapshot(project: Path, lab: str) -> dict[str, bytes]:
    """Every file of a freshly generated course for `lab` (source, release, gradebook), held in memory:
    each submission is graded in its own copy, which nothing a notebook does can reach afterwards."""
    with course_directory(project, [lab]) as (root, _api):
        return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@contextmanager
def course_copy(snapshot: dict[str, bytes], timeout: int = 60, secrets=(), sandbox=None,
                notebook_timeout: int | None = None):
    """A new course directory written from `snapshot`; yields (root, NbGraderAPI); removed afterwards,
    whatever a notebook graded in it did to it."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    with _nbgrader_path(), tempfile.TemporaryDirectory(prefix="gankit-grading-", ignore_cleanup_errors=True) as tmp:
        root = Path(tmp)
        for name, data in snapshot.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
        config = nbgrader_config(root, timeout, secrets, sandbox, notebook_timeout)
        yield root, NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def release(project: Path, lab_names: list[str] | None = None, out: Path | None = None, repo=None) -> list[Path]:
    """Regenerate the student versions of `lab_names` (default: all) into `out` (default: notebooks/),
    their badges and set-up cells pointing to `repo` (default: the project's, colab.configured); into
    notebooks/, the README's badge table too.

    The output is byte-identical on every run for the same source.
    """
    from gankit import colab

    lab_names = [check_lab(project, lab) for lab in lab_names] if lab_names else labs(project)
    repo = repo or colab.configured(project)
    into_project = out is None
    out = Path(out) if out is not None else project / RELEASE
    written = []
    with course_directory(project, lab_names) as (root, _api):
        for lab in lab_names:
            target = out / lab
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(root / "release" / lab, target)
            _point_to(target / f"{lab}.ipynb", repo)
            written.append(target / f"{lab}.ipynb")
    if into_project and (project / "README.md").is_file():
        _point_to(project / "README.md", repo)
    return written


def _point_to(path: Path, repo) -> None:
    text = path.read_text(encoding="utf-8")
    if repo.rewrite(text) != text:
        path.write_text(repo.rewrite(text), encoding="utf-8")
