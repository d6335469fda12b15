/** Index arithmetic for reflect-padded borders. */
/** Mirror (single boundary) index into [0, n): ... 2 1 | 0 1 2 ... n-1 | n-2 ... */
export function mirrorIndex(i: number, n: number): number {
  if (i >= 0 && i < n) return i;
  if (n === 1) return 0;
  const p = 2 * (n - 1);
  let m = i % p;
  if (m < 0) m += p;
  return m < n ? m : p - m;
}
