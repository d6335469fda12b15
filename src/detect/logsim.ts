/**
 * Small, self-contained spot simulator and matcher used by the LoG detector's tests and its
 * threshold benchmark (src/detect/logbench.ts). Deterministic: every random draw comes from a
 * seeded generator. Not a general-purpose simulator (see src/simulate/ for that).
 *
 * Image model (pixel-integrated Gaussian + Poisson):
 *   mu(r, c) = bg + sum_spots N * Ey(r) * Ex(c),
 *   Ex(c) = 1/2 [erf((c + 1/2 - x0) / (sqrt2 s)) - erf((c - 1/2 - x0) / (sqrt2 s))],
 * pixel (r, c) covering [r - 1/2, r + 1/2) x [c - 1/2, c + 1/2) (the package convention), and
 * N = 2 pi s^2 A, A = amplitude of the continuous Gaussian above background. The peak SNR is
 * the ISBI-2012 one: SNR = (I_o - I_b) / sqrt(I_o) with I_o = bg + A, hence
 * sqrt(I_o) = (SNR + sqrt(SNR^2 + 4 bg)) / 2.
 */
import type { Plane, Point } from '../types.js';

/** Seeded uniform generator on [0, 1) (sfc32 seeded through splitmix32). */
export function makeRng(seed: number): () => number {
  let s = seed >>> 0;
  const split = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** erf with |error| < 1.2e-7 (Numerical Recipes erfc Chebyshev fit). */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - r : r - 1;
}

function logFactorial(k: number): number {
  if (k < 2) return 0;
  // Stirling series; exact enough for k >= 10, table below.
  if (k < 10) {
    let f = 1;
    for (let i = 2; i <= k; i++) f *= i;
    return Math.log(f);
  }
  const k1 = k + 1;
  return (k1 - 0.5) * Math.log(k1) - k1 + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * k1) - 1 / (360 * k1 * k1 * k1);
}

/** Poisson draw: Knuth's product method below 30, Hormann's PTRS (exact) above. */
export function poisson(lambda: number, rand: () => number): number {
  if (!(lambda > 0)) return 0;
  if (lambda < 30) {
    const L = Math.exp(-lambda);
    let k = 0;
    let p = rand();
    while (p > L) {
      k++;
      p *= rand();
    }
    return k;
  }
  const slam = Math.sqrt(lambda);
  const loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const U = rand() - 0.5;
    const V = rand();
    const us = 0.5 - Math.abs(U);
    const k = Math.floor(((2 * a) / us + b) * U + lambda + 0.43);
    if (us >= 0.07 && V <= vr) return k;
    if (k < 0 || (us < 0.013 && V > us)) continue;
    if (Math.log(V) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logFactorial(k)) return k;
  }
}

/** Peak amplitude above background for an ISBI-style peak SNR on background `bg`. */
export function amplitudeForSnr(snr: number, bg: number): number {
  const sq = (snr + Math.sqrt(snr * snr + 4 * bg)) / 2;
  return sq * sq - bg;
}

export interface SimSpot {
  r: number;
  c: number;
  /** amplitude of the continuous Gaussian above background */
  amp: number;
  /** Gaussian standard deviation in px */
  sigma: number;
}

/** Expected (noise-free) image of `spots` on a flat background. */
export function renderSpots(height: number, width: number, spots: readonly SimSpot[], bg: number): Plane {
  const data = new Float32Array(height * width).fill(bg);
  for (const s of spots) {
    const n = 2 * Math.PI * s.sigma * s.sigma * s.amp;
    const reach = Math.ceil(5 * s.sigma + 1);
    const r0 = Math.max(0, Math.floor(s.r) - reach);
    const r1 = Math.min(height - 1, Math.ceil(s.r) + reach);
    const c0 = Math.max(0, Math.floor(s.c) - reach);
    const c1 = Math.min(width - 1, Math.ceil(s.c) + reach);
    const k = 1 / (Math.SQRT2 * s.sigma);
    const ex = new Float64Array(c1 - c0 + 1);
    for (let c = c0; c <= c1; c++) ex[c - c0] = 0.5 * (erf((c + 0.5 - s.c) * k) - erf((c - 0.5 - s.c) * k));
    for (let r = r0; r <= r1; r++) {
      const ey = n * 0.5 * (erf((r + 0.5 - s.r) * k) - erf((r - 0.5 - s.r) * k));
      const row = r * width;
      for (let c = c0; c <= c1; c++) data[row + c] += ey * ex[c - c0];
    }
  }
  return { data, height, width };
}

