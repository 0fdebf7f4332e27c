"""Where the editor's built front end is, and the one shared widget model that carries it.

``widgets/`` holds the source (plain ES modules and CSS; `node --test` tests them in place).
``npm run build`` in ``widgets/`` bundles them with esbuild into ``vnb/notebook/static/``:
``editor.js`` (the editor), ``editor.css`` and ``loader.js``. They are committed: a checkout, an
editable install and the wheel all use them without node, and CI checks that they equal a fresh
build (``npm run check``).

Sent once per page, not per editor: an editor's ``_esm`` is ``loader.js`` (under 1 KB) and it
has no ``_css``; the bundle and the stylesheet travel once per kernel in `shared_bundle`, a
plain widget model every editor names in its ``bundle`` trait, and the loader evaluates the
module and adds the stylesheet once per page. This needs nothing but the kernel's comm (no
server extension), so it works wherever widgets do.

Hot reload: with ``ANYWIDGET_HMR=1`` (and the ``watchfiles`` package) the editor's ``_esm`` and
``_css`` are ``editor.js`` and ``editor.css`` themselves as `pathlib.Path` s, which anywidget
watches and re-sends on every change: run ``npm run build -- --watch`` in ``widgets/``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import ipywidgets
import traitlets as t

__all__ = [
    "EDITOR_CSS",
    "EDITOR_ESM",
    "HOT_RELOAD",
    "LOADER_ESM",
    "STATIC",
    "editor_esm",
    "shared_bundle",
]

STATIC = Path(__file__).resolve().parent / "static"
"""The folder of the built front end."""
EDITOR_ESM = STATIC / "editor.js"
"""The editor's bundled ES module."""
EDITOR_CSS = STATIC / "editor.css"
"""The editor's stylesheet (``_css``)."""
LOADER_ESM = STATIC / "loader.js"
"""The per-editor module that renders with the shared bundle."""


HOT_RELOAD = os.environ.get("ANYWIDGET_HMR") == "1"
"""Whether anywidget's hot reload is on (when vnb.notebook.editor was imported)."""


def editor_esm() -> Path:
    """What an editor's ``_esm`` is: the loader, or with hot reload the bundle itself."""
    return EDITOR_ESM if HOT_RELOAD else LOADER_ESM


class _Bundle(ipywidgets.Widget):
    """The editor's ES module as a widget model without a view, shared by every editor."""

    esm = t.Unicode("").tag(sync=True)
    """The text of ``editor.js``."""
    css = t.Unicode("").tag(sync=True)
    """The text of ``editor.css``."""
    key = t.Unicode("").tag(sync=True)
    """Their digest: the page evaluates each different module once."""


_shared: _Bundle | None = None


def shared_bundle() -> ipywidgets.Widget:
    """The kernel's one widget model carrying ``editor.js`` (made again once it was closed)."""
    global _shared  # noqa: PLW0603 (one per kernel is the point)
    if _shared is None or _shared.comm is None:
        esm = EDITOR_ESM.read_text(encoding="utf-8")
        css = EDITOR_CSS.read_text(encoding="utf-8")
        key = hashlib.sha256(f"{esm}\0{css}".encode()).hexdigest()[:16]
        _shared = _Bundle(esm=esm, css=css, key=key)
    return _shared
