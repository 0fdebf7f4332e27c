"""Keyframe animation: the render (real ffmpeg) and the preview draw the same moving pictures."""

from __future__ import annotations

import itertools
import math

import av
import numpy as np
import pytest

import vnb
from vnb.easing import bezier, ease, spring
from vnb.errors import ProjectError


def _decode(path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 99.0 if mse == 0 else float(10 * np.log10(255**2 / mse))


def centroid(img: np.ndarray) -> tuple[float, float]:
    """Centre of the bright pixels (pixel centres at +0.5)."""
    g = np.clip(img[..., 1].astype(np.float64) - 16, 0, None)
    total = g.sum()
    x = (g.sum(axis=0) * np.arange(g.shape[1])).sum() / total + 0.5
    y = (g.sum(axis=1) * np.arange(g.shape[0])).sum() / total + 0.5
    return float(x), float(y)


@pytest.mark.parametrize("easing", ["ease_out", bezier(0.4, 0.0, 0.2, 1.0)])
def test_a_moving_square_follows_its_curve_in_render_and_preview(tmp_path, easing):
    p = vnb.Project(width=320, height=240, fps=30)
    sq = p.add_track("video").add_clip(color="white", duration=2)
    sq.transform.scale = 0.125  # 40x30 over black
    sq.animate("transform.x", {0: -100, 1.9: 90}, easing=easing)
    sq.animate("transform.y", {0.2: 30, 1.5: -20}, easing="ease_in_out")
    p.render(tmp_path / "o.mp4", crf=0, speed="ultrafast", progress_bar=False)
    rendered = _decode(tmp_path / "o.mp4")
    assert len(rendered) == 60
    for k, frame in enumerate(rendered):
        t = k / 30
        want = (160 + sq.value_at("transform.x", t), 120 + sq.value_at("transform.y", t))
        got = centroid(frame)
        assert abs(got[0] - want[0]) <= 0.5 and abs(got[1] - want[1]) <= 0.5, (k, got, want)
        if k % 2 == 0:
            assert psnr(p.frame_at(t), frame) >= 35, f"frame {k}"


def test_scale_rotation_and_opacity_of_an_upper_video_clip(tmp_path, media):
    src = media("anim.mp4", video="testsrc2=s=320x240:r=30:d=3", audio=None)
    p = vnb.Project(width=320, height=240, fps=30)
    p.add_track("video").add_clip(str(src), duration=3).animate("transform.x", {0: 0, 3: 40})
    c = p.add_track("video").add_clip(str(src), start=0.5, duration=2)
    c.animate("transform.scale", {0: 0.2, 1.5: 0.6}, easing=spring(damping=8))
    c.animate("transform.rotation", {0: 0, 2: 90}, easing=bezier(0.2, 0.8, 0.2, 1))
    c.animate("opacity", {0: 0.3, 1: 1.0})
    c.animate("transform.y", {0: 50, 2: -30}, easing="ease_in")
    p.render(tmp_path / "o.mp4", crf=0, speed="ultrafast", progress_bar=False)
    rendered = _decode(tmp_path / "o.mp4")
    for k in range(0, 90, 4):
        assert psnr(p.frame_at(k / 30), rendered[k]) >= 35, f"frame {k}"


def test_opacity_animation_sets_the_level_of_each_frame(tmp_path):
    p = vnb.Project(width=64, height=48, fps=10, background="black")
    c = p.add_track("video").add_clip(color="white", duration=1)
    c.animate("opacity", {0: 0.0, 1: 1.0})
    p.render(tmp_path / "o.mp4", crf=0, speed="ultrafast", progress_bar=False)
    rendered = _decode(tmp_path / "o.mp4")
    levels = [float(f[..., 1].mean()) for f in rendered]
    assert all(b > a for a, b in itertools.pairwise(levels)), levels
    for k, frame in enumerate(rendered):
        assert abs(float(frame[..., 1].mean()) - 255 * k / 10) < 4, k


def test_animate_api_and_errors():
    p = vnb.Project(width=320, height=240)
    c = p.add_track("video").add_clip(color="red", duration=4)
    c.animate("transform.x", {2: 0, 0: -300}, easing="ease_out")
    assert [k.t for k in c.keyframes("transform.x")] == [0, 2]
    assert c.value_at("transform.x", 1) == pytest.approx(-300 + 300 * ease("ease_out", 0.5))
    assert c.value_at("transform.x", 5) == 0
    assert c.value_at("transform.y", 1) == 0  # not animated: the field
    c.animate("transform.x", None)
    assert c.keyframes("transform.x") == []
    with pytest.raises(
        ProjectError, match=r"'transform.fit' cannot be animated; animatable: .*opacity"
    ):
        c.animate("transform.fit", {0: 1})
    with pytest.raises(ProjectError, match=r"opacity key value 2\.0"):
        c.animate("opacity", {0: 2})
    with pytest.raises(ProjectError, match="two keys at 1 s"):
        c.animate("opacity", [(1, 0.5), (1, 0.2)])
    with pytest.raises(ProjectError, match="easing one of"):
        c.animate("opacity", [(0, 0.5, "wobble")])
    c.effects.append(vnb.effects.blur(2))
    c.animate("effects[0].radius", {0: 0.0, 1: 4.0})
    assert c.value_at("effects[0].radius", 0.5) == pytest.approx(2.0)


def test_easings_match_css_and_remotion():
    css_ease = bezier(0.25, 0.1, 0.25, 1.0)  # CSS "ease"
    assert ease(css_ease, 0.5) == pytest.approx(0.8024033877399112, abs=1e-6)
    s = spring()  # Remotion's default spring: stiffness 100, damping 10, mass 1
    zeta = 10 / (2 * math.sqrt(100))
    w0 = 10.0
    wd = w0 * math.sqrt(1 - zeta**2)
    t = 0.3
    want = 1 - math.exp(-zeta * w0 * t) * (math.cos(wd * t) + zeta * w0 / wd * math.sin(wd * t))
    assert ease(s, 0.5, t) == pytest.approx(want)
    assert ease("hold", 0.9) == 0
    assert ease("ease_in_out", 0.5) == pytest.approx(0.5)


def test_an_animated_title_moves_scales_and_fades_the_same_in_render_and_preview(tmp_path):
    p = vnb.Project(width=320, height=240, fps=30, background="#203040")
    p.add_track("video").add_clip(color="#406080", duration=2)
    titles = p.add_track("text")
    t = titles.add_title("Hello", start=0.2, duration=1.5, size=40, fade_in=0.3, opacity=0.8)
    t.animate("y", {0: 80, 0.8: 0}, easing="ease_out")
    t.animate("scale", {0: 0.5, 1.0: 1.2}, easing=spring(damping=9))
    titles.add_title("static", start=0, duration=2, position="top", size=20)
    p.render(tmp_path / "o.mp4", crf=0, speed="ultrafast", progress_bar=False)
    rendered = _decode(tmp_path / "o.mp4")
    for k in range(0, 60, 3):
        assert psnr(p.frame_at(k / 30), rendered[k]) >= 35, f"frame {k}"
    # the text rises: the bright rows' centre moves up between frame 8 and frame 30
    diff = [np.clip(rendered[k].astype(int) - rendered[59], 0, 255) for k in (8, 30)]
    rows = [centroid(d)[1] for d in diff]
    assert rows[0] > rows[1] + 20, rows


def test_the_last_frame_of_a_title_and_of_a_moving_still_is_rendered(tmp_path):
    """Pictures repeated by ``loop`` last a frame each: an overlay keeps the last one."""
    still = tmp_path / "still.png"
    av_frame = av.VideoFrame.from_ndarray(np.full((60, 80, 3), 200, np.uint8), format="rgb24")
    av_frame.to_image().save(still)
    p = vnb.Project(width=160, height=120, fps=10, background="#203040")
    p.add_track("video").add_clip(color="#406080", duration=2)
    moving = p.add_track("video").add_clip(str(still), duration=1.5)
    moving.animate("transform.x", {0: -20, 1.5: 20})
    p.add_track("text").add_title("Hi", start=0, duration=1.5, size=30)  # from 0: was lost
    p.render(tmp_path / "o.mp4", crf=0, speed="ultrafast", progress_bar=False)
    rendered = _decode(tmp_path / "o.mp4")
    for k in (13, 14, 15):  # the last frame of both is 14
        assert psnr(p.frame_at(k / 10), rendered[k]) >= 35, f"frame {k}"

    def white(k: int) -> int:  # the title's pixels
        return int((rendered[k].min(axis=2) > 230).sum())

    def grey(k: int) -> int:  # the still's pixels
        return int((np.abs(rendered[k].astype(int) - 200).max(axis=2) < 8).sum())

    assert white(14) > 20 and white(15) == 0, (white(14), white(15))
    assert grey(14) > 1000 and grey(15) == 0, (grey(14), grey(15))
