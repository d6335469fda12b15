/**
 * Cutting labelled images into square training crops and splitting them (§3.3–3.4 of the
 * behaviour notes, with two fixes):
 *  - a spot belongs to exactly one crop: crop (i, j) of size S holds the spots with
 *    i·S − 0.5 ≤ r < (i+1)·S − 0.5 (the pixels it covers, in our pixel-centre convention);
 *    the original's inclusive test put a spot on a crop edge into two crops;
 *  - the split is seeded (reproducible); the original shuffled without a seed.
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
 * Seeded split as the original: shuffle, k_test = round(n·test) go to test, then of the rest
 * k_valid = round(m·valid) go to valid, the remainder to train. `random` returns [0, 1).
 */
export function splitItems<T>(items: T[], valid: number, test: number, random: () => number): Splits<T> {
  const order = items.slice();
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const kTest = roundHalfEven(order.length * test);
  const testItems = order.slice(0, kTest);
  const rest = order.slice(kTest);
  const kValid = roundHalfEven(rest.length * valid);
  return { test: testItems, valid: rest.slice(0, kValid), train: rest.slice(kValid) };
}
