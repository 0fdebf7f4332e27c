"""The cost half of `animation_bench.py`: one edit rendered static and animated, and previewed.

The edit (``EditSize`` sets the canvas and the length; 1920×1080, 6 s in a full run):

- track 1: ``testsrc2`` at the canvas size with a 440 Hz tone (H.264 CRF 18, GOP 60);
- track 2: a picture in picture, ``testsrc`` at half the canvas size (960×540), fitted to the
  canvas and scaled: static at scale 0.45, W/5 right of and H/5 above the centre; animated from
  (-W/5, H/6) at scale 0.35 to (W/5, -H/6) at 0.55, ``ease_in_out`` (it moves and grows);
- a title "vnb animation" (DejaVu Sans, H/15 px, centred) over the whole edit: static, or with
  opacity 0 → 1 → 1 → 0 (the first and last sixth) and rising H/20 px into place (``ease_out``).

Renders use libx264 ``fast`` CRF 20, AAC 192 kb/s, ``smart=False``; rounds interleave the
renderers and the best wall time (and the best CPU time: this process and its children)
counts. The hand-written ffmpeg command and MoviePy draw the same animated edit their usual
way (whole-pixel positions: they are not held to vnb's smoothness).
"""

from __future__ import annotations

import resource
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import av
from media import ROOT, make_media, run_ffmpeg

import vnb

__all__ = ["Cost", "EditSize", "measure_costs"]

FPS = 30
FONT = ROOT / "vnb" / "fonts" / "DejaVuSans.ttf"
TITLE = "vnb animation"
RENDER_GOAL = 1.15
"""Animated render / static render, at most."""
PREVIEW_GOAL = 1.2
"""Animated frame_at / static frame_at, at most."""


@dataclass(frozen=True, slots=True)
class EditSize:
    """Canvas, length and the number of previewed frames of the edit."""

    canvas: tuple[int, int]
    seconds: float
    preview_frames: int

    @property
    def frames(self) -> int:
        return round(self.seconds * FPS)


def _cpu() -> float:
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def sources(out: Path, size: EditSize) -> tuple[Path, Path]:
    """The base (with sound) and the picture in picture (silent, half size), made once."""
    (w, h), d = size.canvas, size.seconds
    folder = out / "media"
    base = make_media(
        folder, f"anim_base_{w}x{h}_{d:g}s.mp4",
        video=f"testsrc2=s={w}x{h}:r={FPS}:d={d}", audio=f"sine=f=440:r=48000:d={d}",
        crf=18, preset="veryfast", gop=60, timeout=None,
    )  # fmt: skip
    pip = make_media(
        folder, f"anim_pip_{w // 2}x{h // 2}_{d:g}s.mp4",
        video=f"testsrc=s={w // 2}x{h // 2}:r={FPS}:d={d}", audio=None,
        crf=18, preset="veryfast", gop=60, timeout=None,
    )  # fmt: skip
    return base, pip


# The animated move, as Python numbers (MoviePy) and as ffmpeg formulas of ``t``.
def ease_in_out(p: float) -> float:
    p = min(1.0, max(0.0, p))
    return 4 * p**3 if p < 0.5 else 1 - (2 - 2 * p) ** 3 / 2


def ease_out(p: float) -> float:
    return 1 - (1 - min(1.0, max(0.0, p))) ** 3


def _ffmpeg_ease_in_out(p: str) -> str:
    return f"if(lt({p},0.5),4*pow({p},3),1-pow(2-2*{p},3)/2)"


