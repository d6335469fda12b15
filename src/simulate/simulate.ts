/**
 * Synthetic fluorescence-spot images with exact ground truth.
 *
 * Pipeline (all intensities in photons until the camera step):
 * 1. Background map β(r, c) = β₀ · (1 + g·p(r, c)) · (1 + A·m(r, c)), where p ∈ [−1, 1] is a
 *    linear ramp in a random direction (g = `gradient`) and m ∈ [0, 1] is the union of a few
 *    blurred ellipses ("cells", A = `structureAmplitude`).
 * 2. Spot centres: 'uniform' (optionally with a minimum distance), or 'clustered' = pairs whose
 *    separation is uniform in `pairSeparation` plus a fraction of singletons.
 * 3. Per spot: σ uniform in `sigma`; photons N uniform in `photons`, or solved from a target
 *    peak SNR (ISBI convention, see snr.ts) using the spot's σ and LOCAL background, assuming
 *    the spot is centred in its pixel, then jittered by ±`photonJitter` (relative, uniform).
 * 4. Expected image μ = β + Σ spots, each a pixel-integrated Gaussian (psf.ts).
 * 5. Camera: counts = offset + gain·(Poisson(μ) + Normal(0, readNoise)), rounded to the
 *    nearest integer and clipped to the uint16 range [0, 65535].
 *
 * Coordinates: (y, x) = (row, col), 0-based, pixel centres at integers (src/types.ts).
 *
 * Determinism: the result is a pure function of (params, seed). Independent RNG streams are
 * used for the background structures, the spot positions, the per-spot attributes and the
 * noise, so, e.g., changing the read noise does not move the spots, and changing the spot
 * count does not change the background.
 */

import type { Plane, Point } from '../core/types.js';
import { UserError } from '../core/errors.js';
import { crlbGaussian2D, DEFAULT_CRLB_HALF_WIDTH } from '../measure/crlb.js';
import { addSpot, erfc, spotHalfWidth } from '../math/psf.js';
import { Rng } from '../math/rng.js';
import { peakSnr, photonsForSnr } from '../measure/snr.js';

/** How spot centres are placed. */
export type Placement = 'uniform' | 'clustered';

/** Simulation parameters. Every field has a default (see {@link defaultSimParams}). */
export interface SimParams {
  /** Image height in pixels. Default 512. */
  height: number;
  /** Image width in pixels. Default 512. */
  width: number;
  /** Spots per 100×100 px of image area (count = round(density·H·W/10⁴)). Default 10. */
  density: number;
  /** Explicit number of spots; overrides `density` when set. Default undefined. */
  count?: number;
  /**
   * Explicit spot centres [row, col] (px); override `count`, `density`, `placement` and
   * `margin` when set (no pairs, `partner` = −1). Default undefined.
   */
  positions?: Point[];
  /** 'uniform' or 'clustered' (pairs + singletons). Default 'uniform'. */
  placement: Placement;
  /** Clustered mode: [min, max] centre-to-centre separation of a pair, px. Default [1.5, 6]. */
  pairSeparation: [number, number];
  /** Clustered mode: fraction of spots placed as singletons rather than in pairs. Default 0.2. */
  singletonFraction: number;
  /**
   * Minimum centre distance between spots of different groups (a pair is one group), px,
   * enforced by rejection sampling. Default 0 (no constraint).
   */
  minDistance: number;
  /** Spot centres lie in [margin, H−1−margin] × [margin, W−1−margin]. Default 3 px. */
  margin: number;
  /** [min, max] of the Gaussian PSF standard deviation, px; σ per spot is uniform in it. Default [1, 2]. */
  sigma: [number, number];
  /** [min, max] photons per spot (uniform), used when `snr` is not set. Default [300, 3000]. */
  photons: [number, number];
  /**
   * Target peak SNR (ISBI convention, snr.ts): a number, or a [min, max] range (uniform per
   * spot). When set, replaces `photons`. Default undefined.
   */
  snr?: number | [number, number];
  /** Relative ± jitter (uniform) of the SNR-derived photon count, e.g. 0.1 = ±10 %. Default 0. */
  photonJitter: number;
  /** Background β₀, expected photons per pixel. Default 10. */
  background: number;
  /** Linear background ramp amplitude as a fraction of β₀ (β ∈ β₀·[1−g, 1+g]), 0 ≤ g ≤ 1. Default 0. */
  gradient: number;
  /** Number of blurred cell-like ellipses modulating the background. Default 0. */
  structures: number;
  /** Background inside a structure is β·(1 + amplitude); must be > −1. Default 0.5. */
  structureAmplitude: number;
  /** [min, max] semi-axis length of the structures, px. Default [20, 60]. */
  structureRadius: [number, number];
  /** Gaussian blur (std, px) of the structures' edges. Default 4. */
  structureBlur: number;
  /** Apply Poisson shot noise (false: expected values, plus read noise if any). Default true. */
  shotNoise: boolean;
  /** Gaussian read noise rms in photons (electrons), added before the gain. Default 1. */
  readNoise: number;
  /** Camera gain, counts per photon. Default 1. */
  gain: number;
  /** Camera offset (bias), counts. Default 100. */
  offset: number;
}

