"""What travels between the kernel and the editor in the browser: frames, thumbnails, peaks.

Bulk data goes as binary buffers beside a small JSON message (never as base64, never as a
growing trait):

- a frame is one JPEG at the size the browser shows it;
- a clip's thumbnail strip is one JPEG *sprite sheet*: its ``count`` pictures side by side;
- a waveform is an *envelope* ``{"dtype": "float32", "shape": [n, 2], "buffer": i}`` whose
  bytes are buffer ``i`` (little-endian, C order) — the ``{view, dtype, shape}`` convention
  with the view moved to the message's buffer list.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

__all__: list[str] = []  # internal: used only inside its own package

JPEG_QUALITY = 82


def jpeg(frame: np.ndarray, *, quality: int = JPEG_QUALITY) -> bytes:
    """Encode an H×W×3 uint8 RGB picture as JPEG bytes."""
    from PIL import Image  # noqa: PLC0415 - Pillow is only needed once a widget shows

    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(frame, dtype=np.uint8)).save(
        out, format="JPEG", quality=quality
    )
    return out.getvalue()


def sprite_sheet(strip: np.ndarray, *, quality: int = 75) -> tuple[bytes, dict[str, int]]:
    """Lay a ``count×H×W×3`` strip of thumbnails side by side in one JPEG.

    Returns:
        The JPEG bytes and ``{"count", "width", "height"}`` (the size of one thumbnail).
    """
    count, height, width, _ = strip.shape
    sheet = strip.transpose(1, 0, 2, 3).reshape(height, count * width, 3)
    return jpeg(sheet, quality=quality), {"count": count, "width": width, "height": height}


def envelope(array: np.ndarray) -> tuple[dict[str, Any], memoryview]:
    """An array as ``({"dtype", "shape"}, bytes view)``; floats go as float32, ints as int32."""
    if np.issubdtype(array.dtype, np.floating):
        array = array.astype("<f4", copy=False)
    elif np.issubdtype(array.dtype, np.integer):
        array = array.astype("<i4", copy=False)
    else:
        msg = f"cannot send an array of {array.dtype}"
        raise TypeError(msg)
    array = np.ascontiguousarray(array)
    dtype = "float32" if array.dtype.kind == "f" else "int32"
    return {"dtype": dtype, "shape": list(array.shape)}, memoryview(array.tobytes())


def media_payload(
    thumbs: dict[str, np.ndarray], waves: dict[str, np.ndarray], keys: dict[str, str]
) -> tuple[dict[str, Any], list[bytes | memoryview]]:
    """The ``media`` message: sprite sheets and waveform envelopes of some clips.

    Args:
        thumbs: ``{clip id: count×H×W×3 strip}``.
        waves: ``{clip id: (n, 2) float peaks}``.
        keys: ``{clip id: media key}`` echoed back so the browser knows what it got.

    Returns:
        The JSON content and its buffers.
    """
    buffers: list[bytes | memoryview] = []
    content: dict[str, Any] = {"kind": "media", "thumbs": {}, "waves": {}, "keys": keys}
    for clip_id, strip in thumbs.items():
        data, meta = sprite_sheet(strip)
        content["thumbs"][clip_id] = {**meta, "buffer": len(buffers)}
        buffers.append(data)
    for clip_id, peaks in waves.items():
        meta, view = envelope(peaks)
        content["waves"][clip_id] = {**meta, "buffer": len(buffers)}
        buffers.append(view)
    return content, buffers
