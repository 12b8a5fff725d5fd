"""What a student sees after grading: errors as one line, and never a hidden test or a solution line,
whichever way it reached the notebook (a traceback quoting it, or code that read it from disk and
printed it)."""
from __future__ import annotations

import json
import re
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import List, Unicode

MARKERS = {"### BEGIN SOLUTION": "### END SOLUTION", "### BEGIN HIDDEN TESTS": "### END HIDDEN TESTS"}
# lines shorter than this (")", "return x", "else:") say nothing about an answer
MIN_SECRET_LENGTH = 12
REDACTED = "[hidden]"


def secret_lines_of(notebook) -> set[str]:
    """Stripped lines of an nbgrader source notebook's solution regions and hidden tests, at least
    MIN_SECRET_LENGTH long, that its other cells' code does not also show."""
    secret, shown = set(), set()
    for cell in notebook.cells:
        end = None
        for line in cell.source.splitlines():
            text = line.strip()
            if end is None and text in MARKERS:
                end = MARKERS[text]
            elif text == end:
                end = None
            elif end is not None:
                if len(text) >= MIN_SECRET_LENGTH:
                    secret.add(text)
            else:
                shown.add(text)
    return secret - shown


def feedback_path(out: Path, student_id: str) -> Path:
    """OUT/feedback/<student_id>.html (a path separator in an id becomes _)."""
    return out / "feedback" / (re.sub(r"[/\\]", "_", student_id) + ".html")


def at_top(page: str, block: str) -> str:
    """A feedback page with `block` first in its body."""
    if "<body>" in page:
        return page.replace("<body>", "<body>" + block, 1)
    return block + page


def one_line(output) -> str:
    """'Name: message' of an error output, first line only."""
    first = (output.get("evalue") or "").strip().splitlines()
    return f"{output.get('ename', 'Error')}: {first[0] if first else 'a hidden test failed'}"


class OneLineErrors(NbGraderPreprocessor):
    """Replace each traceback with its last line: a traceback quotes the hidden line that failed."""

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [one_line(output)]
        return cell, resources


def _spellings(line: str) -> set[str]:
    """A line as printed, as it sits in a notebook's JSON, and as Python's repr shows it in a tuple or list."""
    return {line, json.dumps(line)[1:-1], repr(line)[1:-1]}


def redact(text: str, secrets) -> str:
    """`text` with every secret line, in any of its usual spellings, replaced by [hidden]."""
    for line in secrets:
        for spelling in _spellings(line):
            if spelling in text:
                text = text.replace(spelling, REDACTED)
    return text


class RedactSecrets(NbGraderPreprocessor):
    """Replace every solution or hidden-test line (`lines`: set by `gankit grade` from its own copy of
    the source) found in any cell's output: a notebook can read the source from disk and print it."""

    lines = List(Unicode(), help="the source notebook's secret lines (secret_lines_of)").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            for key in ("text", "evalue"):
                if isinstance(output.get(key), str):
                    output[key] = redact(output[key], self.lines)
            if "traceback" in output:
                output["traceback"] = [redact(t, self.lines) for t in output["traceback"]]
            for mime, value in output.get("data", {}).items():
                if isinstance(value, str) and not mime.startswith("image/"):
                    output["data"][mime] = redact(value, self.lines)
        return cell, resources
