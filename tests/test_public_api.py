"""The public surface: what ``import vnb`` offers, and what every module's ``__all__`` promises.

A name in an ``__all__`` is public: the README, the tutorials or ``vnb/__init__.py`` present it,
or another vnb package imports it. Everything else stays out of ``__all__``. The checks read the
source (no import), so a module that needs an optional package is checked too.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

import vnb

PACKAGE = Path(vnb.__file__).parent

# What `import vnb` offers. A change here is a change of the product's face: update the README.
TOP_LEVEL = [
    "Project", "VnbError", "__version__", "cache", "demo", "detect", "doctor", "edit", "effects",
    "errors", "ffmpeg", "load", "load_ipython_extension", "media", "notebook", "plan", "preview",
    "project", "render", "render_many", "schema", "set_language", "telemetry", "templates",
    "text", "unload_ipython_extension",
]  # fmt: skip


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _path_of(module: str) -> Path | None:
    base = PACKAGE.parent.joinpath(*module.split("."))
    for path in (base / "__init__.py", base.with_suffix(".py")):
        if path.is_file():
            return path
    return None


@functools.cache
def _parse(path: Path) -> tuple[ast.Module, list[str]]:
    source = path.read_text(encoding="utf-8")
    return ast.parse(source), source.splitlines()


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield _module_name(path), path


def _all_of(tree: ast.Module) -> list[str] | None:
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if isinstance(target, ast.Name) and target.id == "__all__":
            assert isinstance(node.value, ast.List | ast.Tuple), "__all__ must be a literal list"
            return [ast.literal_eval(element) for element in node.value.elts]
    return None


def _statements(body: list[ast.stmt]) -> Iterator[tuple[ast.stmt, ast.stmt | None]]:
    """Module-level statements (also inside ``if``/``try``), each with the one after it."""
    for index, node in enumerate(body):
        yield node, body[index + 1] if index + 1 < len(body) else None
        if isinstance(node, ast.If | ast.Try):
            for block in (node.body, node.orelse, *(h.body for h in getattr(node, "handlers", []))):
                yield from _statements(block)


def _assigns(node: ast.stmt, name: str) -> bool:
    if isinstance(node, ast.AnnAssign):
        targets = [node.target]
    elif isinstance(node, ast.Assign):
        targets = node.targets
    else:
        return False
    return any(isinstance(t, ast.Name) and t.id == name for t in targets)


def _documented(module: str, name: str, depth: int = 0) -> bool:
    """Whether ``module.name`` (``module`` itself when ``name`` is empty) has a docstring.

    Re-exports are followed to the definition.
    Functions and classes need their own docstring, submodules a module docstring, constants
    an attribute docstring (a string right after the assignment) or a ``#:`` comment above it.
    """
    assert depth < 10, f"{module}.{name}: a cycle of re-exports"
    path = _path_of(module)
    assert path is not None, module
    tree, lines = _parse(path)
    for node, following in _statements(tree.body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if node.name == name:
                return bool(ast.get_docstring(node))
        elif _assigns(node, name):
            before = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
            after_is_text = (
                isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            )
            return after_is_text or before.startswith("#:")
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("vnb"):
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    if _path_of(f"{node.module}.{alias.name}"):  # `from vnb import effects`
                        return _documented(f"{node.module}.{alias.name}", "", depth + 1)
                    return _documented(node.module, alias.name, depth + 1)
    if not name:
        return bool(ast.get_docstring(tree))
    for node in tree.body:  # a lazy attribute: `from ... import name` in `__getattr__`
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__":
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and any(a.name == name for a in inner.names):
                    return _documented(str(inner.module), name, depth + 1)
    if _path_of(f"{module}.{name}") is not None:  # a submodule
        return _documented(f"{module}.{name}", "", depth + 1)
    msg = f"{module}.__all__ names {name!r}, which the module does not define"
    raise AssertionError(msg)


def _undocumented() -> list[str]:
    return [
        f"{module}.{name}"
        for module, path in _modules()
        for name in _all_of(_parse(path)[0]) or []
        if not name.startswith("__") and not _documented(module, name)
    ]


def _private() -> list[str]:
    return [
        f"{module}.{name}"
        for module, path in _modules()
        for name in _all_of(_parse(path)[0]) or []
        if name.startswith("_") and not name.startswith("__")  # `__version__` is public
    ]


def test_the_top_level_names_of_vnb_are_pinned():
    assert sorted(vnb.__all__) == TOP_LEVEL
    for name in TOP_LEVEL:
        assert getattr(vnb, name) is not None, name
    assert isinstance(vnb.__version__, str)


def test_every_exported_name_has_a_docstring():
    assert _undocumented() == []


def test_no_all_lists_a_private_name():
    assert _private() == []


def test_every_module_says_what_is_public():
    # An explicit (possibly empty) __all__ everywhere but the entry point `python -m vnb`.
    unsaid = [m for m, p in _modules() if _all_of(_parse(p)[0]) is None]
    assert unsaid == ["vnb.__main__"]


def test_the_checks_can_fail(tmp_path, monkeypatch):
    assert _documented("vnb", "Project")  # re-exported: vnb.schema.project's docstring
    fake = tmp_path / "vnb"
    fake.mkdir()
    (fake / "__init__.py").write_text(
        '__all__ = ["X", "_h", "f", "g"]\n'
        "def f():\n    pass\n"
        'def g():\n    """Doc."""\n'
        "def _h():\n    pass\n"
        "#: Doc.\nX = 1\n"
    )
    monkeypatch.setattr(f"{__name__}.PACKAGE", fake)
    assert _undocumented() == ["vnb._h", "vnb.f"]
    assert _private() == ["vnb._h"]