/** Ground truth of one simulated spot. */
export interface SimSpot {
  /** Row coordinate of the centre, px. */
  y: number;
  /** Column coordinate of the centre, px. */
  x: number;
  /** Expected total photons N. */
  photons: number;
  /** Gaussian PSF standard deviation, px. */
  sigma: number;
  /** √CRLB of y, px (isolated spot, local β, read noise; σ known; window ±max(8, ⌈4σ+2⌉)). */
  crlbY: number;
  /** √CRLB of x, px. */
  crlbX: number;
  /** Peak SNR (ISBI) at the spot's actual sub-pixel position and local background. */
  peakSnr: number;
  /** Local background β at the spot (expected photons/px at its nearest pixel). */
  background: number;
  /** Index of the pair partner in `spots` (clustered mode), or −1. */
  partner: number;
}

/** Output of {@link simulateImage}. */
export interface SimResult {
  /** Camera counts, row-major, integer-valued, in [0, 65535]. */
  image: Float32Array;
  height: number;
  width: number;
  /** Ground-truth spots, in placement order. */
  spots: SimSpot[];
  /** Expected photons μ per pixel (background + spots), before noise and camera. */
  expected: Float32Array;
  /** Expected background photons per pixel β(r, c). */
  background: Float32Array;
  /** The fully resolved parameters used. */
  params: SimParams;
  /** The seed used. */
  seed: number;
}

/** Default parameters (a realistic sCMOS-like camera with offset 100 and 1 e⁻ read noise). */
export const defaultSimParams: Readonly<SimParams> = Object.freeze({
  height: 512,
  width: 512,
  density: 10,
  count: undefined,
  positions: undefined,
  placement: 'uniform',
  pairSeparation: [1.5, 6],
  singletonFraction: 0.2,
  minDistance: 0,
  margin: 3,
  sigma: [1, 2],
  photons: [300, 3000],
  snr: undefined,
  photonJitter: 0,
  background: 10,
  gradient: 0,
  structures: 0,
  structureAmplitude: 0.5,
  structureRadius: [20, 60],
  structureBlur: 4,
  shotNoise: true,
  readNoise: 1,
  gain: 1,
  offset: 100,
} as SimParams);

/**
 * Presets for the ISBI 2012 particle-tracking SNR levels 1, 2, 4 and 7: background 10
 * photons/px, pure Poisson noise (no read noise, gain 1, offset 0), as in the challenge's
 * SNR definition. Combine with other fields, e.g. `{ ...snrPresets[4], sigma: [1.5, 1.5] }`.
 */
