"""What travels to the browser: JPEG frames, sprite sheets, array envelopes."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from vnb.notebook.wire import envelope, jpeg, media_payload, sprite_sheet


def test_sprite_sheet_puts_thumbnails_side_by_side():
    strip = np.zeros((3, 10, 16, 3), np.uint8)
    strip[1] = 255
    data, meta = sprite_sheet(strip)
    assert meta == {"count": 3, "width": 16, "height": 10}
    sheet = np.asarray(Image.open(io.BytesIO(data)))
    assert sheet.shape == (10, 48, 3)
    assert sheet[:, 20:28].mean() > 240 and sheet[:, :12].mean() < 15


def test_envelope_casts_and_describes():
    meta, view = envelope(np.arange(6, dtype=np.float64).reshape(3, 2))
    assert meta == {"dtype": "float32", "shape": [3, 2]}
    assert np.frombuffer(view, "<f4").tolist() == [0, 1, 2, 3, 4, 5]
    meta, view = envelope(np.arange(4, dtype=np.int64))
    assert meta["dtype"] == "int32" and len(view) == 16
    with pytest.raises(TypeError):
        envelope(np.array(["a"]))


def test_media_payload_numbers_its_buffers():
    thumbs = {"a": np.zeros((2, 8, 8, 3), np.uint8)}
    waves = {"a": np.zeros((5, 2), np.float32), "b": np.ones((7, 2), np.float32)}
    content, buffers = media_payload(thumbs, waves, {"a": "ka", "b": "kb"})
    assert content["kind"] == "media"
    assert [content["thumbs"]["a"]["buffer"], content["waves"]["a"]["buffer"]] == [0, 1]
    assert content["waves"]["b"] == {"dtype": "float32", "shape": [7, 2], "buffer": 2}
    assert len(buffers) == 3 and bytes(buffers[0][:2]) == b"\xff\xd8"  # a JPEG


def test_jpeg_roundtrip_size():
    frame = np.full((24, 32, 3), 128, np.uint8)
    assert Image.open(io.BytesIO(jpeg(frame))).size == (32, 24)
