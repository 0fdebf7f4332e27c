"""A render's output never destroys anything: not an input, not the project, not a non-file.

Every test renders for real (ffmpeg, small lavfi media) onto something that must survive, then
checks that it is byte for byte (or kind for kind) what it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import vnb
from vnb import cache
from vnb.errors import RenderError, VnbError
from vnb.render import jobs

QUICK = {"progress_bar": False, "speed": "ultrafast"}


@pytest.fixture(autouse=True)
def tmp_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("VNB_CACHE_DIR", str(tmp_path / "cache"))  # render_many's workers
    cache.configure(directory=tmp_path / "cache")
    yield
    jobs.cancel_all(wait=10)
    cache.configure()


@pytest.fixture
def dev_null():
    """``os.stat("/dev/null")``; should a render replace the device, put it back and fail.

    Before this fix a render as root renamed its output over ``/dev/null``: the machine then
    has a regular file there until someone recreates the device, which this fixture does.
    """
    null = os.stat("/dev/null")
    yield null
    now = os.lstat("/dev/null")
    if not stat.S_ISCHR(now.st_mode) and stat.S_ISCHR(null.st_mode) and os.geteuid() == 0:
        spare = "/dev/.null.vnb-test"
        os.mknod(spare, stat.S_IFCHR | 0o600, null.st_rdev)
        os.chmod(spare, stat.S_IMODE(null.st_mode))  # not subject to the umask
        os.replace(spare, "/dev/null")
        pytest.fail("a render replaced /dev/null with a regular file (the device was restored)")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def src(testsrc: Path, tmp_path: Path) -> Path:
    """A private copy of testsrc (H.264, GOP 60, 4 s): a render may try to destroy it."""
    path = tmp_path / "src.mp4"
    shutil.copyfile(testsrc, path)
    return path


def cuts(source: str | Path) -> vnb.Project:
    """A cuts-only edit of ``source`` (smart render copies all of it)."""
    p = vnb.Project(name="safety", width=320, height=240, fps=30)
    v = p.add_track("video")
    v.add_clip(str(source), start=0, source_start=0, duration=2)
    v.add_clip(str(source), start=2, source_start=2, duration=2)
    return p


def refused(call, guarded: Path, match: str) -> None:
    """``call()`` raises a RenderError matching ``match`` and ``guarded`` is unchanged."""
    before = digest(guarded)
    with pytest.raises(RenderError, match=match):
        call()
    assert digest(guarded) == before


# -- 1. an input is never replaced ----------------------------------------------------------


@pytest.mark.parametrize("smart", [True, False])
def test_render_onto_a_clip_source_is_refused_naming_the_clip(src: Path, smart: bool) -> None:
    p = cuts(src)
    a, b = (c.id for c in p.tracks[0].clips)
    refused(
        lambda: p.render(src, smart=smart, **QUICK),
        src,
        f"that file is the source of clip '{a}', the source of clip '{b}';",
    )


def test_the_same_file_by_another_name_is_refused(src: Path, tmp_path: Path, monkeypatch) -> None:
    """``./name``, a name relative to the project's folder, a symlink and a hard link."""
    folder = tmp_path / "proj"
    folder.mkdir()
    shutil.move(src, folder / "a.mp4")
    monkeypatch.chdir(folder)
    cuts("a.mp4").save("p.vnb.json")
    p = vnb.load(folder / "p.vnb.json")
    assert p.tracks[0].clips[0].source == "a.mp4"  # relative: against the project's folder
    os.symlink(folder / "a.mp4", tmp_path / "link.mp4")
    os.link(folder / "a.mp4", tmp_path / "hard.mp4")
    guarded = folder / "a.mp4"
    for name in ("./a.mp4", "a.mp4", "../proj/a.mp4", str(guarded)):
        refused(lambda name=name: p.render(name, **QUICK), guarded, "the source of clip 'c1'")
    monkeypatch.chdir(tmp_path)  # elsewhere: the project still reads proj/a.mp4
    refused(lambda: p.render("proj/a.mp4", **QUICK), guarded, "the source of clip 'c1'")
    refused(lambda: p.render("link.mp4", **QUICK), guarded, "the source of clip 'c1'")
    refused(lambda: p.render("hard.mp4", **QUICK), guarded, "the source of clip 'c1'")
    assert (tmp_path / "link.mp4").is_symlink()


