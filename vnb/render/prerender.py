"""Pre-render clips with WASM or Python effects into cached intermediates the graph reads.

ffmpeg cannot run a WASM module or a Python function, so before a render every clip with
custom effects is made frame by frame: decode its source (PyAV, under vnb's allowlists), run
the custom chain on RGBA with two worker threads — exactly what the preview does to a source
frame (:func:`vnb.effects.custom.apply_custom`, same ``t`` and ``index``) — and encode an
all-intra lossless intermediate (H.264 RGB at ``-qp 0 -g 1`` in MOV; QuickTime RLE when the
source has alpha) that keeps the source frames' timestamps. The plan handed to the graph
builder then names the intermediate as the clip's source, with ``source_start`` shifted to
match and the custom effects removed: the built-in effects, crop, scale, fades and
transitions still run in the graph, after the custom ones.

Intermediates are cached by content in the cache's folder ``vnb.cache.folder("prerender")``
(``cache_dir() / "prerender"``): the source's identity, the frames used, the effect chain with
its parameters and every plugin's hash. The cache owns them: they share its bound on files
with the proxies (``VNB_CACHE_FILES_SIZE``, default 4 GiB; least recently used first; the
former ``VNB_PRERENDER_SIZE`` is still read) and ``vnb cache clear`` deletes them.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from vnb._bars import Progress, open_bar
from vnb.effects.custom import Stop, chain_identity, has_custom
from vnb.render.intermediate import prerender_item
from vnb.schema.registry import is_custom

if TYPE_CHECKING:
    from vnb.plan import Plan, VideoItem

__all__ = ["prerender"]

VERSION = 1
"""Part of every intermediate's key: bump it when what an intermediate holds changes."""


@dataclass(frozen=True, slots=True)
class Job:
    """One clip to pre-render: which frames, where the result goes, how to substitute it."""

    item: VideoItem
    fps: Fraction
    first: int
    """First source frame (reader index); for stills and colours, 0."""
    count: int
    """Frames to make."""
    key: str
    path: Path

    def substituted(self) -> VideoItem:
        """The clip as the graph sees it once the intermediate exists."""
        item = self.item
        effects = tuple((n, p) for n, p in item.effects if not is_custom(n))
        kept = [i for i, (n, _) in enumerate(item.effects) if not is_custom(n)]
        curves = tuple(  # the built-in effects' curves, by their new index
            replace(pc, effect=kept.index(pc.effect))
            for pc in item.param_curves
            if pc.effect in kept
        )
        if item.source is not None and not item.still:
            from vnb.media.reader import reader_for  # noqa: PLC0415

            shift = reader_for(item.source).times[self.first]
            ramp = tuple((k, t - shift, speed) for k, t, speed in item.ramp)  # speed ramps too
            return replace(
                item,
                source=str(self.path),
                source_start=item.source_start - shift,
                effects=effects,
                ramp=ramp,
                param_curves=curves,
            )
        p = item.placement
        placement = p if item.source is not None else replace(p, crop=None)
        size = item.source_size if item.source is not None else (p.width, p.height)
        return replace(
            item, source=str(self.path), color=None, still=False, source_size=size,
            source_fps=self.fps, source_start=0.0, speed=1.0, placement=placement,
            effects=effects, param_curves=curves,
        )  # fmt: skip


def _folder() -> Path:
    from vnb.cache import folder  # noqa: PLC0415

    return folder("prerender")


def _job(item: VideoItem, fps: Fraction) -> Job:
    from vnb.cache import make_key, source_identity  # noqa: PLC0415

    chain = chain_identity(item)
    if item.source is not None and not item.still:
        from vnb.ffmpeg.chains import seek_lead  # noqa: PLC0415
        from vnb.media.reader import reader_for  # noqa: PLC0415

        reader = reader_for(item.source)
        src_fps = item.source_fps or fps
        # From the first frame the render's seek keeps (one earlier for a resampled clip).
        first = reader.first_at_or_after(item.source_start - float(seek_lead(item, fps) / src_fps))
        end = item.source_time(item.end, fps) + float(2 / src_fps)
        last = min(len(reader.times) - 1, bisect.bisect_right(reader.times, end))
        count = last - first + 1
        what: tuple[object, ...] = (
            source_identity(item.source),
            reader.pts[first],
            reader.pts[last],
            item.source_start,
        )
    else:
        first, count = 0, item.end - item.start + 1
        p = item.placement
        origin = source_identity(item.source) if item.source else (item.color, p.width, p.height)
        what = ("still", origin, count, fps)
    key = make_key("prerender", VERSION, what, chain)
    return Job(item, fps, first, count, key, _folder() / f"{key}.mov")


