"""Where the widgets' ES modules and CSS are: the checkout's ``widgets/``, or the wheel's copy.

In a source checkout (or an editable install) the files are used in place, so anywidget's hot
reload (``ANYWIDGET_HMR=1``) sees edits. An installed wheel carries them as ``vnb/_widgets``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["asset"]

_PACKAGE = Path(__file__).resolve().parent.parent


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
