"""In-process preview: the composed frame at any time, equal to the render's, cached on disk.

``project.frame_at(t)`` decodes with PyAV (one open decoder per source), runs each clip's
render filters with PyAV's libavfilter, blends the layers, and keeps the result in the
`vnb.cache` store under a key made of exactly what the frame depends on — so an edit changes
only the keys of the frames it touches, and nothing ever needs invalidating by hand.
"""

from __future__ import annotations

import operator
import os
import time
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from vnb import telemetry
from vnb.cache.memory import LRU
from vnb.errors import ProjectError, VnbError
from vnb.media.proxy import PROXY_HEIGHT
from vnb.preview.compose import compose, frame_key_parts
from vnb.schema.timebase import to_frame

if TYPE_CHECKING:
    from vnb.plan import Plan
    from vnb.schema import Project

__all__ = ["frame_at", "frame_index", "plan_of"]

KEY_VERSION = 1
_PLANS: LRU[tuple[int, tuple[int, int] | None], tuple[str, Plan]] = LRU(16)


def plan_of(project: Project) -> Plan:
    """The project's plan, recompiled only when the project's content changed."""
    return _cached_plan(project, None)


def _cached_plan(project: Project, proxy_size: tuple[int, int] | None) -> Plan:
    from vnb.media import plan_project  # noqa: PLC0415

    fingerprint = project.model_dump_json() + str(project.base_dir)
    if proxy_size is not None:
        fingerprint += repr((proxy_size, _proxies(project)))
    key = (id(project), proxy_size)
    hit = _PLANS.get(key)
    if hit is not None and hit[0] == fingerprint:
        return hit[1]
    plan = plan_project(project if proxy_size is None else _proxy_project(project, proxy_size))
    _PLANS.put(key, (fingerprint, plan))
    return plan


def _sources(project: Project) -> list[str]:
    return list(dict.fromkeys(c.source for t in project.tracks for c in t.clips if c.source))


_PROXY_SEEN: LRU[tuple[str, int, int], tuple[float, str | None]] = LRU(1024)
_PROXY_RECHECK = 1.0  # seconds between looks for a proxy still being made


def _proxy_of(path: Path) -> str | None:
    """The proxy of a source if made; remembered per file state, re-checked while missing."""
    from vnb.media.proxy import get_proxy  # noqa: PLC0415

    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    now = time.monotonic()
    seen = _PROXY_SEEN.get(key)
    making = _PROXY_FUTURES.get(str(path))
    just_made = making is not None and making.done() and seen is not None and seen[1] is None
    if (
        seen is not None
        and not just_made
        and (seen[1] is not None or now - seen[0] < _PROXY_RECHECK)
    ):
        return seen[1]
    proxy = get_proxy(path)
    made = None if proxy is None else str(proxy)
    _PROXY_SEEN.put(key, (now, made))
    return made


def _proxies(project: Project) -> dict[str, str]:
    """The proxies already made for the project's sources (source name → proxy file)."""
    out: dict[str, str] = {}
    for source in _sources(project):
        try:
            proxy = _proxy_of(project.base_dir / source)
        except (VnbError, OSError):
            continue
        if proxy is not None:
            out[source] = proxy
    return out


def _proxy_project(project: Project, size: tuple[int, int]) -> Project:
    """A copy of ``project`` scaled to ``size`` whose sources are their proxies where made.

    Positions, title sizes and pixel-sized effect parameters scale with the canvas, so the
    small frame looks like the full one; it is for scrubbing, the render uses the originals.
    """
    s = min(size[0] / project.width, size[1] / project.height)
    copy = type(project).model_validate(project.model_dump())
    copy._base_dir = project.base_dir
    copy.width, copy.height = (
        max(16, 2 * round(project.width * s / 2)),
        max(16, 2 * round(project.height * s / 2)),
    )
    proxies = _proxies(project)
    for track in copy.tracks:
        for clip in track.clips:
            if track.kind == "video" and clip.source in proxies:  # never the sound: a proxy
                clip.source = proxies[clip.source]  # has none, and audio clips need theirs
            clip.transform.x *= s
            clip.transform.y *= s
            for effect in clip.effects:
                if effect.name == "blur" and "radius" in effect.params:
                    effect.params = {**effect.params, "radius": float(effect.params["radius"]) * s}
        for title in track.titles:
            title.size = max(4, round(title.size * s))
            title.margin = round(title.margin * s)
            title.outline = round(title.outline * s)
        for subs in track.subtitles:
            subs.size = max(4, round(subs.size * s))
            subs.margin = round(subs.margin * s)
    by_path = {os.path.normpath(project.base_dir / k): v for k, v in proxies.items()}
    for entry in (*copy.overlays, *copy.redactions):  # detections follow their source
        proxy = by_path.get(os.path.normpath(project.base_dir / entry.source))
        if proxy is not None:
            entry.source = proxy
    return copy


