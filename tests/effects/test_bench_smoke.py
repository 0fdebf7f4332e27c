"""The effects benchmark still runs (``--quick``); timings are printed, not asserted."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_effects_bench_quick_runs(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "effects_bench.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        check=False,
        env={**os.environ, "VNB_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    rows = re.findall(r"^(\w+) +\d+x\d+ +[\d.]+ +[\d.]+ +\w+ +([\d.]+)x$", proc.stdout, re.M)
    assert {name for name, _ in rows} == {
        "invert", "grayscale", "sepia", "vignette", "pixelate", "wave"
    }  # fmt: skip
    assert "grayscale at 1080p" in proc.stdout
    assert "wasm:vignette, 2 workers" in proc.stdout