def jobs_for(plan: Plan) -> list[Job]:
    """The clips of ``plan`` that have custom effects, one job per distinct content."""
    from vnb.plan import VideoTrackPlan  # noqa: PLC0415

    jobs: dict[str, Job] = {}
    for layer in plan.layers:
        if isinstance(layer, VideoTrackPlan):
            for item in layer.items:
                if has_custom(item):
                    job = _job(item, plan.fps)
                    jobs.setdefault(f"{job.key}|{item.clip_id}", job)
    return list(jobs.values())


def substitute(plan: Plan, done: dict[str, VideoItem]) -> Plan:
    """``plan`` with the items of ``done`` (by clip id) put in place of the originals."""
    from vnb.plan import VideoTrackPlan  # noqa: PLC0415

    layers = tuple(
        replace(layer, items=tuple(done.get(i.clip_id, i) for i in layer.items))
        if isinstance(layer, VideoTrackPlan)
        else layer
        for layer in plan.layers
    )
    return replace(plan, layers=layers)


def _sweep(keep: set[Path]) -> None:
    """Delete the cache's least recently used files beyond its bound (never those in ``keep``)."""
    from vnb.cache import sweep  # noqa: PLC0415

    sweep(keep)


def prerender(
    plan: Plan,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
    progress_bar: bool | None = None,
    timeout: float | None = None,
    started: float | None = None,
) -> tuple[Plan, Callable[[Progress], None] | None]:
    """Pre-render every clip of ``plan`` with custom effects; return the plan to render.

    Also returns the progress callback for the ffmpeg pass: the pre-pass reports the first
    share of the render's progress (by its share of frames), the ffmpeg pass the rest.

    ``cancel`` and ``timeout`` (seconds from ``started``, a ``time.monotonic()`` value,
    default now) stop the pre-pass within about `vnb.effects.python.POLL` seconds, even in
    the middle of a Python effect that never returns (see `vnb.effects.python`); nothing
    half-written is left.

    Raises:
        PluginError: a custom effect failed on a frame (named, with the frame time).
        EffectError: a custom effect is not loaded.
        MediaError: a source cannot be decoded.
        RenderCancelledError: ``cancel`` was set.
    """
    every = jobs_for(plan)
    jobs = [j for j in every if not j.path.is_file()]
    cached = [j for j in every if j.path.is_file()]
    from vnb.cache import touch  # noqa: PLC0415

    for job in cached:  # used now: the last to be swept
        touch(job.path)
    todo = sum(j.count for j in jobs)
    share = todo / (todo + max(plan.frames, 1)) if todo else 0.0
    if todo:
        deadline = None
        if timeout is not None and timeout > 0:  # (a bad timeout is refused by run_ffmpeg)
            deadline = (started or time.monotonic()) + timeout
        stop = Stop(cancel, deadline, timeout)
        _run_jobs(
            jobs, plan, todo=todo, share=share, on_progress=on_progress, stop=stop,
            progress_bar=progress_bar,
        )  # fmt: skip
    done = {j.item.clip_id: j.substituted() for j in (*jobs, *cached)}
    _sweep({j.path for j in (*jobs, *cached)})
    if not done:
        return plan, on_progress
    if on_progress is None or not share:
        return substitute(plan, done), on_progress
    report = on_progress

    def after(p: Progress) -> None:
        report(replace(p, fraction=share + (1 - share) * p.fraction))

    return substitute(plan, done), after


def _run_jobs(
    jobs: list[Job],
    plan: Plan,
    *,
    todo: int,
    share: float,
    on_progress: Callable[[Progress], None] | None,
    stop: Stop,
    progress_bar: bool | None,
) -> None:
    bar = open_bar(progress_bar, total=todo, desc="effects", unit="frame")
    made = [0]
    start = time.monotonic()

    def tick() -> None:
        made[0] += 1
        bar.advance()
        if on_progress is not None and (made[0] % 5 == 0 or made[0] == todo):
            elapsed = time.monotonic() - start
            rate = made[0] / elapsed if elapsed > 0 else None
            eta = (todo - made[0]) / rate if rate else None  # of the pre-pass
            fraction = share * min(1.0, made[0] / todo)
            on_progress(Progress(fraction, 0.0, plan.duration, rate, None, eta))

    with bar:
        for job in jobs:
            prerender_item(job, on_frame=tick, cancel=stop.cancel, stop=stop)
