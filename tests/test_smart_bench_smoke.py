"""The smart render benchmark still runs: ``benchmarks/smart_bench.py --smoke``.

A smoke test only: the script decodes both outputs and exits 1 unless every frame is the source
frame the edit asks for and smart render was used; nothing is asserted about timings.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_smart_bench_quick_runs(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "benchmarks/smart_bench.py", "--smoke", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert proc.stdout.count("every frame exact (2 cuts checked)") == 2
    assert re.search(r"^speed-up: \d+\.\d× wall", proc.stdout, re.MULTILINE)
    assert (tmp_path / "smart-quick" / "smart.mp4").is_file()
