;; wave: shifts each row sideways along a sine that travels with time (t_ms).  ABI version 1.
;;   turns = y / wavelength + (t_ms / 1000) * speed                         (f64)
;;   q = (turns - floor(turns)) - 0.5
;;   s1 = 8 q - (16 q) |q|;  s = 0.225 ((s1 |s1|) - s1) + s1   (a parabolic sine of turns)
;;   d = nearest(amplitude * -s);   dst[y, x] = src[y, clamp(x - d, 0, width - 1)]
;; Rows are moved with memory.copy (bulk memory); the uncovered edge repeats the edge pixel.
(module
  (@custom "vnb.meta" "{\"vnb_abi\": 1, \"name\": \"wave\", \"version\": \"1.0\", \"description\": \"Rows shifted along a sine wave that travels with time\", \"params\": [{\"name\": \"amplitude\", \"min\": 0, \"max\": 500, \"default\": 12, \"description\": \"largest shift in pixels\"}, {\"name\": \"wavelength\", \"min\": 2, \"max\": 4000, \"default\": 120, \"description\": \"rows per period\"}, {\"name\": \"speed\", \"min\": -20, \"max\": 20, \"default\": 1, \"description\": \"periods per second\"}]}")
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

  (func $fill (param $at i32) (param $count i32) (param $pix i32)
    (block $done
      (loop $next
        (br_if $done (i32.le_s (local.get $count) (i32.const 0)))
        (i32.store (local.get $at) (local.get $pix))
        (local.set $at (i32.add (local.get $at) (i32.const 4)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $next))))

  (func (export "apply") (param $f i32) (result i32)
    (local $src i32) (local $dst i32) (local $w i32) (local $h i32) (local $y i32) (local $d i32)
    (local $rs i32) (local $rd i32) (local $amp f64) (local $wl f64) (local $phase f64)
    (local $turns f64) (local $q f64) (local $s f64)
    (if (call $bad_block (local.get $f)) (then (return (call $bad_block (local.get $f)))))
    (local.set $w (i32.load offset=4 (local.get $f)))
    (local.set $h (i32.load offset=8 (local.get $f)))
    (local.set $src (i32.load offset=16 (local.get $f)))
    (local.set $dst (i32.load offset=20 (local.get $f)))
    (local.set $amp (f64.promote_f32 (f32.load offset=64 (local.get $f))))
    (local.set $wl (f64.promote_f32 (f32.load offset=68 (local.get $f))))
    (if (i32.eqz (f64.gt (local.get $wl) (f64.const 0))) (then (return (i32.const 3))))
    (if (i32.eqz (f64.le (f64.abs (local.get $amp)) (f64.const 100000))) (then (return (i32.const 3))))
    (local.set $phase (f64.mul (f64.div (f64.load offset=24 (local.get $f)) (f64.const 1000))
                               (f64.promote_f32 (f32.load offset=72 (local.get $f)))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $y) (local.get $h)))
        (local.set $turns (f64.add (f64.div (f64.convert_i32_u (local.get $y)) (local.get $wl))
                                   (local.get $phase)))
        (local.set $q (f64.sub (f64.sub (local.get $turns) (f64.floor (local.get $turns)))
                               (f64.const 0.5)))
        (local.set $s (f64.sub (f64.mul (f64.const 8) (local.get $q))
                               (f64.mul (f64.mul (f64.const 16) (local.get $q)) (f64.abs (local.get $q)))))
        (local.set $s (f64.add (f64.mul (f64.const 0.225)
                                        (f64.sub (f64.mul (local.get $s) (f64.abs (local.get $s)))
                                                 (local.get $s)))
                               (local.get $s)))
        (local.set $d (i32.trunc_sat_f64_s (f64.nearest (f64.mul (local.get $amp) (f64.neg (local.get $s))))))
        (if (i32.gt_s (local.get $d) (local.get $w)) (then (local.set $d (local.get $w))))
        (if (i32.lt_s (local.get $d) (i32.sub (i32.const 0) (local.get $w)))
          (then (local.set $d (i32.sub (i32.const 0) (local.get $w)))))
        (local.set $rs (i32.add (local.get $src) (i32.shl (i32.mul (local.get $y) (local.get $w)) (i32.const 2))))
        (local.set $rd (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $y) (local.get $w)) (i32.const 2))))
        (if (i32.ge_s (local.get $d) (i32.const 0))
          (then
            (memory.copy (i32.add (local.get $rd) (i32.shl (local.get $d) (i32.const 2)))
                         (local.get $rs)
                         (i32.shl (i32.sub (local.get $w) (local.get $d)) (i32.const 2)))
            (call $fill (local.get $rd) (local.get $d) (i32.load (local.get $rs))))
          (else
            (local.set $d (i32.sub (i32.const 0) (local.get $d)))
            (memory.copy (local.get $rd)
                         (i32.add (local.get $rs) (i32.shl (local.get $d) (i32.const 2)))
                         (i32.shl (i32.sub (local.get $w) (local.get $d)) (i32.const 2)))
            (call $fill (i32.add (local.get $rd) (i32.shl (i32.sub (local.get $w) (local.get $d)) (i32.const 2)))
                        (local.get $d)
                        (i32.load (i32.add (local.get $rs) (i32.shl (i32.sub (local.get $w) (i32.const 1)) (i32.const 2)))))))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rows)))
    (i32.const 0))
)
