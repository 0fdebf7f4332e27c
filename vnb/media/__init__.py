"""Media files: open them safely, probe what they contain, scan folders of them.

All opening goes through :func:`open_input`, which enforces the "Opening media" rules of the
security notes (local regular files only, allowlisted demuxers, no playlists, bounded frame size).
"""

from __future__ import annotations

from vnb.media.gather import gather, plan_project
from vnb.media.probing import (
    ALLOWED_FORMATS,
    MAX_FRAME_SIZE,
    AudioStreamInfo,
    MediaInfo,
    VideoStreamInfo,
    open_input,
    probe,
    resolve_media_path,
)
from vnb.media.scan import scan

__all__ = [
    "ALLOWED_FORMATS",
    "MAX_FRAME_SIZE",
    "AudioStreamInfo",
    "MediaInfo",
    "VideoStreamInfo",
    "gather",
    "open_input",
    "plan_project",
    "probe",
    "resolve_media_path",
    "scan",
]
