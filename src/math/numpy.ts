/**
 * Small numpy-compatible numeric helpers.
 *
 * The evaluation metrics of the original deepBlink (numpy/scipy) are reproduced bit for bit,
 * which needs numpy's exact summation order (pairwise summation), its `linspace` and its
 * trapezoid rule, and its half-to-even rounding. Everything here is pure and allocation-light.
 */

/** numpy's block size for pairwise summation (`PW_BLOCKSIZE` in loops_utils.h). */
const PW_BLOCKSIZE = 128;

/** Read-only numeric array accepted by the helpers. */
export type NumArray = ArrayLike<number>;

/**
 * Sum of `n` values starting at `start`, in numpy's pairwise order (`np.sum` / `np.add.reduce`
 * on a contiguous float64 array): fewer than 8 values are added left to right; up to 128 values
 * use 8 interleaved accumulators combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)) followed by
 * the tail; longer runs are split in two halves (the first a multiple of 8 long) recursively.
 *
 * With `float32 = true` every intermediate result is rounded to float32 (`Math.fround`), which
 * reproduces numpy's summation of a float32 array.
 */
export function pairwiseSum(values: NumArray, start = 0, n = values.length - start, float32 = false): number {
  if (n <= 0) return 0;
  return float32 ? pairwise32(values, start, n) : pairwise64(values, start, n);
}

function pairwise64(a: NumArray, s: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[s + i];
    return res;
  }
  if (n <= PW_BLOCKSIZE) {
    let r0 = a[s];
    let r1 = a[s + 1];
    let r2 = a[s + 2];
    let r3 = a[s + 3];
    let r4 = a[s + 4];
    let r5 = a[s + 5];
    let r6 = a[s + 6];
    let r7 = a[s + 7];
    const end = n - (n % 8);
    let i = 8;
    for (; i < end; i += 8) {
      const b = s + i;
      r0 += a[b];
      r1 += a[b + 1];
      r2 += a[b + 2];
      r3 += a[b + 3];
      r4 += a[b + 4];
      r5 += a[b + 5];
      r6 += a[b + 6];
      r7 += a[b + 7];
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += a[s + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwise64(a, s, n2) + pairwise64(a, s + n2, n - n2);
}

function pairwise32(a: NumArray, s: number, n: number): number {
  const f = Math.fround;
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res = f(res + f(a[s + i]));
    return res;
  }
  if (n <= PW_BLOCKSIZE) {
    const r = [f(a[s]), f(a[s + 1]), f(a[s + 2]), f(a[s + 3]), f(a[s + 4]), f(a[s + 5]), f(a[s + 6]), f(a[s + 7])];
    const end = n - (n % 8);
    let i = 8;
    for (; i < end; i += 8) {
      for (let j = 0; j < 8; j++) r[j] = f(r[j] + f(a[s + i + j]));
    }
    let res = f(f(f(r[0] + r[1]) + f(r[2] + r[3])) + f(f(r[4] + r[5]) + f(r[6] + r[7])));
    for (; i < n; i++) res = f(res + f(a[s + i]));
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return f(pairwise32(a, s, n2) + pairwise32(a, s + n2, n - n2));
}

/**
 * `np.linspace(start, stop, num)` (endpoint included): value i is `i * step + start` with
 * `step = (stop - start) / (num - 1)`, and the last value is exactly `stop`.
 */
export function linspace(start: number, stop: number, num: number): number[] {
  if (!Number.isInteger(num) || num < 0) throw new RangeError(`linspace: num must be a non-negative integer, got ${num}`);
  const out = new Array<number>(num);
  const div = num - 1;
  const delta = stop - start;
  if (div > 0) {
    const step = delta / div;
    if (step === 0) {
      // numpy's special case for denormal steps: y / div * delta
      for (let i = 0; i < num; i++) out[i] = (i / div) * delta + start;
    } else {
      for (let i = 0; i < num; i++) out[i] = i * step + start;
    }
    out[num - 1] = stop;
  } else if (num === 1) {
    out[0] = 0 * delta + start;
  }
  return out;
}

/**
 * `np.trapz(y, x)`: pairwise sum of `(x[i+1] - x[i]) * (y[i+1] + y[i]) / 2`. Fewer than two
 * samples give 0.
 */
export function trapezoid(y: NumArray, x: NumArray): number {
  const n = y.length;
  if (x.length !== n) throw new RangeError(`trapezoid: y has ${n} values but x has ${x.length}`);
  if (n < 2) return 0;
  const terms = new Float64Array(n - 1);
  for (let i = 0; i < n - 1; i++) terms[i] = ((x[i + 1] - x[i]) * (y[i + 1] + y[i])) / 2.0;
  return pairwiseSum(terms);
}

/** `np.round(x)` for one value: round half to even (2.5 → 2, 3.5 → 4, -2.5 → -2). */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const fl = Math.floor(x);
  const diff = x - fl; // exact for doubles
  if (diff < 0.5) return fl;
  if (diff > 0.5) return fl + 1;
  return fl % 2 === 0 ? fl : fl + 1;
}
