/**
 * Shared pieces of the accuracy benchmarks: simulated test sets and the LoG tuned on a split.
 */
import { simulateImage, simToPlane, type SimResult } from '../simulate/simulate.js';
import type { TestSet } from '../simulate/presets.js';
import { detectLoGWithThreshold } from '../detect/log.js';
import { computeMetrics } from '../metrics/metrics.js';
import { meanStd } from '../evaluate/evaluate.js';
import type { Plane, Point } from '../types.js';

const RADII = [1, 1.5, 2, 2.5, 3, 4];
const mean = (v: number[]) => meanStd(v)[0];

export interface Img {
  plane: Plane;
  truth: Point[];
  sim: SimResult;
}

/** `n` images of size² px of a test set, seeds seedBase, seedBase+1, … */
export function makeSet(set: TestSet, seedBase: number, n: number, size: number): Img[] {
  return Array.from({ length: n }, (_, k) => {
    const sim = simulateImage({ height: size, width: size, ...set.params }, seedBase + k);
    return { plane: simToPlane(sim), truth: sim.spots.map((s) => [s.y, s.x] as Point), sim };
  });
}

export /** LoG candidates at threshold −∞ per radius, then the best (radius, threshold) by mean F1-integral over a grid. */
function tuneLoG(imgs: Img[]): { radius: number; threshold: number } {
  let best = { radius: 2, threshold: 0, f1: -1 };
  for (const radius of RADII) {
    const all = imgs.map((img) => detectLoGWithThreshold(img.plane, { radius, threshold: -Infinity }).detections);
    // candidate thresholds: the qualities at ranks that keep 0.3× … 2× the true number of spots
    const qualities = all.flat().map((d) => d.score).sort((a, b) => b - a);
    if (qualities.length === 0) continue;
    const nTrue = imgs.reduce((n, img) => n + img.truth.length, 0);
    const cands = Array.from({ length: 40 }, (_, i) => qualities[Math.min(qualities.length - 1, Math.floor(nTrue * (0.3 + (1.7 * i) / 39)))]);
    for (const threshold of cands) {
      const f1 = mean(imgs.map((img, k) => computeMetrics(all[k].filter((d) => d.score > threshold).map((d) => [d.r, d.c] as Point), img.truth).f1Integral));
      if (f1 > best.f1) best = { radius, threshold, f1 };
    }
  }
  return best;
}