export const snrPresets: Readonly<Record<1 | 2 | 4 | 7, Readonly<Partial<SimParams>>>> = Object.freeze({
  1: Object.freeze({ snr: 1, background: 10, readNoise: 0, gain: 1, offset: 0, shotNoise: true }),
  2: Object.freeze({ snr: 2, background: 10, readNoise: 0, gain: 1, offset: 0, shotNoise: true }),
  4: Object.freeze({ snr: 4, background: 10, readNoise: 0, gain: 1, offset: 0, shotNoise: true }),
  7: Object.freeze({ snr: 7, background: 10, readNoise: 0, gain: 1, offset: 0, shotNoise: true }),
});

/** Merge user parameters over the defaults and validate them (UserError on bad input). */
export function resolveSimParams(params: Partial<SimParams> = {}): SimParams {
  const p: SimParams = { ...defaultSimParams, ...stripUndefined(params) } as SimParams;
  // Own copies of the array-valued fields, so callers can never alias the defaults or each other.
  const pair = (v: unknown): [number, number] => (Array.isArray(v) ? ([...v] as [number, number]) : (v as [number, number]));
  p.pairSeparation = pair(p.pairSeparation);
  p.sigma = pair(p.sigma);
  p.photons = pair(p.photons);
  p.structureRadius = pair(p.structureRadius);
  if (Array.isArray(p.snr)) p.snr = pair(p.snr);
  if (Array.isArray(p.positions)) p.positions = p.positions.map((q) => (Array.isArray(q) ? ([...q] as [number, number]) : q));
  const bad = (msg: string): never => {
    throw new UserError(`simulation parameters: ${msg}`);
  };
  const posInt = (v: number, name: string): void => {
    if (!(Number.isInteger(v) && v >= 1)) bad(`${name} must be a positive integer, got ${v}`);
  };
  const range = (r: [number, number], name: string, min: number, strictMin = false): void => {
    if (!Array.isArray(r) || r.length !== 2 || !Number.isFinite(r[0]) || !Number.isFinite(r[1])) {
      bad(`${name} must be a [min, max] pair of finite numbers`);
    }
    if (r[0] > r[1]) bad(`${name}: min ${r[0]} > max ${r[1]}`);
    if (strictMin ? !(r[0] > min) : !(r[0] >= min)) bad(`${name} must be ${strictMin ? '>' : '>='} ${min}`);
  };
  const nonNeg = (v: number, name: string): void => {
    if (!(Number.isFinite(v) && v >= 0)) bad(`${name} must be a finite number >= 0, got ${v}`);
  };
  posInt(p.height, 'height');
  posInt(p.width, 'width');
  nonNeg(p.density, 'density');
  if (p.count !== undefined && !(Number.isInteger(p.count) && p.count >= 0)) {
    bad(`count must be an integer >= 0, got ${p.count}`);
  }
  if (p.positions !== undefined) {
    if (!Array.isArray(p.positions)) bad('positions must be an array of [row, col] pairs');
    for (const q of p.positions) {
      if (!Array.isArray(q) || q.length !== 2 || !Number.isFinite(q[0]) || !Number.isFinite(q[1])) {
        bad('positions must be an array of [row, col] pairs of finite numbers');
      }
    }
  }
  if (p.placement !== 'uniform' && p.placement !== 'clustered') {
    bad(`placement must be 'uniform' or 'clustered', got ${String(p.placement)}`);
  }
  range(p.pairSeparation, 'pairSeparation', 0);
  if (!(p.singletonFraction >= 0 && p.singletonFraction <= 1)) bad('singletonFraction must be in [0, 1]');
  nonNeg(p.minDistance, 'minDistance');
  nonNeg(p.margin, 'margin');
  if (p.height - 1 - 2 * p.margin < 0 || p.width - 1 - 2 * p.margin < 0) bad('margin leaves no room for spots');
  range(p.sigma, 'sigma', 0, true);
  range(p.photons, 'photons', 0);
  if (p.snr !== undefined) {
    if (typeof p.snr === 'number') nonNeg(p.snr, 'snr');
    else range(p.snr, 'snr', 0);
  }
  if (!(p.photonJitter >= 0 && p.photonJitter <= 1)) bad('photonJitter must be in [0, 1]');
  nonNeg(p.background, 'background');
  if (!(p.gradient >= 0 && p.gradient <= 1)) bad('gradient must be in [0, 1]');
  if (!(Number.isInteger(p.structures) && p.structures >= 0)) bad('structures must be an integer >= 0');
  if (!(Number.isFinite(p.structureAmplitude) && p.structureAmplitude > -1)) bad('structureAmplitude must be > -1');
  range(p.structureRadius, 'structureRadius', 0, true);
  if (!(p.structureBlur > 0 && Number.isFinite(p.structureBlur))) bad('structureBlur must be > 0');
  nonNeg(p.readNoise, 'readNoise');
  if (!(p.gain > 0 && Number.isFinite(p.gain))) bad('gain must be > 0');
  if (!Number.isFinite(p.offset)) bad('offset must be finite');
  return p;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** Number of spots the parameters ask for. */
export function spotCount(p: SimParams): number {
  if (p.positions) return p.positions.length;
  return p.count ?? Math.round((p.density * p.height * p.width) / 1e4);
}

/**
 * Expected background photons per pixel (gradient and structures included), row-major.
 * Uses RNG stream 1 of `seed`.
 */
export function backgroundMap(p: SimParams, seed: number): Float64Array {
  const { height: h, width: w } = p;
  const rng = new Rng(seed, 1);
  const bg = new Float64Array(h * w).fill(p.background);
  // Linear ramp in a random direction, normalised to [-1, 1] over the image.
  const theta = rng.uniformRange(0, 2 * Math.PI);
  if (p.gradient > 0) {
    const sy = Math.sin(theta);
    const cx = Math.cos(theta);
    const halfY = (h - 1) / 2;
    const halfX = (w - 1) / 2;
    const norm = Math.abs(sy) * halfY + Math.abs(cx) * halfX;
    if (norm > 0) {
      for (let r = 0; r < h; r++) {
        for (let c = 0; c < w; c++) {
          const proj = ((r - halfY) * sy + (c - halfX) * cx) / norm;
          bg[r * w + c] *= 1 + p.gradient * proj;
        }
      }
    }
  }
  if (p.structures > 0 && p.structureAmplitude !== 0) {
    // keep[r,c] = Π_i (1 − m_i(r,c)); union mask m = 1 − keep.
    const keep = new Float64Array(h * w).fill(1);
    const blur = p.structureBlur;
    const inv = 1 / (Math.SQRT2 * blur);
    for (let i = 0; i < p.structures; i++) {
      const y0 = rng.uniformRange(0, h - 1);
      const x0 = rng.uniformRange(0, w - 1);
      const a = rng.uniformRange(p.structureRadius[0], p.structureRadius[1]);
      const b = rng.uniformRange(p.structureRadius[0], p.structureRadius[1]);
      const phi = rng.uniformRange(0, Math.PI);
      const cp = Math.cos(phi);
      const sp = Math.sin(phi);
      const ext = Math.max(a, b) + 6 * blur;
      const r0 = Math.max(0, Math.floor(y0 - ext));
      const r1 = Math.min(h - 1, Math.ceil(y0 + ext));
      const c0 = Math.max(0, Math.floor(x0 - ext));
      const c1 = Math.min(w - 1, Math.ceil(x0 + ext));
      for (let r = r0; r <= r1; r++) {
        for (let c = c0; c <= c1; c++) {
          const dy = r - y0;
          const dx = c - x0;
          const u = dx * cp + dy * sp; // along semi-axis a
          const v = -dx * sp + dy * cp; // along semi-axis b
          const dist = Math.sqrt(u * u + v * v);
          // Signed distance to the boundary along the ray from the centre.
          let d: number;
          if (dist < 1e-9) d = -Math.min(a, b);
          else {
            const cu = u / dist;
            const cv = v / dist;
            const rBoundary = 1 / Math.sqrt((cu / a) * (cu / a) + (cv / b) * (cv / b));
            d = dist - rBoundary;
          }
          const m = 0.5 * erfc(d * inv); // Gaussian-blurred edge
          keep[r * w + c] *= 1 - m;
        }
      }
    }
    for (let k = 0; k < h * w; k++) bg[k] *= 1 + p.structureAmplitude * (1 - keep[k]);
  }
  return bg;
}

/** Spot centres and pair partners (RNG stream 2). Throws UserError when they cannot be placed. */
export function placeSpots(p: SimParams, seed: number): { y: number[]; x: number[]; partner: number[] } {
  const n = spotCount(p);
  if (p.positions) {
    return { y: p.positions.map((q) => q[0]), x: p.positions.map((q) => q[1]), partner: p.positions.map(() => -1) };
  }
  const rng = new Rng(seed, 2);
  const yLo = p.margin;
  const yHi = p.height - 1 - p.margin;
  const xLo = p.margin;
  const xHi = p.width - 1 - p.margin;
  const ys: number[] = [];
  const xs: number[] = [];
  const partner: number[] = [];
  const minD = p.minDistance;
  const minD2 = minD * minD;
  // Spatial hash for the minimum-distance test (cell size = minDistance).
  const cell = minD > 0 ? minD : 1;
  const grid = new Map<number, number[]>();
  const gcols = Math.ceil(p.width / cell) + 2;
  const key = (y: number, x: number): number => (Math.floor(y / cell) + 1) * gcols + Math.floor(x / cell) + 1;
  const farEnough = (y: number, x: number): boolean => {
    if (minD <= 0) return true;
    const gy = Math.floor(y / cell) + 1;
    const gx = Math.floor(x / cell) + 1;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const list = grid.get((gy + dy) * gcols + gx + dx);
        if (!list) continue;
        for (const j of list) {
          const ey = ys[j] - y;
          const ex = xs[j] - x;
          if (ey * ey + ex * ex < minD2) return false;
        }
      }
    }
    return true;
  };
  const add = (y: number, x: number, mate: number): void => {
    const idx = ys.length;
    ys.push(y);
    xs.push(x);
    partner.push(mate);
    if (minD > 0) {
      const k = key(y, x);
      const list = grid.get(k);
      if (list) list.push(idx);
      else grid.set(k, [idx]);
    }
  };
  const maxTries = 10000;
  const fail = (): never => {
    throw new UserError(
      `simulation parameters: could not place ${n} spots (minDistance ${minD} px, margin ${p.margin} px, ` +
        `${p.height}×${p.width} image); lower the density or the minimum distance`,
    );
  };
  let nPairs = 0;
  if (p.placement === 'clustered') nPairs = Math.min(Math.floor(n / 2), Math.round((n * (1 - p.singletonFraction)) / 2));
  const [sepLo, sepHi] = p.pairSeparation;
  for (let i = 0; i < nPairs; i++) {
    let placed = false;
    for (let t = 0; t < maxTries && !placed; t++) {
      const cy = rng.uniformRange(yLo, yHi);
      const cx = rng.uniformRange(xLo, xHi);
      const sep = rng.uniformRange(sepLo, sepHi);
      const ang = rng.uniformRange(0, 2 * Math.PI);
      const hy = 0.5 * sep * Math.sin(ang);
      const hx = 0.5 * sep * Math.cos(ang);
      const y1 = cy - hy;
      const x1 = cx - hx;
      const y2 = cy + hy;
      const x2 = cx + hx;
      if (y1 < yLo || y1 > yHi || y2 < yLo || y2 > yHi || x1 < xLo || x1 > xHi || x2 < xLo || x2 > xHi) continue;
      if (!farEnough(y1, x1) || !farEnough(y2, x2)) continue;
      const first = ys.length;
      add(y1, x1, first + 1);
      add(y2, x2, first);
      placed = true;
    }
    if (!placed) fail();
  }
  while (ys.length < n) {
    let placed = false;
    for (let t = 0; t < maxTries && !placed; t++) {
      const y = rng.uniformRange(yLo, yHi);
      const x = rng.uniformRange(xLo, xHi);
      if (!farEnough(y, x)) continue;
      add(y, x, -1);
      placed = true;
    }
    if (!placed) fail();
  }
  return { y: ys, x: xs, partner };
}

