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
