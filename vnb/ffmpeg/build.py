"""Plan → filter graph: the one ``-filter_complex`` that renders a whole project.

Shape (chosen for speed, see ``ffmpeg-notes.md``):

- every piece of a track (a clip's body, a transition, a gap) is its own input, cut by input
  seeking (``-ss``/``-t`` before ``-i``), so no decoder works on frames nobody shows;
- each piece is normalised to the project's frame rate, pixel format and sample rate, with an
  exact number of frames and samples, so concatenation keeps picture and sound in step;
- ``xfade`` runs only over a transition's overlap, in 4:4:4, and everything else stays 4:2:0;
- the bottom track is concatenated into the base picture directly (gaps show the background);
  upper tracks and titles are overlaid only where they have something to show.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from vnb.effects.registry import spec_of
from vnb.ffmpeg.chains import (
    TextImage,
    clip_origin,
    fitted_size,
    picture_filters,
    resample_setpts,
    resampled,
    rotated_box,
    seconds,
    seek_lead,
    text_filters,
    text_origin,
)
from vnb.ffmpeg.graph import Chain, Filter, Graph, Input, make_filter
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


def _keyed(item: VideoItem) -> bool:
    return any(spec_of(name).alpha for name, _ in item.effects)


def _needs_alpha(item: VideoItem) -> bool:
    """Whether a clip's picture must carry transparency when laid over another."""
    return (
        _keyed(item)
        or item.opacity < 1
        or bool(item.placement.rotation)
        or bool(item.fade_in or item.fade_out)
    )


def _shift(start: int, fps: Fraction) -> str:
    """A setpts expression that starts a stream at timeline frame ``start``."""
    return f"PTS-STARTPTS+({start}*{fps.denominator}/{fps.numerator})/TB"


