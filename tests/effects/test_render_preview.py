"""Clips with WASM and Python effects: the preview and the render agree, frame by frame."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

import vnb
from vnb.effects.wasm.plugins import WasmEffect
from vnb.errors import PluginError
from vnb.preview import frame_at, plan_of
from vnb.render.prerender import jobs_for

EXACT = {"crf": 0, "speed": "ultrafast", "progress_bar": False}


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 99.0 if mse == 0 else float(10 * np.log10(255**2 / mse))


def decoded(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def agree(p: vnb.Project, out: Path, frames: range | list[int]) -> list[float]:
    rendered = decoded(p.render(out, **EXACT).path)
    scores = [psnr(frame_at(p, k / float(p.fps), cache=False), rendered[k]) for k in frames]
    print(f"PSNR {min(scores):.1f}..{max(scores):.1f} dB over {len(scores)} frames")
    assert min(scores) >= 35, scores
    return scores


@pytest.fixture(scope="module")
def moving(media) -> Path:
    return media("fx-moving.mp4", video="testsrc2=s=320x240:r=30:d=4", gop=45)


def test_a_wasm_effect_agrees_in_preview_and_render(
    moving: Path, tmp_path: Path, examples: dict[str, WasmEffect]
) -> None:
    p = vnb.Project(name="wasm", width=320, height=240, fps=30)
    clip = p.add_track("video").add_clip(str(moving), start=0, source_start=0.7, duration=2.0)
    clip.effects += [examples["wave"](amplitude=25, speed=2), vnb.effects.brightness(0.1)]
    clip.effects.append(examples["vignette"](strength=0.8))
    agree(p, tmp_path / "out.mp4", range(0, 60, 4))
    plain = frame_at(p, 1.0, cache=False)
    clip.effects.clear()
    assert psnr(plain, frame_at(p, 1.0, cache=False)) < 30  # the effects did something


def test_transitions_speed_stills_colours_and_upper_tracks_agree(
    moving: Path, media, still_png: Path, tmp_path: Path, examples: dict[str, WasmEffect]
) -> None:
    other = media("fx-other.mp4", video="testsrc2=s=352x288:r=25:d=5,hue=h=90", gop=30)
    p = vnb.Project(name="mix", width=320, height=240, fps=30)
    v = p.add_track("video")
    a = v.add_clip(str(moving), start=0, source_start=0.5, duration=1.5)
    b = v.add_clip(str(other), start=1.0, source_start=0.2, duration=1.5, speed=1.5)
    v.add_transition(a, b, "wipeleft", duration=0.5)
    a.effects.append(examples["sepia"](strength=0.7))
    b.effects += [examples["wave"](amplitude=15), vnb.effects.contrast(1.3)]
    top = p.add_track("video")
    still = top.add_clip(str(still_png), start=0.2, duration=0.8)
    still.transform.scale = 0.4
    still.effects += [examples["pixelate"](size=6), examples["wave"](amplitude=8, speed=3)]
    color = top.add_clip(color="#3366cc", start=1.2, duration=0.6, opacity=0.7)
    color.effects.append(examples["vignette"](strength=1.0))
    agree(p, tmp_path / "mix.mp4", range(0, 75, 3))


def test_a_python_effect_agrees_and_its_errors_name_it(moving: Path, tmp_path: Path) -> None:
    @vnb.effects.python_effect(params={"amount": (0.0, 1.0, 0.5)})
    def posterize(frame, t, amount):
        step = 1 + int(amount * 127)
        return (frame // step * step).astype(np.uint8)

    p = vnb.Project(name="py", width=320, height=240, fps=30)
    clip = p.add_track("video").add_clip(str(moving), start=0, duration=1.0)
    clip.effects.append(posterize(amount=0.4))
    assert clip.effects[0].name == "py:posterize"
    agree(p, tmp_path / "py.mp4", range(0, 30, 5))

    @vnb.effects.python_effect
    def fragile(frame, t):
        if t > 0.5:
            msg = "too late"
            raise ValueError(msg)
        return frame

    clip.effects.append(fragile())
    with pytest.raises(PluginError, match=r"py:fragile.*ValueError: too late at t=0\.800 s"):
        frame_at(p, 0.8, cache=False)
    with pytest.raises(PluginError, match=r"py:fragile.*too late at t=0\.5\d\d s"):
        p.render(tmp_path / "bad.mp4", **EXACT)
    clip.effects.pop()
    assert p.render(tmp_path / "again.mp4", **EXACT).frames == 30


def test_intermediates_are_cached_by_content_and_progress_is_one_bar(
    moving: Path, tmp_path: Path, examples: dict[str, WasmEffect]
) -> None:
    p = vnb.Project(name="cache", width=320, height=240, fps=30)
    clip = p.add_track("video").add_clip(str(moving), start=0, source_start=1.1, duration=1.0)
    clip.effects.append(examples["grayscale"]())
    [job] = jobs_for(plan_of(p))
    assert not job.path.exists()
    seen: list[float] = []
    p.render(tmp_path / "a.mp4", on_progress=lambda pr: seen.append(pr.fraction), **EXACT)
    assert job.path.is_file()
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert any(0 < f < 0.5 for f in seen)  # the pre-pass reported its share
    stamp = job.path.stat().st_mtime_ns
    p.render(tmp_path / "b.mp4", **EXACT)  # same content: reused
    assert job.path.stat().st_mtime_ns >= stamp
    assert jobs_for(plan_of(p))[0].path == job.path
    clip.effects[0] = examples["sepia"](strength=0.5)
    assert jobs_for(plan_of(p))[0].path != job.path  # another chain, another intermediate


def test_custom_effects_run_first_whatever_their_place_in_the_list(
    moving: Path, examples: dict[str, WasmEffect]
) -> None:
    p = vnb.Project(name="order", width=320, height=240, fps=30)
    clip = p.add_track("video").add_clip(str(moving), start=0, duration=1.0)
    clip.effects += [vnb.effects.brightness(0.4), examples["invert"]()]
    listed_last = frame_at(p, 0.5, cache=False)
    clip.effects.reverse()
    assert np.array_equal(frame_at(p, 0.5, cache=False), listed_last)
    assert listed_last.mean() > 128  # inverted, then brightened (the other way: darker)


def test_a_cancelled_pre_pass_leaves_nothing(
    moving: Path, tmp_path: Path, examples: dict[str, WasmEffect]
) -> None:
    import threading

    from vnb.errors import RenderCancelledError

    p = vnb.Project(name="cancel", width=320, height=240, fps=30)
    clip = p.add_track("video").add_clip(str(moving), start=0.2, duration=1.0)
    clip.effects.append(examples["pixelate"](size=5))
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(RenderCancelledError):
        p.render(tmp_path / "c.mp4", cancel=cancel, **EXACT)
    [job] = jobs_for(plan_of(p))
    assert not job.path.exists()
    assert not list(job.path.parent.glob(f".{job.path.stem}*"))
