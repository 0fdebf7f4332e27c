"""What a clip is: its source or colour, times, speed, sound, transform, crop and effects.

Also the value types every timeline item shares (`Color`, `Seconds`, `ItemId`, `TimeRange`).
Time vocabulary: see `vnb.schema.timeline`.
"""

from __future__ import annotations

from typing import Annotated, Literal, NamedTuple

from pydantic import AfterValidator, Field, JsonValue, model_validator

from vnb.schema.animation import Animated, Animations, check_animations
from vnb.schema.base import Model, PathStr, new_id
from vnb.schema.color import parse_color
from vnb.schema.registry import normalize_params

__all__ = [
    "Clip",
    "Color",
    "Crop",
    "Effect",
    "ItemId",
    "Metadata",
    "Seconds",
    "TimeRange",
    "Transform",
]


def _color(value: str) -> str:
    parse_color(value)
    return value


Color = Annotated[str, Field(max_length=64), AfterValidator(_color)]
"""A colour: a CSS name or ``#rgb``/``#rrggbb``/``#rrggbbaa`` (`parse_color`), checked when set."""
Seconds = Annotated[float, Field(ge=0, le=86_400)]
"""A time or a duration in seconds, from 0 to a day."""
ItemId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
"""The id of a track, clip, transition or title: letters, digits, ``_.-``, at most 64."""
Metadata = dict[str, JsonValue]
"""Free JSON data a user keeps on an item; vnb carries it and never reads it."""


class TimeRange(NamedTuple):
    """A half-open range ``[start, end)`` in seconds."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        """``end - start``."""
        return self.end - self.start


class Effect(Model):
    """One effect applied to a clip, e.g. ``Effect(name="blur", params={"radius": 4})``.

    Made by the functions in `vnb.effects` (``vnb.effects.blur(4)``); checked against the
    effect registry, so unknown names, unknown parameters and out-of-range values are refused.
    """

    name: str = Field(max_length=64)
    """The effect's name in the registry (``vnb effects`` lists them)."""
    params: dict[str, float | bool | str] = Field(default_factory=dict, max_length=32)
    """Parameter values; missing ones take the effect's defaults."""

    @model_validator(mode="after")
    def _known(self) -> Effect:
        normalize_params(self.name, self.params)
        return self


class Crop(Model):
    """Fractions of the source picture cut away on each side before scaling."""

    left: float = Field(default=0.0, ge=0, lt=1)
    top: float = Field(default=0.0, ge=0, lt=1)
    right: float = Field(default=0.0, ge=0, lt=1)
    bottom: float = Field(default=0.0, ge=0, lt=1)

    @model_validator(mode="after")
    def _leaves_something(self) -> Crop:
        if self.left + self.right >= 0.99 or self.top + self.bottom >= 0.99:
            msg = "crop leaves (almost) nothing of the picture"
            raise ValueError(msg)
        return self


class Transform(Model):
    """Where and how a clip's picture sits on the canvas.

    The picture is first fitted to the canvas (see ``fit``), then scaled by ``scale`` about its
    centre, rotated by ``rotation`` degrees clockwise, and moved so that its centre is ``x``
    pixels right of and ``y`` pixels below the canvas centre.
    """

    x: float = Field(default=0.0, ge=-100_000, le=100_000)
    """Horizontal offset of the picture's centre from the canvas centre, in canvas pixels."""
    y: float = Field(default=0.0, ge=-100_000, le=100_000)
    """Vertical offset of the picture's centre from the canvas centre, in canvas pixels."""
    scale: float = Field(default=1.0, gt=0, le=20)
    """Size relative to the fitted picture."""
    rotation: float = Field(default=0.0, ge=-3600, le=3600)
    """Clockwise rotation in degrees."""
    crop: Crop = Field(default_factory=Crop)
    """Cut away before fitting."""
    fit: Literal["fit", "fill", "stretch"] = "fit"
    """fit: whole picture inside the canvas; fill: cover the canvas; stretch: ignore aspect."""

    def is_identity(self) -> bool:
        """True when the transform leaves a fitted picture where it is."""
        return self == Transform(fit=self.fit)


class Clip(Animated):
    """A piece of a source (video, audio or still image) or a plain colour on a track."""

    id: ItemId = Field(default_factory=lambda: new_id("clip"))
    """Unique within the project."""
    source: PathStr | None = Field(default=None, max_length=4096)
    """The media file, relative to the project file's folder or absolute. None for colours."""
    color: Color | None = None
    """For colour clips: the colour (``"red"``, ``"#102030"``)."""
    start: Seconds = 0.0
    """Where the clip starts on the timeline."""
    source_start: Seconds = 0.0
    """Where the clip starts in its source."""
    duration: float = Field(default=5.0, gt=0, le=86_400)
    """How long the clip lasts on the timeline."""
    speed: float = Field(default=1.0, ge=0.1, le=100)
    """Playback speed: 2 plays the source twice as fast (audio keeps its pitch)."""
    reverse: bool = False
    """Play the clip's source range backwards, its last frame first (the sound too)."""
    freeze: bool = False
    """Show one source frame, the one at ``source_start``, for the whole duration (no sound)."""
    volume: float = Field(default=1.0, ge=0, le=10)
    """Linear gain of the clip's audio."""
    muted: bool = False
    """Drop this clip's audio."""
    opacity: float = Field(default=1.0, ge=0, le=1)
    """0 transparent, 1 opaque."""
    transform: Transform = Field(default_factory=Transform)
    """Position, scale, rotation and crop of the picture."""
    fade_in: Seconds = 0.0
    """Fade from transparent (and from silence) over this many seconds at the start."""
    fade_out: Seconds = 0.0
    """Fade to transparent (and to silence) over this many seconds at the end."""
    effects: list[Effect] = Field(default_factory=list, max_length=64)
    """Effects applied in order."""
    metadata: Metadata = Field(default_factory=dict)
    """Free-form data for users and tools."""
    animations: Animations = Field(default_factory=dict, max_length=64)
    """Keyframes by path (``transform.x``, ``opacity``, ``effects[0].radius``…): `animate`."""

    @model_validator(mode="after")
    def _consistent(self) -> Clip:
        if (self.source is None) == (self.color is None):
            msg = "a clip has either a source file or a colour (exactly one)"
            raise ValueError(msg)
        if self.fade_in + self.fade_out > self.duration + 1e-9:
            msg = f"fade_in + fade_out ({self.fade_in + self.fade_out:g} s) exceed the duration"
            raise ValueError(msg)
        if self.freeze and self.reverse:
            msg = "a clip is either frozen or reversed, not both"
            raise ValueError(msg)
        check_animations(self, {p: k for p, k in self.animations.items() if "[" not in p})
        return self

    def _path(self) -> str:
        return super()._path() or f"clip {self.id!r}"

    @property
    def end(self) -> float:
        """Where the clip ends on the timeline (exclusive)."""
        return self.start + self.duration

    def timeline_range(self) -> TimeRange:
        """``[start, start + duration)`` in timeline seconds."""
        return TimeRange(self.start, self.end)

    def source_range(self) -> TimeRange:
        """The part of the source the clip plays, in source seconds (speed applied).

        A reversed clip plays it from its end to its start (a frozen one shows only the frame
        at its start).
        """
        return TimeRange(self.source_start, self.source_start + self.duration * self.speed)
