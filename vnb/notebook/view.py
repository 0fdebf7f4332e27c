"""The project as the editor draws it: a compact, JSON-ready view model, and the inspector.

Pure functions of the project (probing a source is the only I/O, and it is cached): the
widget recomputes them on every change event and sends them as traits.
"""

from __future__ import annotations

import hashlib
import math
from fractions import Fraction
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from vnb.errors import ProjectError, VnbError
from vnb.notebook.i18n import text
from vnb.schema.animation import animatable_paths
from vnb.schema.detection import Overlay

if TYPE_CHECKING:
    from pydantic import BaseModel

    from vnb.schema import Clip, Project, Track

__all__: list[str] = []  # internal: used only inside its own package

_NUMBER_FIELDS: dict[str, tuple[float | None, float | None, float]] = {
    # field: (minimum, maximum, step) for the inspector's controls
    "start": (0.0, None, 0.001),
    "duration": (0.001, None, 0.001),
    "speed": (0.1, 100.0, 0.05),
    "volume": (0.0, 10.0, 0.01),
    "opacity": (0.0, 1.0, 0.01),
    "fade_in": (0.0, None, 0.01),
    "fade_out": (0.0, None, 0.01),
    "transform.x": (None, None, 1.0),
    "transform.y": (None, None, 1.0),
    "transform.scale": (0.01, 20.0, 0.01),
    "transform.rotation": (-360.0, 360.0, 0.5),
}


# At most this many values of an animated property's curve go to the browser (one a frame
# for clips up to this many frames, else every n-th frame).
_CURVE_POINTS = 1200

# Fields whose values span decades: their sliders are logarithmic, with 1.0 (no change) in
# the middle (the widget's logic.js `logSlider`).
_LOG_FIELDS = frozenset({"speed", "volume", "transform.scale"})
_LOG_MIDDLE = 1.0

# The overlay filter's slider: the bounds are the schema's (`Overlay.min_score`), the step is ours.
# These tables are the only place the editor's value ranges are written: the widget takes
# every minimum, maximum, step and middle from the traits (`inspector`, `overlays`).
_SCORE_STEP = 0.01


def _schema_bounds(model: type[BaseModel], name: str) -> tuple[float | None, float | None]:
    """The lowest and highest value a pydantic field allows (``ge``/``gt``, ``le``/``lt``)."""
    low = high = None
    for rule in model.model_fields[name].metadata:
        low = getattr(rule, "ge", getattr(rule, "gt", low))
        high = getattr(rule, "le", getattr(rule, "lt", high))
    return low, high


def _score_range() -> dict[str, float]:
    low, high = _schema_bounds(Overlay, "min_score")
    assert low is not None and high is not None  # noqa: S101 (the schema bounds it)
    return {"min": float(low), "max": float(high), "step": _SCORE_STEP}


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def media_key(clip: Clip) -> str:
    """What a clip's thumbnails and waveform depend on (not where it sits on the timeline)."""
    return "|".join(
        str(x)
        for x in (
            clip.source,
            clip.color,
            round(clip.source_start, 6),
            round(clip.duration, 6),
            clip.speed,
            clip.volume,
            clip.muted,
        )
    )


def content_key(project: Project) -> str:
    """A short hash of everything in the project: equal keys, equal frames.

    The browser keys its cache of frames on it (with the frame number and the width), so an
    edit makes new keys and an undo finds the frames of before again.
    """
    data = project.model_dump_json().encode("utf-8")
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def _clip_view(project: Project, clip: Clip) -> dict[str, Any]:
    has_video, has_audio, source_duration = clip.source is None, False, None
    if clip.source is not None:
        try:
            info = project.probe(clip.source)
        except VnbError:
            info = None
        if info is not None:
            has_video, has_audio = info.video is not None, info.audio is not None
            if not info.is_still and info.duration > 0:
                source_duration = info.duration
    # How far each edge can be trimmed: the head to where the source starts, the tail to
    # where it ends (None: no limit, for stills and colours).
    # A reversed clip plays its source from the end: its head reaches toward the source's end.
    min_start = clip.start - clip.source_start / clip.speed
    max_end = None
    if source_duration is not None:
        max_end = clip.start + (source_duration - clip.source_start) / clip.speed
        if clip.reverse:
            min_start, max_end = clip.start + clip.end - max_end, clip.start + clip.end - min_start
    if clip.freeze:  # one frame, held as long as wanted
        min_start, max_end = 0.0, None
    return {
        "id": clip.id,
        "label": PurePath(clip.source).name if clip.source else str(clip.color),
        "source": clip.source,
        "color": clip.color,
        "start": clip.start,
        "duration": clip.duration,
        "source_start": clip.source_start,
        "speed": clip.speed,
        "opacity": clip.opacity,
        "muted": clip.muted,
        "fade_in": clip.fade_in,
        "fade_out": clip.fade_out,
        "effects": [e.name for e in clip.effects],
        "has_video": has_video,
        "has_audio": has_audio,
        "min_start": _finite(min_start),
        "max_end": None if max_end is None else _finite(max_end),
        "media_key": media_key(clip),
    }


