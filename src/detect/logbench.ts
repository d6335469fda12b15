/**
 * Measurement behind the LoG detector's automatic threshold (AUTO_K in log.ts) and its speed.
 *
 *   node --import tsx src/detect/logbench.ts            (from the repository root)
 *   node dist/detect/logbench.js                        (after the build)
 *
 * For simulated 256x256 images (src/detect/logsim.ts: pixel-integrated Gaussian spots, Poisson
 * noise, ISBI peak SNR) over PSF sigma x background x SNR x density, the detector is run with the
 * matched radius (sqrt 2 sigma) and F1 at 3 px (greedy nearest-neighbour matching) is computed
 * for threshold = median(F) + k * 1.4826 MAD(F) with several k, for the Otsu threshold on the
 * log-quality histogram of the local maxima, and for the best threshold in hindsight ("oracle").
 */
import { pathToFileURL } from 'node:url';
import type { Detection, Plane, Point } from '../types.js';
import { autoThresholdFromResponse, findLocalMaxima, logFilter, refineSubpixel, robustLevel, detectLoG } from './log.js';
import { greedyMatch, simulate } from './logsim.js';

export const K_GRID = [3, 3.5, 4, 4.5, 5, 5.5, 6, 7, 8];
/** automatic-threshold variants: [fdr, kMin] */
export const AUTO_GRID: [number, number][] = [
  [0.05, 3],
  [0.1, 3],
  [0.2, 3],
  [0.1, 2.5],
  [0.2, 2.5],
];

export interface Condition {
  sigma: number;
  bg: number;
  snr: number;
  count: number;
}

/** All local maxima above median + 1 robust sigma, refined, sorted by descending quality. */
function candidates(plane: Plane, radius: number): { dets: Detection[]; median: number; sigma: number; f: Float32Array } {
  const f = logFilter(plane, radius);
  const { median, sigma } = robustLevel(f);
  const peaks = findLocalMaxima(f, plane.height, plane.width, median + sigma);
  const dets: Detection[] = [];
  for (const p of peaks) {
    const r = Math.floor(p / plane.width);
    const c = p - r * plane.width;
    const [rr, cc] = refineSubpixel(f, plane.height, plane.width, r, c);
    dets.push({ r: rr, c: cc, score: f[p] });
  }
  dets.sort((a, b) => b.score - a.score);
  return { dets, median, sigma, f };
}

/** Otsu threshold on log(quality) of the positive candidates (64-bin histogram). */
export function otsuLogQuality(scores: readonly number[]): number {
  const v = scores.filter((s) => s > 0).map((s) => Math.log(s));
  if (v.length < 2) return Infinity;
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of v) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (!(hi > lo)) return Infinity;
  const bins = 64;
  const hist = new Float64Array(bins);
  for (const x of v) hist[Math.min(bins - 1, Math.floor(((x - lo) / (hi - lo)) * bins))]++;
  const total = v.length;
  let sumAll = 0;
  for (let i = 0; i < bins; i++) sumAll += i * hist[i];
  let wB = 0;
  let sumB = 0;
  let best = -1;
  let bestI = 0;
  for (let i = 0; i < bins - 1; i++) {
    wB += hist[i];
    if (wB === 0) continue;
    const wF = total - wB;
    if (wF === 0) break;
    sumB += i * hist[i];
    const mB = sumB / wB;
    const mF = (sumAll - sumB) / wF;
    const between = wB * wF * (mB - mF) * (mB - mF);
    if (between > best) {
      best = between;
      bestI = i;
    }
  }
  return Math.exp(lo + ((bestI + 1) / bins) * (hi - lo));
}

/** Best F1 over all prefixes of `dets` (sorted desc), greedy matching recomputed per prefix. */
function oracleF1(dets: readonly Detection[], truth: readonly Point[], cutoff: number): number {
  const pairs: [number, number, number][] = [];
  for (let i = 0; i < dets.length; i++) {
    for (let j = 0; j < truth.length; j++) {
      const dr = dets[i].r - truth[j][0];
      const dc = dets[i].c - truth[j][1];
      const d2 = dr * dr + dc * dc;
      if (d2 <= cutoff * cutoff) pairs.push([d2, i, j]);
    }
  }
  pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  let best = 0;
  const maxL = Math.min(dets.length, 3 * truth.length + 10);
  const usedP = new Uint8Array(dets.length);
  const usedT = new Uint8Array(truth.length);
  for (let L = 1; L <= maxL; L++) {
    usedP.fill(0);
    usedT.fill(0);
    let tp = 0;
    for (const [, i, j] of pairs) {
      if (i >= L || usedP[i] || usedT[j]) continue;
      usedP[i] = 1;
      usedT[j] = 1;
      tp++;
    }
    const f1 = (2 * tp) / (L + truth.length);
    if (f1 > best) best = f1;
  }
  return best;
}

function f1At(dets: readonly Detection[], truth: readonly Point[], thr: number) {
  const sel = dets.filter((d) => d.score > thr);
  return greedyMatch(sel, truth, 3);
}

export interface ConditionResult {
  cond: Condition;
  /** mean F1 per k in K_GRID */
  f1k: number[];
  /** mean precision / recall per k */
  pk: number[];
  rk: number[];
  f1Otsu: number;
  f1Oracle: number;
  f1q: number[];
  pq: number[];
  rq: number[];
}

