"""The plan: a project resolved to whole frames and samples, ready for ffmpeg or the preview.

Every value here is frozen and hashable, so plans and their parts make cache keys. Frame
ranges are half-open ``[start, end)`` in timeline frames; audio ranges in samples at the
project's rate.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from vnb.plan.motion import Curve, Motion
    from vnb.plan.params import ParamCurve

__all__ = [
    "AudioItem",
    "AudioTrackPlan",
    "Crossfade",
    "Piece",
    "Placement",
    "Plan",
    "TextItem",
    "TextTrackPlan",
    "TransitionSpan",
    "VideoItem",
    "VideoTrackPlan",
]

Params = tuple[tuple[str, float | bool | str], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Placement:
    """Where a clip's picture lands on the canvas, in whole pixels."""

    crop: tuple[int, int, int, int] | None
    """``(x, y, w, h)`` cut from the source picture first, or None."""
    width: int
    """Size of the scaled picture (even)."""
    height: int
    x: int
    """Top-left of the scaled, unrotated picture on the canvas (may be negative)."""
    y: int
    rotation: float
    """Clockwise degrees about the picture's centre."""
    covers: bool
    """The picture exactly covers the canvas, unrotated."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VideoItem:
    """A clip's picture on a video track."""

    clip_id: str
    source: str | None
    """Absolute path of the source, None for colour clips."""
    color: str | None
    still: bool
    """A still image, shown for the whole clip."""
    source_size: tuple[int, int]
    """Display size of the source picture (after its rotation metadata)."""
    source_fps: Fraction | None
    start: int
    end: int
    source_start: float
    """Source seconds shown at ``start`` (on the project's frame grid)."""
    speed: float
    placement: Placement
    opacity: float
    effects: tuple[tuple[str, Params], ...]
    """(effect name, complete parameters) in order."""
    fade_in: int
    """Frames."""
    fade_out: int
    alpha: bool
    """The item has transparency (opacity, fades on an upper track, keying, placement)."""
    keyed: bool
    """One of its effects makes transparency (the effect spec's ``alpha`` flag): see
    `vnb.plan.compositing`, which decides from it how the clip is composited."""
    source_duration: float = math.inf
    """Seconds the source lasts (its container's word: the picture may end a little sooner)."""
    reverse: bool = False
    """The clip plays backwards: frame ``k`` shows what the forward clip shows at
    ``start + end - 1 - k`` (see `forward`)."""
    freeze: bool = False
    """The clip shows, at every frame, what the forward clip shows at its first."""
    motion: Motion | None = None
    """How the picture moves when its transform or opacity is animated (`vnb.plan.motion`);
    ``placement`` is then its size at the largest scale, unrotated."""
    ramp: tuple[tuple[int, float, float], ...] = ()
    """A speed ramp: constant-speed segments ``(first frame, source seconds there, speed)``
    that tile ``[start, end)`` in order (see `segment`); empty: ``speed`` throughout."""
    param_curves: tuple[ParamCurve, ...] = ()
    """Animated effect parameters (`vnb.plan.params`), by their index in ``effects``."""

    def source_time(self, frame: int, fps: Fraction) -> float:
        """The source time the forward clip shows at timeline ``frame`` (see `forward`)."""
        if self.ramp:
            return self.segment(frame).source_time(frame, fps)
        return self.source_start + float((frame - self.start) / fps) * self.speed

    def segment(self, frame: int) -> VideoItem:
        """The forward, constant-speed clip that shows what this clip does at ``frame``.

        The segment of the speed ramp that holds ``frame`` (the clip itself without a ramp):
        the render cuts each segment as a clip of its own, the preview picks its frames the
        same way.
        """
        if not self.ramp:
            return self
        i = max(0, bisect.bisect_right(self.ramp, frame, key=lambda s: s[0]) - 1)
        k, t, speed = self.ramp[i]
        end = self.ramp[i + 1][0] if i + 1 < len(self.ramp) else self.end
        return replace(
            self, start=k, end=end, source_start=t, speed=speed, ramp=(), reverse=False,
            freeze=False,
        )  # fmt: skip

    def segments(self, k0: int, k1: int) -> list[tuple[VideoItem, int, int]]:
        """The constant-speed clips (`segment`) that show ``[k0, k1)``, each with its frames."""
        out = []
        k = k0
        while k < k1:
            seg = self.segment(k)
            end = min(k1, seg.end)
            out.append((seg, k, end))
            k = end
        return out

    def forward(self, piece: tuple[int, int], k: int) -> tuple[tuple[int, int], int]:
        """The forward piece and frame that show what frame ``k`` of ``piece`` shows.

        A reversed clip's piece ``[k0, k1)`` is the forward clip's mirrored piece ``[start +
        end - k1, start + end - k0)`` played backwards; a frozen clip's piece is the forward
        clip's first frame, held. The render cuts the forward piece from the source (then
        ``reverse`` or ``tpad``), the preview picks its frame: one choice of source frames.
        """
        if self.freeze:
            return (self.start, self.start + 1), self.start
        if self.reverse:
            mirror = self.start + self.end
            return (mirror - piece[1], mirror - piece[0]), mirror - 1 - k
        return piece, k


