"""Bad arguments are `VnbError`s that name what was wrong, and still the builtin callers catch."""

from __future__ import annotations

import pytest

import vnb
from vnb.errors import ArgumentError, ArgumentTypeError, LabError, VnbError
from vnb.media.waveform import peaks
from vnb.notebook.lab import notebooks_folder
from vnb.text import TextStyle, rasterize_text


def test_an_argument_error_is_a_vnb_error_and_a_value_error():
    assert issubclass(ArgumentError, VnbError) and issubclass(ArgumentError, ValueError)
    assert issubclass(ArgumentTypeError, ArgumentError) and issubclass(ArgumentTypeError, TypeError)


def test_an_unknown_cache_folder_is_named():
    with pytest.raises(ArgumentError, match="no folder 'thumbs'"):
        vnb.cache.folder("thumbs")


def test_a_bad_text_style_names_the_field():
    with pytest.raises(ArgumentError, match="font size"):
        rasterize_text("hi", TextStyle(size=0))
    with pytest.raises(ValueError, match="align"):  # what callers caught before still works
        rasterize_text("hi", TextStyle(align="justify"))


def test_bad_peaks_arguments_are_named_before_the_file_is_opened(tmp_path):
    with pytest.raises(ArgumentError, match="columns"):
        peaks(tmp_path / "missing.wav", columns=0)


def test_render_many_names_the_output_two_projects_would_share(tmp_path):
    p = vnb.Project(name="a", width=64, height=48, fps=10)
    with pytest.raises(ArgumentError, match="outputs: 2 projects but 1 outputs"):
        vnb.render_many([p, p], [tmp_path / "a.mp4"])
    with pytest.raises(ArgumentError, match=r"same output file .*twice\.mp4"):
        vnb.render_many([p, p], [tmp_path / "twice.mp4", tmp_path / "twice.mp4"])


def test_set_workers_refuses_zero():
    with pytest.raises(ArgumentError, match="workers must be at least 1"):
        vnb.render.set_workers(0)


def test_lab_error_lives_in_vnb_errors(tmp_path):
    with pytest.raises(LabError, match=str(tmp_path)) as caught:
        notebooks_folder(tmp_path)  # no notebooks in it
    assert isinstance(caught.value, VnbError)
    assert "LabError" not in vnb.notebook.lab.__all__