class _Builder:
    """Collects inputs and chains while a plan is walked (state lives only for one build)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.inputs: list[Input] = []
        self.chains: list[Chain] = []
        self._count = 0
        self._sources: dict[tuple[object, ...], tuple[int, float]] = {}
        self.canvas = (plan.width, plan.height)
        self.bg = to_ffmpeg_color(plan.background)

    def label(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}{self._count}"

    def chain(self, inputs: list[str], filters: list[Filter], prefix: str = "s") -> str:
        out = self.label(prefix)
        self.chains.append(Chain(tuple(inputs), tuple(filters), (out,)))
        return out

    def source(
        self, key: tuple[object, ...], path: str, t0: float, needed: float, guard: float
    ) -> tuple[int, float]:
        """The input for one piece of a source (shared by its picture and its sound).

        Returns the input index and the lead: how many seconds the input starts before ``t0``.
        """
        key = (*key, path)  # a pre-rendered picture reads another file than the clip's sound
        if key not in self._sources:
            ss = max(0.0, t0 - guard)
            opts = (
                ("-ss", seconds(ss), "-t", seconds(needed + (t0 - ss)))
                if ss > 0
                else ("-t", seconds(needed))
            )
            self.inputs.append(Input(path, opts))
            self._sources[key] = (len(self.inputs) - 1, t0 - ss)
        return self._sources[key]

    def image(self, path: str, frames: int) -> int:
        fps = self.plan.fps
        length = seconds((frames + 1) / fps)
        self.inputs.append(
            Input(
                path,
                (
                    "-f",
                    "image2",
                    "-pattern_type",
                    "none",
                    "-loop",
                    "1",
                    "-framerate",
                    str(fps),
                    "-t",
                    length,
                ),
            )
        )
        return len(self.inputs) - 1

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
            if item.still:
                index = self.image(item.source, n)
                filters.append(make_filter("fps", {"fps": fps}))
            else:
                src_fps = item.source_fps or fps
                t0 = item.source_time(k0, fps)
                needed = float(n / fps) * item.speed + float(2 / src_fps)
                lead = float(seek_lead(item, fps) / src_fps)
                index, _ = self.source((item.clip_id, role), item.source, t0, needed, lead)
                # One for one: the first frame the seek keeps is the one shown at k0 (STARTPTS
                # absorbs the lead). Resampled: frame j shows the last source frame that starts
                # at or before instant j (see `hold_offset`).
                rate: dict[str, object] = {"fps": fps}
                if resampled(item, fps):
                    rate |= {"round": "up", "start_time": 0}
                filters += [
                    make_filter("setpts", {"expr": resample_setpts(item, fps, t0)}),
                    make_filter("fps", rate),
                ]
            filters += [
                make_filter("tpad", {"stop_mode": "clone", "stop": -1}),
                make_filter("trim", {"end_frame": n}),
            ]
            inputs = [f"{index}:v"]
        filters += picture_filters(item, (k0, k1), fps, alpha=alpha, background=self.bg)
        return self.chain(inputs, filters)

    def on_canvas(self, item: VideoItem, k0: int, k1: int, role: str, *, base: bool) -> str:
        """The picture on a canvas-sized frame.

        Over the background (``base``: opaque 4:2:0) or over transparency (the pieces of
        upper tracks: 4:2:0 with alpha).
        """
        n = k1 - k0
        p = item.placement
        cw, ch = self.canvas
        fill = self.bg if base else "black@0"
        x, y = clip_origin(item)
        rw, rh = rotated_box(p.width, p.height, p.rotation) if p.rotation else (p.width, p.height)
        if x >= cw or y >= ch or x + rw <= 0 or y + rh <= 0:  # nothing of it is visible
            return self.color(fill, self.canvas, n)
        blended = _keyed(item) or item.opacity < 1 or bool(p.rotation)
        if p.covers and base and not blended:
            pic = self.picture(item, k0, k1, role, alpha=False)
        elif not blended:
            pic = self.pad(
                self.picture(item, k0, k1, role, alpha=not base), x, y, p.width, p.height, fill=fill
            )
        else:
            under = self.color(fill, self.canvas, n)
            top = self.picture(item, k0, k1, role, alpha=True)
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
        return self.chain(
            parts, [make_filter("concat", {"n": len(parts), "v": int(video), "a": int(not video)})]
        )

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
        pieces = list(track.pieces)
        last = pieces[-1].end if pieces else 0
        if last < self.plan.frames:
            pieces.append(Piece(kind="gap", start=last, end=self.plan.frames))
        return self.concat([self.piece_picture(track, p, base=True) for p in pieces], video=True)

    def upper_track(self, under: str, track: VideoTrackPlan) -> str:
        runs: list[list[Piece]] = []
        for piece in track.pieces:
            if piece.kind == "gap":
                runs.append([])
            elif runs and runs[-1]:
                runs[-1].append(piece)
            else:
                runs.append([piece])
        for run in filter(None, runs):
            start = run[0].start
            if len(run) == 1 and run[0].kind == "clip" and run[0].item is not None:
                item = track.item(run[0].item)
                pic = self.picture(item, run[0].start, run[0].end, "body", alpha=_needs_alpha(item))
                x, y = clip_origin(item)
            else:
                pic = self.concat(
                    [self.piece_picture(track, p, base=False) for p in run], video=True
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
        for t in track.items:
            img = images[t.id]
            n = t.end - t.start
            index = self.image(img.path, n)
            filters = [
                make_filter("fps", {"fps": fps}),
                make_filter("trim", {"end_frame": n}),
                *text_filters(t, fps),
                make_filter("setpts", {"expr": _shift(t.start, fps)}),
            ]
            pic = self.chain([f"{index}:v"], filters)
            x, y = text_origin(t.position, t.margin, (img.width, img.height), self.canvas)
            under = self.chain(
                [under, pic], [make_filter("overlay", {"x": x, "y": y, "eof_action": "pass"})]
            )
        return under

    def video(self, images: Mapping[str, TextImage]) -> str:
        layers = list(self.plan.layers)
        if layers and isinstance(layers[0], VideoTrackPlan):
            out = self.base_track(layers.pop(0))
        else:
            out = self.color(self.bg, self.canvas, self.plan.frames)
        for layer in layers:
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

    def sound(self, item: AudioItem, k0: int, k1: int, role: str) -> str:
        """A clip's sound for frames ``[k0, k1)``, exactly as many samples long."""
        fps, sr = self.plan.fps, self.plan.sample_rate
        s0, s1 = frame_to_sample(k0, fps, sr), frame_to_sample(k1, fps, sr)
        n = s1 - s0
        if item.source is None:
            return self.silence(n)
        t0 = item.source_start + (s0 - item.start) / sr * item.speed
        if t0 >= item.source_end - 0.01:  # the source's sound ended before this piece
            return self.silence(n)
        needed = n / sr * item.speed + 0.1
        index, lead = self.source((item.clip_id, role), item.source, t0, needed, 0.0)
        filters = [
            make_filter("asetpts", {"expr": "PTS-STARTPTS"}),
            make_filter("aresample", {"osr": sr}),
        ]
        if item.channels == 1:  # both sides at full level, not ffmpeg's -3 dB upmix
            filters.append(make_filter("pan", {"args": "stereo|c0=c0|c1=c0"}))
        stereo = {"sample_fmts": "fltp", "channel_layouts": "stereo"}
        filters.append(make_filter("aformat", stereo))
        if lead > 0:
            filters += [
                make_filter("atrim", {"start_sample": round(lead * sr)}),
                make_filter("asetpts", {"expr": "PTS-STARTPTS"}),
            ]
        speed = item.speed
        while speed > 2.0 + 1e-9:
            filters.append(make_filter("atempo", {"tempo": 2.0}))
            speed /= 2.0
        while speed < 0.5 - 1e-9:
            filters.append(make_filter("atempo", {"tempo": 0.5}))
            speed /= 0.5
        if abs(speed - 1.0) > 1e-9:
            filters.append(make_filter("atempo", {"tempo": speed}))
        if item.volume != 1:
            filters.append(make_filter("volume", {"volume": item.volume}))
        if item.fade_in and s0 == item.start:
            filters.append(make_filter("afade", {"t": "in", "ss": 0, "ns": item.fade_in}))
        if item.fade_out and s1 == item.end:
            filters.append(
                make_filter("afade", {"t": "out", "ss": n - item.fade_out, "ns": item.fade_out})
            )
        filters += [make_filter("apad"), make_filter("atrim", {"end_sample": n})]
        return self.chain([f"{index}:a"], filters, "a")

    def audio_track(self, track: AudioTrackPlan) -> str:
        fps, sr = self.plan.fps, self.plan.sample_rate
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


