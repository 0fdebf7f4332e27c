"""Project → Plan: resolve times to frames, gaps, stacking, transitions, titles and sound.

Pure: the media facts (`MediaInfo`) and subtitle cues come in as arguments; nothing here opens
a file or starts a process.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Protocol

from vnb.errors import ProjectError
from vnb.plan.model import (
    AudioItem,
    AudioTrackPlan,
    Crossfade,
    Piece,
    Placement,
    Plan,
    TextItem,
    TextTrackPlan,
    TransitionSpan,
    VideoItem,
    VideoTrackPlan,
)
from vnb.plan.motion import Curve, Motion, curve_of, motion_of
from vnb.plan.params import param_curves
from vnb.plan.speed import speed_ramp
from vnb.plan.timeline import check_timeline, clip_frames, track_spans
from vnb.schema.color import parse_color
from vnb.schema.registry import normalize_params, spec_of
from vnb.schema.timebase import frame_to_sample, to_frame

if TYPE_CHECKING:
    from vnb.schema import Clip, Project, Title, Track, Transform
    from vnb.schema.media import MediaInfo

__all__ = ["check_timeline", "compile_plan"]


class CueLike(Protocol):
    """A subtitle cue: start and end in seconds, and its text (read-only: frozen cues fit)."""

    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def text(self) -> str: ...


def _pieces(
    items: Sequence[tuple[str, int, int]], spans: Sequence[TransitionSpan]
) -> tuple[Piece, ...]:
    span_in = {s.b: s for s in spans}
    span_out = {s.a: s for s in spans}
    out: list[Piece] = []
    cursor = 0
    for clip_id, start, end in items:
        tin, tout = span_in.get(clip_id), span_out.get(clip_id)
        if tin is None and start > cursor:
            out.append(Piece(kind="gap", start=cursor, end=start))
        body0 = tin.end if tin else start
        body1 = tout.start if tout else end
        if body1 > body0:
            out.append(Piece(kind="clip", start=body0, end=body1, item=clip_id))
        if tout is not None:
            out.append(
                Piece(
                    kind="cross",
                    start=tout.start,
                    end=tout.end,
                    item=tout.a,
                    other=tout.b,
                    transition=tout.kind,
                )
            )
        cursor = max(cursor, end)
    return tuple(out)


def _even(x: float) -> int:
    return max(2, 2 * round(x / 2))


def place(source_size: tuple[int, int], transform: Transform, canvas: tuple[int, int]) -> Placement:
    """Where a picture of ``source_size`` lands on ``canvas`` under ``transform``."""
    sw, sh = source_size
    cw, ch = canvas
    crop = None
    c = transform.crop
    if c.left or c.top or c.right or c.bottom:
        x0 = 2 * math.floor(c.left * sw / 2)
        y0 = 2 * math.floor(c.top * sh / 2)
        w = max(2, 2 * math.floor((sw - x0 - c.right * sw) / 2))
        h = max(2, 2 * math.floor((sh - y0 - c.bottom * sh) / 2))
        crop = (x0, y0, w, h)
        sw, sh = w, h
    if transform.fit == "stretch":
        sx, sy = cw / sw, ch / sh
    else:
        s = min(cw / sw, ch / sh) if transform.fit == "fit" else max(cw / sw, ch / sh)
        sx = sy = s
    w = _even(sw * sx * transform.scale)
    h = _even(sh * sy * transform.scale)
    x = 2 * math.floor((cw / 2 + transform.x - w / 2) / 2)  # 4:2:0 pictures sit at even places
    y = 2 * math.floor((ch / 2 + transform.y - h / 2) / 2)
    rotation = transform.rotation % 360
    covers = (x, y, w, h) == (0, 0, cw, ch) and rotation == 0
    return Placement(crop=crop, width=w, height=h, x=x, y=y, rotation=rotation, covers=covers)


MOTION_PATHS = ("transform.x", "transform.y", "transform.scale", "transform.rotation", "opacity")
"""The animated paths that make a clip's picture a `vnb.plan.motion.Motion`."""


def _curve(item: Clip | Title, path: str, static: float, fps: Fraction) -> Curve | float:
    keys = item.animations.get(path)
    if not keys:
        return static
    return curve_of([(k.t, k.value, k.easing) for k in keys], fps)


