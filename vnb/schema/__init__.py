"""The project schema (pydantic v2): what an edit is, validated, versioned, saved atomically."""

from vnb.schema.detection import Overlay, Redaction
from vnb.schema.export import PRESETS, ExportSettings, resolve_export
from vnb.schema.project import Project, load
from vnb.schema.timeline import (
    Clip,
    Crop,
    Cue,
    Effect,
    Marker,
    Subtitles,
    TimeRange,
    Title,
    Track,
    Transform,
    Transition,
)

__all__ = [
    "PRESETS",
    "Clip",
    "Crop",
    "Cue",
    "Effect",
    "ExportSettings",
    "Marker",
    "Overlay",
    "Project",
    "Redaction",
    "Subtitles",
    "TimeRange",
    "Title",
    "Track",
    "Transform",
    "Transition",
    "load",
    "resolve_export",
]
