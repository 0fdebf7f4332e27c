"""The demo: sample media made with ffmpeg's own sources, and an edit that shows vnb off."""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

from vnb import effects
from vnb.errors import RenderError
from vnb.ffmpeg.binary import find_ffmpeg
from vnb.project import Project

__all__ = ["demo_project", "make_demo_media"]

_SOURCES = {
    "bars.mp4": ("testsrc2=s=1280x720:r=30:d=5", "sine=f=440:d=5:sample_rate=48000"),
    "life.mp4": (
        "life=s=640x360:mold=10:r=30:ratio=0.1:death_color=#203050:life_color=#50E0A0,"
        "scale=1280:720:flags=neighbor",
        "sine=f=660:d=5:sample_rate=48000",
    ),
    "fractal.mp4": ("mandelbrot=s=1280x720:r=30", "sine=f=550:d=5:sample_rate=48000"),
}


def make_demo_media(folder: str | Path, seconds: float = 5.0) -> dict[str, Path]:
    """Make the demo's source clips in ``folder`` (kept if already there).

    Raises:
        RenderError: ffmpeg failed.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    made: dict[str, Path] = {}
    for name, (video, audio) in _SOURCES.items():
        path = out / name
        made[name] = path
        if path.exists():
            continue
        argv = [
            find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
            "-f", "lavfi", "-i", video, "-f", "lavfi", "-i", audio,
            "-t", f"{seconds:g}", "-c:v", "libx264", "-preset", "veryfast", "-g", "60",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path),
        ]  # fmt: skip
        done = subprocess.run(argv, capture_output=True, check=False)
        if done.returncode != 0:
            msg = f"could not make demo media {name}"
            raise RenderError(
                msg,
                argv=argv,
                returncode=done.returncode,
                stderr_tail=done.stderr.decode(errors="replace")[-2000:],
            )
    return made


def demo_project(folder: str | Path) -> Project:
    """An 11-second edit of the demo media, saved as ``folder/demo.vnb.json``.

    Three clips joined by transitions, effects, a picture-in-picture, a title and subtitles.
    """
    media = make_demo_media(folder)
    p = Project(name="vnb demo", width=1280, height=720, fps=Fraction(30))
    p.save(Path(folder) / "demo.vnb.json")  # sources are named relative to the project file
    v = p.add_track("video", "main")
    a = v.add_clip(media["bars.mp4"].name, start=0, duration=4.5)
    b = v.add_clip(media["life.mp4"].name, start=4.5, duration=4.5)
    c = v.add_clip(media["fractal.mp4"].name, start=9.0, duration=4.0, fade_out=1.0)
    v.add_transition(a, b, "crossfade", duration=1.0)
    v.add_transition(b, c, "circleopen", duration=1.0)
    b.effects += [effects.brightness(0.05), effects.contrast(1.3)]
    c.effects.append(effects.vignette())
    pip = p.add_track("video", "picture in picture")
    pip.add_clip(
        media["bars.mp4"].name,
        start=4.0,
        duration=3.0,
        volume=0.0,
        opacity=0.9,
        transform={"scale": 0.3, "x": 400, "y": -220},
        effects=[effects.grayscale()],
        fade_in=0.5,
        fade_out=0.5,
    )
    p.add_title(
        "vnb — video in a notebook", start=0.3, duration=3.0, size=72, box=True, fade_in=0.5
    )
    subs = p.add_track("text", "subtitles")
    subs.add_subtitles(
        cues=[
            {"start": 5.0, "end": 7.5, "text": "Clips, transitions and effects…"},
            {"start": 8.0, "end": 11.0, "text": "…rendered by one ffmpeg command."},
        ]
    )
    p.add_marker(4.5, "second clip")
    p.save()
    return p
