"""Title fonts: a non-font file is a VnbError naming the font and the title; relative font
files are found in the project's folder, not the current directory (issue 12)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import vnb
from vnb.errors import ProjectError, VnbError
from vnb.text import TextStyle, rasterize_text
from vnb.text import fonts as fonts_module

BOLD = Path(fonts_module.__file__).resolve().parent.parent / "fonts" / "DejaVuSans-Bold.ttf"


def _project(font: str) -> vnb.Project:
    p = vnb.Project(width=160, height=90, fps=10)
    p.add_title("Hello", start=0.0, duration=1.0, font=font, size=40)
    return p


def test_a_non_font_file_names_the_font_and_the_title(tmp_path: Path) -> None:
    fake = tmp_path / "fake.ttf"
    fake.write_text("this is not a font\n")
    p = _project(str(fake))
    title = p.tracks[0].titles[0].id
    with pytest.raises(ProjectError) as info:
        p.frame_at(0.5)
    assert "fake.ttf" in str(info.value) and repr(title) in str(info.value)
    with pytest.raises(VnbError, match=r"fake\.ttf"):
        p.render(tmp_path / "out.mp4", progress_bar=False)
    assert not (tmp_path / "out.mp4").exists()
    with pytest.raises(ProjectError, match=r"fake\.ttf.*not a font"):
        rasterize_text("x", TextStyle(font=str(fake)))


def test_a_folder_as_a_font_names_it(tmp_path: Path) -> None:
    folder = tmp_path / "fonts.ttf"
    folder.mkdir()
    with pytest.raises(ProjectError, match=r"fonts\.ttf.*a folder"):
        _project(str(folder)).frame_at(0.5)


def test_a_relative_font_file_is_the_project_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "proj" / "fonts").mkdir(parents=True)
    shutil.copyfile(BOLD, tmp_path / "proj" / "fonts" / "mine.ttf")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    path = _project("fonts/mine.ttf").save(tmp_path / "proj" / "p.vnb.json")
    monkeypatch.chdir(elsewhere)
    relative = vnb.load(path).frame_at(0.5)
    absolute = _project(str(BOLD)).frame_at(0.5)
    regular = _project("sans").frame_at(0.5)
    assert np.array_equal(relative, absolute)
    assert not np.array_equal(relative, regular)
