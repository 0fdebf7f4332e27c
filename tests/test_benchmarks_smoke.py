"""The render benchmark still runs: ``benchmarks/render_bench.py --quick --no-moviepy``.

A smoke test only: it checks that vnb and the hand-written command both render the quick edit
with the expected frames and duration (the script exits 1 otherwise) and that the ratio line is
printed. It asserts nothing about the timings, which shared CI machines cannot promise.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "render_bench.py"


@pytest.mark.slow
def test_render_bench_quick_runs(bench_out: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--no-moviepy", "--out", str(bench_out)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert re.search(r"^ratio vnb/ffmpeg: \d+\.\d+ wall", proc.stdout, re.MULTILINE), proc.stdout
    rows = {line.split()[0] for line in proc.stdout.splitlines() if line.strip()}
    assert {"vnb", "ffmpeg"} <= rows
    assert (bench_out / "quick" / "vnb.mp4").is_file()
    assert (bench_out / "quick" / "ffmpeg.mp4").is_file()
