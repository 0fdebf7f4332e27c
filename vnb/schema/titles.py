"""Text on the timeline: titles, and subtitles from a file or inline cues."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from vnb.schema.animation import Animated, Animations, check_animations
from vnb.schema.base import Model, PathStr, new_id
from vnb.schema.clips import Color, ItemId, Seconds, TimeRange

__all__ = ["Cue", "Subtitles", "Title"]


class Title(Animated):
    """Text drawn over the picture for a while."""

    id: ItemId = Field(default_factory=lambda: new_id("title"))
    text: str = Field(max_length=10_000)
    """Any text, drawn literally (newlines make lines)."""
    start: Seconds = 0.0
    duration: float = Field(default=3.0, gt=0, le=86_400)
    font: str | None = Field(default=None, max_length=4096)
    """A font file, a family name found with fontconfig, or None for the shipped DejaVu Sans."""
    size: int = Field(default=64, ge=4, le=1000)
    """Font size in canvas pixels."""
    color: Color = "white"
    bold: bool = False
    position: Literal[
        "center", "top", "bottom", "left", "right",
        "top-left", "top-right", "bottom-left", "bottom-right",
    ] = "center"  # fmt: skip
    """Where the text block sits on the canvas."""
    margin: int = Field(default=40, ge=0, le=10_000)
    """Distance in pixels from the canvas edge for edge positions."""
    box: bool = False
    """Draw a box behind the text."""
    box_color: Color = "#000000a0"
    outline: int = Field(default=0, ge=0, le=50)
    """Outline width in pixels (0 for none)."""
    outline_color: Color = "black"
    fade_in: Seconds = 0.0
    fade_out: Seconds = 0.0
    x: float = Field(default=0.0, ge=-100_000, le=100_000)
    """Pixels right of where ``position`` puts the text (animatable)."""
    y: float = Field(default=0.0, ge=-100_000, le=100_000)
    """Pixels below where ``position`` puts the text (animatable)."""
    scale: float = Field(default=1.0, gt=0, le=20)
    """Size of the drawn text relative to ``size``, about its centre (animatable)."""
    opacity: float = Field(default=1.0, ge=0, le=1)
    """0 transparent, 1 opaque (animatable)."""
    animations: Animations = Field(default_factory=dict, max_length=16)
    """Keyframes by path (``x``, ``y``, ``scale``, ``opacity``): `animate`."""

    @model_validator(mode="after")
    def _animatable(self) -> Title:
        check_animations(self, self.animations)
        return self

    def _path(self) -> str:
        return super()._path() or f"title {self.id!r}"

    @property
    def end(self) -> float:
        """Where the title ends on the timeline (exclusive)."""
        return self.start + self.duration

    def timeline_range(self) -> TimeRange:
        """``[start, start + duration)`` in timeline seconds."""
        return TimeRange(self.start, self.end)


class Cue(Model):
    """One inline subtitle."""

    start: Seconds
    end: float = Field(gt=0, le=86_400)
    text: str = Field(max_length=10_000)

    @model_validator(mode="after")
    def _ordered(self) -> Cue:
        if self.end <= self.start:
            msg = f"end ({self.end:g}) must be after start ({self.start:g})"
            raise ValueError(msg)
        return self


class Subtitles(Model):
    """Subtitles burnt into the picture, from a file (SRT, ASS, VTT) or inline cues."""

    id: ItemId = Field(default_factory=lambda: new_id("subs"))
    file: PathStr | None = Field(default=None, max_length=4096)
    cues: list[Cue] = Field(default_factory=list, max_length=100_000)
    offset: float = Field(default=0.0, ge=-86_400, le=86_400)
    """Shift every cue by this many seconds."""
    size: int = Field(default=42, ge=4, le=1000)
    color: Color = "white"
    font: str | None = Field(default=None, max_length=4096)
    box: bool = True
    box_color: Color = "#000000a0"
    margin: int = Field(default=40, ge=0, le=10_000)
    """Distance of the text's bottom from the canvas bottom."""

    @model_validator(mode="after")
    def _one_source(self) -> Subtitles:
        if (self.file is None) == (not self.cues):
            msg = "subtitles come from a file or from inline cues (exactly one)"
            raise ValueError(msg)
        return self
