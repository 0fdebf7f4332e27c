"""Upgrades of older project documents, one pure ``dict -> dict`` function per version."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from vnb.errors import SchemaVersionError

__all__: list[str] = []  # internal: used only inside its own package

FORMAT: Final = "vnb.project"
SCHEMA_VERSION: Final = 2

# MIGRATIONS[n] upgrades a version-n document to version n + 1.


def _v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 2 adds keyframes and title offsets: nothing changes in a version 1 document.

    The new fields (``animations``; a title's ``x``, ``y``, ``scale``, ``opacity``) default
    to what version 1 meant.
    """
    return doc


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2}


def migrate(doc: dict[str, Any], *, file: str | None = None) -> dict[str, Any]:
    """Bring a parsed document to the current version.

    Raises:
        SchemaVersionError: not a vnb project, a version newer than this vnb, or no migration.
    """
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        msg = f'format: not a vnb project (expected "format": "{FORMAT}")'
        raise SchemaVersionError(msg, file=file)
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        msg = f"version: expected a positive integer, got {version!r}"
        raise SchemaVersionError(msg, file=file)
    if version > SCHEMA_VERSION:
        msg = (
            f"version: the file is version {version}, newer than this vnb understands "
            f"({SCHEMA_VERSION}); upgrade vnb"
        )
        raise SchemaVersionError(msg, file=file)
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            msg = f"version: no migration from version {version}"
            raise SchemaVersionError(msg, file=file)
        doc = step(doc)
        version += 1
        doc["version"] = version
    return doc
