"""Background render jobs: progress, cancel, the queue, the render cache, display, exit."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import vnb
from vnb import cache, telemetry
from vnb.errors import RenderCancelledError
from vnb.ffmpeg.run import Progress
from vnb.render import jobs

SLOW = {"speed": "slower", "crf": 5}  # about 3 s for 12 s of 320×240 on two cores


@pytest.fixture(autouse=True)
def tmp_cache(tmp_path):
    cache.configure(directory=tmp_path / "cache")
    yield
    jobs.cancel_all(wait=10)
    jobs.set_workers(1)
    cache.configure()


def project(testsrc: Path, clips: int = 3) -> vnb.Project:
    p = vnb.Project(name="jobs", width=320, height=240, fps=30)
    v = p.add_track("video")
    for i in range(clips):
        v.add_clip(testsrc, start=4 * i, duration=4)
    return p


def ffmpeg_processes(folder: Path) -> list[str]:
    """Command lines of running processes that mention ``folder`` (Linux /proc)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(folder) in cmdline and "ffmpeg" in cmdline and "pytest" not in cmdline:
            found.append(cmdline)
    return found


needs_proc = pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")


def test_a_job_returns_at_once_and_reports_increasing_progress(testsrc, tmp_path):
    seen: list[tuple[float, float | None, float | None]] = []
    returned = threading.Event()
    in_time: list[bool] = []

    def on_progress(p: Progress) -> None:
        # The render waits here until render_async has returned: were it rendering in the
        # caller's thread, this wait would time out and the render would finish first.
        in_time.append(returned.wait(30))
        seen.append((p.fraction, p.fps, p.eta_seconds))

    job = project(testsrc).render_async(tmp_path / "out.mp4", on_progress=on_progress, **SLOW)
    returned.set()
    assert job.state in ("queued", "running")
    assert not job.done()
    result = job.result(timeout=90)
    assert in_time and all(in_time)
    assert job.done() and job.state == "done" and job.fraction == 1.0
    assert result.path == tmp_path / "out.mp4" and result.path.is_file()
    fractions = [f for f, _, _ in seen]
    assert len(fractions) >= 3, seen
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0 and fractions[0] < 1.0
    assert any(fps for _, fps, _ in seen)
    assert any(eta is not None and eta > 0 for _, _, eta in seen)
    assert "done" in repr(job)


@needs_proc
def test_cancel_leaves_no_output_and_no_process(testsrc, tmp_path):
    first = threading.Event()
    out = tmp_path / "cancelled.mp4"
    job = project(testsrc).render_async(out, on_progress=lambda _p: first.set(), **SLOW)
    queued = project(testsrc, clips=1).render_async(tmp_path / "queued.mp4")
    assert first.wait(30)
    assert job.state == "running"
    assert queued.state == "queued"  # one worker: it waits its turn
    assert queued.cancel() and queued.state == "cancelled" and queued.done()
    assert job.cancel()
    with pytest.raises(RenderCancelledError):
        job.result(timeout=30)
    assert job.state == "cancelled"
    assert not job.cancel()  # already finished
    with pytest.raises(RenderCancelledError, match="before it started"):
        queued.result()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]  # no output, no .part
    assert ffmpeg_processes(tmp_path) == []


def test_n_workers_run_at_once(testsrc, tmp_path):
    jobs.set_workers(2)
    running: set[int] = set()
    most = [0]
    lock = threading.Lock()

    def watch(job: jobs.RenderJob) -> None:
        with lock:
            (running.add if job.state == "running" else running.discard)(id(job))
            most[0] = max(most[0], len(running))

    batch = []
    for n in range(2):
        job = jobs.submit(project(testsrc, clips=2), tmp_path / f"{n}.mp4", cache=False, **SLOW)
        job.on_update(watch)
        batch.append(job)
    for job in batch:
        job.result(timeout=60)
    assert most[0] == 2


def test_more_workers_start_the_queued_jobs_now(testsrc, tmp_path):
    running: set[int] = set()
    most = [0]
    lock = threading.Lock()

    def watch(job: jobs.RenderJob) -> None:
        with lock:
            (running.add if job.state == "running" else running.discard)(id(job))
            most[0] = max(most[0], len(running))

    first = jobs.submit(project(testsrc, clips=3), tmp_path / "a.mp4", cache=False, **SLOW)
    first.on_update(watch)
    second = jobs.submit(project(testsrc, clips=1), tmp_path / "b.mp4", cache=False, **SLOW)
    second.on_update(watch)
    while first.progress is None and not first.done():
        time.sleep(0.02)
    assert second.state == "queued"  # one worker
    jobs.set_workers(2)  # the queued job moves to a pool of two and starts beside the first
    second.result(timeout=60)
    first.result(timeout=60)
    assert most[0] == 2
    assert jobs.jobs() == []


