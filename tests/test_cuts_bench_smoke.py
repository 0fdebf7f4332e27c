"""The cuts benchmark still runs: ``benchmarks/cuts_bench.py --quick --old none``.

A smoke test only: the script exits 1 unless every render has the frames its edit asks for;
nothing is asserted about timings. Peak memory is asserted loosely (the quick edits are small).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_cuts_bench_quick_runs(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "benchmarks/cuts_bench.py",
            "--quick",
            "--old",
            "none",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert "all frame counts right" in proc.stdout
    peaks = [float(m) for m in re.findall(r"ffmpeg peak RSS +(\d+) MB", proc.stdout)]
    assert len(peaks) == 4
    assert max(peaks) < 1000
    assert re.search(r"new: CPU per transition [+-]\d+\.\d+ s", proc.stdout)
