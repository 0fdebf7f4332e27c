"""Playing a source at a speed: the exact frames of a cut, and its sound (``atempo``).

`forward_cut` makes the source frames a forward clip at one constant speed shows (a reversed
clip, a freeze and each segment of a speed ramp are made of such cuts).

A ramp's sound is played in pieces of at least `AUDIO_PIECE` seconds (runs of the ramp's
segments), each cut from the source where the ramp is at its first sample, stretched by
``atempo`` at the piece's mean speed and made exactly as long as the piece: the sound keeps in
step with the picture at every piece's start, however long the ramp. (``atempo`` driven by
timed ``tempo`` commands drifts: a speed-up moves the sound tens of milliseconds early each
time.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vnb.ffmpeg.chains import GUARD, resample_setpts, resampled, seek_lead
from vnb.ffmpeg.graph import Filter, make_filter

if TYPE_CHECKING:
    from vnb.ffmpeg.build import Builder
    from vnb.plan.model import AudioItem, VideoItem

__all__: list[str] = []  # internal: used only inside its own package

AUDIO_PIECE = 0.25
"""Seconds: the shortest piece of a ramp's sound played at one tempo."""

LEAD_IN = 1024
"""Samples (at 48 kHz; scaled to the rate) a piece is cut before its start: ``atempo`` starts
its output about half its 2,048-sample window into its input."""


def forward_cut(  # noqa: PLR0917 - one cut's facts
    b: Builder, item: VideoItem, k0: int, k1: int, frames: tuple[int, int], part: int
) -> str:
    """The source frames a forward, constant-speed clip shows at ``[k0, k1)``, exactly.

    ``frames`` and ``part``: see `vnb.ffmpeg.sources.Cut`.
    """
    fps, n = b.plan.fps, k1 - k0
    src_fps = item.source_fps or fps
    t0 = item.source_time(k0, fps)
    # The cut ends a guard before the source frame of the instant after the last, so no frame
    # is decoded that the piece does not show: a filter that saw a frame holds it until the
    # whole render ends (2,000 cuts held 6 GB). Only near the end of the source, whose picture
    # may stop a frame short, is there slack and a padding ``tpad`` (which holds its last frame).
    span = float(n / fps) * item.speed
    pad = t0 + span + float(1 / src_fps) > item.source_duration
    needed = span + float((2 if pad else -GUARD) / src_fps)
    lead = float(seek_lead(item, fps) / src_fps)
    stream = b.source("v", item, frames, t0, needed, lead, part)
    # One for one: the first frame the seek keeps is the one shown at k0 (STARTPTS absorbs the
    # lead). Resampled: frame j shows the last source frame that starts at or before instant j
    # (see `hold_offset`).
    rate: dict[str, object] = {"fps": fps}
    if resampled(item, fps):
        rate |= {"round": "up", "start_time": 0}
    filters = [
        make_filter("setpts", {"expr": resample_setpts(item, fps, t0)}),
        make_filter("fps", rate),
    ]
    if pad:
        filters.append(make_filter("tpad", {"stop_mode": "clone", "stop": -1}))
    return b.chain([stream], [*filters, make_filter("trim", {"end_frame": n})])


def tempo_filters(speed: float) -> list[Filter]:
    """``atempo`` filters that play sound ``speed`` times as fast, its pitch kept."""
    filters = []
    while speed > 2.0 + 1e-9:
        filters.append(make_filter("atempo", {"tempo": 2.0}))
        speed /= 2.0
    while speed < 0.5 - 1e-9:
        filters.append(make_filter("atempo", {"tempo": 0.5}))
        speed /= 0.5
    if abs(speed - 1.0) > 1e-9:
        filters.append(make_filter("atempo", {"tempo": speed}))
    return filters


def audio_pieces(item: AudioItem, s0: int, s1: int, sr: int) -> list[tuple[int, int]]:
    """``[a, b)`` sample ranges that tile ``[s0, s1)``, cut at the ramp's segment starts.

    Each at least `AUDIO_PIECE` long (a short last one joins the one before).
    """
    least = round(AUDIO_PIECE * sr)
    cuts = [s0]
    for first, _, _ in item.ramp:
        if s0 < first < s1 and first - cuts[-1] >= least:
            cuts.append(first)
    if len(cuts) > 1 and s1 - cuts[-1] < least:
        cuts.pop()
    return list(zip(cuts, [*cuts[1:], s1], strict=True))


def ramp_sound(  # noqa: PLR0917 - one cut's facts
    b: Builder, item: AudioItem, s0: int, s1: int, frames: tuple[int, int], part: int
) -> str:
    """The forward sound of samples ``[s0, s1)`` of a ramped clip, exactly as many samples."""
    lead = LEAD_IN / 48_000
    parts = []
    for a, z in audio_pieces(item, s0, s1, b.plan.sample_rate):
        sr = b.plan.sample_rate
        t0, t1 = item.source_time(a, sr), item.source_time(z, sr)
        speed = (t1 - t0) / ((z - a) / sr)
        cut = b.source("a", item, frames, t0, t1 - t0 + lead + 0.1, lead, part)
        filters = [make_filter("asetpts", {"expr": "PTS-STARTPTS"}), *tempo_filters(speed)]
        filters += [make_filter("apad"), make_filter("atrim", {"end_sample": z - a})]
        parts.append(b.chain([cut], filters, "a"))
    if len(parts) == 1:
        return parts[0]
    return b.chain(parts, [make_filter("concat", {"n": len(parts), "v": 0, "a": 1})], "a")
