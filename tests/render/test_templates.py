"""Multi-camera layouts render each camera in its place."""

from __future__ import annotations

import av
import numpy as np

import vnb
from vnb import templates


def _frame(path, index=0):
    with av.open(str(path)) as c:
        for n, f in enumerate(c.decode(video=0)):
            if n == index:
                return f.to_ndarray(format="rgb24").astype(int)
    raise AssertionError


def test_grid_puts_each_camera_in_its_quarter(color_media, tmp_path):
    colours = {
        "red": (255, 0, 0),
        "lime": (0, 255, 0),
        "blue": (0, 0, 255),
        "yellow": (255, 255, 0),
    }
    sources = [color_media(name, 440 + 100 * n, seconds=1) for n, name in enumerate(colours)]
    p = vnb.Project(width=320, height=180, fps=30)
    clips = templates.grid(p, sources, duration=1)
    assert len(clips) == 4 and len(p.tracks) == 4
    p.render(tmp_path / "g.mp4", progress_bar=False)
    f = _frame(tmp_path / "g.mp4", 10)
    centres = [(45, 80), (45, 240), (135, 80), (135, 240)]
    for (y, x), rgb in zip(centres, colours.values(), strict=True):
        assert np.abs(f[y, x] - rgb).max() < 30, (y, x, f[y, x], rgb)


def test_side_by_side_fills_each_half_without_bars(testsrc, color_media, tmp_path):
    p = vnb.Project(width=320, height=180, fps=30, background="white")
    templates.side_by_side(p, testsrc, color_media("blue", 500, seconds=1), duration=1)
    p.render(tmp_path / "s.mp4", progress_bar=False)
    f = _frame(tmp_path / "s.mp4", 5)
    assert np.abs(f[90, 240] - (0, 0, 255)).max() < 30
    assert (f[:, 2:158].mean(axis=2) < 250).all()  # no white bars: the left half is all picture
    assert (f[:, 162:318].mean(axis=2) < 250).all()


def test_picture_in_picture_inset_in_its_corner(color_media, tmp_path):
    p = vnb.Project(width=320, height=180, fps=30)
    templates.picture_in_picture(
        p, color_media("red", 440, seconds=1), color_media("blue", 500, seconds=1),
        corner="top-left", size=0.25, duration=1,
    )  # fmt: skip
    p.render(tmp_path / "p.mp4", progress_bar=False)
    f = _frame(tmp_path / "p.mp4", 5)
    assert np.abs(f[25, 45] - (0, 0, 255)).max() < 30  # inside the inset
    assert np.abs(f[150, 280] - (255, 0, 0)).max() < 30  # the main camera elsewhere
