"""Smart render: cuts-only edits copy the sources' GOPs and re-encode only around the cuts.

Sources are ``testsrc2`` with a 12-bit barcode of the frame number drawn in the top-left corner
(white boxes for set bits), so every decoded output frame says which source frame it is.
"""

from __future__ import annotations

import dataclasses
import itertools
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest

import vnb
from vnb.errors import RenderCancelledError
from vnb.ffmpeg.binary import find_ffmpeg
from vnb.media import plan_project
from vnb.plan import smart as sp
from vnb.render import smart as sm
from vnb.schema.export import resolve_export

BITS = 12
SECONDS = 12
OPTIONS = {"progress_bar": False, "speed": "ultrafast", "crf": 18}


def barcode(seconds: int = SECONDS) -> str:
    """``testsrc2`` with the frame number drawn as ``BITS`` boxes (a lavfi source)."""
    boxes = [f"drawbox=x=0:y=0:w={8 + BITS * 24}:h=24:color=black:t=fill"]
    boxes += [
        f"drawbox=x={8 + k * 24}:y=4:w=16:h=16:color=white:t=fill:enable='mod(floor(n/{1 << k}),2)'"
        for k in range(BITS)
    ]
    return f"testsrc2=s=320x240:r=30:d={seconds}," + ",".join(boxes)


def frame_numbers(path: Path) -> list[int]:
    """The barcode of every decoded frame of ``path``'s video (errors are raised)."""
    out = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            luma = frame.to_ndarray(format="gray")
            bits = [luma[12, 16 + k * 24] > 128 for k in range(BITS)]
            out.append(sum(1 << k for k, bit in enumerate(bits) if bit))
    return out


@pytest.fixture(scope="module")
def sources(media: Callable[..., Path]) -> dict[str, Path]:
    """Numbered sources: B-frames (closed GOP 60), open GOP 30 with B-frames, no B-frames."""
    return {
        "bframes": media(
            "smart_b.mp4",
            video=barcode(),
            audio=f"sine=f=440:d={SECONDS}",
            gop=60,
            crf=18,
            extra=("-preset", "fast"),
        ),
        "open": media(
            "smart_open.mp4",
            video=barcode(),
            audio=f"sine=f=660:d={SECONDS}",
            gop=30,
            crf=18,
            extra=("-preset", "fast", "-x264-params", "open-gop=1"),
        ),
        "ponly": media(
            "smart_p.mp4",
            video=barcode(),
            audio=f"sine=f=880:d={SECONDS}",
            gop=45,
            crf=18,
        ),
    }


# (source, first source frame, frames): cuts on and off keyframes, a clip inside one GOP
CUTS = [
    ("bframes", 17, 100),
    ("open", 45, 80),
    ("bframes", 120, 61),
    ("ponly", 50, 130),
    ("open", 200, 20),
    ("bframes", 181, 119),
    ("ponly", 10, 44),
]


def cuts_project(sources: dict[str, Path], cuts: list[tuple[str, int, int]]) -> vnb.Project:
    """A 320×240 30 fps project of plain clips, one after another."""
    p = vnb.Project(name="cuts", width=320, height=240, fps=30)
    track = p.add_track("video")
    at = 0
    for name, first, frames in cuts:
        track.add_clip(
            str(sources[name]), start=at / 30, source_start=first / 30, duration=frames / 30
        )
        at += frames
    return p


def expected_numbers(cuts: list[tuple[str, int, int]]) -> list[int]:
    """The source frame numbers the output must show, in order."""
    return [n for _, first, frames in cuts for n in range(first, first + frames)]


