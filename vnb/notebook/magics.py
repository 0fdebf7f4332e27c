"""The ``%vnb`` line magic: ``render``, ``doctor``, ``editor``, ``language``, ``help``."""

from __future__ import annotations

import argparse
import json
import shlex
from typing import TYPE_CHECKING, Any, NoReturn

from vnb.errors import VnbError
from vnb.notebook import i18n
from vnb.notebook.i18n import text

if TYPE_CHECKING:
    from vnb.schema import Project

__all__: list[str] = []  # internal: used only inside its own package


class _Usage(Exception):
    """A mistake in the magic's arguments."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        msg = f"%vnb {self.prog.split()[-1]}: {message}"
        raise _Usage(msg)


def _usage_error(message: str) -> Exception:
    from IPython.core.error import UsageError  # noqa: PLC0415

    return UsageError(message)


def _find_project(shell: Any, name: str | None) -> Project:
    """The project named ``name`` in the user's namespace, or the one meant without a name."""
    from vnb.notebook import last_project  # noqa: PLC0415
    from vnb.schema import Project  # noqa: PLC0415

    namespace = getattr(shell, "user_ns", {})
    if name is not None:
        found = namespace.get(name)
        if not isinstance(found, Project):
            raise _usage_error(text("not_a_project", name=name))
        return found
    last = last_project()
    if last is not None:
        return last
    found_all = [v for k, v in namespace.items() if isinstance(v, Project) and k[:1] != "_"]
    unique = {id(p): p for p in found_all}
    if len(unique) == 1:
        return next(iter(unique.values()))
    raise _usage_error(text("no_project"))


def _render(shell: Any, args: list[str]) -> None:
    from IPython.display import display  # noqa: PLC0415

    parser = _Parser(prog="%vnb render", add_help=False)
    parser.add_argument("names", nargs="+")
    parser.add_argument("--preset")
    parser.add_argument("--crf", type=int)
    parser.add_argument("--speed")
    parser.add_argument("--hardware", choices=["none", "auto"])
    ns = parser.parse_args(args)
    if len(ns.names) > 2:
        parser.error("give at most a project and an output file")
    name, output = (None, ns.names[0]) if len(ns.names) == 1 else ns.names
    project = _find_project(shell, name)
    overrides = {k: v for k in ("crf", "speed", "hardware") if (v := getattr(ns, k)) is not None}
    from vnb.notebook.jobview import job_widget  # noqa: PLC0415 - the engine on use
    from vnb.render.jobs import set_job_view, submit  # noqa: PLC0415

    set_job_view(job_widget)  # a progress bar and a cancel button, as `render_async` shows
    display(submit(project, output, ns.preset, **overrides))


def _doctor(args: list[str]) -> None:
    from vnb.doctor import doctor, format_report  # noqa: PLC0415

    report = doctor()
    print(json.dumps(report, indent=2) if "--json" in args else format_report(report))


def _editor(shell: Any, args: list[str]) -> None:
    from IPython.display import display  # noqa: PLC0415

    from vnb.notebook import editor_for  # noqa: PLC0415

    display(editor_for(_find_project(shell, args[0] if args else None)))


def _language(args: list[str]) -> None:
    if args:
        try:
            i18n.set_language(args[0])
        except VnbError as err:
            raise _usage_error(str(err)) from None
    print(text("language_set"))


def vnb_magic(shell: Any, line: str) -> None:
    """Run ``%vnb COMMAND ...`` (see ``%vnb help``).

    Raises:
        UsageError: bad arguments (IPython shows the message without a traceback).
    """
    try:
        args = shlex.split(line)
    except ValueError as err:
        msg = f"%vnb: {err}"
        raise _usage_error(msg) from None
    command, rest = (args[0], args[1:]) if args else ("help", [])
    try:
        if command == "render":
            _render(shell, rest)
        elif command == "doctor":
            _doctor(rest)
        elif command == "editor":
            _editor(shell, rest)
        elif command == "language":
            _language(rest)
        elif command in ("help", "-h", "--help"):
            print(text("magic_help"))
        else:
            msg = f"%vnb: unknown command {command!r}\n{text('magic_help')}"
            raise _Usage(msg)
    except _Usage as err:
        raise _usage_error(str(err)) from None


def register(shell: Any) -> None:
    """Register ``%vnb`` in an IPython shell."""

    def vnb(line: str) -> None:
        vnb_magic(shell, line)

    vnb.__doc__ = text("magic_help")
    shell.register_magic_function(vnb, magic_kind="line", magic_name="vnb")
