;; pixelate: every size x size block (smaller at the right and bottom edges) becomes the
;; rounded mean of its pixels, alpha included: (sum + n / 2) / n per channel.
;; vnb WASM ABI version 1.  SIMD: a pixel's four channels are summed as one i32x4.
(module
  (@custom "vnb.meta" "{\"vnb_abi\": 1, \"name\": \"pixelate\", \"version\": \"1.0\", \"description\": \"Mosaic of size x size blocks, each the mean of its pixels\", \"params\": [{\"name\": \"size\", \"min\": 1, \"max\": 256, \"default\": 8, \"description\": \"block size in pixels (rounded)\"}]}")
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
    (local $src i32) (local $dst i32) (local $w i32) (local $h i32) (local $size f32) (local $b i32)
    (local $bx i32) (local $by i32) (local $bw i32) (local $bh i32) (local $x i32) (local $y i32)
    (local $row i32) (local $n i32) (local $half i32) (local $acc v128) (local $pix i32)
    (if (call $bad_block (local.get $f)) (then (return (call $bad_block (local.get $f)))))
    (local.set $w (i32.load offset=4 (local.get $f)))
    (local.set $h (i32.load offset=8 (local.get $f)))
    (local.set $src (i32.load offset=16 (local.get $f)))
    (local.set $dst (i32.load offset=20 (local.get $f)))
    (local.set $size (f32.nearest (f32.load offset=64 (local.get $f))))
    (if (i32.or (f32.lt (local.get $size) (f32.const 1)) (f32.gt (local.get $size) (f32.const 256)))
      (then (return (i32.const 3))))
    (local.set $b (i32.trunc_f32_s (local.get $size)))
    (local.set $by (i32.const 0))
    (block $brows_done
      (loop $brows
        (br_if $brows_done (i32.ge_u (local.get $by) (local.get $h)))
        (local.set $bh (select (local.get $b) (i32.sub (local.get $h) (local.get $by))
                               (i32.lt_u (local.get $b) (i32.sub (local.get $h) (local.get $by)))))
        (local.set $bx (i32.const 0))
        (block $bcols_done
          (loop $bcols
            (br_if $bcols_done (i32.ge_u (local.get $bx) (local.get $w)))
            (local.set $bw (select (local.get $b) (i32.sub (local.get $w) (local.get $bx))
                                   (i32.lt_u (local.get $b) (i32.sub (local.get $w) (local.get $bx)))))
            ;; sum the block
            (local.set $acc (v128.const i32x4 0 0 0 0))
            (local.set $y (local.get $by))
            (block $sy_done
              (loop $sy
                (br_if $sy_done (i32.ge_u (local.get $y) (i32.add (local.get $by) (local.get $bh))))
                (local.set $row (i32.add (local.get $src)
                  (i32.shl (i32.add (i32.mul (local.get $y) (local.get $w)) (local.get $bx)) (i32.const 2))))
                (local.set $x (i32.const 0))
                (block $sx_done
                  (loop $sx
                    (br_if $sx_done (i32.ge_u (local.get $x) (local.get $bw)))
                    (local.set $acc
                      (i32x4.add (local.get $acc)
                        (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u
                          (v128.load32_zero (i32.add (local.get $row) (i32.shl (local.get $x) (i32.const 2))))))))
                    (local.set $x (i32.add (local.get $x) (i32.const 1)))
                    (br $sx)))
                (local.set $y (i32.add (local.get $y) (i32.const 1)))
                (br $sy)))
            ;; the rounded mean, packed back into one RGBA pixel
            (local.set $n (i32.mul (local.get $bw) (local.get $bh)))
            (local.set $half (i32.shr_u (local.get $n) (i32.const 1)))
            (local.set $pix
              (i32.or
                (i32.or
                  (i32.div_u (i32.add (i32x4.extract_lane 0 (local.get $acc)) (local.get $half)) (local.get $n))
                  (i32.shl (i32.div_u (i32.add (i32x4.extract_lane 1 (local.get $acc)) (local.get $half)) (local.get $n))
                           (i32.const 8)))
                (i32.or
                  (i32.shl (i32.div_u (i32.add (i32x4.extract_lane 2 (local.get $acc)) (local.get $half)) (local.get $n))
                           (i32.const 16))
                  (i32.shl (i32.div_u (i32.add (i32x4.extract_lane 3 (local.get $acc)) (local.get $half)) (local.get $n))
                           (i32.const 24)))))
            ;; fill the block
            (local.set $y (local.get $by))
            (block $fy_done
              (loop $fy
                (br_if $fy_done (i32.ge_u (local.get $y) (i32.add (local.get $by) (local.get $bh))))
                (local.set $row (i32.add (local.get $dst)
                  (i32.shl (i32.add (i32.mul (local.get $y) (local.get $w)) (local.get $bx)) (i32.const 2))))
                (local.set $x (i32.const 0))
                (block $fx_done
                  (loop $fx
                    (br_if $fx_done (i32.ge_u (local.get $x) (local.get $bw)))
                    (i32.store (i32.add (local.get $row) (i32.shl (local.get $x) (i32.const 2))) (local.get $pix))
                    (local.set $x (i32.add (local.get $x) (i32.const 1)))
                    (br $fx)))
                (local.set $y (i32.add (local.get $y) (i32.const 1)))
                (br $fy)))
            (local.set $bx (i32.add (local.get $bx) (local.get $b)))
            (br $bcols)))
        (local.set $by (i32.add (local.get $by) (local.get $b)))
        (br $brows)))
    (i32.const 0))
)
