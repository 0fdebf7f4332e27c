"""frame_at's ``size`` is validated and bounded like the project's own size (issue 12)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import vnb
from vnb.errors import ProjectError

ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}


@pytest.fixture(scope="module")
def project(testsrc: Path) -> vnb.Project:
    p = vnb.Project(width=320, height=240, fps=30)
    p.add_track("video").add_clip(str(testsrc), duration=1)
    return p


@pytest.mark.parametrize(
    "size",
    [(100_000, 100_000), (8194, 2), (0, 48), (64, 0), (-64, 48), (64, -2), (64,), (1, 2, 3),
     (64.0, 48), ("64", "48"), "ab", (True, 48), 64],
)  # fmt: skip
def test_a_bad_size_is_a_project_error_naming_size(project: vnb.Project, size: object) -> None:
    with pytest.raises(ProjectError, match=r"^size: expected \(width, height\).* 1 to 8192"):
        project.frame_at(0.5, size=size)  # type: ignore[arg-type]


def test_good_sizes_still_work(project: vnb.Project) -> None:
    assert project.frame_at(0.5, size=(64, 48)).shape == (48, 64, 3)
    assert project.frame_at(0.5, size=(33, 1)).shape == (1, 33, 3)
    assert project.frame_at(0.5).shape == (240, 320, 3)


def test_vnb_frame_refuses_a_huge_size_without_a_traceback(
    project: vnb.Project, tmp_path: Path
) -> None:
    doc = project.save(tmp_path / "p.vnb.json")
    out = tmp_path / "f.png"
    argv = [sys.executable, "-m", "vnb", "frame", str(doc), "0.5", str(out)]
    done = subprocess.run(
        [*argv, "--width", "60000", "--height", "40000"],
        capture_output=True,
        text=True,
        timeout=60,
        env=ENV,
        check=False,
    )
    assert done.returncode == 2  # refused by the command line's own bounds (1..8192)
    assert "--width" in done.stderr
    assert "8192" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()
