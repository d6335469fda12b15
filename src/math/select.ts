import type { PlaneData } from '../core/types.js';
/**

/**
 * Order statistics in place, without sorting: the k-th smallest value and the median of the
 * first n elements of a typed array (Hoare partition, median-of-three pivot). After
 * `quickselect(a, n, k)`, a[0..k) ≤ a[k] ≤ a(k..n).
 */
type Floats = Float32Array | Float64Array;

function swap(a: Floats, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/** k-th smallest (0-based) of a[0..n), in place. */
export function quickselect(a: Floats, n: number, kth: number): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // median of three into a[mid]
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (kth <= j) hi = j;
    else if (kth >= i) lo = i;
    else return a[kth];
  }
  return a[kth];
}

/** Median of a[0..n) (mean of the two middle values for even n), in place; NaN when n = 0. */
export function medianInPlace(a: Floats, n: number): number {
  if (n === 0) return NaN;
  const m = quickselect(a, n, n >> 1);
  if (n % 2) return m;
  // lower middle = max of the part below n/2 (already partitioned)
  let lower = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (a[i] > lower) lower = a[i];
  return 0.5 * (lower + m);
}

/** Above this many pixels, quantiles are taken on an evenly strided sample of this size. */
export const QUANTILE_SAMPLE = 1 << 24;

/**
 * Value at quantile q of the data (linear interpolation, NaNs excluded), on a copy. Planes of
 * more than QUANTILE_SAMPLE pixels (16.8 M, e.g. 4096²) use every k-th pixel so that the copy
 * stays bounded (64 MB); the result is then an estimate.
 */
export function quantile(data: PlaneData, q: number): number {
  const step = Math.max(1, Math.ceil(data.length / QUANTILE_SAMPLE));
  const s = new Float32Array(Math.ceil(data.length / step));
  let n = 0;
  for (let i = 0; i < data.length; i += step) {
    const v = data[i];
    if (!Number.isNaN(v)) s[n++] = v;
  }
  if (n === 0) return NaN;
  const sorted = s.subarray(0, n).sort();
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
