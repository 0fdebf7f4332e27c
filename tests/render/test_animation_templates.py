"""Animation presets (`vnb.templates`): Ken Burns, slide in, pop, fade — keys and real renders."""

from __future__ import annotations

import av
import numpy as np
import pytest
from PIL import Image

import vnb
from tests.helpers import media as helpers
from tests.render.test_animation import centroid, psnr
from vnb import templates
from vnb.easing import Spring
from vnb.errors import ProjectError


def _decode(path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def _region(photo: np.ndarray, x: int, y: int, w: int, h: int) -> np.ndarray:
    """The region of the photo scaled to the canvas, as the Ken Burns should show it."""
    crop = Image.fromarray(photo[y : y + h, x : x + w])
    return np.asarray(crop.resize((320, 240), Image.Resampling.BILINEAR))


def test_ken_burns_shows_the_start_and_end_regions_and_the_preview_matches(tmp_path):
    photo = helpers.photo("astronaut")  # 512x512
    png = helpers.photo_png(tmp_path, "astronaut")
    p = vnb.Project(width=320, height=240, fps=10)
    c = p.add_track("video").add_clip(str(png), duration=2)
    c.animate("opacity", {0: 1.0})  # a key on another path stays
    # start in pixels (the 4:3 band of the photo), end in fractions (the face, 160x120 px)
    templates.ken_burns(c, start=(0, 64, 512, 384), end=(0.375, 0.078125, 0.3125, 0.234375))
    assert c.transform.fit == "fill" and "opacity" in c.animations
    assert [k.t for k in c.keyframes("transform.scale")] == [0, pytest.approx(1.9)]
    assert c.keyframes("transform.x")[0].easing == "ease_in_out"
    assert c.value_at("transform.scale", 0) == pytest.approx(1.0)  # fill: 512 wide at 320
    assert c.value_at("transform.scale", 2) == pytest.approx(3.2)  # 160 px wide at 320
    p.render(tmp_path / "kb.mp4", crf=0, speed="ultrafast", progress_bar=False)
    frames = _decode(tmp_path / "kb.mp4")
    assert len(frames) == 20
    assert psnr(frames[0], _region(photo, 0, 64, 512, 384)) >= 30
    assert psnr(frames[-1], _region(photo, 192, 40, 160, 120)) >= 30
    assert psnr(frames[-1], _region(photo, 196, 40, 160, 120)) < 25  # 4 px off is not it
    for k in (0, 5, 10, 15, 19):
        assert psnr(p.frame_at(k / 10), frames[k]) >= 35, f"frame {k}"


def test_ken_burns_on_video_with_a_given_source_size_and_errors(media):
    src = media("kb.mp4", video="testsrc2=s=320x240:r=10:d=1", audio=None)
    p = vnb.Project(width=160, height=90, fps=10)
    c = p.add_track("video").add_clip(str(src), duration=1)
    templates.ken_burns(c, start=(0, 0, 1, 1), end=(160, 120, 160, 90), easing="linear")
    # the 4:3 source fills 16:9: scale 1 cuts top and bottom; the end region is 160 px wide
    assert c.value_at("transform.scale", 0) == pytest.approx(1.0)
    assert c.value_at("transform.scale", 0.9) == pytest.approx(2.0)
    # its centre (240, 165) goes to the canvas centre: (160-240, 120-165) source px × 1 px/px
    assert c.value_at("transform.x", 0.9) == pytest.approx(-80.0)
    assert c.value_at("transform.y", 0.9) == pytest.approx(-45.0)
    c.transform.crop.left = 0.5  # regions stay in the uncropped source's pixels
    templates.ken_burns(c, start=(0, 0, 1, 1), end=(160, 120, 160, 90), easing="linear")
    assert c.value_at("transform.scale", 0.9) == pytest.approx(1.0)  # the crop is 160x240
    assert c.value_at("transform.x", 0.9) == pytest.approx(0.0)  # (240 - 240) px
    assert c.value_at("transform.y", 0.9) == pytest.approx(-45.0)
    c.transform.crop.left = 0.0
    assert c.transform.crop._path() == "tracks[0].clips[0].transform.crop"  # still the clip's
    templates.ken_burns(c, start=(0, 0, 1, 1), end=(160, 120, 160, 90), easing="linear")
    loose = vnb.schema.Clip(color="red", duration=1)
    templates.ken_burns(loose, (0, 0, 50, 50), (0, 0, 100, 100), canvas=(100, 100))
    assert loose.value_at("transform.scale", 0) == pytest.approx(2.0)
    with pytest.raises(ProjectError, match=r"clips\[0\]: ken_burns end .*w and h above 0"):
        templates.ken_burns(c, start=(0, 0, 1, 1), end=(0, 0, 0, 0.5))
    with pytest.raises(ProjectError, match=r"transform.scale key value"):
        templates.ken_burns(c, start=(0, 0, 1, 1), end=(0, 0, 3, 3))  # 3 px: a scale of 107
    assert c.value_at("transform.scale", 0.9) == pytest.approx(2.0)  # unchanged by the refusal
    with pytest.raises(ProjectError, match="not in a project"):
        templates.ken_burns(vnb.schema.Clip(source="a.png"), (0, 0, 1, 1), (0, 0, 1, 1))


def test_presets_write_their_keys_and_keep_the_others():
    p = vnb.Project(width=320, height=240, fps=30)
    title = p.add_title("Hi", duration=3, opacity=0.8)
    title.animate("scale", {0: 1.0, 3: 1.2})
    templates.slide_in(title, from_="right", duration=0.6)
    assert [(k.t, k.value) for k in title.keyframes("x")] == [(0, 320.0), (0.6, 0.0)]
    assert title.keyframes("x")[0].easing == "ease_out" and "scale" in title.animations
    templates.slide_in(title, from_="top", distance=50)
    assert [(k.t, k.value) for k in title.keyframes("y")] == [(0, -50.0), (0.5, 0.0)]
    templates.fade(title, fade_in=0.5, fade_out=1)
    keys = [(k.t, k.value) for k in title.keyframes("opacity")]
    assert keys == [(0, 0.0), (0.5, 0.8), (2, 0.8), (3, 0.0)]
    assert templates.fade(title, 0, 0) is title and len(title.keyframes("opacity")) == 4
    templates.fade(title, fade_in=0, fade_out=0.5)
    assert [k.t for k in title.keyframes("opacity")] == [2.5, 3]

    clip = p.add_track("video").add_clip(color="white", duration=2)
    clip.transform.scale = 0.5
    assert templates.pop(clip) is clip
    keys = clip.keyframes("transform.scale")
    assert [(k.t, k.value) for k in keys] == [(0, 0.005), (0.4, 0.5)]
    assert isinstance(keys[0].easing, Spring)
    overshoot = max(clip.value_at("transform.scale", t / 100) for t in range(40))
    assert 0.55 < overshoot < 0.6  # the spring goes past the scale and comes back
    assert abs(clip.value_at("transform.scale", 0.39) - 0.5) < 0.01  # settled at the key
    templates.slide_in(clip, from_="bottom")  # the largest scale (0.5): 120 px high
    assert clip.keyframes("transform.y")[0].value == pytest.approx(120 + 60)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: templates.slide_in(c, duration=-1), r"slide_in duration must be 0 or more"),
        (lambda c: templates.slide_in(c, duration=0), r"slide_in duration must be above 0"),
        (lambda c: templates.slide_in(c, from_="up"), r"slide_in from_ must be left, right, top"),
        (lambda c: templates.pop(c, duration=5), r"pop duration 5 s is longer than the item"),
        (lambda c: templates.fade(c, 0.8, 0.5), r"fade fade_in 0.8 s \+ fade_out 0.5 s is longer"),
        (lambda c: templates.fade(c, float("nan")), r"fade fade_in must be 0 or more"),
    ],
)
def test_presets_refuse_nonsense_naming_the_item(call, message):
    p = vnb.Project(width=320, height=240)
    c = p.add_track("video").add_clip(color="red", duration=1)
    with pytest.raises(ProjectError, match=r"tracks\[0\]\.clips\[0\]: " + message):
        call(c)
    assert c.animations == {}
    with pytest.raises(ProjectError, match="a Clip or a Title, not str"):
        templates.fade("clip")  # type: ignore[arg-type]


