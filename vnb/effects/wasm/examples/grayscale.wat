;; grayscale: Y = (77 R + 150 G + 29 B + 128) >> 8 (BT.601 weights in 8.8 fixed point) in
;; R, G and B; alpha is kept.  vnb WASM ABI version 1.
;; SIMD, 16 pixels (64 bytes) per step: byte shuffles gather R and G, B and A of 8 pixels,
;; i16x8.extmul multiplies and widens, i8x16.narrow packs 16 lumas, and one shuffle per 4
;; pixels spreads each luma over R, G, B and takes alpha from the source. The last step may
;; read and write up to 60 bytes past the frame: inside the 64 bytes of slack of each block.
(module
  (@custom "vnb.meta" "{\"vnb_abi\": 1, \"name\": \"grayscale\", \"version\": \"1.0\", \"description\": \"Remove all colour (BT.601 luma, alpha kept)\", \"params\": []}")
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

  ;; Written out in full (no helper function): cranelift does not inline calls, and a call
  ;; per 8 pixels doubled the time of this loop.
  (func (export "apply") (param $f i32) (result i32)
    (local $s i32) (local $d i32) (local $end i32)
    (local $a v128) (local $b v128) (local $c v128) (local $e v128) (local $y v128)
    (local $rg1 v128) (local $ba1 v128) (local $rg2 v128) (local $ba2 v128)
    (local $k77 v128) (local $k150 v128) (local $k29 v128)
    (if (call $bad_block (local.get $f)) (then (return (call $bad_block (local.get $f)))))
    (local.set $s (i32.load offset=16 (local.get $f)))
    (local.set $d (i32.load offset=20 (local.get $f)))
    (local.set $end (i32.add (local.get $s)
      (i32.mul (i32.load offset=12 (local.get $f)) (i32.load offset=8 (local.get $f)))))
    (local.set $k77 (v128.const i8x16 77 77 77 77 77 77 77 77 77 77 77 77 77 77 77 77))
    (local.set $k150 (v128.const i8x16 150 150 150 150 150 150 150 150 150 150 150 150 150 150 150 150))
    (local.set $k29 (v128.const i8x16 29 29 29 29 29 29 29 29 29 29 29 29 29 29 29 29))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $s) (local.get $end)))
        (local.set $a (v128.load offset=0 (local.get $s)))
        (local.set $b (v128.load offset=16 (local.get $s)))
        (local.set $c (v128.load offset=32 (local.get $s)))
        (local.set $e (v128.load offset=48 (local.get $s)))
        ;; R and G of pixels 0-7 (low and high half), then B and A
        (local.set $rg1 (i8x16.shuffle 0 4 8 12 16 20 24 28 1 5 9 13 17 21 25 29 (local.get $a) (local.get $b)))
        (local.set $ba1 (i8x16.shuffle 2 6 10 14 18 22 26 30 3 7 11 15 19 23 27 31 (local.get $a) (local.get $b)))
        (local.set $rg2 (i8x16.shuffle 0 4 8 12 16 20 24 28 1 5 9 13 17 21 25 29 (local.get $c) (local.get $e)))
        (local.set $ba2 (i8x16.shuffle 2 6 10 14 18 22 26 30 3 7 11 15 19 23 27 31 (local.get $c) (local.get $e)))
        ;; 16 lumas, one byte each
        (local.set $y
          (i8x16.narrow_i16x8_u
            (i16x8.shr_u
              (i16x8.add
                (i16x8.add (i16x8.extmul_low_i8x16_u (local.get $rg1) (local.get $k77))
                           (i16x8.extmul_high_i8x16_u (local.get $rg1) (local.get $k150)))
                (i16x8.add (i16x8.extmul_low_i8x16_u (local.get $ba1) (local.get $k29))
                           (v128.const i16x8 128 128 128 128 128 128 128 128)))
              (i32.const 8))
            (i16x8.shr_u
              (i16x8.add
                (i16x8.add (i16x8.extmul_low_i8x16_u (local.get $rg2) (local.get $k77))
                           (i16x8.extmul_high_i8x16_u (local.get $rg2) (local.get $k150)))
                (i16x8.add (i16x8.extmul_low_i8x16_u (local.get $ba2) (local.get $k29))
                           (v128.const i16x8 128 128 128 128 128 128 128 128)))
              (i32.const 8))))
        ;; each luma into R, G and B; alpha from the source
        (v128.store offset=0 (local.get $d)
          (i8x16.shuffle 0 0 0 19 1 1 1 23 2 2 2 27 3 3 3 31 (local.get $y) (local.get $a)))
        (v128.store offset=16 (local.get $d)
          (i8x16.shuffle 4 4 4 19 5 5 5 23 6 6 6 27 7 7 7 31 (local.get $y) (local.get $b)))
        (v128.store offset=32 (local.get $d)
          (i8x16.shuffle 8 8 8 19 9 9 9 23 10 10 10 27 11 11 11 31 (local.get $y) (local.get $c)))
        (v128.store offset=48 (local.get $d)
          (i8x16.shuffle 12 12 12 19 13 13 13 23 14 14 14 27 15 15 15 31 (local.get $y) (local.get $e)))
        (local.set $s (i32.add (local.get $s) (i32.const 64)))
        (local.set $d (i32.add (local.get $d) (i32.const 64)))
        (br $next)))
    (i32.const 0))
)
