"""Frame-accurate reading of video sources: one open decoder per source, kept between calls.

A `SourceReader` indexes the presentation timestamps of every frame once (by demuxing packets,
no decoding), so "which frame is shown at source time t" is a binary search, and fetching a
frame is a seek to the keyframe before it and a decode forward — or, when the frame wanted
is a little after the last one decoded (playback), just a decode forward without seeking.

Frames come out as they are displayed: a source with display-rotation metadata (a phone held
upright) is turned by the very filters ffmpeg's own autorotation inserts in a render
(``transpose``, or ``hflip`` + ``vflip``), so the preview, effects and pre-renders see the picture
the render sees.
"""

from __future__ import annotations

import bisect
import threading
from collections import deque
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import av.error
import numpy as np

from vnb.cache.memory import LRU
from vnb.errors import MediaError, MediaNotFoundError, UnsupportedMediaError
from vnb.ffmpeg.graph import Filter, make_filter
from vnb.media.probing import media_errors, open_input, probe

__all__ = ["SourceReader", "decode_still", "reader_for", "still_frame", "upright"]

_FORWARD_LIMIT = 48
"""Decode forward instead of seeking when the wanted frame is at most this many frames ahead."""

_DROP_MATRIX = make_filter("sidedata", {"mode": "delete", "type": "DISPLAYMATRIX"})
UPRIGHT_FILTERS: dict[int, tuple[Filter, ...]] = {
    90: (make_filter("transpose", {"dir": "cclock"}), _DROP_MATRIX),
    180: (make_filter("hflip"), make_filter("vflip"), _DROP_MATRIX),
    270: (make_filter("transpose", {"dir": "clock"}), _DROP_MATRIX),
}
"""What ffmpeg's autorotation inserts for a display rotation (counter-clockwise degrees, as
`vnb.media.probe` reports it); the display matrix is then dropped, as ffmpeg drops it, so an
upright frame encoded again (a pre-render) is not turned a second time."""


def upright(frame: av.VideoFrame, rotation: int) -> av.VideoFrame:
    """``frame`` of a source whose display rotation is ``rotation``, turned as it is displayed.

    Run by the preview's in-process libavfilter (`vnb.ffmpeg.filters.filter_frame`), with the
    frame's own timestamp kept. Thread-safe.

    Raises:
        MediaError: the filters failed.
    """
    filters = UPRIGHT_FILTERS.get(rotation)
    if filters is None:
        return frame
    from vnb.errors import EffectError  # noqa: PLC0415
    from vnb.ffmpeg.filters import filter_frame  # noqa: PLC0415 - the preview builds on media

    pts, time_base = frame.pts, frame.time_base
    try:
        out = filter_frame(frame, filters, pts=0, fps=Fraction(1))
    except EffectError as err:
        msg = f"cannot turn a frame rotated by {rotation}° upright: {err}"
        raise MediaError(msg) from err
    frame.pts, frame.time_base = pts, time_base
    out.pts, out.time_base = pts, time_base
    return out


