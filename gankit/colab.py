"""Where the labs come from, and the set-up cell every lab opens with.

The repository a course's badges and set-up cells point to is written in one place, pyproject.toml:

    [tool.gankit]
    repository = "owner/name"
    branch = "main"

The sources in solutions/ always name the kit's own repository (REPO, BRANCH); `gankit release`
writes the configured one into every released notebook and the README's badge table, and
`gankit publish DIR --repo owner/name[@branch]` into a published tree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO, BRANCH = "gankit/gankit", "main"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class Repository:
    name: str = REPO  # owner/name on GitHub
    branch: str = BRANCH

    @property
    def url(self) -> str:
        return f"https://github.com/{self.name}"

    def badge(self, lab: str) -> str:
        """Markdown for the 'Open in Colab' badge of a released lab."""
        url = f"https://colab.research.google.com/github/{self.name}/blob/{self.branch}/notebooks/{lab}/{lab}.ipynb"
        return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})"

    def setup_cell(self) -> str:
        return f'''# Set-up: install gankit where it is missing (Colab), then pick the device (GPU where there is one).
import importlib.util, subprocess, sys
if importlib.util.find_spec("gankit") is None:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "gankit @ git+{self.url}@{self.branch}"])
import gankit
device = gankit.device()
print(f"gankit {{gankit.__version__}} on {{device}}")'''

    def _anchors(self) -> tuple[str, str]:
        """The two places a repository is named: the install URL and the badge's path."""
        return (f"git+{self.url}@{self.branch}", f"colab.research.google.com/github/{self.name}/blob/{self.branch}/")

    def rewrite(self, text: str) -> str:
        """`text` (a notebook's JSON, a README) pointing to this repository instead of the kit's own."""
        for old, new in zip(Repository()._anchors(), self._anchors()):
            text = text.replace(old, new)
        return text


def parse(text: str) -> Repository:
    """'owner/name' or 'owner/name@branch' -> Repository."""
    name, _, branch = text.strip().partition("@")
    if not NAME.match(name):
        from gankit.grading.course import GradingError
        raise GradingError(f"repository {text!r} is not owner/name[@branch] (as on GitHub, e.g. myuni/gan-course@main).")
    return Repository(name, branch or BRANCH)


def configured(project: Path) -> Repository:
    """The repository named in the project's pyproject.toml ([tool.gankit]), else the kit's own."""
    try:
        text = (Path(project) / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return Repository()
    table = re.search(r"^\[tool\.gankit\]\s*$(.*?)(?=^\[|\Z)", text, re.MULTILINE | re.DOTALL)
    values = dict(re.findall(r'^\s*(repository|branch)\s*=\s*"([^"]*)"', table.group(1), re.MULTILINE)) if table else {}
    return parse(values.get("repository", REPO) + "@" + values.get("branch", BRANCH))


def with_repository(pyproject_text: str, repo: Repository) -> str:
    """pyproject.toml's text with its [tool.gankit] table naming `repo` (added where missing)."""
    table = f'[tool.gankit]\nrepository = "{repo.name}"\nbranch = "{repo.branch}"\n'
    found = re.search(r"^\[tool\.gankit\]\s*$.*?(?=^\[|\Z)", pyproject_text, re.MULTILINE | re.DOTALL)
    if found:
        return pyproject_text[:found.start()] + table + ("\n" if found.end() < len(pyproject_text) else "") \
            + pyproject_text[found.end():]
    return pyproject_text.rstrip("\n") + "\n\n" + table


SETUP_CELL = Repository().setup_cell()


def badge(lab: str) -> str:
    return Repository().badge(lab)
