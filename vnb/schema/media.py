"""What a media file holds, as plain values: the probe's answer, read by the plan and the schema.

:func:`vnb.media.probe` fills these from a file; everything above the media layer reads them
(the plan compiles against them, the schema's clips take their lengths from them).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

__all__ = ["ALLOWED_FORMATS", "IMAGE_FORMATS", "AudioStreamInfo", "MediaInfo", "VideoStreamInfo"]

_AV_FORMATS = ("mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "avi", "mpegts", "gif")
_AUDIO_FORMATS = ("wav", "mp3", "flac", "ogg", "aac")
#: Demuxers of still images.
IMAGE_FORMATS = ("image2", "png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe", "tiff_pipe")
#: Demuxer names (as FFmpeg/PyAV report them) that vnb opens; passed as ``format_whitelist``.
ALLOWED_FORMATS: tuple[str, ...] = (*_AV_FORMATS, *_AUDIO_FORMATS, *IMAGE_FORMATS)


@dataclass(frozen=True, slots=True, kw_only=True)
class VideoStreamInfo:
    """The first video stream of a media file (sizes are coded sizes, before rotation)."""

    width: int
    height: int
    fps: Fraction | None  # average frame rate; None for still images or when unknown
    variable_fps: bool  # frame timing of the first ~60 frames is not constant
    codec: str  # e.g. "h264"
    pix_fmt: str | None  # e.g. "yuv420p"
    rotation: int  # display rotation in degrees: 0, 90, 180 or 270
    frames: int | None  # frame count if the container says (1 for still images)
    duration: float | None  # seconds, if the container says


@dataclass(frozen=True, slots=True, kw_only=True)
class AudioStreamInfo:
    """The first audio stream of a media file."""

    codec: str  # e.g. "aac"
    channels: int
    sample_rate: int
    duration: float | None  # seconds, if the container says


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaInfo:
    """What :func:`probe` found out about a media file."""

    path: str  # absolute, resolved
    size: int  # bytes
    mtime_ns: int
    format: str  # demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    duration: float  # seconds; 0.0 for still images
    video: VideoStreamInfo | None
    audio: AudioStreamInfo | None
    is_still: bool  # a single still image (PNG, JPEG, WebP, BMP, TIFF, one-frame GIF)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict; ``fps`` becomes a string such as ``"30000/1001"``."""
        data = asdict(self)
        if self.video is not None and self.video.fps is not None:
            data["video"]["fps"] = f"{self.video.fps.numerator}/{self.video.fps.denominator}"
        return data
