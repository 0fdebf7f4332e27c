"""Python effects run under deadlines, cancel stops them, and their captures key the caches.

A Python effect that never returns must not hang a render, a background job, the preview or
the interpreter's exit; ``SystemExit`` from one is a `PluginError`; a global or closure value
it reads is part of its identity, so changing it shows in preview and render.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
import warnings
from pathlib import Path

import av
import numpy as np
import pytest

import vnb
import vnb.effects.python as pyfx
from vnb.errors import PluginError, RenderCancelledError
from vnb.preview import frame_at, plan_of
from vnb.render.prerender import jobs_for

FAST = {"crf": 0, "speed": "ultrafast", "progress_bar": False}
GAIN = 1.0


@pytest.fixture(scope="module")
def source(media) -> Path:
    return media("deadline-src.mp4", video="testsrc2=s=160x120:r=10:d=1", audio=None, gop=10)


def spin_effect(name: str, **options: float) -> pyfx.PythonEffect:
    def spin(frame, t):
        while True:
            pass

    return vnb.effects.python_effect(spin, name=name, **options)


def project_with(source: Path, effect: pyfx.PythonEffect) -> vnb.Project:
    p = vnb.Project(name="dl", width=160, height=120, fps=10)
    p.add_track("video").add_clip(str(source), start=0, duration=1.0).effects.append(effect())
    return p


def effect_threads(name: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == f"vnb-{name}" and t.is_alive()]


def assert_nothing_half_written(p: vnb.Project, out: Path) -> None:
    assert not out.exists()
    assert not list(out.parent.glob(f".{out.name}*"))
    [job] = jobs_for(plan_of(p))
    assert not job.path.exists()
    assert not list(job.path.parent.glob(f".{job.path.stem}*"))


def wait_gone(name: str, seconds: float = 2.0) -> None:
    end = time.monotonic() + seconds
    while effect_threads(name) and time.monotonic() < end:
        time.sleep(0.02)
    assert not effect_threads(name), "the interrupted call is still running"


# ----------------------------------------------------------------------------- deadlines


def test_render_timeout_stops_an_effect_that_never_returns(source: Path, tmp_path: Path) -> None:
    p = project_with(source, spin_effect("spin_render"))
    out = tmp_path / "never.mp4"
    started = time.monotonic()
    with pytest.raises(RenderCancelledError, match="timeout of 3 s"):
        p.render(out, timeout=3, **FAST)
    assert time.monotonic() - started < 5
    assert_nothing_half_written(p, out)
    wait_gone("py:spin_render")  # pure Python: the call itself was stopped, not only abandoned


def test_the_effects_own_deadline_fails_the_render_naming_it(source: Path, tmp_path: Path) -> None:
    p = project_with(source, spin_effect("spin_frame", timeout=0.5))
    out = tmp_path / "frame.mp4"
    started = time.monotonic()
    with pytest.raises(PluginError, match=r"py:spin_frame.*deadline of 0\.5 s at t="):
        p.render(out, **FAST)
    assert time.monotonic() - started < 3
    assert_nothing_half_written(p, out)
    wait_gone("py:spin_frame")


def test_cancel_stops_a_background_job_running_such_an_effect(source: Path, tmp_path: Path) -> None:
    p = project_with(source, spin_effect("spin_job"))
    out = tmp_path / "job.mp4"
    job = p.render_async(out)
    end = time.monotonic() + 10
    while not effect_threads("py:spin_job") and time.monotonic() < end:
        time.sleep(0.02)
    assert job.state == "running"
    asked = time.monotonic()
    assert job.cancel()
    assert job.wait(2), job.status()
    assert time.monotonic() - asked < 2
    assert job.state == "cancelled"
    assert "cancelled" in job.status()
    with pytest.raises(RenderCancelledError):
        job.result()
    assert_nothing_half_written(p, out)
    wait_gone("py:spin_job")


def test_preview_gives_a_plugin_error_at_the_effects_deadline(source: Path) -> None:
    fx = spin_effect("spin_preview", timeout=0.5)
    assert fx.timeout == 0.5
    p = project_with(source, fx)
    started = time.monotonic()
    with pytest.raises(PluginError, match=r"py:spin_preview.*deadline of 0\.5 s at t=0\.300 s"):
        frame_at(p, 0.3, cache=False)
    assert time.monotonic() - started < 2.0
    wait_gone("py:spin_preview")
    # the user changes the deadline: on the effect, or for every effect without one
    fx.timeout = None
    old = pyfx.DEFAULT_TIMEOUT
    pyfx.DEFAULT_TIMEOUT = 0.2
    try:
        started = time.monotonic()
        with pytest.raises(PluginError, match=r"deadline of 0\.2 s"):
            frame_at(p, 0.3, cache=False)
        assert time.monotonic() - started < 1.5
    finally:
        pyfx.DEFAULT_TIMEOUT = old
    # the kernel is still responsive: the same project without the effect previews at once
    p.tracks[0].clips[0].effects.clear()
    assert frame_at(p, 0.3, cache=False).shape == (120, 160, 3)


def test_a_bad_timeout_is_refused_naming_the_effect() -> None:
    with pytest.raises(PluginError, match=r"py:bad_timeout.*timeout"):
        vnb.effects.python_effect(lambda f, t: f, name="bad_timeout", timeout=0)


def test_the_interpreter_exits_while_such_effects_run(source: Path, tmp_path: Path) -> None:
    """A background render stuck in a pure-Python loop, and a call stuck in C (sleep)."""
    script = textwrap.dedent(
        f"""
        import sys, time
        import vnb
        from vnb import cache
        from vnb.errors import PluginError
        from vnb.preview import frame_at
        cache.configure(directory={str(tmp_path / "cache")!r})

        @vnb.effects.python_effect(timeout=0.5)
        def sleeper(frame, t):
            time.sleep(1000)  # in C: cannot be interrupted, only abandoned

        @vnb.effects.python_effect
        def spin(frame, t):
            while True:
                pass

        p = vnb.Project(name="x", width=160, height=120, fps=10)
        clip = p.add_track("video").add_clip({str(source)!r}, start=0, duration=1.0)
        clip.effects.append(sleeper())
        try:
            frame_at(p, 0.2, cache=False)
        except PluginError as err:
            print("preview:", err, flush=True)
        clip.effects[:] = [spin()]
        job = p.render_async({str(tmp_path / "bg.mp4")!r}, timeout=600)
        while job.state != "running":
            time.sleep(0.02)
        time.sleep(0.5)
        print("exiting", flush=True)
        """
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=False
    )
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-3000:]
    assert "preview: " in done.stdout and "py:sleeper" in done.stdout
    assert "exiting" in done.stdout
    assert took < 20, took
    assert not (tmp_path / "bg.mp4").exists()
    assert not list(tmp_path.glob(".bg.mp4*"))
    assert not list((tmp_path / "cache").rglob("*.part"))


# ----------------------------------------------------------------------------- BaseException


def test_system_exit_in_an_effect_is_a_plugin_error(source: Path, tmp_path: Path) -> None:
    @vnb.effects.python_effect
    def quitter(frame, t):
        raise SystemExit(3)

    p = project_with(source, quitter)
    with pytest.raises(PluginError, match=r"py:quitter.*SystemExit: 3 at t=0\.200 s"):
        frame_at(p, 0.2, cache=False)
    with pytest.raises(PluginError, match=r"py:quitter.*SystemExit"):
        p.render(tmp_path / "q.mp4", **FAST)
    assert not (tmp_path / "q.mp4").exists()

    @vnb.effects.python_effect
    def generator_exit(frame, t):
        raise GeneratorExit

    p.tracks[0].clips[0].effects[:] = [generator_exit()]
    with pytest.raises(PluginError, match=r"py:generator_exit.*GeneratorExit"):
        frame_at(p, 0.2, cache=False)


# ----------------------------------------------------------------------------- captures


def mean_of_render(p: vnb.Project, out: Path) -> float:
    with av.open(str(p.render(out, **FAST).path)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    return float(np.mean(frames))


def test_a_changed_global_shows_in_preview_and_render(source: Path, tmp_path: Path) -> None:
    global GAIN  # noqa: PLW0603 - the point of the test

    def scale(frame, t):
        out = frame.astype(np.float32) * GAIN
        return np.clip(out, 0, 255).astype(np.uint8)

    fx = vnb.effects.python_effect(scale, name="gain_global")
    p = project_with(source, fx)
    GAIN = 1.0
    try:
        bright = frame_at(p, 0.5).mean()
        bright_render = mean_of_render(p, tmp_path / "a.mp4")
        GAIN = 0.25
        dim = frame_at(p, 0.5).mean()
        dim_render = mean_of_render(p, tmp_path / "b.mp4")
    finally:
        GAIN = 1.0
    assert dim < bright * 0.4, (bright, dim)
    assert dim_render < bright_render * 0.4, (bright_render, dim_render)


def test_closures_and_helpers_are_part_of_the_key(source: Path, tmp_path: Path) -> None:
    table = np.arange(256, dtype=np.uint8)
    settings = {"invert": False}

    def lookup(frame):
        return table[frame]

    def through(frame, t):
        out = lookup(frame)
        return 255 - out if settings["invert"] else out

    fx = vnb.effects.python_effect(through, name="closure_lut")
    p = project_with(source, fx)
    first = frame_at(p, 0.5)
    before = fx.identity
    table[:] = table // 2  # changed in place, through a helper's closure
    assert fx.identity != before
    halved = frame_at(p, 0.5)
    assert np.abs(halved.astype(int) - first // 2).mean() < 2
    settings["invert"] = True
    inverted = frame_at(p, 0.5)
    assert np.abs(inverted.astype(int) - (255 - first // 2)).mean() < 2
    with av.open(str(p.render(tmp_path / "c.mp4", **FAST).path)) as container:
        rendered = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)][5]
    assert np.abs(rendered.astype(int) - inverted).mean() < 3


class Knob:
    def __init__(self, gain: float) -> None:
        self.gain = gain


KNOB = Knob(1.0)


def test_an_unhashable_capture_is_never_cached_and_said_once(source: Path) -> None:
    def knob(frame, t):
        return np.clip(frame.astype(np.float32) * KNOB.gain, 0, 255).astype(np.uint8)

    fx = vnb.effects.python_effect(knob, name="knob")
    p = project_with(source, fx)
    with pytest.warns(UserWarning, match=r"'py:knob'.*global 'KNOB'.*not cached"):
        bright = frame_at(p, 0.5).mean()
    KNOB.gain = 0.25
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # said once only
            dim = frame_at(p, 0.5).mean()
    finally:
        KNOB.gain = 1.0
    assert dim < bright * 0.4


# ----------------------------------------------------------------------------- WASM host work


def wasm_file(folder: Path, name: str, extra: str) -> Path:
    import wasmtime

    from . import hostile

    path = folder / f"{name}.wasm"
    path.write_bytes(bytes(wasmtime.wat2wasm(hostile.module(extra=extra).decode())))
    return path


@pytest.mark.parametrize(
    ("name", "extra", "said"),
    [
        (
            "exports50k",
            " ".join(f'(export "e{i}" (func 0))' for i in range(50_000)),
            "declares 50004 exports; vnb accepts at most 256",
        ),
        ("funcs30k", "(func) " * 30_000, "declares 30003 functions; vnb accepts at most 10000"),
    ],
)
def test_a_module_too_big_to_compile_quickly_is_refused_before_compiling(
    tmp_path: Path, name: str, extra: str, said: str
) -> None:
    from vnb.effects.wasm.plugins import load_wasm

    path = wasm_file(tmp_path, name, extra)
    started = time.monotonic()
    with pytest.raises(PluginError, match=rf"{name}\.wasm.*{said}"):
        load_wasm(path)
    assert time.monotonic() - started < 2


def test_compiling_runs_under_a_deadline_the_user_can_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vnb.effects.wasm import engine
    from vnb.effects.wasm.plugins import load_wasm

    funcs = " ".join(
        f"(func (param i32) (result i32) (i32.add (local.get 0) (i32.const {i})))"
        for i in range(1000)
    )
    path = wasm_file(tmp_path, "slow_compile", funcs)
    monkeypatch.setattr(engine, "COMPILE_DEADLINE", 0.01)
    started = time.monotonic()
    with pytest.raises(
        PluginError, match=r"slow_compile\.wasm.*longer than 0\.01 s.*COMPILE_DEADLINE"
    ):
        load_wasm(path)
    assert time.monotonic() - started < 2
    monkeypatch.setattr(engine, "COMPILE_DEADLINE", 120.0)
    assert load_wasm(path).name == "wasm:slow_compile"
