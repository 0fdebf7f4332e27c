"""Tracking: one id per subject through a pan, and through short occlusions."""

from __future__ import annotations

import numpy as np

import vnb
from vnb.detect import ByteTrack


def test_pan_keeps_one_id_and_boxes_follow(pan_video):
    dets = vnb.detect.analyze(pan_video, progress=False)
    cups = dets.of_class("cup")
    assert len(set(cups.frame.tolist())) >= 0.9 * len(dets.analyzed_frames)
    assert len(cups.track_ids) == 1
    assert (cups.track_id == cups.track_ids[0]).all()
    # The window moves right at 100 px/s, so the cup moves left at 100 px/s.
    centre = (cups.xyxy[:, 0] + cups.xyxy[:, 2]) / 2
    slope = np.polyfit(cups.time, centre, 1)[0]
    assert -130 < slope < -70, slope
    # Early frames: the cup (photo x 130..424, padded by 300, window at 150) is near x 280..574.
    first = cups[cups.frame == cups.frame.min()].xyxy[0]
    assert abs((first[0] + first[2]) / 2 - 427) < 40, first


def _box(cx: float, w: float = 40.0) -> np.ndarray:
    return np.array([[cx - w / 2, 100, cx + w / 2, 160]], dtype=np.float32)


def test_short_occlusion_keeps_the_id():
    tracker = ByteTrack(high=0.5, max_lost=10)
    ids = []
    for frame in range(30):
        if 10 <= frame < 16:  # hidden for six frames
            ids.append(tracker.update(frame, np.zeros((0, 4)), np.zeros(0), np.zeros(0)).tolist())
            continue
        got = tracker.update(frame, _box(50 + 10 * frame), np.array([0.9]), np.array([0]))
        ids.append(got.tolist())
    seen = {i for row in ids for i in row}
    assert seen == {1}


def test_long_absence_gives_a_new_id():
    tracker = ByteTrack(high=0.5, max_lost=3)
    assert tracker.update(0, _box(100), np.array([0.9]), np.array([0])).tolist() == [1]
    assert tracker.update(10, _box(100), np.array([0.9]), np.array([0])).tolist() == [2]


def test_weak_boxes_extend_tracks_but_start_none():
    tracker = ByteTrack(high=0.5, low=0.1)
    assert tracker.update(0, _box(100), np.array([0.9]), np.array([0])).tolist() == [1]
    assert tracker.update(1, _box(105), np.array([0.2]), np.array([0])).tolist() == [1]
    assert tracker.update(2, _box(400), np.array([0.2]), np.array([0])).tolist() == [-1]


def test_two_objects_and_classes_do_not_mix():
    tracker = ByteTrack(high=0.5)
    boxes = np.concatenate([_box(100), _box(300)])
    first = tracker.update(0, boxes, np.array([0.9, 0.8]), np.array([0, 1]))
    # The same places, the classes swapped: nothing matches across classes.
    second = tracker.update(1, boxes, np.array([0.9, 0.8]), np.array([1, 0]))
    assert first.tolist() == [1, 2]
    assert set(second.tolist()) == {3, 4}
    tracker.reset()
    assert tracker.update(0, boxes, np.array([0.9, 0.8]), np.array([0, 0])).tolist() == [1, 2]


def test_merge_and_split_corrections(pan_video):
    dets = vnb.detect.analyze(pan_video, progress=False).of_class("cup")
    (tid,) = dets.track_ids
    split = dets.split_track(tid, at_frame=15)
    assert split.track_ids == [tid, tid + 1]
    assert (split.track(tid + 1).frame >= 15).all()
    merged = split.merge_tracks(tid, tid + 1)
    assert merged.track_ids == [tid]
    assert [op["op"] for op in merged.meta["corrections"]] == ["split", "merge"]
    # Corrections are kept in a project as JSON and applied again on analysis.
    p = vnb.Project(width=600, height=400, fps=10)
    p.add_track("video").add_clip(str(pan_video), duration=3)
    vnb.detect.edits.split_track(dets, tid, 15, project=p)
    p.validate_all()
    again = vnb.detect.analyze(pan_video, project=p, progress=False).of_class("cup")
    assert again.track_ids == [tid, tid + 1]
