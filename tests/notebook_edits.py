"""Helpers for tests that edit a lab's notebook: apply a catalogued mistake, run answer cells."""
import copy

import torch
import torch.nn.functional as F
from torch import nn


def answer_cell(nb, grade_id):
    (cell,) = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    return cell


def apply(nb, grade_id: str, old: str, new: str):
    """Return a copy of notebook `nb` with `old` replaced by `new` in answer cell `grade_id`."""
    nb = copy.deepcopy(nb)
    cell = answer_cell(nb, grade_id)
    assert old in cell.source, f"mistake no longer applies: {old!r} is not in cell {grade_id}"
    cell.source = cell.source.replace(old, new, 1)
    return nb


def answer_namespace(nb, grade_ids):
    """Execute the given answer cells of a notebook in order, as the lab would, and return the names."""
    import math

    from scipy.optimize import linear_sum_assignment

    from gankit import infogan, losses, theory

    ns = {"torch": torch, "nn": nn, "F": F, "math": math, "losses": losses, "theory": theory, "infogan": infogan,
          "linear_sum_assignment": linear_sum_assignment}
    for grade_id in grade_ids:
        exec(answer_cell(nb, grade_id).source, ns)
    return ns


def mistake_packs(mistakes, depends=None, exercise=lambda m: m[1]):
    """Group mistakes into as few notebooks as possible: at most one mistake per exercise, and never a
    mistake in an exercise together with one in an exercise it calls (`depends`: id -> ids it calls),
    so that each mistake's own message is seen. `exercise(m)`: the answer cell a mistake edits."""
    depends = depends or {}
    packs = []
    for m in mistakes:
        gid = exercise(m)
        for pack in packs:
            ids = {exercise(x) for x in pack}
            if gid not in ids and not (depends.get(gid, set()) & ids) and not any(gid in depends.get(i, set()) for i in ids):
                pack.append(m)
                break
        else:
            packs.append([m])
    return packs
