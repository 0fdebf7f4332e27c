"""Tests of vnb.ffmpeg.escape: golden strings and round trips through the real ffmpeg."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from tests.helpers.ffmpeg import run_ffmpeg
from vnb.ffmpeg.escape import (
    escape_graph,
    escape_label,
    escape_option_value,
    filter_arg,
    format_filter,
)

NASTY = [
    "it's 50% off: [x]; a,b \\ c",
    "say \"hi\" and 'bye'",
    "a=b",
    "key=value:other=1",
    "/value=/etc/hostname",
    "line one\nline two\n\nline four",
    "cr\r\nlf",
    "%{pts} %{localtime} %%",
    "emoji 🎬🙂 and 漢字 and é",
    "C:\\a b\\c.srt",
    "x',drawtext=textfile='/etc/passwd",
    "[in][out];[a]",
    "  leading and trailing  ",
    "\t\n tabs \t\n",
    "\\",
    "'",
    "\\'",
    "trailing backslash\\",
    "",
    " ",
    "#comment",
    "@",
]


# --- golden text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("plain", "plain"),
        ("a:b", "a\\:b"),
        ("a=b", "a\\=b"),
        ("it's", "it\\'s"),
        ("a\\b", "a\\\\b"),
        ("[x],;", "[x],;"),
        (" a b ", "\\ a b\\ "),
        ("\n", "\\\n"),
    ],
)
def test_escape_option_value_golden(raw: str, expected: str) -> None:
    assert escape_option_value(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("plain", "plain"),
        ("a:b=c", "a:b=c"),
        ("[x]", "\\[x\\]"),
        ("a,b;c", "a\\,b\\;c"),
        ("it's", "it\\'s"),
        ("a\\:b", "a\\\\:b"),
        ("  x ", "\\ \\ x\\ "),
    ],
)
def test_escape_graph_golden(raw: str, expected: str) -> None:
    assert escape_graph(raw) == expected


def test_filter_arg_strings_golden() -> None:
    assert filter_arg("x',drawtext=textfile='/etc/passwd") == (
        "x\\\\\\'\\,drawtext\\\\=textfile\\\\=\\\\\\'/etc/passwd"
    )
    assert filter_arg("C:\\a b\\c.srt") == "C\\\\:\\\\\\\\a b\\\\\\\\c.srt"
    assert filter_arg("if(gt(t,2),1,0)") == "if(gt(t\\,2)\\,1\\,0)"
    assert filter_arg("") == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, "1"),
        (False, "0"),
        (0, "0"),
        (-12, "-12"),
        (np.int64(7), "7"),
        (Fraction(30000, 1001), "30000/1001"),
        (1.5, "1.5"),
        (2.0, "2.0"),
        (1e-07, "0.0000001"),
        (1e20, "100000000000000000000"),
        (-2.5e-5, "-0.000025"),
        (0.1, "0.1"),
        (np.float32(0.5), "0.5"),
        (Decimal("1E-3"), "0.001"),
    ],
)
def test_filter_arg_numbers(value: object, expected: str) -> None:
    assert filter_arg(value) == expected


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, Decimal("NaN")])
def test_filter_arg_rejects_non_finite(bad: object) -> None:
    with pytest.raises(ValueError, match="finite"):
        filter_arg(bad)


def test_filter_arg_rejects_other_types_and_nul() -> None:
    with pytest.raises(TypeError):
        filter_arg(None)
    with pytest.raises(TypeError):
        filter_arg(b"bytes")
    with pytest.raises(ValueError, match="NUL"):
        filter_arg("a\x00b")


def test_format_filter() -> None:
    assert format_filter("null") == "null"
    assert format_filter("scale", {"w": 1280, "h": -2}) == "scale=w=1280:h=-2"
    assert format_filter("fade", ["in", 0, 25]) == "fade=in:0:25"
    assert format_filter("setpts", {"expr": "PTS-STARTPTS"}) == "setpts=expr=PTS-STARTPTS"
    assert format_filter("lutyuv", {"y": "val*1.1"}) == "lutyuv=y=val*1.1"
    assert format_filter("a_b9", {}) == "a_b9"


@pytest.mark.parametrize("name", ["", "Scale", "scale,null", "drawtext@x", "a b", "a=b", "é"])
def test_format_filter_rejects_bad_names(name: str) -> None:
    with pytest.raises(ValueError, match="filter name"):
        format_filter(name)


def test_format_filter_rejects_bad_keys_and_string_args() -> None:
    with pytest.raises(ValueError, match="option name"):
        format_filter("scale", {"/w": "x"})
    with pytest.raises(TypeError):
        format_filter("scale", "w=1")


def test_escape_label() -> None:
    assert escape_label("v0") == "v0"
    assert escape_label("Title_3") == "Title_3"
    for bad in ["", "a b", "a]", "[a", "a;b", "a,b", "é", "0:v"]:
        with pytest.raises(ValueError, match="label"):
            escape_label(bad)


# --- round trips through the real ffmpeg ------------------------------------------------------


def _graph(value: str, out: Path) -> str:
    add = format_filter("metadata", {"mode": "add", "key": "k", "value": value})
    show = format_filter("metadata", {"mode": "print", "file": str(out)})
    return f"{add},{show}"


def _run(how: str, graph: str, tmp_path: Path) -> None:
    src = ["-f", "lavfi", "-i", "color=s=16x16:d=0.04:r=25"]
    if how == "vf":
        args = [*src, "-vf", graph]
    elif how == "filter_complex":
        args = [*src, "-filter_complex", f"[0:v]{graph}[out]", "-map", "[out]"]
    else:
        script = tmp_path / "graph.txt"
        script.write_bytes(f"[0:v]{graph}[out]".encode())
        args = [*src, "-/filter_complex", str(script), "-map", "[out]"]
    run_ffmpeg(*args, "-f", "null", "-", timeout=60)


def _printed_value(out: Path) -> str:
    # One frame: "frame:0 pts:0 pts_time:0\nk=<value>\n"; the value may hold newlines.
    text = out.read_bytes().decode()
    header, _, rest = text.partition("\n")
    assert header.startswith("frame:0")
    assert rest.startswith("k=")
    assert rest.endswith("\n")
    return rest[2:-1]


@pytest.mark.parametrize("how", ["vf", "filter_complex", "script"])
@pytest.mark.parametrize("value", NASTY, ids=range(len(NASTY)))
def test_roundtrip_through_ffmpeg(tmp_path: Path, how: str, value: str) -> None:
    out = tmp_path / "meta.txt"
    _run(how, _graph(value, out), tmp_path)
    assert _printed_value(out) == value


@pytest.mark.parametrize("how", ["vf", "script"])
def test_nasty_file_name_through_ffmpeg(tmp_path: Path, how: str) -> None:
    # The print filter's own file= option is a file name with quotes, colons, brackets, % etc.
    folder = tmp_path / "it's [50%] off; a,b"
    folder.mkdir()
    out = folder / "out: 'é' \\ \"q\".txt"
    _run(how, _graph("ok", out), tmp_path)
    assert _printed_value(out) == "ok"


def test_positional_value_with_equals_stays_positional(tmp_path: Path) -> None:
    # metadata's positional order is mode:key:value; "/value=/etc/hostname" must not load a file.
    out = tmp_path / "meta.txt"
    add = format_filter("metadata", ["add", "k", "/value=/etc/hostname"])
    show = format_filter("metadata", {"mode": "print", "file": str(out)})
    _run("vf", f"{add},{show}", tmp_path)
    assert _printed_value(out) == "/value=/etc/hostname"