export function runCondition(cond: Condition, seeds: readonly number[]): ConditionResult {
  const f1k = K_GRID.map(() => 0);
  const pk = K_GRID.map(() => 0);
  const rk = K_GRID.map(() => 0);
  let f1Otsu = 0;
  let f1Oracle = 0;
  const f1q = AUTO_GRID.map(() => 0);
  const pq = AUTO_GRID.map(() => 0);
  const rq = AUTO_GRID.map(() => 0);
  for (const seed of seeds) {
    const { plane, truth } = simulate({ height: 256, width: 256, ...cond, seed });
    const radius = Math.SQRT2 * cond.sigma;
    const { dets, median, sigma, f } = candidates(plane, radius);
    K_GRID.forEach((k, i) => {
      const m = f1At(dets, truth, median + k * sigma);
      f1k[i] += m.f1 / seeds.length;
      pk[i] += m.precision / seeds.length;
      rk[i] += m.recall / seeds.length;
    });
    AUTO_GRID.forEach(([fdr, kMin], i) => {
      const thr = autoThresholdFromResponse(f, plane.height, plane.width, radius, { fdr, kMin });
      const m = f1At(dets, truth, thr);
      f1q[i] += m.f1 / seeds.length;
      pq[i] += m.precision / seeds.length;
      rq[i] += m.recall / seeds.length;
    });
    f1Otsu += f1At(dets, truth, otsuLogQuality(dets.map((d) => d.score))).f1 / seeds.length;
    // oracle: best F1 over every threshold (prefix of the sorted candidates)
    const best = oracleF1(dets, truth, 3);
    f1Oracle += best / seeds.length;
  }
  return { cond, f1k, pk, rk, f1Otsu, f1Oracle, f1q, pq, rq };
}

export function allConditions(): Condition[] {
  const out: Condition[] = [];
  for (const count of [100, 400]) {
    for (const sigma of [1, 1.5, 2]) {
      for (const bg of [10, 100]) {
        for (const snr of [2, 4, 7]) out.push({ sigma, bg, snr, count });
      }
    }
  }
  return out;
}

function timing(): { filterMs: number; detectMs: number; detectAutoMs: number } {
  const { plane } = simulate({ height: 512, width: 512, count: 500, sigma: 1.5, bg: 10, snr: 4, seed: 7 });
  const time = (fn: () => void): number => {
    for (let i = 0; i < 5; i++) fn();
    const reps = 30;
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    return (performance.now() - t0) / reps;
  };
  return {
    filterMs: time(() => logFilter(plane, 2)),
    detectMs: time(() => detectLoG(plane, { radius: 2, threshold: 10 })),
    detectAutoMs: time(() => detectLoG(plane, { radius: 2, threshold: 'auto' })),
  };
}

function main(): void {
  const seeds = [11, 12, 13];
  const results = allConditions().map((c) => runCondition(c, seeds));
  const fmt = (x: number): string => x.toFixed(3);
  console.log(['count', 'sigma', 'bg', 'snr', ...K_GRID.map((k) => `k=${k}`), ...AUTO_GRID.map(([q, k]) => `q${q}/k${k}`), 'otsu', 'oracle'].join('\t'));
  for (const r of results) {
    const { sigma, bg, snr, count } = r.cond;
    console.log([count, sigma, bg, snr, ...r.f1k.map(fmt), ...r.f1q.map(fmt), fmt(r.f1Otsu), fmt(r.f1Oracle)].join('\t'));
  }
  const mean = (sel: (r: ConditionResult) => number, filter: (r: ConditionResult) => boolean = () => true): number => {
    const rs = results.filter(filter);
    return rs.reduce((s, r) => s + sel(r), 0) / rs.length;
  };
  for (const snr of [2, 4, 7, 0]) {
    const filt = (r: ConditionResult): boolean => snr === 0 || r.cond.snr === snr;
    const label = snr === 0 ? 'all' : `snr=${snr}`;
    console.log(
      [`mean ${label}`, '', '', '', ...K_GRID.map((_, i) => fmt(mean((r) => r.f1k[i], filt))), ...AUTO_GRID.map((_, i) => fmt(mean((r) => r.f1q[i], filt))), fmt(mean((r) => r.f1Otsu, filt)), fmt(mean((r) => r.f1Oracle, filt))].join('\t'),
    );
  }
  for (const snr of [2, 4, 7]) {
    const filt = (r: ConditionResult): boolean => r.cond.snr === snr;
    console.log(`precision snr=${snr}: ` + K_GRID.map((k, i) => `k=${k}:${fmt(mean((r) => r.pk[i], filt))}`).join(' '));
    console.log(`recall    snr=${snr}: ` + K_GRID.map((k, i) => `k=${k}:${fmt(mean((r) => r.rk[i], filt))}`).join(' '));
    console.log(`precision snr=${snr}: ` + AUTO_GRID.map(([q, k], i) => `q${q}/k${k}:${fmt(mean((r) => r.pq[i], filt))}`).join(' '));
    console.log(`recall    snr=${snr}: ` + AUTO_GRID.map(([q, k], i) => `q${q}/k${k}:${fmt(mean((r) => r.rq[i], filt))}`).join(' '));
  }
  const t = timing();
  console.log(
    `512x512, radius 2: logFilter ${t.filterMs.toFixed(2)} ms, detectLoG(threshold 10) ${t.detectMs.toFixed(2)} ms, detectLoG(auto) ${t.detectAutoMs.toFixed(2)} ms`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
