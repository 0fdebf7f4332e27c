"""One rule for clips that play past the end of their source: pictures and sound alike."""

from __future__ import annotations

import pytest

import vnb
from vnb.errors import ProjectError


@pytest.fixture
def sound(media):
    return media("one-second.wav", video=None, audio="sine=f=440:d=1")


def test_an_audio_clip_past_the_end_of_its_sound_is_refused(sound, tmp_path):
    p = vnb.Project(width=160, height=120, fps=30)
    p.add_track("video").add_clip(color="#204060", duration=3)
    p.add_track("audio").add_clip(str(sound), start=0, duration=3, id="music")
    with pytest.raises(ProjectError, match=r"'music'.*its sound ends at 1\.0"):
        p.frame_at(0.5)
    out = tmp_path / "out.mp4"
    with pytest.raises(ProjectError, match="'music'"):
        p.render(out, progress_bar=False)
    assert not out.exists()


def test_an_audio_clip_within_its_sound_plays(sound):
    p = vnb.Project(width=160, height=120, fps=30)
    p.add_track("video").add_clip(color="#204060", duration=1)
    p.add_track("audio").add_clip(str(sound), start=0, duration=1)  # exactly the file
    assert p.frame_at(0.5).shape == (120, 160, 3)


def test_a_video_clip_past_its_source_is_refused_too(media):
    src = media("two-seconds.mp4", video="testsrc2=s=160x120:r=30:d=2", audio=None)
    p = vnb.Project(width=160, height=120, fps=30)
    p.add_track("video").add_clip(str(src), start=0, duration=3, id="long")
    with pytest.raises(ProjectError, match=r"'long'.*source ends at 2 s"):
        p.frame_at(0.5)
