;; invert: the negative of the picture (255 - R, G, B); alpha is kept.  vnb WASM ABI version 1.
;; 64 bytes (16 pixels) per step, four v128.xor; the last step may read and write up to
;; 60 bytes past the frame, inside the 64 bytes of slack every block from `alloc` has.
(module
  (@custom "vnb.meta" "{\"vnb_abi\": 1, \"name\": \"invert\", \"version\": \"1.0\", \"description\": \"The negative of the picture (alpha kept)\", \"params\": []}")
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 1024))

  (func (export "vnb_abi_version") (result i32) (i32.const 1))

  ;; A bump allocator: 16-byte aligned blocks followed by 64 bytes of slack; 0 when full.
  (func (export "alloc") (param $len i32) (result i32)
    (local $ptr i32) (local $end i32) (local $have i32)
    (local.set $ptr (i32.and (i32.add (global.get $next) (i32.const 15)) (i32.const -16)))
    (local.set $end (i32.add (i32.add (local.get $ptr) (local.get $len)) (i32.const 64)))
    (if (i32.lt_u (local.get $end) (local.get $ptr)) (then (return (i32.const 0))))
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq
              (memory.grow (i32.shr_u (i32.add (i32.sub (local.get $end) (local.get $have))
                                               (i32.const 65535)) (i32.const 16)))
              (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $next (local.get $end))
    (local.get $ptr))

  ;; The frame block is sane: ABI 1 and stride = width * 4.
  (func $bad_block (param $f i32) (result i32)
    (if (i32.ne (i32.load offset=0 (local.get $f)) (i32.const 1)) (then (return (i32.const 1))))
    (if (i32.ne (i32.load offset=12 (local.get $f))
                (i32.shl (i32.load offset=4 (local.get $f)) (i32.const 2)))
      (then (return (i32.const 2))))
    (i32.const 0))

  (func (export "apply") (param $f i32) (result i32)
    (local $src i32) (local $dst i32) (local $n i32) (local $i i32) (local $mask v128)
    (if (call $bad_block (local.get $f)) (then (return (call $bad_block (local.get $f)))))
    (local.set $n (i32.mul (i32.load offset=12 (local.get $f)) (i32.load offset=8 (local.get $f))))
    (local.set $src (i32.load offset=16 (local.get $f)))
    (local.set $dst (i32.load offset=20 (local.get $f)))
    (local.set $mask (v128.const i32x4 0x00ffffff 0x00ffffff 0x00ffffff 0x00ffffff))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (v128.store offset=0 (i32.add (local.get $dst) (local.get $i))
          (v128.xor (v128.load offset=0 (i32.add (local.get $src) (local.get $i))) (local.get $mask)))
        (v128.store offset=16 (i32.add (local.get $dst) (local.get $i))
          (v128.xor (v128.load offset=16 (i32.add (local.get $src) (local.get $i))) (local.get $mask)))
        (v128.store offset=32 (i32.add (local.get $dst) (local.get $i))
          (v128.xor (v128.load offset=32 (i32.add (local.get $src) (local.get $i))) (local.get $mask)))
        (v128.store offset=48 (i32.add (local.get $dst) (local.get $i))
          (v128.xor (v128.load offset=48 (i32.add (local.get $src) (local.get $i))) (local.get $mask)))
        (local.set $i (i32.add (local.get $i) (i32.const 64)))
        (br $next)))
    (i32.const 0))
)
