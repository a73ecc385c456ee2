;; Upper-triangle Gram kernel for the MMD test (packages/stats/src/multivariate/gram.ts).
;; gram(z, dp, i0, i1, j0, j1, out, stride): for rows i in [i0, i1) and j in [max(j0, i), j1) of the
;; row-major f64 matrix at byte offset z (dp columns, dp even, zero-padded), writes the dot product
;; z_i . z_j as f64 to out + 8 * ((i - i0) * stride + j). 4 x 2 register blocking on f64x2 (8 vector
;; accumulators + 4 row vectors + 1 column vector fit the 16 xmm registers; measured against 3x3, 2x4,
;; 4x3 and 2-way k unrolling). Rows past i1 - 1 (or j1 - 1) are clamped to it, so edge blocks rewrite
;; the same cell with the same value, and cells with j < i inside a diagonal block may also be written.
;; rbf (below) turns a row of Gram products into kernel values in place; gsum sums a row at listed indices.
;; Regenerate the embedded bytes with: node packages/stats/scripts/build-wasm.mjs
(module
  (memory (export "memory") 1)
  (func (export "gram") (param $z i32) (param $dp i32) (param $i0 i32) (param $i1 i32) (param $j0 i32) (param $j1 i32) (param $out i32) (param $stride i32)
    (local $rowb i32) (local $i i32) (local $j i32) (local $k i32) (local $o i32)
    (local $ir0 i32) (local $a0 i32) (local $x0 v128)
    (local $ir1 i32) (local $a1 i32) (local $x1 v128)
    (local $ir2 i32) (local $a2 i32) (local $x2 v128)
    (local $ir3 i32) (local $a3 i32) (local $x3 v128)
    (local $jc0 i32) (local $b0 i32)
    (local $jc1 i32) (local $b1 i32)
    (local $y v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128) (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $rowb (i32.shl (local.get $dp) (i32.const 3)))
    (local.set $i (local.get $i0))
    (if (i32.lt_s (local.get $i) (local.get $i1)) (then (loop $li
      (local.set $ir0 (local.get $i))
      (local.set $a0 (i32.add (local.get $z) (i32.mul (local.get $ir0) (local.get $rowb))))
      (local.set $ir1 (select (i32.add (local.get $i) (i32.const 1)) (i32.sub (local.get $i1) (i32.const 1)) (i32.lt_s (i32.add (local.get $i) (i32.const 1)) (local.get $i1))))
      (local.set $a1 (i32.add (local.get $z) (i32.mul (local.get $ir1) (local.get $rowb))))
      (local.set $ir2 (select (i32.add (local.get $i) (i32.const 2)) (i32.sub (local.get $i1) (i32.const 1)) (i32.lt_s (i32.add (local.get $i) (i32.const 2)) (local.get $i1))))
      (local.set $a2 (i32.add (local.get $z) (i32.mul (local.get $ir2) (local.get $rowb))))
      (local.set $ir3 (select (i32.add (local.get $i) (i32.const 3)) (i32.sub (local.get $i1) (i32.const 1)) (i32.lt_s (i32.add (local.get $i) (i32.const 3)) (local.get $i1))))
      (local.set $a3 (i32.add (local.get $z) (i32.mul (local.get $ir3) (local.get $rowb))))
      (local.set $j (select (local.get $j0) (local.get $i) (i32.gt_s (local.get $j0) (local.get $i))))
      (if (i32.lt_s (local.get $j) (local.get $j1)) (then (loop $lj
        (local.set $jc0 (local.get $j))
        (local.set $b0 (i32.add (local.get $z) (i32.mul (local.get $jc0) (local.get $rowb))))
        (local.set $jc1 (select (i32.add (local.get $j) (i32.const 1)) (i32.sub (local.get $j1) (i32.const 1)) (i32.lt_s (i32.add (local.get $j) (i32.const 1)) (local.get $j1))))
        (local.set $b1 (i32.add (local.get $z) (i32.mul (local.get $jc1) (local.get $rowb))))
        (local.set $c00 (v128.const i64x2 0 0))
        (local.set $c01 (v128.const i64x2 0 0))
        (local.set $c10 (v128.const i64x2 0 0))
        (local.set $c11 (v128.const i64x2 0 0))
        (local.set $c20 (v128.const i64x2 0 0))
        (local.set $c21 (v128.const i64x2 0 0))
        (local.set $c30 (v128.const i64x2 0 0))
        (local.set $c31 (v128.const i64x2 0 0))
        (local.set $k (i32.const 0))
        (loop $lk
          (local.set $x0 (v128.load offset=0 (i32.add (local.get $a0) (local.get $k))))
          (local.set $x1 (v128.load offset=0 (i32.add (local.get $a1) (local.get $k))))
          (local.set $x2 (v128.load offset=0 (i32.add (local.get $a2) (local.get $k))))
          (local.set $x3 (v128.load offset=0 (i32.add (local.get $a3) (local.get $k))))
          (local.set $y (v128.load offset=0 (i32.add (local.get $b0) (local.get $k))))
          (local.set $c00 (f64x2.add (local.get $c00) (f64x2.mul (local.get $x0) (local.get $y))))
          (local.set $c10 (f64x2.add (local.get $c10) (f64x2.mul (local.get $x1) (local.get $y))))
          (local.set $c20 (f64x2.add (local.get $c20) (f64x2.mul (local.get $x2) (local.get $y))))
          (local.set $c30 (f64x2.add (local.get $c30) (f64x2.mul (local.get $x3) (local.get $y))))
          (local.set $y (v128.load offset=0 (i32.add (local.get $b1) (local.get $k))))
          (local.set $c01 (f64x2.add (local.get $c01) (f64x2.mul (local.get $x0) (local.get $y))))
          (local.set $c11 (f64x2.add (local.get $c11) (f64x2.mul (local.get $x1) (local.get $y))))
          (local.set $c21 (f64x2.add (local.get $c21) (f64x2.mul (local.get $x2) (local.get $y))))
          (local.set $c31 (f64x2.add (local.get $c31) (f64x2.mul (local.get $x3) (local.get $y))))
          (local.set $k (i32.add (local.get $k) (i32.const 16)))
          (br_if $lk (i32.lt_u (local.get $k) (local.get $rowb))))
        (local.set $o (i32.add (local.get $out) (i32.shl (i32.mul (i32.sub (local.get $ir0) (local.get $i0)) (local.get $stride)) (i32.const 3))))
        (f64.store (i32.add (local.get $o) (i32.shl (local.get $jc0) (i32.const 3))) (f64.add (f64x2.extract_lane 0 (local.get $c00)) (f64x2.extract_lane 1 (local.get $c00))))
        (f64.store (i32.add (local.get $o) (i32.shl (local.get $jc1) (i32.const 3))) (f64.add (f64x2.extract_lane 0 (local.get $c01)) (f64x2.extract_lane 1 (local.get $c01))))
        (local.set $o (i32.add (local.get $out) (i32.shl (i32.mul (i32.sub (local.get $ir1) (local.get $i0)) (local.get $stride)) (i32.const 3))))
        (f64.store (i32.add (local.get $o) (i32.shl (local.get $jc0) (i32.const 3))) (f64.add (f64x2.extract_lane 0 (local.get $c10)) (f64x2.extract_lane 1 (local.get $c10))))
        (f64.store (i32.add (local.get $o) (i32.shl (local.get $jc1) (i32.const 3))) (f64.add (f64x2.extract_lane 0 (local.get $c11)) (f64x2.extract_lane 1 (local.get $c11))))
        (local.set $o (i32.add (local.get $out) (i32.shl (i32.mul (i32.sub (local.get $ir2) (local.get $i0)) (local.get $stride)) (i32.const 3))))
        (f64.store (i32.add (local.get $o) (i32.shl (local.get $jc0) (i32.const 3))) (f64.add (f64x2.extract_lane 0 (local.get $c20)) (f64x2.extract_lane 1 (local.get $c20))))
        (f64.store (i32.add (local.get $o) (i32.shl (local.get $jc1) (i32.const 3))) (f64.add (f64x2.extract_lane 0 (local.get $c21)) (f64x2.extract_lane 1 (local.get $c21))))
        (local.set $o (i32.add (local.get $out) (i32.shl (i32.mul (i32.sub (local.get $ir3) (local.get $i0)) (local.get $stride)) (i32.const 3))))
        (f64.store (i32.add (local.get $o) (i32.shl (local.get $jc0) (i32.const 3))) (f64.add (f64x2.extract_lane 0 (local.get $c30)) (f64x2.extract_lane 1 (local.get $c30))))
        (f64.store (i32.add (local.get $o) (i32.shl (local.get $jc1) (i32.const 3))) (f64.add (f64x2.extract_lane 0 (local.get $c31)) (f64x2.extract_lane 1 (local.get $c31))))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))
        (br_if $lj (i32.lt_s (local.get $j) (local.get $j1))))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br_if $li (i32.lt_s (local.get $i) (local.get $i1))))))
  )

  ;; rbf(row, norms, ni, gamma, j0, j1): for j in [j0, j1), the Gram product g at row + 8j becomes the
  ;; Gaussian RBF kernel value exp(-gamma * max(0, ni + norms[j] - 2g)) (norms: f64 at byte offset norms).
  ;; exp(x), x <= 0, is 2^n e^r with n = x / ln2 rounded to nearest and |r| <= ln2 / 2, e^r by its Taylor
  ;; series to r^13 (truncation < 4e-18 relative; within ~1 ulp of Math.exp in tests); x < -708 gives 0.
  ;; Two values per step (the same code runs on a splatted pair for an odd last one).
  (func (export "rbf") (param $row i32) (param $norms i32) (param $ni f64) (param $gamma f64) (param $j0 i32) (param $j1 i32)
    (local $j i32) (local $p i32) (local $q i32)
    (local $g v128) (local $nj v128) (local $v v128) (local $x v128) (local $t v128) (local $n v128) (local $r v128) (local $under v128)
    (local $r2 v128) (local $r4 v128) (local $s0 v128) (local $s1 v128) (local $s2 v128)
    (local.set $j (local.get $j0))
    (block $done
      (loop $pairs
        (br_if $done (i32.gt_s (i32.add (local.get $j) (i32.const 2)) (local.get $j1)))
        (local.set $p (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))))
        (local.set $q (i32.add (local.get $norms) (i32.shl (local.get $j) (i32.const 3))))
        (local.set $g (v128.load (local.get $p)))
        (local.set $nj (v128.load (local.get $q)))
        (local.set $x (f64x2.sub (f64x2.add (f64x2.splat (local.get $ni)) (local.get $nj)) (f64x2.add (local.get $g) (local.get $g))))
        ;; pmax(0, d2) = 0 < d2 ? d2 : 0, like the JS (d2 > 0 ? d2 : 0); then x = -gamma d2
        (local.set $x (f64x2.mul (f64x2.pmax (f64x2.splat (f64.const 0)) (local.get $x)) (f64x2.splat (f64.neg (local.get $gamma)))))
        (local.set $under (f64x2.lt (local.get $x) (f64x2.splat (f64.const -708))))
        (local.set $x (f64x2.pmax (f64x2.splat (f64.const -708)) (local.get $x)))
        ;; t = x log2(e) + 1.5 * 2^52 rounds to the integer n held in t's low mantissa bits
        (local.set $t (f64x2.add (f64x2.mul (local.get $x) (f64x2.splat (f64.const 1.4426950408889634))) (f64x2.splat (f64.const 0x1.8p52))))
        (local.set $n (f64x2.sub (local.get $t) (f64x2.splat (f64.const 0x1.8p52))))
        ;; r = x - n ln2, ln2 = 0x1.62e42feep-1 (exact times n) + 0x1.a39ef35793c76p-33
        (local.set $r (f64x2.sub (f64x2.sub (local.get $x) (f64x2.mul (local.get $n) (f64x2.splat (f64.const 0x1.62e42feep-1)))) (f64x2.mul (local.get $n) (f64x2.splat (f64.const 0x1.a39ef35793c76p-33)))))
        (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
        (local.set $r4 (f64x2.mul (local.get $r2) (local.get $r2)))
        ;; e^r = sum of r^k / k! to k = 13 in Estrin's scheme (pairs, then r^2, r^4, r^8)
        (local.set $s0 (f64x2.add (f64x2.add (f64x2.splat (f64.const 1.0)) (f64x2.mul (f64x2.splat (f64.const 1.0)) (local.get $r))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0.5)) (f64x2.mul (f64x2.splat (f64.const 0.16666666666666666)) (local.get $r))) (local.get $r2))))
        (local.set $s1 (f64x2.add (f64x2.add (f64x2.splat (f64.const 0.041666666666666664)) (f64x2.mul (f64x2.splat (f64.const 0.008333333333333333)) (local.get $r))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0.001388888888888889)) (f64x2.mul (f64x2.splat (f64.const 0.0001984126984126984)) (local.get $r))) (local.get $r2))))
        (local.set $s2 (f64x2.add (f64x2.add (f64x2.splat (f64.const 2.48015873015873e-05)) (f64x2.mul (f64x2.splat (f64.const 2.7557319223985893e-06)) (local.get $r))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 2.755731922398589e-07)) (f64x2.mul (f64x2.splat (f64.const 2.505210838544172e-08)) (local.get $r))) (local.get $r2))))
        (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (local.get $s1) (local.get $r4))))
        (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 2.08767569878681e-09)) (f64x2.mul (f64x2.splat (f64.const 1.6059043836821613e-10)) (local.get $r))) (local.get $r4))))
        (local.set $v (f64x2.add (local.get $s0) (f64x2.mul (local.get $s2) (f64x2.mul (local.get $r4) (local.get $r4)))))
        ;; times 2^n (n + 1023 shifted into the exponent field; the bits of t above n are shifted out); 0 below e^-708
        (local.set $v (v128.andnot (f64x2.mul (local.get $v) (i64x2.shl (i64x2.add (local.get $t) (i64x2.splat (i64.const 1023))) (i32.const 52))) (local.get $under)))
        (v128.store (local.get $p) (local.get $v))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))
        (br $pairs)))
    (if (i32.lt_s (local.get $j) (local.get $j1)) (then
      (local.set $p (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))))
      (local.set $q (i32.add (local.get $norms) (i32.shl (local.get $j) (i32.const 3))))
      (local.set $g (f64x2.splat (f64.load (local.get $p))))
      (local.set $nj (f64x2.splat (f64.load (local.get $q))))
      (local.set $x (f64x2.sub (f64x2.add (f64x2.splat (local.get $ni)) (local.get $nj)) (f64x2.add (local.get $g) (local.get $g))))
      ;; pmax(0, d2) = 0 < d2 ? d2 : 0, like the JS (d2 > 0 ? d2 : 0); then x = -gamma d2
      (local.set $x (f64x2.mul (f64x2.pmax (f64x2.splat (f64.const 0)) (local.get $x)) (f64x2.splat (f64.neg (local.get $gamma)))))
      (local.set $under (f64x2.lt (local.get $x) (f64x2.splat (f64.const -708))))
      (local.set $x (f64x2.pmax (f64x2.splat (f64.const -708)) (local.get $x)))
      ;; t = x log2(e) + 1.5 * 2^52 rounds to the integer n held in t's low mantissa bits
      (local.set $t (f64x2.add (f64x2.mul (local.get $x) (f64x2.splat (f64.const 1.4426950408889634))) (f64x2.splat (f64.const 0x1.8p52))))
      (local.set $n (f64x2.sub (local.get $t) (f64x2.splat (f64.const 0x1.8p52))))
      ;; r = x - n ln2, ln2 = 0x1.62e42feep-1 (exact times n) + 0x1.a39ef35793c76p-33
      (local.set $r (f64x2.sub (f64x2.sub (local.get $x) (f64x2.mul (local.get $n) (f64x2.splat (f64.const 0x1.62e42feep-1)))) (f64x2.mul (local.get $n) (f64x2.splat (f64.const 0x1.a39ef35793c76p-33)))))
      (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
      (local.set $r4 (f64x2.mul (local.get $r2) (local.get $r2)))
      ;; e^r = sum of r^k / k! to k = 13 in Estrin's scheme (pairs, then r^2, r^4, r^8)
      (local.set $s0 (f64x2.add (f64x2.add (f64x2.splat (f64.const 1.0)) (f64x2.mul (f64x2.splat (f64.const 1.0)) (local.get $r))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0.5)) (f64x2.mul (f64x2.splat (f64.const 0.16666666666666666)) (local.get $r))) (local.get $r2))))
      (local.set $s1 (f64x2.add (f64x2.add (f64x2.splat (f64.const 0.041666666666666664)) (f64x2.mul (f64x2.splat (f64.const 0.008333333333333333)) (local.get $r))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0.001388888888888889)) (f64x2.mul (f64x2.splat (f64.const 0.0001984126984126984)) (local.get $r))) (local.get $r2))))
      (local.set $s2 (f64x2.add (f64x2.add (f64x2.splat (f64.const 2.48015873015873e-05)) (f64x2.mul (f64x2.splat (f64.const 2.7557319223985893e-06)) (local.get $r))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 2.755731922398589e-07)) (f64x2.mul (f64x2.splat (f64.const 2.505210838544172e-08)) (local.get $r))) (local.get $r2))))
      (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (local.get $s1) (local.get $r4))))
      (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 2.08767569878681e-09)) (f64x2.mul (f64x2.splat (f64.const 1.6059043836821613e-10)) (local.get $r))) (local.get $r4))))
      (local.set $v (f64x2.add (local.get $s0) (f64x2.mul (local.get $s2) (f64x2.mul (local.get $r4) (local.get $r4)))))
      ;; times 2^n (n + 1023 shifted into the exponent field; the bits of t above n are shifted out); 0 below e^-708
      (local.set $v (v128.andnot (f64x2.mul (local.get $v) (i64x2.shl (i64x2.add (local.get $t) (i64x2.splat (i64.const 1023))) (i32.const 52))) (local.get $under)))
      (f64.store (local.get $p) (f64x2.extract_lane 0 (local.get $v))))))

  ;; gsum(row, p, end): the sum of the f64 at row + 8 * idx over the i32 indices idx at [p, end) (byte
  ;; offsets), in four running sums (index t mod 4) added as (s0 + s1) + (s2 + s3), like the JS fallback.
  (func (export "gsum") (param $row i32) (param $p i32) (param $end i32) (result f64)
    (local $s0 f64) (local $s1 f64) (local $s2 f64) (local $s3 f64)
    ;; byte offsets compare unsigned (memories above 2 GiB)
    (block $b4 (loop $l4
      (br_if $b4 (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $end)))
      (local.set $s0 (f64.add (local.get $s0) (f64.load (i32.add (local.get $row) (i32.shl (i32.load (local.get $p)) (i32.const 3))))))
      (local.set $s1 (f64.add (local.get $s1) (f64.load (i32.add (local.get $row) (i32.shl (i32.load offset=4 (local.get $p)) (i32.const 3))))))
      (local.set $s2 (f64.add (local.get $s2) (f64.load (i32.add (local.get $row) (i32.shl (i32.load offset=8 (local.get $p)) (i32.const 3))))))
      (local.set $s3 (f64.add (local.get $s3) (f64.load (i32.add (local.get $row) (i32.shl (i32.load offset=12 (local.get $p)) (i32.const 3))))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $l4)))
    (block $b1 (loop $l1
      (br_if $b1 (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $s0 (f64.add (local.get $s0) (f64.load (i32.add (local.get $row) (i32.shl (i32.load (local.get $p)) (i32.const 3))))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $l1)))
    (f64.add (f64.add (local.get $s0) (local.get $s1)) (f64.add (local.get $s2) (local.get $s3))))
)
