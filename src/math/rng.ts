/**
 * Small seeded, deterministic pseudo-random number generator for the simulator.
 *
 * Generator: xoshiro128** (Blackman & Vigna 2018), 128-bit state, 32-bit output, seeded by
 * splitmix32 from a (seed, stream) pair. All state arithmetic is 32-bit integer arithmetic
 * (`Math.imul`, shifts, `>>> 0`), so the raw stream is bit-identical on every platform.
 *
 * Derived distributions:
 * - `uniform()`: a double in [0, 1) with 53 random bits (two 32-bit outputs).
 * - `normal()`: Marsaglia's polar method (needs only `Math.log` and `Math.sqrt`, no trig).
 * - `poisson(mean)`: exact. Knuth's multiplication method for mean < 10, Hörmann's PTRS
 *   (transformed rejection with squeeze, "The transformed rejection method for generating
 *   Poisson random variables", Insurance: Math. & Econ. 12, 1993) for mean >= 10.
 *
 * Determinism: the integer stream is exact everywhere; the floating-point distributions use
 * only IEEE-754 basic operations plus `Math.log`/`Math.exp`/`Math.sqrt`/`Math.floor`. In Node
 * (V8) `Math.log` and `Math.exp` are V8's own fdlibm ports, identical on every OS/CPU, so a
 * given seed gives identical samples on every platform running Node 20+.
 */

/** Advance a splitmix32 state and return [newState, output]. */
function splitmix32(state: number): [number, number] {
  state = (state + 0x9e3779b9) | 0;
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  z = z ^ (z >>> 15);
  return [state, z >>> 0];
}

/** Exact log(k!) for k = 0..20 (k! is an exactly representable double for k <= 22). */
const LOG_FACTORIAL_TABLE: Float64Array = (() => {
  const t = new Float64Array(21);
  let f = 1;
  for (let k = 0; k <= 20; k++) {
    if (k > 0) f *= k;
    t[k] = Math.log(f);
  }
  return t;
})();

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log(k!) for a non-negative integer k: exact table for k <= 20, Stirling series of
 * log Γ(k + 1) with terms up to x⁻⁷ beyond (absolute error < 1e-15 there).
 */
export function logFactorial(k: number): number {
  if (k <= 20) return LOG_FACTORIAL_TABLE[k];
  const x = k + 1;
  const ix = 1 / x;
  const ix2 = ix * ix;
  const series = ix * (1 / 12 - ix2 * (1 / 360 - ix2 * (1 / 1260 - ix2 * (1 / 1680))));
  return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + series;
}

/**
 * Turn an arbitrary JS number seed into two 32-bit words. Safe integers (including negative
 * ones) map injectively; other finite numbers are hashed through their float64 bit pattern.
 */
function seedWords(seed: number): [number, number] {
  if (!Number.isFinite(seed)) throw new RangeError(`Rng seed must be finite, got ${seed}`);
  if (Number.isSafeInteger(seed)) {
    const neg = seed < 0;
    const a = Math.abs(seed);
    const lo = a % 0x100000000;
    const hi = Math.floor(a / 0x100000000);
    return [lo >>> 0, (hi | (neg ? 0x80000000 : 0)) >>> 0];
  }
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, seed, true);
  return [view.getUint32(0, true), (view.getUint32(4, true) ^ 0x5bd1e995) >>> 0];
}

/**
 * Seeded PRNG (xoshiro128**). Construct with `new Rng(seed)` or `new Rng(seed, stream)`;
 * different `stream` values give independent streams for the same seed (used by the
 * simulator so that, e.g., changing the noise model does not move the spots).
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  /** Second normal deviate from the last polar-method pair, or NaN if none is cached. */
  private spareNormal = Number.NaN;

  constructor(seed: number, stream = 0) {
    const [lo, hi] = seedWords(seed);
    const [slo, shi] = seedWords(stream);
    // Mix the four words through splitmix32 so that nearby seeds/streams decorrelate.
    let st = lo;
    let out: number;
    [st, out] = splitmix32(st ^ Math.imul(hi, 0x85ebca6b));
    st = (st ^ Math.imul(slo, 0xc2b2ae35)) | 0;
    [st, out] = splitmix32(st ^ out);
    st = (st ^ Math.imul(shi ^ 0x27d4eb2f, 0x165667b1)) | 0;
    [st, this.s0] = splitmix32(st ^ out);
    [st, this.s1] = splitmix32(st);
    [st, this.s2] = splitmix32(st);
    [st, this.s3] = splitmix32(st);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // all-zero state is invalid
  }

  /**
   * A generator with the given raw xoshiro128** state (not all zero). For reference-vector
   * tests and for saving/restoring a stream; normal use is `new Rng(seed, stream)`.
   */
  static fromState(s0: number, s1: number, s2: number, s3: number): Rng {
    const r = new Rng(0);
    r.s0 = s0 | 0;
    r.s1 = s1 | 0;
    r.s2 = s2 | 0;
    r.s3 = s3 | 0;
    if ((r.s0 | r.s1 | r.s2 | r.s3) === 0) throw new RangeError('Rng.fromState: the all-zero state is invalid');
    return r;
  }

  /**
   * The raw 128-bit state as four unsigned 32-bit words (see {@link Rng.fromState}). The spare
   * deviate cached by {@link Rng.normal} is not part of it.
   */
  state(): [number, number, number, number] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /** Next raw 32-bit unsigned integer in [0, 2³²). */
  nextUint32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2;
    const s3 = this.s3;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    let n2 = s2 ^ s0;
    let n3 = s3 ^ s1;
    const n1 = s1 ^ n2;
    const n0 = s0 ^ n3;
    n2 ^= t;
    n3 = rotl(n3, 11);
    this.s0 = n0;
    this.s1 = n1;
    this.s2 = n2;
    this.s3 = n3;
    return r >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextUint32() >>> 5; // 27 bits
    const b = this.nextUint32() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Uniform double in [lo, hi). */
  uniformRange(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Uniform integer in [0, n) for 1 <= n <= 2³² (unbiased, by rejection). */
  int(n: number): number {
    if (!(n >= 1 && n <= 0x100000000 && Number.isInteger(n))) {
      throw new RangeError(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** Normal deviate with the given mean and standard deviation (Marsaglia polar method). */
  normal(mean = 0, sd = 1): number {
    if (!Number.isNaN(this.spareNormal)) {
      const z = this.spareNormal;
      this.spareNormal = Number.NaN;
      return mean + sd * z;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * f;
    return mean + sd * (u * f);
  }

  /**
   * Exact Poisson deviate with the given mean (>= 0). Knuth's method for mean < 10,
   * Hörmann's PTRS for mean >= 10. Returns a non-negative integer (as a number).
   */
  poisson(mean: number): number {
    if (!(mean >= 0) || !Number.isFinite(mean)) {
      throw new RangeError(`Rng.poisson: mean must be finite and >= 0, got ${mean}`);
    }
    if (mean === 0) return 0;
    if (mean < 10) {
      const limit = Math.exp(-mean);
      let k = 0;
      let p = this.uniform();
      while (p > limit) {
        k++;
        p *= this.uniform();
      }
      return k;
    }
    // PTRS (Hörmann 1993).
    const smu = Math.sqrt(mean);
    const b = 0.931 + 2.53 * smu;
    const a = -0.059 + 0.02483 * b;
    const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    const logMean = Math.log(mean);
    for (;;) {
      const u = this.uniform() - 0.5;
      const v = this.uniform();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (Math.log((v * invAlpha) / (a / (us * us) + b)) <= -mean + k * logMean - logFactorial(k)) return k;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