/** Replaces every pixel by a Poisson draw with that mean (in place) and returns the plane. */
export function addPoissonNoise(plane: Plane, rand: () => number): Plane {
  const d = plane.data;
  for (let i = 0; i < d.length; i++) d[i] = poisson(d[i], rand);
  return plane;
}

export interface SimOptions {
  height: number;
  width: number;
  count: number;
  sigma: number;
  bg: number;
  snr: number;
  /** minimum distance between spot centres (px); default 3 sigma + 2 */
  minDist?: number;
  /** margin from the image border (px); default 0 (spots anywhere inside the image) */
  margin?: number;
  seed: number;
}

/** Random spots (rejection-sampled minimum distance), Poisson image. */
export function simulate(opts: SimOptions): { plane: Plane; truth: Point[]; spots: SimSpot[] } {
  const rand = makeRng(opts.seed);
  const minDist = opts.minDist ?? 3 * opts.sigma + 2;
  const margin = opts.margin ?? 0;
  const amp = amplitudeForSnr(opts.snr, opts.bg);
  const spots: SimSpot[] = [];
  let tries = 0;
  while (spots.length < opts.count && tries < opts.count * 1000) {
    tries++;
    const r = margin - 0.5 + rand() * (opts.height - 2 * margin);
    const c = margin - 0.5 + rand() * (opts.width - 2 * margin);
    let ok = true;
    for (const s of spots) {
      const dr = s.r - r;
      const dc = s.c - c;
      if (dr * dr + dc * dc < minDist * minDist) {
        ok = false;
        break;
      }
    }
    if (ok) spots.push({ r, c, amp, sigma: opts.sigma });
  }
  const plane = addPoissonNoise(renderSpots(opts.height, opts.width, spots, opts.bg), rand);
  return { plane, truth: spots.map((s) => [s.r, s.c] as Point), spots };
}

export interface MatchResult {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
  /** distances of the matched pairs */
  distances: number[];
}

/** Greedy nearest-neighbour matching (closest pairs first) within `cutoff` px. */
export function greedyMatch(
  pred: readonly { r: number; c: number }[],
  truth: readonly Point[],
  cutoff: number,
): MatchResult {
  const pairs: [number, number, number][] = [];
  const c2 = cutoff * cutoff;
  for (let i = 0; i < pred.length; i++) {
    for (let j = 0; j < truth.length; j++) {
      const dr = pred[i].r - truth[j][0];
      const dc = pred[i].c - truth[j][1];
      const d2 = dr * dr + dc * dc;
      if (d2 <= c2) pairs.push([d2, i, j]);
    }
  }
  pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const usedP = new Uint8Array(pred.length);
  const usedT = new Uint8Array(truth.length);
  const distances: number[] = [];
  for (const [d2, i, j] of pairs) {
    if (usedP[i] || usedT[j]) continue;
    usedP[i] = 1;
    usedT[j] = 1;
    distances.push(Math.sqrt(d2));
  }
  const tp = distances.length;
  const fp = pred.length - tp;
  const fn = truth.length - tp;
  const precision = pred.length ? tp / pred.length : 1;
  const recall = truth.length ? tp / truth.length : 1;
  const f1 = tp + fp + fn ? (2 * tp) / (2 * tp + fp + fn) : 1;
  return { tp, fp, fn, precision, recall, f1, distances };
}
