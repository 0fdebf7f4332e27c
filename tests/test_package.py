"""The package's face: every documented submodule is an attribute of a bare ``import vnb``."""

from __future__ import annotations

import subprocess
import sys

import pytest

import vnb

DOCUMENTED = ["cache", "detect", "edit", "effects", "errors", "media", "notebook", "plan",
              "preview", "render", "schema", "templates", "text"]  # fmt: skip


def test_documented_submodules_are_reachable_after_a_bare_import():
    code = (
        "import sys, vnb\n"
        f"for name in {DOCUMENTED!r}:\n"
        "    assert getattr(vnb, name) is sys.modules['vnb.' + name], name\n"
        "print(vnb.templates.picture_in_picture.__name__)\n"  # as the README writes it
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=120
    )
    assert out.stdout.strip() == "picture_in_picture"


def test_import_vnb_stays_light():
    code = (
        "import sys, vnb\n"
        "heavy = [m for m in ('onnxruntime', 'anywidget', 'vnb.render', 'vnb.detect') "
        "if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[]"


def test_unknown_attributes_still_raise():
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        vnb.nonsense  # noqa: B018
    assert "templates" in dir(vnb)
