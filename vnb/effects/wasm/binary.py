"""Read a WebAssembly binary's outline without compiling or instantiating it.

Pure Python, no wasmtime: the section list, the ``vnb.meta`` custom section, imports, the
declared memories and tables, exports, and — when the function is a plain constant — what
``vnb_abi_version`` returns. This is what lets vnb refuse a module (imports, 64-bit or shared
memories, oversized tables, a component instead of a core module, another ABI version) and
list a plugin's parameters before any of its code could run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vnb._varint import VarintError, read_varint

__all__: list[str] = []  # internal: used only inside its own package

MAGIC = b"\0asm"
CORE_VERSION = b"\x01\x00\x00\x00"
MAX_TABLE = 10_000
"""Largest initial table size accepted (elements)."""
MAX_EXPORTS = 256
"""Most exports a module may declare (ABI 1 needs four). wasmtime's export list costs
host time no deadline covers: 50,000 exports blocked the kernel for minutes."""
MAX_FUNCTIONS = 10_000
"""Most functions a module may define: compiling costs host time no deadline covers
(20,000 trivial functions took 6 s to compile on two busy cores)."""
MAX_ENTRIES = 100_000
"""Most entries in any other section (types, globals, element and data segments)."""
_COUNTED = {1: ("types", MAX_ENTRIES), 6: ("globals", MAX_ENTRIES), 9: ("element segments",
            MAX_ENTRIES), 11: ("data segments", MAX_ENTRIES)}  # fmt: skip

_KINDS = {0: "func", 1: "table", 2: "memory", 3: "global", 4: "tag"}
_I32_CONST, _END = 0x41, 0x0B


class WasmFormatError(ValueError):
    """The bytes are not a well-formed WebAssembly core module."""


@dataclass(slots=True)
class Outline:
    """What a module declares, read from its sections."""

    custom: dict[str, bytes] = field(default_factory=dict)
    """Custom sections by name (the first of each name)."""
    imports: list[tuple[str, str, str]] = field(default_factory=list)
    """``(module, name, kind)`` of every import."""
    memories: list[tuple[int, bool, bool]] = field(default_factory=list)
    """``(initial pages, is 64-bit, is shared)`` of every defined memory."""
    tables: list[int] = field(default_factory=list)
    """Initial size of every defined table."""
    exports: dict[str, tuple[str, int]] = field(default_factory=dict)
    """Export name → ``(kind, index)``."""
    const_results: dict[int, int] = field(default_factory=dict)
    """Function index → the i32 it returns, for bodies that are just ``i32.const N``."""
    has_start: bool = False

    def static_abi_version(self) -> int | None:
        """What ``vnb_abi_version`` returns, when that is visible without running it."""
        kind, index = self.exports.get("vnb_abi_version", ("", -1))
        return self.const_results.get(index) if kind == "func" else None


class _Reader:
    def __init__(self, data: bytes, pos: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    def byte(self) -> int:
        if self.pos >= self.end:
            msg = "unexpected end of section"
            raise WasmFormatError(msg)
        b = self.data[self.pos]
        self.pos += 1
        return b

    def uleb(self, bits: int = 32) -> int:
        try:
            result, self.pos = read_varint(self.data, self.pos, end=self.end, bits=bits)
        except VarintError as exc:
            raise WasmFormatError(str(exc)) from None
        return result

    def sleb32(self) -> int:
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
            if shift >= 35:
                msg = "integer too long"
                raise WasmFormatError(msg)
        if b & 0x40:
            result -= 1 << shift
        return result

    def take(self, n: int) -> bytes:
        if n > self.end - self.pos:
            msg = "length runs past the end of its section"
            raise WasmFormatError(msg)
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def name(self) -> str:
        try:
            return self.take(self.uleb()).decode("utf-8")
        except UnicodeDecodeError as err:
            msg = "a name is not UTF-8"
            raise WasmFormatError(msg) from err

    def limits(self) -> tuple[int, bool, bool]:
        """``(initial, 64-bit, shared)`` of a limits structure (memory or table)."""
        flags = self.byte()
        wide = bool(flags & 0x04)
        initial = self.uleb(64 if wide else 32)
        if flags & 0x01:
            self.uleb(64 if wide else 32)
        if flags & 0x08:  # custom page size
            self.uleb()
        return initial, wide, bool(flags & 0x02)


def _imports(r: _Reader, out: Outline) -> None:
    for _ in range(r.uleb()):
        module, name = r.name(), r.name()
        kind = r.byte()
        out.imports.append((module, name, _KINDS.get(kind, f"kind {kind}")))
        return  # one is enough to refuse the module; its description may use newer encodings


def _tables(r: _Reader, out: Outline) -> None:
    for _ in range(r.uleb()):
        lead = r.byte()
        if lead == 0x40:  # table with an initialiser expression: 0x40 0x00 reftype limits expr
            r.byte()
            lead = r.byte()
        if lead in (0x63, 0x64):  # (ref null? heaptype)
            r.sleb32()
        out.tables.append(r.limits()[0])
        return  # later tables may carry initialiser expressions; the first is enough here


def _bounded(count: int, what: str, limit: int) -> int:
    """``count``, or a refusal when it passes ``limit`` (checked before reading any entry)."""
    if count > limit:
        msg = f"declares {count} {what}; vnb accepts at most {limit}"
        raise WasmFormatError(msg)
    return count


def _code(r: _Reader, out: Outline, first_func: int) -> None:
    for i in range(_bounded(r.uleb(), "function bodies", MAX_FUNCTIONS)):
        size = r.uleb()
        body = _Reader(r.data, r.pos, r.pos + size)
        r.pos += size
        if r.pos > r.end:
            msg = "function body runs past the code section"
            raise WasmFormatError(msg)
        if body.uleb() != 0:  # declares locals: not a plain constant
            continue
        if body.pos < body.end and body.byte() == _I32_CONST:
            value = body.sleb32()
            if body.pos == body.end - 1 and body.byte() == _END:
                out.const_results[first_func + i] = value


def outline(data: bytes) -> Outline:
    """Read the sections of a core module.

    Raises:
        WasmFormatError: not a WebAssembly binary, a component rather than a core module, a
            malformed section header, or more exports (`MAX_EXPORTS`), functions
            (`MAX_FUNCTIONS`) or other entries (`MAX_ENTRIES`) than vnb accepts: they are
            refused here, before wasmtime spends unbounded time compiling them.
    """
    _check_header(data)
    out = Outline()
    r = _Reader(data, 8)
    while r.pos < r.end:
        section = r.byte()
        size = r.uleb()
        body = _Reader(data, r.pos, r.pos + size)
        r.take(size)
        _section(section, body, out)
    return out


def _check_header(data: bytes) -> None:
    """Refuse what is not a WebAssembly core module of the version vnb reads."""
    if data[:4] != MAGIC:
        msg = "not a WebAssembly binary (no \\0asm header)"
        raise WasmFormatError(msg)
    if data[4:8] != CORE_VERSION:
        what = "a WebAssembly component" if data[6:8] == b"\x01\x00" else "an unknown version"
        msg = f"{what}, not a core module (version bytes {data[4:8].hex()})"
        raise WasmFormatError(msg)


def _section(section: int, body: _Reader, out: Outline) -> None:
    """Take what vnb needs from one section (its id and its bytes) into ``out``."""
    if section == 0:
        name = body.name()
        out.custom.setdefault(name, body.data[body.pos : body.end])
    elif section == 2:
        _imports(body, out)
    elif section == 4:
        _tables(body, out)
    elif section == 5:
        out.memories += [body.limits() for _ in range(body.uleb())]
    elif section == 3:
        _bounded(body.uleb(), "functions", MAX_FUNCTIONS)
    elif section in _COUNTED:
        _bounded(body.uleb(), *_COUNTED[section])
    elif section == 7:
        for _ in range(_bounded(body.uleb(), "exports", MAX_EXPORTS)):
            name = body.name()
            kind = body.byte()
            out.exports[name] = (_KINDS.get(kind, f"kind {kind}"), body.uleb())
    elif section == 8:
        out.has_start = True
    elif section == 10:
        _code(body, out, first_func=0 if not out.imports else -1_000_000)
