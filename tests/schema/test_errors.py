"""Invalid project files: every problem at once, with the file's name and field paths."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import vnb
from vnb.errors import ProjectError, SchemaVersionError, VnbError
from vnb.schema import migrations
from vnb.schema import project as project_module
from vnb.schema.base import format_validation_error

HEAD = '{"format": "vnb.project", "version": 1'


def doc(**fields: Any) -> dict[str, Any]:
    return {"format": "vnb.project", "version": 1, **fields}


def clip(**fields: Any) -> dict[str, Any]:
    return {"color": "red", **fields}


def write(
    tmp_path: Path, content: str | bytes | dict[str, Any], name: str = "bad.vnb.json"
) -> Path:
    path = tmp_path / name
    if isinstance(content, dict):
        content = json.dumps(content)
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    return path


def load_error(path: Path) -> ProjectError:
    with pytest.raises(ProjectError) as info:
        vnb.load(path)
    return info.value


def test_all_problems_are_reported_at_once_with_file_and_paths(tmp_path: Path) -> None:
    bad = doc(
        tracks=[
            {"clips": [clip(id="a"), clip(id="b", start=5.0), clip(id="c", duration=-1)]},
            {"kind": "banana"},
        ]
    )
    err = load_error(write(tmp_path, bad))
    text = str(err)
    assert "bad.vnb.json" in text
    assert "2 problems" in text
    assert "tracks[0].clips[2].duration: Input should be greater than 0" in text
    assert "tracks[1].kind: Input should be 'video', 'audio' or 'text'" in text
    assert err.file is not None
    assert err.file.endswith("bad.vnb.json")
    assert len(err.problems) == 2


def test_problems_deep_in_the_tree_have_full_paths(tmp_path: Path) -> None:
    bad = doc(
        width=1280,
        tracks=[
            {"kind": "text", "titles": [{"text": "t", "position": "middle"}]},
            {"clips": [clip(transform={"crop": {"left": 1.5}})]},
        ],
        markers=[{"time": -1}],
        export={"crf": 100},
    )
    problems = load_error(write(tmp_path, bad)).problems
    assert any(p.startswith("tracks[0].titles[0].position: ") for p in problems)
    assert any(p.startswith("tracks[1].clips[0].transform.crop.left: ") for p in problems)
    assert any(p.startswith("markers[0].time: ") for p in problems)
    assert any(p.startswith("export.crf: ") for p in problems)
    assert len(problems) == 4


def test_cross_field_problems_name_their_object(tmp_path: Path) -> None:
    bad = doc(tracks=[{"clips": [clip(), {"source": "a.mp4", "color": "red"}]}])
    problems = load_error(write(tmp_path, bad)).problems
    assert problems == [
        "tracks[0].clips[1]: a clip has either a source file or a colour (exactly one)"
    ]


@pytest.mark.parametrize(
    "literal", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "nan", "inf"]
)
def test_non_finite_numbers_are_refused(tmp_path: Path, literal: str) -> None:
    text = HEAD + ', "tracks": [{"clips": [{"color": "red", "duration": ' + literal + "}]}]}"
    err = load_error(write(tmp_path, text))
    assert "bad.vnb.json" in str(err)
    assert "not valid JSON" in str(err) or "tracks[0].clips[0].duration: " in str(err)


@pytest.mark.parametrize("literal", ["NaN", "1e400"])
def test_non_finite_numbers_are_refused_in_metadata_too(tmp_path: Path, literal: str) -> None:
    err = load_error(write(tmp_path, HEAD + ', "metadata": {"x": [' + literal + "]}}"))
    assert "not valid JSON" in str(err) or "metadata.x" in str(err)


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"width": "1280"}, "width"),
        ({"width": 1280.0}, "width"),
        ({"width": True}, "width"),
        ({"name": 7}, "name"),
        ({"sample_rate": "48000"}, "sample_rate"),
        ({"tracks": [{"clips": [clip(duration="7")]}]}, "tracks[0].clips[0].duration"),
        ({"tracks": [{"clips": [clip(muted=1)]}]}, "tracks[0].clips[0].muted"),
        ({"tracks": [{"clips": [clip(muted="true")]}]}, "tracks[0].clips[0].muted"),
        ({"tracks": [{"clips": [clip(volume=None)]}]}, "tracks[0].clips[0].volume"),
        ({"tracks": [{"clips": [clip(id=12)]}]}, "tracks[0].clips[0].id"),
        ({"tracks": {"0": {}}}, "tracks"),
        ({"export": {"crf": "20"}}, "export.crf"),
    ],
)
def test_strict_types(tmp_path: Path, fields: dict[str, Any], path: str) -> None:
    err = load_error(write(tmp_path, doc(**fields)))
    assert err.problems[0].startswith(f"{path}: "), err.problems


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"bogus": 1}, "bogus"),
        ({"tracks": [{"colour": "red"}]}, "tracks[0].colour"),
        ({"tracks": [{"clips": [clip(durationn=2)]}]}, "tracks[0].clips[0].durationn"),
        (
            {"tracks": [{"clips": [clip(transform={"zoom": 2})]}]},
            "tracks[0].clips[0].transform.zoom",
        ),
        ({"export": {"bitrate": 1}}, "export.bitrate"),
        ({"markers": [{"time": 1.0, "note": ""}]}, "markers[0].note"),
    ],
)
def test_unknown_keys_are_refused(tmp_path: Path, fields: dict[str, Any], path: str) -> None:
    err = load_error(write(tmp_path, doc(**fields)))
    assert err.problems == [f"{path}: Extra inputs are not permitted"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"width": 100_000}, "width: "),
        ({"height": 0}, "height: "),
        ({"name": "x" * 1001}, "name: "),
        ({"tracks": [{"clips": [clip(source="a" * 5000, color=None)]}]}, "source: "),
        ({"tracks": [{"clips": [clip(effects=[{"name": "blur"}] * 65)]}]}, "effects: "),
        ({"tracks": [{"clips": [clip(effects=[{"name": "melt"}])]}]}, "unknown effect 'melt'"),
        ({"tracks": [{"clips": [clip(color="ultraviolet")]}]}, "color: not a colour"),
        ({"tracks": [{"clips": [clip(source="https://x/a.mp4", color=None)]}]}, "not a URL"),
        (
            {"tracks": [{"subtitles": [{"file": "pipe:0"}], "kind": "text"}]},
            "file: must be a local",
        ),
        ({"tracks": [{"kind": "text", "clips": [clip()]}]}, "text track holds titles"),
        ({"fps": "0/1"}, "fps: "),
        ({"fps": 30.5}, None),  # a float rate is fine: 61/2
    ],
)
def test_bounds_and_values(tmp_path: Path, fields: dict[str, Any], message: str | None) -> None:
    path = write(tmp_path, doc(**fields))
    if message is None:
        vnb.load(path)
        return
    assert message in str(load_error(path))


def test_deeply_nested_json_is_a_project_error(tmp_path: Path) -> None:
    err = load_error(write(tmp_path, "[" * 100_000))
    assert "not valid JSON" in str(err)
    assert "recursion" in str(err)
    nested = HEAD + ', "metadata": {"x": ' + "[" * 100_000 + "]" * 100_000 + "}}"
    assert "not valid JSON" in str(load_error(write(tmp_path, nested)))


def test_a_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.vnb.json"
    with path.open("wb") as f:  # sparse: no disk used
        f.truncate(project_module.MAX_FILE_BYTES + 1)
    err = load_error(path)
    assert "huge.vnb.json" in str(err)
    assert f"more than the limit of {64 * 1024 * 1024}" in str(err)


def test_the_size_limit_applies_to_real_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, doc(name="x" * 500))
    vnb.load(path)
    monkeypatch.setattr(project_module, "MAX_FILE_BYTES", 100)
    assert "more than the limit of 100" in str(load_error(path))


@pytest.mark.parametrize(
    "content",
    [b"", b"hello", b"{", b'{"format": "vnb.project",}', b"\xff\xfe\x00", b"{'a': 1}"],
)
def test_not_json(tmp_path: Path, content: bytes) -> None:
    err = load_error(write(tmp_path, content))
    assert "bad.vnb.json" in str(err)
    assert "not valid JSON" in str(err)


@pytest.mark.parametrize(
    "content",
    [
        "[]",
        "42",
        '"vnb.project"',
        "null",
        '{"version": 1}',
        '{"format": "vnb.timeline", "version": 1}',
        '{"format": "VNB.PROJECT", "version": 1}',
    ],
)
def test_wrong_format(tmp_path: Path, content: str) -> None:
    err = load_error(write(tmp_path, content))
    assert isinstance(err, SchemaVersionError)
    assert 'format: not a vnb project (expected "format": "vnb.project")' in str(err)
    assert "bad.vnb.json" in str(err)


def test_newer_version_is_a_schema_version_error(tmp_path: Path) -> None:
    from vnb.schema.migrations import SCHEMA_VERSION

    newer = SCHEMA_VERSION + 1
    with pytest.raises(SchemaVersionError, match=f"version {newer}, newer than this vnb") as info:
        vnb.load(write(tmp_path, doc(version=newer)))
    assert "upgrade vnb" in str(info.value)
    assert isinstance(info.value, ProjectError)


@pytest.mark.parametrize("version", [0, -1, "1", 1.0, True, None])
def test_bad_version(tmp_path: Path, version: object) -> None:
    with pytest.raises(SchemaVersionError, match="version: expected a positive integer"):
        vnb.load(write(tmp_path, doc(version=version)))


def test_missing_version(tmp_path: Path) -> None:
    with pytest.raises(SchemaVersionError, match="version: "):
        vnb.load(write(tmp_path, {"format": "vnb.project"}))


def test_unreadable_files(tmp_path: Path) -> None:
    err = load_error(tmp_path / "missing.vnb.json")
    assert "missing.vnb.json: cannot read" in str(err)
    assert "cannot read" in str(load_error(tmp_path))  # a folder


# -- migrations ----------------------------------------------------------------------------


@pytest.fixture
def two_migrations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Pretend the current version is 3, with steps 1 → 2 → 3 that rename fields."""
    calls: list[int] = []

    def v1_to_v2(d: dict[str, Any]) -> dict[str, Any]:
        calls.append(d["version"])
        d["title"] = d.pop("caption")
        return d

    def v2_to_v3(d: dict[str, Any]) -> dict[str, Any]:
        calls.append(d["version"])
        d["name"] = d.pop("title")
        return d

    monkeypatch.setattr(migrations, "SCHEMA_VERSION", 3)
    monkeypatch.setattr(migrations, "MIGRATIONS", {1: v1_to_v2, 2: v2_to_v3})
    return calls