def _text_items(project: Project, track: Track) -> list[dict[str, Any]]:
    """Titles and subtitle cues as blocks of text (a subtitle file: one block to the end)."""
    items = [
        {"id": t.id, "text": t.text, "start": t.start, "duration": t.duration} for t in track.titles
    ]
    for s in track.subtitles:
        if s.file is not None:
            start = max(0.0, s.offset)
            items.append(
                {
                    "id": s.id,
                    "text": PurePath(s.file).name,
                    "start": start,
                    "duration": max(project.duration - start, 0.1),
                }
            )
        items += [
            {
                "id": f"{s.id}.{i}",
                "text": q.text,
                "start": q.start + s.offset,
                "duration": q.end - q.start,
            }
            for i, q in enumerate(s.cues)
        ]
    return items


def timeline_view(project: Project, rev: int, content: str | None = None) -> dict[str, Any]:
    """The ``timeline`` trait: what the timeline draws and the snapping needs.

    Args:
        project: the edit.
        rev: a number that grows with every change.
        content: the project's `content_key` (computed when not given); the browser keys its
            cache of frames on it.
    """
    fps = Fraction(project.fps)
    tracks = []
    for index, track in enumerate(project.tracks):
        tracks.append(
            {
                "index": index,
                "id": track.id,
                "kind": track.kind,
                "name": track.name or track.id,
                "locked": track.locked,
                "muted": track.muted,
                "hidden": track.hidden,
                "clips": [_clip_view(project, c) for c in track.clips],
                "transitions": [
                    {"id": t.id, "from": t.from_clip, "to": t.to_clip, "kind": t.kind}
                    for t in track.transitions
                ],
                "titles": _text_items(project, track),
            }
        )
    duration = project.duration
    return {
        "rev": rev,
        "content": content_key(project) if content is None else content,
        "name": project.name,
        "fps": float(fps),
        "fps_num": fps.numerator,
        "fps_den": fps.denominator,
        "width": project.width,
        "height": project.height,
        "duration": duration,
        "frames": math.floor(duration * fps + Fraction(1, 2)),
        "tracks": tracks,
        "markers": [
            {"index": i, "time": m.time, "label": m.label, "color": m.color}
            for i, m in enumerate(project.markers)
        ],
    }


def _number(key: str, value: float) -> dict[str, Any]:
    low, high, step = _NUMBER_FIELDS[key]
    field = {
        "key": key,
        "label": text(key),
        "type": "number",
        "value": value,
        "min": low,
        "max": high,
        "step": step,
    }
    if key in _LOG_FIELDS:
        field.update(scale="log", mid=_LOG_MIDDLE)
    return field


def _animation(project: Project, clip: Clip, path: str) -> dict[str, Any]:
    """The keys of an animatable property and, when it has any, its value on clip frames.

    ``{"path", "keys": [{"t", "value", "easing"}] (JSON, clip time), "curve": {"step",
    "values"}}``: ``values[i]`` is the value at clip time ``i * step`` (``clip.value_at``), so
    the widget shows the value at the playhead and draws the curve without easing math of its
    own.
    """
    keys = clip.keyframes(path)
    out: dict[str, Any] = {"path": path, "keys": [k.model_dump(mode="json") for k in keys]}
    if keys:
        fps = Fraction(project.fps)
        frames = max(1, math.floor(clip.duration * fps + Fraction(1, 2)))
        stride = max(1, math.ceil(frames / _CURVE_POINTS))
        values = [clip.value_at(path, float(i / fps)) for i in range(0, frames, stride)]
        out["curve"] = {"step": float(stride / fps), "values": values}
    return out


def _animated(project: Project, clip: Clip, field: dict[str, Any], path: str) -> dict[str, Any]:
    field["anim"] = _animation(project, clip, path)
    return field