def test_subtitle_file_font_and_audio_source_are_protected(src: Path, tmp_path: Path) -> None:
    from vnb.text.fonts import find_font

    srt = tmp_path / "subs.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nHello\n", encoding="utf-8")
    font = tmp_path / "my font.ttf"
    shutil.copyfile(find_font(None), font)
    sound = tmp_path / "sound.mp4"
    shutil.copyfile(src, sound)
    p = cuts(src)
    p.add_title("Hi", start=0, duration=1, font=str(font))
    p.add_track("text").add_subtitles(str(srt))
    p.add_track("audio").add_clip(str(sound), start=0, duration=2)
    refused(lambda: p.render(srt, **QUICK), srt, r"the file of subtitles '\w+'")
    refused(lambda: p.render(font, **QUICK), font, r"the font of title '\w+'")
    refused(lambda: p.render(sound, **QUICK), sound, r"the source of clip 'c\d+'")


def test_a_pre_rendered_intermediate_is_protected(src: Path, tmp_path: Path) -> None:
    from vnb.media import plan_project
    from vnb.render.prerender import jobs_for

    @vnb.effects.python_effect
    def invert(frame, t):
        frame[..., :3] = 255 - frame[..., :3]
        return frame

    p = vnb.Project(name="pre", width=320, height=240, fps=30)
    p.add_track("video").add_clip(str(src), start=0, duration=1).effects.append(invert())
    p.render(tmp_path / "first.mp4", **QUICK)
    (job,) = jobs_for(plan_project(p))
    assert job.path.is_file()
    refused(lambda: p.render(job.path, **QUICK), job.path, r"the source of clip 'c\d+'")


# -- 2. the project's own document ------------------------------------------------------------