def project(base: Path, pip: Path, size: EditSize, *, animated: bool) -> vnb.Project:
    (w, h), d = size.canvas, size.seconds
    p = vnb.Project(name="anim-cost", width=w, height=h, fps=FPS)
    p.add_track("video").add_clip(str(base), duration=d)
    c = p.add_track("video").add_clip(str(pip), duration=d)
    title = p.add_title(TITLE, start=0, duration=d, font=str(FONT), size=h // 15)
    if not animated:
        c.transform.scale, c.transform.x, c.transform.y = 0.45, w / 5, -h / 5
        return p
    c.animate("transform.x", {0: -w / 5, d: w / 5}, easing="ease_in_out")
    c.animate("transform.y", {0: h / 6, d: -h / 6}, easing="ease_in_out")
    c.animate("transform.scale", {0: 0.35, d: 0.55}, easing="ease_in_out")
    title.animate("opacity", {0: 0.0, d / 6: 1.0, 5 * d / 6: 1.0, d: 0.0})
    title.animate("y", {0: h / 20, d / 6: 0.0}, easing="ease_out")
    return p


def title_png(path: Path, size: EditSize) -> Path:
    """The title rasterised once with Pillow, as the hand-written command overlays it."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), size.canvas[1] // 15)
    ascent, descent = font.getmetrics()
    image = Image.new(
        "RGBA", (int(font.getlength(TITLE)) + 2, ascent + descent), (255, 255, 255, 0)
    )
    ImageDraw.Draw(image).text((1, 0), TITLE, font=font, fill=(255, 255, 255, 255))
    image.save(path)
    return path


def handwritten(base: Path, pip: Path, out: Path, size: EditSize) -> list[str]:
    """The animated edit as one ffmpeg command: per-frame ``scale`` and ``overlay`` formulas."""
    (w, h), d = size.canvas, size.seconds
    png = title_png(out.with_suffix(".title.png"), size)
    e = _ffmpeg_ease_in_out(f"(t/{d})")
    s = f"(0.35+0.2*{e})"
    rise = f"{h / 20}*pow(1-min(t/{d / 6},1),3)"
    graph = ";".join([
        f"[1:v]scale=w='2*round({w}*{s}/2)':h='2*round({h}*{s}/2)':eval=frame[pip]",
        f"[0:v][pip]overlay=x='(W-w)/2+{-w / 5}+{2 * w / 5}*{e}':"
        f"y='(H-h)/2+{h / 6}-{h / 3}*{e}':eval=frame[v1]",
        f"[2:v]format=yuva420p,fade=t=in:st=0:d={d / 6}:alpha=1,"
        f"fade=t=out:st={5 * d / 6}:d={d / 6}:alpha=1[title]",
        f"[v1][title]overlay=x=(W-w)/2:y='(H-h)/2+{rise}':eval=frame,format=yuv420p[v]",
    ])  # fmt: skip
    return [
        "-i", str(base), "-i", str(pip),
        "-loop", "1", "-framerate", str(FPS), "-t", str(d), "-i", str(png),
        "-filter_complex", graph, "-map", "[v]", "-map", "0:a",
        "-c:v", "libx264", "-preset", "fast", "-crf", "20", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "192k", "-t", str(d), str(out),
    ]  # fmt: skip


def run_moviepy(base: Path, pip: Path, out: Path, size: EditSize) -> None:
    from moviepy import CompositeVideoClip, TextClip, VideoFileClip, vfx

    (w, h), d = size.canvas, size.seconds

    def scale(t: float) -> float:
        return 0.35 + 0.2 * ease_in_out(t / d)

    def where(t: float) -> tuple[float, float]:
        e, s = ease_in_out(t / d), scale(t)
        return w / 2 - w / 5 + 2 * w / 5 * e - w * s / 2, h / 2 + h / 6 - h / 3 * e - h * s / 2

    bottom = VideoFileClip(str(base))
    top = VideoFileClip(str(pip), audio=False)
    moving = top.resized(lambda t: 2 * scale(t)).with_position(where)
    text = TextClip(font=str(FONT), text=TITLE, font_size=h // 15, color="white")
    ty = (h - text.h) / 2
    text = (
        text.with_duration(d)
        .with_effects([vfx.CrossFadeIn(d / 6), vfx.CrossFadeOut(d / 6)])
        .with_position(lambda t: ("center", ty + h / 20 * (1 - ease_out(t / (d / 6)))))
    )
    video = CompositeVideoClip([bottom, moving, text], size=(w, h)).with_duration(d)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*bytes wanted but 0 bytes read")
            video.write_videofile(
                str(out), fps=FPS, codec="libx264", preset="fast", audio_codec="aac",
                audio_bitrate="192k", pixel_format="yuv420p", ffmpeg_params=["-crf", "20"],
                logger=None,
            )  # fmt: skip
    finally:
        video.close()
        bottom.close()
        top.close()


@dataclass(slots=True)
class Run:
    """Timings of one renderer (or one preview), every round."""

    name: str
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    frames: int = 0

    @property
    def best(self) -> float:
        return min(self.wall)

    def as_json(self) -> dict[str, object]:
        return {"wall_s": self.wall, "cpu_s": self.cpu, "best_wall_s": self.best,
                "best_cpu_s": min(self.cpu), "frames": self.frames}  # fmt: skip


@dataclass(slots=True)
class Cost:
    """Everything `measure_costs` measured."""

    size: EditSize
    renders: dict[str, Run]
    previews: dict[str, Run]
    """Per-frame wall and CPU time of ``frame_at``, seconds (the best round's frames)."""

    def ratio(self, a: str, b: str, *, preview: bool = False) -> tuple[float, float] | None:
        runs = self.previews if preview else self.renders
        if a not in runs or b not in runs:
            return None
        if preview:
            ra, rb = runs[a], runs[b]
            return (statistics.median(ra.wall) / statistics.median(rb.wall),
                    statistics.median(ra.cpu) / statistics.median(rb.cpu))  # fmt: skip
        return runs[a].best / runs[b].best, min(runs[a].cpu) / min(runs[b].cpu)

    def ratios(self) -> dict[str, tuple[float, float] | None]:
        return {
            "animated/static render": self.ratio("vnb animated", "vnb static"),
            "animated/static frame_at": self.ratio("animated", "static", preview=True),
            "vnb/ffmpeg animated render": self.ratio("vnb animated", "ffmpeg animated"),
            "moviepy/vnb animated render": self.ratio("moviepy animated", "vnb animated"),
        }

    def missed(self) -> list[str]:
        render = self.ratios()["animated/static render"]
        preview = self.ratios()["animated/static frame_at"]
        out = []
        if render is not None and render[0] > RENDER_GOAL:
            out.append("animated/static render")
        if preview is not None and preview[0] > PREVIEW_GOAL:
            out.append("animated/static frame_at")
        return out

    def table(self) -> str:
        (w, h), d = self.size.canvas, self.size.seconds
        lines = [
            f"\ncost: edit {w}x{h} {d:g} s = {self.size.frames} frames (base + picture in "
            f"picture + title), libx264 fast crf 20",
            f"{'render':<24} {'best wall s':>11} {'best cpu s':>10} {'frames':>6}"
            "  wall s of each round",
        ]
        for r in self.renders.values():
            runs = " ".join(f"{t:.2f}" for t in r.wall)
            lines.append(f"{r.name:<24} {r.best:11.2f} {min(r.cpu):10.2f} {r.frames:6d}  {runs}")
        lines.append(
            f"{'frame_at, cache=False':<24} {'p50 ms':>11} {'cpu p50 ms':>10} {'frames':>6}"
        )
        for r in self.previews.values():
            lines.append(
                f"{r.name:<24} {1000 * statistics.median(r.wall):11.1f} "
                f"{1000 * statistics.median(r.cpu):10.1f} {r.frames:6d}"
            )
        goals = {"animated/static render": RENDER_GOAL, "animated/static frame_at": PREVIEW_GOAL}
        for name, value in self.ratios().items():
            if value is None:
                lines.append(f"ratio {name}: skipped")
                continue
            goal = goals.get(name)
            verdict = (
                ""
                if goal is None
                else f" (goal <= {goal}: {'met' if value[0] <= goal else 'MISSED'})"
            )
            lines.append(f"ratio {name}: {value[0]:.3f} wall, {value[1]:.3f} cpu{verdict}")
        return "\n".join(lines)

    def as_json(self) -> dict[str, object]:
        return {
            "canvas": list(self.size.canvas), "seconds": self.size.seconds,
            "frames": self.size.frames,
            "renders": {k: v.as_json() for k, v in self.renders.items()},
            "frame_at": {k: {"p50_ms": 1000 * statistics.median(v.wall),
                             "cpu_p50_ms": 1000 * statistics.median(v.cpu), "frames": v.frames}
                         for k, v in self.previews.items()},
            "ratios": {k: None if v is None else {"wall": v[0], "cpu": v[1]}
                       for k, v in self.ratios().items()},
            "goals": {"render": RENDER_GOAL, "frame_at": PREVIEW_GOAL},
            "missed": self.missed(),
        }  # fmt: skip


def count_frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.demux(video=0) if _.size)


def time_previews(projects: dict[str, vnb.Project], size: EditSize, repeat: int) -> dict[str, Run]:
    """``frame_at(cache=False)`` over consecutive frames; per frame, the best round's."""
    from vnb.preview import frame_at

    best: dict[str, Run] = {}
    n = min(size.preview_frames, size.frames - 1)
    for _ in range(repeat):
        for name, p in projects.items():
            frame_at(p, 0.0, cache=False, proxies=False)  # opens the decoders, untimed
            run = Run(name, frames=n)
            for k in range(1, n + 1):
                cpu, started = time.process_time(), time.perf_counter()
                frame_at(p, k / FPS, cache=False, proxies=False)
                run.wall.append(time.perf_counter() - started)
                run.cpu.append(time.process_time() - cpu)
            if name not in best or sum(run.wall) < sum(best[name].wall):
                best[name] = run
    return best


def measure_costs(out: Path, folder: Path, size: EditSize, *, repeat: int, moviepy: bool) -> Cost:
    base, pip = sources(out, size)
    static = project(base, pip, size, animated=False)
    animated = project(base, pip, size, animated=True)
    options = {"crf": 20, "speed": "fast", "audio_codec": "aac", "audio_bitrate": 192_000,
               "smart": False, "progress_bar": False}  # fmt: skip
    renderers: dict[str, Callable[[Path], object]] = {
        "vnb static": lambda o: static.render(o, **options),
        "vnb animated": lambda o: animated.render(o, **options),
        "ffmpeg animated": lambda o: run_ffmpeg(*handwritten(base, pip, o, size), timeout=None),
    }
    if moviepy:
        renderers["moviepy animated"] = lambda o: run_moviepy(base, pip, o, size)
    runs = {name: Run(name) for name in renderers}
    for round_ in range(repeat):
        for name, render in renderers.items():
            path = folder / f"{name.replace(' ', '-')}.mp4"
            path.unlink(missing_ok=True)
            cpu, started = _cpu(), time.perf_counter()
            render(path)
            runs[name].wall.append(time.perf_counter() - started)
            runs[name].cpu.append(_cpu() - cpu)
            runs[name].frames = count_frames(path)
            print(f"  round {round_ + 1}: {name}: {runs[name].wall[-1]:.2f} s", flush=True)
            if runs[name].frames != size.frames:
                msg = f"{name}: {path} has {runs[name].frames} frames, expected {size.frames}"
                raise RuntimeError(msg)
    previews = time_previews({"static": static, "animated": animated}, size, repeat)
    return Cost(size, runs, previews)
