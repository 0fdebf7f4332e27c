"""The helpers the tests and benchmarks share: tools that skip locally and fail under CI, media."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from tests.helpers import tools
from tests.helpers.ffmpeg import run_ffmpeg
from tests.helpers.media import make_media

ABSENT = "vnb-no-such-program"


def test_a_missing_tool_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(tools.ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match=f"{ABSENT} is not installed"):
        tools.which(ABSENT, "a test")
    with pytest.raises(pytest.skip.Exception, match="vnb_no_such_module"):
        tools.module("vnb_no_such_module")
    assert tools.unless("gone").mark.args == (True,)


def test_a_missing_tool_fails_when_tools_are_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(tools.ENV, "1")
    with pytest.raises(pytest.fail.Exception, match=f"VNB_REQUIRE_TOOLS is set but {ABSENT}"):
        tools.which(ABSENT, "a test")
    with pytest.raises(pytest.fail.Exception, match="vnb_no_such_module"):
        tools.module("vnb_no_such_module")
    assert tools.unless("gone").mark.args == (False,)  # runs, and its fixture fails
    assert tools.which("sh", "a test")


def test_ci_requires_the_tools_it_installs() -> None:
    script = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    assert f"export {tools.ENV}=1" in script
    for package in ("chromium", "nodejs", "fontconfig"):
        assert f"missing+=({package})" in script


def test_media_is_made_whole_once_and_reused(tmp_path: Path) -> None:
    made = make_media(tmp_path, "a.mp4", video="testsrc2=s=64x48:r=10:d=1", audio=None)
    with av.open(str(made)) as container:
        assert [s.type for s in container.streams] == ["video"]
        assert container.streams.video[0].frames == 10
    stamp = made.stat().st_mtime_ns
    assert make_media(tmp_path, "a.mp4", video="testsrc2=s=64x48:r=10:d=1", audio=None) == made
    assert made.stat().st_mtime_ns == stamp
    with pytest.raises(RuntimeError, match="ffmpeg failed"):
        make_media(tmp_path, "b.mp4", video="nosuchsource", audio=None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.mp4"]  # no half-written file
    with pytest.raises(RuntimeError, match="No such filter"):
        run_ffmpeg("-f", "lavfi", "-i", "nosuchsource", "-f", "null", "-")
