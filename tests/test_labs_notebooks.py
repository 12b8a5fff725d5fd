"""Labs 1, 2, 4, 5, 6, 7, 8, 9, 10, 11 and 12 run top to bottom in fast mode, every check printing OK, pictures drawn."""
import nbformat
import pytest
from nbclient import NotebookClient

EXERCISES = {"01-minimax": 5, "02-optimal-d": 6, "04-cgan": 6, "05-cyclegan": 6, "06-evaluation": 5, "07-wgan": 6, "08-vae": 7, "09-representations": 9,
             "10-super-resolution": 6, "11-domains": 7, "12-project": 2}  # OK lines: Lab 1's loss cell runs two checks


@pytest.mark.slow
@pytest.mark.parametrize("lab", list(EXERCISES))
def test_solution_runs_top_to_bottom_in_fast_mode(notebooks, lab, tmp_path, monkeypatch):
    monkeypatch.setenv("GANKIT_FAST", "1")
    nb = nbformat.from_dict(notebooks(lab, "solutions"))
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert outputs.count("OK: ") == EXERCISES[lab], "every check cell should print its OK line"
    pictures = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert pictures >= 4
