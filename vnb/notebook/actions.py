"""Edit messages from the editor in the browser, turned into `vnb.edit` calls.

A message is ``{"kind": "edit", "op": ..., ...}``; `apply` runs the matching operation and
`describe` names the undo step it makes. Any bad message (missing or mistyped fields
included) raises `ProjectError`, so the widget reports it and the project is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from vnb import edit
from vnb.errors import ProjectError
from vnb.notebook.i18n import text

if TYPE_CHECKING:
    from vnb.schema import Project

__all__: list[str] = []  # internal: used only inside its own package

Message = Mapping[str, Any]


def _str(msg: Message, name: str) -> str:
    value = msg.get(name)
    if not isinstance(value, str):
        msg_ = f"edit message: {name!r} must be a string, got {value!r}"
        raise ProjectError(msg_)
    return value


def _int(msg: Message, name: str) -> int:
    value = msg.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        msg_ = f"edit message: {name!r} must be an integer, got {value!r}"
        raise ProjectError(msg_)
    return value


def _opt_int(msg: Message, name: str) -> int | None:
    return None if msg.get(name) is None else _int(msg, name)


def _move(p: Project, m: Message) -> None:
    edit.move_clip(p, _str(m, "clip_id"), m.get("start"), _opt_int(m, "track"))  # type: ignore[arg-type]


def _trim(p: Project, m: Message) -> None:
    edit.trim_clip(p, _str(m, "clip_id"), start=m.get("start"), end=m.get("end"))


def _split(p: Project, m: Message) -> None:
    edit.split_clip(p, _str(m, "clip_id"), m.get("t"))  # type: ignore[arg-type]


def _delete(p: Project, m: Message) -> None:
    edit.remove_clip(p, _str(m, "clip_id"))


def _set(p: Project, m: Message) -> None:
    edit.set_clip(p, _str(m, "clip_id"), _str(m, "field"), m.get("value"))


def _effect(p: Project, m: Message) -> None:
    edit.set_effect_param(p, _str(m, "clip_id"), _int(m, "index"), _str(m, "param"), m.get("value"))


def _add_effect(p: Project, m: Message) -> None:
    edit.add_effect(p, _str(m, "clip_id"), _str(m, "name"))


def _remove_effect(p: Project, m: Message) -> None:
    edit.remove_effect(p, _str(m, "clip_id"), _int(m, "index"))


def _track(p: Project, m: Message) -> None:
    edit.set_track(p, _int(m, "index"), _str(m, "field"), m.get("value"))


def _marker(p: Project, m: Message) -> None:
    label = m.get("label", "")
    edit.add_marker(p, m.get("t"), label if isinstance(label, str) else "")  # type: ignore[arg-type]


def _remove_marker(p: Project, m: Message) -> None:
    edit.remove_marker(p, _int(m, "index"))


def _key_set(p: Project, m: Message) -> None:
    clip_id, path, t, value = _str(m, "clip_id"), _str(m, "path"), m.get("t"), m.get("value")
    edit.set_key(p, clip_id, path, t, value, easing=m.get("easing"))  # type: ignore[arg-type]


def _key_remove(p: Project, m: Message) -> None:
    edit.remove_key(p, _str(m, "clip_id"), _str(m, "path"), m.get("t"))  # type: ignore[arg-type]


def _key_move(p: Project, m: Message) -> None:
    edit.move_key(p, _str(m, "clip_id"), _str(m, "path"), m.get("t"), m.get("to"))  # type: ignore[arg-type]


def _key_easing(p: Project, m: Message) -> None:
    edit.set_key_easing(p, _str(m, "clip_id"), _str(m, "path"), m.get("t"), m.get("easing"))  # type: ignore[arg-type]


OPS: dict[str, Callable[[Project, Message], None]] = {
    "move": _move,
    "trim": _trim,
    "split": _split,
    "delete": _delete,
    "set": _set,
    "effect": _effect,
    "add_effect": _add_effect,
    "remove_effect": _remove_effect,
    "track": _track,
    "marker": _marker,
    "remove_marker": _remove_marker,
    "key_set": _key_set,
    "key_remove": _key_remove,
    "key_move": _key_move,
    "key_easing": _key_easing,
}
"""``op`` name → the function doing it (``undo`` and ``redo`` are handled by the widget)."""


def describe(msg: Message) -> str:
    """The label of the undo step the edit ``msg`` makes, e.g. "move clip"."""
    op = msg.get("op")
    if op == "set":
        return text("op_set", field=text(str(msg.get("field"))))
    return text(f"op_{op}") if op in OPS else str(op)


def apply(project: Project, msg: Message) -> None:
    """Run the edit a message asks for.

    Raises:
        ProjectError: an unknown operation, a malformed message, or a refused edit.
    """
    op = msg.get("op")
    if not isinstance(op, str) or op not in OPS:
        message = f"unknown edit {op!r} (one of: {', '.join(OPS)}, undo, redo)"
        raise ProjectError(message)
    OPS[op](project, msg)