def test_render_onto_the_project_file_is_refused(src: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    p = cuts(src)
    p.save("proj.vnb.json")
    refused(
        lambda: p.render("proj.vnb.json", **QUICK),
        tmp_path / "proj.vnb.json",
        "the project's own file",
    )
    q = vnb.load("proj.vnb.json")
    refused(
        lambda: q.render("./proj.vnb.json", **QUICK),
        tmp_path / "proj.vnb.json",
        "the project's own file",
    )
    assert vnb.load("proj.vnb.json").to_json() == p.to_json()


# -- the other ways to render: async, batch, the render cache, the command line --------------


def test_render_async_and_the_render_cache_refuse_an_input(src: Path, tmp_path: Path) -> None:
    from vnb.render.rendercache import cached_render

    p = cuts(src)
    job = p.render_async(src, **QUICK)
    refused(lambda: job.result(timeout=120), src, r"the source of clip 'c\d+'")
    assert job.state == "failed"
    done = cached_render(p, tmp_path / "out.mp4", **QUICK)
    assert done.path.is_file()
    # The same content again is a cache hit, which would link out.mp4 over the source.
    refused(lambda: cached_render(p, src, **QUICK), src, r"the source of clip 'c\d+'")
    assert cached_render(p, tmp_path / "again.mp4", **QUICK).note.endswith(
        f"(a copy of {tmp_path / 'out.mp4'})"
    )


def test_render_many_refuses_an_input_and_a_project_file(src: Path, tmp_path: Path) -> None:
    p = cuts(src)
    p.save(tmp_path / "a.vnb.json")
    before = digest(src), digest(tmp_path / "a.vnb.json")
    results = vnb.render_many(
        [p, tmp_path / "a.vnb.json"],
        [src, tmp_path / "b.mp4"],
        workers=1,
        progress_bar=False,
        speed="ultrafast",
    )
    assert not results[0].ok
    assert "RenderError" in results[0].error
    assert "the source of clip 'c1', the source of clip 'c2'" in results[0].error
    assert results[1].ok
    with pytest.raises(RenderError, match=r"a\.vnb\.json.*project"):
        vnb.render_many([p], [tmp_path / "a.vnb.json"], workers=1, progress_bar=False)
    assert (digest(src), digest(tmp_path / "a.vnb.json")) == before


def run_cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VNB_CACHE_DIR": str(cwd / "cli-cache")}
    return subprocess.run(
        [sys.executable, "-m", "vnb", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=env,
        check=False,
    )


def test_cli_render_onto_a_source_or_dev_null_is_one_line_and_fails(
    src: Path, tmp_path: Path, dev_null: os.stat_result
) -> None:
    cuts(src).save(tmp_path / "proj.vnb.json")
    before = digest(src)
    null = dev_null
    for target in (src, "./src.mp4", "/dev/null", "proj.vnb.json"):
        done = run_cli("render", "proj.vnb.json", target, "--quiet", cwd=tmp_path)
        assert done.returncode != 0, done
        assert "Traceback" not in done.stderr + done.stdout
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        assert "cannot render to" in lines[0]
    assert digest(src) == before
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (null.st_ino, null.st_rdev)


# -- 3. only a regular file is ever replaced ---------------------------------------------------


def test_dev_null_is_refused_and_stays_a_device(src: Path, dev_null: os.stat_result) -> None:
    null = dev_null
    with pytest.raises(RenderError, match="/dev/null: it is a character device"):
        cuts(src).render("/dev/null", **QUICK)
    with pytest.raises(RenderError, match="character device"):
        cuts(src).render_async("/dev/null", **QUICK).result(timeout=120)
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (null.st_ino, null.st_rdev)
    with open("/dev/null", "wb") as sink:  # still the device
        assert sink.write(b"x") == 1


def test_fifo_folder_socket_and_symlink_targets_are_refused(src: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    folder = tmp_path / "out.dir"
    folder.mkdir()
    (folder / "keep.txt").write_text("keep", encoding="utf-8")
    sock_path = tmp_path / "out.sock"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    other = tmp_path / "other.mp4"
    other.write_bytes(b"not an input")
    link = tmp_path / "link.mp4"
    link.symlink_to(other)
    p = cuts(src)
    try:
        for target, kind in (
            (fifo, "a FIFO"),
            (folder, "unknown extension '.dir'"),  # a folder takes PNG frames only
            (sock_path, "a socket"),
            (link, "a symbolic link"),
        ):
            with pytest.raises(VnbError, match=kind):
                p.render(target, **QUICK)
            with pytest.raises(VnbError, match=kind):
                p.render(target, smart=False, **QUICK)
    finally:
        sock.close()
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert (folder / "keep.txt").read_text(encoding="utf-8") == "keep"
    assert stat.S_ISSOCK(sock_path.lstat().st_mode)
    assert link.is_symlink()
    assert other.read_bytes() == b"not an input"


def test_a_fifo_that_appears_during_the_render_is_not_replaced(src: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.mp4"
    made: list[bool] = []

    def swap(progress) -> None:
        if not made:
            os.mkfifo(target)
            made.append(True)

    with pytest.raises(RenderError, match="it is a FIFO"):
        cuts(src).render(target, smart=False, on_progress=swap, **QUICK)
    assert made
    assert stat.S_ISFIFO(target.lstat().st_mode)
    assert not list(tmp_path.glob(".out.mp4.*.part"))


def test_a_regular_file_is_still_replaced(src: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.mp4"
    target.write_bytes(b"old")
    result = cuts(src).render(target, **QUICK)
    assert result.path == target
    assert target.stat().st_size > 1000


# -- 4. stale .part files of killed renders ----------------------------------------------------


def dead_pid() -> int:
    """The id of a process that has exited and been reaped."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_parts_of_dead_processes_are_swept_and_nothing_else(
    src: Path, tmp_path: Path
) -> None:
    from vnb.ffmpeg.outputs import _host_tag

    dead = dead_pid()
    here = f"{_host_tag()}89abcdef"  # this host's tag and 8 random digits
    elsewhere = f"{int(_host_tag(), 16) ^ 1:04x}89abcdef"
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale = tmp_path / f".out.mp4.{dead}.{here}.part"
        stale_other = tmp_path / f".other.v2.mov.{dead}.{here}.part"
        kept = {
            tmp_path / f".out.mp4.{live.pid}.{here}.part": "a live process's render",
            tmp_path / f".out.mp4.{os.getpid()}.{here}.part": "this process's render",
            tmp_path / f".out.mp4.{dead}.{elsewhere}.part": "another machine's render",
            tmp_path / f".out.mp4.{here}.part": "no pid",
            tmp_path / f"out.mp4.{dead}.{here}.part": "not hidden",
            tmp_path / f".out.mp4.{dead}.{here.upper()}.part": "upper-case hex",
            tmp_path / f".out.mp4.{dead}.{here}.partial": "another suffix",
            tmp_path / f".out.mp4.{dead}.{here[:8]}.part": "short hex",
            tmp_path / f".out.mp4.{dead}.{here}.part.bak": "more after .part",
            tmp_path / "notes.part": "unrelated",
        }
        for path in [stale, stale_other, *kept]:
            path.write_bytes(b"x")
        (tmp_path / f".dir.{dead}.{here}.part").mkdir()  # not a file: kept
        cuts(src).render(tmp_path / "out.mp4", **QUICK)
        assert not stale.exists()
        assert not stale_other.exists()
        for path, why in kept.items():
            assert path.exists(), why
        assert (tmp_path / f".dir.{dead}.{here}.part").is_dir()
    finally:
        live.kill()
        live.wait()


def test_part_names_carry_the_pid_and_are_swept_only_when_it_is_gone(tmp_path: Path) -> None:
    from vnb.ffmpeg.outputs import part_name, sweep_parts

    name = part_name(tmp_path / "x.mp4")
    assert name.name.startswith(f".x.mp4.{os.getpid()}.")
    name.write_bytes(b"x")
    assert sweep_parts(tmp_path) == []
    assert name.exists()


def test_a_render_killed_with_sigkill_leaves_a_part_the_next_render_sweeps(
    src: Path, tmp_path: Path
) -> None:
    long = tmp_path / "long.vnb.json"
    p = vnb.Project(name="long", width=320, height=240, fps=30)
    v = p.add_track("video")
    for i in range(30):  # 2 minutes of slow encoding: it is killed long before it ends
        v.add_clip(str(src), start=4 * i, duration=4)
    p.save(long)
    script = textwrap.dedent(f"""
        import vnb
        vnb.load({str(long)!r}).render({str(tmp_path / "out.mp4")!r}, smart=False,
                                       progress_bar=False, speed="slower", crf=0)
    """)
    env = {**os.environ, "VNB_CACHE_DIR": str(tmp_path / "child-cache")}
    child = subprocess.Popen([sys.executable, "-c", script], env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        parts: list[Path] = []
        while time.monotonic() < deadline and not any(p.stat().st_size for p in parts):
            time.sleep(0.2)
            parts = list(tmp_path.glob(".out.mp4.*.part"))
            assert child.poll() is None, "the render ended before it could be killed"
        assert len(parts) == 1
        assert parts[0].name.startswith(f".out.mp4.{child.pid}.")
    finally:
        os.killpg(child.pid, signal.SIGKILL)  # python and its ffmpeg, as kill -9 would
        child.wait()
    time.sleep(0.2)
    assert parts[0].exists()  # left behind by the killed process
    cuts(src).render(tmp_path / "short.mp4", **QUICK)  # another render into that folder
    assert not parts[0].exists()
    assert not list(tmp_path.glob(".*.part"))


# -- 5. smart= through render_async and render_many --------------------------------------------


def test_render_async_and_render_many_take_smart(src: Path, tmp_path: Path) -> None:
    p = cuts(src)
    on = p.render_async(tmp_path / "on.mp4", smart=True, **QUICK).result(timeout=120)
    assert on.smart
    assert on.frames_copied == 120
    off = p.render_async(tmp_path / "off.mp4", smart=False, **QUICK).result(timeout=120)
    assert not off.smart
    assert off.smart_note == "smart render was turned off"
    outcomes = vnb.render_many(
        [p, p],
        [tmp_path / "many-off.mp4", tmp_path / "many-on.mp4"],
        workers=1,
        progress_bar=False,
        speed="ultrafast",
        smart=False,
    )
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert not any(o.result.smart for o in outcomes)
    assert outcomes[0].result.smart_note == "smart render was turned off"
    (again,) = vnb.render_many([p], [tmp_path / "many.mp4"], workers=1, progress_bar=False)
    assert again.ok, again.error
    assert again.result.smart


def test_smart_false_after_a_smart_render_is_not_a_cache_hit(src: Path, tmp_path: Path) -> None:
    import av

    p = cuts(src)
    p.render_async(tmp_path / "a.mp4", **QUICK).result(timeout=120)
    off = p.render_async(tmp_path / "b.mp4", smart=False, **QUICK).result(timeout=120)
    assert not off.smart
    assert "render cache" not in off.note
    with av.open(str(tmp_path / "b.mp4")) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(frames) == 120
    assert np.mean(frames[0]) > 10
