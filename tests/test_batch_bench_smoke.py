"""The batch benchmark still runs: ``benchmarks/batch_bench.py --smoke --no-dask``.

A smoke test only: the script checks every output's frame count itself (exit 1 otherwise) and
prints the ratios; nothing is asserted about timings, which shared CI machines cannot promise.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_batch_bench_quick_runs(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "benchmarks/batch_bench.py",
            "--smoke",
            "--no-dask",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert re.search(r"^local 2 workers: \d+\.\d+× sequential", proc.stdout, re.MULTILINE)
    assert re.search(r"^hardware: ", proc.stdout, re.MULTILINE) or "hardware encode:" in proc.stdout
    assert len(list((tmp_path / "batch-quick").glob("local*.mp4"))) == 3
