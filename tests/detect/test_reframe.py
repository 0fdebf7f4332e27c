"""`reframe`: a 9:16 project whose crop follows the subject; markers from detections."""

from __future__ import annotations

import itertools

import av
import numpy as np
import pytest

import vnb
from vnb.errors import DetectionError, ProjectError


@pytest.fixture(scope="module")
def pan_project(pan_video):
    p = vnb.Project(name="pan", width=600, height=400, fps=10)
    p.add_track("video").add_clip(str(pan_video), duration=3)
    return p


def _windows(project):
    """``(source start, source end, x0, x1)`` of each piece, in source pixels (width 600)."""
    out = []
    for clip in project.tracks[0].clips:
        crop = clip.transform.crop
        x0 = 2 * int(crop.left * 600 / 2)
        w = 2 * int((600 - x0 - crop.right * 600) / 2)
        a, b = clip.source_range()
        out.append((a, b, x0, x0 + w))
    return out


def test_reframe_follows_the_subject(tmp_path, pan_video, pan_project):
    dets = vnb.detect.analyze(pan_video, progress=False)
    (tid,) = dets.of_class("cup").track_ids
    vertical = vnb.detect.reframe(pan_project, track_id=tid, aspect="9:16", detections=dets)
    assert (vertical.width, vertical.height) == (224, 400)
    assert (pan_project.width, len(pan_project.tracks[0].clips)) == (600, 1)  # unchanged
    clips = vertical.tracks[0].clips
    assert len(clips) == 3
    assert clips[0].start == 0 and sum(c.duration for c in clips) == pytest.approx(3.0)
    for a, b in itertools.pairwise(clips):
        assert a.end == pytest.approx(b.start)
        assert a.source_range().end == pytest.approx(b.source_start)
    assert all(c.transform.fit == "fill" for c in clips)
    # The cup (about 290 px wide) cannot fit a 224 px crop of the 600 px frame: its centre
    # is inside its piece's crop in every analysed frame (whole boxes: the next test).
    subject = dets.track(tid)
    windows = _windows(vertical)
    for t, box in zip(subject.time, subject.xyxy, strict=True):
        (x0, x1) = next((w0, w1) for a, b, w0, w1 in windows if a - 1e-6 <= t < b - 1e-6)
        centre = (box[0] + box[2]) / 2
        assert x0 <= centre <= x1, (t, box, x0, x1)
    # The crop moves left with the cup.
    assert windows[0][2] > windows[-1][2]
    info = vertical.metadata["vnb.detect"]["reframe"]
    assert info["track_id"] == tid and info["aspect"] == "9:16"
    result = vertical.render(tmp_path / "vertical.mp4")
    with av.open(str(result.path)) as c:
        stream = c.streams.video[0]
        assert (stream.width, stream.height) == (224, 400)
    frame = vertical.frame_at(1.5)
    assert frame.shape == (400, 224, 3)


def test_reframe_keeps_a_narrow_subject_inside(tmp_path, still_video):
    video = still_video("astronaut", seconds=2.0)
    p = vnb.Project(width=512, height=512, fps=10)
    p.add_track("video").add_clip(str(video), duration=2)
    dets = vnb.detect.analyze(video, size=288, progress=False)
    (tid,) = dets.of_class("person").track_ids
    square = vnb.detect.reframe(p, track_id=tid, aspect="4:5", detections=dets)
    assert (square.width, square.height) == (410, 512)
    for clip in square.tracks[0].clips:
        crop = clip.transform.crop
        x0, x1 = crop.left * 512, 512 - crop.right * 512
        for box in dets.track(tid).xyxy:
            assert x0 - 2 <= box[0] and box[2] <= x1 + 2, (box, x0, x1)


def test_reframe_errors(pan_video, pan_project):
    dets = vnb.detect.analyze(pan_video, progress=False)
    with pytest.raises(DetectionError, match="no track 99"):
        vnb.detect.reframe(pan_project, track_id=99, detections=dets)
    with pytest.raises(DetectionError, match="aspect"):
        vnb.detect.reframe(pan_project, track_id=1, aspect="tall", detections=dets)
    empty = vnb.Project(width=600, height=400, fps=10)
    with pytest.raises(ProjectError, match="no clip"):
        vnb.detect.reframe(empty, track_id=dets.track_ids[0], detections=dets)
    # Without detections=, the latest analysis of the project's source is used.
    again = vnb.detect.reframe(pan_project, track_id=dets.track_ids[0])
    assert again.width == 224


def test_markers_from_detections(alternating_video):
    dets = vnb.detect.analyze(alternating_video, every=2, size=288, progress=False)
    p = vnb.Project(width=512, height=512, fps=10)
    p.add_track("video").add_clip(str(alternating_video), start=5.0, source_start=1.0, duration=3)
    markers = vnb.detect.add_markers(p, dets, "person")
    # Only the second appearance (source 2 s) is inside the clip: timeline 5 + (2 - 1) = 6 s.
    assert [(round(m.time, 3), m.label) for m in markers] == [(6.0, "person")]
    q = vnb.Project(width=512, height=512, fps=10)
    got = vnb.detect.add_markers(q, dets, "person", label="astronaut", color="red")
    assert [round(m.time, 3) for m in got] == [0.0, 2.0]
    assert np.all([m.label == "astronaut" for m in got])
