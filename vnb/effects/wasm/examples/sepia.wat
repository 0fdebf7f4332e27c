;; sepia: the classic sepia matrix, blended with the identity by `strength`; alpha is kept.
;;   m = I + (S - I) * strength          (f32, computed once per frame)
;;   R' = min(255, nearest((R m00 + G m01) + B m02)), likewise G' and B'
;; vnb WASM ABI version 1.  SIMD: 4 pixels per step, f32x4 arithmetic.
(module
  (@custom "vnb.meta" "{\"vnb_abi\": 1, \"name\": \"sepia\", \"version\": \"1.0\", \"description\": \"Warm brown tones of old photographs (alpha kept)\", \"params\": [{\"name\": \"strength\", \"min\": 0, \"max\": 1, \"default\": 1, \"description\": \"0 unchanged, 1 full sepia\"}]}")
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

  (func $mix (param $s f32) (param $sepia f32) (param $identity f32) (result v128)
    (f32x4.splat (f32.add (local.get $identity)
                          (f32.mul (f32.sub (local.get $sepia) (local.get $identity)) (local.get $s)))))

  ;; The pixel loop is written out in full: cranelift does not inline calls.
  (func (export "apply") (param $f i32) (result i32)
    (local $src i32) (local $dst i32) (local $n i32) (local $i i32) (local $s f32)
    (local $m00 v128) (local $m01 v128) (local $m02 v128)
    (local $m10 v128) (local $m11 v128) (local $m12 v128)
    (local $m20 v128) (local $m21 v128) (local $m22 v128)
    (local $p v128) (local $r v128) (local $g v128) (local $b v128) (local $byte v128)
    (if (call $bad_block (local.get $f)) (then (return (call $bad_block (local.get $f)))))
    (local.set $n (i32.mul (i32.load offset=12 (local.get $f)) (i32.load offset=8 (local.get $f))))
    (local.set $src (i32.load offset=16 (local.get $f)))
    (local.set $dst (i32.load offset=20 (local.get $f)))
    (local.set $s (f32.load offset=64 (local.get $f)))
    (if (i32.or (f32.lt (local.get $s) (f32.const 0)) (f32.gt (local.get $s) (f32.const 1)))
      (then (return (i32.const 3))))
    (local.set $byte (v128.const i32x4 255 255 255 255))
    (local.set $m00 (call $mix (local.get $s) (f32.const 0.393) (f32.const 1)))
    (local.set $m01 (call $mix (local.get $s) (f32.const 0.769) (f32.const 0)))
    (local.set $m02 (call $mix (local.get $s) (f32.const 0.189) (f32.const 0)))
    (local.set $m10 (call $mix (local.get $s) (f32.const 0.349) (f32.const 0)))
    (local.set $m11 (call $mix (local.get $s) (f32.const 0.686) (f32.const 1)))
    (local.set $m12 (call $mix (local.get $s) (f32.const 0.168) (f32.const 0)))
    (local.set $m20 (call $mix (local.get $s) (f32.const 0.272) (f32.const 0)))
    (local.set $m21 (call $mix (local.get $s) (f32.const 0.534) (f32.const 0)))
    (local.set $m22 (call $mix (local.get $s) (f32.const 0.131) (f32.const 1)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $p (v128.load (i32.add (local.get $src) (local.get $i))))
        (local.set $r (f32x4.convert_i32x4_s (v128.and (local.get $p) (local.get $byte))))
        (local.set $g (f32x4.convert_i32x4_s (v128.and (i32x4.shr_u (local.get $p) (i32.const 8)) (local.get $byte))))
        (local.set $b (f32x4.convert_i32x4_s (v128.and (i32x4.shr_u (local.get $p) (i32.const 16)) (local.get $byte))))
        (v128.store (i32.add (local.get $dst) (local.get $i))
          (v128.or
            (v128.or
              (i32x4.min_s (i32x4.trunc_sat_f32x4_s (f32x4.nearest
                  (f32x4.add (f32x4.add (f32x4.mul (local.get $r) (local.get $m00))
                                        (f32x4.mul (local.get $g) (local.get $m01)))
                             (f32x4.mul (local.get $b) (local.get $m02)))))
                (local.get $byte))
              (i32x4.shl (i32x4.min_s (i32x4.trunc_sat_f32x4_s (f32x4.nearest
                  (f32x4.add (f32x4.add (f32x4.mul (local.get $r) (local.get $m10))
                                        (f32x4.mul (local.get $g) (local.get $m11)))
                             (f32x4.mul (local.get $b) (local.get $m12)))))
                (local.get $byte)) (i32.const 8)))
            (v128.or
              (i32x4.shl (i32x4.min_s (i32x4.trunc_sat_f32x4_s (f32x4.nearest
                  (f32x4.add (f32x4.add (f32x4.mul (local.get $r) (local.get $m20))
                                        (f32x4.mul (local.get $g) (local.get $m21)))
                             (f32x4.mul (local.get $b) (local.get $m22)))))
                (local.get $byte)) (i32.const 16))
              (v128.and (local.get $p)
                        (v128.const i32x4 0xff000000 0xff000000 0xff000000 0xff000000)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (i32.const 0))
)
