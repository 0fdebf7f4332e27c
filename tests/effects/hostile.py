"""Hostile and broken WASM modules (WAT text), each with what vnb must say about it."""

from __future__ import annotations

ALLOC = """
  (global $next (mut i32) (i32.const 1024))
  (func (export "vnb_abi_version") (result i32) (i32.const 1))
  (func (export "alloc") (param $len i32) (result i32)
    (local $ptr i32) (local $end i32) (local $have i32)
    (local.set $ptr (i32.and (i32.add (global.get $next) (i32.const 15)) (i32.const -16)))
    (local.set $end (i32.add (i32.add (local.get $ptr) (local.get $len)) (i32.const 64)))
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then (if (i32.eq (memory.grow (i32.shr_u (i32.add (i32.sub (local.get $end)
                  (local.get $have)) (i32.const 65535)) (i32.const 16))) (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $next (local.get $end))
    (local.get $ptr))
"""
OK_APPLY = '(func (export "apply") (param i32) (result i32) (i32.const 0))'
MEMORY = '(memory (export "memory") 1)'


def module(apply: str = OK_APPLY, *, memory: str = MEMORY, extra: str = "") -> bytes:
    return f"(module {extra} {memory} {ALLOC} {apply})".encode()


def meta(json_text: str) -> str:
    return '(@custom "vnb.meta" "' + json_text.replace('"', '\\"') + '")'


INFINITE_LOOP = module(
    '(func (export "apply") (param i32) (result i32) (loop $l (br $l)) (i32.const 0))'
)
START_LOOP = module("(func $s (loop $l (br $l))) (start $s) " + OK_APPLY)
MEMORY_BOMB = module(  # grows until refused, then reports how many pages it got
    '(func (export "apply") (param i32) (result i32)'
    " (block $d (loop $l (br_if $d (i32.eq (memory.grow (i32.const 16)) (i32.const -1)))"
    " (br $l))) (memory.size))"
)
HUGE_INITIAL_MEMORY = module(memory='(memory (export "memory") 60000)')
OUT_OF_BOUNDS = module('(func (export "apply") (param i32) (result i32) (i32.load (i32.const -8)))')
UNREACHABLE = module('(func (export "apply") (param i32) (result i32) unreachable)')
DIVIDE_BY_ZERO = module(  # reserved byte 40 of the frame block is zero
    '(func (export "apply") (param $f i32) (result i32)'
    " (i32.div_u (i32.const 1) (i32.load offset=40 (local.get $f))))"
)
STACK_OVERFLOW = module(
    "(func $r (param i32) (result i32) (i32.add (call $r (local.get 0)) (i32.const 1)))"
    ' (func (export "apply") (param $f i32) (result i32) (call $r (local.get $f)))'
)
ERROR_RETURN = module('(func (export "apply") (param i32) (result i32) (i32.const 42))')
WASI_FD_WRITE = module(
    extra='(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))'
)
WASI_PATH_OPEN = module(
    extra='(import "wasi_snapshot_preview1" "path_open"'
    " (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))"
)
IMPORTED_MEMORY = (
    f'(module (import "env" "memory" (memory 1)) (export "memory" (memory 0)) {ALLOC} {OK_APPLY})'
).encode()
ABI_2_META = module(extra=meta('{"vnb_abi": 2, "name": "future"}'))
ABI_2_CONSTANT = module().replace(b"(result i32) (i32.const 1))", b"(result i32) (i32.const 2))", 1)
ABI_2_COMPUTED = module().replace(
    b"(result i32) (i32.const 1))", b"(result i32) (i32.add (i32.const 1) (i32.const 1)))", 1
)
ASKS_NETWORK = module(extra=meta('{"vnb_abi": 1, "name": "spy", "permissions": ["network"]}'))
MEMORY_64 = module(memory='(memory (export "memory") i64 1)')
ALLOC_OUTSIDE = module().replace(b"(local.get $ptr))", b"(i32.const 100000000))")
ALLOC_OVERLAP = module().replace(b"(global.set $next (local.get $end))", b"")
WRONG_SIGNATURE = module('(func (export "apply") (param i64) (result i32) (i32.const 0))')
NO_APPLY = module("")
INVALID_BYTES = b"\0asm\x01\0\0\0\x05\xff\xff\xff"
NOT_WASM = bytes(range(7, 200, 3))
COMPONENT = b"\0asm\x0d\x00\x01\x00"
