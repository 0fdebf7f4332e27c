"""Where the editor's built front end is: one ES module and one stylesheet, inside the package.

``widgets/`` holds the source (plain ES modules and CSS; `node --test` tests them in place).
``npm run build`` in ``widgets/`` bundles them with esbuild into ``vnb/notebook/static/editor.js``
and ``editor.css``, which are committed: a checkout, an editable install and the wheel all use
them without node, and CI checks that they equal a fresh build (``npm run check``).

The editor's ``_esm`` and ``_css`` are these paths (`pathlib.Path`), so anywidget's own hot
reload works in a checkout: run ``npm run build -- --watch`` in ``widgets/`` and start Jupyter
with ``ANYWIDGET_HMR=1`` (and the ``watchfiles`` package installed); every rebuild reaches the
open editors.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["EDITOR_CSS", "EDITOR_ESM", "STATIC"]

STATIC = Path(__file__).resolve().parent / "static"
"""The folder of the built front end."""
EDITOR_ESM = STATIC / "editor.js"
"""The editor's bundled ES module (what anywidget is given as ``_esm``)."""
EDITOR_CSS = STATIC / "editor.css"
"""The editor's stylesheet (``_css``)."""
