"""The solution runs top to bottom in fast mode with no error in any cell."""
import nbformat
import pytest
from nbclient import NotebookClient


@pytest.mark.slow
def test_solution_runs_top_to_bottom_in_fast_mode(lab3_solution, tmp_path, monkeypatch):
    monkeypatch.setenv("GANKIT_FAST", "1")
    nb = nbformat.from_dict(lab3_solution)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert outputs.count("OK: ") == 6, "every check cell should print its OK line"
    assert any("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
