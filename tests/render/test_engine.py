"""The render engine end to end: real ffmpeg renders, read back with PyAV.

Every test renders a small project with the ffmpeg binary and checks what came out: frame
counts, the colour or the exact source frame of chosen frames, durations, and the sound (pitch
by FFT, level by RMS).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import vnb
from vnb.errors import EffectError, MediaNotFoundError, ProjectError, RenderError
from vnb.ffmpeg import text_origin
from vnb.media import plan_project
from vnb.render.export import text_images
from vnb.schema import Transform
from vnb.schema.registry import normalize_params
from vnb.schema.timebase import frame_to_sample, to_frame

from .avcheck import (
    assert_color,
    audio_samples,
    closest,
    dominant_frequency,
    mad,
    mean_rgb,
    psnr,
    render,
    rms,
    segment,
    source_frames,
    stream_info,
    video_frames,
)

RED = (255, 0, 0)
BLUE = (0, 0, 255)
LIME = (0, 255, 0)
CYAN = (0, 255, 255)
YELLOW = (255, 255, 0)
PURPLE = (127.5, 0, 127.5)

ColorMedia = Callable[..., Path]


def project(width: int = 320, height: int = 240, fps: object = 30, **fields: object):
    return vnb.Project(name="test", width=width, height=height, fps=fps, **fields)


# -- colours, gaps, sound ------------------------------------------------------------------


def test_solid_colour_clips_pictures_and_sound(color_media: ColorMedia, tmp_path: Path):
    red, blue, cyan = color_media("red", 440), color_media("blue", 880), color_media("cyan", 660)
    p = project(background="yellow")
    v = p.add_track("video")
    v.add_clip(red, start=0, source_start=0.5, duration=1.0)
    v.add_clip(blue, start=1.0, source_start=0.0, duration=1.0, volume=0.5)
    # 2.0–2.5: a gap; then a colour clip (silent) and a loud clip.
    v.add_clip(color="lime", start=2.5, duration=0.5)
    v.add_clip(cyan, start=3.0, source_start=1.0, duration=1.0, volume=2.0)
    out = tmp_path / "colours.mp4"
    result = render(p, out)

    frames = video_frames(out)
    assert result.frames == len(frames) == 120
    info = stream_info(out)
    assert info.kinds == ("video", "audio")
    assert info.duration == pytest.approx(4.0, abs=0.05)
    # First, centre and last frame of every stretch: boundaries fall on exact frames.
    for first, last, rgb in [(0, 30, RED), (30, 60, BLUE), (60, 75, YELLOW), (75, 90, LIME)]:
        for k in (first, (first + last) // 2, last - 1):
            assert_color(frames[k], rgb, what=f"frame {k}")
    for k in (90, 105, 119):
        assert_color(frames[k], CYAN, what=f"frame {k}")
    assert [x.name for x in tmp_path.iterdir()] == ["colours.mp4"]  # no temporary files left

    sound, rate = audio_samples(out)
    assert rate == 48_000
    assert sound.shape[1] / rate == pytest.approx(4.0, abs=0.03)
    ref, ref_rate = audio_samples(red)
    level = rms(segment(ref, ref_rate, 0.5, 1.5))
    assert level > 0.05  # lavfi's sine peaks at 1/8 of full scale
    for (t0, t1), freq, volume in [((0, 1), 440, 1.0), ((1, 2), 880, 0.5), ((3, 4), 660, 2.0)]:
        part = segment(sound, rate, t0, t1)
        assert dominant_frequency(part, rate) == pytest.approx(freq, abs=3)
        assert rms(part) == pytest.approx(level * volume, rel=0.1)
    # The gap and the colour clip are silent.
    assert rms(segment(sound, rate, 2.0, 3.0, margin=0.03)) < 1e-3


def test_project_background_shows_where_nothing_is(color_media: ColorMedia, tmp_path: Path):
    """A timeline that starts with a gap, and a title that outlasts the clips."""
    p = project(background="#3060c0")
    v = p.add_track("video")
    v.add_clip(color_media("red", 440), start=0.5, duration=0.5)
    p.add_title(".", start=0.0, duration=1.5, size=8, position="top-left", margin=0)
    out = tmp_path / "bg.mp4"
    render(p, out)
    frames = video_frames(out)
    assert len(frames) == 45
    box = (40, 40, 280, 200)  # away from the title's dot
    for k in (0, 14):
        assert_color(frames[k], (0x30, 0x60, 0xC0), box)
    assert_color(frames[15], RED, box)
    for k in (30, 44):
        assert_color(frames[k], (0x30, 0x60, 0xC0), box)
    sound, rate = audio_samples(out)
    assert rms(segment(sound, rate, 0.0, 0.5, margin=0.02)) < 1e-3
    assert rms(segment(sound, rate, 0.5, 1.0)) > 0.05
    assert rms(segment(sound, rate, 1.0, 1.5, margin=0.02)) < 1e-3


# -- transitions, overlays, speed --------------------------------------------------------


def test_crossfade_middle_frame_is_the_mix(color_media: ColorMedia, tmp_path: Path):
    p = project()
    v = p.add_track("video")
    a = v.add_clip(color_media("red", 440), start=0, duration=2.0)
    b = v.add_clip(color_media("blue", 880), start=1.6, duration=2.0)
    v.add_transition(a, b, "crossfade", duration=0.4)  # frames 48..59
    out = tmp_path / "cross.mp4"
    render(p, out)
    frames = video_frames(out)
    assert len(frames) == 108
    assert_color(frames[47], RED, tol=4)
    assert_color(frames[54], PURPLE, tol=10)  # 6 of 12 frames in: half of each
    assert_color(frames[60], BLUE, tol=4)
    reds = [mean_rgb(frames[k])[0] for k in range(47, 61)]
    assert all(x >= y for x, y in itertools.pairwise(reds)), reds

    sound, rate = audio_samples(out)
    assert dominant_frequency(segment(sound, rate, 0, 1.6), rate) == pytest.approx(440, abs=3)
    assert dominant_frequency(segment(sound, rate, 2.0, 3.6), rate) == pytest.approx(880, abs=3)
    mid = segment(sound, rate, 1.7, 1.9, margin=0).mean(axis=0)
    spectrum = np.abs(np.fft.rfft(mid * np.hanning(len(mid))))
    freqs = np.fft.rfftfreq(len(mid), 1 / rate)
    peak = {f: spectrum[np.abs(freqs - f) < 10].max() for f in (440, 880)}
    assert min(peak.values()) > 0.3 * max(peak.values()), peak


def _rect(size: tuple[float, float], centre: tuple[float, float]) -> tuple[int, ...]:
    """Box (x0, y0, x1, y1) on the 320×240 canvas of a picture of ``size`` whose centre is
    ``centre`` = (x, y) pixels off the canvas centre."""
    (w, h), (x, y) = size, centre
    x0, y0 = round(160 + x - w / 2), round(120 + y - h / 2)
    return x0, y0, round(x0 + w), round(y0 + h)


@pytest.mark.parametrize(
    "case",
    [
        (True, 0.5, 0.25, 60, -40),  # translucent, up and right
        (False, 1.0, 0.5, -120, 30),  # opaque source picture, partly off the left edge
        (False, 0.75, 0.4, 0, 0),
    ],
    ids=["colour-translucent", "source-off-edge", "source-centred"],
)
def test_upper_track_overlays_at_opacity_and_position(
    color_media: ColorMedia, tmp_path: Path, case: tuple[bool, float, float, float, float]
):
    colour_clip, opacity, scale, x, y = case
    p = project()
    p.add_track("video").add_clip(color="blue", start=0, duration=1.0)
    top = p.add_track("video")
    transform = Transform(scale=scale, x=x, y=y)
    fields = {"start": 0.2, "duration": 0.6, "opacity": opacity, "transform": transform}
    if colour_clip:
        top.add_clip(color="red", **fields)
    else:
        top.add_clip(color_media("red", 440), **fields)
    out = tmp_path / "overlay.mp4"
    render(p, out)
    frames = video_frames(out)
    assert len(frames) == 30

    # The clip's picture fits the canvas (same 4:3 aspect), then is scaled.
    x0, y0, x1, y1 = _rect((320 * scale, 240 * scale), (x, y))
    mix = tuple(opacity * r + (1 - opacity) * b for r, b in zip(RED, BLUE, strict=True))
    inside = (max(0, x0) + 3, max(0, y0) + 3, min(320, x1) - 3, min(240, y1) - 3)
    frame = frames[15]
    assert_color(frame, mix, inside, tol=10)
    mask = np.ones(frame.shape[:2], bool)
    mask[max(0, y0 - 3) : y1 + 3, max(0, x0 - 3) : x1 + 3] = False
    outside = frame[mask].astype(float)
    assert np.abs(outside - BLUE).max() < 24, "the overlay spills outside its rectangle"
    # Before and after the clip: only the bottom track.
    for k in (5, 24):
        assert_color(frames[k], BLUE, tol=4)


# A sawtooth per channel (rising left, falling right): every sample tells where it came from.
RAMP = "aevalsrc=exprs='0.9*(mod(t,1)-0.5)|0.9*(0.5-mod(t,1))':s=48000:d=4"


@pytest.mark.parametrize("rate", ["30", "30000/1001", "25"])
@pytest.mark.parametrize("track", ["audio", "video"])
def test_sound_is_sample_exact(media: Callable[..., Path], tmp_path: Path, track: str, rate: str):
    """PCM in, PCM out: each clip's sound is the source's samples from its (snapped) start."""
    if track == "audio":
        src = media("ramp.wav", video=None, audio=RAMP, extra=("-c:a", "pcm_s16le"))
    else:
        video = "testsrc2=s=160x120:r=30:d=4"
        src = media("ramp.mov", video=video, audio=RAMP, extra=("-c:a", "pcm_s16le"))
    fps = Fraction(rate)
    p = project(160, 120, fps=rate)
    t = p.add_track(track)
    clips = [(0.1, 0.25, 0.5), (0.6, 2.0, 1.0), (1.6, 1.0, 0.4)]  # start, source_start, duration
    for start, source_start, duration in clips:
        t.add_clip(src, start=start, source_start=source_start, duration=duration)
    out = tmp_path / "sound.wav"
    render(p, out, preset="audio-only", container="wav", audio_codec="pcm_s16le")
    sound, sr = audio_samples(out)
    ref, _ = audio_samples(src)

    def sample(seconds: float) -> int:  # the sample at the frame boundary nearest to seconds
        return frame_to_sample(to_frame(seconds, fps), fps, sr)

    assert sound.shape == (2, sample(2.0))
    assert not sound[:, : sample(0.1)].any()  # silence before the first clip
    for start, source_start, duration in clips:
        a0, a1 = sample(start), sample(start + duration)
        s0 = round(to_frame(source_start, fps) / fps * sr)
        assert np.array_equal(sound[:, a0:a1], ref[:, s0 : s0 + a1 - a0]), (start, source_start)


def test_double_speed_shows_every_other_source_frame_and_keeps_pitch(
    media: Callable[..., Path], tmp_path: Path
):
    # 440 Hz for the first 1.5 s of the source, then 880 Hz.
    tone = "aevalsrc=exprs='0.125*sin(2*PI*if(lt(t,1.5),440,880)*t)':s=48000:d=4"
    src = media("speed.mp4", audio=tone)
    p = project()
    p.add_track("video").add_clip(src, start=0, source_start=0.5, duration=1.0, speed=2.0)
    out = tmp_path / "fast.mp4"
    render(p, out)
    frames, source = video_frames(out), source_frames(src)
    assert len(frames) == 30
    for k, frame in enumerate(frames):
        expected = 15 + 2 * k
        assert closest(frame, source, expected) == expected, f"frame {k}"
        assert psnr(frame, source[expected]) > 35

    sound, rate = audio_samples(out)
    assert sound.shape[1] / rate == pytest.approx(1.0, abs=0.03)
    # Source 0.5–1.5 s (440 Hz) plays in 0.5 s, then 1.5–2.5 s (880 Hz): same pitch, half time.
    assert dominant_frequency(segment(sound, rate, 0.0, 0.5), rate) == pytest.approx(440, abs=5)
    assert dominant_frequency(segment(sound, rate, 0.5, 1.0), rate) == pytest.approx(880, abs=5)
    ref, ref_rate = audio_samples(src)
    level = rms(segment(ref, ref_rate, 0.5, 2.5))
    assert rms(segment(sound, rate, 0.0, 1.0)) == pytest.approx(level, rel=0.1)


def test_still_image_clip(still_png: Path, tmp_path: Path):
    p = project(background="black")
    p.add_track("video").add_clip(still_png, start=0.0, duration=0.5)
    out = tmp_path / "still.mp4"
    render(p, out)
    frames = video_frames(out)
    assert len(frames) == 15
    png = video_frames(still_png)[0]
    for k in (0, 7, 14):
        assert psnr(frames[k], png) > 35


# -- fades ---------------------------------------------------------------------------------


def test_fade_in_on_bottom_track_starts_at_background(color_media: ColorMedia, tmp_path: Path):
    p = project(background="blue")
    p.add_track("video").add_clip(
        color_media("red", 440), start=0, duration=1.0, fade_in=0.5, fade_out=0.5
    )
    out = tmp_path / "fade.mp4"
    render(p, out)
    frames = video_frames(out)
    assert len(frames) == 30
    assert_color(frames[0], BLUE, tol=4)
    assert_color(frames[15], RED, tol=4)
    reds = [mean_rgb(frames[k])[0] for k in range(16)]
    assert all(x < y for x, y in itertools.pairwise(reds)), reds
    reds = [mean_rgb(frames[k])[0] for k in range(15, 30)]
    assert all(x > y for x, y in itertools.pairwise(reds)), reds
    assert mean_rgb(frames[29])[0] < 40  # nearly back to the background
    sound, rate = audio_samples(out)
    assert rms(sound[:, :480]) < 0.2 * rms(segment(sound, rate, 0.4, 0.6, margin=0))


def test_fade_on_upper_track_shows_the_track_below(color_media: ColorMedia, tmp_path: Path):
    p = project(background="black")
    p.add_track("video").add_clip(color="blue", start=0, duration=2.0)
    p.add_track("video").add_clip(
        color_media("red", 440), start=0.5, duration=1.0, fade_in=0.5, fade_out=0.3
    )
    out = tmp_path / "upper-fade.mp4"
    render(p, out)
    frames = video_frames(out)
    assert len(frames) == 60
    assert_color(frames[14], BLUE, tol=4)
    assert_color(frames[15], BLUE, tol=4)  # the clip's first frame: fully transparent
    assert_color(frames[22], PURPLE, tol=16)
    assert_color(frames[30], RED, tol=4)
    assert mean_rgb(frames[44])[2] > 200  # fading out: mostly the blue below
    assert_color(frames[45], BLUE, tol=4)


# -- titles --------------------------------------------------------------------------------


def test_title_with_awkward_text_renders_where_it_should(tmp_path: Path):
    text = "it's 50% off: [x]; a,b \\ c\n🎉"
    p = project()
    p.add_track("video").add_clip(color="#202020", start=0, duration=2.0)
    p.add_title(text, start=0.5, duration=1.0, size=20, color="white")
    out = tmp_path / "title.mp4"
    render(p, out)
    frames = video_frames(out)
    assert len(frames) == 60

    plan = plan_project(p)
    image = next(iter(text_images(plan, tmp_path).values()))
    x0, y0 = text_origin("center", 40, (image.width, image.height), (320, 240))
    x1, y1 = x0 + image.width, y0 + image.height

    blank = frames[5]
    changed = np.abs(frames[30].astype(int) - blank.astype(int)).max(axis=2) > 40
    assert changed[y0:y1, x0:x1].sum() > 0.02 * image.width * image.height
    far = changed.copy()
    far[max(0, y0 - 4) : y1 + 4, max(0, x0 - 4) : x1 + 4] = False
    assert not far.any(), "pixels changed away from the title"
    for k in (14, 45, 59):  # before and after the title
        assert mad(frames[k], blank) < 1


# -- frame exactness -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def cut_sources(media: Callable[..., Path]) -> dict[str, tuple[Path, Path]]:
    """Two distinguishable testsrc2 sources per frame rate (the second is mirrored)."""
    out = {}
    for rate, seconds in [("30", 4), ("30000/1001", 12)]:
        size = "320x240" if rate == "30" else "160x120"
        tag = rate.replace("/", "_")
        a = media(f"cut-{tag}-a.mp4", video=f"testsrc2=s={size}:r={rate}:d={seconds}", audio=None)
        b = media(
            f"cut-{tag}-b.mp4",
            video=f"testsrc2=s={size}:r={rate}:d={seconds},hflip",
            audio=None,
        )
        out[rate] = (a, b)
    return out


@pytest.mark.parametrize(
    "case",
    [
        ("30", 0.0, 0.0, 1.0),
        ("30", 0.5, 1.0, 1.0),  # mid-GOP seeks
        ("30", 1 / 3, 2 + 1 / 30, 1.0),
        ("30", 0.51, 0.0333, 0.7),  # off-grid times snap to the nearest frame
        ("30", 2.0, 4 - 4 / 30, 0.5),  # a keyframe; the source's last four frames
        ("30000/1001", 0.0, 0.0, 1.0),
        ("30000/1001", 10.0, 5.5, 1.0),
        ("30000/1001", 7.3, 11.0, 0.5),
    ],
    ids=lambda c: "{}:{:.4g}:{:.4g}@{:g}".format(*c),
)
def test_cut_is_frame_exact(
    cut_sources: dict[str, tuple[Path, Path]],
    tmp_path: Path,
    case: tuple[str, float, float, float],
):
    """(frame rate, source_start of a, source_start of b, time of the cut)."""
    rate, a_start, b_start, cut = case
    fps = Fraction(rate)
    a, b = cut_sources[rate]
    width, height = (320, 240) if rate == "30" else (160, 120)
    p = project(width, height, fps=rate)
    v = p.add_track("video")
    v.add_clip(a, start=0, source_start=a_start, duration=cut)
    v.add_clip(b, start=cut, source_start=b_start, duration=1 / 30 * 4)
    out = tmp_path / "cut.mp4"
    render(p, out)
    frames = video_frames(out)
    src_a, src_b = source_frames(a), source_frames(b)
    k_cut = round(cut * fps)
    assert len(frames) == k_cut + 4
    a0, b0 = round(a_start * fps), round(b_start * fps)
    for k in [0, 1, *range(max(2, k_cut - 3), k_cut + 4)]:
        src, expected = (src_a, a0 + k) if k < k_cut else (src_b, b0 + k - k_cut)
        assert closest(frames[k], src, expected) == expected, f"frame {k}"
        assert psnr(frames[k], src[expected]) > 35, f"frame {k}"


@pytest.mark.parametrize(
    "case",
    [
        ("60", "30", 1.0, 1),
        ("50", "25", 0.4, 1),
        ("60", "30000/1001", 0.5, 1),
        ("24", "30", 0.0, 1),
        ("25", "30", 0.0, 1),
        ("24", "30", 0.37, 1),
        ("30", "30", 0.2, 1.5),
        ("30", "24", 0.1, 0.5),
    ],
    ids=lambda c: "{}fps-in-{}@{:g}x{:g}".format(*c),
)
def test_other_frame_rate_shows_the_frame_that_holds_the_time(
    media: Callable[..., Path], tmp_path: Path, case: tuple[str, str, float, float]
):
    """Frame k shows the source frame whose interval holds the clip's source time at k.

    Other source rates and speeds pick frames by time; the preview picks the same ones.
    """
    src_rate, rate, source_start, speed = case
    src = media(f"rate-{src_rate}.mp4", video=f"testsrc2=s=160x120:r={src_rate}:d=3", audio=None)
    p = project(160, 120, fps=rate)
    p.add_track("video").add_clip(
        src, start=0, source_start=source_start, duration=1.0, speed=speed
    )
    out = tmp_path / "rate.mp4"
    render(p, out)
    frames, source = video_frames(out), source_frames(src)
    fps, src_fps = Fraction(rate), Fraction(src_rate)
    first = Fraction(round(source_start * fps)) / fps  # source_start snaps to the grid
    speed_q = Fraction(speed)
    expected = [int((first + Fraction(k) / fps * speed_q) * src_fps) for k in range(len(frames))]
    shown = [closest(f, source, e) for f, e in zip(frames, expected, strict=True)]
    assert shown == expected
    previewed = [closest(p.frame_at(k / fps), source, e) for k, e in enumerate(expected)]
    assert previewed == expected


def test_translucent_colour_clip_over_background(tmp_path: Path):
    """A colour with an alpha channel lets what is below show through."""
    p = project(background="blue")
    p.add_track("video").add_clip(color="#ff000080", start=0, duration=0.2)
    p.add_track("video").add_clip(
        color="#00ff0080", start=0, duration=0.2, transform=Transform(scale=0.5)
    )
    out = tmp_path / "alpha.mp4"
    render(p, out)
    frame = video_frames(out)[3]
    half = 0x80 / 255
    purple = (255 * half, 0, 255 * (1 - half))
    assert_color(frame, purple, (0, 0, 320, 40), tol=10)
    green_over = tuple(g * half + c * (1 - half) for g, c in zip(LIME, purple, strict=True))
    assert_color(frame, green_over, (100, 80, 220, 160), tol=10)


# -- failures ------------------------------------------------------------------------------


def _children_running_ffmpeg() -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid() and "ffmpeg" in cmd:
            found.append(f"{entry.name}: {cmd}")
    return found


@pytest.fixture(scope="module")
def truncated(media: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MP4 with its index in front whose second half is cut off."""
    whole = media("whole.mp4", faststart=True)
    data = whole.read_bytes()
    path = tmp_path_factory.mktemp("broken") / "truncated.mp4"
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="looks for processes in /proc")
@pytest.mark.parametrize("existing", [False, True])
def test_failed_render_leaves_nothing_behind(truncated: Path, tmp_path: Path, existing: bool):
    p = project()
    p.add_track("video").add_clip(truncated, start=0, duration=3.5)
    target = tmp_path / "out.mp4"
    if existing:
        target.write_bytes(b"an older render")
    with pytest.raises(RenderError) as err:
        render(p, target)
    text = str(err.value)
    assert "Invalid data found" in text or "corrupt" in text.lower(), text
    assert err.value.returncode not in (0, None)
    if existing:
        assert target.read_bytes() == b"an older render"
    else:
        assert not target.exists()
    assert sorted(x.name for x in tmp_path.iterdir()) == (["out.mp4"] if existing else [])
    assert _children_running_ffmpeg() == []


