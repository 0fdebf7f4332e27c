"""`Detections.segments`: where a class is visible, on a real video and on made-up data."""

from __future__ import annotations

import numpy as np
import pytest

import vnb
from vnb.detect import Detections


def test_alternating_astronaut(alternating_video):
    dets = vnb.detect.analyze(alternating_video, every=2, size=288, progress=False)
    segs = dets.segments("person")
    step = 0.2  # one analysed frame
    assert len(segs) == 2, segs
    for (start, end), (want_start, want_end) in zip(segs, [(0.0, 1.0), (2.0, 3.0)], strict=True):
        assert abs(start - want_start) <= step + 1e-6
        assert abs(end - want_end) <= step + 1e-6
    assert dets.segments("person", gap=1.0) == [(segs[0].start, segs[1].end)]
    assert dets.segments("person", min_duration=1.5) == []
    assert dets.segments("car") == []


def _fake(frames: list[int], every: int = 1, fps: float = 10.0, n: int = 20) -> Detections:
    analysed = np.arange(0, n, every)
    return Detections(
        frame=frames,
        time=np.asarray(frames) / fps,
        xyxy=np.tile([0, 0, 10, 10], (len(frames), 1)),
        score=np.full(len(frames), 0.9),
        class_id=np.zeros(len(frames)),
        class_name=["person"] * len(frames),
        track_id=np.ones(len(frames)),
        analyzed_frames=analysed,
        analyzed_times=analysed / fps,
        meta={"fps": fps, "every": every, "duration": n / fps, "names": ["person"]},
    )


@pytest.mark.parametrize(
    ("frames", "every", "kwargs", "expected"),
    [
        ([0, 1, 2, 5, 6], 1, {}, [(0.0, 0.3), (0.5, 0.7)]),
        ([0, 1, 2, 5, 6], 1, {"gap": 0.2}, [(0.0, 0.7)]),
        ([0, 1, 2, 5, 6], 1, {"min_duration": 0.25}, [(0.0, 0.3)]),
        ([0, 2, 4, 10], 2, {}, [(0.0, 0.6), (1.0, 1.2)]),
        ([19], 1, {}, [(1.9, 2.0)]),  # clamped to the source's end
        ([], 1, {}, []),
    ],
)
def test_segment_rules(frames, every, kwargs, expected):
    got = _fake(frames, every).segments("person", **kwargs)
    assert [(round(s, 6), round(e, 6)) for s, e in got] == expected


def test_add_clips_from(tmp_path, alternating_video):
    p = vnb.Project(width=512, height=512, fps=10)
    track = p.add_track("video")
    clips = track.add_clips_from([(0.0, 1.0), (2.0, 3.0)], source=str(alternating_video))
    assert [(c.start, c.source_start, c.duration) for c in clips] == [
        (0.0, 0.0, 1.0),
        (1.0, 2.0, 1.0),
    ]
    result = p.render(tmp_path / "cut.mp4")
    assert abs(result.duration - 2.0) < 0.05
    with pytest.raises(vnb.errors.ProjectError, match="empty"):
        track.add_clips_from([(3.0, 3.0)], source=str(alternating_video))
