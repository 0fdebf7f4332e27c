"""The shipped model on real photos: what the model card says it finds, where the subject is.

The expected scores are the model card's (``models/README.md``: measured on these H.264 videos
of the photos); a tolerance covers encoder and platform differences.
"""

from __future__ import annotations

import numpy as np
import pytest

import vnb
from vnb.detect.model import SHIPPED_SHA256

TOLERANCE = 0.06

CASES = [
    # photo, input size, class, score from the model card, a point on the subject (x, y)
    ("astronaut", 288, "person", 0.62, (250, 150)),
    ("astronaut", 320, "person", 0.29, (250, 150)),
    ("chelsea", 320, "cat", 0.36, (270, 150)),
    ("coffee", 320, "cup", 0.83, (290, 180)),
    ("coffee", 416, "cup", 0.59, (290, 180)),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}")
def test_finds_the_subject(still_video, case):
    name, size, cls, score, point = case
    dets = vnb.detect.analyze(still_video(name), size=size, progress=False)
    assert dets.meta["model_sha256"] == SHIPPED_SHA256
    assert dets.meta["size"] == [size, size]
    assert list(dets.analyzed_frames) == list(range(10))
    found = dets.of_class(cls)
    assert set(found.frame.tolist()) == set(range(10)), f"{cls} missing in some frames: {dets}"
    best = found[found.score == found.score.max()]
    assert abs(float(best.score[0]) - score) <= TOLERANCE, float(best.score[0])
    x1, y1, x2, y2 = best.xyxy[0]
    assert x1 <= point[0] <= x2 and y1 <= point[1] <= y2
    frame_area = dets.meta["width"] * dets.meta["height"]
    assert (x2 - x1) * (y2 - y1) >= 0.3 * frame_area
    # A still subject keeps one track id.
    assert len(found.track_ids) == 1


def test_no_false_subject_at_conf(still_video):
    dets = vnb.detect.analyze(still_video("coffee"), progress=False)
    assert set(dets.class_name.tolist()) <= {"cup", "bowl", "dining table", "spoon"}


def test_classes_filter_and_aliases(still_video):
    video = still_video("chelsea")
    assert len(vnb.detect.analyze(video, classes=["cat"], progress=False)) == 10
    assert len(vnb.detect.analyze(video, classes=["person", "car"], progress=False)) == 0
    # Darknet's spelling of a class is accepted.
    assert len(vnb.detect.analyze(video, classes=["tvmonitor"], progress=False)) == 0
    with pytest.raises(vnb.errors.DetectionError, match="unknown class 'kitten'"):
        vnb.detect.analyze(video, classes=["kitten"], progress=False)


def test_every_and_cache(still_video):
    from vnb import cache

    video = still_video("coffee", seconds=2.0)
    first = vnb.detect.analyze(video, every=3, progress=False)
    assert list(first.analyzed_frames) == [0, 3, 6, 9, 12, 15, 18]
    hits = cache.stats()["hits"]
    again = vnb.detect.analyze(video, every=3, progress=False)
    assert cache.stats()["hits"] == hits + 1
    assert again.to_dict() == first.to_dict()


def test_boxes_of_a_display_rotated_source_are_upright(still_video, tmp_path):
    """A phone-style file: the picture is stored sideways and shown upright by its rotation
    metadata. The detector sees it upright and the boxes are in the picture as it is shown."""
    from tests.helpers.ffmpeg import run_ffmpeg

    flat = still_video("astronaut")
    sideways, phone = tmp_path / "sideways.mp4", tmp_path / "phone.mp4"
    run_ffmpeg("-i", str(flat), "-vf", "transpose=clock", "-crf", "12", str(sideways))
    run_ffmpeg("-display_rotation", "90", "-i", str(sideways), "-c", "copy", str(phone))
    a = vnb.detect.analyze(flat, size=288, progress=False).of_class("person")
    b = vnb.detect.analyze(phone, size=288, progress=False).of_class("person")
    assert (b.meta["width"], b.meta["height"]) == (a.meta["width"], a.meta["height"])
    assert len(b) == len(a) == 10
    for i in range(10):
        assert abs(float(b.score[i]) - float(a.score[i])) < 0.05
        np.testing.assert_allclose(b.xyxy[i], a.xyxy[i], atol=4)
