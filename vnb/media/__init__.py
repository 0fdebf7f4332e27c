"""Media files: open them safely, probe what they contain, scan folders of them.

All opening goes through :func:`open_input`, which enforces the "Opening media" rules of the
security notes (local regular files only, allowlisted demuxers, no playlists, bounded frame size).
"""

from __future__ import annotations

from vnb.media.gather import plan_project
from vnb.media.probing import (
    ALLOWED_FORMATS,
    AudioStreamInfo,
    MediaInfo,
    VideoStreamInfo,
    open_input,
    probe,
    resolve_media_path,
)
from vnb.media.proxy import PROXY_HEIGHT, ensure_proxy_async, get_proxy, needs_proxy
from vnb.media.scan import scan
from vnb.media.thumbnails import clip_thumbnails
from vnb.media.waveform import clip_waveforms

__all__ = [
    "ALLOWED_FORMATS",
    "PROXY_HEIGHT",
    "AudioStreamInfo",
    "MediaInfo",
    "VideoStreamInfo",
    "clip_thumbnails",
    "clip_waveforms",
    "ensure_proxy_async",
    "get_proxy",
    "needs_proxy",
    "open_input",
    "plan_project",
    "probe",
    "resolve_media_path",
    "scan",
]
