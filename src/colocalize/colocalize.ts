/**
 * Colocalisation of two spot sets (e.g. two channels): one-to-one pairs within a distance by
 * optimal assignment (evaluate/metrics.ts `pointsMatching`), the fraction of each set that has
 * a partner, the fraction expected by chance (B's positions drawn uniformly inside the image or
 * mask, seeded) and a one-sided empirical p-value. Optionally a constant chromatic shift of B
 * against A is estimated (median of b − a over pairs within a larger radius) and removed first.
 *
 * Points are `[row, col]` in pixels with pixel centres at integers, so the image covers
 * [-0.5, height - 0.5) × [-0.5, width - 0.5).
 */
import type { Point } from '../core/types.js';
import { UserError } from '../core/errors.js';
import { pointsMatching } from '../evaluate/metrics.js';
import { medianInPlace } from '../math/select.js';
import { Rng } from '../math/rng.js';

/** Options of {@link colocalize}. */
export interface ColocalizeOptions {
  /** Largest distance (px, inclusive) between the two spots of a pair (default 2). */
  distance?: number;
  /** Size of the image the points lie in: the area B is redrawn in for the chance level. */
  shape: { height: number; width: number };
  /**
   * Optional region (row-major, `height × width` values): pixels with a non-zero / true value
   * are inside (a boolean mask or a label plane, e.g. cells). B is then redrawn inside it only.
   */
  mask?: ArrayLike<number | boolean>;
  /** Number of randomisations of B for the chance level and p-value (default 200; 0 = none). */
  randomizations?: number;
  /** Seed of the randomisations (default 1). */
  seed?: number;
  /** Estimate and remove a constant shift of B against A before pairing (default false). */
  correctShift?: boolean;
}

/** One colocalised pair. */
export interface ColocPair {
  /** Index into A. */
  a: number;
  /** Index into B. */
  b: number;
  /** Distance in px (after removing the shift, when corrected). */
  distance: number;
}

/** Result of {@link colocalize}. */
export interface ColocalizeResult {
  nA: number;
  nB: number;
  /** The distance used (px). */
  distance: number;
  /** One-to-one pairs, A index ascending. */
  pairs: ColocPair[];
  /** Fraction of A with a partner in B (0 when A is empty). */
  fractionA: number;
  /** Fraction of B with a partner in A (0 when B is empty). */
  fractionB: number;
  /** Mean of `fractionA` over the randomisations of B (NaN without randomisations). */
  chanceA: number;
  /** Mean of `fractionB` over the randomisations of B (NaN without randomisations). */
  chanceB: number;
  /**
   * One-sided empirical p-value of the number of pairs: (1 + #randomisations with at least as
   * many pairs) / (1 + randomisations); the same for both directions, as pairs are one-to-one.
   * NaN without randomisations.
   */
  pValue: number;
  /** Number of randomisations done. */
  randomizations: number;
  /** With `correctShift`: the estimated shift [dy, dx] of B against A (subtracted from B). */
  shift?: Point;
}

/** Pairs of `a` and `b` within `distance` (one-to-one, optimal assignment), A index ascending. */
function pairUp(a: readonly Point[], b: readonly Point[], distance: number): ColocPair[] {
  if (a.length === 0 || b.length === 0) return [];
  const m = pointsMatching(b, a, { cutoff: distance });
  const pairs = m.trueIdx.map((ai, k) => ({ a: ai, b: m.predIdx[k], distance: m.distances[k] }));
  return pairs.sort((p, q) => p.a - q.a);
}

/** The median of b − a over pairs within `radius`; [0, 0] when there are none. */
function medianShift(a: readonly Point[], b: readonly Point[], radius: number): Point {
  const pairs = pairUp(a, b, radius);
  if (pairs.length === 0) return [0, 0];
  const dy = Float64Array.from(pairs, (p) => b[p.b][0] - a[p.a][0]);
  const dx = Float64Array.from(pairs, (p) => b[p.b][1] - a[p.a][1]);
  return [medianInPlace(dy, dy.length), medianInPlace(dx, dx.length)];
}

function checkPointsIn(points: readonly Point[], what: string): void {
  for (const p of points) {
    if (!Number.isFinite(p[0]) || !Number.isFinite(p[1])) throw new UserError(`${what}: every coordinate must be a finite number`, undefined, 'invalid-input');
  }
}

