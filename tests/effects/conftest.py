"""Fixtures of the custom-effect tests: the shipped WASM examples, a private cache folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from vnb import cache
from vnb.effects.wasm.plugins import WasmEffect, load_wasm

EXAMPLES = Path(__file__).resolve().parents[2] / "vnb" / "effects" / "wasm" / "examples"
NAMES = ("invert", "grayscale", "sepia", "vignette", "pixelate", "wave")


@pytest.fixture(scope="package", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("effects-cache")
    cache.configure(directory=folder)
    yield folder
    cache.configure()


@pytest.fixture(scope="session")
def examples() -> dict[str, WasmEffect]:
    """Every shipped example, loaded (and registered as ``wasm:<name>``)."""
    return {name: load_wasm(EXAMPLES / f"{name}.wat") for name in NAMES}
