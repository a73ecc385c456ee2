/**
 * Special functions for the univariate tests: log-gamma, regularized incomplete gamma (chi-square
 * tails), the normal distribution, the Kolmogorov (limiting and finite-n) distributions and the
 * modified Bessel function K_ν. Double precision throughout; tails are computed directly (never as
 * 1 − cdf) where cancellation would lose them.
 */

/** The smallest positive double; p-values that underflow are clipped to it, never to 0. */
export const MIN_P_VALUE = Number.MIN_VALUE;

/** Clip a probability to [MIN_P_VALUE, 1]: a p-value of exactly 0 is never justified by these methods. */
export function clipPValue(p: number): number {
  if (!(p > MIN_P_VALUE)) return Number.isNaN(p) ? p : MIN_P_VALUE;
  return p > 1 ? 1 : p;
}

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7, n = 9; reflection below 0.5). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + LANCZOS_G + 0.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Γ(x) for x > 0. */
export function gammaFn(x: number): number {
  return Math.exp(logGamma(x));
}

/**
 * ln of the regularized gamma functions P(a, x) and Q(a, x) = 1 − P(a, x): series for x < a + 1,
 * Lentz continued fraction otherwise (Numerical Recipes §6.2), in log space so tails never underflow.
 */
function logRegGamma(a: number, x: number): { logP: number; logQ: number } {
  if (x <= 0) return { logP: -Infinity, logQ: 0 };
  const logPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let ap = a;
    let sum = 1 / a;
    let del = sum;
    for (let n = 0; n < 10000; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * 1e-17) break;
    }
    const logP = Math.log(sum) + logPrefix;
    const p = Math.exp(logP);
    return { logP, logQ: p < 0.5 ? Math.log1p(-p) : Math.log(-Math.expm1(logP)) };
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  const logQ = Math.log(h) + logPrefix;
  return { logP: Math.log(-Math.expm1(logQ)), logQ };
}

/** Regularized lower incomplete gamma P(a, x). */
export function regularizedGammaP(a: number, x: number): number {
  return Math.exp(logRegGamma(a, x).logP);
}

/** Regularized upper incomplete gamma Q(a, x) = 1 − P(a, x), computed directly in the tail. */
export function regularizedGammaQ(a: number, x: number): number {
  return Math.exp(logRegGamma(a, x).logQ);
}

/** ln P(χ²_dof > x): the chi-square survival function in log space (no underflow for huge x). */
export function chiSquareLogSf(x: number, dof: number): number {
  if (!(dof > 0)) return x > 0 ? -Infinity : 0;
  if (x <= 0) return 0;
  return logRegGamma(dof / 2, x / 2).logQ;
}

/**
 * P(χ²_dof > x), the chi-square survival function (= Q(dof/2, x/2)). Tails below the smallest
 * double are clipped to {@link MIN_P_VALUE}; use {@link chiSquareLogSf} for their exact log.
 * dof = 0 gives 1 (a degenerate statistic that is always 0, as scipy).
 */
export function chiSquareSf(x: number, dof: number): number {
  if (dof === 0) return 1;
  if (Number.isNaN(x) || !(dof > 0)) return NaN;
  return clipPValue(Math.exp(chiSquareLogSf(x, dof)));
}

/** erfc(x), via Q(1/2, x²) for x ≥ 0. */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x === 0) return 1;
  return regularizedGammaQ(0.5, x * x);
}

/** Standard normal cdf Φ(z). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Standard normal survival 1 − Φ(z), accurate in the upper tail. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/**
 * Survival function of the Kolmogorov limiting distribution, P(K > x) where K = lim √n·D_n
 * (scipy `kstwobign.sf`): alternating series 2Σ(−1)^(k−1)e^(−2k²x²) for x ≥ 1, Jacobi theta form
 * of the cdf below.
 */
export function kolmogorovSf(x: number): number {
  if (!(x > 0)) return 1;
  if (x < 1) {
    // cdf = √(2π)/x Σ_k exp(−(2k−1)²π²/(8x²))
    const q = -(Math.PI * Math.PI) / (8 * x * x);
    let s = 0;
    for (let k = 1; k < 30; k++) {
      const term = Math.exp((2 * k - 1) * (2 * k - 1) * q);
      s += term;
      if (term < 1e-300 || term < s * 1e-17) break;
    }
    return 1 - (Math.sqrt(2 * Math.PI) / x) * s;
  }
  let s = 0;
  for (let k = 1; k < 200; k++) {
    const term = Math.exp(-2 * k * k * x * x);
    s += k % 2 === 1 ? term : -term;
    if (term < 1e-300 || term < Math.abs(s) * 1e-17) break;
  }
  return Math.min(1, 2 * s);
}

