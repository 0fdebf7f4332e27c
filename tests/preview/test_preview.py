"""The in-process preview: exact frames, and agreement with the render."""

from __future__ import annotations

import random

import av
import numpy as np
import pytest

import vnb
from vnb.errors import ProjectError
from vnb.preview import frame_at, plan_of
from vnb.schema import Transform
from vnb.schema.timeline import TRANSITIONS


def _decode_all(path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 99.0 if mse == 0 else float(10 * np.log10(255**2 / mse))


@pytest.fixture(scope="module")
def gop60(media):
    return media("gop60.mp4", video="testsrc2=s=320x240:r=30:d=10", audio=None, gop=60)


def test_frame_at_is_the_exact_frame_forward_and_backward(gop60):
    truth = _decode_all(gop60)
    p = vnb.Project(width=320, height=240, fps=30)
    p.add_track("video").add_clip(str(gop60), start=0, duration=10)
    rng = random.Random(1)
    times = [rng.uniform(0, 9.98) for _ in range(40)]
    times += sorted(times, reverse=True)[:10] + [
        k / 30 for k in range(100, 112)
    ]  # backward, then play
    for t in times:
        got = frame_at(p, t, cache=False)
        want = truth[min(round(t * 30), 299)]
        assert np.array_equal(got, want), f"t={t:.4f}: not frame {round(t * 30)}"


def test_frame_at_with_offset_speed_and_ntsc_rate(media, tmp_path):
    src = media("ntsc.mp4", video="testsrc2=s=320x240:r=30000/1001:d=6", audio=None, gop=48)
    p = vnb.Project(width=320, height=240, fps="30000/1001")
    v = p.add_track("video")
    v.add_clip(str(src), start=0, source_start=0.5, duration=1.0)
    v.add_clip(str(src), start=1.0, source_start=1.0, duration=1.5, speed=2)
    p.render(tmp_path / "o.mp4", crf=0, speed="ultrafast", progress_bar=False)
    rendered = _decode_all(tmp_path / "o.mp4")
    plan = plan_of(p)
    assert len(rendered) == plan.frames
    for k in list(range(plan.frames))[::-1]:
        got = frame_at(p, k / float(plan.fps), cache=False)
        assert psnr(got, rendered[k]) > 45, f"frame {k}"


def test_variable_frame_rate_source_matches_render(media, tmp_path):
    vfr = media(
        "vfr.mkv",
        video="testsrc2=s=320x240:r=30:d=4",
        audio=None,
        extra=("-vf", "setpts=(N+floor(N/2))/(30*TB)", "-fps_mode", "passthrough"),
    )
    assert vnb.media.probe(vfr).video.variable_fps
    p = vnb.Project(width=320, height=240, fps=30)
    p.add_track("video").add_clip(str(vfr), start=0, source_start=0.3, duration=3)
    p.render(tmp_path / "o.mp4", crf=0, speed="ultrafast", progress_bar=False)
    rendered = _decode_all(tmp_path / "o.mp4")
    order = list(range(len(rendered)))
    random.Random(3).shuffle(order)
    for k in order[:40]:
        assert psnr(frame_at(p, k / 30, cache=False), rendered[k]) > 45, f"frame {k}"


@pytest.fixture(scope="module")
def everything(media, still_png, tmp_path_factory):
    """A project using every built-in effect, every transition and a title, and its render."""
    a = media("agree-a.mp4", video="testsrc2=s=320x240:r=30:d=6", gop=30)
    b = media("agree-b.mp4", video="testsrc2=s=320x240:r=30:d=6,hue=h=90", gop=45)
    green = media("green.mp4", video="color=c=0x00FF00:s=160x120:r=30:d=6", audio=None)
    p = vnb.Project(width=320, height=240, fps=30, background="#102030")
    v = p.add_track("video")
    effects = [
        vnb.effects.brightness(0.15),
        vnb.effects.contrast(1.4),
        vnb.effects.gamma(1.6),
        vnb.effects.saturation(1.8),
        vnb.effects.hue(60),
        vnb.effects.grayscale(),
        vnb.effects.sepia(0.8),
        vnb.effects.blur(4),
        vnb.effects.sharpen(1.5),
        vnb.effects.vignette(),
    ]
    clips = []
    for n, kind in enumerate([*TRANSITIONS, "fade"]):
        source = a if n % 2 else b
        clip = v.add_clip(str(source), source_start=(n * 0.37) % 4, duration=0.9)
        clip.effects.append(effects[n % len(effects)])
        if clips:
            v.add_transition(clips[-1], clip, kind, duration=0.3)
        clips.append(clip)
    v.add_clip(str(still_png), duration=1.0, transform={"scale": 0.7, "rotation": 20}, fade_out=0.5)
    v.add_clip(color="orange", duration=0.8, fade_in=0.3, transform={"scale": 0.5, "x": -60})
    top = p.add_track("video")
    top.add_clip(
        str(green), start=1.0, duration=3.0, effects=[vnb.effects.chromakey("#00ff00", 0.2)]
    )
    top.add_clip(
        str(a),
        start=5.0,
        duration=4.0,
        opacity=0.6,
        transform=Transform(scale=0.4, x=70, y=-50, rotation=-12, crop={"left": 0.1, "top": 0.2}),
        fade_in=0.5,
        fade_out=0.5,
    )
    top.add_clip(str(b), start=9.0, duration=2.0, transform={"scale": 0.5, "x": 200})  # half off
    top.add_clip(str(a), start=11.0, duration=1.0, transform={"scale": 0.3})
    second = top.add_clip(str(b), start=11.7, duration=1.2, transform={"scale": 0.3, "y": 40})
    top.add_transition(top.clips[-2], second, "wipeup", duration=0.3)
    p.add_title("it's 50% off: [x]; a,b \\ c\nnew line 🎉", start=0.5, duration=4, size=28,
                box=True, fade_in=0.4, fade_out=0.4)  # fmt: skip
    p.add_title("bottom", start=3, duration=6, size=20, position="bottom-right", outline=2)
    out = tmp_path_factory.mktemp("agree") / "everything.mp4"
    p.render(out, crf=0, speed="ultrafast", progress_bar=False)
    return p, _decode_all(out)


def test_preview_agrees_with_the_render(everything):
    p, rendered = everything
    plan = plan_of(p)
    assert len(rendered) == plan.frames
    rng = random.Random(5)
    frames = rng.sample(range(plan.frames), 30)
    # and the middle of every transition
    frames += [
        (s.start + s.end) // 2 for layer in plan.layers for s in getattr(layer, "transitions", ())
    ]
    worst = min((psnr(frame_at(p, k / 30, cache=False), rendered[k]), k) for k in frames)
    print(f"worst preview-render agreement: {worst[0]:.1f} dB at frame {worst[1]}")
    assert worst[0] >= 35, f"frame {worst[1]}: PSNR {worst[0]:.1f} dB"


def test_times_outside_the_project_are_refused(gop60):
    p = vnb.Project(width=320, height=240, fps=30)
    p.add_track("video").add_clip(str(gop60), start=0, duration=2)
    for t in (-0.1, 2.0, 5, float("nan")):
        with pytest.raises(ProjectError, match="outside the project"):
            frame_at(p, t, cache=False)
    assert frame_at(p, 1.99, cache=False).shape == (240, 320, 3)
    assert frame_at(p, 0.5, size=(160, 90), cache=False).shape == (90, 160, 3)


def test_vanished_media_names_the_clip(media, tmp_path):
    import shutil

    src = tmp_path / "gone.mp4"
    shutil.copy(media("short.mp4", video="testsrc2=s=64x48:r=30:d=1", audio=None), src)
    p = vnb.Project(width=64, height=48, fps=30)
    p.add_track("video").add_clip(str(src), duration=1, id="doomed")
    assert frame_at(p, 0.1, cache=False).shape == (48, 64, 3)
    src.unlink()
    p.tracks[0].clips[0].duration = 0.9  # an edit: the plan is made again and probes again
    with pytest.raises(vnb.errors.MediaError, match="doomed"):
        frame_at(p, 0.2, cache=False)
