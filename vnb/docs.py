"""The README's generated sections: the CLI reference and the effects list.

Both are made from the code itself — the CLI reference from the ``vnb`` command's own argparse
help, the effects list from the effects registry — and written between marker comments in
``README.md``, so they cannot drift from what the program does::

    python -m vnb.docs --write   # regenerate the sections in README.md
    python -m vnb.docs --check   # exit 1, naming the stale sections, if they are out of date

A test runs the check. `generated_sections` and `update` are pure (text in, text out);
only `main` reads and writes the file.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from vnb.errors import VnbError
from vnb.fileio import atomic_write

__all__: list[str] = []  # a script (`python -m vnb.docs`), not an API

COMMAND = "python -m vnb.docs --write"
"""The command that regenerates the README's generated sections."""

_WIDTH = 100  # argparse wraps help at the terminal's width; a fixed one keeps the text stable
_README = Path(__file__).resolve().parent.parent / "README.md"


def _begin(name: str) -> str:
    return f"<!-- BEGIN generated {name}: edit vnb, then run `{COMMAND}` -->"


def _end(name: str) -> str:
    return f"<!-- END generated {name} -->"


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    # argparse has no public way to list subcommands; the subparsers action holds them.
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _help_text(parser: argparse.ArgumentParser) -> str:
    parser.formatter_class = lambda prog: argparse.HelpFormatter(prog, width=_WIDTH)
    lines = parser.format_help().rstrip().splitlines()
    keep = [line.rstrip() for line in lines if not line.lstrip().startswith("-h, --help")]
    if keep and keep[-1] == "options:":  # -h was its only option
        keep = keep[:-2] if len(keep) > 1 and not keep[-2] else keep[:-1]
    return "\n".join(keep)


def cli_reference() -> str:
    """Markdown: a table of the ``vnb`` subcommands, then each one's ``--help``."""
    from vnb.cli import _parser  # noqa: PLC0415

    parser = _parser()
    commands = _subcommands(parser)
    summaries = {a.dest: a.help or "" for a in _subparser_actions(parser)}
    rows = ["| command | what it does |", "| --- | --- |"]
    rows += [f"| `vnb {name}` | {summaries.get(name, '')} |" for name in commands]
    helps = "\n\n".join(_help_text(sub) for sub in commands.values())
    return "\n".join([*rows, "", "```text", helps, "```"])


def _subparser_actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action._choices_actions)
    return []


def _value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return repr(value) if isinstance(value, str) else str(value)


def effects_list() -> str:
    """Markdown: a table of the built-in effects, their parameters and what they do."""
    from vnb.schema.registry import REGISTRY  # noqa: PLC0415

    rows = ["| effect | parameters: default [range] | what it does |", "| --- | --- | --- |"]
    for spec in REGISTRY.values():
        params = []
        for p in spec.params:
            bounds = f" [{p.minimum:.4g}..{p.maximum:.4g}]" if p.minimum is not None else ""
            params.append(f"`{p.name}`={_value(p.default)}{bounds}")
        call = f"`vnb.effects.{spec.name}()`"
        rows.append(f"| {call} | {', '.join(params) or '—'} | {spec.doc} |")
    examples = sorted((Path(__file__).parent / "effects" / "wasm" / "examples").glob("*.wat"))
    names = ", ".join(f"`{p.stem}`" for p in examples)
    tail = f"WASM examples shipped in `vnb/effects/wasm/examples/`: {names}." if examples else ""
    return "\n".join(rows) + (f"\n\n{tail}" if tail else "")


def generated_sections() -> dict[str, Callable[[], str]]:
    """The generated sections by name, each with the function that makes its text."""
    return {"cli-reference": cli_reference, "effects-list": effects_list}


def update(text: str, sections: dict[str, str]) -> str:
    """``text`` with each named section's body between its markers replaced.

    Raises:
        VnbError: a section's markers are missing (the message shows the pair to add).
    """
    for name, body in sections.items():
        pattern = re.compile(re.escape(_begin(name)) + r"\n.*?" + re.escape(_end(name)), re.S)
        found = pattern.search(text)
        if not found:
            msg = f"README.md has no markers for {name!r}: add\n{_begin(name)}\n{_end(name)}"
            raise VnbError(msg)
        block = f"{_begin(name)}\n{body.rstrip()}\n{_end(name)}"
        text = text[: found.start()] + block + text[found.end() :]
    return text


def stale_sections(text: str) -> list[str]:
    """The names of the sections of ``text`` that differ from what the code makes now."""
    made = {name: make() for name, make in generated_sections().items()}
    return [name for name in made if update(text, {name: made[name]}) != text]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m vnb.docs [--write | --check] [--readme PATH]``; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m vnb.docs", description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="rewrite the generated sections")
    mode.add_argument("--check", action="store_true", help="exit 1 if they are stale (default)")
    parser.add_argument("--readme", type=Path, default=_README, help="default: the checkout's")
    args = parser.parse_args(argv)
    text = args.readme.read_text(encoding="utf-8")
    try:
        if args.write:
            made = {name: make() for name, make in generated_sections().items()}
            new = update(text, made)
            if new != text:
                atomic_write(args.readme.absolute(), new.encode(), what="README", backup=False)
            print(
                f"{args.readme}: {', '.join(made)} "
                + ("rewritten" if new != text else "up to date")
            )
            return 0
        stale = stale_sections(text)
    except VnbError as err:
        print(f"vnb.docs: error: {err}", file=sys.stderr)
        return 1
    if stale:
        print(f"{args.readme}: stale: {', '.join(stale)}; run `{COMMAND}`", file=sys.stderr)
        return 1
    print(f"{args.readme}: generated sections up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
