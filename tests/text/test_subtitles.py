"""Tests of vnb.text.subtitles."""

# ruff: noqa: E501

from __future__ import annotations

from pathlib import Path

import pytest

from vnb.errors import ProjectError
from vnb.text.subtitles import Cue, load_subtitles, parse_subtitles

SRT = """1
00:00:05,000 --> 00:00:06,500
Third by time, <i>italic</i> and <b>bold</b>

2
00:00:01,000 --> 00:00:02,000
<font color="#ff0000">First</font>
two lines

3
00:00:03,000 --> 00:00:04,250
Second: a<3b, 5 < 6 > 2 {\\b1}x{\\b0}
"""

ASS = r"""[Script Info]
ScriptType: v4.00+

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,Arial,20,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,2,2,2,10,10,10,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:05.00,0:00:06.50,Default,,0,0,0,,{\b1}Bold{\b0} and {\i1}italic{\i0}\Nsecond line
Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,{\pos(10,20)\c&H0000FF&\fad(200,200)}Positioned, with comma
Comment: 0,0:00:03.00,0:00:04.00,Default,,0,0,0,,a comment
Dialogue: 0,0:00:03.00,0:00:04.00,Default,,0,0,0,,{\p1}m 0 0 l 100 0 100 100 0 100{\p0}
Dialogue: 0,0:00:07.00,0:00:08.00,Default,,0,0,0,,hard\hspace {\p1}m 0 0 l 1 1{\p0}after
"""

VTT = """WEBVTT - a title

NOTE a note
spanning lines

STYLE
::cue { color: yellow }

intro
00:01.000 --> 00:02.000 align:start position:10%
<v Roger>Hi <c.yellow>there</c> <00:01.500>now &amp; &lt;then&gt;

00:00:02.500 --> 00:00:03.000
<i>x</i> &#x1F3AC;

NOTE between cues

cue-3
00:00:03.000 --> 00:00:04.000
last
line
"""


def test_srt_three_cues_sorted_and_plain() -> None:
    cues = parse_subtitles(SRT)
    assert cues == [
        Cue(1.0, 2.0, "First\ntwo lines"),
        Cue(3.0, 4.25, "Second: a<3b, 5 < 6 > 2 x"),
        Cue(5.0, 6.5, "Third by time, italic and bold"),
    ]


def test_ass_override_tags_comments_and_drawings_removed() -> None:
    cues = parse_subtitles(ASS, "ass")
    assert cues == [
        Cue(1.0, 2.0, "Positioned, with comma"),
        Cue(5.0, 6.5, "Bold and italic\nsecond line"),
        Cue(7.0, 8.0, "hard\u00a0space after"),
    ]


def test_webvtt_identifiers_notes_tags_and_entities() -> None:
    cues = parse_subtitles(VTT, "webvtt")
    assert cues == [
        Cue(1.0, 2.0, "Hi there now & <then>"),
        Cue(2.5, 3.0, "x 🎬"),
        Cue(3.0, 4.0, "last\nline"),
    ]


def test_webvtt_header_only_is_empty() -> None:
    assert parse_subtitles("WEBVTT\n\n", "vtt") == []


@pytest.mark.parametrize(
    ("name", "content"),
    [("a.srt", SRT), ("b.ass", ASS), ("c.vtt", VTT), ("d.SSA", ASS), ("noext", SRT)],
)
def test_load_files(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    cues = load_subtitles(path)
    assert len(cues) == 3
    assert cues == sorted(cues, key=lambda c: (c.start, c.end))
    assert load_subtitles(str(path)) == cues


def test_load_utf8_bom_crlf_and_cp1252(tmp_path: Path) -> None:
    bom = tmp_path / "bom.srt"
    bom.write_bytes(b"\xef\xbb\xbf" + SRT.replace("\n", "\r\n").encode())
    assert load_subtitles(bom) == parse_subtitles(SRT)
    legacy = tmp_path / "legacy.srt"
    legacy.write_bytes("1\n00:00:01,000 --> 00:00:02,000\ncaf\u00e9 \u20ac\n".encode("cp1252"))
    assert load_subtitles(legacy) == [Cue(1.0, 2.0, "caf\u00e9 \u20ac")]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("broken.srt", "this is not\na subtitle file\n"),
        ("broken.vtt", "1\n00:00:01,000 --> 00:00:02,000\nno header\n"),
        (
            "broken.ass",
            "[Events]\nFormat: Layer, Start, End, Style, Text\nDialogue: 0,xx,yy,Default,t\n",
        ),
        ("weird name 'x'.sub", "{1}{2}microdvd\n"),
    ],
)
def test_malformed_file_names_the_file(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ProjectError) as info:
        load_subtitles(path)
    assert name in str(info.value)
    assert info.value.file == str(path)


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match=r"missing\.srt"):
        load_subtitles(tmp_path / "missing.srt")
    binary = tmp_path / "binary.srt"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ProjectError, match=r"binary\.srt"):
        load_subtitles(binary)


def test_parse_rejects_unknown_format() -> None:
    with pytest.raises(ProjectError, match="unknown subtitle format"):
        parse_subtitles(SRT, "sami")


def test_blank_srt_is_empty() -> None:
    assert parse_subtitles("") == []
    assert parse_subtitles("\n\n") == []
