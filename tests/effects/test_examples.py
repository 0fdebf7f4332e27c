"""Every shipped WASM example equals its numpy reference, on random frames of several sizes."""

from __future__ import annotations

import numpy as np
import pytest

from vnb.effects.wasm.plugins import WasmEffect

from . import references as ref

SIZES = [(1, 1), (3, 5), (67, 37), (641, 359), (1280, 720)]  # odd widths, odd heights


def _frame(size: tuple[int, int], seed: int) -> np.ndarray:
    w, h = size
    return np.random.default_rng(seed).integers(0, 256, (h, w, 4), dtype=np.uint8)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_pixelwise_examples_are_bit_exact(examples: dict[str, WasmEffect], size) -> None:
    f = _frame(size, 1)
    assert np.array_equal(examples["invert"].apply(f, 0.0, 0, {}), ref.invert(f))
    assert np.array_equal(examples["grayscale"].apply(f, 0.0, 0, {}), ref.grayscale(f))
    for s in (0.0, 0.37, 1.0):
        got = examples["sepia"].apply(f, 0.0, 0, {"strength": s})
        assert np.array_equal(got, ref.sepia(f, s)), s


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_spatial_examples_are_bit_exact(examples: dict[str, WasmEffect], size) -> None:
    f = _frame(size, 2)
    for s in (0.0, 0.6, 1.0):
        got = examples["vignette"].apply(f, 0.0, 0, {"strength": s})
        assert np.abs(got.astype(int) - ref.vignette(f, s)).max() <= 1, s
    for b in (1, 3, 8, 17.4):
        assert np.array_equal(
            examples["pixelate"].apply(f, 0.0, 0, {"size": b}), ref.pixelate(f, b)
        )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_wave_follows_time_exactly(examples: dict[str, WasmEffect], size) -> None:
    f = _frame(size, 3)
    fx = examples["wave"]
    outs = []
    for t in (0.0, 0.37, 2.5):
        for amp, wl, speed in ((12, 120, 1), (300, 7, -3), (0, 50, 0)):
            params = {"amplitude": amp, "wavelength": wl, "speed": speed}
            got = fx.apply(f, t, 0, params)
            assert np.array_equal(got, ref.wave(f, t, amp, wl, speed)), (t, params)
            outs.append(got)
    if size[1] > 50:  # it moves with time
        assert not np.array_equal(outs[0], outs[3])


def test_every_example_passes_check_and_declares_itself(examples: dict[str, WasmEffect]) -> None:
    for name, fx in examples.items():
        assert fx.name == f"wasm:{name}"
        assert fx.info.description
        report = fx.check()
        assert report.changed > 0, name


def test_the_frame_given_is_never_changed(examples: dict[str, WasmEffect]) -> None:
    f = _frame((64, 48), 4)
    before = f.copy()
    for fx in examples.values():
        fx.apply(f, 0.5, 1, {})
    assert np.array_equal(f, before)
