"""Run the render's own ffmpeg filters on single frames, in-process, with PyAV's libavfilter.

This is what makes the preview agree with the render by construction: a clip's picture goes
through the filter chain it gets in the render graph (`picture_filters`), layers are combined
with the same ``overlay`` in the same 4:2:0 format, and transitions use the same ``xfade``.
Configured graphs are kept and reused, except those whose filters follow time (``fade``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from fractions import Fraction

import av
import av.error
import av.filter

from vnb.cache.memory import LRU
from vnb.errors import EffectError
from vnb.ffmpeg.escape import format_options
from vnb.ffmpeg.graph import Filter

__all__ = ["filter_frame"]

_Entry = tuple[av.filter.Graph, list[object], object]
_MAX_GRAPHS = 64
_GRAPHS: LRU[tuple[object, ...], _Entry] = LRU(_MAX_GRAPHS)
_LOCK = threading.Lock()
_CLOCK = [0]


def _buffer(graph: av.filter.Graph, frame: av.VideoFrame, fps: Fraction) -> object:
    args = (
        f"video_size={frame.width}x{frame.height}:pix_fmt={frame.format.name}"
        f":time_base={fps.denominator}/{fps.numerator}"
        f":frame_rate={fps.numerator}/{fps.denominator}:pixel_aspect=1/1"
    )
    return graph.add("buffer", args)


def _add(graph: av.filter.Graph, f: Filter) -> object:
    name, options = f
    return graph.add(name, format_options(dict(options)) or None)


def _pull(sink: object) -> list[av.VideoFrame]:
    out = []
    while True:
        try:
            out.append(sink.pull())  # type: ignore[attr-defined]
        except (BlockingIOError, av.error.EOFError):
            return out


def _run(
    key: tuple[object, ...],
    frames: Sequence[av.VideoFrame],
    build: object,
    *,
    pts: int | None,
    fps: Fraction,
    reuse: bool,
) -> av.VideoFrame:
    """Push one frame into each input of a graph made by ``build`` and pull the result."""
    full_key = (key, fps, *((f.width, f.height, f.format.name) for f in frames))
    with _LOCK:
        entry = _GRAPHS.pop(full_key) if reuse else None
        try:
            if entry is None:
                graph = av.filter.Graph()
                srcs = [_buffer(graph, f, fps) for f in frames]
                sink = build(graph, srcs)  # type: ignore[operator]
                graph.configure()
                entry = (graph, srcs, sink)
            _graph, srcs, sink = entry
            _CLOCK[0] += 1
            stamp = _CLOCK[0] if pts is None else pts
            for src, frame in zip(srcs, frames, strict=True):
                frame.pts = stamp
                frame.time_base = 1 / fps
                src.push(frame)  # type: ignore[attr-defined]
            out = _pull(sink)
        except (av.error.FFmpegError, ValueError) as err:
            msg = f"preview filters ({key[0]}) failed: {err}"
            raise EffectError(msg) from err
        if reuse:
            _GRAPHS.put(full_key, entry)
    if not out:
        msg = f"preview filters ({key[0]}) produced no frame"
        raise EffectError(msg)
    return out[-1]


def filter_frame(
    frame: av.VideoFrame, filters: Sequence[Filter], *, pts: int, fps: Fraction
) -> av.VideoFrame:
    """``frame`` through a chain of filters; it enters stamped ``pts`` in time base ``1/fps``.

    Raises:
        EffectError: a filter refused its options or failed.
    """
    if not filters:
        return frame

    def build(graph: av.filter.Graph, srcs: list[object]) -> object:
        last = srcs[0]
        for f in filters:
            node = _add(graph, f)
            last.link_to(node)  # type: ignore[attr-defined]
            last = node
        sink = graph.add("buffersink")
        last.link_to(sink)  # type: ignore[attr-defined]
        return sink

    stateful = any(name == "fade" for name, _ in filters)
    names = ",".join(name for name, _ in filters)
    return _run((names, tuple(filters)), [frame], build, pts=pts, fps=fps, reuse=not stateful)


def overlay(
    main: av.VideoFrame,
    top: av.VideoFrame,
    x: object,
    y: object,
    *,
    fmt: str = "yuv420",
    pts: int | None = None,
    fps: Fraction = Fraction(30),
) -> av.VideoFrame:
    """``top`` laid over ``main`` at ``(x, y)`` by ffmpeg's ``overlay``, as the render does.

    ``x``, ``y`` are pixels or the render's per-frame formulas; formulas read the frames'
    time, so give the timeline frame ``pts`` (in time base ``1/fps``) the render's main
    input has there.
    """

    def build(graph: av.filter.Graph, srcs: list[object]) -> object:
        node = graph.add(
            "overlay", format_options({"x": x, "y": y, "eof_action": "pass", "format": fmt})
        )
        srcs[0].link_to(node, 0, 0)  # type: ignore[attr-defined]
        srcs[1].link_to(node, 0, 1)  # type: ignore[attr-defined]
        sink = graph.add("buffersink")
        node.link_to(sink)
        return sink

    return _run(("overlay", x, y, fmt), [main, top], build, pts=pts, fps=fps, reuse=True)


def xfade(
    a: av.VideoFrame, b: av.VideoFrame, kind: str, index: int, frames: int, *, alpha: bool
) -> av.VideoFrame:
    """Frame ``index`` of an ``xfade`` of ``kind`` lasting ``frames``, from ``a`` to ``b``.

    Runs in 4:4:4 (with alpha when ``alpha``) and returns 4:2:0, like the render.
    """
    wide, narrow = ("yuva444p", "yuva420p") if alpha else ("yuv444p", "yuv420p")
    fps = Fraction(30)
    graph = av.filter.Graph()
    srcs = [_buffer(graph, a, fps), _buffer(graph, b, fps)]
    x = graph.add(
        "xfade", format_options({"transition": kind, "duration": f"{frames / 30:.6f}", "offset": 0})
    )
    for i, src in enumerate(srcs):
        conv = graph.add("format", f"pix_fmts={wide}")
        src.link_to(conv)  # type: ignore[attr-defined]
        conv.link_to(x, 0, i)
    tail = graph.add("format", f"pix_fmts={narrow}")
    x.link_to(tail)
    sink = graph.add("buffersink")
    tail.link_to(sink)
    graph.configure()
    out: list[av.VideoFrame] = []
    # xfade measures progress from the first frame it sees: show it frame 0 first.
    for pts in [0, index] if index else [0]:
        for src, frame in zip(srcs, (a, b), strict=True):
            frame.pts = pts
            frame.time_base = 1 / fps
            src.push(frame)  # type: ignore[attr-defined]
        out += _pull(sink)
    return out[-1]
