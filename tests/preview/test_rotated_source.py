"""Sources with display-rotation metadata (phones held upright) look the same in preview and render.

The render's ffmpeg turns such a source upright by itself (autorotation); the preview's reader
must do the same, and so must the pre-render of a clip with a Python effect.
"""

from __future__ import annotations

import av
import numpy as np
import pytest

import vnb
from tests.helpers.ffmpeg import run_ffmpeg
from vnb.media.reader import reader_for


def _decode(path, n=None) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    return frames if n is None else frames[:n]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 99.0 if mse == 0 else float(10 * np.log10(255**2 / mse))


@pytest.fixture(scope="module")
def flat(media):
    return media("flat_for_rotation.mp4", video="testsrc2=s=320x240:r=30:d=2", audio=None, gop=15)


@pytest.fixture(scope="module", params=[90, 180, 270])
def rotated(request, flat, media_dir):
    out = media_dir / f"rotated{request.param}.mp4"
    if not out.exists():
        run_ffmpeg("-display_rotation", str(request.param), "-i", str(flat), "-c", "copy", str(out))
    return request.param, out


def test_reader_gives_upright_frames(flat, rotated) -> None:
    degrees, path = rotated
    reader = reader_for(path)
    assert reader.rotation == degrees
    coded = _decode(flat)
    for index in (0, 7, 31, 20):  # a seek back too
        shown = reader.frame_array(index)
        expected = np.rot90(coded[index], degrees // 90)  # counter-clockwise, as probed
        assert shown.shape == expected.shape
        assert psnr(shown, expected) > 40, index


@pytest.mark.parametrize("with_effect", [False, True])
def test_preview_equals_render_for_a_rotated_source(rotated, with_effect, tmp_path) -> None:
    degrees, path = rotated
    w, h = (240, 320) if degrees in (90, 270) else (320, 240)
    p = vnb.Project(width=w, height=h, fps=30)
    clip = p.add_track("video").add_clip(str(path), start=0, source_start=0.2, duration=1.0)
    if with_effect:

        @vnb.effects.python_effect(params={"amount": (0.0, 1.0, 0.5)})
        def rot_fx_darken(frame, t, amount):
            out = frame.copy()
            out[..., :3] = (out[..., :3] * (1 - amount)).astype(np.uint8)
            return out

        clip.effects.append(rot_fx_darken(amount=0.25))
    out = tmp_path / "rot.mp4"
    p.render(out, progress_bar=False, crf=10)
    rendered = _decode(out)
    assert len(rendered) == 30
    assert rendered[0].shape == (h, w, 3)
    for k in (0, 9, 29):
        preview = p.frame_at(k / 30)
        assert preview.shape == (h, w, 3)
        assert psnr(preview, rendered[k]) > 35, (degrees, k)
