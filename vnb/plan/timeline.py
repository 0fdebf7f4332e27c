"""The timeline's structure: clip order, transitions and overlaps, checked without media.

Pure: `track_spans` sorts a track's clips onto the frame grid and resolves its transitions
(for `vnb.plan.compile`); `check_timeline` lists every structural problem of a project.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import TYPE_CHECKING

from vnb.plan.model import TransitionSpan
from vnb.schema.timebase import to_frame

if TYPE_CHECKING:
    from vnb.schema import Clip, Project, Track

__all__ = ["check_timeline", "clip_frames", "track_spans"]


def _xfade_name(kind: str) -> str:
    """The ffmpeg ``xfade`` name of a transition kind."""
    return "fade" if kind == "crossfade" else kind


def clip_frames(clip: Clip, fps: Fraction) -> tuple[int, int]:
    """The first frame of ``clip`` and the frame after its last, at ``fps``."""
    return to_frame(clip.start, fps), to_frame(clip.end, fps)


def track_spans(
    track: Track, where: str, fps: Fraction, problems: list[str]
) -> tuple[list[Clip], list[TransitionSpan]]:
    """Sort a track's clips and resolve its transitions, recording every problem found."""
    clips = sorted(track.clips, key=lambda c: (clip_frames(c, fps), c.id))
    spans = _transition_spans(track, clips, where, fps, problems)
    _check_overlaps(clips, spans, where, fps, problems)
    _check_clip_bodies(clips, spans, where, fps, problems)
    return clips, spans


def _transition_spans(
    track: Track, clips: list[Clip], where: str, fps: Fraction, problems: list[str]
) -> list[TransitionSpan]:
    """The frames of each transition of ``track`` that joins two adjacent, overlapping clips."""
    by_id = {c.id: c for c in clips}
    order = {c.id: i for i, c in enumerate(clips)}
    spans: list[TransitionSpan] = []
    for tr in track.transitions:
        a, b = by_id.get(tr.from_clip), by_id.get(tr.to_clip)
        if a is None or b is None:
            missing = tr.from_clip if a is None else tr.to_clip
            problems.append(
                f"{where}: transition {tr.id!r} names clip {missing!r}, not on this track"
            )
            continue
        if order[b.id] != order[a.id] + 1:
            problems.append(
                f"{where}: transition {tr.id!r} joins {a.id!r} and {b.id!r}, not adjacent"
            )
            continue
        a_end = clip_frames(a, fps)[1]
        b_start = clip_frames(b, fps)[0]
        if a_end - b_start != to_frame(tr.duration, fps) or a_end <= b_start:
            problems.append(
                f"{where}: transition {tr.id!r} lasts {tr.duration:g} s but clips {a.id!r} and "
                f"{b.id!r} overlap by {float(max(0, a_end - b_start) / fps):.4g} s; it must last "
                "exactly their overlap"
            )
            continue
        spans.append(
            TransitionSpan(kind=_xfade_name(tr.kind), a=a.id, b=b.id, start=b_start, end=a_end)
        )
    return spans


def _check_overlaps(
    clips: list[Clip],
    spans: list[TransitionSpan],
    where: str,
    fps: Fraction,
    problems: list[str],
) -> None:
    """Record neighbours that overlap without a transition, and clips inside another."""
    joined = {(s.a, s.b) for s in spans}
    for a, b in itertools.pairwise(clips):
        a1 = clip_frames(a, fps)[1]
        b0, b1 = clip_frames(b, fps)
        if b0 < a1 and (a.id, b.id) not in joined:
            problems.append(
                f"{where}: clips {a.id!r} and {b.id!r} overlap by {float((a1 - b0) / fps):.4g} s "
                "without a transition (add one with add_transition, or move a clip)"
            )
        if b1 <= a1 and b0 < a1:
            problems.append(f"{where}: clip {b.id!r} lies inside clip {a.id!r}")


def _check_clip_bodies(
    clips: list[Clip],
    spans: list[TransitionSpan],
    where: str,
    fps: Fraction,
    problems: list[str],
) -> None:
    """Record clips shorter than a frame, and fades or transitions that collide in a clip."""
    span_in = {s.b: s for s in spans}
    span_out = {s.a: s for s in spans}
    for c in clips:
        c0, c1 = clip_frames(c, fps)
        if c1 <= c0:
            problems.append(f"{where}: clip {c.id!r} is shorter than one frame")
            continue
        body0 = span_in[c.id].end if c.id in span_in else c0
        body1 = span_out[c.id].start if c.id in span_out else c1
        if body1 < body0:
            problems.append(f"{where}: the transitions of clip {c.id!r} overlap each other")
        if c.fade_in > 0 and c.id in span_in:
            problems.append(f"{where}: clip {c.id!r} has both a fade_in and a transition in")
        if c.fade_out > 0 and c.id in span_out:
            problems.append(f"{where}: clip {c.id!r} has both a fade_out and a transition out")


def check_timeline(project: Project) -> list[str]:
    """Structural problems of the timeline (no media needed), as ``where: what`` lines."""
    problems: list[str] = []
    for i, track in enumerate(project.tracks):
        track_spans(track, f"tracks[{i}]", project.fps, problems)
    return problems
