/**
 * The LoG tuned on labelled planes, for benchmarks whose images are not simulated (no `sim`):
 * the same search as `tuneLoG` in ./sets.ts (which takes simulated `Img`s), on {plane, truth}.
 */
import { detectLoGWithThreshold } from '../detect/log.js';
import { computeMetrics } from '../metrics/metrics.js';
import { meanStd } from '../evaluate/evaluate.js';
import type { Plane, Point } from '../types.js';

const RADII = [1, 1.5, 2, 2.5, 3, 4];

/** A plane with its labelled spots. */
export interface Labelled {
  plane: Plane;
  truth: Point[];
}

export interface TunedLoG {
  radius: number;
  threshold: number;
  /** Mean F1-integral of the tuned LoG on the images it was tuned on. */
  f1: number;
}

/**
 * LoG candidates at threshold −∞ per radius (1 … 4 px), then the (radius, threshold) with the best
 * mean F1-integral per image; thresholds are the LoG qualities at the ranks that keep 0.3× … 2×
 * the true number of spots (40 candidates).
 */
export function tuneLoGLabelled(imgs: readonly Labelled[]): TunedLoG {
  let best: TunedLoG = { radius: 2, threshold: 0, f1: -1 };
  const nTrue = imgs.reduce((n, img) => n + img.truth.length, 0);
  for (const radius of RADII) {
    const all = imgs.map((img) => detectLoGWithThreshold(img.plane, { radius, threshold: -Infinity }).detections);
    const qualities = all.flat().map((d) => d.score).sort((a, b) => b - a);
    if (qualities.length === 0) continue;
    const cands = Array.from({ length: 40 }, (_, i) => qualities[Math.min(qualities.length - 1, Math.floor(nTrue * (0.3 + (1.7 * i) / 39)))]!);
    for (const threshold of cands) {
      const f1 = meanStd(imgs.map((img, k) => computeMetrics(all[k]!.filter((d) => d.score > threshold).map((d) => [d.r, d.c] as Point), img.truth).f1Integral))[0];
      if (f1 > best.f1) best = { radius, threshold, f1 };
    }
  }
  return best;
}
