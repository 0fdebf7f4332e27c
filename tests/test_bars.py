"""vnb._bars: one rule for when a progress bar shows, and its 100 % line printed once."""

from __future__ import annotations

import io
import sys

import pytest

from vnb._bars import Bar, open_bar, want_bar


def test_want_bar_follows_the_request_else_the_terminal(monkeypatch) -> None:
    assert want_bar(True) is True
    assert want_bar(False) is False
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # a pipe: no bar
    assert want_bar(None) is False

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", Tty())
    assert want_bar(None) is True


def test_a_hidden_bar_does_nothing(capsys) -> None:
    with open_bar(False, total=3, desc="x") as bar:
        assert not bar.shown
        bar.advance()
        bar.move_to(2, "fast")
        bar.finish()
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("how", ["advance", "finish"])
def test_a_shown_bar_prints_its_100_percent_line_once(monkeypatch, how: str) -> None:
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    with open_bar(True, total=4, desc="frames", unit="frame") as bar:
        assert bar.shown
        bar.advance(1)
        bar.move_to(2, "2× real time")
        if how == "advance":
            bar.advance(2)
        else:
            bar.finish()
    lines = err.getvalue().replace("\r", "\n").splitlines()
    assert sum("100%" in line for line in lines) == 1, lines
    assert any("frames:  50%" in line and "2× real time" in line for line in lines), lines
    assert lines[-1].startswith("frames: 100%")


def test_close_twice_is_harmless() -> None:
    bar = Bar()
    bar.close()
    bar.close()