def _moving(
    clip: Clip, size: tuple[int, int], canvas: tuple[int, int], fps: Fraction, where: str
) -> tuple[Motion, Placement]:
    """The motion of an animated clip, and its placement: its picture at its largest scale."""
    tr = clip.transform
    still = place(size, tr.model_copy(update={"scale": 1.0, "x": 0.0, "y": 0.0}), canvas)
    values = {
        name: _curve(clip, f"transform.{name}", getattr(tr, name), fps)
        for name in ("x", "y", "scale", "rotation")
    }
    values["opacity"] = _curve(clip, "opacity", 1.0, fps)  # static opacity: `VideoItem.opacity`
    cw, ch = canvas
    motion, (pw, ph) = motion_of(
        values, base=(still.width, still.height), centre=(cw / 2, ch / 2), canvas=canvas,
        where=where,
    )  # fmt: skip
    placement = Placement(
        crop=still.crop, width=pw, height=ph, x=0, y=0, rotation=0.0, covers=False
    )
    return motion, placement


def _text_animation(title: Title, fps: Fraction) -> tuple[tuple[str, Curve | float], ...]:
    values = tuple(
        (name, _curve(title, name, getattr(title, name), fps))
        for name in ("x", "y", "scale", "opacity")
    )
    defaults = {"x": 0.0, "y": 0.0, "scale": 1.0, "opacity": 1.0}
    return values if any(v != defaults[k] for k, v in values) else ()


def _display_size(info: MediaInfo) -> tuple[int, int]:
    v = info.video
    assert v is not None  # noqa: S101 - checked by the caller
    return (v.height, v.width) if v.rotation % 180 == 90 else (v.width, v.height)


def _params(name: str, params: Mapping[str, object]) -> tuple[tuple[str, float | bool | str], ...]:
    return tuple(sorted(normalize_params(name, params).items()))


def _video_item(
    clip: Clip,
    where: str,
    project: Project,
    info: MediaInfo | None,
    *,
    upper: bool,
    problems: list[str],
) -> VideoItem | None:
    fps = project.fps
    start, end = clip_frames(clip, fps)
    canvas = (project.width, project.height)
    if clip.source is not None:
        if info is None:
            return None
        if info.video is None:
            problems.append(
                f"{where} ({clip.id!r}): {clip.source} has no picture; put it on an audio track"
            )
            return None
        size = _display_size(info)
        still, src_fps = info.is_still, info.video.fps
    else:
        size, still, src_fps = canvas, True, None
    source_start = float(to_frame(clip.source_start, fps) / fps)
    speed, ramp, played = speed_ramp(clip, fps)
    if clip.source is not None and info is not None and not still:
        # a freeze shows the clip's first frame
        needed = source_start + (float(1 / fps) * speed if clip.freeze else played)
        slack = float(1 / (src_fps or fps))
        if needed > info.duration + slack:
            problems.append(
                f"{where} ({clip.id!r}): plays {source_start:g}–{needed:g} s of {clip.source} "
                f"but the source ends at {info.duration:g} s"
            )
    placement = place(size, clip.transform, canvas)
    motion = None
    if any(path in clip.animations for path in MOTION_PATHS):
        try:
            motion, placement = _moving(clip, size, canvas, fps, f"{where} ({clip.id!r})")
        except ValueError as err:
            problems.append(str(err))
            return None
    effects = tuple((e.name, _params(e.name, e.params)) for e in clip.effects)
    keyed = any(spec_of(name).alpha for name, _ in effects)
    first = 0  # the index of the clip's first effect among the item's
    if project.overlays or project.redactions:  # detections applied to the clips of a source
        from vnb.plan.detections import clip_effects  # noqa: PLC0415 - numpy on use

        path = info.path if info is not None else None
        before, after = clip_effects(project, clip, path, source_start)
        effects = (*before, *effects, *after)
        first = len(before)
    try:
        curves = param_curves(clip, fps, first)
    except ValueError as err:
        problems.append(f"{where} {err}")
        return None
    fade_in, fade_out = to_frame(clip.fade_in, fps), to_frame(clip.fade_out, fps)
    opacity, color = clip.opacity, clip.color
    if "opacity" in clip.animations:  # the curve is the motion's; a colour's alpha stays here
        opacity = 1.0
    if color is not None:  # a translucent colour is an opaque colour at that opacity
        r, g, b, a = parse_color(color)
        opacity, color = opacity * a / 255, f"#{r:02x}{g:02x}{b:02x}"
    alpha = keyed or opacity < 1 or not placement.covers or (upper and (fade_in or fade_out) > 0)
    alpha = alpha or motion is not None
    return VideoItem(
        clip_id=clip.id,
        source=info.path if info is not None else None,
        color=color,
        still=still,
        source_size=size,
        source_fps=src_fps,
        start=start,
        end=end,
        source_start=source_start,
        speed=speed,
        placement=placement,
        opacity=opacity,
        effects=effects,
        fade_in=fade_in,
        fade_out=fade_out,
        alpha=alpha,
        keyed=keyed,
        source_duration=info.duration if info is not None and not still else math.inf,
        reverse=clip.reverse,
        freeze=clip.freeze,
        motion=motion,
        ramp=() if clip.freeze else ramp,
        param_curves=curves,
    )


