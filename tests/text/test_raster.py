"""Tests of vnb.text.raster and vnb.text.fonts."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import tools
from vnb.errors import ProjectError
from vnb.text import TextStyle, find_font, rasterize_text
from vnb.text import fonts as fonts_module

FONTCONFIG = "fontconfig finds system fonts: apt-get install fontconfig"

SHIPPED = Path(fonts_module.__file__).resolve().parent.parent / "fonts"


def _opaque(img: np.ndarray) -> np.ndarray:
    return img[img[..., 3] == 255][:, :3]


def test_returns_rgba_uint8_read_only() -> None:
    img = rasterize_text("Hello", TextStyle())
    assert img.dtype == np.uint8
    assert img.ndim == 3
    assert img.shape[2] == 4
    assert not img.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        img[0, 0, 0] = 1


def test_empty_text_is_one_transparent_pixel() -> None:
    img = rasterize_text("", TextStyle(box=True))
    assert img.shape == (1, 1, 4)
    assert not img.any()


@pytest.mark.parametrize("text", ["\n", " ", "\u200b", "\n\n\n"])
def test_invisible_text_gives_a_transparent_image(text: str) -> None:
    img = rasterize_text(text, TextStyle())
    assert img.shape[0] >= 1
    assert img.shape[1] >= 1
    assert not img[..., 3].any()


def test_size_grows_with_font_size_and_text_length() -> None:
    small = rasterize_text("Hello", TextStyle(size=24))
    big = rasterize_text("Hello", TextStyle(size=96))
    longer = rasterize_text("Hello, world", TextStyle(size=24))
    assert big.shape[0] > small.shape[0]
    assert big.shape[1] > small.shape[1]
    assert longer.shape[1] > small.shape[1]
    assert longer.shape[0] == small.shape[0]


@pytest.mark.parametrize(
    ("color", "rgb"),
    [
        ("white", (255, 255, 255)),
        ("red", (255, 0, 0)),
        ("#0f0", (0, 255, 0)),
        ("#ff8000", (255, 128, 0)),
    ],
)
def test_opaque_pixels_have_the_requested_colour(color: str, rgb: tuple[int, int, int]) -> None:
    img = rasterize_text("Colour 50%", TextStyle(color=color, size=40))
    opaque = _opaque(img)
    assert len(opaque) > 50
    assert (opaque == rgb).all()


def test_straight_alpha_edges_keep_the_colour() -> None:
    img = rasterize_text("Soft edges", TextStyle(color="#3366cc", size=30))
    edge = img[(img[..., 3] > 0) & (img[..., 3] < 255)][:, :3]
    assert len(edge) > 20
    assert (edge == (0x33, 0x66, 0xCC)).all()
    # Fully transparent pixels exist around the glyphs.
    assert (img[..., 3] == 0).any()


def test_translucent_colour() -> None:
    img = rasterize_text("Ghost", TextStyle(color="#ff000080", size=40))
    assert img[..., 3].max() == 0x80
    assert (img[img[..., 3] > 0][:, :3] == (255, 0, 0)).all()


def test_box_adds_padding_and_box_colour() -> None:
    plain = rasterize_text("Boxed", TextStyle(size=40))
    boxed = rasterize_text("Boxed", TextStyle(size=40, box=True, box_padding=10))
    assert boxed.shape[0] == plain.shape[0] + 20
    assert boxed.shape[1] == plain.shape[1] + 20
    for corner in (boxed[0, 0], boxed[-1, -1], boxed[0, -1], boxed[-1, 0]):
        assert tuple(corner) == (0, 0, 0, 0xA0)
    # Every pixel is covered by the box; fully covered text pixels are opaque white over it.
    assert (boxed[..., 3] >= 0xA0).all()
    solid = plain[..., 3] == 255
    assert (boxed[10:-10, 10:-10][solid] == 255).all()
    custom = rasterize_text("Boxed", TextStyle(size=40, box=True, box_color="#102030"))
    assert tuple(custom[0, 0]) == (0x10, 0x20, 0x30, 255)


def test_outline_grows_image_and_uses_outline_colour() -> None:
    plain = rasterize_text("Edge", TextStyle(size=40))
    outlined = rasterize_text("Edge", TextStyle(size=40, outline=3, outline_color="#00ff00"))
    assert outlined.shape[0] >= plain.shape[0] + 6
    assert outlined.shape[1] >= plain.shape[1] + 6
    colours = {tuple(c) for c in _opaque(outlined)}
    assert (0, 255, 0) in colours
    assert (255, 255, 255) in colours


def test_multi_line_height_is_lines_times_line_height() -> None:
    style = TextStyle(size=40, line_spacing=1.5)
    one = rasterize_text("Line", style)
    three = rasterize_text("Line\nLine\nLine", style)
    pitch = 40 * 1.5
    assert abs((three.shape[0] - one.shape[0]) - 2 * pitch) <= 1
    assert three.shape[1] == one.shape[1]
    crlf = rasterize_text("Line\r\nLine\r\nLine", style)
    assert np.array_equal(crlf, three)


def test_alignment() -> None:
    def ink_columns(img: np.ndarray, rows: slice) -> np.ndarray:
        return np.flatnonzero(img[rows, :, 3].max(axis=0) > 0)

    text = "a much longer first line\nshort"
    left = rasterize_text(text, TextStyle(size=30, align="left"))
    right = rasterize_text(text, TextStyle(size=30, align="right"))
    center = rasterize_text(text, TextStyle(size=30, align="center"))
    assert left.shape == right.shape == center.shape
    second = slice(left.shape[0] // 2 + 5, None)
    width = left.shape[1]
    assert ink_columns(left, second)[0] < 5
    assert ink_columns(right, second)[-1] > width - 5
    mid = ink_columns(center, second)
    assert abs((mid[0] + mid[-1]) / 2 - width / 2) < 5


@pytest.mark.parametrize(
    "text", ["emoji 🎬🙂👍🏽", "unknown \U0010fffd \ue000 glyphs", "漢字 ☃ é ß Ω", "\u200b\u202e"]
)
def test_missing_glyphs_and_emoji_render(text: str) -> None:
    img = rasterize_text(text, TextStyle(size=32))
    assert img.shape[0] > 1
    if text.strip("\u200b\u202e"):
        assert (img[..., 3] == 255).any()


def test_deterministic_and_cached() -> None:
    text = "Same text\nevery time"
    a = rasterize_text(text, TextStyle(size=36, outline=2, box=True))
    b = rasterize_text(text, TextStyle(size=36, outline=2, box=True))
    assert a is b  # cache hit for an equal style
    from vnb.text.raster import _render

    assert np.array_equal(_render(text, TextStyle(size=36, outline=2, box=True)), a)


def test_wrapping_respects_max_width() -> None:
    text = "The quick brown fox jumps over the lazy dog again and again"
    unwrapped = rasterize_text(text, TextStyle(size=30))
    wrapped = rasterize_text(text, TextStyle(size=30, max_width=300))
    assert unwrapped.shape[1] > 300
    assert wrapped.shape[1] <= 300
    assert wrapped.shape[0] >= 3 * unwrapped.shape[0]
    outlined = rasterize_text(text, TextStyle(size=30, max_width=300, outline=4))
    assert outlined.shape[1] <= 300
    boxed = rasterize_text(text, TextStyle(size=30, max_width=300, box=True, box_padding=12))
    assert boxed.shape[1] <= 300 + 24


def test_wrapping_breaks_overlong_words() -> None:
    img = rasterize_text("x" * 200, TextStyle(size=20, max_width=150))
    assert img.shape[1] <= 150
    assert img.shape[0] > 5 * 20


@pytest.mark.parametrize(
    ("text", "style"),
    [
        ("x" * 10_001, TextStyle()),
        ("x", TextStyle(size=3)),
        ("x", TextStyle(size=1001)),
        ("x", TextStyle(color="not-a-colour")),
        ("x", TextStyle(box=True, box_color="#12345")),
        ("x", TextStyle(line_spacing=0)),
        ("x", TextStyle(outline=-1)),
        ("x", TextStyle(max_width=0)),
    ],
)
def test_limits_raise_value_error(text: str, style: TextStyle) -> None:
    with pytest.raises(ValueError, match=r"."):
        rasterize_text(text, style)


def test_limit_values_are_accepted() -> None:
    assert rasterize_text("x" * 10_000, TextStyle(size=4, max_width=2000)).shape[0] > 1
    assert rasterize_text("W", TextStyle(size=1000)).shape[0] > 1000


def test_find_font_shipped_and_files(tmp_path: Path) -> None:
    regular = SHIPPED / "DejaVuSans.ttf"
    bold = SHIPPED / "DejaVuSans-Bold.ttf"
    for name in (None, "DejaVu Sans", "sans", "sans-serif", "Sans-Serif"):
        assert find_font(name) == regular
        assert find_font(name, bold=True) == bold
    copy = tmp_path / "my font.ttf"
    shutil.copyfile(regular, copy)
    assert find_font(str(copy)) == copy.resolve()
    img = rasterize_text("from a file", TextStyle(font=str(copy)))
    assert np.array_equal(img, rasterize_text("from a file", TextStyle()))


def test_find_font_missing_file_names_the_font(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.otf")
    with pytest.raises(ProjectError, match=r"nope\.otf"):
        find_font(missing)
    with pytest.raises(ProjectError, match=r"nope\.otf"):
        rasterize_text("x", TextStyle(font=missing))


def test_find_font_unknown_family_falls_back_to_shipped() -> None:
    assert find_font("No Such Family 12345") == SHIPPED / "DejaVuSans.ttf"
    assert find_font("-x:y,z") == SHIPPED / "DejaVuSans.ttf"


def test_find_font_without_fontconfig(monkeypatch: pytest.MonkeyPatch) -> None:
    find_font.cache_clear()
    monkeypatch.setattr(fonts_module.shutil, "which", lambda _name: None)
    try:
        assert find_font("DejaVu Serif") == SHIPPED / "DejaVuSans.ttf"
    finally:
        find_font.cache_clear()


def test_find_font_with_fontconfig() -> None:
    import subprocess

    tools.which("fc-match", FONTCONFIG)
    proc = subprocess.run(
        [tools.which("fc-list", FONTCONFIG), "--format=%{family[0]}\n"],
        capture_output=True,
        text=True,
        check=False,
    )
    families = [f for f in proc.stdout.splitlines() if f and f.isascii()]
    if not families:
        tools.missing(f"fontconfig knows no fonts ({FONTCONFIG})")
    found = find_font(families[0])
    assert found.is_file()
    assert found.suffix.lower() in {".ttf", ".otf", ".ttc"}