def test_unknown_effect_or_bad_parameter_is_refused(tmp_path: Path):
    with pytest.raises(EffectError, match="'amount'"):
        vnb.effects.brightness(3.0)
    with pytest.raises(EffectError, match="'radius'"):
        vnb.effects.blur(-1)
    with pytest.raises(EffectError, match="'glow'"):
        normalize_params("glow", {})
    with pytest.raises(EffectError, match="'strength'"):
        normalize_params("blur", {"strength": 2})
    # Made as a schema object, the effect is checked by the project's validation.
    with pytest.raises((EffectError, ProjectError), match="'glow'"):
        vnb.schema.Effect(name="glow")
    # A parameter changed in place after the effect was made is caught at render time.
    p = project()
    clip = p.add_track("video").add_clip(color="red", start=0, duration=0.5)
    effect = vnb.effects.sharpen(1.0)
    effect.params["amount"] = 50.0
    clip.effects.append(effect)
    with pytest.raises((EffectError, ProjectError), match=r"effects\[0\].*'amount'"):
        render(p, tmp_path / "x.mp4")
    assert not list(tmp_path.iterdir())


def test_clip_beyond_the_end_of_its_source(color_media: ColorMedia, tmp_path: Path):
    p = project()
    p.add_track("video").add_clip(color_media("red", 440), start=0, source_start=2.0, duration=2.0)
    with pytest.raises(ProjectError, match="c1") as err:
        render(p, tmp_path / "x.mp4")
    assert "ends at" in str(err.value)
    assert not list(tmp_path.iterdir())