def _sound_end(info: MediaInfo | None) -> float:
    if info is None or info.audio is None:
        return 0.0
    return info.audio.duration or info.duration or math.inf


def _check_sound_end(
    clip: Clip, where: str, fps: Fraction, info: MediaInfo, problems: list[str]
) -> None:
    """Refuse an audio clip that plays past the end of its file, as a video clip is refused.

    A clip longer than its sound used to be padded with silence without a word; one rule
    now holds for pictures and sound alike.
    """
    source_start = float(to_frame(clip.source_start, fps) / fps)
    speed, _, played = speed_ramp(clip, fps)
    needed = source_start + played
    if needed > _sound_end(info) + float(1 / fps) * speed:
        problems.append(
            f"{where} ({clip.id!r}): plays {source_start:g}–{needed:g} s of {clip.source} "
            f"but its sound ends at {_sound_end(info):g} s"
        )


def _audio_item(clip: Clip, project: Project, info: MediaInfo | None, silent: bool) -> AudioItem:
    fps, sr = project.fps, project.sample_rate
    start, end = clip_frames(clip, fps)
    speed, ramp, _ = speed_ramp(clip, fps)
    has_sound = (
        not silent
        and not clip.muted
        and not clip.freeze  # a frozen picture is silent
        and info is not None
        and info.audio is not None
    )
    volume = _curve(clip, "volume", clip.volume, fps)
    return AudioItem(
        clip_id=clip.id,
        source=info.path if has_sound and info is not None else None,
        start=frame_to_sample(start, fps, sr),
        end=frame_to_sample(end, fps, sr),
        source_start=float(to_frame(clip.source_start, fps) / fps),
        source_end=_sound_end(info),
        channels=info.audio.channels if has_sound and info is not None and info.audio else 2,
        speed=speed,
        volume=volume if not isinstance(volume, Curve) else 1.0,
        fade_in=round(clip.fade_in * sr),
        fade_out=round(clip.fade_out * sr),
        reverse=clip.reverse,
        ramp=tuple((frame_to_sample(k, fps, sr), t, v) for k, t, v in ramp),
        volume_curve=volume if isinstance(volume, Curve) else None,
    )


def _text_items(
    track: Track, project: Project, cues: Mapping[str, Sequence[CueLike]]
) -> tuple[TextItem, ...]:
    from vnb.text.fonts import font_in_folder  # noqa: PLC0415 - Pillow only with text

    fps = project.fps
    base = project.base_dir  # relative font files are the project folder's, not the cwd's
    out: list[TextItem] = []
    for t in track.titles:
        out.append(
            TextItem(
                id=t.id, text=t.text, font=font_in_folder(t.font, base), size=t.size,
                color=t.color, bold=t.bold,
                box=t.box, box_color=t.box_color, outline=t.outline, outline_color=t.outline_color,
                position=t.position, margin=t.margin,
                start=to_frame(t.start, fps), end=to_frame(t.end, fps),
                fade_in=to_frame(t.fade_in, fps), fade_out=to_frame(t.fade_out, fps),
                animation=_text_animation(t, fps),
            )
        )  # fmt: skip
    for s in track.subtitles:
        entries: Sequence[CueLike] = s.cues if s.file is None else cues.get(s.file, ())
        for n, q in enumerate(entries):
            start, end = (
                to_frame(max(0.0, q.start + s.offset), fps),
                to_frame(q.end + s.offset, fps),
            )
            if end <= start or not q.text.strip():
                continue
            out.append(
                TextItem(
                    id=f"{s.id}.{n}", text=q.text, font=font_in_folder(s.font, base),
                    size=s.size, color=s.color,
                    bold=False, box=s.box, box_color=s.box_color, outline=0,
                    outline_color="black", position="bottom", margin=s.margin,
                    start=start, end=end, fade_in=0, fade_out=0,
                )
            )  # fmt: skip
    return tuple(out)


