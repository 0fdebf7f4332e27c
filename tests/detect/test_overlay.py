"""Detection overlays: stored in the project, boxes mapped onto the canvas through each clip."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import vnb
from vnb.detect import Detections, overlay_boxes, set_overlay
from vnb.errors import DetectionError, ProjectError
from vnb.schema.detection import MAX_ROWS

CANVAS = (1280, 720)


@pytest.fixture(scope="module")
def astronaut(still_video):
    video = still_video("astronaut", seconds=2.0)
    return video, vnb.detect.analyze(video, size=288, progress=False)


def _placed_project(video, **clip):
    p = vnb.Project(width=CANVAS[0], height=CANVAS[1], fps=10)
    p.add_track("video").add_clip(str(video), **clip)
    return p


def test_boxes_follow_the_clips_scale_and_position(astronaut, photo):
    video, dets = astronaut
    p = _placed_project(
        video,
        start=0.5,
        source_start=0.3,
        duration=1.5,
        transform={"scale": 0.5, "x": 200, "y": -100},
    )
    events = []
    p.on_change(lambda project: events.append(len(project.overlays)))
    overlay = p.add_overlay(dets)
    assert events == [1]
    assert p.overlays == [overlay] and overlay.count == len(dets)
    got = overlay_boxes(p, 1.0)
    assert len(got) == 1
    box = got[0]
    # Timeline 1.0 s shows source 0.3 + 0.5 = 0.8 s: analysed frame 8 (every frame at 10 fps).
    (expected,) = dets.at(8).xyxy
    # 512×512 fitted into 1280×720 (×720/512), halved: 360 px square, centre moved by (200, -100).
    side = 512 * 720 / 512 * 0.5
    left, top = 640 + 200 - side / 2, 360 - 100 - side / 2
    k = side / 512
    want = (
        left + expected[0] * k,
        top + expected[1] * k,
        left + expected[2] * k,
        top + expected[3] * k,
    )
    assert [box[n] for n in ("x1", "y1", "x2", "y2")] == pytest.approx(want, abs=1.0)
    assert box["class_name"] == "person" and box["overlay"] == 0 and box["clip_id"] == "c1"
    (track,) = dets.track_ids
    assert box["track_id"] == track
    assert box["score"] == pytest.approx(float(dets.at(8).score[0]), abs=1e-4)
    assert box["label"] == f"person {box['score']:.2f} #{track}"
    # The composed frame shows, inside the mapped box, the photo's content of the source box.
    frame = p.frame_at(1.0)
    x1, y1, x2, y2 = (round(box[n]) for n in ("x1", "y1", "x2", "y2"))
    shown = frame[y1:y2, x1:x2].astype(float)
    sx1, sy1, sx2, sy2 = (round(float(v)) for v in expected)
    source = np.asarray(
        Image.fromarray(photo("astronaut")[sy1:sy2, sx1:sx2]).resize((x2 - x1, y2 - y1))
    ).astype(float)
    psnr = 10 * np.log10(255**2 / np.mean((shown - source) ** 2))
    assert psnr > 22, psnr
    # Before the clip starts and past the end: nothing.
    assert overlay_boxes(p, 0.2) == []
    assert overlay_boxes(p, 5.0) == []


def test_filters_and_set_overlay(astronaut):
    video, dets = astronaut
    p = _placed_project(video, duration=2)
    p.add_overlay(dets, classes=["cat"])
    assert overlay_boxes(p, 0.5) == []
    events = []
    p.on_change(lambda project: events.append(project.overlays[0].classes))
    set_overlay(p, 0, classes=["person"])
    assert events == [["person"]]
    assert [b["class_name"] for b in overlay_boxes(p, 0.5)] == ["person"]
    set_overlay(p, 0, classes=None, min_score=0.99)
    assert overlay_boxes(p, 0.5) == []
    assert len(events) == 2  # one edit, one event
    set_overlay(p, 0, min_score=0.0)
    assert len(overlay_boxes(p, 0.5)) == 1
    with pytest.raises(ProjectError, match=r"overlays\[0\]\.min_score"):
        set_overlay(p, 0, min_score=1.5)
    with pytest.raises(ProjectError, match=r"overlays\[3\]: no such overlay"):
        set_overlay(p, 3, burn=True)
    assert p.overlays[0].min_score == 0.0
    vnb.detect.overlay.remove_overlay(p, 0)
    assert p.overlays == [] and overlay_boxes(p, 0.5) == []


def test_nearest_analysed_frame_through_speed_and_crop(pan_video):
    dets = vnb.detect.analyze(pan_video, every=3, progress=False)
    cups = dets.of_class("cup")
    p = vnb.Project(width=600, height=400, fps=10)
    clip = p.add_track("video").add_clip(
        str(pan_video), start=1.0, source_start=0.5, duration=1.0, speed=2,
        transform={"crop": {"left": 0.5}, "fit": "fill"},
    )  # fmt: skip
    p.add_overlay(cups)
    for t in (1.0, 1.2, 1.5, 1.9):
        source_time = clip.source_start + (t - clip.start) * clip.speed
        nearest = cups.analyzed_times[np.argmin(abs(cups.analyzed_times - source_time))]
        (box,) = cups[np.isclose(cups.time, nearest)].xyxy
        got = overlay_boxes(p, t)
        # The right half (300×400) of the source fills the 600×400 canvas: doubled to
        # 600×800, centred (y from -200), clipped to the canvas.
        x1, x2 = (box[0] - 300) * 2, (box[2] - 300) * 2
        y1, y2 = box[1] * 2 - 200, box[3] * 2 - 200
        if x2 <= 0:
            assert got == []
            continue
        (b,) = got
        want = (max(0.0, x1), min(600.0, x2), max(0.0, y1), min(400.0, y2))
        assert (b["x1"], b["x2"], b["y1"], b["y2"]) == pytest.approx(want, abs=1.5), t


def test_saved_with_the_project(tmp_path, astronaut):
    video, dets = astronaut
    p = _placed_project(video, duration=2)
    p.add_overlay(dets, classes=["person"], min_score=0.2, burn=True)
    (tmp_path / "a").mkdir()
    p.save(tmp_path / "a" / "p.vnb.json")
    q = vnb.load(tmp_path / "a" / "p.vnb.json")
    assert q.overlays == p.overlays
    assert overlay_boxes(q, 0.5) == overlay_boxes(p, 0.5)
    # Saved elsewhere, the overlay's source keeps pointing at the same file.
    (tmp_path / "b").mkdir()
    q.save(tmp_path / "b" / "p.vnb.json")
    r = vnb.load(tmp_path / "b" / "p.vnb.json")
    assert overlay_boxes(r, 0.5) == overlay_boxes(p, 0.5)


def test_limits_and_bad_detections(astronaut):
    video, dets = astronaut
    p = _placed_project(video, duration=2)
    n = MAX_ROWS + 1
    big = Detections(
        frame=np.zeros(n), time=np.zeros(n), xyxy=np.zeros((n, 4)), score=np.ones(n),
        class_id=np.zeros(n), class_name=np.full(n, "person"), track_id=np.full(n, -1),
        analyzed_frames=[0], analyzed_times=[0.0], meta=dets.meta,
    )  # fmt: skip
    with pytest.raises(DetectionError, match=r"more than an overlay holds \(250000\)"):
        p.add_overlay(big)
    with pytest.raises(DetectionError, match="which video"):
        p.add_overlay(Detections.empty())
    assert p.overlays == []


def test_overlay_edits_undo(astronaut):
    from vnb import edit

    video, dets = astronaut
    p = _placed_project(video, duration=2)
    history = edit.History(p)
    p.add_overlay(dets)
    set_overlay(p, 0, burn=True)
    p.blur(dets)
    history.undo()
    assert p.redactions == [] and p.overlays[0].burn
    history.undo()
    assert not p.overlays[0].burn
    history.undo()
    assert p.overlays == []
    history.redo()
    assert len(overlay_boxes(p, 0.5)) == 1
