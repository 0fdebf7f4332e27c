"""Proxies: low-resolution, all-intra, video-only copies of sources for instant scrubbing.

Every frame of a proxy is a keyframe, so a random seek decodes exactly one small frame. Measured
with PyAV on 10 s of 1280×720 testsrc2 made into 640×360 proxies (1000 random seeks, median):
H.264 ``-g 1 -preset ultrafast`` 0.31 ms per frame (0.37 ms with film-grain noise), MJPEG
``-q:v 3`` 0.37 ms (0.57 ms); the H.264 proxies were also smaller (3.7 MB against 6.1 MB; 3.8
against 10.5 MB) and quicker to make (0.9 s against 1.6 s). So proxies are H.264 intra in MP4,
or MJPEG in MOV when the ffmpeg binary has no libx264. Decode them with PyAV's default slice
threading: frame threading (``thread_type="AUTO"``) delays the first frame after a seek and
measured 0.7–1.0 ms.

A proxy keeps the source's frame timestamps (``-copyts -fps_mode passthrough``, no ``-r``:
within 1 ms, also for an MPEG-TS source whose first frame is at 1.47 s and for variable frame
rates), so a reader of the proxy finds the same frame at the same time as in the source. It
keeps the coded orientation (the display rotation stays as metadata, like the source's) and
the display aspect ratio, with square pixels; it has no sound. Proxies live in the cache's
folder ``vnb.cache.folder("proxies")`` (``cache_dir() / "proxies"``) under the SHA-256 of the
source's identity (path, size, mtime) and the settings: a changed source gets a new proxy.
They are written to a temporary name and renamed when whole. The cache owns them: they count
towards its bound on files (the least recently used go first) and ``vnb cache clear`` deletes
them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from vnb import cache
from vnb.errors import ArgumentError, RenderError, UnsupportedMediaError
from vnb.media.probing import ALLOWED_FORMATS, MediaInfo, open_input, probe, resolve_media_path
from vnb.media.thumbnails import display_aspect, even_width

if TYPE_CHECKING:
    from vnb.ffmpeg.run import Progress

__all__ = [
    "PROXY_HEIGHT",
    "ensure_proxy_async",
    "get_proxy",
    "needs_proxy",
]

PROXY_HEIGHT = 360
"""The default height of proxies, in pixels."""
_KEY = "vnb.media.proxy/2"
_H264 = ("mp4", ".mp4", ("-c:v", "libx264", "-preset", "ultrafast", "-g", "1", "-crf", "23"))
_MJPEG = ("mov", ".mov", ("-c:v", "mjpeg", "-q:v", "3"))
_executor: ThreadPoolExecutor | None = None
_pending: dict[Path, Future[Path]] = {}
_lock = threading.Lock()


def _codec() -> tuple[str, str, tuple[str, ...]]:
    """Return ``(muxer, suffix, encoder options)`` of the proxy codec the binary offers."""
    from vnb.ffmpeg.binary import ffmpeg_has  # noqa: PLC0415

    return _H264 if ffmpeg_has("encoders", "libx264") else _MJPEG


def _check_height(height: int) -> None:
    """Refuse a proxy height that is not a positive even number."""
    if isinstance(height, bool) or not isinstance(height, int) or height < 2 or height % 2:
        msg = f"height must be a positive even number of pixels, not {height!r}"
        raise ArgumentError(msg)


def proxy_path(path: str | os.PathLike[str], *, height: int = PROXY_HEIGHT) -> Path:
    """Return where the proxy of ``path`` is (or would be) kept.

    Args:
        path: The source (absolute or relative to the current folder).
        height: The proxy's height in pixels.

    Raises:
        ValueError: ``height`` is not a positive even number.
        UnsupportedMediaError: ``path`` is a URL or not a regular file.
        MediaNotFoundError: The file does not exist or is not readable.
    """
    _check_height(height)
    resolved = resolve_media_path(path)
    muxer, suffix, options = _codec()
    key = cache.make_key(_KEY, cache.source_identity(resolved), height, muxer, options)
    return cache.folder("proxies") / f"{key}{suffix}"


def needs_proxy(info: MediaInfo, threshold_pixels: int = 1280 * 720) -> bool:
    """Tell whether a source is worth a proxy: moving pictures of at least ``threshold_pixels``.

    Args:
        info: The source, as `probe` describes it.
        threshold_pixels: Frames with at least this many pixels (width × height) get a proxy.
    """
    video = info.video
    return (
        video is not None and not info.is_still and video.width * video.height >= (threshold_pixels)
    )


def get_proxy(path: str | os.PathLike[str], *, height: int = PROXY_HEIGHT) -> Path | None:
    """Return the proxy of ``path`` if it has been made (for the file as it is now), else None.

    Raises:
        ValueError: ``height`` is not a positive even number.
        UnsupportedMediaError: ``path`` is a URL or not a regular file.
        MediaNotFoundError: The file does not exist or is not readable.
    """
    target = proxy_path(path, height=height)
    if not target.is_file():
        return None
    cache.touch(target)
    return target


def make_proxy(
    path: str | os.PathLike[str],
    *,
    height: int = PROXY_HEIGHT,
    on_progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
) -> Path:
    """Make the proxy of a video source (or return it if it exists) and return its path.

    The proxy is ``height`` pixels high (the source's height when that is smaller, rounded
    down to even) and as wide as the display aspect ratio makes it, in even pixels.

    Args:
        path: The source (absolute or relative to the current folder).
        height: The proxy's height in pixels, even.
        on_progress: Called with a `Progress` about twice a second (see `run_ffmpeg`).
        cancel: Set it from any thread to stop; nothing is left behind.

    Returns:
        The proxy's path (see `proxy_path`).

    Raises:
        ValueError: ``height`` is not a positive even number.
        UnsupportedMediaError: Not a media file vnb opens, a still image, or no video.
        MediaNotFoundError: The file does not exist or is not readable.
        RenderError: ffmpeg failed (`RenderCancelledError`: ``cancel`` was set).
    """
    target = proxy_path(path, height=height)
    if target.is_file():
        cache.touch(target)
        return target
    resolved = resolve_media_path(path)
    info = probe(resolved)
    if info.video is None or info.is_still:
        msg = f"{resolved}: a proxy needs moving pictures (no video, or a still image)"
        raise UnsupportedMediaError(msg)
    with open_input(resolved) as container:  # the same checks as every other open
        stream = container.streams.video[0]
        aspect, coded_h = display_aspect(stream), stream.codec_context.height
        first = float((stream.start_time or 0) * stream.time_base) if stream.time_base else 0.0
    out_h = max(2, min(height, coded_h - coded_h % 2))
    out_w = even_width(out_h, float(aspect))
    muxer, _, options = _codec()
    args = [
        *("-protocol_whitelist", "file", "-format_whitelist", ",".join(ALLOWED_FORMATS)),
        *("-noautorotate", "-copyts", "-i", f"file:{resolved}"),
        *("-map", "0:v:0", "-an", "-sn", "-dn", "-map_metadata", "-1"),
        *("-vf", f"scale={out_w}:{out_h}:flags=area,setsar=1", "-fps_mode", "passthrough"),
        *options,
        *("-pix_fmt", "yuv420p" if muxer == "mp4" else "yuvj420p"),
    ]
    target.parent.mkdir(parents=True, exist_ok=True)
    from vnb.ffmpeg.run import run_ffmpeg  # noqa: PLC0415

    total = first + (info.video.duration or info.duration or 1.0)  # -copyts: progress from 0
    made = run_ffmpeg(
        args,
        target,
        muxer=muxer,
        total_seconds=total,
        on_progress=on_progress,
        cancel=cancel,
        progress_bar=False,
        description="proxy",
        check=_check_output,
    )
    cache.sweep(keep={made})  # the cache's files stay within their bound
    return made


def _check_output(made: Path) -> None:
    """Refuse a proxy without a single video frame."""
    with open_input(made) as container:
        if not container.streams.video or container.streams.video[0].frames == 0:
            msg = f"ffmpeg made a proxy without video frames: {made}"
            raise RenderError(msg)


def ensure_proxy_async(
    path: str | os.PathLike[str],
    *,
    height: int = PROXY_HEIGHT,
    on_progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
) -> Future[Path]:
    """Make the proxy of ``path`` in the background; one proxy at a time, in request order.

    An existing proxy comes back at once as a completed future; a proxy already being made
    gives the future of that job. ``on_progress`` is called from the background thread.

    Args:
        path: The source (absolute or relative to the current folder).
        height: The proxy's height in pixels, even.
        on_progress: Called with a `Progress` about twice a second, in the worker thread.
        cancel: Set it to stop the job (``Future.cancel`` only stops a job not yet started).

    Returns:
        A future of the proxy's path; its exception is what `make_proxy` raised.

    Raises:
        ValueError: ``height`` is not a positive even number.
        UnsupportedMediaError: ``path`` is a URL or not a regular file.
        MediaNotFoundError: The file does not exist or is not readable.
    """
    global _executor  # noqa: PLW0603
    target = proxy_path(path, height=height)
    if target.is_file():
        cache.touch(target)
        done: Future[Path] = Future()
        done.set_result(target)
        return done
    resolved = resolve_media_path(path)
    with _lock:
        running = _pending.get(target)
        if running is not None:
            return running
        if _executor is None:
            _executor = ThreadPoolExecutor(1, thread_name_prefix="vnb-proxy")
        future = _executor.submit(
            make_proxy, resolved, height=height, on_progress=on_progress, cancel=cancel
        )
        _pending[target] = future
    future.add_done_callback(lambda _: _forget(target))
    return future


def _forget(target: Path) -> None:
    """Drop a finished job from the table of jobs in progress."""
    with _lock:
        _pending.pop(target, None)
