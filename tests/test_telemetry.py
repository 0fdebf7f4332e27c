"""Telemetry: counters and timings, the report table and plot, and `vnb doctor`."""

from __future__ import annotations

import json
import threading

import pytest

import vnb
from tests.helpers import tools
from vnb import cache, telemetry
from vnb.cli import main


@pytest.fixture(autouse=True)
def fresh(tmp_path):
    cache.configure(directory=tmp_path / "cache")
    telemetry.reset()
    yield
    telemetry.reset()
    cache.configure()


def rows_by_metric() -> dict[str, dict]:
    return {r["metric"]: r for r in telemetry.report()}


def test_counters_timings_and_the_table():
    telemetry.count("widgets", 2)
    telemetry.count("widgets")
    telemetry.timing("step", 0.010)
    telemetry.timing("step", 0.030)

    @telemetry.timed("work")
    def work(fail: bool) -> None:
        if fail:
            raise RuntimeError

    work(False)
    with pytest.raises(RuntimeError):
        work(True)
    with telemetry.timed("block"):
        pass
    rows = rows_by_metric()
    assert rows["widgets"]["count"] == 3
    assert rows["step"]["count"] == 2
    assert rows["step"]["mean_ms"] == pytest.approx(20)
    assert rows["step"]["min_ms"] == pytest.approx(10) and rows["step"]["max_ms"] == pytest.approx(
        30
    )
    assert rows["work"]["count"] == 2 and rows["work.errors"]["count"] == 1
    assert rows["block"]["count"] == 1
    assert {"cache.hits", "cache.misses"} <= rows.keys()
    text = str(telemetry.report())
    assert text.splitlines()[0].split() == list(telemetry.Report.COLUMNS)
    assert any(line.startswith("step ") for line in text.splitlines())
    assert "<table>" in telemetry.report()._repr_html_()


def test_timed_is_safe_across_threads():
    @telemetry.timed("threaded")
    def work() -> None:
        pass

    threads = [threading.Thread(target=lambda: [work() for _ in range(200)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert rows_by_metric()["threaded"]["count"] == 800


def test_renders_previews_and_cache_lookups_are_counted(color_media, tmp_path):
    p = vnb.Project(name="t", width=160, height=120, fps=30)
    p.add_track("video").add_clip(color_media("red", 440, seconds=1), start=0, duration=1)
    p.frame_at(0.5)
    p.frame_at(0.5)  # a cache hit
    p.render(tmp_path / "t.mp4", speed="ultrafast", progress_bar=False)
    rows = rows_by_metric()
    assert rows["preview"]["count"] == 2
    assert rows["render"]["count"] == 1 and rows["render"]["total_s"] > 0
    assert rows["cache.hits"]["count"] >= 1 and rows["cache.misses"]["count"] >= 1


def test_plot():
    tools.module("matplotlib")
    telemetry.timing("render", 1.5)
    telemetry.count("render.cache_hit")
    fig = telemetry.plot()
    assert type(fig).__name__ == "Figure"
    left, right = fig.axes
    assert [t.get_text() for t in left.get_yticklabels()][:2] == ["render", "render.cache_hit"]
    assert [t.get_text() for t in right.get_yticklabels()] == ["render"]


def test_doctor_json_lists_the_facts(capsys):
    code = main(["doctor", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == (0 if report["ok"] else 1)
    ff = report["ffmpeg"]
    assert ff["path"] and ff["version"]
    assert ff["encoders"]["libx264"] is True
    hw = ff["hardware"]
    assert "h264_nvenc" in hw["compiled"]
    assert set(hw["working"]) <= set(hw["compiled"])
    assert hw["verdicts"]["h264_nvenc"]["works"] in (True, False)
    if not hw["verdicts"]["h264_nvenc"]["works"]:
        assert "libcuda" in hw["verdicts"]["h264_nvenc"]["message"]
    assert report["pyav"]["version"] and report["pyav"]["ffmpeg"]
    assert report["fonts"]["default"]
    assert report["cache"]["directory"] == str(cache.cache_dir()) == report["cache_dir"]
    assert {"wasmtime", "onnxruntime", "ipywidgets", "matplotlib", "distributed"} <= set(
        report["optional"]
    )
    assert report["problems"] == [] and report["ok"] is True


def test_doctor_text_and_a_missing_ffmpeg(monkeypatch, capsys):
    assert main(["doctor"]) == 0
    text = capsys.readouterr().out
    assert "hardware encoders built in:" in text and "working here:" in text
    assert "all good" in text
    from vnb.ffmpeg.binary import find_ffmpeg

    monkeypatch.setenv("VNB_FFMPEG", "/nonexistent/ffmpeg")
    find_ffmpeg.cache_clear()
    try:
        assert main(["doctor"]) == 1
        text = capsys.readouterr().out
        assert "ffmpeg: NOT FOUND" in text and "VNB_FFMPEG" in text
    finally:
        monkeypatch.undo()
        find_ffmpeg.cache_clear()
