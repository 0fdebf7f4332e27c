"""Animated effect parameters and volume: real renders against the preview and the curve."""

from __future__ import annotations

import itertools

import av
import numpy as np
import pytest

import vnb
from vnb.errors import ProjectError
from vnb.ffmpeg.chains import picture_filters
from vnb.preview import plan_of
from vnb.schema.registry import REGISTRY, Param, _spec

EXACT = {"crf": 0, "speed": "ultrafast", "progress_bar": False}


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 99.0 if mse == 0 else float(10 * np.log10(255**2 / mse))


def _decode(path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def _edges(img: np.ndarray) -> float:
    """Gradient energy: less as a blur grows."""
    return float((np.diff(img.astype(np.float64), axis=1) ** 2).mean())


def _chroma(img: np.ndarray) -> float:
    """How far from grey: less as saturation falls."""
    rgb = img.astype(np.float64)
    return float(np.abs(rgb - rgb.mean(axis=2, keepdims=True)).mean())


CASES = [  # effect, path, keys, measure, whether the measure grows with the ramp
    (vnb.effects.blur(0), "radius", {0: 0, 1.5: 10}, _edges, False),
    (vnb.effects.brightness(0), "amount", {0.1: 0, 1.4: 0.4}, np.mean, True),
    (vnb.effects.saturation(1), "factor", {0: 1, 1.5: 0}, _chroma, False),  # per-frame formula
]


@pytest.mark.parametrize("case", CASES, ids=["blur", "brightness", "saturation"])
def test_a_ramped_effect_parameter_is_the_same_in_preview_and_render(tmp_path, media, case):
    effect, param, keys, measure, grows = case
    src = media("bars.mp4", video="smptebars=s=160x120:r=30:d=2", audio=None)
    p = vnb.Project(width=160, height=120, fps=30)
    clip = p.add_track("video").add_clip(str(src), duration=2)
    clip.effects.append(effect)
    clip.animate(f"effects[0].{param}", keys, easing="ease_in_out")
    rendered = _decode(p.render(tmp_path / "o.mp4", **EXACT).path)
    assert len(rendered) == 60
    for k, frame in enumerate(rendered):
        assert psnr(p.frame_at(k / 30), frame) >= 35, f"frame {k}"
    values = [measure(f) for f in rendered]
    if not grows:
        values = [-v for v in values]
    assert all(b >= a - 1e-3 * abs(a) for a, b in itertools.pairwise(values)), values
    assert values[-1] - values[0] > 0.2 * abs(values[0]), values  # the effect did change


def test_parameters_whose_filters_cannot_follow_are_refused(monkeypatch, media):
    def resize(p):
        return [("scale", (("w", round(float(p["width"]))), ("h", -2)))]

    spec = _spec("resize", "Test only.", resize, Param("width", 64.0, 16.0, 256.0))
    monkeypatch.setitem(REGISTRY, "resize", spec)
    p = vnb.Project(width=160, height=120, fps=30)
    clip = p.add_track("video").add_clip(color="red", duration=1)
    clip.effects.append(vnb.effects.Effect(name="resize", params={"width": 64.0}))
    why = r"effects\[0\]\.width cannot be animated.*'scale'.*timeline"
    with pytest.raises(ProjectError, match=why):
        clip.animate("effects[0].width", {0: 32, 1: 128})
    assert "effects[0].width" not in clip.animations

    key = vnb.effects.chromakey("#00ff00")
    clip.effects[0] = key
    clip.animate("effects[0].similarity", {0: 0.1, 1: 0.3})
    with pytest.raises(ProjectError, match=r"blend cannot be animated: only one param.*chromakey"):
        clip.animate("effects[0].blend", {0: 0.0, 1: 0.2})
    clip.animations["effects[0].blend"] = clip.keyframes("effects[0].similarity")  # a document's
    with pytest.raises(ProjectError, match=r"\('c1'\) effects\[0\]\.\w+ cannot be animated"):
        p.frame_at(0.5)


def _rms_db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(x.astype(np.float64) ** 2)))


def test_a_volume_envelope_follows_its_keys(tmp_path, media):
    src = media("tone.mp4", video="color=c=gray:s=64x48:r=30:d=4", audio="sine=f=440:d=4")
    p = vnb.Project(width=64, height=48, fps=30)
    v = p.add_track("video")
    a = v.add_clip(str(src), duration=2)
    b = v.add_clip(str(src), start=2, duration=3)
    v.add_transition(a, b, duration=0.5)  # b starts at 1.5 s: its body is a piece from 0.5 s
    b.animate("volume", {0.5: 1.0, 1.5: 0.2, 2.5: 1.0})
    out = p.render(tmp_path / "o.mp4", **EXACT).path
    with av.open(str(out)) as c:
        sound = np.concatenate([f.to_ndarray()[0] for f in c.decode(audio=0)])
    sr = 48_000
    ref = _rms_db(sound[int(0.2 * sr) : int(1.4 * sr)])  # a, at volume 1
    for t0 in np.arange(2.0, 4.4, 0.1):  # timeline seconds: b's time is 1.5 s less
        s0, s1 = int(t0 * sr), int((t0 + 0.1) * sr)
        gains = [b.value_at("volume", t - 1.5) for t in np.linspace(t0, t0 + 0.1, 50)]
        want = 10 * np.log10(np.mean(np.square(gains)))
        got = _rms_db(sound[s0:s1]) - ref
        assert abs(got - want) <= 1.0, (t0, got, want)
    low = _rms_db(sound[int(2.95 * sr) : int(3.05 * sr)]) - ref
    assert low < -12  # 0.2 is -14 dB


def test_quantized_parameters_keep_their_instances_bounded():
    p = vnb.Project(width=160, height=120, fps=30)
    v = p.add_track("video")
    blur = v.add_clip(color="red", duration=10)
    blur.effects.append(vnb.effects.blur(0))
    blur.animate("effects[0].radius", {0: 0, 10: 100})
    bright = v.add_clip(color="red", start=10, duration=10)
    bright.effects.append(vnb.effects.brightness(0))
    bright.animate("effects[0].amount", {0: -1, 5: 1, 10: -1}, easing=vnb.easing.spring())
    short = v.add_clip(color="red", start=20, duration=2)
    short.effects.append(vnb.effects.contrast(1))
    short.animate("effects[0].factor", {1: 1, 1.2: 4})  # 6 frames: only their values
    [layer] = plan_of(p).layers
    names, bounds = ("avgblur", "lutyuv", "lutyuv"), ((9, 16), (9, 64), (6, 7))
    for item, name, (least, most) in zip(layer.items, names, bounds, strict=True):
        filters = picture_filters(item, (item.start, item.end), p.fps, alpha=False, background="")
        switched = [f for f in filters if f[0] == name]
        assert least <= len(switched) <= most, len(switched)
        assert all(dict(f[1])["enable"].startswith(("eq(", "between(")) for f in switched)
        [pc] = item.param_curves
        values = {pc.at(k) for k in range(item.end - item.start)}
        assert least <= len(values) <= most  # the preview's values: the same few
