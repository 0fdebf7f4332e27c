"""Each built-in effect, rendered by ffmpeg, changes the picture as its name says.

Every case renders one project: the same source frames twice in a row, first without and then
with the effect, so the two halves compare like with like.
"""

from __future__ import annotations

import colorsys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import vnb
from vnb.effects import REGISTRY
from vnb.schema import Effect

from .avcheck import assert_color, detail, luma, mean_rgb, render, video_frames

N = 6  # frames per half
REF, OUT = N // 2, N + N // 2  # the middle frame of each half, showing the same source frame


def _spread(frame: np.ndarray) -> float:
    """Mean over pixels of max(R, G, B) - min(R, G, B): zero for greys."""
    f = frame.astype(np.int16)
    return float((f.max(axis=2) - f.min(axis=2)).mean())


def _hue(frame: np.ndarray) -> float:
    r, g, b = mean_rgb(frame) / 255
    return colorsys.rgb_to_hsv(r, g, b)[0] * 360


def _corners_vs_centre(frame: np.ndarray) -> tuple[float, float]:
    y = luma(frame)
    h, w = y.shape
    corners = np.concatenate(
        [y[:20, :20].ravel(), y[:20, -20:].ravel(), y[-20:, :20].ravel(), y[-20:, -20:].ravel()]
    )
    centre = y[h // 2 - 10 : h // 2 + 10, w // 2 - 10 : w // 2 + 10]
    return float(corners.mean()), float(centre.mean())


def _brighter(ref: np.ndarray, out: np.ndarray) -> None:
    assert luma(out).mean() > luma(ref).mean() + 20


def _darker(ref: np.ndarray, out: np.ndarray) -> None:
    assert luma(out).mean() < luma(ref).mean() - 20


def _wider(ref: np.ndarray, out: np.ndarray) -> None:
    assert luma(out).std() > 1.2 * luma(ref).std()


def _narrower(ref: np.ndarray, out: np.ndarray) -> None:
    assert luma(out).std() < 0.7 * luma(ref).std()


def _mid_tones_up(ref: np.ndarray, out: np.ndarray) -> None:
    assert luma(out).mean() > luma(ref).mean() + 15


def _no_colour(ref: np.ndarray, out: np.ndarray) -> None:
    assert _spread(ref) > 40
    assert _spread(out) < 4


def _more_colour(ref: np.ndarray, out: np.ndarray) -> None:
    assert _spread(out) > 1.3 * _spread(ref)


def _hue_turned(ref: np.ndarray, out: np.ndarray) -> None:
    turn = (_hue(out) - _hue(ref)) % 360
    assert min(abs(turn - 120), abs(turn - 240)) < 25, (_hue(ref), _hue(out))
    assert _spread(out) > 0.6 * _spread(ref)  # rotated, not washed out


def _sepia(ref: np.ndarray, out: np.ndarray) -> None:
    assert _spread(ref) < 4  # grey in
    r, g, b = mean_rgb(out)
    assert r > g + 10 > b + 20, (r, g, b)


def _blurred(ref: np.ndarray, out: np.ndarray) -> None:
    assert detail(out) < 0.6 * detail(ref)


def _sharper(ref: np.ndarray, out: np.ndarray) -> None:
    assert detail(out) > 1.2 * detail(ref)


def _vignetted(ref: np.ndarray, out: np.ndarray) -> None:
    ref_corners, ref_centre = _corners_vs_centre(ref)
    corners, centre = _corners_vs_centre(out)
    assert abs(ref_corners - ref_centre) < 3  # flat in
    assert corners < ref_corners - 15
    assert ref_centre - centre < 0.5 * (ref_corners - corners)


def _keyed_to_red(ref: np.ndarray, out: np.ndarray) -> None:
    assert_color(ref, (0, 255, 0))  # the green clip covers the red track...
    assert_color(out, (255, 0, 0))  # ...until it is keyed out


def _kept_blue(ref: np.ndarray, out: np.ndarray) -> None:
    assert_color(ref, (0, 0, 255))
    assert_color(out, (0, 0, 255))  # not the key colour: stays


Check = Callable[[np.ndarray, np.ndarray], None]

CASES: list[tuple[str, Effect, str, Check]] = [
    ("brightness", vnb.effects.brightness(0.2), "testsrc", _brighter),
    ("brightness-down", vnb.effects.brightness(-0.2), "testsrc", _darker),
    ("contrast", vnb.effects.contrast(1.6), "soft", _wider),
    ("contrast-down", vnb.effects.contrast(0.4), "soft", _narrower),
    ("gamma", vnb.effects.gamma(2.0), "grey", _mid_tones_up),
    ("saturation-0", vnb.effects.saturation(0.0), "testsrc", _no_colour),
    ("saturation-2", vnb.effects.saturation(2.0), "pastel", _more_colour),
    ("hue", vnb.effects.hue(120), "orange", _hue_turned),
    ("grayscale", vnb.effects.grayscale(), "testsrc", _no_colour),
    ("sepia", vnb.effects.sepia(1.0), "grey", _sepia),
    ("blur", vnb.effects.blur(5), "testsrc", _blurred),
    ("sharpen", vnb.effects.sharpen(2.0), "testsrc", _sharper),
    ("vignette", vnb.effects.vignette(), "grey", _vignetted),
    ("chromakey", vnb.effects.chromakey("#00ff00"), "green-over-red", _keyed_to_red),
    ("chromakey-other", vnb.effects.chromakey("#00ff00"), "blue-over-red", _kept_blue),
]


def test_every_builtin_effect_has_a_case():
    assert {e.name for _, e, _, _ in CASES} == set(REGISTRY)


@pytest.fixture(scope="module")
def sources(media: Callable[..., Path], color_media: Callable[..., Path]) -> dict[str, Path]:
    return {
        "testsrc": media("testsrc.mp4"),
        # Low contrast and colour, so that more contrast does not just clip.
        "soft": media(
            "soft.mp4", video="testsrc2=s=320x240:r=30:d=4,eq=contrast=0.5:saturation=0.4"
        ),
        "grey": color_media("#808080", 440),
        "pastel": color_media("#c08080", 440),
        "orange": color_media("#e06020", 440),
        "green": color_media("#00ff00", 440),
        "blue": color_media("#0000ff", 440),
    }


@pytest.mark.parametrize(
    ("effect", "source", "check"),
    [pytest.param(e, s, c, id=name) for name, e, s, c in CASES],
)
def test_effect_changes_pixels_as_named(
    sources: dict[str, Path], tmp_path: Path, effect: Effect, source: str, check: Check
):
    p = vnb.Project(name="fx", width=320, height=240, fps=30)
    bottom = p.add_track("video")
    half = N / 30
    if source.endswith("-over-red"):
        bottom.add_clip(color="red", start=0, duration=2 * half)
        track = p.add_track("video")
        src = sources[source.removesuffix("-over-red")]
    else:
        track, src = bottom, sources[source]
    track.add_clip(src, start=0, source_start=1.0, duration=half)
    track.add_clip(src, start=half, source_start=1.0, duration=half, effects=[effect])
    out = tmp_path / "fx.mp4"
    render(p, out)
    frames = video_frames(out)
    assert len(frames) == 2 * N
    check(frames[REF], frames[OUT])


def test_effect_on_an_overlay_stays_inside_it(media: Callable[..., Path], tmp_path: Path):
    """Effects on a scaled, translucent upper clip change only the clip's rectangle."""
    p = vnb.Project(name="fx", width=320, height=240, fps=30)
    p.add_track("video").add_clip(color="#808080", start=0, duration=0.2)
    p.add_track("video").add_clip(
        media("testsrc.mp4"),
        start=0,
        duration=0.2,
        opacity=0.8,
        transform=vnb.schema.Transform(scale=0.5),
        effects=[vnb.effects.grayscale(), vnb.effects.brightness(0.1)],
    )
    out = tmp_path / "fx.mp4"
    render(p, out)
    frame = video_frames(out)[3]
    inside = frame[64:176, 84:236]  # the 160×120 rectangle in the middle, less a margin
    assert _spread(inside) < 4
    outside = frame.copy()
    outside[56:184, 76:244] = 128
    assert_color(outside, (128, 128, 128), tol=3)
