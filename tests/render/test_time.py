"""Time: reversed and frozen clips, frame-exact against a frame-number barcode.

The source draws its frame number (`tests.render.test_smart.barcode`), so every rendered and
previewed frame says which source frame it shows; the preview must show the render's frame.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest

import vnb
from tests.render.avcheck import audio_samples, psnr, render, video_frames
from tests.render.test_smart import BITS, barcode, frame_numbers
from vnb import edit
from vnb.errors import ProjectError
from vnb.ffmpeg import build_graph
from vnb.media import plan_project
from vnb.preview import frame_at
from vnb.schema.export import resolve_export

FPS = 30


def _number(rgb: np.ndarray) -> int:
    luma = rgb[..., 1]  # the boxes are black and white: green is luma enough
    return sum(1 << k for k in range(BITS) if luma[12, 16 + k * 24] > 128)


@pytest.fixture(scope="module")
def numbered(media: Callable[..., Path]) -> Path:
    """4 s at 30 fps, every frame showing its number; a 1 kHz click at 0.50–0.52 s."""
    click = "aevalsrc='if(between(t,0.5,0.52),0.8*sin(2*PI*1000*t),0)':s=48000:d=4"
    return media("time_numbered.mp4", video=barcode(4), audio=click, gop=30, crf=10)


@pytest.fixture(scope="module")
def reversed_edit(numbered: Path, tmp_path_factory: pytest.TempPathFactory):
    """Reversed, reversed at speed 2 (into a transition), and frozen clips, and their render."""
    p = vnb.Project(width=320, height=240, fps=FPS)
    v = p.add_track("video")
    v.add_clip(str(numbered), start=0, source_start=0.5, duration=2.0, reverse=True)
    fast = v.add_clip(str(numbered), start=2.0, source_start=1.0, duration=1.0, speed=2)
    fast.reverse = True
    frozen = v.add_clip(str(numbered), start=2.8, source_start=2.0, duration=1.0, freeze=True)
    v.add_transition(fast, frozen, "fade", duration=0.2)
    out = tmp_path_factory.mktemp("time") / "reversed.mp4"
    render(p, out, crf=0)
    return p, out


def test_reverse_and_freeze_show_the_expected_source_frames(reversed_edit):
    _, out = reversed_edit
    shown = frame_numbers(out)
    assert len(shown) == 114
    assert shown[:60] == list(range(74, 14, -1))  # source frames 15..74, last first
    assert shown[60:84] == list(range(88, 40, -2))  # speed 2: 30, 32 … 88, last first
    assert shown[90:] == [60] * 24  # the frame at 2.0 s, held


def test_preview_of_reversed_and_frozen_clips_is_the_render(reversed_edit):
    p, out = reversed_edit
    rendered = video_frames(out)
    for k in range(len(rendered)):  # every frame, transition included
        got = frame_at(p, k / FPS, cache=False)
        if not 84 <= k < 90:  # the fade mixes two barcodes
            assert _number(got) == _number(rendered[k]), f"frame {k}"
        assert psnr(got, rendered[k]) >= 35, f"frame {k}"


def _loudest(samples: np.ndarray, rate: int, start: float, end: float) -> float:
    """The time (s) of the loudest 5 ms of ``[start, end)``."""
    mono = np.abs(samples).mean(axis=0)
    a, b, hop = round(start * rate), round(end * rate), rate // 200
    energy = [float(mono[i : i + hop].sum()) for i in range(a, b - hop, hop)]
    return start + int(np.argmax(energy)) * hop / rate


def test_reversed_sound_is_mirrored_and_a_freeze_is_silent(numbered: Path, tmp_path: Path):
    p = vnb.Project(width=320, height=240, fps=FPS)
    v = p.add_track("video")
    v.add_clip(str(numbered), start=0, source_start=0.0, duration=2.0)
    v.add_clip(str(numbered), start=2.0, source_start=0.0, duration=2.0, reverse=True)
    v.add_clip(str(numbered), start=4.0, source_start=0.5, duration=1.0, freeze=True)
    render(p, tmp_path / "sound.mp4")
    samples, rate = audio_samples(tmp_path / "sound.mp4")
    assert _loudest(samples, rate, 0, 2) == pytest.approx(0.51, abs=0.015)  # forward: at 0.50
    assert _loudest(samples, rate, 2, 4) == pytest.approx(2 + 1.49, abs=0.015)  # 2 − 0.52 … 0.50
    click = np.abs(samples[:, round(0.5 * rate) : round(0.52 * rate)]).max()
    assert click > 0.3
    assert np.abs(samples[:, round(4.05 * rate) : round(4.95 * rate)]).max() < 0.01 * click
    assert frame_numbers(tmp_path / "sound.mp4")[120:150] == [15] * 30


def test_a_reversed_piece_too_long_to_hold_is_refused_naming_the_clip(numbered: Path):
    p = vnb.Project(width=1920, height=1080, fps=FPS)
    p.add_track("video").add_clip(
        str(numbered), source_start=0, duration=3.5, reverse=True, id="backwards"
    )
    build_graph(plan_project(p), resolve_export(p.export))  # 105 frames of 1080p: fine
    p.tracks[0].clips[0].transform.scale = 3.0  # 105 frames of 5760×3240 are not
    with pytest.raises(ProjectError, match="clip 'backwards': plays backwards 105 frames"):
        build_graph(plan_project(p), resolve_export(p.export))


def test_freeze_and_reverse_are_saved_and_exclusive(numbered: Path, tmp_path: Path):
    p = vnb.Project(width=320, height=240, fps=FPS)
    v = p.add_track("video")
    v.add_clip(str(numbered), duration=1.0, reverse=True)
    v.add_clip(str(numbered), start=1.0, duration=1.0, freeze=True)
    p.save(tmp_path / "p.vnb.json")
    back = vnb.load(tmp_path / "p.vnb.json")
    assert [(c.reverse, c.freeze) for c in back.tracks[0].clips] == [(True, False), (False, True)]
    with pytest.raises(ValueError, match="frozen or reversed"):
        v.add_clip(str(numbered), start=2.0, duration=1.0, freeze=True, reverse=True)


def test_render_of_reversed_audio_only_clip(numbered: Path, tmp_path: Path):
    # a sound-only export of a reversed clip: the click comes out at the mirrored time
    p = vnb.Project(width=320, height=240, fps=FPS)
    p.add_track("audio").add_clip(str(numbered), source_start=0.25, duration=1.0, reverse=True)
    out = tmp_path / "sound.m4a"
    render(p, out, video_codec="none")
    samples, rate = audio_samples(out)
    assert _loudest(samples, rate, 0, 1) == pytest.approx(1.0 - 0.27 + 0.01, abs=0.015)
    with av.open(str(out)) as c:
        assert not c.streams.video


def test_freeze_frame_edit_holds_the_frame_shown_and_moves_the_rest(numbered: Path, tmp_path):
    p = vnb.Project(width=320, height=240, fps=FPS)
    v = p.add_track("video")
    v.add_clip(str(numbered), start=0, source_start=0.5, duration=1.0, id="a")  # 15..44
    v.add_clip(str(numbered), start=1.0, source_start=0.0, duration=0.5, id="b")  # 0..14
    v.add_clip(str(numbered), start=1.5, source_start=1.0, duration=1.0, reverse=True, id="r")
    history = edit.History(p)
    held = edit.freeze_frame(p, "a", 0.4, 0.5)  # frame 12 shows source frame 27
    assert (held.start, held.duration, held.freeze) == (0.4, 0.5, True)
    assert v.clip("b").start == pytest.approx(1.5)
    edit.freeze_frame(p, "r", 2.2, 0.3)  # r now starts at 2.0: its 7th frame shows 53
    assert [round(c.start * FPS) for c in v.clips] == [0, 12, 27, 45, 60, 66, 75]
    render(p, tmp_path / "held.mp4", crf=0)
    want = [*range(15, 27), *[27] * 15, *range(27, 45), *range(15)]
    want += [*range(59, 53, -1), *[53] * 9, *range(53, 29, -1)]
    assert frame_numbers(tmp_path / "held.mp4") == want
    for k in range(0, len(want), 3):
        assert _number(frame_at(p, k / FPS, cache=False)) == want[k], f"frame {k}"
    history.undo()  # one step takes the whole second freeze back
    assert [c.id for c in p.tracks[0].clips][-1] == "r" and len(p.tracks[0].clips) == 5
    history.undo()
    assert [(c.id, c.start) for c in p.tracks[0].clips] == [("a", 0.0), ("b", 1.0), ("r", 1.5)]


def test_freeze_frame_is_refused_off_the_clip(numbered: Path):
    p = vnb.Project(width=320, height=240, fps=FPS)
    p.add_track("video").add_clip(str(numbered), start=1.0, duration=1.0, id="a")
    with pytest.raises(ProjectError, match=r"2\.000 s is not on the clip"):
        edit.freeze_frame(p, "a", 2.0, 1.0)
    with pytest.raises(ProjectError, match="at least a frame"):
        edit.freeze_frame(p, "a", 1.5, 0.001)
    held = edit.freeze_frame(p, "a", 1.0, 1.0)  # at its first frame: before it, nothing split
    assert [(c.id, c.start) for c in p.tracks[0].clips] == [(held.id, 1.0), ("a", 2.0)]


def _numbers(p: vnb.Project, frames: range) -> list[int]:
    return [_number(frame_at(p, k / FPS, cache=False)) for k in frames]


def test_split_and_trim_keep_what_reversed_and_frozen_clips_show(numbered: Path):
    p = vnb.Project(width=320, height=240, fps=FPS)
    v = p.add_track("video")
    v.add_clip(str(numbered), source_start=0.5, duration=1.0, speed=2, reverse=True, id="r")
    v.add_clip(str(numbered), start=1.0, source_start=1.0, duration=0.5, freeze=True, id="f")
    before = _numbers(p, range(45))
    assert before[:30] == list(range(73, 13, -2)) and before[30:] == [30] * 15
    edit.split_clip(p, "r", 0.4)
    edit.split_clip(p, "f", 1.2)
    assert _numbers(p, range(45)) == before
    edit.trim_clip(p, "r", start=0.2)  # the head of a reversed clip: its last source frames
    right = v.clips[1]
    edit.trim_clip(p, right.id, end=0.9)
    assert _numbers(p, range(6, 27)) == before[6:27]
    edit.trim_clip(p, "r", start=0.0)  # and back: they were still in the source
    assert _numbers(p, range(6)) == before[:6]


def test_reversed_clip_of_another_frame_rate_matches_the_render(media, tmp_path: Path):
    source = media("time_numbered25.mp4", video=barcode(3).replace("r=30", "r=25"), audio=None)
    p = vnb.Project(width=320, height=240, fps=FPS)
    v = p.add_track("video")
    v.add_clip(str(source), source_start=0.3, duration=1.5, reverse=True)
    v.add_clip(str(source), start=1.5, source_start=1.0, duration=0.5, speed=1.5, reverse=True)
    render(p, tmp_path / "o.mp4", crf=0)
    rendered = video_frames(tmp_path / "o.mp4")
    shown = [_number(f) for f in rendered]
    # 25 fps on 30: each instant shows the frame that holds it, mirrored in the clip
    forward = [int((0.3 + j / FPS) * 25 + 1e-6) for j in range(45)]
    assert shown[:45] == forward[::-1]
    for k, frame in enumerate(rendered):
        got = frame_at(p, k / FPS, cache=False)
        assert _number(got) == shown[k], f"frame {k}"
        assert psnr(got, frame) >= 35, f"frame {k}"


def _ramp_frames(frames: int, speed_at: Callable[[int], float], start: float) -> list[int]:
    """Source frames a ramp shows: segments of 4 frames, each at the speed of its first.

    Each frame shows the source frame that holds its instant (one that starts up to a
    millisecond of output time later counts: container times are rounded).
    """
    shown, t = [], start
    for k in range(frames):
        speed = speed_at(k - k % 4)
        shown.append(int((t + 0.001 * speed) * FPS))
        t += speed / FPS
    return shown


def test_speed_ramp_plays_the_integral_of_the_speed_in_render_and_preview(numbered: Path, tmp_path):
    p = vnb.Project(width=320, height=240, fps=FPS)
    v = p.add_track("video")
    up = v.add_clip(str(numbered), source_start=0.0, duration=1.5)
    up.animate("speed", {0: 1.0, 1.5: 3.0})  # 3 s of source in 1.5 s
    back = v.add_clip(str(numbered), start=1.5, source_start=0.2, duration=1.0)
    back.animate("speed", [(0, 2.0, "ease_in"), (1.0, 1.0)])
    back.reverse = True
    render(p, tmp_path / "ramp.mp4", crf=0)
    rendered = video_frames(tmp_path / "ramp.mp4")
    shown = [_number(f) for f in rendered]
    assert shown[:45] == _ramp_frames(45, lambda f: 1 + 2 * f / 45, 0.0)
    assert shown[44] > 80  # it did speed up: about 2.9 s of source
    # shown from 2× easing in to 1×: the forward clip reads the keys mirrored
    eased = _ramp_frames(30, lambda f: 2 - ((29 - f) / 30) ** 3, 0.2)  # ease_in: cubic
    assert shown[45:] == eased[::-1]
    assert shown[45] - shown[46] == 2 and shown[73] - shown[74] == 1
    for k, frame in enumerate(rendered):
        got = frame_at(p, k / FPS, cache=False)
        assert _number(got) == shown[k], f"frame {k}"
        assert psnr(got, frame) >= 35, f"frame {k}"
    samples, rate = audio_samples(tmp_path / "ramp.mp4")
    # the click at 0.50 s of source comes where the ramp reaches it (atempo: within 20 ms)
    t, k, speed = 0.0, 0, 1.0
    while t + (speed := 1 + 2 * (k - k % 4) / 45) / FPS <= 0.5:
        t, k = t + speed / FPS, k + 1
    at = k / FPS + (0.5 - t) / speed
    assert _loudest(samples, rate, 0, 1.5) == pytest.approx(at + 0.005, abs=0.02)
    assert at < 0.44  # not where a plain clip plays it (0.50)


def test_speed_keys_are_checked_against_the_speed_range(numbered: Path):
    p = vnb.Project(width=320, height=240, fps=FPS)
    clip = p.add_track("video").add_clip(str(numbered), duration=1.0)
    with pytest.raises(ProjectError, match=r"speed key value 0\.0"):
        clip.animate("speed", {0: 1.0, 1: 0.0})
    with pytest.raises(ProjectError, match="source ends"):
        clip.animate("speed", {0: 1.0, 1: 9.0})
        plan_project(p)


def test_a_ramps_sound_has_no_gaps(media, tmp_path: Path):
    tone = media("time_tone.mp4", video="color=c=gray:s=64x48:r=30:d=4", audio="sine=f=440:d=4")
    p = vnb.Project(width=64, height=48, fps=FPS)
    p.add_track("audio").add_clip(str(tone), duration=2.0).animate("speed", {0: 0.6, 2: 1.6})
    render(p, tmp_path / "tone.m4a", video_codec="none")
    samples, rate = audio_samples(tmp_path / "tone.m4a")
    hop = rate // 200  # 5 ms windows, away from the ends
    rms = [
        float(np.sqrt(np.mean(samples[0, i : i + hop] ** 2)))
        for i in range(rate // 10, 19 * rate // 10, hop)
    ]
    assert min(rms) > 0.85 * float(np.median(rms))  # the pieces join without silence


def test_split_of_a_speed_ramp_starts_the_right_part_where_the_ramp_is(numbered: Path):
    p = vnb.Project(width=320, height=240, fps=FPS)
    clip = p.add_track("video").add_clip(str(numbered), source_start=0.1, duration=1.2, id="r")
    clip.animate("speed", {0: 1.0, 1.2: 2.0})
    shown = _numbers(p, range(36))
    right = edit.split_clip(p, "r", 0.8)  # frame 24: where 4-frame segments start
    assert int(right.source_start * FPS) == shown[24] == 33  # the integral: not 27 (1×), 51 (2×)
    assert _numbers(p, range(24)) == shown[:24]  # the left part plays on as it did


def test_clips_with_a_python_effect_play_backwards_frozen_and_ramped_alike(numbered, tmp_path):
    # Such clips are pre-rendered forwards first (`vnb.render.prerender`), then cut as above.
    @vnb.effects.python_effect
    def dim(frame, t):
        return (frame * 0.9).astype(np.uint8)

    p = vnb.Project(width=320, height=240, fps=FPS)
    v = p.add_track("video")
    v.add_clip(str(numbered), source_start=0.5, duration=0.5, reverse=True, effects=[dim()])
    v.add_clip(
        str(numbered), start=0.5, source_start=1.0, duration=0.3, freeze=True, effects=[dim()]
    )
    ramp = v.add_clip(str(numbered), start=0.8, source_start=1.5, duration=0.6, effects=[dim()])
    ramp.animate("speed", {0: 1.0, 0.6: 2.5})
    render(p, tmp_path / "dim.mp4", crf=0)
    rendered = video_frames(tmp_path / "dim.mp4")
    shown = [_number(f) for f in rendered]
    assert shown[:15] == list(range(29, 14, -1)) and shown[15:24] == [30] * 9
    for k, frame in enumerate(rendered):
        got = frame_at(p, k / FPS, cache=False)
        assert _number(got) == shown[k], f"frame {k}"
        assert psnr(got, frame) >= 35, f"frame {k}"
