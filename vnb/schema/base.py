"""The base model of every project object, and how validation errors become `ProjectError`."""

from __future__ import annotations

import os
import re
import uuid
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PrivateAttr, ValidationError

from vnb.errors import ProjectError

__all__ = ["Model", "format_validation_error"]

_ID_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
_PROTOCOL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def new_id(prefix: str) -> str:
    """A fresh random identifier such as ``clip-3f9a1c2e``."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _path_str(value: Any) -> Any:
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, str):
        if not value or "\x00" in value:
            msg = "must be a non-empty file name"
            raise ValueError(msg)
        if _PROTOCOL.match(value) and not _DRIVE.match(value):
            msg = f"must be a local file, not a URL or protocol: {value!r}"
            raise ValueError(msg)
    return value


PathStr = Annotated[str, BeforeValidator(_path_str)]
"""A local file name (str or PathLike); URLs and ``proto:`` names are refused."""


def _loc_text(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith(("function-", "tagged-union")) or "[" in part:
            continue
        else:
            out += f".{part}" if out else part
    return out


def format_validation_error(err: ValidationError, prefix: str = "") -> list[str]:
    """Turn pydantic's error into lines ``field.path: what is wrong``, one per problem."""
    lines = []
    for e in err.errors(include_url=False):
        where = _loc_text(tuple(e["loc"]))
        if prefix:
            where = f"{prefix}.{where}" if where else prefix
        text = str(e["msg"]).removeprefix("Value error, ")
        lines.append(f"{where}: {text}" if where else text)
    return lines


class Model(BaseModel):
    """Strict, closed, validated-on-assignment base of the project schema.

    Assigning a bad value raises `ProjectError` naming the field path
    (``tracks[0].clips[2].duration: ...``) and leaves the object unchanged.
    """

    model_config = ConfigDict(
        extra="forbid",
        validate_assignment=True,
        strict=True,
        allow_inf_nan=False,
        use_attribute_docstrings=True,
        str_max_length=100_000,
    )
    _parent: Any = PrivateAttr(default=None)

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as err:
            raise ProjectError(format_validation_error(err)) from None

    # Tell pydantic this is still its own __init__: nested objects are then validated without
    # calling it, so every problem of a document is collected into one ValidationError.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    def model_post_init(self, context: Any, /) -> None:
        """Point the children back at this object (pydantic builds children first)."""
        self._adopt()

    def _adopt(self) -> None:
        """Point the models held in fields (directly or in lists) at this object."""
        for value in self.__dict__.values():
            _adopt_value(self, value)

    def _path(self) -> str:
        """Where this object sits in its project, e.g. ``tracks[0].clips[2].transform``."""
        parent = self._parent
        if not isinstance(parent, Model):
            return ""
        where = parent._child_name(self)
        if where is None:  # taken out of its parent since
            return ""
        prefix = parent._path()
        return f"{prefix}.{where}" if prefix else where

    def _child_name(self, child: Model) -> str | None:
        for name, value in self.__dict__.items():
            if value is child:
                return name
            if isinstance(value, list):
                for i, x in enumerate(value):
                    if x is child:
                        return f"{name}[{i}]"
        return None

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            super().__setattr__(name, value)
            return
        # pydantic stores the value before running the model's own (after) validators, so a
        # value refused by one of them would stay: keep the state to put it back.
        before = dict(self.__dict__)
        fields_set = set(self.__pydantic_fields_set__)
        try:
            super().__setattr__(name, value)
        except ValidationError as err:
            self.__dict__.clear()
            self.__dict__.update(before)
            object.__setattr__(self, "__pydantic_fields_set__", fields_set)
            raise ProjectError(format_validation_error(err, self._path())) from None
        _adopt_value(self, self.__dict__.get(name))
        self._changed()

    def _changed(self) -> None:
        """Tell the root of the tree (the project) that something in it changed."""
        node = self
        while isinstance(node._parent, Model):
            node = node._parent
        node._notify()

    def _notify(self) -> None:
        """Called on the root after any change below it (the project tells its listeners)."""

    def __eq__(self, other: object) -> bool:
        # pydantic's __eq__ also compares private attributes, and ``_parent`` points back up
        # the tree: two projects would compare forever. Equal documents are equal objects.
        if not isinstance(other, BaseModel):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]


def _adopt_value(parent: Model, value: object) -> None:
    if isinstance(value, Model):
        value._parent = parent
    elif isinstance(value, list):
        for x in value:
            if isinstance(x, Model):
                x._parent = parent