class SourceReader:
    """Exact frames of one video source, by index or by time."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._container = open_input(self.path)
        try:
            with media_errors(self.path, "index its frames"):
                self._setup()
        except BaseException:
            self._container.close()
            raise

    def _setup(self) -> None:
        if not self._container.streams.video:
            msg = f"{self.path}: has no video stream"
            raise UnsupportedMediaError(msg)
        self._stream = self._container.streams.video[0]
        self.time_base: Fraction = self._stream.time_base or Fraction(1, 90_000)
        """Time base of ``pts``."""
        self.pts, self.keyframes = self._index()
        if not self.pts:
            msg = f"{self.path}: no video frames"
            raise UnsupportedMediaError(msg)
        self.times = [float(p * self.time_base) for p in self.pts]
        # All-intra files (proxies) decode fastest with slice threads; others with frame threads.
        self._stream.thread_type = "SLICE" if len(self.keyframes) == len(self.pts) else "AUTO"
        self._packets: Iterator[av.Packet] = iter(())
        self._pending: deque[av.VideoFrame] = deque()
        self._last = -1
        self._frame: av.VideoFrame | None = None
        video = probe(self.path).video
        self.rotation = video.rotation if video is not None else 0
        """Display rotation of the source (counter-clockwise degrees: 0, 90, 180 or 270)."""
        self._turned: av.VideoFrame | None = None

    def _index(self) -> tuple[list[int], list[int]]:
        pts: list[int] = []
        keys: list[int] = []
        try:
            for packet in self._container.demux(self._stream):
                if packet.pts is None or packet.size == 0:
                    continue
                pts.append(packet.pts)
                if packet.is_keyframe:
                    keys.append(packet.pts)
        except av.error.FFmpegError as err:
            msg = f"{self.path}: cannot read: {err}"
            raise UnsupportedMediaError(msg) from err
        pts.sort()
        keys.sort()
        self._container.seek(0, stream=self._stream)
        return pts, keys

    def close(self) -> None:
        """Close the decoder and the file."""
        with self._lock:
            self._container.close()

    def __len__(self) -> int:
        return len(self.pts)

    @property
    def start_time(self) -> float:
        """Timestamp of the first frame, in seconds."""
        return self.times[0]

    def first_at_or_after(self, t: float) -> int:
        """Index of the first frame whose timestamp is ≥ ``t`` (clamped to the last frame)."""
        return min(bisect.bisect_left(self.times, t), len(self.times) - 1)

    def last_before(self, t: float) -> int:
        """Index of the last frame whose timestamp is < ``t`` (at least the first frame)."""
        return max(bisect.bisect_left(self.times, t) - 1, 0)

    def frame(self, index: int) -> av.VideoFrame:
        """The frame at ``index`` (presentation order), upright as displayed.

        Raises:
            MediaError: the source cannot be decoded there.
        """
        with self._lock, media_errors(self.path, f"decode frame {index}"):
            if self.rotation not in UPRIGHT_FILTERS:
                return self._decoded(index)
            if index == self._last and self._turned is not None:
                return self._turned
            self._turned = upright(self._decoded(index), self.rotation)
            return self._turned

    def _decoded(self, index: int) -> av.VideoFrame:
        """The decoded frame at ``index`` (presentation order), in coded orientation.

        After a seek, frames no other frame refers to are skipped until the packet of the
        wanted frame (they cannot be it, and nothing needs them): about a quarter less work
        for a typical H.264 seek.

        Raises:
            MediaError: the source cannot be decoded there.
        """
        with self._lock:
            if index == self._last and self._frame is not None:
                return self._frame
            want = self.pts[index]
            ahead = 0 < index - self._last <= _FORWARD_LIMIT
            key = self.keyframes[max(bisect.bisect_right(self.keyframes, want) - 1, 0)]
            codec = self._stream.codec_context
            if not (ahead and self._last >= 0 and self.pts[self._last] >= key):
                self._container.seek(key, stream=self._stream, backward=True, any_frame=False)
                self._packets = self._container.demux(self._stream)
                self._pending.clear()
                self._last = -1
                codec.skip_frame = "NONREF"
            try:
                while True:
                    while self._pending:
                        frame = self._pending.popleft()
                        if frame.pts is not None and frame.pts >= want:
                            self._last = bisect.bisect_left(self.pts, frame.pts)
                            self._frame = frame
                            return frame
                    packet = next(self._packets, None)
                    if packet is not None and packet.pts is not None and packet.pts >= want:
                        codec.skip_frame = "DEFAULT"
                    decoded = codec.decode(packet)  # None at the end flushes the decoder
                    if packet is None and not decoded:
                        break
                    self._pending.extend(decoded)
            except av.error.FFmpegError as err:
                self._last = -1
                msg = f"{self.path}: cannot decode frame {index}: {err}"
                raise MediaError(msg) from err
            finally:
                if self._last < 0:
                    codec.skip_frame = "DEFAULT"
            self._last = -1
            msg = f"{self.path}: frame {index} could not be decoded (file ends early)"
            raise MediaError(msg)

    def frame_array(self, index: int, fmt: str = "rgb24") -> np.ndarray:
        """The frame at ``index`` as an array in pixel format ``fmt``."""
        frame = self.frame(index)
        with media_errors(self.path, f"convert frame {index}"):
            return frame.to_ndarray(format=fmt)


def decode_still(path: str | Path) -> av.VideoFrame:
    """The picture of a still image (its first frame).

    Raises:
        MediaError: naming the file, if it cannot be opened or decoded.
    """
    with open_input(path) as container, media_errors(path, "decode the image"):
        frame = next(container.decode(video=0), None)
    if frame is None:
        msg = f"{path}: the image has no picture to decode"
        raise UnsupportedMediaError(msg)
    return frame


_STILLS: LRU[str, av.VideoFrame] = LRU(
    64, max_weight=512 * 1024**2, weigh=lambda f: sum(p.buffer_size for p in f.planes)
)
"""Decoded still images (most recently used kept, up to 512 MiB)."""


def still_frame(path: str) -> av.VideoFrame:
    """The picture of a still image, decoded once (the preview and the pre-render share it).

    Raises:
        MediaError: naming the file, if it cannot be opened or decoded.
    """
    frame = _STILLS.get(path)
    if frame is None:
        frame = decode_still(path)  # a damaged image is a MediaError naming it
        _STILLS.put(path, frame)
    return frame


_MAX_OPEN = 16
_READERS: LRU[tuple[str, int, int], SourceReader] = LRU(_MAX_OPEN, on_evict=lambda r: r.close())


def reader_for(path: str | Path) -> SourceReader:
    """The shared reader of a source (kept open; reopened when the file changes)."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError as err:  # gone (or looping) since it was probed
        msg = f"{p}: cannot open: {err.strerror or err}"
        raise MediaNotFoundError(msg) from None
    key = (str(p), st.st_size, st.st_mtime_ns)
    reader = _READERS.get(key)
    if reader is not None:
        return reader
    reader = SourceReader(p)
    _READERS.put(key, reader)
    return reader
