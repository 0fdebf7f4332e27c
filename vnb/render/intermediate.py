"""Making one pre-rendered intermediate: decode, custom effects on two threads, encode.

The decoded source frames (or, for stills and colour clips, the one picture the preview uses)
go through the clip's custom effects as RGBA, exactly as in the preview
(:func:`vnb.effects.custom.apply_custom`: same conversion, same ``t`` and ``index``), on
`WORKERS` threads while this thread decodes and encodes in order. The intermediate is H.264
RGB at ``-qp 0 -g 1`` (lossless, all-intra) in MOV — QuickTime RLE ``argb`` when the source
has alpha — with the source frames' own timestamps, written to a temporary name and renamed
when whole. :mod:`vnb.render.prerender` decides which clips need one and where it goes.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
from collections import deque
from collections.abc import Callable, Generator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vnb.effects.custom import Stop, apply_chain, custom_effects, has_alpha, stopping, to_rgba
from vnb.errors import MediaError
from vnb.fileio import replace_file

if TYPE_CHECKING:
    import av

    from vnb.plan import VideoItem
    from vnb.render.prerender import Job

__all__: list[str] = []  # internal: used only inside its own package

WORKERS = 2
"""Threads running the effects (the machine this was tuned on has two cores)."""


def _in_flight() -> int:
    return 2 * WORKERS + 2


def _solid_rgba(item: VideoItem) -> av.VideoFrame:
    """The colour clip's picture as the preview makes it (through 4:2:0, like ``_solid``)."""
    import av  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415

    from vnb.schema.color import parse_color  # noqa: PLC0415

    p = item.placement
    rgba = np.empty((p.height, p.width, 4), np.uint8)
    rgba[:] = parse_color(item.color or "black")
    return av.VideoFrame.from_ndarray(rgba, format="rgba").reformat(format="yuv420p")


def _frames(job: Job, facts: dict[str, Any]) -> Generator[tuple[Any, int, float, int], None, None]:
    """``(picture, pts in the intermediate, t, index)`` for every frame of the job.

    The picture is a decoded frame, or for stills and colours one RGBA array (converted here,
    once: PyAV deadlocks when two threads convert the same frame). Before the first is given,
    ``facts`` gets the picture's ``size`` and whether it has ``alpha``.
    """
    item, fps = job.item, job.fps
    if item.source is None or item.still:
        from vnb.effects.custom import _CONVERT_LOCK  # noqa: PLC0415
        from vnb.media.reader import still_frame  # noqa: PLC0415 - the very frame the preview uses

        frame = _solid_rgba(item) if item.source is None else still_frame(item.source)
        with _CONVERT_LOCK:
            rgba = to_rgba(frame)
        facts.update(size=(frame.width, frame.height), alpha=has_alpha(frame))
        if not facts["alpha"]:
            rgba[..., 3] = 255
        for j in range(job.count):
            yield rgba, j, float(j / fps), j
        return
    from vnb.media import open_input  # noqa: PLC0415
    from vnb.media.reader import reader_for, upright  # noqa: PLC0415

    reader = reader_for(item.source)
    wanted = {pts: i for i, pts in enumerate(reader.pts[job.first : job.first + job.count])}
    origin, last = reader.pts[job.first], reader.pts[job.first + job.count - 1]
    with open_input(item.source) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        container.seek(origin, stream=stream, backward=True, any_frame=False)
        for frame in container.decode(stream):
            if frame.pts is None or frame.pts not in wanted:
                if frame.pts is not None and frame.pts > last:
                    return
                continue
            pts = frame.pts
            frame = upright(frame, reader.rotation)  # noqa: PLW2901 - as the preview shows it
            if not facts:
                facts.update(size=(frame.width, frame.height), alpha=has_alpha(frame))
            i = job.first + wanted[pts]
            t = max(0.0, reader.times[i] - item.source_start)
            yield frame, pts - origin, t, i - job.first
            if pts >= last:
                return


def _work(
    effects: list[Any], picture: Any, t: float, index: int, *, alpha: bool, stop: Stop
) -> Any:
    import av  # noqa: PLC0415

    stop.check()  # a queued frame of a stopped render is not started
    rgba = picture.copy() if hasattr(picture, "shape") else to_rgba(picture)
    with stopping(stop):  # a Python effect's wait also ends on the render's cancel/deadline
        out = apply_chain(effects, rgba, t, index, preview=False)
    made = av.VideoFrame.from_ndarray(out, format="rgba")
    return made if alpha else made.reformat(format="rgb24")


