;; vignette: darkens towards the corners.  vnb WASM ABI version 1.
;;   u = (x + 0.5) * (2 / width) - 1,  v = (y + 0.5) * (2 / height) - 1     (f32)
;;   factor = 1 - (strength * 0.5) * (u*u + v*v)
;;   R' = nearest(R * factor), likewise G and B; alpha is kept.
;; SIMD: 4 pixels of a row per step (f32x4); a row's last step may run into the next row,
;; which is written again when its turn comes (and past the last row lies the slack).
(module
  (@custom "vnb.meta" "{\"vnb_abi\": 1, \"name\": \"vignette\", \"version\": \"1.0\", \"description\": \"Darkens the corners\", \"params\": [{\"name\": \"strength\", \"min\": 0, \"max\": 1, \"default\": 0.5, \"description\": \"0 none, 1 black corners\"}]}")
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

  ;; The pixel loop is written out in full: cranelift does not inline calls.
  (func (export "apply") (param $f i32) (result i32)
    (local $src i32) (local $dst i32) (local $w i32) (local $h i32) (local $x i32) (local $y i32)
    (local $at i32) (local $s f32) (local $k v128) (local $sx f32) (local $sy f32) (local $v f32)
    (local $v2 v128) (local $u v128) (local $fac v128) (local $p v128) (local $byte v128)
    (if (call $bad_block (local.get $f)) (then (return (call $bad_block (local.get $f)))))
    (local.set $w (i32.load offset=4 (local.get $f)))
    (local.set $h (i32.load offset=8 (local.get $f)))
    (local.set $src (i32.load offset=16 (local.get $f)))
    (local.set $dst (i32.load offset=20 (local.get $f)))
    (local.set $s (f32.load offset=64 (local.get $f)))
    (if (i32.or (f32.lt (local.get $s) (f32.const 0)) (f32.gt (local.get $s) (f32.const 1)))
      (then (return (i32.const 3))))
    (local.set $byte (v128.const i32x4 255 255 255 255))
    (local.set $k (f32x4.splat (f32.mul (local.get $s) (f32.const 0.5))))
    (local.set $sx (f32.div (f32.const 2) (f32.convert_i32_u (local.get $w))))
    (local.set $sy (f32.div (f32.const 2) (f32.convert_i32_u (local.get $h))))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $y) (local.get $h)))
        (local.set $v (f32.sub (f32.mul (f32.add (f32.convert_i32_u (local.get $y)) (f32.const 0.5))
                                        (local.get $sy))
                               (f32.const 1)))
        (local.set $v2 (f32x4.splat (f32.mul (local.get $v) (local.get $v))))
        (local.set $x (i32.const 0))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_u (local.get $x) (local.get $w)))
            (local.set $u
              (f32x4.sub
                (f32x4.mul
                  (f32x4.add
                    (f32x4.convert_i32x4_s
                      (i32x4.add (i32x4.splat (local.get $x)) (v128.const i32x4 0 1 2 3)))
                    (v128.const f32x4 0.5 0.5 0.5 0.5))
                  (f32x4.splat (local.get $sx)))
                (v128.const f32x4 1 1 1 1)))
            (local.set $fac
              (f32x4.sub (v128.const f32x4 1 1 1 1)
                         (f32x4.mul (local.get $k)
                                    (f32x4.add (f32x4.mul (local.get $u) (local.get $u))
                                               (local.get $v2)))))
            (local.set $at (i32.shl (i32.add (i32.mul (local.get $y) (local.get $w)) (local.get $x))
                                    (i32.const 2)))
            (local.set $p (v128.load (i32.add (local.get $src) (local.get $at))))
            (v128.store (i32.add (local.get $dst) (local.get $at))
              (v128.or
                (v128.or (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul
                  (f32x4.convert_i32x4_s (v128.and (local.get $p) (local.get $byte)))
                  (local.get $fac))))
                         (i32x4.shl (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul
                  (f32x4.convert_i32x4_s (v128.and (i32x4.shr_u (local.get $p) (i32.const 8)) (local.get $byte)))
                  (local.get $fac)))) (i32.const 8)))
                (v128.or (i32x4.shl (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul
                  (f32x4.convert_i32x4_s (v128.and (i32x4.shr_u (local.get $p) (i32.const 16)) (local.get $byte)))
                  (local.get $fac)))) (i32.const 16))
                         (v128.and (local.get $p)
                                   (v128.const i32x4 0xff000000 0xff000000 0xff000000 0xff000000)))))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))
            (br $cols)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rows)))
    (i32.const 0))
)