def test_a_slide_in_overlay_starts_off_canvas_and_lands_in_place(tmp_path):
    p = vnb.Project(width=320, height=240, fps=30, background="black")
    p.add_track("video").add_clip(color="black", duration=1)
    sq = p.add_track("video").add_clip(color="white", duration=1)
    sq.transform.scale = 0.125  # 40x30
    sq.transform.x, sq.transform.y = 60.0, -40.0
    templates.slide_in(sq, from_="left", duration=0.5, easing="linear")
    assert sq.keyframes("transform.x")[0].value == pytest.approx(-(160 + 20))
    p.render(tmp_path / "s.mp4", crf=0, speed="ultrafast", progress_bar=False)
    frames = _decode(tmp_path / "s.mp4")
    assert frames[0][..., 1].max() < 40  # off-canvas: nothing of the square is drawn
    for k in (6, 15, 29):
        want = (160 + sq.value_at("transform.x", k / 30), 120 - 40)
        got = centroid(frames[k])
        assert abs(got[0] - want[0]) <= 0.5 and abs(got[1] - want[1]) <= 0.5, (k, got, want)
    assert centroid(frames[29]) == pytest.approx((220, 80), abs=0.5)  # its own place at the end
    assert psnr(p.frame_at(0.2), frames[6]) >= 35


def test_a_title_slides_in_from_off_canvas_and_pops(tmp_path):
    p = vnb.Project(width=320, height=240, fps=10, background="black")
    title = p.add_title("Hi", duration=1, size=40, color="white")
    templates.slide_in(title, from_="right", duration=0.5, easing="linear")
    templates.pop(p.add_title("o", start=0, duration=1, size=30, position="top"))
    p.render(tmp_path / "t.mp4", crf=0, speed="ultrafast", progress_bar=False)
    frames = _decode(tmp_path / "t.mp4")
    band = slice(80, 160)  # the rows of the centred title; the popping one is at the top
    assert frames[0][band, :, 1].max() < 40  # one canvas width to the right: off-canvas
    xs = [centroid(frames[k][band])[0] for k in (3, 5, 9)]
    assert xs[2] == pytest.approx(160, abs=2)  # in its place (the glyphs' centre, near 160)
    assert xs[0] - xs[2] == pytest.approx(320 * 0.4, abs=0.5)  # on the curve at 0.3 s
    assert xs[1] == pytest.approx(xs[2], abs=0.5)
    top = [float(f[:60, :, 1].astype(float).sum()) for f in frames]
    assert top[0] < 0.05 * top[-1]  # the popping title grows from almost nothing
    assert max(top[1:4]) > 1.05 * top[-1]  # past its size (the spring), then back
    for k in (0, 3, 5, 9):
        assert psnr(p.frame_at(k / 10), frames[k]) >= 35, f"frame {k}"