def test_migrations_run_in_order(two_migrations: list[int]) -> None:
    out = migrations.migrate({"format": "vnb.project", "version": 1, "caption": "old"})
    assert out == {"format": "vnb.project", "version": 3, "name": "old"}
    assert two_migrations == [1, 2]


def test_migration_from_the_middle(two_migrations: list[int]) -> None:
    out = migrations.migrate({"format": "vnb.project", "version": 2, "title": "t"})
    assert out["name"] == "t"
    assert out["version"] == 3
    assert two_migrations == [2]


def test_current_version_is_not_migrated(two_migrations: list[int]) -> None:
    d = {"format": "vnb.project", "version": 3, "name": "n"}
    assert migrations.migrate(d) == d
    assert two_migrations == []


def test_missing_migration_is_a_schema_version_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", 3)
    monkeypatch.setattr(migrations, "MIGRATIONS", {2: lambda d: d})
    with pytest.raises(SchemaVersionError, match="no migration from version 1") as info:
        migrations.migrate({"format": "vnb.project", "version": 1}, file="old.vnb.json")
    assert info.value.file == "old.vnb.json"
    assert str(info.value).startswith("old.vnb.json: ")


def test_load_runs_the_migrations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An old file goes through the registered steps before it is validated."""
    seen: list[dict[str, Any]] = []

    def rename(d: dict[str, Any]) -> dict[str, Any]:
        d["name"] = d.pop("caption")
        return d

    def fake_migrate(d: dict[str, Any], *, file: str | None = None) -> dict[str, Any]:
        # Only inside migrate: the model itself stays at its version.
        current = migrations.SCHEMA_VERSION
        monkeypatch.setattr(migrations, "SCHEMA_VERSION", current + 1)
        monkeypatch.setattr(migrations, "MIGRATIONS", {**migrations.MIGRATIONS, current: rename})
        out = migrations.migrate(d, file=file)
        seen.append(dict(out))
        out["version"] = current  # the model itself still says its own version
        return out

    current = migrations.SCHEMA_VERSION
    monkeypatch.setattr(project_module, "migrate", fake_migrate)
    p = vnb.load(write(tmp_path, doc(caption="from an old file")))
    assert p.name == "from an old file"
    assert seen[0]["version"] == current + 1


def test_current_files_need_no_migration() -> None:
    assert migrations.SCHEMA_VERSION == 2
    assert migrations.FORMAT == "vnb.project"
    assert vnb.Project().version == migrations.SCHEMA_VERSION


# -- the error objects ---------------------------------------------------------------------


def test_error_hierarchy() -> None:
    assert issubclass(ProjectError, VnbError)
    assert issubclass(ProjectError, ValueError)
    assert issubclass(SchemaVersionError, ProjectError)


def test_error_message_shapes() -> None:
    one = ProjectError("width: too big", file="p.vnb.json")
    assert str(one) == "p.vnb.json: width: too big"
    assert one.problems == ["width: too big"]
    many = ProjectError(["a: x", "b: y"])
    assert str(many) == "2 problems:\n  - a: x\n  - b: y"
    assert many.file is None


def test_format_validation_error_paths() -> None:
    from pydantic import ValidationError

    from vnb.schema import Clip

    with pytest.raises(ValidationError) as info:
        Clip.model_validate({"color": "red", "duration": -1, "transform": {"crop": {"top": 2}}})
    lines = format_validation_error(info.value, "tracks[3].clips[4]")
    assert lines == [
        "tracks[3].clips[4].duration: Input should be greater than 0",
        "tracks[3].clips[4].transform.crop.top: Input should be less than 1",
    ]
