"""Plan → filter graph: the one ``-filter_complex`` that renders a whole project.

Shape (chosen for speed, see ``ffmpeg-notes.md``):

- every piece of a track (a clip's body, a transition's sides) is a *cut* of its source; the
  cuts are laid out on a few inputs per source (``vnb.ffmpeg.sources``: input seeking to the
  earliest frame, then ``split`` + ``trim`` inside the graph), so one process holds a bounded
  number of decoders however many clips there are;
- each piece is normalised to the project's frame rate, pixel format and sample rate, with an
  exact number of frames and samples, so concatenation keeps picture and sound in step;
- ``xfade`` runs only over a transition's overlap, in 4:4:4, and everything else stays 4:2:0;
- the bottom track is concatenated into the base picture directly (gaps show the background);
  upper tracks and titles are overlaid only where they have something to show.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction

from vnb.ffmpeg.chains import (
    TextImage,
    clip_origin,
    picture_filters,
    placing_filters,
    rotated_box,
    seconds,
    text_filters,
    text_motion,
    text_motion_filters,
    text_origin,
)
from vnb.ffmpeg.finish import finish_video
from vnb.ffmpeg.graph import Chain, Filter, Graph, Input, make_filter
from vnb.ffmpeg.motion import motion_origin
from vnb.ffmpeg.params import volume_filters
from vnb.ffmpeg.sources import SHARED, Cut, check_reverse, lay_out
from vnb.ffmpeg.speed import forward_cut, ramp_sound, tempo_filters
from vnb.plan.compositing import base_layer, blend_of, runs
from vnb.plan.model import (
    AudioItem,
    AudioTrackPlan,
    Piece,
    Plan,
    TextTrackPlan,
    VideoItem,
    VideoTrackPlan,
)
from vnb.schema.color import to_ffmpeg_color
from vnb.schema.export import ExportSettings
from vnb.schema.timebase import frame_to_sample

__all__ = ["build_graph"]


def _concat(n: int) -> Filter:
    return make_filter("concat", {"n": n, "v": 1, "a": 0})


def _shift(start: int, fps: Fraction) -> str:
    """A setpts expression that starts a stream at timeline frame ``start``."""
    return f"PTS-STARTPTS+({start}*{fps.denominator}/{fps.numerator})/TB"


class Builder:
    """Collects inputs and chains while a plan is walked (state lives only for one build)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.inputs: list[Input] = []
        self.chains: list[Chain] = []
        self._count = 0
        self.cuts: list[Cut] = []
        self.group: tuple[object, ...] = ()
        """The consumer that reads the cuts made now (see `vnb.ffmpeg.sources.Cut.group`)."""
        self.canvas = (plan.width, plan.height)
        self.bg = to_ffmpeg_color(plan.background)

    def label(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}{self._count}"

    def chain(self, inputs: list[str], filters: list[Filter], prefix: str = "s") -> str:
        out = self.label(prefix)
        self.chains.append(Chain(tuple(inputs), tuple(filters), (out,)))
        return out

    def source(  # noqa: PLR0917 - one cut's facts
        self,
        kind: str,
        item: VideoItem | AudioItem,
        frames: tuple[int, int],
        t0: float,
        needed: float,
        lead: float,
        part: int = 0,
    ) -> str:
        """The label of a source's frames (or samples) from ``t0 - lead`` to ``t0 + needed``.

        The frames keep their timestamps; the caller's chain starts them at zero. ``part``:
        see `vnb.ffmpeg.sources.Cut.part`.
        """
        assert item.source is not None  # noqa: S101 - callers check
        label = self.label("c")
        start = max(0.0, t0 - lead)
        prepare = tuple(
            placing_filters(item) if isinstance(item, VideoItem) else self.sound_format(item)
        )
        where = (item.clip_id, frames, start, t0 + needed)
        cut = Cut(label, kind, item.source, self.group, *where, prepare, part)
        self.cuts.append(cut)
        return label

    def finish_sources(self) -> None:
        """Lay the collected cuts out on inputs (after every other input)."""
        shared = math.floor(SHARED * self.plan.fps)
        inputs, chains = lay_out(self.cuts, len(self.inputs), shared)
        self.inputs += inputs
        self.chains += chains

    def image(self, path: str) -> int:
        """A still image input: its one picture (the graph repeats it: `still`)."""
        opts = ("-f", "image2", "-pattern_type", "none", "-framerate", str(self.plan.fps))
        self.inputs.append(Input(path, opts))
        return len(self.inputs) - 1

    def still(self, item: VideoItem, frames: int) -> tuple[str, list[Filter]]:
        """A still's input and the filters that place it once and show it for ``frames``.

        Decoded and scaled once, then repeated by reference (``loop``): a demuxer's loop
        decodes and scales the picture again for every frame.
        """
        assert item.source is not None  # noqa: S101 - stills have a source
        fps = self.plan.fps
        stream = f"{self.image(item.source)}:v"
        return stream, [
            *placing_filters(item),
            make_filter("loop", {"loop": -1, "size": 1, "start": 0}),
            make_filter("setpts", {"expr": f"N*{fps.denominator}/{fps.numerator}/TB"}),
            make_filter("fps", {"fps": fps}),  # frames that last a frame: overlays keep the last
            make_filter("trim", {"end_frame": frames}),
        ]

    # -- pictures ----------------------------------------------------------------------

    def color(self, color: str, size: tuple[int, int], frames: int) -> str:
        fps = self.plan.fps
        return self.chain(
            [],
            [
                make_filter("color", {"c": color, "s": f"{size[0]}x{size[1]}", "r": fps}),
                make_filter("trim", {"end_frame": frames}),
                make_filter("format", {"pix_fmts": "yuva420p" if "@" in color else "yuv420p"}),
            ],
        )

    def picture(self, item: VideoItem, k0: int, k1: int, role: str, *, alpha: bool) -> str:
        """A clip's picture for frames ``[k0, k1)``: placed size, effects, opacity, rotation."""
        fps, n = self.plan.fps, k1 - k0
        p = item.placement
        filters: list[Filter] = []
        if item.source is None:
            inputs = [self.color(to_ffmpeg_color(item.color or "black"), (p.width, p.height), n)]
        else:
            shown = n
            if item.still:
                stream, placing = self.still(item, n)
                filters += placing
            else:
                # A reversed or frozen piece is cut as the forward piece that shows its frames
                # (`VideoItem.forward`), then played backwards or held; a speed ramp's forward
                # piece is its constant-speed segments (`VideoItem.segments`), one after another.
                (f0, f1), _ = item.forward((k0, k1), k0)
                part, shown = (k0 if item.reverse else 0), f1 - f0
                subs = [
                    forward_cut(self, s, a, b, (k0, k1), part) for s, a, b in item.segments(f0, f1)
                ]
                stream = subs[0] if len(subs) == 1 else self.chain(subs, [_concat(len(subs))])
            if shown < n:  # a freeze: its one frame, held
                filters.append(make_filter("tpad", {"stop_mode": "clone", "stop": n - shown}))
            if item.reverse and not item.still:
                check_reverse(item.clip_id, n, p.width * p.height)
                filters.append(make_filter("reverse"))
            inputs = [stream]
        placed = item.source is not None  # cut from a placed input, or a still placed once
        filters += picture_filters(
            item, (k0, k1), fps, alpha=alpha, background=self.bg, placed=placed
        )
        return self.chain(inputs, filters)

    def on_canvas(self, item: VideoItem, k0: int, k1: int, role: str, *, base: bool) -> str:
        """The picture on a canvas-sized frame, as `vnb.plan.compositing.Blend.on_canvas` says.

        Over the background (``base``: opaque 4:2:0) or over transparency (the pieces of
        upper tracks: 4:2:0 with alpha).
        """
        n = k1 - k0
        p = item.placement
        cw, ch = self.canvas
        fill = self.bg if base else "black@0"
        x, y = clip_origin(item)
        rw, rh = rotated_box(p.width, p.height, p.rotation) if p.rotation else (p.width, p.height)
        hidden = x >= cw or y >= ch or x + rw <= 0 or y + rh <= 0
        if hidden and item.motion is None:  # nothing of it is visible
            return self.color(fill, self.canvas, n)
        blend = blend_of(item)
        how, alpha = blend.on_canvas(base=base), blend.picture_alpha(base=base)
        if how == "itself":
            pic = self.picture(item, k0, k1, role, alpha=alpha)
            if not item.effects:  # ends in 4:2:0 already (an effect may change the format)
                return pic
        elif how == "pad":
            pic = self.pad(
                self.picture(item, k0, k1, role, alpha=alpha), x, y, p.width, p.height, fill=fill
            )
        else:
            under = self.color(fill, self.canvas, n)
            top = self.picture(item, k0, k1, role, alpha=alpha)
            if item.motion is not None:  # the main input's time 0 is the piece's start
                x, y = motion_origin(  # type: ignore[assignment]
                    item.motion, fps=self.plan.fps, offset=k0 - item.start
                )
            overlay = {"x": x, "y": y, "eof_action": "pass", "format": "yuv420" if base else "auto"}
            pic = self.chain([under, top], [make_filter("overlay", overlay)])
        pix = "yuv420p" if base else "yuva420p"
        return self.chain([pic], [make_filter("format", {"pix_fmts": pix})])

    def pad(self, pic: str, x: int, y: int, w: int, h: int, *, fill: str) -> str:
        """Crop what falls off the canvas, then pad to the canvas with ``fill``."""
        cw, ch = self.canvas
        vx0, vy0 = max(0, x), max(0, y)
        vx1, vy1 = min(cw, x + w), min(ch, y + h)
        filters: list[Filter] = []
        if (vx0, vy0, vx1, vy1) != (x, y, x + w, y + h):
            crop = {"w": vx1 - vx0, "h": vy1 - vy0, "x": vx0 - x, "y": vy0 - y}
            filters.append(make_filter("crop", crop))
        filters.append(make_filter("pad", {"w": cw, "h": ch, "x": vx0, "y": vy0, "color": fill}))
        return self.chain([pic], filters)

    def cross(self, a: str, b: str, kind: str, frames: int, *, alpha: bool) -> str:
        wide, narrow = ("yuva444p", "yuva420p") if alpha else ("yuv444p", "yuv420p")
        a4 = self.chain([a], [make_filter("format", {"pix_fmts": wide})])
        b4 = self.chain([b], [make_filter("format", {"pix_fmts": wide})])
        return self.chain(
            [a4, b4],
            [
                make_filter(
                    "xfade",
                    {"transition": kind, "duration": seconds(frames / self.plan.fps), "offset": 0},
                ),
                make_filter("format", {"pix_fmts": narrow}),
            ],
        )

    def concat(self, parts: list[str], *, video: bool) -> str:
        if len(parts) == 1:
            return parts[0]
        filters = [make_filter("concat", {"n": len(parts), "v": int(video), "a": int(not video)})]
        if video:
            # Every part has exactly its frames, but a part of one frame carries no duration,
            # and concat starts the next part at that frame's own timestamp: number the frames
            # again so that a run of one-frame clips does not stack at one instant.
            fps = self.plan.fps
            expr = f"N*{fps.denominator}/{fps.numerator}/TB"
            filters.append(make_filter("setpts", {"expr": expr}))
        return self.chain(parts, filters)

    # -- tracks ------------------------------------------------------------------------

    def piece_picture(self, track: VideoTrackPlan, piece: Piece, *, base: bool) -> str:
        n = piece.end - piece.start
        if piece.kind == "gap":
            return self.color(self.bg if base else "black@0", self.canvas, n)
        assert piece.item is not None  # noqa: S101 - pieces of kind clip/cross name items
        a = track.item(piece.item)
        if piece.kind == "clip":
            return self.on_canvas(a, piece.start, piece.end, "body", base=base)
        assert piece.other is not None and piece.transition is not None  # noqa: S101
        b = track.item(piece.other)
        pa = self.on_canvas(a, piece.start, piece.end, "tail", base=base)
        pb = self.on_canvas(b, piece.start, piece.end, "head", base=base)
        return self.cross(pa, pb, piece.transition, n, alpha=not base)

    def base_track(self, track: VideoTrackPlan) -> str:
        self.group = ("picture", track.index)
        pieces = list(track.pieces)
        last = pieces[-1].end if pieces else 0
        if last < self.plan.frames:
            pieces.append(Piece(kind="gap", start=last, end=self.plan.frames))
        return self.concat([self.piece_picture(track, p, base=True) for p in pieces], video=True)

    def upper_track(self, under: str, track: VideoTrackPlan) -> str:
        """Overlay each run of ``track`` (`vnb.plan.compositing.runs`) on ``under``."""
        for number, run in enumerate(runs(track)):
            self.group = ("picture", track.index, number)  # each run is overlaid on its own
            start = run.start
            first = run.pieces[0]
            if run.alone and first.item is not None:
                item = track.item(first.item)
                alpha = blend_of(item).alpha
                pic = self.picture(item, first.start, first.end, "body", alpha=alpha)
                x, y = clip_origin(item)
                if item.motion is not None:  # the main input's time is the timeline's
                    x, y = motion_origin(  # type: ignore[assignment]
                        item.motion, fps=self.plan.fps, offset=-item.start
                    )
            else:
                pic = self.concat(
                    [self.piece_picture(track, p, base=False) for p in run.pieces], video=True
                )
                x, y = 0, 0
            pic = self.chain(
                [pic], [make_filter("setpts", {"expr": f"PTS-STARTPTS+{start}/TB/{self.plan.fps}"})]
            )
            under = self.chain(
                [under, pic], [make_filter("overlay", {"x": x, "y": y, "eof_action": "pass"})]
            )
        return under

    def text_track(self, under: str, track: TextTrackPlan, images: Mapping[str, TextImage]) -> str:
        fps = self.plan.fps
        strips: set[str] = set()
        for t in track.items:
            img = images[t.id]
            n = t.end - t.start
            if img.strip:
                if img.path not in strips:
                    strips.add(img.path)
                    under = self.strip(under, img)
                continue
            # Decoded once and repeated by reference (``loop``): an image input looped by
            # its demuxer decodes the picture again for every frame, and holds several.
            opts = ("-f", "image2", "-pattern_type", "none", "-framerate", str(fps))
            self.inputs.append(Input(img.path, opts))
            filters = [
                make_filter("format", {"pix_fmts": "yuva420p"}),
                make_filter("loop", {"loop": -1, "size": 1, "start": 0}),
                make_filter("setpts", {"expr": f"N*{fps.denominator}/{fps.numerator}/TB"}),
                make_filter("fps", {"fps": fps}),  # frames that last a frame: the last one shows
                make_filter("trim", {"end_frame": n}),
            ]
            motion = text_motion(t, (img.width, img.height), self.canvas)
            if motion is None:
                filters += text_filters(t, fps)
            else:  # fades, then the motion, on the title's own time
                filters += text_motion_filters(t, motion, fps)
            filters.append(make_filter("setpts", {"expr": _shift(t.start, fps)}))
            pic = self.chain([f"{len(self.inputs) - 1}:v"], filters)
            x, y = img.at or text_origin(t.position, t.margin, (img.width, img.height), self.canvas)
            if motion is not None:
                x, y = motion_origin(motion, fps=fps, offset=-t.start)  # type: ignore[assignment]
            under = self.chain(
                [under, pic], [make_filter("overlay", {"x": x, "y": y, "eof_action": "pass"})]
            )
        return under

    def strip(self, under: str, img: TextImage) -> str:
        """Overlay a strip of cues (one ``ffconcat`` input) over the whole edit."""
        opts = ("-f", "concat", "-safe", "0")  # the list and its file names are vnb's own
        self.inputs.append(Input(img.path, opts, formats=("concat",)))
        filters = [
            make_filter("format", {"pix_fmts": "yuva420p"}),
            make_filter("fps", {"fps": self.plan.fps}),
            make_filter("trim", {"end_frame": self.plan.frames}),
        ]
        pic = self.chain([f"{len(self.inputs) - 1}:v"], filters)
        x, y = img.at or (0, 0)
        overlay = {"x": x, "y": y, "eof_action": "pass"}
        return self.chain([under, pic], [make_filter("overlay", overlay)])

    def video(self, images: Mapping[str, TextImage]) -> str:
        base = base_layer(self.plan)
        if base is not None:
            out = self.base_track(base)
        else:
            out = self.color(self.bg, self.canvas, self.plan.frames)
        for layer in self.plan.layers:
            if layer is base:
                continue
            if isinstance(layer, VideoTrackPlan):
                out = self.upper_track(out, layer)
            else:
                out = self.text_track(out, layer, images)
        return out

    # -- sound -------------------------------------------------------------------------

    def silence(self, samples: int) -> str:
        return self.chain(
            [],
            [
                make_filter("anullsrc", {"r": self.plan.sample_rate, "cl": "stereo"}),
                make_filter("atrim", {"end_sample": samples}),
            ],
            "a",
        )

    def sound_format(self, item: AudioItem) -> list[Filter]:
        """The project's rate and stereo float: run once per input, before its cuts."""
        filters = [make_filter("aresample", {"osr": self.plan.sample_rate})]
        if item.channels == 1:  # both sides at full level, not ffmpeg's -3 dB upmix
            filters.append(make_filter("pan", {"args": "stereo|c0=c0|c1=c0"}))
        stereo = {"sample_fmts": "fltp", "channel_layouts": "stereo"}
        return [*filters, make_filter("aformat", stereo)]

    def sound(self, item: AudioItem, k0: int, k1: int, role: str) -> str:
        """A clip's sound for frames ``[k0, k1)``, exactly as many samples long."""
        fps, sr = self.plan.fps, self.plan.sample_rate
        s0, s1 = frame_to_sample(k0, fps, sr), frame_to_sample(k1, fps, sr)
        n = s1 - s0
        if item.source is None:
            return self.silence(n)
        # A reversed piece is the forward clip's mirrored samples, played backwards.
        f0 = item.start + item.end - s1 if item.reverse else s0
        t0 = item.source_time(f0, sr)
        if t0 >= item.source_end - 0.01:  # the source's sound ended before this piece
            return self.silence(n)
        needed = item.source_time(f0 + n, sr) - t0 + 0.1
        part = k0 if item.reverse else 0
        if item.ramp:  # pieces at constant tempos (`vnb.ffmpeg.speed`)
            cut, filters = ramp_sound(self, item, f0, f0 + n, (k0, k1), part), []
        else:
            cut = self.source("a", item, (k0, k1), t0, needed, 0.0, part)
            filters = [make_filter("asetpts", {"expr": "PTS-STARTPTS"}), *tempo_filters(item.speed)]
        if item.reverse:
            check_reverse(item.clip_id, 0, 0, n)
            filters += [make_filter("apad"), make_filter("atrim", {"end_sample": n})]
            filters += [make_filter("areverse"), make_filter("asetpts", {"expr": "N/SR/TB"})]
        filters += volume_filters(item, s0, fps, sr)
        if item.fade_in and s0 == item.start:
            filters.append(make_filter("afade", {"t": "in", "ss": 0, "ns": item.fade_in}))
        if item.fade_out and s1 == item.end:
            filters.append(
                make_filter("afade", {"t": "out", "ss": n - item.fade_out, "ns": item.fade_out})
            )
        filters += [make_filter("apad"), make_filter("atrim", {"end_sample": n})]
        return self.chain([cut], filters, "a")

    def audio_track(self, track: AudioTrackPlan) -> str:
        fps, sr = self.plan.fps, self.plan.sample_rate
        self.group = ("sound", track.index)
        parts = []
        for piece in track.pieces:
            s0, s1 = frame_to_sample(piece.start, fps, sr), frame_to_sample(piece.end, fps, sr)
            if piece.kind == "gap" or piece.item is None:
                parts.append(self.silence(s1 - s0))
            elif piece.kind == "clip":
                parts.append(self.sound(track.item(piece.item), piece.start, piece.end, "body"))
            else:
                assert piece.other is not None  # noqa: S101
                a = self.sound(track.item(piece.item), piece.start, piece.end, "tail")
                b = self.sound(track.item(piece.other), piece.start, piece.end, "head")
                parts.append(
                    self.chain(
                        [a, b],
                        [make_filter("acrossfade", {"ns": s1 - s0, "c1": "tri", "c2": "tri"})],
                        "a",
                    )
                )
        out = self.concat(parts, video=False)
        end = frame_to_sample(track.pieces[-1].end, fps, sr) if track.pieces else 0
        if end < self.plan.samples:
            out = self.chain([out], [make_filter("apad", {"whole_len": self.plan.samples})], "a")
        return out

    def audio(self) -> str:
        tracks = [self.audio_track(t) for t in self.plan.audio]
        if not tracks:
            return self.silence(self.plan.samples)
        if len(tracks) == 1:
            return tracks[0]
        return self.chain(
            tracks,
            [
                make_filter("amix", {"inputs": len(tracks), "normalize": 0, "duration": "longest"}),
                make_filter("atrim", {"end_sample": self.plan.samples}),
            ],
            "a",
        )


def build_graph(
    plan: Plan, export: ExportSettings, texts: Mapping[str, TextImage] | None = None
) -> Graph:
    """The filter graph (with its inputs) that renders ``plan`` under ``export``.

    Args:
        plan: the compiled project.
        export: codec-independent output settings (size, frame rate, audio/video or not).
        texts: the rasterised image of every text item, by its id.
    """
    b = Builder(plan)
    video = None
    if export.video_codec != "none":
        video = finish_video(b, b.video(texts or {}), export)
    audio = b.audio() if export.audio_codec != "none" else None
    b.finish_sources()
    return Graph(inputs=tuple(b.inputs), chains=tuple(b.chains), video=video, audio=audio)
