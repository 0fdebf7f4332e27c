"""What a Python function's output depends on besides its arguments: its code and captures.

A Python effect reads more than its parameters: constants from the notebook's globals
(``GAIN = 1.2``), values in closure cells, helpers it calls. `fingerprint` hashes the
function's code together with everything it captures — closure cells, default values, and
every global name its code (and the code of functions nested in it) refers to, resolved in
the function's globals, recursively through the functions it calls. So changing ``GAIN`` (or
re-running the cell that defines it) changes the fingerprint, and cached frames of the old
value are never shown.

Hashed by content: ``None``, numbers, strings, bytes, tuples, lists, sets, dicts of those,
numpy arrays and scalars, functions (their code and captures), ``functools.partial``. By name
only: modules, classes, builtins and numpy ufuncs (what they do is the library's). Anything
else (an open model, a PIL image, an object of the user's class) cannot be hashed: then
`fingerprint` returns None and the caller does not cache.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import struct
import types
from typing import Any

__all__: list[str] = []  # internal: used only inside its own package

_MAX_DEPTH = 24
_MAX_ITEMS = 100_000
_ATOMS = (bool, int, float, complex, str, bytes, type(None), type(Ellipsis))


class _Unhashable(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def fingerprint(fn: Any) -> tuple[str | None, str]:
    """``(hex digest, "")`` of what ``fn`` computes with, or ``(None, why)`` if it cannot be hashed.

    ``why`` names the first captured value that could not be hashed (``global 'model'``).
    """
    h = hashlib.sha256()
    try:
        _feed(h, fn, {}, 0, "the function")
    except _Unhashable as err:
        return None, err.what
    except RecursionError:
        return None, "a captured value nested too deeply"
    return h.hexdigest(), ""


def _globals_of(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _globals_of(const)
    return names


def _feed(h: Any, value: Any, seen: dict[int, int], depth: int, where: str) -> None:
    if depth > _MAX_DEPTH or len(seen) > _MAX_ITEMS:
        msg = f"{where} (nested too deeply or too large)"
        raise _Unhashable(msg)
    kind = type(value)
    if isinstance(value, _ATOMS):
        h.update(f"{kind.__name__}:{value!r};".encode())
        return
    if id(value) in seen:  # a cycle or a shared value: refer to its first appearance
        h.update(struct.pack("<q", seen[id(value)]))
        return
    seen[id(value)] = len(seen)
    if (
        _feed_function(h, value, seen, depth, where)
        or _feed_container(h, value, seen, depth, where)
        or _feed_named(h, value)
        or _feed_numpy(h, value)
        or _feed_wrapper(h, value, seen, depth, where)
    ):
        return
    msg = f"{where} (a {kind.__module__}.{kind.__qualname__})"
    raise _Unhashable(msg)


def _feed_function(h: Any, value: Any, seen: dict[int, int], depth: int, where: str) -> bool:
    """Feed a Python function: its code, defaults, closure and the globals it reads."""
    if not isinstance(value, types.FunctionType):
        return False
    code = value.__code__
    h.update(b"fn:" + marshal.dumps(code))
    _feed(h, value.__defaults__, seen, depth + 1, f"{where}: defaults")
    _feed(h, value.__kwdefaults__, seen, depth + 1, f"{where}: defaults")
    for name, cell in zip(code.co_freevars, value.__closure__ or (), strict=False):
        try:
            inner = cell.cell_contents
        except ValueError:  # an empty cell: a name not yet bound
            inner = None
        h.update(f"cell:{name};".encode())
        _feed(h, inner, seen, depth + 1, f"closure variable {name!r}")
    glob = value.__globals__
    for name in sorted(_globals_of(code)):
        if name in glob:  # else a builtin or an attribute name
            h.update(f"global:{name};".encode())
            _feed(h, glob[name], seen, depth + 1, f"global {name!r}")
    return True


def _feed_container(h: Any, value: Any, seen: dict[int, int], depth: int, where: str) -> bool:
    """Feed a tuple, list, set or dict, item by item (sets and dict keys in a stable order)."""
    if isinstance(value, tuple | list | frozenset | set):
        items = list(value)
        if isinstance(value, frozenset | set):
            items = sorted(items, key=repr)
        h.update(f"{type(value).__name__}[{len(items)}];".encode())
        for i, item in enumerate(items):
            _feed(h, item, seen, depth + 1, f"{where}[{i}]")
        return True
    if isinstance(value, dict):
        h.update(f"dict[{len(value)}];".encode())
        for key in sorted(value, key=repr):
            _feed(h, key, seen, depth + 1, where)
            _feed(h, value[key], seen, depth + 1, f"{where}[{key!r}]")
        return True
    return False


def _feed_named(h: Any, value: Any) -> bool:
    """Feed a module, class or built-in function by its name."""
    if isinstance(value, types.ModuleType):
        h.update(f"module:{value.__name__};".encode())
        return True
    if isinstance(value, type | types.BuiltinFunctionType):
        h.update(f"named:{getattr(value, '__module__', '')}.{value.__qualname__};".encode())
        return True
    return False


def _feed_wrapper(h: Any, value: Any, seen: dict[int, int], depth: int, where: str) -> bool:
    """Feed what a partial, a bound method or a `PythonEffect` used as a helper wraps."""
    if isinstance(value, functools.partial):
        _feed(h, (value.func, value.args, value.keywords), seen, depth + 1, where)
        return True
    if isinstance(value, types.MethodType):
        _feed(h, (value.__func__, value.__self__), seen, depth + 1, where)
        return True
    fn = getattr(value, "fn", None)  # a PythonEffect used as a helper: its function
    if type(value).__name__ == "PythonEffect" and callable(fn):
        _feed(h, fn, seen, depth + 1, where)
        return True
    return False


def _feed_numpy(h: Any, value: Any) -> bool:
    import sys  # noqa: PLC0415

    np = sys.modules.get("numpy")
    if np is None:
        return False
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            return False
        h.update(f"ndarray:{value.dtype.str}:{value.shape};".encode())
        h.update(value.tobytes())
        return True
    if isinstance(value, np.generic) and not isinstance(value, np.object_):
        h.update(f"npscalar:{value.dtype.str};".encode() + value.tobytes())
        return True
    if isinstance(value, np.ufunc | np.dtype):
        h.update(f"np:{value!r};".encode())
        return True
    return False
