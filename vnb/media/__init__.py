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
from vnb.media.proxy import (
    PROXY_HEIGHT,
    ensure_proxy_async,
    get_proxy,
    make_proxy,
    needs_proxy,
    proxy_path,
)
from vnb.media.scan import scan
from vnb.media.thumbnails import clip_thumbnails, thumbnails
from vnb.media.waveform import clip_waveforms, peaks

__all__ = [
    "ALLOWED_FORMATS",
    "MAX_FRAME_SIZE",
    "PROXY_HEIGHT",
    "AudioStreamInfo",
    "MediaInfo",
    "VideoStreamInfo",
    "clip_thumbnails",
    "clip_waveforms",
    "ensure_proxy_async",
    "gather",
    "get_proxy",
    "make_proxy",
    "needs_proxy",
    "open_input",
    "peaks",
    "plan_project",
    "probe",
    "proxy_path",
    "resolve_media_path",
    "scan",
    "thumbnails",
]
