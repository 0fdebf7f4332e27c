"""The committed JSON Schema of the project file must match the models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import vnb
from vnb.schema import jsonschema
from vnb.schema.jsonschema import SCHEMA_FILE, project_json_schema, render_json_schema

REGENERATE = "python -m vnb.schema.jsonschema"


def test_committed_schema_is_current() -> None:
    assert SCHEMA_FILE.exists(), f"{SCHEMA_FILE} is missing: run `{REGENERATE}`"
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    if committed != render_json_schema():
        pytest.fail(
            f"{SCHEMA_FILE.name} is stale: the project models changed. Regenerate it with "
            f"`{REGENERATE}` and commit the result (and consider whether old files need a "
            "migration).",
            pytrace=False,
        )


def test_schema_shape() -> None:
    schema = project_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "Project"
    assert schema["additionalProperties"] is False
    assert schema["properties"]["format"]["const"] == "vnb.project"
    assert schema["properties"]["fps"]["default"] == 30
    for name in ("Clip", "Track", "Transition", "Title", "Subtitles", "ExportSettings"):
        assert schema["$defs"][name]["additionalProperties"] is False
    assert json.loads(render_json_schema()) == schema
    assert render_json_schema().endswith("}\n")


def test_main_writes_the_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "schema.json"
    assert jsonschema.main([str(out)]) == 0
    assert out.read_text(encoding="utf-8") == render_json_schema()
    assert str(out) in capsys.readouterr().out


def test_defaults_in_the_schema_match_the_models() -> None:
    """A default the schema advertises is the value a saved file holds."""
    schema = project_json_schema()
    saved = json.loads(vnb.Project().to_json())
    for name, prop in schema["properties"].items():
        if "default" in prop:
            assert saved[name] == prop["default"], name