def test_overlap_without_transition_names_both_clips(color_media: ColorMedia, tmp_path: Path):
    p = project()
    v = p.add_track("video")
    v.add_clip(color_media("red", 440), start=0, duration=1.0, id="first")
    v.add_clip(color_media("blue", 880), start=0.5, duration=1.0, id="second")
    with pytest.raises(ProjectError) as err:
        render(p, tmp_path / "x.mp4")
    assert "'first'" in str(err.value)
    assert "'second'" in str(err.value)
    assert "without a transition" in str(err.value)


def test_transition_that_does_not_last_the_overlap(color_media: ColorMedia, tmp_path: Path):
    p = project()
    v = p.add_track("video")
    a = v.add_clip(color_media("red", 440), start=0, duration=1.0, id="first")
    b = v.add_clip(color_media("blue", 880), start=0.5, duration=1.0, id="second")
    tr = v.add_transition(a, b, duration=0.5)
    tr.duration = 0.3
    with pytest.raises(ProjectError, match="exactly their overlap") as err:
        render(p, tmp_path / "x.mp4")
    assert "'first'" in str(err.value)
    assert "'second'" in str(err.value)
    assert "0.5 s" in str(err.value)


def test_missing_media_lists_every_clip(tmp_path: Path):
    p = project()
    v = p.add_track("video")
    v.add_clip(tmp_path / "nowhere.mp4", start=0, duration=1.0, id="lost1")
    v.add_clip(tmp_path / "gone.mp4", start=1.0, duration=1.0, id="lost2")
    with pytest.raises(MediaNotFoundError) as err:
        render(p, tmp_path / "x.mp4")
    assert "'lost1'" in str(err.value)
    assert "'lost2'" in str(err.value)


