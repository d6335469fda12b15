/** Two spot sets with a known colocalised fraction, for tests and benchmarks of colocalize. */
import type { Point } from '../core/types.js';
import { Rng } from '../math/rng.js';

/** Options of {@link simulateColocalized}. */
export interface SimColocOptions {
  /** Image size; points lie uniformly in it, away from the border by `margin`. */
  shape: { height: number; width: number };
  /** Number of A spots. */
  nA: number;
  /** Fraction of A with a partner in B (default 0.6). */
  fraction?: number;
  /** B spots without a partner, placed uniformly (default 0). */
  extraB?: number;
  /** Standard deviation (px, per axis) of a partner's offset from its A spot (default 0.3). */
  jitter?: number;
  /** Constant shift [dy, dx] added to every B spot (default [0, 0]). */
  shift?: Point;
  /** Distance (px) from the border for A spots and extras (default 5). */
  margin?: number;
  seed?: number;
}

/** Result of {@link simulateColocalized}. */
export interface SimColoc {
  a: Point[];
  /** Partners first (in the order of `partnerOf`), then the extras. */
  b: Point[];
  /** For each partner B spot (index into `b`), its A spot. */
  partnerOf: number[];
}

/**
 * A: `nA` points uniform in the image; B: a partner for the first round(fraction × nA) of them
 * (A + Gaussian jitter + shift), then `extraB` points uniform in the image (+ shift).
 */
export function simulateColocalized(opts: SimColocOptions): SimColoc {
  const rng = new Rng(opts.seed ?? 1);
  const { height, width } = opts.shape;
  const margin = opts.margin ?? 5;
  const jitter = opts.jitter ?? 0.3;
  const [sy, sx] = opts.shift ?? [0, 0];
  const uniform = (): Point => [rng.uniformRange(margin, height - 1 - margin), rng.uniformRange(margin, width - 1 - margin)];
  const a = Array.from({ length: opts.nA }, uniform);
  const nPartners = Math.round((opts.fraction ?? 0.6) * opts.nA);
  const b: Point[] = [];
  const partnerOf: number[] = [];
  for (let i = 0; i < nPartners; i++) {
    b.push([a[i][0] + rng.normal(0, jitter) + sy, a[i][1] + rng.normal(0, jitter) + sx]);
    partnerOf.push(i);
  }
  for (let i = 0; i < (opts.extraB ?? 0); i++) {
    const p = uniform();
    b.push([p[0] + sy, p[1] + sx]);
  }
  return { a, b, partnerOf };
}
