"""The JSON Schema of the project file, committed beside this module as ``project.schema.json``.

Editors and other tools can validate a ``.vnb.json`` file against it. The committed copy is
generated from the pydantic models; a test fails when it is stale. Regenerate it with::

    python -m vnb.schema.jsonschema
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from vnb.fileio import atomic_write
from vnb.schema.project import Project

__all__: list[str] = []  # a script (`python -m vnb.schema.jsonschema`), not an API

SCHEMA_FILE = Path(__file__).with_name("project.schema.json")
"""Where the committed schema lives."""

_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def project_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a project document, as a dict."""
    schema = Project.model_json_schema()
    return {"$schema": _DIALECT, **schema}


def render_json_schema() -> str:
    """The schema as it is committed: indented by 2, keys sorted, ending with a newline."""
    return json.dumps(project_json_schema(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the schema to ``project.schema.json`` (or to the path given) and say where."""
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else SCHEMA_FILE
    atomic_write(target.absolute(), render_json_schema().encode(), what="schema", backup=False)
    sys.stdout.write(f"wrote {target}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
