"""Batch renders: `render_many` on threads, local processes and a Dask cluster; `vnb batch`."""

from __future__ import annotations

import concurrent.futures as cf
from pathlib import Path

import pytest

import vnb
from tests.helpers import tools
from vnb import cache
from vnb.cli import main
from vnb.render.batch import output_paths, render_many


@pytest.fixture(autouse=True)
def tmp_cache(tmp_path, monkeypatch):
    # Workers in other processes find the same cache through the environment.
    monkeypatch.setenv("VNB_CACHE_DIR", str(tmp_path / "cache"))
    cache.configure(directory=tmp_path / "cache")
    yield
    cache.configure()


def three_projects(folder: Path, color_media) -> list[Path]:
    """Two good project files and one whose source is missing."""
    files = []
    for name, color in (("red", "red"), ("blue", "blue"), ("broken", None)):
        p = vnb.Project(name=name, width=160, height=120, fps=30)
        track = p.add_track("video")
        if color is None:
            track.add_clip(folder / "no-such-file.mp4", start=0, duration=1)
        else:
            track.add_clip(color_media(color, 440, seconds=1), start=0, duration=1)
        p.save(folder / f"{name}.vnb.json")
        files.append(folder / f"{name}.vnb.json")
    return files


def check(results, outputs, files) -> None:
    assert [r.output for r in results] == [Path(o) for o in outputs]
    good, bad = results[:2], results[2]
    for r in good:
        assert r.ok and r.error is None
        assert r.result is not None and r.result.path.is_file() and r.result.frames == 30
    assert not bad.ok and bad.result is None
    assert str(files[2]) in bad.error  # names its project
    assert "no-such-file.mp4" in bad.error and "MediaNotFoundError" in bad.error
    assert not Path(outputs[2]).exists()


@pytest.fixture(scope="module", autouse=True)
def no_leftover_children():
    """Stop multiprocessing's resource tracker (started by spawned workers) after this module.

    It is harmless, but other tests count the children of the test process.
    """
    yield
    from multiprocessing import resource_tracker

    stop = getattr(resource_tracker._resource_tracker, "_stop", None)
    if stop is not None:
        stop()


@pytest.fixture(scope="module")
def dask_client():
    distributed = tools.module("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=40,
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_on_a_dask_cluster_one_failure_does_not_stop_the_others(dask_client, tmp_path, color_media):
    files = three_projects(tmp_path, color_media)
    outputs = [tmp_path / "out" / f"{f.name.split('.')[0]}.mp4" for f in files]
    outputs[0].parent.mkdir()
    results = render_many(
        files, outputs, executor=dask_client.get_executor(), speed="ultrafast", progress_bar=False
    )
    check(results, outputs, files)


def test_cli_batch_with_a_scheduler(dask_client, tmp_path, color_media, capsys):
    files = three_projects(tmp_path, color_media)
    address = dask_client.scheduler.address
    out = tmp_path / "cli"
    code = main(["batch", *map(str, files), "--out-dir", str(out), "--scheduler", address, "-q"])
    text = capsys.readouterr().out
    assert code == 1  # one failed
    assert (out / "red.mp4").is_file() and (out / "blue.mp4").is_file()
    assert not (out / "broken.mp4").exists()
    assert f"FAILED {files[2]}" in text and "2 of 3 rendered" in text


def test_default_local_processes_and_live_projects(tmp_path, color_media):
    good = vnb.Project(name="live", width=160, height=120, fps=30)
    good.add_track("video").add_clip(color_media("green", 440, seconds=1), start=0, duration=1)
    bad = vnb.Project(name="nothing", width=160, height=120, fps=30)
    bad.add_track("video").add_clip("missing.mp4", start=0, duration=1)
    outputs = [tmp_path / "live.mp4", tmp_path / "nothing.mp4"]
    results = render_many([good, bad], outputs, workers=2, speed="ultrafast", progress_bar=False)
    assert results[0].ok and results[0].result.path == outputs[0]
    assert not results[1].ok and results[1].error.startswith("project 'nothing': ")


def test_threads_and_the_render_cache(tmp_path, color_media):
    files = three_projects(tmp_path, color_media)[:2]
    outputs = [tmp_path / "a.mp4", tmp_path / "b.mp4"]
    with cf.ThreadPoolExecutor(2) as pool:
        first = render_many(files, outputs, executor=pool, progress_bar=False)
        again = render_many(files, [tmp_path / "c.mp4", tmp_path / "d.mp4"], executor=pool)
    assert all(r.ok for r in first + again)
    assert all("render cache" in r.result.note for r in again)


def test_bad_requests(tmp_path):
    with pytest.raises(ValueError, match="2 projects but 1 outputs"):
        render_many(["a.vnb.json", "b.vnb.json"], ["a.mp4"])
    with pytest.raises(ValueError, match="same output"):
        render_many(["a.vnb.json", "b.vnb.json"], ["x.mp4", "./x.mp4"])
    with pytest.raises(vnb.VnbError, match="on_progress"):
        render_many(["a.vnb.json"], ["a.mp4"], on_progress=print)


def test_output_names(tmp_path, color_media):
    files = three_projects(tmp_path, color_media)
    assert [p.name for p in output_paths(files, tmp_path, None)] == [
        "red.mp4",
        "blue.mp4",
        "broken.mp4",
    ]
    assert output_paths(files[:1], tmp_path, "webm")[0].name == "red.webm"
    frames = vnb.load(files[0])
    frames.export.container, frames.export.video_codec, frames.export.audio_codec = (
        "png", "png", "none"
    )  # fmt: skip
    frames.save(tmp_path / "frames.vnb.json")
    named = output_paths([tmp_path / "frames.vnb.json"], tmp_path, None)
    assert named[0].name == "frames_%05d.png"  # numbered frames, as a PNG render wants