@dataclass(frozen=True, slots=True, kw_only=True)
class TransitionSpan:
    """A transition over ``[start, end)`` frames from clip ``a`` to clip ``b``."""

    kind: str
    """An ffmpeg ``xfade`` transition name."""
    a: str
    b: str
    start: int
    end: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Piece:
    """A stretch ``[start, end)`` of a track: a gap, one clip, or a transition between two."""

    kind: Literal["gap", "clip", "cross"]
    """A gap, one clip, or a cross (a transition between two clips)."""
    start: int
    end: int
    item: str | None = None
    """The clip id for ``clip``; the outgoing clip for ``cross``."""
    other: str | None = None
    """The incoming clip for ``cross``."""
    transition: str | None = None
    """The xfade name for ``cross``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VideoTrackPlan:
    """One visible video track: its items, transitions, and the pieces that tile it."""

    index: int
    """Position among the project's tracks."""
    items: tuple[VideoItem, ...]
    transitions: tuple[TransitionSpan, ...]
    pieces: tuple[Piece, ...]
    """Gaps, clips and crosses in time order, covering ``[0, last end)``."""

    def item(self, clip_id: str) -> VideoItem:
        """The item of a clip id."""
        return next(i for i in self.items if i.clip_id == clip_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class TextItem:
    """A title or subtitle cue: text rasterised once, shown over ``[start, end)`` frames."""

    id: str
    text: str
    font: str | None
    size: int
    color: str
    bold: bool
    box: bool
    box_color: str
    outline: int
    outline_color: str
    position: str
    margin: int
    start: int
    end: int
    fade_in: int
    fade_out: int
    animation: tuple[tuple[str, Curve | float], ...] = ()
    """``x``, ``y``, ``scale``, ``opacity`` when any is not its default (offsets, scale, a
    translucent or animated title): drawn as a `vnb.plan.motion.Motion` of its image."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TextTrackPlan:
    """One visible text track."""

    index: int
    items: tuple[TextItem, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class AudioItem:
    """A clip's sound: ``[start, end)`` in samples of the mix."""

    clip_id: str
    source: str | None
    """None: the clip is silent (no audio stream, muted, or a colour clip)."""
    start: int
    end: int
    source_start: float
    source_end: float
    """Where the source's sound ends, in source seconds (it may end before its picture)."""
    channels: int
    """Channels of the source's sound (mono is played on both sides at full level)."""
    speed: float
    volume: float
    fade_in: int
    """Samples."""
    fade_out: int
    ramp: tuple[tuple[int, float, float], ...] = ()
    """A speed ramp: ``(first sample, source seconds there, speed)`` segments tiling ``[start,
    end)`` (the picture's segments, in samples); empty: ``speed`` throughout."""
    volume_curve: Curve | None = None
    """The volume when it is animated (``volume`` is then unused), in frames of the clip."""
    reverse: bool = False
    """The sound plays backwards: samples ``[s0, s1)`` are the forward clip's ``[start + end -
    s1, start + end - s0)`` reversed."""

    def source_time(self, sample: int, sample_rate: int) -> float:
        """Source seconds the forward sound plays at mix ``sample``."""
        k, t, speed = self._segment(sample)
        return t + (sample - k) / sample_rate * speed

    def _segment(self, sample: int) -> tuple[int, float, float]:
        if not self.ramp:
            return self.start, self.source_start, self.speed
        i = bisect.bisect_right(self.ramp, sample, key=lambda s: s[0]) - 1
        return self.ramp[max(0, i)]


@dataclass(frozen=True, slots=True, kw_only=True)
class Crossfade:
    """An audio crossfade over ``[start, end)`` samples from clip ``a`` to clip ``b``."""

    a: str
    b: str
    start: int
    end: int


@dataclass(frozen=True, slots=True, kw_only=True)
class AudioTrackPlan:
    """The sound of one track (an audio track, or the clips of a video track)."""

    index: int
    items: tuple[AudioItem, ...]
    crossfades: tuple[Crossfade, ...]
    pieces: tuple[Piece, ...]
    """The track's pieces in frames, as for its pictures (the builder converts to samples)."""

    def item(self, clip_id: str) -> AudioItem:
        """The item of a clip id."""
        return next(i for i in self.items if i.clip_id == clip_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """A whole project in frames and samples.

    ``layers`` go bottom to top (video and text tracks in project order); ``audio`` lists
    every track that makes sound.
    """

    width: int
    height: int
    fps: Fraction
    sample_rate: int
    background: str
    frames: int
    """Length of the edit in frames."""
    samples: int
    """Length of the edit in audio samples (the same instant as ``frames``)."""
    layers: tuple[VideoTrackPlan | TextTrackPlan, ...]
    audio: tuple[AudioTrackPlan, ...]

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return float(self.frames / self.fps)
