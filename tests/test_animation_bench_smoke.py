"""The animation benchmark still runs: ``benchmarks/animation_bench.py --smoke``.

A smoke test only (320×180, a 1 s Ken Burns and a 1 s edit): the script exits 0 only if every
render has its frames and every measured displacement is finite; the JSON it writes must hold
every figure. Nothing is asserted about timings or the smoothness goal at this size (the goal is
for 1080p: a 320-pixel picture zooms 4 % a frame here).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "animation_bench.py"


@pytest.mark.slow
def test_animation_bench_smoke_runs(bench_out: Path, tmp_path: Path) -> None:
    report = tmp_path / "animation.json"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke", "--out", str(bench_out), "--json", str(report)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    data = json.loads(report.read_text())
    smooth = data["smoothness"]["results"]
    assert set(smooth) == {
        "vnb render (crf 12)",
        "ffmpeg zoompan (hand-written)",
        "vnb preview (frame_at)",
        "exact warp (measure's floor)",
    }
    for row in smooth.values():
        assert row["pairs"] >= 2
        assert math.isfinite(row["max_px"]) and math.isfinite(row["rms_px"])
    assert smooth["vnb render (crf 12)"]["pairs"] == 29
    assert data["smoothness"]["preview_psnr_min_db"] >= 35  # preview equals render
    cost = data["cost"]
    assert set(cost["renders"]) == {"vnb static", "vnb animated", "ffmpeg animated"}
    assert all(r["frames"] == 30 for r in cost["renders"].values())
    for name in (
        "animated/static render",
        "animated/static frame_at",
        "vnb/ffmpeg animated render",
    ):
        ratio = cost["ratios"][name]
        assert ratio["wall"] > 0 and ratio["cpu"] > 0, name
    assert "ratio animated/static render: " in proc.stdout


@pytest.mark.slow
def test_animation_bench_profile_runs(bench_out: Path) -> None:
    """``--profile`` times vnb's graphs as built and with the shift / the looped still removed."""
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke", "--profile", "--out", str(bench_out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    # "  Ken Burns                no sub-pixel shift        0.18 cpu s"
    rows = [line for line in proc.stdout.splitlines() if line.endswith(" cpu s")]
    variants = {line[27:50].strip() for line in rows}
    # (stills are decoded once by vnb itself now: no "-loop" input left to rewrite)
    assert variants == {"as built", "no sub-pixel shift"}, rows
    assert all(float(line.split()[-3]) > 0 for line in rows), rows
