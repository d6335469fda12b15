/**
 * Cutting labelled images into square training crops and splitting them (§3.3–3.4 of the
 * behaviour notes, with two fixes):
 *  - a spot belongs to exactly one crop: crop (i, j) of size S holds the spots with
 *    i·S − 0.5 ≤ r < (i+1)·S − 0.5 (the pixels it covers, in our pixel-centre convention);
 *    the original's inclusive test put a spot on a crop edge into two crops;
 *  - the split is seeded (reproducible); the original shuffled without a seed;
 *  - the validation fraction is of all crops, as documented (the original's was of the crops
 *    left after the test split).
 */
import type { Plane, Point } from '../core/types.js';
import { roundHalfEven } from '../math/numpy.js';

export interface Crop {
  /** Crop origin in the source image (row, col of its top-left pixel). */
  row0: number;
  col0: number;
  plane: Plane;
  /** Spot positions relative to the crop (the crop's pixel (0,0) centre is at (0,0)). */
  points: Point[];
}

/** Non-overlapping size×size crops from the top-left; right/bottom remainders are dropped. */
export function cropImage(plane: Plane, points: Point[], size: number, minSpots = 1): Crop[] {
  const crops: Crop[] = [];
  const nr = Math.floor(plane.height / size);
  const nc = Math.floor(plane.width / size);
  for (let i = 0; i < nr; i++) {
    for (let j = 0; j < nc; j++) {
      const row0 = i * size;
      const col0 = j * size;
      const pts: Point[] = [];
      for (const [r, c] of points) {
        if (r >= row0 - 0.5 && r < row0 + size - 0.5 && c >= col0 - 0.5 && c < col0 + size - 0.5) {
          pts.push([r - row0, c - col0]);
        }
      }
      if (pts.length < Math.max(1, minSpots)) continue;
      const data = new Float32Array(size * size);
      for (let r = 0; r < size; r++) {
        data.set(plane.data.subarray((row0 + r) * plane.width + col0, (row0 + r) * plane.width + col0 + size), r * size);
      }
      crops.push({ row0, col0, plane: { data, height: size, width: size }, points: pts });
    }
  }
  return crops;
}

export { roundHalfEven };

export interface Splits<T> {
  train: T[];
  valid: T[];
  test: T[];
}

/**
 * The split sizes of `n` items: `valid` and `test` are fractions of all n items (as the docs
 * say: 0.2/0.2 = 60/20/20; the original took `valid` of what was left after the test split,
 * 26/6/8 of 40). Each is n·fraction rounded half to even, at least 1 when its fraction is > 0
 * and there are 3 items or more, and never leaving the training split empty (then the larger of
 * the two gives way). 40 at 0.2/0.2 → 24/8/8; 29 → 17/6/6; 3 → 1/1/1.
 */
export function splitSizes(n: number, valid: number, test: number): { train: number; valid: number; test: number } {
  const size = (f: number) => (f > 0 && n >= 3 ? Math.max(1, roundHalfEven(n * f)) : roundHalfEven(n * f));
  let v = size(valid);
  let t = size(test);
  while (v + t > Math.max(0, n - 1) && v + t > 0) {
    if (v >= t) v--;
    else t--;
  }
  return { train: n - v - t, valid: v, test: t };
}

/**
 * Seeded split: shuffle (Fisher–Yates with `random`, [0, 1)), then the first test-size items
 * go to test, the next valid-size to valid, the rest to train (sizes: splitSizes).
 */
export function splitItems<T>(items: T[], valid: number, test: number, random: () => number): Splits<T> {
  const order = items.slice();
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const k = splitSizes(order.length, valid, test);
  return { test: order.slice(0, k.test), valid: order.slice(k.test, k.test + k.valid), train: order.slice(k.test + k.valid) };
}