def compile_plan(
    project: Project,
    media: Mapping[str, MediaInfo] | None = None,
    cues: Mapping[str, Sequence[CueLike]] | None = None,
) -> Plan:
    """Resolve ``project`` into a `Plan`.

    Args:
        project: the edit.
        media: probe results keyed by each clip's ``source`` as written in the project.
        cues: subtitle cues keyed by each subtitles' ``file`` as written.

    Raises:
        ProjectError: every problem found, with where it is: overlaps without transitions,
            clips beyond the end of their source, audio files on video tracks…
    """
    media = media or {}
    cues = cues or {}
    fps, sr = project.fps, project.sample_rate
    problems: list[str] = []
    layers: list[VideoTrackPlan | TextTrackPlan] = []
    audio: list[AudioTrackPlan] = []
    seen_video = False
    for index, track in enumerate(project.tracks):
        where = f"tracks[{index}]"
        if track.kind == "text":
            items = () if track.hidden else _text_items(track, project, cues)
            if items:
                layers.append(TextTrackPlan(index=index, items=items))
            continue
        clips, spans = track_spans(track, where, fps, problems)
        if not clips:
            continue
        pieces = _pieces([(c.id, *clip_frames(c, fps)) for c in clips], spans)
        if track.kind == "video" and not track.hidden:
            vitems = _video_items(clips, where, project, media, upper=seen_video, problems=problems)
            if len(vitems) == len(clips):
                layers.append(
                    VideoTrackPlan(
                        index=index, items=tuple(vitems), transitions=tuple(spans), pieces=pieces
                    )
                )
            seen_video = True
        if track.kind == "audio":
            _check_sounds(clips, where, fps, media, problems)
        sound = _audio_track(track, index, clips, spans, pieces, project, media)
        if sound is not None:
            audio.append(sound)
    if problems:
        raise ProjectError(problems)
    frames = to_frame(project.duration, fps)
    if frames <= 0:
        msg = "the project is empty: add a clip or a title"
        raise ProjectError(msg)
    return Plan(
        width=project.width,
        height=project.height,
        fps=fps,
        sample_rate=sr,
        background=project.background,
        frames=frames,
        samples=frame_to_sample(frames, fps, sr),
        layers=tuple(layers),
        audio=tuple(audio),
    )


def _video_items(
    clips: list[Clip],
    where: str,
    project: Project,
    media: Mapping[str, MediaInfo],
    *,
    upper: bool,
    problems: list[str],
) -> list[VideoItem]:
    """The video items of a track's clips (those whose media is known and usable)."""
    vitems = []
    for n, c in enumerate(clips):
        info = media.get(c.source) if c.source else None
        item = _video_item(c, f"{where}.clips[{n}]", project, info, upper=upper, problems=problems)
        if item is not None:
            vitems.append(item)
    return vitems


def _check_sounds(
    clips: list[Clip],
    where: str,
    fps: Fraction,
    media: Mapping[str, MediaInfo],
    problems: list[str],
) -> None:
    """Record the clips of an audio track whose file has no sound or ends too early."""
    for n, c in enumerate(clips):
        info = media.get(c.source) if c.source else None
        if not c.source or info is None or c.freeze:  # a freeze plays no sound
            continue
        if info.audio is None:
            problems.append(f"{where}.clips[{n}] ({c.id!r}): {c.source} has no sound")
        else:
            _check_sound_end(c, f"{where}.clips[{n}]", fps, info, problems)


def _audio_track(  # noqa: PLR0917 - private, one caller
    track: Track,
    index: int,
    clips: list[Clip],
    spans: list[TransitionSpan],
    pieces: tuple[Piece, ...],
    project: Project,
    media: Mapping[str, MediaInfo],
) -> AudioTrackPlan | None:
    """The sound of a video or audio track; None when none of its clips has any."""
    fps, sr = project.fps, project.sample_rate
    aitems = tuple(
        _audio_item(c, project, media.get(c.source) if c.source else None, track.muted)
        for c in clips
    )
    if not any(a.source for a in aitems):
        return None
    fades = tuple(
        Crossfade(
            a=s.a,
            b=s.b,
            start=frame_to_sample(s.start, fps, sr),
            end=frame_to_sample(s.end, fps, sr),
        )
        for s in spans
    )
    return AudioTrackPlan(index=index, items=aitems, crossfades=fades, pieces=pieces)