@pytest.mark.parametrize("url", ["http://example.com/a.mp4", "rtmp://host/live", "concat:a|b"])
def test_url_source_is_refused_by_the_schema(url: str):
    p = project()
    with pytest.raises(ProjectError, match=r"clips\[0\]\.source"):
        p.add_track("video").add_clip(url, start=0, duration=1.0)


# -- presets -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def one_second(color_media: ColorMedia) -> vnb.Project:
    p = project(background="blue")
    p.add_track("video").add_clip(color_media("red", 440), start=0, duration=1.0)
    return p


def test_preset_web_720p(one_second: vnb.Project, tmp_path: Path):
    out = tmp_path / "web.mp4"
    result = render(one_second, out, preset="web-720p", crf=None)
    info = stream_info(out)
    assert (info.width, info.height) == (1280, 720) == (result.width, result.height)
    assert (info.video_codec, info.pix_fmt, info.audio_codec) == ("h264", "yuv420p", "aac")
    frame = video_frames(out)[15]
    # 4:3 in 16:9: bars of the background left and right, the picture in between.
    assert_color(frame, BLUE, (0, 0, 150, 720), tol=6)
    assert_color(frame, BLUE, (1130, 0, 1280, 720), tol=6)
    assert_color(frame, RED, (170, 10, 1110, 710), tol=6)