/**
 * Simulate one image. `params` are merged over {@link defaultSimParams}; the result is a pure
 * function of (params, seed). Per-spot CRLBs use the spot's σ, N, local background and the
 * read noise, for an isolated spot (σ known), on a window of ±max(8, ⌈4σ+2⌉) px.
 */
export function simulateImage(params: Partial<SimParams> = {}, seed = 0): SimResult {
  const p = resolveSimParams(params);
  const { height: h, width: w } = p;
  const bg = backgroundMap(p, seed);
  const placed = placeSpots(p, seed);
  const n = placed.y.length;

  // Per-spot attributes (stream 3): σ, then the photon draw(s), in a fixed order per spot.
  const attr = new Rng(seed, 3);
  const spots: SimSpot[] = new Array(n);
  const mu = Float64Array.from(bg);
  for (let i = 0; i < n; i++) {
    const y = placed.y[i];
    const x = placed.x[i];
    const ry = Math.round(y);
    const rx = Math.round(x);
    const sigma = attr.uniformRange(p.sigma[0], p.sigma[1]);
    const localBg = bg[Math.min(h - 1, Math.max(0, ry)) * w + Math.min(w - 1, Math.max(0, rx))];
    let photons: number;
    if (p.snr !== undefined) {
      const snr = typeof p.snr === 'number' ? p.snr : attr.uniformRange(p.snr[0], p.snr[1]);
      photons = photonsForSnr(snr, sigma, localBg);
      if (p.photonJitter > 0) photons *= 1 + p.photonJitter * (2 * attr.uniform() - 1);
    } else {
      photons = attr.uniformRange(p.photons[0], p.photons[1]);
    }
    addSpot(mu, h, w, y, x, photons, sigma);
    const crlb = crlbGaussian2D({
      sigma,
      photons,
      background: localBg,
      readNoise: p.readNoise,
      offsetY: y - ry,
      offsetX: x - rx,
      halfWidth: Math.max(DEFAULT_CRLB_HALF_WIDTH, spotHalfWidth(sigma)),
    });
    spots[i] = {
      y,
      x,
      photons,
      sigma,
      crlbY: crlb.y,
      crlbX: crlb.x,
      peakSnr: peakSnr(photons, sigma, localBg, y - ry, x - rx),
      background: localBg,
      partner: placed.partner[i],
    };
  }

  // Noise and camera (stream 4), pixel by pixel in row-major order.
  const noise = new Rng(seed, 4);
  const image = new Float32Array(h * w);
  const { shotNoise, readNoise, gain, offset } = p;
  for (let k = 0; k < h * w; k++) {
    let e = shotNoise ? noise.poisson(mu[k]) : mu[k];
    if (readNoise > 0) e += readNoise * noise.normal();
    const v = Math.round(offset + gain * e);
    image[k] = v < 0 ? 0 : v > 65535 ? 65535 : v;
  }
  return {
    image,
    height: h,
    width: w,
    spots,
    expected: Float32Array.from(mu),
    background: Float32Array.from(bg),
    params: p,
    seed,
  };
}

/** The camera image of a simulation as a {@link Plane}. */
export function simToPlane(sim: SimResult): Plane {
  return { data: sim.image, height: sim.height, width: sim.width };
}
