"""What an editor costs on the wire (issue #13: at most 80 KB, the bundle sent once per kernel).

`benchmarks/payload_bench.py` measures it on a 3-track project; this checks the same bound on
the test project, with the same measure.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("anywidget", reason="the notebook extra (anywidget, ipywidgets) is needed")

_spec = importlib.util.spec_from_file_location(
    "payload_bench", Path(__file__).resolve().parents[2] / "benchmarks" / "payload_bench.py"
)
assert _spec is not None and _spec.loader is not None
payload_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(payload_bench)
GOAL, comm_open_bytes = payload_bench.GOAL, payload_bench.comm_open_bytes


def test_editors_cost_little_and_share_the_bundle(project, make_editor):
    first, _ = make_editor(project, selection="a")
    second, _ = make_editor(project)
    sizes, per_editor = comm_open_bytes(first)
    shared = comm_open_bytes(first.bundle)[1]
    assert sizes["esm"] < 1024 and sizes["css"] == 0  # the loader; the CSS comes with the bundle
    assert per_editor + shared <= GOAL, (sizes, shared)
    assert comm_open_bytes(second)[1] < 16 * 1024  # the second editor: its own state only
    assert second.bundle is first.bundle  # one bundle for both
    assert shared > 30 * 1024  # … which is the whole editor module
