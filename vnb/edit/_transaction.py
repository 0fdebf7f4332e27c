"""Atomic edits: save every object's fields, put them back on failure, notify once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from vnb.errors import ProjectError
from vnb.schema.base import Model, format_validation_error

if TYPE_CHECKING:
    from vnb.schema import Project

__all__: list[str] = []  # internal: used only inside its own package


@dataclass
class _Saved:
    obj: Model
    fields: dict[str, Any]
    lists: dict[str, tuple[list[Any], list[Any]]]
    fields_set: set[str]
    parent: Any
    order: list[str]


def _save(root: Model) -> list[_Saved]:
    saved: list[_Saved] = []
    stack = [root]
    while stack:
        obj = stack.pop()
        fields: dict[str, Any] = {}
        lists: dict[str, tuple[list[Any], list[Any]]] = {}
        for name, value in obj.__dict__.items():
            if isinstance(value, list):
                lists[name] = (value, list(value))
                stack.extend(x for x in value if isinstance(x, Model))
            else:
                fields[name] = value
                if isinstance(value, Model):
                    stack.append(value)
        fields_set, order = set(obj.__pydantic_fields_set__), list(obj.__dict__)
        saved.append(_Saved(obj, fields, lists, fields_set, obj._parent, order))
    return saved


def _put_back(saved: list[_Saved]) -> None:
    for s in saved:
        for items, content in s.lists.values():
            items[:] = content
        # The fields in their saved order, so the project serialises exactly as before.
        order = [*s.fields, *s.lists]
        order.sort(key=s.order.index)
        state = {n: s.lists[n][0] if n in s.lists else s.fields[n] for n in order}
        s.obj.__dict__.clear()
        s.obj.__dict__.update(state)
        object.__setattr__(s.obj, "__pydantic_fields_set__", s.fields_set)
        s.obj._parent = s.parent


@contextmanager
def transaction(project: Project) -> Iterator[Project]:
    """Run a block of changes as one edit: all of it or nothing, then one change event.

    Raises:
        ProjectError: the block raised one, or left the project invalid or with a new
            timeline problem; the project is then exactly as it was.
    """
    from vnb.plan import check_timeline  # noqa: PLC0415 - the plan imports the schema

    saved = _save(project)
    before = set(check_timeline(project))
    # Listeners hear about the edit once, when it is whole (the project's own list is muted).
    listeners = list(project._listeners)
    project._listeners.clear()
    done = False
    try:
        yield project
        project.validate_all()
        new = [p for p in check_timeline(project) if p not in before]
        if new:
            raise ProjectError(new)
        done = True
    finally:
        if not done:
            _put_back(saved)
        project._listeners[:] = listeners + project._listeners
    project._notify()


def restore(project: Project, state: dict[str, Any]) -> None:
    """Make ``project`` hold the document ``state`` (a ``model_dump``), then tell listeners.

    The project object stays the same; the tracks, clips… in it are new objects.

    Raises:
        ProjectError: ``state`` is not a valid project.
    """
    try:
        fresh = type(project).model_validate(state)
    except ValidationError as err:
        raise ProjectError(format_validation_error(err)) from None
    for name in type(project).model_fields:
        project.__dict__[name] = fresh.__dict__[name]
    object.__setattr__(project, "__pydantic_fields_set__", set(fresh.__pydantic_fields_set__))
    project._adopt()
    project._notify()
