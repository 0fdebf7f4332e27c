"""Hostile WASM modules: stopped, contained or refused — one error type naming the plugin."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

import vnb
from vnb.effects.wasm.host import Limits
from vnb.effects.wasm.plugins import WasmEffect, from_bytes, load_wasm
from vnb.errors import EffectError, PluginError, VnbError
from vnb.preview import frame_at

from . import hostile

FRAME = np.zeros((37, 67, 4), np.uint8)


def _run(wasm: bytes, name: str, **limits) -> PluginError:
    with pytest.raises(PluginError) as caught:
        fx = from_bytes(wasm, name, limits=Limits(**{"deadline": 0.25, **limits}))
        fx.apply(FRAME, 0.5, 3, {})
    err = caught.value
    assert isinstance(err, EffectError) and isinstance(err, VnbError)
    assert name in str(err), str(err)  # names the plugin
    return err


@pytest.mark.parametrize(
    ("wasm", "said"),
    [
        (hostile.OUT_OF_BOUNDS, "out-of-bounds memory access"),
        (hostile.UNREACHABLE, "'unreachable'"),
        (hostile.DIVIDE_BY_ZERO, "division by zero"),
        (hostile.STACK_OVERFLOW, "stack overflow"),
        (hostile.ERROR_RETURN, "error code 42"),
        (hostile.ALLOC_OUTSIDE, "alloc(128) returned 100000000"),
        (hostile.ALLOC_OVERLAP, "overlapping"),
        (hostile.ABI_2_COMPUTED, "returned 2"),
    ],
    ids=[
        "oob",
        "unreachable",
        "div0",
        "stack",
        "error-return",
        "alloc-out",
        "alloc-overlap",
        "abi",
    ],
)
def test_traps_and_bad_answers_are_reported(wasm: bytes, said: str, examples) -> None:
    err = _run(wasm, "hostile")
    assert said in str(err)
    out = examples["invert"].apply(FRAME, 0.0, 0, {})  # the process carries on
    assert out[0, 0, 0] == 255


def test_an_infinite_loop_is_stopped_within_its_deadline() -> None:
    start = time.perf_counter()
    err = _run(hostile.INFINITE_LOOP, "spinner", deadline=0.2)
    assert time.perf_counter() - start < 0.2 + 0.6
    assert "deadline of 0.2 s" in str(err) and "apply" in str(err)


def test_the_deadline_covers_the_start_function() -> None:
    start = time.perf_counter()
    err = _run(hostile.START_LOOP, "starter", deadline=0.2)
    assert time.perf_counter() - start < 0.2 + 0.8
    assert "instantiation" in str(err)


def test_fuel_is_a_deterministic_alternative() -> None:
    err = _run(hostile.INFINITE_LOOP, "fuelled", fuel=100_000, deadline=30)
    assert "ran out of fuel (100000 units)" in str(err)


def test_a_memory_bomb_is_contained_by_the_cap() -> None:
    cap = 8 * 1024**2
    err = _run(hostile.MEMORY_BOMB, "bomb", memory=cap)
    pages = int(str(err).split("error code ")[1].split()[0])
    assert 0 < pages * 65536 <= cap  # memory.grow said -1 at the cap
    err = _run(hostile.HUGE_INITIAL_MEMORY, "greedy")
    assert "initial memory" in str(err) and "256 MiB" in str(err)
    with pytest.raises(PluginError, match="alloc"):  # a frame larger than the cap
        fx = from_bytes(hostile.module(), "small", limits=Limits(memory=1 << 20))
        fx.apply(np.zeros((720, 1280, 4), np.uint8), 0.0, 0, {})


@pytest.mark.parametrize(
    ("wasm", "said"),
    [
        (hostile.WASI_FD_WRITE, "imports func wasi_snapshot_preview1.fd_write"),
        (hostile.WASI_PATH_OPEN, "imports func wasi_snapshot_preview1.path_open"),
        (hostile.IMPORTED_MEMORY, "imports memory env.memory"),
        (hostile.ABI_2_META, "ABI version 2"),
        (hostile.ABI_2_CONSTANT, "vnb_abi_version returns 2"),
        (hostile.ASKS_NETWORK, "permission 'network'"),
        (hostile.MEMORY_64, "64-bit memory"),
        (hostile.WRONG_SIGNATURE, "exports 'apply' as (i64) -> (i32)"),
        (hostile.NO_APPLY, "does not export 'apply'"),
        (hostile.INVALID_BYTES, "invalid module"),
        (hostile.NOT_WASM, "neither a WebAssembly binary"),
        (hostile.COMPONENT, "component, not a core module"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_refused_at_load_before_anything_runs(
    wasm: bytes, said: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import wasmtime

    def no_instances(*_args, **_kwargs):
        msg = "instantiated a module that should have been refused"
        raise AssertionError(msg)

    monkeypatch.setattr(wasmtime, "Instance", no_instances)
    path = tmp_path / "plugin.wasm"
    path.write_bytes(wasm)
    with pytest.raises(PluginError) as caught:
        load_wasm(path)
    message = str(caught.value)
    assert said in message, message
    assert "plugin" in message  # the file's name, or the name its metadata gives
    assert "Traceback" not in message


def test_a_failing_effect_fails_the_render_and_the_next_render_works(
    testsrc: Path, tmp_path: Path, examples: dict[str, WasmEffect]
) -> None:
    bad = from_bytes(hostile.UNREACHABLE, "crasher")
    from vnb.effects.custom import register

    register(bad)
    p = vnb.Project(name="t", width=320, height=240, fps=30)
    clip = p.add_track("video").add_clip(str(testsrc), start=0, duration=0.5)
    clip.effects.append(bad())
    out = tmp_path / "out.mp4"
    with pytest.raises(PluginError, match=r"wasm:crasher.*unreachable"):
        p.render(out, progress_bar=False)
    assert not out.exists()
    with pytest.raises(PluginError, match="wasm:crasher"):
        frame_at(p, 0.1, cache=False)
    clip.effects[0] = examples["invert"]()
    result = p.render(out, progress_bar=False)
    assert result.frames == 15 and out.is_file()
