"""Export settings and the named presets (data only; the render turns them into ffmpeg options)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationError

from vnb.errors import ProjectError
from vnb.schema.base import Model, format_validation_error

__all__ = ["PRESETS", "ExportSettings", "resolve_export"]

Hardware = Literal["none", "auto", "nvenc", "qsv", "vaapi", "amf", "videotoolbox"]


class ExportSettings(Model):
    """How a project is written to a file. Start from a preset; override what you need."""

    preset: str = Field(default="default", max_length=64)
    """The preset these settings started from (informational)."""
    container: Literal["mp4", "mov", "webm", "mkv", "gif", "m4a", "wav"] = "mp4"
    video_codec: Literal[
        "libx264", "libx265", "libopenh264", "libvpx-vp9", "prores_ks", "gif", "none"
    ] = "libx264"
    """``none`` writes audio only."""
    crf: int = Field(default=20, ge=0, le=63)
    """Constant-quality factor (lower is better); ignored by codecs without one."""
    speed: Literal[
        "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower"
    ] = "fast"
    """The encoder's speed preset."""
    pix_fmt: Literal["yuv420p", "yuv422p10le", "yuva444p10le", "rgb24"] = "yuv420p"
    audio_codec: Literal["aac", "libopus", "pcm_s16le", "none"] = "aac"
    audio_bitrate: int = Field(default=192_000, ge=16_000, le=1_536_000)
    """Bits per second (ignored by PCM)."""
    width: int | None = Field(default=None, ge=16, le=8192)
    """Output width; None: the project's. The picture is fitted with bars if aspects differ."""
    height: int | None = Field(default=None, ge=16, le=8192)
    fps: float | None = Field(default=None, gt=0, le=240)
    """Output frame rate; None: the project's."""
    faststart: bool = True
    """Move the MP4 index to the front so the file plays while it downloads."""
    hardware: Hardware = "none"
    """Hardware encoder: none, auto (use one that works, else software) or a family."""


PRESETS: dict[str, dict[str, Any]] = {
    "default": {},
    "web-1080p": {"width": 1920, "height": 1080, "crf": 21},
    "web-720p": {"width": 1280, "height": 720, "crf": 22},
    "vertical": {"width": 1080, "height": 1920, "crf": 21},
    "square": {"width": 1080, "height": 1080, "crf": 21},
    "webm": {
        "container": "webm",
        "video_codec": "libvpx-vp9",
        "crf": 32,
        "audio_codec": "libopus",
        "audio_bitrate": 128_000,
        "faststart": False,
    },
    "prores": {
        "container": "mov",
        "video_codec": "prores_ks",
        "pix_fmt": "yuv422p10le",
        "audio_codec": "pcm_s16le",
        "faststart": False,
    },
    "gif": {
        "container": "gif",
        "video_codec": "gif",
        "pix_fmt": "rgb24",
        "audio_codec": "none",
        "width": 480,
        "fps": 15,
        "faststart": False,
    },
    "audio-only": {"container": "m4a", "video_codec": "none", "audio_codec": "aac"},
}
"""Named starting points: web 1080p/720p (H.264 + AAC, yuv420p, faststart), vertical 9:16,
square, WebM (VP9 + Opus), ProRes, animated GIF and audio-only."""


def resolve_export(
    base: ExportSettings | None = None, preset: str | None = None, **overrides: Any
) -> ExportSettings:
    """Settings from a preset (or ``base``) with ``overrides`` applied.

    Raises:
        ProjectError: an unknown preset or a bad override, naming it.
    """
    if preset is not None:
        if preset not in PRESETS:
            known = ", ".join(PRESETS)
            msg = f"unknown preset {preset!r} (known: {known})"
            raise ProjectError(msg)
        data: dict[str, Any] = {"preset": preset, **PRESETS[preset]}
    else:
        data = (base or ExportSettings()).model_dump()
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return ExportSettings.model_validate(data)
    except ValidationError as err:
        raise ProjectError(format_validation_error(err, "export")) from None
