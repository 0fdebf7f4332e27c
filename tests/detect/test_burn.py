"""Burn-in: an overlay with ``burn=True`` is drawn into `frame_at` and the render alike."""

from __future__ import annotations

import av
import numpy as np
import pytest

import vnb
from vnb.detect import overlay_boxes, set_overlay
from vnb.effects.detection import box_color

PLACE = {"x": -40, "y": 10}  # the picture is not scaled: 3 px lines stay 3 px


@pytest.fixture(scope="module")
def astronaut(still_video):
    video = still_video("astronaut", seconds=1.0)
    return video, vnb.detect.analyze(video, size=288, progress=False)


def _project(video):
    p = vnb.Project(width=640, height=512, fps=10)
    p.add_track("video").add_clip(str(video), duration=1, transform=PLACE)
    return p


def _outline(img, box, color, tol=60):
    """Fractions of the box's left, right and top edges drawn in ``color`` (best of ±3 px)."""
    x1, y1, x2, y2 = (round(box[k]) for k in ("x1", "y1", "x2", "y2"))
    rows, cols = np.arange(y1 + 5, y2 - 5), np.arange(x1 + 30, x2 - 5)
    near = lambda px: np.all(np.abs(px.astype(int) - color) <= tol, axis=-1)  # noqa: E731
    left = max(near(img[rows, x1 + d]).mean() for d in range(-3, 4))
    right = max(near(img[rows, x2 + d]).mean() for d in range(-4, 3))
    top = max(near(img[y1 + d, cols]).mean() for d in range(-3, 4))
    return left, right, top


def test_boxes_are_burnt_where_the_overlay_shows_them(tmp_path, astronaut):
    video, dets = astronaut
    p = _project(video)
    p.add_overlay(dets, burn=True)
    (box,) = overlay_boxes(p, 0.5)
    color = np.array(box_color(box["track_id"], 0))
    plain = _project(video).frame_at(0.5)
    assert max(_outline(plain, box, color)) < 0.2  # not there without the overlay
    preview = p.frame_at(0.5)
    assert min(_outline(preview, box, color)) > 0.9
    # The label sits on a band of the same colour just above the box.
    band = preview[round(box["y1"]) - 10 : round(box["y1"]) - 3, round(box["x1"]) + 2]
    assert np.all(np.abs(band.astype(int) - color) <= 60)
    result = p.render(tmp_path / "burnt.mp4", progress_bar=False)
    with av.open(str(result.path)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert min(_outline(frames[5], box, color)) > 0.9
    for k in (0, 5, 9):
        mse = np.mean((frames[k].astype(float) - p.frame_at(k / 10).astype(float)) ** 2)
        assert 10 * np.log10(255**2 / mse) >= 35


def test_filters_and_turning_burn_off(astronaut):
    video, dets = astronaut
    p = _project(video)
    p.add_overlay(dets, classes=["cat"], burn=True)
    plain = _project(video).frame_at(0.5)
    assert overlay_boxes(p, 0.5) == []
    assert np.array_equal(p.frame_at(0.5), plain)
    set_overlay(p, 0, classes=["person"])
    (box,) = overlay_boxes(p, 0.5)
    color = np.array(box_color(box["track_id"], 0))
    set_overlay(p, 0, classes=["cat"])  # nothing of that class: the picture is untouched
    assert np.array_equal(p.frame_at(0.5), plain)
    set_overlay(p, 0, classes=["person"])
    assert min(_outline(p.frame_at(0.5), box, color)) > 0.9
    set_overlay(p, 0, burn=False)  # still shown by the editor, no longer drawn
    assert overlay_boxes(p, 0.5) == [box]
    assert np.array_equal(p.frame_at(0.5), plain)
