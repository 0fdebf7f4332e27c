"""Tools the suite takes from the machine (node, fontconfig, Chromium, the test extra's packages).

Without one, a test is skipped with the reason, so that a partial checkout still runs the rest.
``VNB_REQUIRE_TOOLS=1`` turns every such skip into a failure: ``.ci/run`` installs them all and
sets it, so CI never passes by skipping what the repo claims it checks.
"""

from __future__ import annotations

import importlib
import os
import shutil
from types import ModuleType
from typing import NoReturn

import pytest

__all__ = ["ENV", "missing", "module", "required", "unless", "which"]

ENV = "VNB_REQUIRE_TOOLS"


def required() -> bool:
    """Whether a missing tool fails the test (``VNB_REQUIRE_TOOLS`` is set and not ``0``)."""
    return os.environ.get(ENV, "") not in ("", "0")


def missing(reason: str) -> NoReturn:
    """Skip the test (or the module, at import) for ``reason``; fail when tools are required."""
    if required():
        pytest.fail(f"{ENV} is set but {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def unless(reason: str) -> pytest.MarkDecorator:
    """A mark that skips at collection when ``reason`` is not empty.

    When tools are required it does not skip: the test runs and its fixture, calling `missing`,
    fails with the reason.
    """
    return pytest.mark.skipif(bool(reason) and not required(), reason=reason or "-")


def which(name: str, why: str) -> str:
    """The path of the program ``name`` (``why``: what needs it, and how to install it)."""
    path = shutil.which(name)
    if path is None:
        missing(f"{name} is not installed ({why})")
    return path


def module(name: str, why: str = "pip install -e '.[test]'") -> ModuleType:
    """The module ``name`` imported (`pytest.importorskip`, failing when tools are required)."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        missing(f"{name} cannot be imported ({why}): {exc}")