def test_a_second_identical_render_comes_from_the_render_cache(testsrc, tmp_path):
    telemetry.reset()
    p = project(testsrc, clips=1)
    first = p.render_async(tmp_path / "a.mp4", speed="ultrafast").result(timeout=60)
    second = p.render_async(tmp_path / "b.mp4", speed="ultrafast").result(timeout=60)
    assert "served from the render cache" in second.note
    assert second.path == tmp_path / "b.mp4"
    assert second.path.read_bytes() == first.path.read_bytes()
    assert second.elapsed < first.elapsed
    counts = {r["metric"]: r["count"] for r in telemetry.report(cache=False)}
    assert counts["render.cache_hit"] == 1
    assert counts["render"] == 1  # one real render
    # Other settings, or an edited project, render again.
    third = p.render_async(tmp_path / "c.mp4", speed="ultrafast", crf=30).result(timeout=60)
    assert "render cache" not in third.note
    # The earlier output gone: render again.
    first.path.unlink()
    second.path.unlink()
    again = p.render_async(tmp_path / "d.mp4", speed="ultrafast").result(timeout=60)
    assert "render cache" not in again.note and again.path.is_file()


def test_the_job_renders_the_project_as_it_was_when_submitted(testsrc, tmp_path):
    p = project(testsrc, clips=1)
    job = p.render_async(tmp_path / "snap.mp4", speed="ultrafast")
    p.tracks[0].clips[0].duration = 1.0
    assert job.result(timeout=60).duration == pytest.approx(4.0)


def test_interrupting_result_cancels_the_job(testsrc, tmp_path, monkeypatch):
    job = project(testsrc).render_async(tmp_path / "int.mp4", **SLOW)

    def interrupted(_timeout=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(job._finished, "wait", interrupted)
    with pytest.raises(KeyboardInterrupt):
        job.result()
    monkeypatch.undo()
    with pytest.raises(RenderCancelledError):
        job.result(timeout=30)
    assert not (tmp_path / "int.mp4").exists()


def test_display_with_and_without_ipywidgets(testsrc, tmp_path, monkeypatch):
    job = project(testsrc, clips=1).render_async(tmp_path / "w.mp4", speed="ultrafast")
    job.result(timeout=60)
    bundle = job._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # as if not installed
    assert job._repr_mimebundle_() == {"text/plain": repr(job)}


def test_importing_vnb_imports_no_widgets_or_plots():
    code = (
        "import sys, vnb, vnb.render, vnb.telemetry\n"
        "heavy = ('ipywidgets', 'anywidget', 'matplotlib', 'distributed', 'dask')\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60, check=True)
    assert done.stdout.decode().strip() == "[]"


@needs_proc
def test_no_ffmpeg_outlives_the_interpreter(testsrc, tmp_path):
    script = textwrap.dedent(f"""
        import sys, threading, vnb
        from vnb import cache
        cache.configure(directory={str(tmp_path / "cache")!r})
        p = vnb.Project(name="exit", width=320, height=240, fps=30)
        v = p.add_track("video")
        for i in range(3):
            v.add_clip({str(testsrc)!r}, start=4 * i, duration=4)
        started = threading.Event()
        job = p.render_async({str(tmp_path / "exit.mp4")!r}, speed="slower", crf=5,
                             on_progress=lambda _p: started.set())
        assert started.wait(30)
        print(job.state, flush=True)
        sys.exit(0)  # no wait: atexit must stop ffmpeg
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert done.stdout.decode().strip() == "running"
    assert ffmpeg_processes(tmp_path) == []
    assert not (tmp_path / "exit.mp4").exists()
    assert not list(tmp_path.glob(".exit.mp4.*"))


def test_the_render_key_follows_files_and_custom_effects(testsrc, tmp_path):
    from vnb.render.rendercache import render_key

    def invert(frame, t):
        frame[..., :3] = 255 - frame[..., :3]
        return frame

    p = project(testsrc, clips=1)
    plain = render_key(p, speed="ultrafast")
    assert render_key(p, speed="ultrafast", on_progress=print) == plain  # run options ignored
    assert render_key(p, speed="veryfast") != plain
    vnb.effects.python_effect(invert, name="keytest", version="1")
    p.tracks[0].clips[0].effects.append(vnb.effects.Effect(name="py:keytest"))
    one = render_key(p, speed="ultrafast")
    vnb.effects.python_effect(invert, name="keytest", version="2")  # same name, new code
    assert render_key(p, speed="ultrafast") != one
    copy = tmp_path / "copy.mp4"
    copy.write_bytes(testsrc.read_bytes())
    q = project(copy, clips=1)
    before = render_key(q)
    os.utime(copy, ns=(0, 0))  # the source file changed
    assert render_key(q) != before
