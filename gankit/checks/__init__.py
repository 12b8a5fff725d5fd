"""Self-checks the labs run after each exercise, one module per lab.

A check prints one short line when the exercise behaves as the lecture says and raises
CheckFailed otherwise, with a message that names the mistake and says what to change. Checks
test behaviour (values on fixed inputs, gradients, shapes), not spelling. They print to stdout
only: nbgrader scores a test cell zero on any output to stderr.
"""
from __future__ import annotations

import contextlib
import functools
import importlib
import io
import os
import sys
import types

import torch

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


class CheckFailed(AssertionError):
    """An exercise does not do what the lab asks; the message names the mistake."""


def passed(what: str) -> None:
    print(f"OK: {what}")


def require(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def close(a, b, tol: float = 1e-5) -> bool:
    """True when two numbers or tensors agree to `tol` (relative and absolute)."""
    a, b = torch.as_tensor(a, dtype=torch.float64), torch.as_tensor(b, dtype=torch.float64)
    return a.shape == b.shape and bool(torch.allclose(a, b, rtol=tol, atol=tol))


def name_the_mistake(got, want, mistakes: dict, otherwise: str) -> None:
    """Nothing when `got` is `want`; else CheckFailed naming the first mistake (message -> the value it
    gives) that `got` matches, or `otherwise`."""
    if close(got, want):
        return
    for mistake, value in mistakes.items():
        if close(got, value):
            raise CheckFailed(mistake + ".")
    raise CheckFailed(otherwise)


@contextlib.contextmanager
def kit_helpers(function, helpers: dict):
    """While an exercise that calls other exercises is checked, those names in the notebook (`helpers`:
    name -> the kit's version) are the kit's: it is judged on its own, and a mistake in a helper costs
    only the helper's own exercise."""
    namespace = getattr(function, "__globals__", {})
    saved = {name: namespace[name] for name in helpers if name in namespace}
    namespace.update({name: helpers[name] for name in saved})
    try:
        yield
    finally:
        namespace.update(saved)


def scalar(value, name: str) -> torch.Tensor:
    """The exercise's return value as a 0-dim tensor, or CheckFailed saying why it is not one."""
    require(isinstance(value, torch.Tensor), f"{name} must return a torch.Tensor, got {type(value).__name__}.")
    require(value.dim() == 0, f"{name} must return a scalar (0-dim) tensor averaged over the batch, "
                              f"got shape {tuple(value.shape)}: take .mean() over the batch.")
    require(bool(torch.isfinite(value)), f"{name} returned {value.item()} on moderate inputs.")
    return value


def isolated_rng(check):
    """Run a check on its own copy of the random state, so that running it leaves the lab's seeds alone."""
    @functools.wraps(check)
    def wrapper(*args, **kwargs):
        refuse_tampering(sys._getframe(1).f_globals)
        with torch.random.fork_rng(devices=[]):
            return check(*args, **kwargs)
    return wrapper


def _key(code) -> tuple:
    """Where a function was written: the same for every copy of gankit loaded from these files."""
    return code.co_filename, code.co_firstlineno, code.co_name


def _codes(functions) -> dict:
    """Where each function (or each method of a class) was written -> its dotted name."""
    out = {}
    for f in functions:
        members = [m for m in vars(f).values() if callable(m) and hasattr(m, "__code__")] if isinstance(f, type) else [f]
        out.update({_key(m.__code__): f"{f.__module__}.{f.__qualname__}" for m in members})
    return out


def _is_one_of(obj, codes: dict, classes: set) -> bool:
    """Is the answer itself the kit's function or class (an alias, a partial, a subclass that adds nothing)?"""
    while isinstance(obj, functools.partial):
        obj = obj.func
    if isinstance(obj, type):
        return any((c.__module__, c.__qualname__) in classes for c in obj.__mro__)
    code = getattr(obj, "__code__", None)
    return code is not None and _key(code) in codes


def forbids(*functions):
    """While the check runs, the student's code may not call these functions of gankit (the kit's
    own implementation of the exercise): such a call fails the check, whatever the result.

    A profiler hook sees every Python call, even through a name bound before the check; a call
    counts when its caller lies outside the gankit package (a check may hand the student a kit
    function to call, as Lab 6's Parzen protocol does). Switching the hook off fails the check too.
    """
    def decorate(check):
        @functools.wraps(check)
        def wrapper(*args, **kwargs):
            refuse_tampering(sys._getframe(1).f_globals)
            codes, seen, previous = _codes(functions), [], sys.getprofile()
            classes = {(f.__module__, f.__qualname__) for f in functions if isinstance(f, type)}
            aliases = [a for a in (*args, *kwargs.values()) if _is_one_of(a, codes, classes)]
            if aliases:
                raise CheckFailed(f"{getattr(aliases[0], '__name__', aliases[0])} is the kit's own implementation of "
                                  "this exercise: write it yourself; an answer that is or calls it scores nothing.")

            def monitor(frame, event, arg):
                if event == "call" and _key(frame.f_code) in codes and frame.f_back is not None \
                        and not frame.f_back.f_code.co_filename.startswith(_PACKAGE_DIR):
                    seen.append(codes[_key(frame.f_code)])

            sys.setprofile(monitor)
            error, printed = None, io.StringIO()
            try:
                with contextlib.redirect_stdout(printed):  # its OK line is shown only if no call was seen
                    check(*args, **kwargs)
            except CheckFailed as e:
                error = e
            finally:
                switched_off = sys.getprofile() is not monitor
                sys.setprofile(previous)
            if seen:
                raise CheckFailed(f"your code calls {seen[0]}, the kit's own implementation of this exercise: "
                                  "write it yourself; an answer that is or calls it scores nothing.")
            if switched_off:
                raise CheckFailed("the check's call monitor was switched off (sys.setprofile): leave it alone.")
            print(printed.getvalue(), end="")
            if error is not None:
                raise error
        return wrapper
    return decorate


# what hidden tests call by name in the notebook's namespace, and where each must come from
_BUILTINS = ("abs", "all", "any", "float", "isinstance", "len", "list", "min", "range", "set", "sum", "type")
# (not `losses`: a lab may well keep its loss history under that name)
_MODULES = {"torch": "torch", "nn": "torch.nn", "math": "math", "np": "numpy", "gankit": "gankit"}
_HOMES = {"torch": ("torch",), "torch.nn.functional": ("torch",), "torch.Tensor": ("torch",), "math": ("math",),
          "numpy": ("numpy",)}


def tampering(namespace: dict) -> list[str]:
    """What a notebook replaced that grading relies on: a Python function put into torch, math, numpy or
    builtins (torch.allclose = lambda *a: True), a builtin or a module name rebound in the notebook."""
    import builtins
    import math

    import numpy
    import torch.nn.functional

    python_made = (types.FunctionType, types.MethodType, functools.partial)
    found = []
    for where, obj in (("torch", torch), ("torch.nn.functional", torch.nn.functional), ("torch.Tensor", torch.Tensor),
                       ("math", math), ("numpy", numpy)):
        for name, value in list(vars(obj).items()):
            if name.startswith("_") and not name.startswith("__"):  # private helpers (torch's own from typing)
                continue
            if isinstance(value, python_made) \
                    and not (getattr(value, "__module__", None) or "").startswith(_HOMES[where]):
                found.append(f"{where}.{name}")
    # builtins: only those hidden tests use (kernels and debuggers add their own to the module)
    found += [f"builtins.{name}" for name in _BUILTINS if isinstance(getattr(builtins, name), python_made)]
    found += [name for name in _BUILTINS if name in namespace and callable(namespace[name])
              and namespace[name] is not getattr(builtins, name)]
    found += [name for name, module in _MODULES.items() if name in namespace and module in sys.modules
              and namespace[name] is not sys.modules[module]]
    return found


def refuse_tampering(namespace: dict) -> None:
    """CheckFailed naming what the notebook replaced, if anything (see `tampering`): every check and
    `fresh` start here, so a check is never judged with a replaced torch.allclose or abs."""
    replaced = tampering(namespace)
    if replaced:
        raise CheckFailed(f"the notebook replaced {', '.join(replaced[:5])}, which grading relies on: "
                          "an answer may define its own names, not rebind Python's, torch's or the kit's.")


def fresh(lab):
    """A copy of a lab's checks (`lab`: the module or its name, e.g. "evaluation") loaded anew from
    gankit's files, with the kit's modules it uses: untouched by anything a notebook replaced in
    gankit (a check, a helper, a reference implementation). Hidden tests grade through it. Its
    checks print nothing when they pass: the visible check has said so already.

    Raises CheckFailed when the calling notebook replaced what grading relies on outside gankit
    (see `tampering`). The notebook's own gankit modules are put back afterwards; the copy's
    delegation guard recognises the notebook's copies of the kit's functions too (by where they
    were written).
    """
    refuse_tampering(sys._getframe(1).f_globals)
    name = lab if isinstance(lab, str) else lab.__name__.rsplit(".", 1)[-1]
    ours = {k: v for k, v in sys.modules.items() if k == "gankit" or k.startswith("gankit.")}
    for k in ours:
        del sys.modules[k]
    try:
        importlib.import_module("gankit.checks").passed = lambda what: None  # before the lab's checks bind it
        return importlib.import_module(f"gankit.checks.{name}")
    finally:
        for k in [k for k in sys.modules if k == "gankit" or k.startswith("gankit.")]:
            del sys.modules[k]
        sys.modules.update(ours)
