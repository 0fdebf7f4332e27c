"""Where the widgets' ES modules and CSS are, and the one module text anywidget is given.

In a source checkout (or an editable install) the files are used in place; an installed wheel
carries them as ``vnb/_widgets``.

The editor is several plain ES modules (``widgets/editor.js`` imports ``./logic.js`` and the
others). anywidget loads ``_esm`` from a Blob URL, where a relative import cannot resolve, so
`esm` hands it the entry module with every ``import … from "./x.js"`` (and ``export … from``)
replaced by an import of a ``data:text/javascript;base64,…`` URL holding that module, its own
relative imports inlined the same way first. A module reached along two paths becomes the
same URL (the same text), so the browser evaluates it once. No bundler, no build step: node
and a checkout use the files as they are.

Hot reload: with ``ANYWIDGET_HMR=1`` `esm_contents` watches the widgets folder (polling, no
extra package) and sends the re-inlined module to every open editor when any ``.js`` file in
it changes; anywidget then re-renders the views with it.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import threading
import time
from pathlib import Path
from typing import Any

__all__: list[str] = []  # internal: used only inside its own package

_PACKAGE = Path(__file__).resolve().parent.parent
_log = logging.getLogger("vnb")

# `import {a} from "./x.js"`, `import x from './x.js'`, `export * from "./x.js"`, `import "./x.js"`
# at the start of a line; the names between may span lines.
_RELATIVE = re.compile(
    r"""^(?P<head>(?:import|export)\b[^;'"]*?\bfrom\s*|import\s*)(?P<q>["'])\./(?P<name>[\w.-]+\.js)(?P=q)""",
    re.MULTILINE,
)


def asset(name: str) -> Path:
    """The path of the widget file ``name`` (e.g. ``"editor.js"``).

    Raises:
        FileNotFoundError: neither the checkout nor the installed package has it.
    """
    checkout = _PACKAGE.parent / "widgets" / name
    if (_PACKAGE.parent / "pyproject.toml").is_file() and checkout.is_file():
        return checkout
    installed = _PACKAGE / "_widgets" / name
    if installed.is_file():
        return installed
    msg = f"vnb widget file {name!r} is missing: looked in {checkout} and {installed}"
    raise FileNotFoundError(msg)


def _data_url(text: str) -> str:
    return "data:text/javascript;base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")


def esm(name: str = "editor.js") -> str:
    """The text of module ``name`` with its relative imports inlined as ``data:`` URLs.

    Raises:
        FileNotFoundError: a module, or one it imports, is missing.
        ImportError: the modules import each other in a cycle (which inlining cannot express).
    """
    done: dict[str, str] = {}

    def inline(module: str, stack: tuple[str, ...]) -> str:
        if module in stack:
            chain = " → ".join((*stack[stack.index(module) :], module))
            msg = f"widgets: circular import {chain}"
            raise ImportError(msg)
        if module not in done:
            text = asset(module).read_text(encoding="utf-8")

            def replace(m: re.Match[str]) -> str:
                url = _data_url(inline(m["name"], (*stack, module)))
                return f'{m["head"]}"{url}"'

            done[module] = _RELATIVE.sub(replace, text)
        return done[module]

    return inline(name, ())


def _stamp(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """What changes when a module of ``folder`` is edited: names, mtimes and sizes."""
    try:
        return tuple(
            sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in folder.glob("*.js"))
        )
    except OSError:  # a file replaced while listed: the next look sees it
        return ()


def esm_contents(name: str = "editor.js", *, poll: float = 0.5) -> Any:
    """What an anywidget class takes as ``_esm``: `esm`'s text, hot-reloaded when asked.

    With ``ANYWIDGET_HMR=1`` outside site-packages (a checkout), an anywidget
    ``VirtualFileContents`` whose text is inlined again whenever a ``.js`` file of the widgets
    folder changes (looked at every ``poll`` seconds by a daemon thread, which ends when the
    folder goes); anywidget pushes the new text to the open views. Otherwise the plain text.
    """
    folder = asset(name).parent
    stamp = _stamp(folder)  # before reading: an edit made meanwhile is seen as a change
    text = esm(name)
    if os.environ.get("ANYWIDGET_HMR") != "1" or "site-packages" in folder.parts:
        return text
    try:
        from anywidget._file_contents import VirtualFileContents  # noqa: PLC0415
    except ImportError:  # another anywidget: no hot reload, the text still works
        return text
    contents = VirtualFileContents(text)

    def watch() -> None:
        seen = stamp
        while folder.is_dir():
            time.sleep(poll)
            now = _stamp(folder)
            if now == seen:
                continue
            seen = now
            try:
                contents.contents = esm(name)
            except (OSError, ImportError, UnicodeDecodeError):
                continue  # a file half-written or a cycle being edited: the next change
            except Exception:  # a listener failed; keep watching
                _log.exception("widgets: hot reload")

    threading.Thread(target=watch, name="vnb-widgets-hmr", daemon=True).start()
    return contents