def _fit(b: _Builder, pic: str, size: tuple[int, int], fit: str) -> tuple[str, list[Filter]]:
    """The picture at the output ``size``: the label to go on from and the filters it still needs.

    The same aspect is a plain scale. Otherwise ``fit``: ``letterbox`` pads the fitted picture
    with the background colour, ``crop`` scales it to fill and cuts the centre out, and
    ``contain_blur`` lays the fitted picture over a blurred copy of itself scaled to fill.
    """
    src = (b.plan.width, b.plan.height)
    w, h = size
    if size == src:
        return pic, []
    if w * src[1] == h * src[0]:
        return pic, [make_filter("scale", {"w": w, "h": h}), make_filter("setsar", {"sar": 1})]
    fw, fh = fitted_size(src, size, cover=False)
    x, y = (w - fw) // 2 // 2 * 2, (h - fh) // 2 // 2 * 2
    if fit == "letterbox":
        return pic, [
            make_filter("scale", {"w": fw, "h": fh}),
            make_filter("pad", {"w": w, "h": h, "x": x, "y": y, "color": b.bg}),
            make_filter("setsar", {"sar": 1}),
        ]
    cw, ch = fitted_size(src, size, cover=True)
    cover = [
        make_filter("scale", {"w": cw, "h": ch}),
        make_filter("crop", {"w": w, "h": h, "x": (cw - w) // 2, "y": (ch - h) // 2}),
    ]
    if fit == "crop":
        return pic, [*cover, make_filter("setsar", {"sar": 1})]
    # contain_blur: blur a small copy (cheap, and smooth once scaled back up)
    sw, sh = max(2, w // 16 * 2), max(2, h // 16 * 2)
    radius = min(sw, sh) // 8
    back, front = b.label("fit"), b.label("fit")
    b.chains.append(Chain((pic,), (make_filter("split"),), (back, front)))
    blur = [make_filter("gblur", {"sigma": radius})] if radius else []  # LGPL builds have it
    small = [make_filter("scale", {"w": sw, "h": sh}), *blur]
    large = [make_filter("scale", {"w": w, "h": h}), make_filter("setsar", {"sar": 1})]
    blurred = b.chain([back], [*cover, *small, *large])
    fitted = b.chain([front], [make_filter("scale", {"w": fw, "h": fh})])
    out = b.chain([blurred, fitted], [make_filter("overlay", {"x": x, "y": y})])
    return out, [make_filter("setsar", {"sar": 1})]


def _finish_video(b: _Builder, pic: str, export: ExportSettings) -> str:
    plan = b.plan
    filters: list[Filter] = []
    if export.fps is not None:
        rate = Fraction(export.fps).limit_denominator(1001)
        pic = b.chain([pic], [make_filter("fps", {"fps": rate})])
    w = export.width or plan.width
    h = export.height or (plan.height * w // plan.width // 2 * 2 if export.width else plan.height)
    pic, filters = _fit(b, pic, (w, h), export.fit)
    if export.video_codec == "gif":
        split_a, split_b = b.label("g"), b.label("g")
        b.chains.append(Chain((pic,), (*filters, make_filter("split")), (split_a, split_b)))
        palette = b.chain([split_a], [make_filter("palettegen", {"stats_mode": "diff"})], "p")
        return b.chain([split_b, palette], [make_filter("paletteuse", {"dither": "bayer"})], "out")
    filters.append(make_filter("format", {"pix_fmts": export.pix_fmt}))
    return b.chain([pic], filters, "vout")


def build_graph(
    plan: Plan, export: ExportSettings, texts: Mapping[str, TextImage] | None = None
) -> Graph:
    """The filter graph (with its inputs) that renders ``plan`` under ``export``.

    Args:
        plan: the compiled project.
        export: codec-independent output settings (size, frame rate, audio/video or not).
        texts: the rasterised image of every text item, by its id.
    """
    b = _Builder(plan)
    video = None
    if export.video_codec != "none":
        video = _finish_video(b, b.video(texts or {}), export)
    audio = b.audio() if export.audio_codec != "none" else None
    return Graph(inputs=tuple(b.inputs), chains=tuple(b.chains), video=video, audio=audio)
