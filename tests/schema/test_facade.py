"""`vnb.Project` is the data model plus the engine's calls; `vnb.schema.Project` is data only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import vnb
from vnb import schema
from vnb.errors import ProjectError


def _overlapping(cls: type[schema.Project]) -> schema.Project:
    p = cls(width=64, height=48)
    v = p.add_track("video")
    v.add_clip(color="red", id="a", start=0.0, duration=2.0)
    v.add_clip(color="blue", id="b", start=1.0, duration=2.0)
    return p


def test_the_user_gets_the_facade_everywhere(tmp_path: Path) -> None:
    p = vnb.Project(name="f", width=64, height=48)
    assert isinstance(p, schema.Project) and type(p) is vnb.project.Project
    p.add_track("video").add_clip(color="red", duration=1.0)
    path = p.save(tmp_path / "f.vnb.json")
    assert type(vnb.load(path)) is vnb.Project
    assert type(schema.load(path)) is schema.Project
    assert type(p.model_copy(deep=True)) is vnb.Project


def test_the_data_model_reads_no_media_and_the_facade_probes(testsrc: Path) -> None:
    data = schema.Project(width=64, height=48)
    with pytest.raises(ProjectError, match="give the clip a duration"):
        data.add_track("video").add_clip(str(testsrc))
    assert data.add_track("video").add_clip(str(testsrc), duration=1.0).duration == 1.0
    p = vnb.Project(width=64, height=48)
    clip = p.add_track("video").add_clip(str(testsrc))  # its length comes from a probe
    assert clip.duration == pytest.approx(p.probe(str(testsrc)).duration)


def test_the_timeline_check_of_save_is_the_facades(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="overlap"):
        _overlapping(vnb.Project).save(tmp_path / "o.vnb.json")
    assert not hasattr(schema.Project, "render") and not hasattr(schema.Project, "frame_at")
    assert _overlapping(schema.Project).timeline_problems() == []


def test_importing_the_schema_imports_no_engine() -> None:
    code = (
        "import sys, vnb.schema; engine = [m for m in sys.modules if m.startswith(("
        "'vnb.render', 'vnb.preview', 'vnb.detect', 'vnb.notebook', 'vnb.media', 'vnb.ffmpeg'))]; "
        "print(engine)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
