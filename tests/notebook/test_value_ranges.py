"""The editor's value ranges have one source, Python: the widget takes them from the traits.

Every number control of the inspector and the overlay filter's slider carries its minimum,
maximum and step (and a logarithmic slider its middle) in the ``inspector`` and ``overlays``
traits; the ranges lie inside what the schema accepts; and the widget's own slider mapping
(logic.js ``logSlider``, run in node) puts Python's middle in the middle of Python's range.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("anywidget", reason="the notebook extra (anywidget, ipywidgets) is needed")

import vnb
from vnb.notebook.view import inspector_view, overlays_view, set_overlay_filters

from .test_overlay import made_up

WIDGETS = Path(__file__).resolve().parents[2] / "widgets"
NODE = shutil.which("node")


def number_fields(project: vnb.Project, clip_id: str) -> list[dict]:
    view = inspector_view(project, clip_id)
    fields = [f for f in view["fields"] if f["type"] == "number"]
    fields += [p for e in view["effects"] for p in e["params"] if p["type"] == "number"]
    return fields


@pytest.fixture
def edited(project, testsrc) -> vnb.Project:
    project.tracks[0].clips[0].effects.append(vnb.effects.brightness(0.1))
    project.add_overlay(made_up(testsrc))
    return project


def test_every_number_control_carries_its_range(edited):
    fields = number_fields(edited, "a")
    assert {"speed", "volume", "opacity", "transform.scale", "amount"} <= {f["key"] for f in fields}
    for f in fields:
        assert {"min", "max", "step"} <= f.keys(), f
        assert f["step"] > 0, f
        if f.get("scale") == "log":
            low, high, mid = f["min"], f["max"], f["mid"]
            assert low < mid and mid - low < (high - low) / 2, f  # a true logarithmic slider
    logs = {f["key"] for f in fields if f.get("scale") == "log"}
    assert logs == {"speed", "volume", "transform.scale"}
    (overlay,) = overlays_view(edited)
    assert overlay["min_score_range"] == {"min": 0.0, "max": 1.0, "step": 0.01}


def test_the_ranges_lie_inside_what_the_schema_accepts(edited):
    clip = edited.tracks[0].clips[0]
    fields = [f for f in inspector_view(edited, "a")["fields"] if f["type"] == "number"]
    for f in fields:
        for bound in (f["min"], f["max"]):
            if bound is None or f["key"] in ("start", "duration"):
                continue
            data = clip.model_dump()
            target = data["transform"] if f["key"].startswith("transform.") else data
            target[f["key"].removeprefix("transform.")] = bound
            type(clip).model_validate(data)  # raises when the inspector offers a refused value
    score = overlays_view(edited)[0]["min_score_range"]
    for value in (score["min"], score["max"]):
        set_overlay_filters(edited, {"index": 0, "min_score": value})
    with pytest.raises(vnb.errors.ProjectError, match=r"must be in \[0, 1\]"):
        set_overlay_filters(edited, {"index": 0, "min_score": score["max"] + 0.01})


@pytest.mark.skipif(NODE is None, reason="node is not installed (needed for JS tests)")
def test_the_widget_maps_pythons_ranges_with_pythons_middle(edited):
    logs = [f for f in number_fields(edited, "a") if f.get("scale") == "log"]
    script = (
        "const { logSlider } = await import(process.argv[1]);"
        "const fields = JSON.parse(process.argv[2]);"
        "console.log(JSON.stringify(fields.map((f) => { const s = logSlider(f.min, f.max, f.mid);"
        " return [s.toValue(0), s.toValue(0.5), s.toValue(1), s.toPosition(f.mid)]; })));"
    )
    done = subprocess.run(
        [
            NODE,
            "--input-type=module",
            "-e",
            script,
            "--",
            (WIDGETS / "logic.js").as_uri(),
            json.dumps(logs),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for f, (low, mid, high, position) in zip(logs, json.loads(done.stdout), strict=True):
        assert low == pytest.approx(f["min"]) and high == pytest.approx(f["max"]), f
        assert mid == pytest.approx(f["mid"]) and position == pytest.approx(0.5), f