def packets_by_frame(path: Path) -> dict[int, bytes]:
    """A source's video packets by frame number (0 = the first frame shown)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        packets = [(p.pts, bytes(p)) for p in container.demux(stream) if p.size]
    first = min(pts for pts, _ in packets)
    step = sorted(pts for pts, _ in packets)[1] - first
    return {(pts - first) // step: data for pts, data in packets}


def test_cuts_only_edit_is_frame_exact_copied_and_decodes(
    sources: dict[str, Path], tmp_path: Path
) -> None:
    project = cuts_project(sources, CUTS)
    out = tmp_path / "smart.mp4"
    result = project.render(out, **OPTIONS)

    assert result.smart, result.smart_note
    assert 0 < result.frames_copied < len(expected_numbers(CUTS))
    assert str(result.frames_copied) in result.smart_note
    # Every output frame is the source frame the edit asks for, at every cut, start to end.
    assert frame_numbers(out) == expected_numbers(CUTS)

    # The whole file decodes with the ffmpeg binary without a single error message.
    done = subprocess.run(
        [find_ffmpeg(), "-v", "error", "-xerror", "-i", str(out), "-f", "null", "-"],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0
    assert done.stderr == b""

    with av.open(str(out)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        packets = [p for p in container.demux(video) if p.size]
        tb = video.time_base
        pts = [p.pts for p in packets]
        assert all(p.dts <= p.pts for p in packets)
        dts = [p.dts for p in packets]
        assert all(a < b for a, b in itertools.pairwise(dts))
        duration = float(video.duration * tb)
        audio_duration = float(audio.duration * audio.time_base)
    step = sorted(pts)[1] - min(pts)
    assert sorted(pts) == [min(pts) + i * step for i in range(len(pts))]  # no gap, no duplicate
    assert duration == pytest.approx(result.duration, abs=1e-6)
    assert audio_duration == pytest.approx(result.duration, abs=0.05)
    with av.open(str(out)) as container:
        first_video = next(container.decode(video=0)).time
    with av.open(str(out)) as container:
        first_audio = next(container.decode(audio=0)).time
    assert first_video == 0.0
    assert first_audio == pytest.approx(0.0, abs=1e-3)

    # The copied spans are the sources' packets, byte for byte.
    plan = plan_project(project)
    export = resolve_export(project.export, None, speed="ultrafast", crf=18)
    decision = sp.smart_plan(plan, export, sm.plan_sources(plan))
    assert isinstance(decision, sp.SmartPlan)
    assert decision.copied == result.frames_copied
    # Sources made with other x264 settings have other SPS/PPS under the same ids: a span's
    # first (IDR) packet may carry its source's sets in front, and is otherwise untouched.
    data = [bytes(p) for p in packets]
    position, checked, announced = 0, 0, 0
    for part in decision.parts:
        if isinstance(part, sp.Span):
            source = packets_by_frame(Path(part.source))
            got = data[position : position + part.frames]
            idr = source[part.first]
            if got[0] != idr:
                sets = sm._in_band(sm.source_index(part.source).extradata)
                assert got[0] == sets + idr
                announced += 1
            wanted = sorted(source[n] for n in range(part.first + 1, part.end))
            assert sorted(got[1:]) == wanted
            checked += part.frames
        position += part.frames
    assert announced < sum(isinstance(p, sp.Span) for p in decision.parts)
    assert checked == result.frames_copied
    copied_from = {Path(p.source).name for p in decision.parts if isinstance(p, sp.Span)}
    assert copied_from == {"smart_b.mp4", "smart_p.mp4"}  # open GOPs: re-encoded, never copied


def test_sound_follows_the_cuts(sources: dict[str, Path], tmp_path: Path) -> None:
    cuts = [("bframes", 31, 90), ("ponly", 95, 90), ("open", 20, 90)]
    out = tmp_path / "sound.mp4"
    result = cuts_project(sources, cuts).render(out, **OPTIONS)
    assert result.smart, result.smart_note
    assert frame_numbers(out) == expected_numbers(cuts)
    with av.open(str(out)) as container:
        chunks = [f.to_ndarray()[0] for f in container.decode(audio=0)]
    samples = np.concatenate(chunks)
    for n, pitch in enumerate((440, 880, 660)):  # the middle second of each 3 s clip
        piece = samples[48_000 * (3 * n + 1) : 48_000 * (3 * n + 2)]
        spectrum = np.abs(np.fft.rfft(piece))
        assert np.argmax(spectrum) == pytest.approx(pitch, abs=2)


def test_a_source_without_b_frames_copies_partial_gops(
    sources: dict[str, Path], tmp_path: Path
) -> None:
    cuts = [("ponly", 45, 50), ("ponly", 5, 37)]  # both end mid-GOP, the first starts on one
    out = tmp_path / "p.mp4"
    result = cuts_project(sources, cuts).render(out, **OPTIONS)
    assert frame_numbers(out) == expected_numbers(cuts)
    assert result.frames_copied == 50  # the whole first clip: no B-frame needs a later frame


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"effect": True}, "has effects"),
        ({"hardware": "auto"}, "hardware encoding"),
        ({"video_codec": "libx265"}, "H.264"),
        ({"smart": False}, "turned off"),
        ({"title": True}, "titles"),
    ],
)
def test_falls_back_with_a_reason(
    sources: dict[str, Path], tmp_path: Path, change: dict[str, object], reason: str
) -> None:
    cuts = [("bframes", 17, 70), ("open", 45, 40)]
    project = cuts_project(sources, cuts)
    options = dict(OPTIONS)
    if change.pop("effect", False):
        project.tracks[0].clips[1].effects.append(vnb.effects.brightness(0.1))
    if change.pop("title", False):
        project.add_title("Hello", start=0.0, duration=1.0)
    out = tmp_path / "normal.mp4"
    result = project.render(out, **options, **change)
    assert not result.smart
    assert result.frames_copied == 0
    assert reason in result.smart_note
    assert len(frame_numbers(out)) == 110


def test_cancel_leaves_nothing(sources: dict[str, Path], tmp_path: Path) -> None:
    cancel = threading.Event()
    cancel.set()
    out = tmp_path / "cancelled.mp4"
    with pytest.raises(RenderCancelledError):
        cuts_project(sources, CUTS).render(out, cancel=cancel, **OPTIONS)
    assert list(tmp_path.iterdir()) == []


def test_progress_rises_to_one(sources: dict[str, Path], tmp_path: Path) -> None:
    seen: list[float] = []
    result = cuts_project(sources, CUTS[:3]).render(
        tmp_path / "p.mp4", on_progress=lambda p: seen.append(p.fraction), **OPTIONS
    )
    assert result.smart
    assert seen
    assert seen == sorted(seen)
    assert seen[-1] == 1.0


def test_index_finds_idr_starts_only(sources: dict[str, Path]) -> None:
    closed = sm.source_index(sources["bframes"])
    assert closed.starts == tuple(range(0, SECONDS * 30, 60))
    assert closed.delay > 0  # B-frames
    opened = sm.source_index(sources["open"])
    # With open GOPs x264 makes only the first keyframe an IDR; the others are I-frames whose
    # leading B-frames refer back to the GOP before: no copy may start there.
    assert opened.starts == (0,)
    plain = sm.source_index(sources["ponly"])
    assert plain.delay == 0
    assert plain.ends == frozenset(range(1, SECONDS * 30 + 1))


def test_plan_copies_from_the_first_idr_to_the_last_clean_end(sources: dict[str, Path]) -> None:
    cuts = [("bframes", 17, 100), ("bframes", 120, 61), ("bframes", 200, 30)]
    plan = plan_project(cuts_project(sources, cuts))
    export = resolve_export(None)
    real = sm.source_index(sources["bframes"])
    index = dataclasses.replace(real, starts=(0, 60, 120, 180, 240), ends=frozenset({60, 110, 170}))
    decision = sp.smart_plan(plan, export, {real.path: index})
    assert isinstance(decision, sp.SmartPlan)
    src = real.path
    assert decision.parts == (
        sp.EncodeRun((sp.Span(src, 17, 60),)),  # head: up to the first IDR in the clip
        sp.Span(src, 60, 110),  # 117 is no clean end: the copy stops at 110
        sp.EncodeRun((sp.Span(src, 110, 117),)),
        sp.Span(src, 120, 170),  # starts on an IDR: no head
        sp.EncodeRun((sp.Span(src, 170, 181), sp.Span(src, 200, 230))),  # tail + a clip in a GOP
    )
    assert (decision.copied, decision.encoded) == (100, 91)
    # A source of another size (or anything else that does not match) rules it out.
    other = dataclasses.replace(index, width=640)
    assert "another size" in str(sp.smart_plan(plan, export, {real.path: other}))


def test_a_scaled_source_is_not_copied(sources: dict[str, Path], tmp_path: Path) -> None:
    p = vnb.Project(name="big", width=640, height=480, fps=30)
    p.add_track("video").add_clip(str(sources["bframes"]), start=0, duration=3)
    result = p.render(tmp_path / "big.mp4", **OPTIONS)
    assert not result.smart
    assert "another size" in result.smart_note


def test_a_display_rotated_source_is_not_copied(sources: dict[str, Path], tmp_path: Path) -> None:
    """Copied packets would keep their coded orientation while the render turns it upright."""
    from tests.media.lavfi import run_ffmpeg

    turned = tmp_path / "turned.mp4"
    run_ffmpeg("-display_rotation", "180", "-i", str(sources["bframes"]), "-c", "copy", str(turned))
    p = vnb.Project(name="phone", width=320, height=240, fps=30)
    p.add_track("video").add_clip(str(turned), start=0, duration=3)
    result = p.render(tmp_path / "phone.mp4", **OPTIONS)
    assert not result.smart
    assert "rotated by 180°" in result.smart_note


def test_a_source_with_non_square_pixels_is_not_copied(
    sources: dict[str, Path], tmp_path: Path
) -> None:
    wide = tmp_path / "anamorphic.mp4"
    run_sar = ("-c", "copy", "-bsf:v", "h264_metadata=sample_aspect_ratio=4/3")
    from tests.media.lavfi import run_ffmpeg

    run_ffmpeg("-i", str(sources["bframes"]), *run_sar, str(wide))
    p = vnb.Project(name="sar", width=320, height=240, fps=30)
    p.add_track("video").add_clip(str(wide), start=0, duration=3)
    result = p.render(tmp_path / "sar.mp4", **OPTIONS)
    assert not result.smart
    assert "non-square pixels" in result.smart_note
