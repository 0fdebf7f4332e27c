"""The preview benchmark still runs: ``benchmarks/preview_bench.py --quick --no-moviepy``.

A smoke test only (about 10–15 s, sources made afresh in a temporary folder): the script exits 0
only if its own checks pass — composed frames equal PyAV's left of the picture in picture, the
cache returns the very frames computed, every second request is a hit, proxy frames have the
asked size — and it prints every ratio line. It asserts nothing about the timings, which shared
CI machines cannot promise.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "preview_bench.py"

RATIOS = (
    r"^ratio cached p50 / 3 ms: \d+\.\d+ .*: (met|MISSED)\)$",
    r"^ratio proxy p50 / 10 ms: \d+\.\d+ .*: (met|MISSED)\)$",
    r"^ratio cold exact p50 / PyAV floor p50: \d+\.\d+ .*: (met|MISSED)\)$",
    r"^ratio 1-layer playback fps / 60: \d+\.\d+ .*: (met|MISSED)\)$",
    r"^ratio 2-layer playback fps / 30: \d+\.\d+ .*: (met|MISSED)\)$",
    r"^ratio MoviePy random p50 / vnb proxy p50: skipped \(--no-moviepy\)$",
)


@pytest.mark.slow
def test_preview_bench_quick_runs(bench_out: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--no-moviepy", "--out", str(bench_out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    for pattern in RATIOS:
        assert re.search(pattern, proc.stdout, re.MULTILINE), (pattern, proc.stdout)
    rows = {line[:48].strip() for line in proc.stdout.splitlines()}
    assert {
        "PyAV bare accurate seek, base source (floor)",
        "vnb cold exact, composed (2 layers)",
        "vnb via 640x360 proxies, composed",
        "vnb cached 1280x720 (second request)",
        "vnb playback, 1 layer (B, brightness)",
        "vnb playback, 2 layers (B + C, blur)",
    } <= rows
    assert re.search(r"^exactness: [1-9]\d* composed frames equal", proc.stdout, re.MULTILINE)
