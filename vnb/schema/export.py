"""Export settings, the named presets, and the formats an output's extension chooses.

Data and pure decisions only; the render turns the settings into ffmpeg options.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Literal, get_args

from pydantic import Field, ValidationError

from vnb.errors import ProjectError
from vnb.schema.base import Model, format_validation_error

__all__ = [
    "FITS",
    "FORMATS",
    "HARDWARE",
    "PRESETS",
    "ExportSettings",
    "resolve_export",
]

Hardware = Literal["none", "auto", "nvenc", "qsv", "vaapi", "amf", "videotoolbox"]
Container = Literal[
    "mp4", "mov", "webm", "mkv", "gif", "png", "m4a", "wav", "mp3", "flac", "opus", "ogg"
]
Fit = Literal["letterbox", "crop", "contain_blur"]
HARDWARE: tuple[Hardware, ...] = get_args(Hardware)
"""Every ``hardware=`` choice: ``none``, ``auto``, then the encoder families (`Hardware`'s)."""
FITS: tuple[Fit, ...] = get_args(Fit)
"""Every ``fit=`` choice (`Fit`'s)."""


class ExportSettings(Model):
    """How a project is written to a file. Start from a preset; override what you need."""

    preset: str = Field(default="default", max_length=64)
    """The preset these settings started from (informational)."""
    container: Container = "mp4"
    """The file format; ``png`` is a numbered image sequence. `render` takes it from the
    output's extension (`EXTENSIONS`)."""
    video_codec: Literal[
        "libx264", "libx265", "libopenh264", "libvpx-vp9", "prores_ks", "gif", "png", "none"
    ] = "libx264"
    """``none`` writes audio only."""
    crf: int = Field(default=20, ge=0, le=63)
    """Constant-quality factor (lower is better); ignored by codecs without one."""
    speed: Literal[
        "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower"
    ] = "fast"
    """The encoder's speed preset."""
    pix_fmt: Literal["yuv420p", "yuv422p10le", "yuva444p10le", "rgb24"] = "yuv420p"
    audio_codec: Literal["aac", "libopus", "libmp3lame", "flac", "pcm_s16le", "none"] = "aac"
    audio_bitrate: int = Field(default=192_000, ge=16_000, le=1_536_000)
    """Bits per second (ignored by PCM and FLAC)."""
    width: int | None = Field(default=None, ge=16, le=8192)
    """Output width; None: the project's. If the aspect differs, ``fit`` says how."""
    height: int | None = Field(default=None, ge=16, le=8192)
    fps: float | None = Field(default=None, gt=0, le=240)
    """Output frame rate; None: the project's."""
    faststart: bool = True
    """Move the MP4 index to the front so the file plays while it downloads."""
    hardware: Hardware = "none"
    """Hardware encoder: none, auto (use one that works, else software) or a family."""
    fit: Fit = "letterbox"
    """How the picture fills an output of another aspect: ``letterbox`` (whole picture, bars
    of the background colour), ``crop`` (fill, centre kept, edges cut) or ``contain_blur``
    (whole picture over a blurred copy of itself scaled to fill)."""


PRESETS: dict[str, dict[str, Any]] = {
    "default": {},
    "web-1080p": {"width": 1920, "height": 1080, "crf": 21},
    "web-720p": {"width": 1280, "height": 720, "crf": 22},
    "vertical": {"width": 1080, "height": 1920, "crf": 21, "fit": "contain_blur"},
    "square": {"width": 1080, "height": 1080, "crf": 21, "fit": "contain_blur"},
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
"""Named starting points: web 1080p/720p (H.264 + AAC, yuv420p, faststart), vertical 9:16 and
square (a landscape picture over a blurred copy of itself), WebM (VP9 + Opus), ProRes, animated
GIF and audio-only."""


@dataclass(frozen=True, slots=True)
class Format:
    """What one container holds: its video and audio codecs, the first of each the default."""

    name: str
    video: tuple[str, ...]
    audio: tuple[str, ...]


FORMATS: dict[str, Format] = {
    "mp4": Format(
        "MP4",
        ("libx264", "libx265", "libopenh264", "libvpx-vp9", "none"),
        ("aac", "libmp3lame", "libopus", "none"),
    ),
    "mov": Format(
        "QuickTime",
        ("libx264", "prores_ks", "libx265", "libopenh264", "none"),
        ("aac", "pcm_s16le", "none"),
    ),
    "mkv": Format(
        "Matroska",
        ("libx264", "libx265", "libopenh264", "libvpx-vp9", "prores_ks", "none"),
        ("aac", "libopus", "flac", "libmp3lame", "pcm_s16le", "none"),
    ),
    "webm": Format("WebM", ("libvpx-vp9", "none"), ("libopus", "none")),
    "gif": Format("animated GIF", ("gif",), ("none",)),
    "png": Format("PNG image sequence", ("png",), ("none",)),
    "m4a": Format("M4A audio", ("none",), ("aac",)),
    "wav": Format("WAV audio", ("none",), ("pcm_s16le",)),
    "mp3": Format("MP3 audio", ("none",), ("libmp3lame",)),
    "flac": Format("FLAC audio", ("none",), ("flac",)),
    "opus": Format("Opus audio", ("none",), ("libopus",)),
    "ogg": Format("Ogg Opus audio", ("none",), ("libopus",)),
}
"""Each container's codecs (``none``: no such stream)."""

EXTENSIONS: dict[str, str] = {
    ".mp4": "mp4",
    ".m4v": "mp4",
    ".mov": "mov",
    ".mkv": "mkv",
    ".webm": "webm",
    ".gif": "gif",
    ".png": "png",
    ".m4a": "m4a",
    ".wav": "wav",
    ".mp3": "mp3",
    ".flac": "flac",
    ".opus": "opus",
    ".ogg": "ogg",
}
"""Output extension → container."""

CODEC_ALIASES: dict[str, str] = {
    "h264": "libx264",
    "x264": "libx264",
    "h265": "libx265",
    "hevc": "libx265",
    "x265": "libx265",
    "openh264": "libopenh264",
    "vp9": "libvpx-vp9",
    "prores": "prores_ks",
    "opus": "libopus",
    "mp3": "libmp3lame",
    "pcm": "pcm_s16le",
}
"""Short codec names `resolve_export` accepts for ``video_codec`` and ``audio_codec``."""

_DERIVED_PIX_FMT = {"prores_ks": "yuv422p10le", "gif": "rgb24", "png": "rgb24"}
_DERIVED_CRF = {"libvpx-vp9": 32}
_FRAME_NUMBER = re.compile(r"%(?:0\d+)?d")


def _extensions_of(container: str) -> str:
    return "/".join(e for e, c in EXTENSIONS.items() if c == container)


def _choices() -> str:
    listed = ", ".join(f"{e} ({FORMATS[c].name})" for e, c in EXTENSIONS.items())
    return f"{listed}, or a folder of PNG frames (a name ending in /)"


def container_for(output: str | os.PathLike[str]) -> str | None:
    """The container an output name asks for, or None when it has no extension.

    A name ending in a path separator is a (new) folder of PNG frames; a ``.png`` name must
    number its frames with a ``%05d``-style pattern.

    Raises:
        ProjectError: an unknown extension, or a ``.png`` name without a frame-number pattern,
            naming the choices.
    """
    text = os.fspath(output)
    if text.endswith(("/", os.sep)):
        return "png"
    name = PurePath(text).name
    suffix = PurePath(text).suffix.lower()
    if not suffix:
        return None
    container = EXTENSIONS.get(suffix)
    if container is None:
        msg = f"output {name}: unknown extension {suffix!r}; vnb writes {_choices()}"
        raise ProjectError(msg)
    if container == "png" and (len(_FRAME_NUMBER.findall(name)) != 1 or name.count("%") != 1):
        stem = PurePath(name).stem.replace("%", "")
        msg = (
            f"output {name}: a .png output is an image sequence; number its frames with one "
            f"pattern such as {stem}_%05d.png, or name a folder ({stem}/)"
        )
        raise ProjectError(msg)
    return container


def _normalise(key: str, value: Any) -> Any:
    if key in ("video_codec", "audio_codec") and isinstance(value, str):
        return CODEC_ALIASES.get(value.lower(), value)
    return value


def _takes(key: str, codec: object) -> str:
    """The extensions whose container takes ``codec`` for ``key``."""
    kind = "video" if key == "video_codec" else "audio"
    found = [c for c, f in FORMATS.items() if codec in getattr(f, kind)]
    return ", ".join(_extensions_of(c) for c in found)


def _fit_container(data: dict[str, Any], origin: dict[str, str], container: str, name: str) -> None:
    """Make ``data`` write ``container``: its default codecs where none was asked for.

    Raises:
        ProjectError: an explicit container or codec the extension contradicts.
    """
    fmt = FORMATS[container]
    ext = f"{name} ({fmt.name})"
    if data.get("container", "mp4") != container and "container" in origin:
        other = data["container"]
        if other not in FORMATS:
            msg = f"export.container: {other!r} is not one of {', '.join(FORMATS)}"
            raise ProjectError(msg)
        msg = (
            f"output {ext}: {origin['container']} writes {FORMATS[other].name} "
            f"({_extensions_of(other)}); name the output {_extensions_of(other)}, "
            "or choose settings for this extension"
        )
        raise ProjectError(msg)
    data["container"] = container
    for key, allowed in (("video_codec", fmt.video), ("audio_codec", fmt.audio)):
        value = data.get(key)
        if value in allowed:
            continue
        if key in origin:
            msg = (
                f"output {ext} takes {key} {' or '.join(allowed)}, not {value!r} (from "
                f"{origin[key]}); {value!r} goes in {_takes(key, value) or 'no format vnb writes'}"
            )
            raise ProjectError(msg)
        data[key] = allowed[0]
    if "pix_fmt" not in origin:
        data["pix_fmt"] = _DERIVED_PIX_FMT.get(data["video_codec"], "yuv420p")
    if "crf" not in origin and data["video_codec"] in _DERIVED_CRF:
        data["crf"] = _DERIVED_CRF[data["video_codec"]]


def resolve_export(
    base: ExportSettings | None = None,
    preset: str | None = None,
    *,
    output: str | os.PathLike[str] | None = None,
    **overrides: Any,
) -> ExportSettings:
    """Settings from a preset (or ``base``) with ``overrides`` applied.

    With ``output``, its extension chooses the container (`EXTENSIONS`; a name without one is
    a folder of PNG frames, and only with ``container="png"``) and, where neither the preset,
    ``base`` (in fields it changed from the defaults) nor an override asked for one, the
    container's codecs (`FORMATS`). ``video_codec`` and ``audio_codec`` also take the short
    names of `CODEC_ALIASES`.

    Raises:
        ProjectError: an unknown preset, a bad override, an unknown extension, or an extension
            that contradicts the preset, ``base`` or an override, naming the choices.
    """
    if preset is not None:
        if preset not in PRESETS:
            known = ", ".join(PRESETS)
            msg = f"unknown preset {preset!r} (known: {known})"
            raise ProjectError(msg)
        data: dict[str, Any] = {"preset": preset, **PRESETS[preset]}
        origin = dict.fromkeys(PRESETS[preset], f"preset {preset!r}")
    else:
        base = base or ExportSettings()
        data = base.model_dump()
        defaults = ExportSettings().model_dump()
        origin = {
            k: "the project's export settings"
            for k, v in data.items()
            if k != "preset" and v != defaults[k]
        }
    for key, value in overrides.items():
        if value is not None:
            data[key] = _normalise(key, value)
            origin[key] = f"{key}={value!r}"
    if output is not None:
        name = PurePath(os.fspath(output)).name or "output"
        container = container_for(output)
        if container is not None or data.get("container") == "png":
            _fit_container(data, origin, container or "png", name)
        else:  # a name without extension: only a folder
            msg = (
                f"output {name}: no extension; vnb writes {_choices()}; for a folder of PNG "
                "frames, end the name with / or pass container='png'"
            )
            raise ProjectError(msg)
    try:
        export = ExportSettings.model_validate(data)
    except ValidationError as err:
        raise ProjectError(format_validation_error(err, "export")) from None
    fmt = FORMATS[export.container]
    for key, allowed in (("video_codec", fmt.video), ("audio_codec", fmt.audio)):
        if getattr(export, key) not in allowed:
            msg = (
                f"export: {fmt.name} ({_extensions_of(export.container)}) takes {key} "
                f"{', '.join(allowed)}, not {getattr(export, key)!r}"
            )
            raise ProjectError(msg)
    return export