/** Draws points uniformly in the image, or in the pixels of the mask (uniform inside each pixel). */
function sampler(shape: { height: number; width: number }, mask: ArrayLike<number | boolean> | undefined, rng: Rng): () => Point {
  const { height, width } = shape;
  if (!mask) return () => [rng.uniformRange(-0.5, height - 0.5), rng.uniformRange(-0.5, width - 0.5)];
  const inside: number[] = [];
  for (let k = 0; k < mask.length; k++) if (mask[k]) inside.push(k);
  if (inside.length === 0) throw new UserError('the mask has no pixel inside (all zero)', undefined, 'invalid-input');
  return () => {
    const k = inside[rng.int(inside.length)];
    const r = Math.floor(k / width);
    return [r + rng.uniform() - 0.5, k - r * width + rng.uniform() - 0.5];
  };
}

/**
 * Colocalisation of spot set `a` with `b` (both `[row, col]` in px): one-to-one pairs within
 * `distance` by optimal assignment, the colocalised fraction of each set, the chance level (B
 * redrawn uniformly in the image or mask, `randomizations` times, seeded) and a one-sided
 * empirical p-value. With `correctShift`, a constant shift of B is estimated (median of b − a
 * over pairs within 2 × distance, refined once over the pairs within distance) and removed
 * before pairing. Invalid options are a `DeepblinkError` with code 'invalid-input'.
 */
export function colocalize(a: readonly Point[], b: readonly Point[], opts: ColocalizeOptions): ColocalizeResult {
  const distance = opts.distance ?? 2;
  const n = opts.randomizations ?? 200;
  const { height, width } = opts.shape;
  const bad = (msg: string) => new UserError(msg, undefined, 'invalid-input');
  if (!(Number.isFinite(distance) && distance > 0)) throw bad(`distance must be a positive number, got ${distance}`);
  if (!(Number.isInteger(n) && n >= 0)) throw bad(`randomizations must be a whole number ≥ 0, got ${n}`);
  if (!(Number.isInteger(height) && height > 0 && Number.isInteger(width) && width > 0)) {
    throw bad(`the image size must be two positive whole numbers, got ${height}×${width}`);
  }
  if (opts.mask && opts.mask.length !== height * width) {
    throw bad(`the mask has ${opts.mask.length} pixels, the image ${height}×${width} = ${height * width}`);
  }
  checkPointsIn(a, 'A');
  checkPointsIn(b, 'B');

  let bUsed: readonly Point[] = b;
  let shift: Point | undefined;
  if (opts.correctShift) {
    const coarse = medianShift(a, b, 2 * distance);
    const moved = b.map((p): Point => [p[0] - coarse[0], p[1] - coarse[1]]);
    const fine = medianShift(a, moved, distance);
    shift = [coarse[0] + fine[0], coarse[1] + fine[1]];
    const s = shift;
    bUsed = b.map((p): Point => [p[0] - s[0], p[1] - s[1]]);
  }
  const pairs = pairUp(a, bUsed, distance);
  const nA = a.length;
  const nB = b.length;
  const frac = (k: number, total: number) => (total > 0 ? k / total : 0);

  let sumA = 0;
  let sumB = 0;
  let atLeast = 0;
  if (n > 0) {
    const draw = sampler(opts.shape, opts.mask, new Rng(opts.seed ?? 1));
    for (let r = 0; r < n; r++) {
      const random: Point[] = Array.from({ length: nB }, draw);
      const k = pairUp(a, random, distance).length;
      sumA += frac(k, nA);
      sumB += frac(k, nB);
      if (k >= pairs.length) atLeast++;
    }
  }
  return {
    nA,
    nB,
    distance,
    pairs,
    fractionA: frac(pairs.length, nA),
    fractionB: frac(pairs.length, nB),
    chanceA: n > 0 ? sumA / n : Number.NaN,
    chanceB: n > 0 ? sumB / n : Number.NaN,
    pValue: n > 0 ? (1 + atLeast) / (1 + n) : Number.NaN,
    randomizations: n,
    ...(shift ? { shift } : {}),
  };
}