/**
 * One-sided exact Kolmogorov–Smirnov survival P(D⁺_n ≥ x) (scipy `special.smirnov`), by the
 * Birnbaum–Tingey (1951) sum in log space: x Σ_j C(n,j) (1−x−j/n)^(n−j) (x+j/n)^(j−1). All terms
 * are positive, so there is no cancellation.
 */
export function smirnovSf(n: number, x: number): number {
  if (!(x > 0)) return 1;
  if (x >= 1) return 0;
  const jmax = Math.floor(n * (1 - x));
  let logC = 0; // ln C(n, j)
  // Streaming log-sum-exp. The terms are unimodal in j, so once past the peak and 60 nats below it
  // (e^−60 ≈ 1e−26 relative) the remaining ≤ n terms cannot change the sum in double precision.
  let maxLog = -Infinity;
  let s = 0; // Σ exp(lt − maxLog)
  let prev = -Infinity;
  for (let j = 0; j <= jmax; j++) {
    if (j > 0) logC += Math.log((n - j + 1) / j);
    const a = 1 - x - j / n;
    let lt: number;
    if (a <= 0) {
      if (n - j !== 0) continue;
      lt = logC + (j - 1) * Math.log(x + j / n);
    } else {
      lt = logC + (n - j) * Math.log(a) + (j - 1) * Math.log(x + j / n);
    }
    if (lt > maxLog) {
      s = s * Math.exp(maxLog - lt) + 1;
      maxLog = lt;
    } else {
      s += Math.exp(lt - maxLog);
      if (lt < prev && lt < maxLog - 60) break;
    }
    prev = lt;
  }
  return Math.min(1, x * s * Math.exp(maxLog));
}

/**
 * Pr(D_n ≤ d) by the Durbin (1968) matrix method as arranged by Marsaglia, Tsang and Wang (2003),
 * with exponent tracking so powers of H never overflow.
 */
function kolmogorovDurbinCdf(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const H = new Float64Array(m * m);
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - Math.pow(h, j)) * fac;
  }
  const tt = Math.pow(Math.max(2 * h - 1, 0), m) - 2 * Math.pow(h, m);
  v[m - 1] = (1 + tt) * fac;
  for (let i = 1; i < m; i++) {
    for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1]!;
  }
  for (let r = 0; r < m; r++) H[r * m] = v[r]!;
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c]!;

  const E128 = 128;
  const EP128 = Math.pow(2, E128);
  const EM128 = Math.pow(2, -E128);
  let P: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++) P[i * m + i] = 1;
  let Hm: Float64Array = H;
  let nn = n;
  let expnt = 0;
  let hExpnt = 0;
  const tmp = new Float64Array(m * m);
  const matmul = (A: Float64Array, B: Float64Array): Float64Array => {
    tmp.fill(0);
    for (let i = 0; i < m; i++) {
      for (let l = 0; l < m; l++) {
        const a = A[i * m + l]!;
        if (a === 0) continue;
        for (let j = 0; j < m; j++) tmp[i * m + j] += a * B[l * m + j]!;
      }
    }
    return Float64Array.from(tmp);
  };
  while (nn > 0) {
    if (nn % 2) {
      P = matmul(P, Hm);
      expnt += hExpnt;
    }
    Hm = matmul(Hm, Hm);
    hExpnt *= 2;
    if (Math.abs(Hm[(k - 1) * m + (k - 1)]!) > EP128) {
      for (let i = 0; i < Hm.length; i++) Hm[i] /= EP128;
      hExpnt += E128;
    }
    nn = Math.floor(nn / 2);
  }
  let p = P[(k - 1) * m + (k - 1)]!;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= EP128;
      expnt -= E128;
    }
  }
  if (expnt !== 0) p *= Math.pow(2, expnt);
  return Math.min(1, Math.max(0, p));
}

