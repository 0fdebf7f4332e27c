"""The last steps of a render's picture: output frame rate, output size and fit, pixel format.

Split from `vnb.ffmpeg.build` (which calls `finish_video` once the layers are composited).
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from vnb.ffmpeg.chains import fitted_size
from vnb.ffmpeg.graph import Chain, Filter, make_filter
from vnb.schema.export import ExportSettings

if TYPE_CHECKING:
    from vnb.ffmpeg.build import Builder

__all__ = ["finish_video"]


def _fit(b: Builder, pic: str, size: tuple[int, int], fit: str) -> tuple[str, list[Filter]]:
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


def finish_video(b: Builder, pic: str, export: ExportSettings) -> str:
    """The label of the output picture: ``pic`` at the export's rate, size and pixel format.

    A GIF gets its palette made from the picture (``palettegen`` then ``paletteuse``).
    """
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
