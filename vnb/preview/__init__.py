"""In-process preview: the composed frame at any time, equal to the render's, cached on disk.

``project.frame_at(t)`` decodes with PyAV (one open decoder per source), runs each clip's
render filters with PyAV's libavfilter, blends the layers, and keeps the result in the
`vnb.cache` store under a key made of exactly what the frame depends on — so an edit changes
only the keys of the frames it touches, and nothing ever needs invalidating by hand.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

import numpy as np

from vnb.errors import ProjectError
from vnb.preview.compose import compose, frame_key_parts
from vnb.schema.timebase import to_frame

if TYPE_CHECKING:
    from vnb.plan import Plan
    from vnb.schema import Project

__all__ = ["compose", "frame_at", "frame_index", "plan_of"]

KEY_VERSION = 1
_PLANS: OrderedDict[int, tuple[str, str, Plan]] = OrderedDict()
_PLANS_LOCK = threading.Lock()


def plan_of(project: Project) -> Plan:
    """The project's plan, recompiled only when the project's content changed."""
    from vnb.media import plan_project  # noqa: PLC0415

    fingerprint = project.model_dump_json()
    base = str(project.base_dir)
    with _PLANS_LOCK:
        hit = _PLANS.get(id(project))
        if hit is not None and hit[0] == fingerprint and hit[1] == base:
            _PLANS.move_to_end(id(project))
            return hit[2]
    plan = plan_project(project)
    with _PLANS_LOCK:
        _PLANS[id(project)] = (fingerprint, base, plan)
        while len(_PLANS) > 8:
            _PLANS.popitem(last=False)
    return plan


def frame_index(plan: Plan, t: float) -> int:
    """The frame shown at ``t`` seconds.

    Raises:
        ProjectError: ``t`` is outside ``[0, duration)``.
    """
    if not 0 <= t < plan.duration:  # NaN is never inside
        msg = f"t={t:g}: outside the project, which lasts [0, {plan.duration:g}) s"
        raise ProjectError(msg)
    return min(to_frame(t, plan.fps), plan.frames - 1)


def _resize(frame: np.ndarray, size: tuple[int, int] | None) -> np.ndarray:
    if size is None or (frame.shape[1], frame.shape[0]) == tuple(size):
        return frame
    from PIL import Image  # noqa: PLC0415

    width, height = size
    return np.asarray(Image.fromarray(frame).resize((width, height), Image.Resampling.BILINEAR))


def frame_at(
    project: Project, t: float, *, size: tuple[int, int] | None = None, cache: bool = True
) -> np.ndarray:
    """The composed frame shown at timeline time ``t`` (H×W×3 uint8 RGB).

    Args:
        project: the edit.
        t: seconds, snapped to the nearest frame: the frame shown is ``round(t * fps)``.
        size: ``(width, height)`` of the result; default the project's size.
        cache: look the frame up in (and store it into) the disk cache.

    Raises:
        ProjectError: ``t`` outside the project, or an invalid project.
        MediaError: a source is missing or cannot be decoded (the message names it).
    """
    from vnb import cache as store  # noqa: PLC0415

    plan = plan_of(project)
    k = frame_index(plan, t)
    key = store.make_key("frame", KEY_VERSION, frame_key_parts(plan, k), size) if cache else ""
    if cache:
        hit = store.get_array(key)
        if hit is not None:
            return hit
    frame = _resize(compose(plan, k), size)
    if cache:
        store.put_array(key, frame)
    return frame