def prerender_item(
    job: Job,
    *,
    on_frame: Callable[[], None] | None = None,
    cancel: threading.Event | None = None,
    stop: Stop | None = None,
) -> Path:
    """Make the job's intermediate (atomically) unless it is cached; return its path.

    ``stop`` (or just ``cancel``) ends the work within about `vnb.effects.python.POLL`
    seconds, even inside a Python effect that never returns: the effects' worker threads
    stop waiting for it, the temporary file is removed, and no thread is left that would
    keep the interpreter from exiting.

    Raises:
        PluginError: an effect failed on a frame (named, with the frame time).
        MediaError: the source cannot be decoded.
        RenderCancelledError: ``cancel`` was set, or ``stop`` fired.
    """
    import av  # noqa: PLC0415

    halt = threading.Event()
    stop = replace(stop or Stop(cancel), halt=halt)
    if job.path.is_file():
        with contextlib.suppress(OSError):
            os.utime(job.path)
        return job.path
    job.path.parent.mkdir(parents=True, exist_ok=True)
    out = _Output(job.path.with_name(f".{job.path.stem}.{secrets.token_hex(4)}.part"), job)
    effects = custom_effects(job.item)
    try:
        _make_frames(job, effects, out, stop, halt, on_frame=on_frame)
        if out.container is None:
            msg = f"{job.item.source}: no frames to pre-render for clip {job.item.clip_id!r}"
            raise MediaError(msg)
        out.finish()
    except av.error.FFmpegError as err:
        msg = f"pre-rendering clip {job.item.clip_id!r}: {err}"
        raise MediaError(msg) from err
    finally:
        out.close()
        out.tmp.unlink(missing_ok=True)
    return job.path


@dataclass(slots=True)
class _Output:
    """The intermediate being written to ``tmp``: opened at the first frame, encoded in order."""

    tmp: Path
    job: Job
    container: Any = None
    stream: Any = None
    last_pts: int = -1

    def open(self, size: tuple[int, int], alpha: bool) -> None:
        """Open the file and its video stream, unless already open."""
        if self.container is None:
            self.container, self.stream = _open_output(self.tmp, self.job, size, alpha)

    def emit(self, work: Future[Any], pts: int) -> None:
        """Encode one result, in order (on the writer thread)."""
        made = work.result()
        pts = max(pts, self.last_pts + 1)  # strictly increasing, as the encoder wants
        self.last_pts = pts
        # the encoder's time base: the muxer may change the stream's when it writes the header
        made.pts, made.time_base = pts, self.stream.codec_context.time_base
        for packet in self.stream.encode(made):
            self.container.mux(packet)

    def finish(self) -> None:
        """Flush the encoder, close the file and move it to the job's path."""
        for packet in self.stream.encode():
            self.container.mux(packet)
        self.container.close()
        self.container = None
        replace_file(self.tmp, self.job.path)

    def close(self) -> None:
        """Close the file if it is still open (after a failure)."""
        if self.container is not None:
            with contextlib.suppress(Exception):
                self.container.close()


def _make_frames(
    job: Job,
    effects: list[Any],
    out: _Output,
    stop: Stop,
    halt: threading.Event,
    *,
    on_frame: Callable[[], None] | None,
) -> None:
    """Run the effects over the source's frames in the pool and write the results in order."""
    pending: deque[Future[None]] = deque()

    def settle(block: bool) -> None:
        """Wait for written frames (the oldest first); report each in this thread."""
        while pending and (block or len(pending) >= _in_flight() or pending[0].done()):
            pending.popleft().result()  # raises the first failure, in frame order
            if on_frame is not None:
                on_frame()

    with contextlib.ExitStack() as stack:
        pool = stack.enter_context(ThreadPoolExecutor(WORKERS, thread_name_prefix="vnb-fx"))
        writer = stack.enter_context(ThreadPoolExecutor(1, thread_name_prefix="vnb-fx-out"))
        stack.callback(lambda: [f.cancel() for f in pending])  # on failure: stop quickly
        stack.callback(halt.set)  # ... and the frames being made stop waiting
        facts: dict[str, Any] = {}
        frames = stack.enter_context(contextlib.closing(_frames(job, facts)))
        for frame, pts, t, index in frames:
            stop.check()
            out.open(facts["size"], facts["alpha"])
            now = custom_effects(job.item, t) if job.item.param_curves else effects  # animated
            work = pool.submit(_work, now, frame, t, index, alpha=facts["alpha"], stop=stop)
            pending.append(writer.submit(out.emit, work, pts))
            settle(block=False)
        settle(block=True)


def _open_output(tmp: Path, job: Job, size: tuple[int, int], alpha: bool) -> tuple[Any, Any]:
    import av  # noqa: PLC0415

    output = av.open(str(tmp), "w", format="mov")
    rate = job.item.source_fps or job.fps
    if alpha:  # QuickTime RLE keeps the alpha channel, losslessly
        stream = output.add_stream("qtrle", rate=rate)
        stream.pix_fmt = "argb"
    else:
        stream = output.add_stream(
            "libx264rgb", rate=rate, options={"qp": "0", "preset": "ultrafast", "g": "1"}
        )
        stream.pix_fmt = "rgb24"
    stream.width, stream.height = size
    if job.item.source is not None and not job.item.still:
        from vnb.media.reader import reader_for  # noqa: PLC0415

        stream.time_base = reader_for(job.item.source).time_base
    else:
        stream.time_base = Fraction(job.fps.denominator, job.fps.numerator)
    stream.codec_context.time_base = stream.time_base
    return output, stream