def test_preset_webm(one_second: vnb.Project, tmp_path: Path):
    out = tmp_path / "out.webm"
    render(one_second, out, preset="webm", crf=None)
    info = stream_info(out)
    assert (info.video_codec, info.audio_codec) == ("vp9", "opus")
    frames = video_frames(out)
    assert len(frames) == 30
    assert_color(frames[15], RED, tol=8)
    sound, rate = audio_samples(out)
    assert dominant_frequency(segment(sound, rate, 0, 1), rate) == pytest.approx(440, abs=3)


def test_preset_gif(one_second: vnb.Project, tmp_path: Path):
    out = tmp_path / "out.gif"
    render(one_second, out, preset="gif", crf=None)
    info = stream_info(out)
    assert info.kinds == ("video",)
    frames = video_frames(out)
    assert frames.shape[1:3] == (360, 480)
    assert len(frames) == 15
    assert_color(frames[7], RED, tol=8)


def test_preset_audio_only(one_second: vnb.Project, tmp_path: Path):
    out = tmp_path / "out.m4a"
    result = render(one_second, out, preset="audio-only", crf=None)
    info = stream_info(out)
    assert info.kinds == ("audio",)
    assert info.audio_codec == "aac"
    assert result.frames == 0
    sound, rate = audio_samples(out)
    assert sound.shape[1] / rate == pytest.approx(1.0, abs=0.05)
    assert dominant_frequency(segment(sound, rate, 0, 1), rate) == pytest.approx(440, abs=3)


