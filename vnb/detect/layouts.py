"""What a YOLO export's output means: its layout and class names, from shapes and metadata.

Pure: `vnb.detect.model` reads these facts off an onnxruntime session when it loads a model.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any, Literal

from vnb.detect.postprocess import COCO_NAMES
from vnb.errors import DetectionError

__all__ = ["Layout", "class_names", "expected_shape", "numbered_classes", "output_layout"]

Layout = Literal["yolov5", "yolov8"]
"""YOLOv5: ``[batch, N, 5 + classes]`` with objectness; YOLOv8/v11: ``[batch, 4 + classes, N]``."""


def expected_shape(layout: str, classes: int) -> str:
    """The output shape ``layout`` has for ``classes`` classes, in words (for messages)."""
    if layout == "yolov5":
        return f"[batch, N, {classes + 5}] (YOLOv5: box, objectness, {classes} classes)"
    return f"[batch, {classes + 4}, N] (YOLOv8/v11: box, {classes} classes)"


def class_names(raw: str | None) -> tuple[str, ...] | None:
    """Class names from the ``names`` metadata: a JSON list or dict, or a Python dict literal."""
    value = _literal(raw) if raw else None
    if isinstance(value, dict):
        return _numbered_names(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _literal(raw: str) -> object:
    """``raw`` read as JSON, else as a Python literal (Ultralytics writes "{0: 'person', ...}")."""
    try:
        return json.loads(raw)
    except ValueError:
        pass
    try:
        return ast.literal_eval(raw)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def _numbered_names(value: dict[Any, Any]) -> tuple[str, ...] | None:
    """The names of a ``{0: name, 1: name, ...}`` mapping; None unless numbered from 0 on."""
    try:
        items = sorted((int(k), str(v)) for k, v in value.items())
    except (TypeError, ValueError):
        return None
    if [k for k, _ in items] != list(range(len(items))):
        return None
    return tuple(v for _, v in items)


def output_layout(path: Path, shape: list[Any], names: tuple[str, ...] | None) -> Layout:
    """Tell the output layout from its declared shape (and the class count when known)."""
    dims = [d if isinstance(d, int) and d > 0 else None for d in shape]
    ok = len(dims) == 3
    if ok and names is not None:
        if dims[2] == len(names) + 5:
            return "yolov5"
        if dims[1] == len(names) + 4:
            return "yolov8"
        ok = False
    if ok:
        _, a, b = dims
        if b == len(COCO_NAMES) + 5 or a == len(COCO_NAMES) + 4:  # COCO-80, the usual case
            return "yolov5" if b == len(COCO_NAMES) + 5 else "yolov8"
        if a is not None and b is not None and min(a, b) > 5:
            return "yolov5" if a > b else "yolov8"
        if b is not None and a is None and b > 5:
            return "yolov5"
        if a is not None and b is None and a > 4:
            return "yolov8"
    n = len(names) if names is not None else "C"
    hint = f"{len(names)} class names in its metadata, so " if names is not None else ""
    msg = (
        f"{path}: output of shape {shape} is not a layout vnb understands; {hint}expected "
        f"[batch, N, {n}+5] (YOLOv5, with objectness) or [batch, {n}+4, N] (YOLOv8/v11)"
    )
    raise DetectionError(msg)


def numbered_classes(layout: Layout, shape: list[Any]) -> tuple[str, ...]:
    """Names for a model without any: COCO's for 80 classes, else ``class0``, ``class1`` and on."""
    classes = int(shape[2]) - 5 if layout == "yolov5" else int(shape[1]) - 4
    return COCO_NAMES if classes == len(COCO_NAMES) else tuple(f"class{i}" for i in range(classes))
