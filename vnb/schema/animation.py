"""Keyframes: any numeric property of a clip or a title as a curve over the item's own time.

``clip.animate("transform.x", {0: -300, 2: 0}, easing="ease_out")`` keeps, in the clip's
``animations``, the keys of one *path* (a property's dotted name). Times are seconds from the
item's start (moving the clip moves its animation) and are snapped to frames when the project
is planned; between two keys the value follows the easing of the first (`vnb.easing`), and
outside the keys the first or last value holds.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self

from pydantic import Field, TypeAdapter, ValidationError

from vnb.easing import EASINGS, Easing, ease
from vnb.errors import ProjectError
from vnb.schema.base import Model

if TYPE_CHECKING:
    from vnb.schema.clips import Clip
    from vnb.schema.titles import Title

__all__ = ["CLIP_PATHS", "TITLE_PATHS", "Animated", "Animations", "Keyframe", "KeysLike"]

MAX_KEYS = 1000
"""Keys one path may hold."""
CLIP_PATHS = (
    "transform.x", "transform.y", "transform.scale", "transform.rotation", "opacity", "volume",
    "speed",
)  # fmt: skip
"""A clip's animatable paths, besides ``effects[i].<param>`` for each numeric effect parameter."""
TITLE_PATHS = ("x", "y", "scale", "opacity")
"""A title's animatable paths."""
_EFFECT_PATH = re.compile(r"^effects\[(\d{1,2})\]\.([A-Za-z_][A-Za-z0-9_]{0,63})$")


class Keyframe(Model):
    """One key: at item time ``t`` (seconds) the value is ``value``; ``easing`` leads on."""

    t: float = Field(ge=-86_400, le=86_400)
    """Seconds from the item's start (before it, after a split or a trim of its head)."""
    value: float = Field(ge=-1e6, le=1e6)
    easing: Easing = "linear"


Animations = dict[str, list[Keyframe]]
"""Path → its keys, in time order."""
KeysLike = Mapping[float, float] | Sequence[tuple[float, float] | tuple[float, float, Easing]]
"""What `animate` takes: ``{t: value}`` or ``[(t, value), (t, value, easing), …]``."""

_EASING: TypeAdapter[Easing] = TypeAdapter(Easing)


def effect_path(path: str) -> tuple[int, str] | None:
    """``(index, parameter)`` of an ``effects[i].param`` path, None for another path."""
    m = _EFFECT_PATH.match(path)
    return (int(m.group(1)), m.group(2)) if m else None


def _field_value(item: Clip | Title, path: str) -> tuple[float, Any, str]:
    """The static value of ``path`` on ``item``, the model holding it and the field's name."""
    where: Any = item
    *parents, name = path.split(".")
    for part in parents:
        where = getattr(where, part)
    return float(getattr(where, name)), where, name


def animatable_paths(item: Clip | Title) -> list[str]:
    """Every path ``item`` can animate: its fields, then each numeric effect parameter."""
    from vnb.schema.clips import Clip  # noqa: PLC0415 - the schema's own module, no cycle at use

    if not isinstance(item, Clip):
        return list(TITLE_PATHS)
    out = list(CLIP_PATHS)
    for i, effect in enumerate(item.effects):
        out += [f"effects[{i}].{k}" for k, v in numeric_params(effect.name, effect.params)]
    return out


def numeric_params(name: str, params: Mapping[str, object]) -> list[tuple[str, float]]:
    """The numeric parameters of an effect (with their values, defaults filled in)."""
    from vnb.schema.registry import normalize_params  # noqa: PLC0415

    full = normalize_params(name, dict(params))
    return [
        (k, float(v))
        for k, v in full.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    ]


def static_value(item: Clip | Title, path: str) -> float:
    """The value of ``path`` when it is not animated (the field's own value).

    Raises:
        ProjectError: ``path`` is not animatable on this item; the message lists those that are.
    """
    spot = effect_path(path)
    if spot is not None and hasattr(item, "effects"):
        i, param = spot
        effects = item.effects
        if i < len(effects):
            values = dict(numeric_params(effects[i].name, effects[i].params))
            if param in values:
                return values[param]
    elif path in (TITLE_PATHS if not hasattr(item, "effects") else CLIP_PATHS):
        return _field_value(item, path)[0]
    msg = (
        f"{item._path()}: {path!r} cannot be animated; animatable: "
        f"{', '.join(animatable_paths(item))}"
    )
    raise ProjectError(msg)


def _check_value(item: Clip | Title, path: str, value: float) -> None:
    """Refuse a key value the property itself would refuse (a scale of 0, an opacity of 2)."""
    spot = effect_path(path)
    try:
        if spot is not None:
            from vnb.schema.registry import normalize_params  # noqa: PLC0415

            effect = item.effects[spot[0]]  # type: ignore[union-attr]
            normalize_params(effect.name, {**effect.params, spot[1]: value})
        else:
            _, model, name = _field_value(item, path)
            copy = model.model_copy()
            copy._parent = None  # detached: checking a value changes nothing and tells no one
            setattr(copy, name, value)
    except (ProjectError, ValueError) as err:
        msg = f"{item._path()}: {path} key value {value!r}: {err}"
        raise ProjectError(msg) from None