def test_preset_vertical(one_second: vnb.Project, tmp_path: Path):
    out = tmp_path / "vertical.mp4"
    render(one_second, out, preset="vertical", crf=None, fit="letterbox")
    info = stream_info(out)
    assert (info.width, info.height) == (1080, 1920)
    frame = video_frames(out)[15]
    # 320×240 fitted to 1080 wide is 810 high: bars of 555 above and below.
    assert_color(frame, BLUE, (0, 0, 1080, 540), tol=6)
    assert_color(frame, BLUE, (0, 1380, 1080, 1920), tol=6)
    assert_color(frame, RED, (10, 570, 1070, 1350), tol=6)


# -- frame_at ------------------------------------------------------------------------------


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """frame_at may use the disk cache: give it a folder of its own."""
    from vnb import cache

    monkeypatch.setenv("VNB_CACHE_DIR", str(tmp_path / "cache"))
    cache.configure(directory=tmp_path / "cache")
    yield
    cache.configure()


@pytest.fixture(scope="module")
def busy_edit(
    color_media: ColorMedia, testsrc: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[vnb.Project, np.ndarray]:
    """A crossfade, an effect, a translucent scaled overlay with an effect, and a title."""
    p = project(background="#102030")
    v = p.add_track("video")
    a = v.add_clip(testsrc, start=0, source_start=0.3, duration=1.5)
    b = v.add_clip(color_media("blue", 880), start=1.2, duration=1.3)
    b.effects.append(vnb.effects.brightness(0.2))
    v.add_transition(a, b, "crossfade", duration=0.3)  # frames 36..44
    top = p.add_track("video")
    top.add_clip(
        testsrc,
        start=0.5,
        duration=1.5,
        opacity=0.6,
        transform=Transform(scale=0.4, x=70, y=-50),
        effects=[vnb.effects.grayscale()],
    )
    p.add_title("Hello, vnb!", start=0.2, duration=1.0, size=24, outline=2)
    out = tmp_path_factory.mktemp("busy") / "busy.mp4"
    render(p, out)
    frames = video_frames(out)
    assert len(frames) == 75
    return p, frames


@pytest.mark.usefixtures("own_cache")
@pytest.mark.parametrize("k", [0, 7, 15, 20, 38, 40, 45, 59, 60, 74])
def test_frame_at_matches_the_render(busy_edit: tuple[vnb.Project, np.ndarray], k: int):
    p, frames = busy_edit
    t = k / 30 + 0.01  # frame k: times snap to the nearest frame
    still = p.frame_at(t)
    assert still.shape == (240, 320, 3)
    assert still.dtype == np.uint8
    assert psnr(still, frames[k]) >= 35
    for j in (k - 1, k + 1):  # and a one-frame error would be seen
        if 0 <= j < len(frames) and mad(frames[j], frames[k]) > 1:
            assert psnr(still, frames[k]) > psnr(still, frames[j]) + 3, f"looks like frame {j}"


@pytest.mark.usefixtures("own_cache")
def test_frame_at_outside_the_project(color_media: ColorMedia):
    p = project()
    p.add_track("video").add_clip(color_media("red", 440), start=0, duration=1.0)
    with pytest.raises(ProjectError, match="outside"):
        p.frame_at(1.0)
    with pytest.raises(ProjectError, match="outside"):
        p.frame_at(-0.1)
