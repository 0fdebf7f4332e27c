"""Overlay and redaction boxes holding inf or nan are refused, naming the field (issue 12)."""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

import numpy as np
import pytest

import vnb
from vnb.errors import ProjectError


def _detections(box: list[float], time: float = 0.5) -> vnb.detect.Detections:
    data = [{"frame": 5, "time": time, "box": box, "score": 0.9, "class_name": "person",
             "track_id": 1}]  # fmt: skip
    dets = vnb.detect.Detections.from_json(data)
    return dets._with(meta={**dets.meta, "source": "/tmp/a.mp4", "width": 64, "height": 48})


BAD = [math.inf, -math.inf, math.nan]


@pytest.mark.parametrize("value", BAD)
def test_add_overlay_refuses_non_finite_boxes(value: float) -> None:
    p = vnb.Project(width=64, height=48, fps=10)
    with pytest.raises(ProjectError, match=r"overlays\[0\].*rows: item 0 holds"):
        p.add_overlay(_detections([1.0, 2.0, value, 9.0]))
    assert p.overlays == []


@pytest.mark.parametrize("value", BAD)
def test_blur_refuses_non_finite_boxes_and_times(value: float) -> None:
    p = vnb.Project(width=64, height=48, fps=10)
    with pytest.raises(ProjectError, match=r"redactions\[0\].*boxes: item 0 holds"):
        p.blur(_detections([1.0, 2.0, 3.0, value]))
    with pytest.raises(ProjectError, match=r"redactions\[0\].*times: item 0 holds"):
        p.blur(_detections([1.0, 2.0, 3.0, 4.0], time=value))
    assert p.redactions == []


def test_a_saved_document_with_inf_boxes_is_refused_on_load(tmp_path: Path) -> None:
    p = vnb.Project(width=64, height=48, fps=10)
    p.blur(_detections([1.0, 2.0, 3.0, 4.0]))
    path = p.save(tmp_path / "p.vnb.json")
    doc = json.loads(path.read_text())
    boxes = np.array([1.0, 2.0, 3.0, math.inf, 5.0, 6.0, 7.0, 8.0], "<f4")
    doc["redactions"][0]["boxes"] = base64.b64encode(boxes.tobytes()).decode()
    doc["redactions"][0]["times"] = base64.b64encode(np.array([0.5, 0.6], "<f8")).decode()
    path.write_text(json.dumps(doc))
    with pytest.raises(
        ProjectError, match=r"p\.vnb\.json.*redactions\[0\].*boxes: item 0 holds inf"
    ):
        vnb.load(path)
    doc["redactions"][0]["boxes"] = base64.b64encode(boxes[4:].tobytes()).decode()
    doc["redactions"][0]["times"] = base64.b64encode(np.array([0.5], "<f8")).decode()
    path.write_text(json.dumps(doc))
    assert len(vnb.load(path).redactions) == 1
