"""Broken and hostile submissions, made from a lab's own notebooks by editing its answer cells.

Each edit keeps the answer's name but changes what it does, so one notebook can carry several
attacks, each on its own exercise: the grade of every other exercise shows nothing else was lost.
"""
import copy
import re

import nbformat

from gankit.grading.repair import HIDDEN
from notebook_edits import answer_cell

DEFINES = re.compile(r"^(?:def|class)\s+(\w+)", re.MULTILINE)

# Returned values spoilt the ways a submission can spoil them; tuples, lists and dicts element by element.
POISON = '''
import torch as _torch
def _poison(x, how):
    if isinstance(x, (tuple, list)):
        return type(x)(_poison(v, how) for v in x)
    if isinstance(x, dict):
        return {k: _poison(v, how) for k, v in x.items()}
    if isinstance(x, float):
        x = _torch.tensor(x)
    if not isinstance(x, _torch.Tensor):
        return x
    if how == "nan":
        return _torch.full_like(x, float("nan"), dtype=_torch.float32)
    if how == "shape":
        return x.unsqueeze(0)
    return x.half() if x.is_floating_point() else x.float()  # dtype
'''

# every visible check of the lab made a no-op, and the checks' helpers made to agree with anything
CHECKS_DISABLED = '''
import gankit.checks as _gc
for _name in dir(lab):
    if _name.startswith("check_"):
        setattr(lab, _name, lambda *args, **kwargs: None)
_gc.close = lambda *args, **kwargs: True
_gc.require = lambda *args, **kwargs: None
'''

# reads every file of its course directory and of the project the grader runs from, and prints it
SPY = '''
import pathlib, gankit
_places = [pathlib.Path.cwd().parents[2], pathlib.Path(gankit.__file__).resolve().parents[1] / "solutions"]
for _place in _places:
    for _path in sorted(p for p in _place.rglob("*") if p.is_file() and p.suffix in (".ipynb", ".db")):
        print(_path, _path.read_bytes().decode("utf-8", "replace"))
'''

# deletes every file of its own course directory (found by its gradebook) while the notebook runs
VANDAL = '''
import pathlib, shutil
_here = pathlib.Path.cwd()
_course = next(p for p in [_here, *_here.parents] if (p / "gradebook.db").exists())
shutil.rmtree(_course)
'''

# replaces what hidden tests assert with
TAMPER = '''
torch.allclose = lambda *args, **kwargs: True
def abs(x):
    return 0.0
'''


def _name(nb, grade_id) -> str:
    return DEFINES.findall(answer_cell(nb, grade_id).source)[0]


def _append(nb, grade_id, code):
    nb = copy.deepcopy(nb)
    answer_cell(nb, grade_id).source += "\n" + code.strip("\n") + "\n"
    return nb


def syntax_error(nb, grade_id):
    return _append(nb, grade_id, "def unfinished(:")


def infinite_loop(nb, grade_id):
    """The answer never returns (nor grows memory while it spins)."""
    return _append(nb, grade_id, f"{_name(nb, grade_id)} = lambda *args, **kwargs: any(False for _ in iter(int, 1))")


def poisoned(nb, grade_id, how):
    """The answer returns NaN ("nan"), an extra leading axis ("shape"), or half precision ("dtype")."""
    name = _name(nb, grade_id)
    return _append(nb, grade_id, POISON + f"_right_{name} = {name}\n"
                                          f"def {name}(*args, **kwargs):\n"
                                          f"    return _poison(_right_{name}(*args, **kwargs), {how!r})")


def on_gpu(nb, grade_id):
    """The answer moves its tensors to a GPU (as on Colab), which the grading machine lacks."""
    name = _name(nb, grade_id)
    return _append(nb, grade_id, f"_right_{name} = {name}\n"
                                 f"def {name}(*args, **kwargs):\n"
                                 f"    return _right_{name}(*[a.to('cuda') if isinstance(a, torch.Tensor) else a "
                                 f"for a in args], **kwargs)")


def delegating(nb, grade_id, code):
    """The answer calls the kit's own implementation, with every visible check switched off first."""
    return _append(nb, grade_id, CHECKS_DISABLED + code)


def with_cell(nb, code, at=None):
    nb = copy.deepcopy(nb)
    cell = nbformat.v4.new_code_cell(code.strip("\n"))
    nb.cells.insert(len(nb.cells) if at is None else at, cell)
    return nb


def stripped(nb):
    """Every cell's nbgrader metadata gone and its id rewritten, as Colab and other editors can leave it
    (test cells as a student's copy holds them: without hidden tests)."""
    nb = copy.deepcopy(nb)
    for i, cell in enumerate(nb.cells):
        cell.metadata.pop("nbgrader", None)
        cell.source = HIDDEN.sub("", cell.source)
        cell.id = f"colab-{i:03d}"
    return nb
