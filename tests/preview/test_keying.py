"""A keying effect other than ``chromakey`` composites the same in the preview and the render.

Which effects make transparency is the effect spec's ``alpha`` flag, read once by the plan's
compositing model (`vnb.plan.compositing`); nothing may recognise a keying effect by its name.
The test registers ffmpeg's ``colorkey`` (which both the binary and PyAV's libavfilter have) as
a second keying effect, only for its own duration.
"""

from __future__ import annotations

from collections.abc import Mapping

import av
import numpy as np
import pytest

import vnb
from vnb.ffmpeg.graph import Filter
from vnb.preview import frame_at, plan_of
from vnb.schema import Effect
from vnb.schema.registry import REGISTRY, EffectSpec, Param


def _colorkey(p: Mapping[str, float | bool | str]) -> list[Filter]:
    key = (("color", "0x00ff00"), ("similarity", float(p["similarity"])), ("blend", 0.0))
    return [
        ("format", (("pix_fmts", "rgba"),)),
        ("colorkey", key),
        ("format", (("pix_fmts", "yuva420p"),)),
    ]


COLORKEY = EffectSpec(
    name="colorkey",
    doc="Make pure green transparent (RGB distance).",
    params=(Param("similarity", 0.3, 0.01, 1.0, "how close to the key a colour must be"),),
    build=_colorkey,
    alpha=True,
)


@pytest.fixture
def colorkey(monkeypatch: pytest.MonkeyPatch) -> Effect:
    monkeypatch.setitem(REGISTRY, "colorkey", COLORKEY)
    return Effect(name="colorkey", params={"similarity": 0.3})


def _decode_all(path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 99.0 if mse == 0 else float(10 * np.log10(255**2 / mse))


def test_a_second_keying_effect_previews_as_it_renders(media, colorkey, tmp_path):
    # green with a red box: the green must go, the box stay
    src = media(
        "keyed-green-box.mp4",
        video="color=c=0x00FF00:s=160x120:r=30:d=3,drawbox=x=40:y=30:w=80:h=60:color=red:t=fill",
        audio=None,
    )
    p = vnb.Project(width=160, height=120, fps=30, background="#2040a0")
    base = p.add_track("video")
    base.add_clip(str(src), duration=1.0, effects=[colorkey])  # keyed over the background
    base.add_clip(color="#e0c020", duration=2.0)
    top = p.add_track("video")
    top.add_clip(str(src), start=1.0, duration=0.5, effects=[colorkey])  # alone over a clip
    a = top.add_clip(
        str(src), start=1.5, duration=0.5, transform={"scale": 0.5}, effects=[colorkey]
    )
    b = top.add_clip(str(src), start=1.8, duration=0.6, effects=[colorkey])
    top.add_transition(a, b, "fade", duration=0.2)  # a run of several pieces
    out = tmp_path / "keyed.mp4"
    p.render(out, crf=0, speed="ultrafast", progress_bar=False)
    rendered = _decode_all(out)
    plan = plan_of(p)
    assert len(rendered) == plan.frames
    # the render keyed the green out: the background shows in the corner, the box stays red
    assert np.abs(rendered[5][5, 5].astype(int) - (0x20, 0x40, 0xA0)).max() < 12
    assert np.abs(rendered[5][60, 80].astype(int) - (255, 0, 0)).max() < 40
    for k in (0, 15, 29, 30, 40, 50, 55, 60, 66, 70):
        got = frame_at(p, k / 30, cache=False)
        assert psnr(got, rendered[k]) >= 35, f"frame {k}: {psnr(got, rendered[k]):.1f} dB"