/** Pelz–Good (1976) asymptotic series for Pr(D_n ≤ x), as scipy `_kolmogn_PelzGood`. */
function kolmogorovPelzGood(n: number, x: number, cdf: boolean): number {
  if (x <= 0) return cdf ? 0 : 1;
  if (x >= 1) return cdf ? 1 : 0;
  const PI2 = Math.PI * Math.PI;
  const PI4 = PI2 * PI2;
  const PI6 = PI4 * PI2;
  const SQRT2PI = Math.sqrt(2 * Math.PI);
  const z = Math.sqrt(n) * x;
  const z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2;
  const qlog = -PI2 / 8 / z2;
  if (qlog < -708) return cdf ? 0 : 1;
  let q = Math.exp(qlog);
  const k1a = -z2, k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4, k2b = ((2 * z4 - 5 * z2) * PI2) / 4, k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64, k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4, k3a = -30 * z6 - 90 * Math.pow(z, 8);
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m * m, m4 = m2 * m2, m6 = m4 * m2;
    const qp = Math.pow(q, 8 * k);
    const coeffs = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
    for (let i = 0; i < 4; i++) K[i] = K[i]! * qp + coeffs[i]!;
  }
  const div = [z, 6 * z4, 72 * Math.pow(z, 7), 6480 * Math.pow(z, 10)];
  for (let i = 0; i < 4; i++) K[i] = (K[i]! * q * SQRT2PI) / div[i]!;
  q = Math.exp(-PI2 / 2 / z2);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxk; k > 0; k--) {
    const ks = k * k;
    const qk = Math.pow(q, ks);
    k2extra += ks * qk;
    const kpi = Math.PI * k;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * ks * qk;
  }
  K[2] = K[2]! + (k2extra * PI2 * SQRT2PI) / (-36 * z3);
  K[3] = K[3]! + (k3extra * PI2 * SQRT2PI) / (216 * z6);
  for (let i = 0; i < 4; i++) K[i] = K[i]! / Math.pow(n, i / 2);
  if (!cdf) {
    for (let i = 0; i < 4; i++) K[i] = -K[i]!;
    K[0] = K[0]! + 1;
  }
  return K[0]! + K[1]! + K[2]! + K[3]!;
}

function logFactorialOverNPowN(n: number): number {
  // Stirling series coefficients (Bernoulli-number ratios), as in scipy.
  const c = [-0.029550653594771242, 0.00641025641025641, -0.0019175269175269176, 0.0008417508417508417, -0.0005952380952380953, 0.0007936507936507937, -0.002777777777777778, 0.08333333333333333];
  const rn = 1 / n;
  let poly = 0;
  for (const ci of c) poly = poly * (rn / n) + ci;
  return Math.log(n) / 2 - n + Math.log(2 * Math.PI) / 2 + rn * poly;
}

/**
 * Survival function of the two-sided one-sample KS statistic for finite n, P(D_n > x) (scipy
 * `kstwo.sf`). Same method selection as scipy (Simard and L'Ecuyer 2011): Ruben–Gambino closed
 * forms at the ends, 2·smirnov for x ≥ 0.5 or large n·x², Durbin matrix for small x, Pelz–Good for
 * large n. Where scipy uses Pomeranz (n ≤ 140, 0.754693 < n·x² ≤ 4) this uses the Durbin matrix
 * (also exact). Where scipy returns exactly 0 (n > 140 and n·x² ≥ 370) this keeps 2·smirnov, which
 * is the exact tail to within its own square.
 */
export function kolmogorovFiniteSf(n: number, x: number): number {
  if (!(n >= 1) || Math.floor(n) !== n) return NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let prob: number;
    if (n <= 140) {
      prob = 1;
      for (let i = 1; i <= n; i++) prob *= (i / n) * (2 * t - 1);
    } else {
      prob = Math.exp(logFactorialOverNPowN(n) + n * Math.log(2 * t - 1));
    }
    return clip01(1 - prob);
  }
  if (t >= n - 1) return clip01(2 * Math.pow(1 - x, n));
  if (x >= 0.5) return clip01(2 * smirnovSf(n, x));
  const nx2 = t * x;
  if (n <= 140) {
    if (nx2 <= 4) return clip01(1 - kolmogorovDurbinCdf(n, x));
    return clip01(2 * smirnovSf(n, x));
  }
  if (nx2 >= 2.2) return clip01(2 * smirnovSf(n, x));
  if (n <= 100000 && n * Math.pow(x, 1.5) <= 1.4) return clip01(1 - kolmogorovDurbinCdf(n, x));
  return clip01(kolmogorovPelzGood(n, x, false));
}

function clip01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/**
 * e^x·K_ν(x), the exponentially scaled modified Bessel function of the second kind, by the
 * trapezoidal rule on K_ν(x) = ∫₀^∞ e^(−x cosh t) cosh(νt) dt (exponentially convergent for this
 * analytic integrand; step 1/32 gives full double precision for x ≥ 1e−6).
 */
export function besselKScaled(nu: number, x: number): number {
  if (!(x > 0)) return Infinity;
  const h = 1 / 32;
  let s = 0.5; // t = 0: e^(−x(cosh 0 − 1))·cosh 0
  for (let i = 1; i < 100000; i++) {
    const t = i * h;
    const e = Math.exp(-x * (Math.cosh(t) - 1)) * Math.cosh(nu * t);
    s += e;
    if (e < s * 1e-18) break;
  }
  return s * h;
}
