"""The keyframe operations: set, remove and move a key, change its easing (see `vnb.edit`).

A key belongs to a clip or a title (found by id) and to one of its animatable properties,
named by its path (``transform.x``, ``opacity``, ``effects[0].amount``, a title's ``y``…).
Its time is clip time: seconds from the start of the clip (or title), snapped to the
project's frame grid and kept inside it. Two keys of a property never share a frame.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from vnb.edit._ops import _frame, _unlocked, snap
from vnb.edit._transaction import transaction
from vnb.errors import ProjectError, VnbError
from vnb.schema.animation import static_value

if TYPE_CHECKING:
    from vnb.schema import Project
    from vnb.schema.animation import Keyframe
    from vnb.schema.timeline import Clip, Track
    from vnb.schema.titles import Title

__all__ = ["move_key", "remove_key", "set_key", "set_key_easing"]

_EPS = 1e-6


def _item(project: Project, item_id: str) -> tuple[int, Track, Clip | Title, str]:
    """The track index, track, clip or title with id ``item_id``, and how to name it."""
    for i, track in enumerate(project.tracks):
        for clip in track.clips:
            if clip.id == item_id:
                return i, track, clip, f"clip {item_id!r}"
        for title in track.titles:
            if title.id == item_id:
                return i, track, title, f"title {item_id!r}"
    msg = f"no clip or title with id {item_id!r}"
    raise ProjectError(msg)


def _keys(item: Clip | Title, path: object, name: str) -> list[Keyframe]:
    """The keys of ``path`` (a copy), or a `ProjectError` naming the item and the path."""
    if not isinstance(path, str):
        msg = f"{name}: a property path must be a string, got {path!r}"
        raise ProjectError(msg)
    try:
        static_value(item, path)  # refuses a path that cannot be animated, listing those that can
    except ProjectError as err:
        msg = f"{name}: {err}"
        raise ProjectError(msg) from None
    return list(item.keyframes(path))


def _clip_time(project: Project, item: Clip | Title, t: object, what: str) -> float:
    """``t`` (clip time) snapped to a frame; refused outside the item."""
    if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t):
        msg = f"{what}: expected a clip time in seconds, got {t!r}"
        raise ProjectError(msg)
    snapped = snap(project, float(t))
    if not -_EPS <= snapped <= item.duration + _EPS:
        msg = f"{what}: {float(t):g} s is outside it (0 … {item.duration:g} s of clip time)"
        raise ProjectError(msg)
    return max(0.0, snapped)


Key = tuple[float, float, Any]
"""A key as ``clip.animate`` takes it: ``(t, value, easing)``."""


def _find(keys: list[Key], t: float, project: Project) -> int | None:
    """The index of the key on the frame of ``t``, or None."""
    for i, k in enumerate(keys):
        if abs(k[0] - t) < 0.5 * _frame(project):
            return i
    return None


def _no_key(keys: list[Key], t: float, what: str) -> ProjectError:
    at = ", ".join(f"{k[0]:g}" for k in keys) or "none"
    return ProjectError(f"{what}: no key at {t:g} s (keys at: {at} s)")


def _write(item: Clip | Title, path: str, keys: list[Key], what: str) -> None:
    """Make ``keys`` the keys of ``path`` (none: the property is no longer animated)."""
    try:
        item.animate(path, sorted(keys, key=lambda k: k[0]) if keys else None)
    except (VnbError, ValueError, TypeError) as err:
        msg = f"{what}: {err}"
        raise ProjectError(msg) from None


def _start(project: Project, item_id: str, path: object) -> tuple[Clip | Title, str, list[Key]]:
    """The item, how to name the property in an error, and its keys (after the checks)."""
    index, track, item, name = _item(project, item_id)
    _unlocked(index, track)
    keys = _keys(item, path, name)
    return item, f"{name}: {path}", [(k.t, k.value, k.easing) for k in keys]


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        msg = f"{what}: a key's value must be a number, got {value!r}"
        raise ProjectError(msg)
    return float(value)


def set_key(
    project: Project, item_id: str, path: str, t: float, value: float, *, easing: Any = None
) -> None:
    """Put a key of ``path`` at clip time ``t`` (snapped to a frame) with ``value``.

    A key already on that frame takes the new value (and ``easing`` when given); a new key
    takes ``easing``, or ``"linear"``. The first key of a property animates it.

    Raises:
        ProjectError: no such clip or title, a locked track, a path that is not animatable, a
            time outside the item, or a bad value or easing.
    """
    item, what, keys = _start(project, item_id, path)
    t = _clip_time(project, item, t, what)
    v = _number(value, what)
    i = _find(keys, t, project)
    if i is None:
        keys.append((t, v, "linear" if easing is None else easing))
    else:
        keys[i] = (keys[i][0], v, keys[i][2] if easing is None else easing)
    with transaction(project):
        _write(item, path, keys, what)


def remove_key(project: Project, item_id: str, path: str, t: float) -> None:
    """Remove the key of ``path`` on the frame of clip time ``t``.

    Removing the last key leaves the property still (at its static value).

    Raises:
        ProjectError: no such clip, title or key, a locked track, or a bad path.
    """
    item, what, keys = _start(project, item_id, path)
    t = _clip_time(project, item, t, what)
    i = _find(keys, t, project)
    if i is None:
        raise _no_key(keys, t, what)
    del keys[i]
    with transaction(project):
        _write(item, path, keys, what)


def move_key(project: Project, item_id: str, path: str, t: float, to: float) -> None:
    """Move the key of ``path`` at clip time ``t`` to clip time ``to`` (snapped to a frame).

    Raises:
        ProjectError: no such clip, title or key, a locked track, a bad path, a time outside
            the item, or another key already on the frame of ``to``.
    """
    item, what, keys = _start(project, item_id, path)
    t = _clip_time(project, item, t, what)
    to = _clip_time(project, item, to, what)
    i = _find(keys, t, project)
    if i is None:
        raise _no_key(keys, t, what)
    j = _find(keys, to, project)
    if j is not None and j != i:
        msg = f"{what}: a key is already at {keys[j][0]:g} s; remove it first"
        raise ProjectError(msg)
    keys[i] = (to, keys[i][1], keys[i][2])
    with transaction(project):
        _write(item, path, keys, what)


def set_key_easing(project: Project, item_id: str, path: str, t: float, easing: Any) -> None:
    """Give the key of ``path`` at clip time ``t`` the ``easing`` of the segment it starts.

    ``easing`` is a name (``"linear"``, ``"hold"``, ``"ease_in"``, ``"ease_out"``,
    ``"ease_in_out"``), a `vnb.easing.bezier` or `vnb.easing.spring`, or their JSON form.

    Raises:
        ProjectError: no such clip, title or key, a locked track, a bad path or easing.
    """
    item, what, keys = _start(project, item_id, path)
    t = _clip_time(project, item, t, what)
    i = _find(keys, t, project)
    if i is None:
        raise _no_key(keys, t, what)
    keys[i] = (keys[i][0], keys[i][1], easing)
    with transaction(project):
        _write(item, path, keys, what)
