"""Animated parameters of WASM and Python effects: the value at each frame, preview = render."""

from __future__ import annotations

import itertools
from pathlib import Path

import av
import numpy as np

import vnb
from vnb.effects.wasm.plugins import WasmEffect
from vnb.preview import frame_at, plan_of
from vnb.render.prerender import jobs_for

EXACT = {"crf": 0, "speed": "ultrafast", "progress_bar": False}


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 99.0 if mse == 0 else float(10 * np.log10(255**2 / mse))


def decoded(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def test_a_python_effect_parameter_ramp_agrees_and_is_cached_per_value(
    media, tmp_path: Path
) -> None:
    @vnb.effects.python_effect(params={"gain": (0.0, 1.0, 1.0)})
    def dim(frame, t, gain):
        out = frame.copy()
        out[..., :3] = (frame[..., :3] * gain).astype(np.uint8)
        return out

    src = media("fx-bars.mp4", video="smptebars=s=160x120:r=30:d=2", audio=None)
    p = vnb.Project(width=160, height=120, fps=30)
    clip = p.add_track("video").add_clip(str(src), duration=1.5)
    clip.effects += [dim(), vnb.effects.blur(1)]
    clip.animate("effects[0].gain", {0.2: 1.0, 1.2: 0.3}, easing="ease_out")
    clip.animate("effects[1].radius", {0: 1, 1.5: 4})  # a built-in after a custom effect
    rendered = decoded(p.render(tmp_path / "o.mp4", **EXACT).path)
    assert len(rendered) == 45
    for k, frame in enumerate(rendered):
        assert psnr(frame_at(p, k / 30), frame) >= 35, f"frame {k}"
    means = [float(f.mean()) for f in rendered]
    assert all(b <= a + 0.05 for a, b in itertools.pairwise(means)), means
    assert means[-1] < 0.45 * means[0]

    before = frame_at(p, 0.7)  # the preview's frame cache: another curve, another frame
    [job] = jobs_for(plan_of(p))
    clip.animate("effects[0].gain", {0.2: 1.0, 1.2: 0.8})
    assert psnr(before, frame_at(p, 0.7)) < 35
    assert jobs_for(plan_of(p))[0].key != job.key  # and another intermediate


def test_a_wasm_effect_parameter_ramp_agrees(
    media, tmp_path: Path, examples: dict[str, WasmEffect]
) -> None:
    src = media("fx-bars.mp4", video="smptebars=s=160x120:r=30:d=2", audio=None)
    p = vnb.Project(width=160, height=120, fps=30)
    v = p.add_track("video")
    v.add_clip(str(src), duration=1)
    clip = v.add_clip(color="#cc8844", start=1, duration=1)  # a colour: frames of the clip
    clip.effects.append(examples["vignette"](strength=0.0))
    clip.animate("effects[0].strength", {0: 0.0, 0.9: 1.0})
    rendered = decoded(p.render(tmp_path / "o.mp4", **EXACT).path)
    for k, frame in enumerate(rendered):
        assert psnr(frame_at(p, k / 30), frame) >= 35, f"frame {k}"
    corners = [float(f[:8, :8].mean()) for f in rendered[30:]]
    assert all(b <= a + 0.5 for a, b in itertools.pairwise(corners)), corners
    assert corners[-1] < corners[0] - 20


def test_animated_parameters_across_a_transition_at_another_speed_and_rate(
    media, tmp_path: Path
) -> None:
    seen: list[tuple[float, float]] = []

    @vnb.effects.python_effect(params={"gain": (0.0, 1.0, 1.0)})
    def dim_seen(frame, t, gain):
        seen.append((t, gain))
        out = frame.copy()
        out[..., :3] = (frame[..., :3] * gain).astype(np.uint8)
        return out

    a_src = media("fx-bars.mp4", video="smptebars=s=160x120:r=30:d=2", audio=None)
    b_src = media("fx-moving25.mp4", video="testsrc2=s=160x120:r=25:d=4", audio=None)
    p = vnb.Project(width=160, height=120, fps=30)
    v = p.add_track("video")
    a = v.add_clip(str(a_src), duration=1.5)
    b = v.add_clip(str(b_src), start=1.5, duration=1.5, speed=1.5)
    v.add_transition(a, b, duration=0.5)  # b's body is a piece that starts 0.5 s into it
    a.effects.append(vnb.effects.hue(0))
    a.animate("effects[0].degrees", {0: 0, 1.5: 180})
    b.effects += [dim_seen(), vnb.effects.brightness(0)]
    b.animate("effects[0].gain", {0: 1.0, 1.5: 0.2})
    b.animate("effects[1].amount", {0: -0.3, 1.5: 0.3}, easing="ease_in")
    rendered = decoded(p.render(tmp_path / "o.mp4", **EXACT).path)
    assert len(rendered) == 75
    seen.clear()
    for k, frame in enumerate(rendered):
        assert psnr(frame_at(p, k / 30, cache=False), frame) >= 35, f"frame {k}"
    assert len(seen) > 30
    for t, gain in seen:  # t: source seconds from the clip's start, played 1.5x
        assert abs(gain - b.value_at("effects[0].gain", t / 1.5)) < 0.02, (t, gain)


def test_a_reversed_clip_gives_its_python_effect_the_value_of_the_frame_that_shows(
    media, tmp_path: Path
) -> None:
    seen: dict[float, float] = {}

    @vnb.effects.python_effect(params={"gain": (0.0, 1.0, 1.0)})
    def dim_back(frame, t, gain):
        seen[round(t, 3)] = gain
        out = frame.copy()
        out[..., :3] = (frame[..., :3] * gain).astype(np.uint8)
        return out

    src = media("fx-bars.mp4", video="smptebars=s=160x120:r=30:d=2", audio=None)
    p = vnb.Project(width=160, height=120, fps=30)
    clip = p.add_track("video").add_clip(str(src), duration=1)
    clip.reverse = True
    clip.effects.append(dim_back())
    clip.animate("effects[0].gain", {0: 1.0, 1: 0.2})
    rendered = decoded(p.render(tmp_path / "o.mp4", **EXACT).path)
    means = [float(f.mean()) for f in rendered]
    assert means[-1] < 0.4 * means[0]  # dims as the clip plays, though the source runs back
    seen.clear()
    for k, frame in enumerate(rendered):
        assert psnr(frame_at(p, k / 30, cache=False), frame) >= 35, f"frame {k}"
    for t, gain in seen.items():  # source time t shows at clip time 1 - t (a frame's width)
        assert abs(gain - clip.value_at("effects[0].gain", 29 / 30 - t)) < 0.03, (t, gain)
