"""What a student sees after grading: errors as one line, never the hidden test that raised them."""
from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor


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