def _check_effect_animates(item: Clip | Title, path: str, keys: list[Keyframe]) -> None:
    """Refuse animating an effect parameter whose filters cannot follow it (see the registry)."""
    spot = effect_path(path)
    if spot is None:
        return
    from vnb.schema.registry import animation_problem, is_custom  # noqa: PLC0415

    name = item.effects[spot[0]].name  # type: ignore[union-attr]
    values = [k.value for k in keys]
    why = animation_problem(name, spot[1], min(values), max(values))
    others = [p for p in item.animations if p != path and effect_path(p) is not None]
    if not is_custom(name) and any(effect_path(p)[0] == spot[0] for p in others):  # type: ignore[index]
        why = f"only one parameter of {name!r} can be animated"
    if why is not None:
        msg = f"{item._path()}: {path} cannot be animated: {why}"
        raise ProjectError(msg)


def _parse_key(raw: object, easing: Easing, where: str) -> Keyframe:
    if isinstance(raw, Keyframe):
        return raw
    if not isinstance(raw, tuple | list) or len(raw) not in (2, 3):
        msg = f"{where}: a key is (t, value) or (t, value, easing), not {raw!r}"
        raise ProjectError(msg)
    t, value, *rest = raw
    try:
        e = _EASING.validate_python(rest[0] if rest else easing)
        return Keyframe(t=float(t), value=float(value), easing=e)
    except (ValidationError, TypeError, ValueError) as err:
        msg = f"{where}: bad key {raw!r} (easing one of {', '.join(EASINGS)}): {err}"
        raise ProjectError(msg) from None


def parse_keys(item: Clip | Title, path: str, keys: KeysLike, easing: Easing) -> list[Keyframe]:
    """Check and sort the keys `animate` was given.

    Raises:
        ProjectError: the path is not animatable, a key is malformed, a value out of range,
            two keys share a time, or there are more than `MAX_KEYS`.
    """
    static_value(item, path)  # refuses a path that cannot be animated
    where = f"{item._path()}: {path}"
    raw = list(keys.items()) if isinstance(keys, Mapping) else list(keys)
    if not raw:
        msg = f"{where}: no keys (pass None to remove the animation)"
        raise ProjectError(msg)
    if len(raw) > MAX_KEYS:
        msg = f"{where}: {len(raw)} keys, more than {MAX_KEYS}"
        raise ProjectError(msg)
    out = sorted((_parse_key(k, easing, where) for k in raw), key=lambda k: k.t)
    for a, b in itertools.pairwise(out):
        if a.t == b.t:
            msg = f"{where}: two keys at {a.t:g} s"
            raise ProjectError(msg)
    for k in out:
        _check_value(item, path, k.value)
    _check_effect_animates(item, path, out)
    return out


def check_animations(item: Clip | Title, animations: Animations) -> None:
    """Refuse paths ``item`` cannot animate and keys out of time order (document checks)."""
    for path, keys in animations.items():
        static_value(item, path)
        if not keys:
            msg = f"{item._path()}: {path}: no keys"
            raise ProjectError(msg)
        if any(a.t >= b.t for a, b in itertools.pairwise(keys)):
            msg = f"{item._path()}: {path}: keys must be in time order, one per time"
            raise ProjectError(msg)


def shifted(animations: Animations, dt: float) -> Animations:
    """The keys ``dt`` seconds earlier, so that the curves stay where they were on the timeline.

    For an item whose start moves ``dt`` later while its content stays: a split's right part,
    a trimmed head.
    """
    if not dt:
        return dict(animations)
    return {
        path: [k.model_copy(update={"t": k.t - dt}) for k in keys]
        for path, keys in animations.items()
    }


def _value_at(item: Clip | Title, path: str, t: float) -> float:
    """The value of ``path`` at item time ``t`` seconds (unsnapped; the plan snaps to frames)."""
    keys = item.animations.get(path)
    if not keys:
        return static_value(item, path)
    if t <= keys[0].t:
        return keys[0].value
    for a, b in itertools.pairwise(keys):
        if t < b.t:
            return a.value + (b.value - a.value) * ease(a.easing, (t - a.t) / (b.t - a.t), t - a.t)
    return keys[-1].value


class Animated(Model):
    """What a clip and a title share: keyframes on their paths (`animate`, `keyframes`)."""

    if TYPE_CHECKING:
        animations: Animations

    def animate(self, path: str, keys: KeysLike | None, easing: Easing = "linear") -> Self:
        """Animate the property ``path`` with keys ``{t: value}`` (item seconds); None removes.

        ``keys`` may also be a list of ``(t, value)`` or ``(t, value, easing)``; ``easing``
        (see `vnb.easing`) applies to the keys that name none. A clip's paths:
        ``transform.x``, ``transform.y``, ``transform.scale``, ``transform.rotation``,
        ``opacity``, ``volume``, ``speed`` and ``effects[i].<param>`` for any numeric effect
        parameter; a title's: ``x``, ``y``, ``scale``, ``opacity``. Returns the item.

        Example:
            ```python
            clip.animate("transform.x", {0: -300, 2: 0}, easing="ease_out")
            clip.animate("opacity", [(0, 0.0), (0.5, 1.0, "ease_in_out"), (4, 1.0), (4.5, 0)])
            ```

        Raises:
            ProjectError: the path cannot be animated (the message lists those that can), a
                key is malformed or its value out of the property's range.
        """
        item: Clip | Title = self  # type: ignore[assignment]
        animations = dict(self.animations)
        if keys is None:
            animations.pop(path, None)
        else:
            animations[path] = parse_keys(item, path, keys, easing)
        self.animations = animations
        return self

    def keyframes(self, path: str) -> list[Keyframe]:
        """The keys of ``path`` in time order (empty when it is not animated)."""
        return list(self.animations.get(path, ()))

    def value_at(self, path: str, t: float) -> float:
        """The value of ``path`` at ``t`` seconds of item time (its field's when not animated)."""
        return _value_at(self, path, t)  # type: ignore[arg-type]