def frame_index(plan: Plan, t: float) -> int:
    """The frame shown at ``t`` seconds.

    Raises:
        ProjectError: ``t`` is outside ``[0, duration)``.
    """
    if not 0 <= t < plan.duration:  # NaN is never inside
        msg = f"t={t:g}: outside the project, which lasts [0, {plan.duration:g}) s"
        raise ProjectError(msg)
    return min(to_frame(t, plan.fps), plan.frames - 1)


_PROXY_STARTED: set[str] = set()
_PROXY_FUTURES: dict[str, Future[Path]] = {}


def _start_proxies(project: Project) -> None:
    """Start making proxies for the large sources that have none (in the background, once)."""
    from vnb.media.proxy import ensure_proxy_async, needs_proxy  # noqa: PLC0415

    for source in _sources(project):
        path = project.base_dir / source
        if str(path) in _PROXY_STARTED:
            continue
        _PROXY_STARTED.add(str(path))
        try:
            if needs_proxy(project.probe(source)):
                _PROXY_FUTURES[str(path)] = ensure_proxy_async(path)
        except VnbError:
            continue


def check_size(size: object) -> tuple[int, int] | None:
    """Validate a requested frame size: ``(width, height)``, each 1 to the project's maximum.

    Raises:
        ProjectError: naming ``size``, if it is not two whole numbers in range.
    """
    if size is None:
        return None
    from vnb.schema import Project  # noqa: PLC0415

    limit = next(m.le for m in Project.model_fields["width"].metadata if hasattr(m, "le"))
    try:
        width, height = (operator.index(v) for v in size)  # type: ignore[attr-defined]
        if isinstance(size, str | bytes) or any(isinstance(v, bool) for v in size):  # type: ignore[attr-defined]
            raise ValueError
        if not (1 <= width <= limit and 1 <= height <= limit):
            raise ValueError
    except (TypeError, ValueError):
        msg = f"size: expected (width, height), whole numbers of pixels 1 to {limit}; got {size!r}"
        raise ProjectError(msg) from None
    return width, height


def _resize(frame: np.ndarray, size: tuple[int, int] | None) -> np.ndarray:
    if size is None or (frame.shape[1], frame.shape[0]) == tuple(size):
        return frame
    from PIL import Image  # noqa: PLC0415

    width, height = size
    return np.asarray(Image.fromarray(frame).resize((width, height), Image.Resampling.BILINEAR))


@telemetry.timed("preview")
def frame_at(
    project: Project,
    t: float,
    *,
    size: tuple[int, int] | None = None,
    cache: bool = True,
    proxies: bool = True,
) -> np.ndarray:
    """The composed frame shown at timeline time ``t`` (H×W×3 uint8 RGB).

    Args:
        project: the edit.
        t: seconds, snapped to the nearest frame: the frame shown is ``round(t * fps)``.
        size: ``(width, height)`` of the result; default the project's size.
        cache: look the frame up in (and store it into) the disk cache.
        proxies: when ``size`` is at most the proxies' height, compose from the proxies made
            so far (exact frames, approximate pixels: for scrubbing); large sources without
            one get it made in the background. False: always the originals.

    Raises:
        ProjectError: ``t`` outside the project, ``size`` not two whole numbers from 1 to
            8192 (the project's own bound), or an invalid project.
        MediaError: a source is missing or cannot be decoded (the message names it).
    """
    from vnb import cache as store  # noqa: PLC0415

    size = check_size(size)
    plan = plan_of(project)
    k = frame_index(plan, t)
    if proxies and size is not None and size[1] <= PROXY_HEIGHT < plan.height:
        _start_proxies(project)
        if _proxies(project):
            plan = _cached_plan(project, size)
    key = store.make_key("frame", KEY_VERSION, frame_key_parts(plan, k), size) if cache else ""
    if cache:
        hit = store.get_array(key)
        if hit is not None:
            return hit
    frame = _resize(compose(plan, k), size)
    if cache:
        store.put_array(key, frame)
    return frame
