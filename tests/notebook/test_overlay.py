"""The detection overlay in the editor, without a browser: boxes travel with each frame, the
filters the browser sends change the project (one undo step), bad messages are refused.

The detections are made by hand on the testsrc2 fixture (so their positions are known): a
"person" (track 7) whose box moves 100 px right per second of source, and an untracked "cup"
with a low score.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

pytest.importorskip("anywidget", reason="the notebook extra (anywidget, ipywidgets) is needed")

from PIL import Image

import vnb
from vnb.detect import Detections, overlay_boxes
from vnb.preview import frame_at


def deliver(editor, content):
    editor._handle_custom_msg(content, [])


def made_up(source, fps=30.0) -> Detections:
    """A person moving right at 100 px/s and a still cup, on every 3rd frame of 4 s."""
    times = np.arange(0, 4, 3 / fps)
    n = len(times)
    person = np.column_stack([10 + 100 * times, 40 + 0 * times, 70 + 100 * times, 200 + 0 * times])
    cup = np.tile([200.0, 150.0, 240.0, 200.0], (n, 1))
    frames = np.round(times * fps).astype(np.int64)
    return Detections(
        frame=np.concatenate([frames, frames]),
        time=np.concatenate([times, times]),
        xyxy=np.concatenate([person, cup]).astype(np.float32),
        score=np.concatenate([np.full(n, 0.9), np.full(n, 0.3)]).astype(np.float32),
        class_id=np.concatenate([np.zeros(n, np.int64), np.full(n, 41)]),
        class_name=np.array(["person"] * n + ["cup"] * n),
        track_id=np.concatenate([np.full(n, 7), np.full(n, -1)]).astype(np.int64),
        analyzed_frames=frames,
        analyzed_times=times,
        meta={"source": str(source), "width": 320, "height": 240, "fps": fps, "every": 3},
    )


@pytest.fixture
def overlaid(project, testsrc) -> vnb.Project:
    project.add_overlay(made_up(testsrc))
    return project


def frame_reply(editor, sent, t, id_="f"):
    deliver(editor, {"kind": "frame", "id": id_, "t": t, "width": 320})
    content, buffers = sent.last("frame")
    assert content["id"] == id_ and content["ok"], content
    return content, buffers


def test_frames_carry_the_boxes_at_their_time(overlaid, make_editor):
    editor, sent = make_editor(overlaid)
    assert editor.overlays == [
        {
            "index": 0,
            "name": "testsrc.mp4",
            "available": ["cup", "person"],
            "classes": None,
            "min_score": 0.0,
            "min_score_range": {"min": 0.0, "max": 1.0, "step": 0.01},  # Overlay.min_score's
            "burn": False,
        }
    ]
    # clip a shows source 0.5 s at 0.5 s; clip b (source_start 1) shows source 2.5 s at 3.5 s
    for t, source_t in ((0.5, 0.5), (3.5, 2.5)):
        content, buffers = frame_reply(editor, sent, t)
        boxes = content["boxes"]
        assert boxes == [dict(b) for b in overlay_boxes(overlaid, t)]
        person = next(b for b in boxes if b["class_name"] == "person")
        assert person["track_id"] == 7 and person["clip_id"] == ("a" if t < 2 else "b")
        assert person["x1"] == pytest.approx(10 + 100 * source_t, abs=0.01)
        assert (person["y1"], person["y2"]) == pytest.approx((40, 200))
        cup = next(b for b in boxes if b["class_name"] == "cup")
        assert cup["track_id"] is None and cup["score"] == pytest.approx(0.3)
        assert content["content"] == editor.timeline["content"]
        picture = np.asarray(Image.open(io.BytesIO(bytes(buffers[0]))).convert("RGB"))
        want = frame_at(overlaid, t, size=(320, 240))
        assert np.abs(picture.astype(int) - want).mean() < 5  # frame_at's picture (JPEG noise)


def test_a_project_without_overlays_sends_no_boxes(project, make_editor):
    editor, sent = make_editor(project)
    assert editor.overlays == []
    content, _ = frame_reply(editor, sent, 1.0)
    assert "boxes" not in content


def test_filters_from_the_browser_change_the_project_and_undo(overlaid, make_editor):
    editor, sent = make_editor(overlaid)
    before = editor.timeline["content"]
    deliver(editor, {"kind": "overlay", "index": 0, "classes": ["person"], "min_score": 0.5})
    assert (overlaid.overlays[0].classes, overlaid.overlays[0].min_score) == (["person"], 0.5)
    assert editor.overlays[0]["classes"] == ["person"]
    assert editor.overlays[0]["min_score"] == 0.5
    assert editor.timeline["content"] != before  # the browser's cached frames are not reused
    content, _ = frame_reply(editor, sent, 0.5)
    assert [b["class_name"] for b in content["boxes"]] == ["person"]
    assert editor.history.undo_label == "change detection filters"
    deliver(editor, {"kind": "edit", "id": 1, "op": "undo"})
    assert overlaid.overlays[0].classes is None and overlaid.overlays[0].min_score == 0.0
    assert editor.timeline["content"] == before  # undo finds the frames of before again
    deliver(editor, {"kind": "overlay", "index": 0, "classes": []})  # every class off
    content, _ = frame_reply(editor, sent, 0.5, "g")
    assert content["boxes"] == []
    assert editor.error == ""


@pytest.mark.parametrize(
    ("msg", "words"),
    [
        ({"index": 3, "min_score": 0.5}, "overlays[3]"),
        ({"index": "0", "min_score": 0.5}, "'index' must be an integer"),
        ({"index": 0, "classes": "person"}, "'classes' must be a list"),
        ({"index": 0, "min_score": 2}, "'min_score' must be in [0, 1]"),
    ],
)
def test_bad_overlay_messages_are_refused(overlaid, make_editor, msg, words):
    editor, _ = make_editor(overlaid)
    before = overlaid.model_dump()
    deliver(editor, {"kind": "overlay", **msg})
    assert words in editor.error and editor.error.startswith("Refused")
    assert overlaid.model_dump() == before
    assert editor.history.undo_label is None


def test_the_selected_track_is_a_trait(overlaid, make_editor):
    editor, _ = make_editor(overlaid, selected_track=7)
    assert editor.selected_track == 7
    editor.selected_track = None  # what a second click on the box sends
    assert editor.get_state("selected_track") == {"selected_track": None}
