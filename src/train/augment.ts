/**
 * Training-time augmentation of one normalised square crop and its spots, applied to the
 * image and the coordinates together (before grid encoding), so labels always follow the
 * pixels exactly. Used on training batches only — never on validation (the original also
 * augmented validation batches).
 *
 * Fixes of the original's augmentations (behaviour notes §7):
 *  - flips/rotations transform the coordinates, not the relative offsets of the grid, so label
 *    smoothing can no longer corrupt empty cells;
 *  - gaussian_noise adds N(0, σ), σ ~ U(0, 0.1), in normalised units (the original replaced the
 *    noise by +1.0 wherever image + noise ≥ 1, i.e. brightened every bright pixel by 1);
 *  - translate is a cyclic shift by a whole number of cells in both axes, with the spots moved
 *    and wrapped the same way.
 * Coordinates: our convention (pixel centres at integers; an S×S crop spans [−0.5, S−0.5)).
 */
import type { Point } from '../core/types.js';
import type { Rng } from '../math/rng.js';

/** Which augmentations training applies (see above). */
export interface AugmentOptions {
  flip: boolean;
  rotate: boolean;
  illuminate: boolean;
  gaussian_noise: boolean;
  translate: boolean;
}

export const NO_AUGMENTATION: AugmentOptions = { flip: false, rotate: false, illuminate: false, gaussian_noise: false, translate: false };

/** Flip along rows (axis 0, vertical) or columns (axis 1, horizontal). */
export function flip(img: Float32Array, size: number, points: Point[], axis: 0 | 1): { img: Float32Array; points: Point[] } {
  const out = new Float32Array(img.length);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const src = axis === 0 ? (size - 1 - r) * size + c : r * size + (size - 1 - c);
      out[r * size + c] = img[src];
    }
  }
  const pts: Point[] = points.map(([r, c]) => (axis === 0 ? [size - 1 - r, c] : [r, size - 1 - c]));
  return { img: out, points: pts };
}

/** Rotate by 90° counter-clockwise (numpy rot90): new[i][j] = old[j][S−1−i]; (r, c) → (S−1−c, r). */
export function rot90(img: Float32Array, size: number, points: Point[]): { img: Float32Array; points: Point[] } {
  const out = new Float32Array(img.length);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) out[i * size + j] = img[j * size + (size - 1 - i)];
  }
  return { img: out, points: points.map(([r, c]) => [size - 1 - c, r]) };
}

/** Cyclic shift by (dr, dc) whole pixels; spots move and wrap the same way. */
export function roll(img: Float32Array, size: number, points: Point[], dr: number, dc: number): { img: Float32Array; points: Point[] } {
  const out = new Float32Array(img.length);
  const m = (v: number) => ((v % size) + size) % size;
  for (let r = 0; r < size; r++) {
    const rr = m(r + dr);
    for (let c = 0; c < size; c++) out[rr * size + m(c + dc)] = img[r * size + c];
  }
  const wrap = (v: number) => {
    let w = v;
    while (w >= size - 0.5) w -= size;
    while (w < -0.5) w += size;
    return w;
  };
  return { img: out, points: points.map(([r, c]) => [wrap(r + dr), wrap(c + dc)]) };
}

/** Applies the enabled augmentations in a fixed order with random parameters from `rng`. */
export function augment(
  img: Float32Array,
  size: number,
  points: Point[],
  opts: AugmentOptions,
  rng: Rng,
  cellSize: number,
): { img: Float32Array; points: Point[] } {
  let cur: { img: Float32Array; points: Point[] } = { img, points };
  if (opts.flip) {
    if (rng.uniform() < 0.5) cur = flip(cur.img, size, cur.points, 0);
    if (rng.uniform() < 0.5) cur = flip(cur.img, size, cur.points, 1);
  }
  if (opts.rotate) {
    const k = rng.int(4);
    for (let i = 0; i < k; i++) cur = rot90(cur.img, size, cur.points);
  }
  if (opts.translate) {
    const cells = size / cellSize;
    cur = roll(cur.img, size, cur.points, rng.int(cells) * cellSize, rng.int(cells) * cellSize);
  }
  if (opts.illuminate || opts.gaussian_noise) {
    const out = cur.img === img ? new Float32Array(img) : cur.img;
    const scale = opts.illuminate ? 1 + rng.uniformRange(-0.75, 0.75) : 1;
    const sigma = opts.gaussian_noise ? rng.uniformRange(0, 0.1) : 0;
    for (let i = 0; i < out.length; i++) out[i] = out[i] * scale + (sigma > 0 ? rng.normal(0, sigma) : 0);
    cur = { img: out, points: cur.points };
  }
  return cur;
}