def inspector_view(project: Project, clip_id: str) -> dict[str, Any]:
    """The ``inspector`` trait: the selected clip's properties and effects as controls.

    Empty when no clip (or no existing clip) is selected.
    """
    from vnb.schema.registry import REGISTRY  # noqa: PLC0415

    found = [(i, t, c) for i, t in enumerate(project.tracks) for c in t.clips if c.id == clip_id]
    if not found:
        return {}
    index, track, clip = found[0]
    paths = set(animatable_paths(clip))
    fields = [
        _number(key, clip.start if key == "start" else clip.duration)
        for key in ("start", "duration")
    ]
    fields += [
        _number(k, float(getattr(clip, k)))
        for k in ("speed", "volume", "opacity", "fade_in", "fade_out")
    ]
    fields = [_animated(project, clip, f, f["key"]) if f["key"] in paths else f for f in fields]
    fields.append({"key": "muted", "label": text("muted"), "type": "bool", "value": clip.muted})
    t = clip.transform
    fields += [
        _animated(project, clip, _number(f"transform.{k}", float(getattr(t, k))), f"transform.{k}")
        for k in ("x", "y", "scale", "rotation")
    ]
    fields.append(
        {
            "key": "transform.fit",
            "label": text("transform.fit"),
            "type": "choice",
            "value": t.fit,
            "options": ["fit", "fill", "stretch"],
        }
    )
    effects = []
    for position, effect in enumerate(clip.effects):
        spec = REGISTRY.get(effect.name)
        params = []
        for p in spec.params if spec else ():
            value = effect.params.get(p.name, p.default)
            kind = (
                "bool"
                if isinstance(p.default, bool)
                else ("color" if isinstance(p.default, str) else "number")
            )
            span = (p.maximum - p.minimum) if p.minimum is not None and p.maximum else None
            params.append(
                {
                    "key": p.name,
                    "label": p.name,
                    "type": kind,
                    "value": value,
                    "min": p.minimum,
                    "max": p.maximum,
                    "doc": p.doc,
                    "step": span / 200 if span else 0.01,
                }
            )
            if f"effects[{position}].{p.name}" in paths:
                _animated(project, clip, params[-1], f"effects[{position}].{p.name}")
        effects.append({"index": position, "name": effect.name, "params": params})
    return {
        "clip_id": clip.id,
        "track": index,
        "locked": track.locked,
        "title": f"{text('clip')} {clip.id}",
        "source": clip.source or str(clip.color),
        "source_start": clip.source_start,
        "start": clip.start,
        "duration": clip.duration,
        "fps": float(Fraction(project.fps)),
        "fields": fields,
        "effects": effects,
        "available_effects": sorted(REGISTRY),
    }


# -- detection overlays ----------------------------------------------------------------------


def frame_boxes(project: Project, t: float) -> list[dict[str, Any]]:
    """The detection boxes to draw over the frame at ``t`` (`vnb.detect.overlay_boxes`), as JSON.

    Boxes are in project canvas pixels, already filtered by each overlay's classes and
    minimum score.
    """
    from vnb.detect import overlay_boxes  # noqa: PLC0415 - only for projects with overlays

    out = []
    for b in overlay_boxes(project, t):
        track = b.get("track_id")
        out.append(
            {
                "x1": float(b["x1"]),
                "y1": float(b["y1"]),
                "x2": float(b["x2"]),
                "y2": float(b["y2"]),
                "class_name": str(b["class_name"]),
                "score": float(b["score"]),
                "track_id": None if track is None else int(track),
                "label": str(b.get("label") or ""),
                "overlay": int(b.get("overlay", 0)),
                "clip_id": None if b.get("clip_id") is None else str(b["clip_id"]),
            }
        )
    return out


def set_overlay_filters(project: Project, msg: dict[str, Any]) -> None:
    """Apply an ``overlay`` message of the editor: ``{index, classes?, min_score?}``.

    Raises:
        ProjectError: a malformed message (the project is unchanged).
    """
    from vnb.detect import set_overlay  # noqa: PLC0415

    index = msg.get("index")
    if isinstance(index, bool) or not isinstance(index, int):
        message = f"overlay message: 'index' must be an integer, got {index!r}"
        raise ProjectError(message)
    changes: dict[str, Any] = {}
    if "classes" in msg:
        classes = msg["classes"]
        if classes is not None and (
            not isinstance(classes, list) or not all(isinstance(c, str) for c in classes)
        ):
            message = f"overlay message: 'classes' must be a list of names, got {classes!r}"
            raise ProjectError(message)
        changes["classes"] = classes
    if "min_score" in msg:
        score = msg["min_score"]
        bounds = _score_range()
        low, high = bounds["min"], bounds["max"]
        numeric = isinstance(score, int | float) and not isinstance(score, bool)
        if not numeric or not low <= score <= high:
            message = f"overlay message: 'min_score' must be in [{low:g}, {high:g}], got {score!r}"
            raise ProjectError(message)
        changes["min_score"] = float(score)
    if changes:
        set_overlay(project, index, **changes)


def overlays_view(project: Project) -> list[dict[str, Any]]:
    """The ``overlays`` trait: each detection overlay of the project and its filters.

    ``[{"index", "name", "available": [the class names its boxes have], "classes": [shown]
    or None (all), "min_score", "min_score_range": {"min", "max", "step"} (its slider's),
    "burn"}]``; empty when the project has none.
    """
    score_range = _score_range()
    return [
        {
            "index": i,
            "name": PurePath(o.source).name,
            "available": list(o.names),
            "classes": None if o.classes is None else list(o.classes),
            "min_score": o.min_score,
            "min_score_range": score_range,
            "burn": o.burn,
        }
        for i, o in enumerate(project.overlays)
    ]
