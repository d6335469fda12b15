/**
 * Synthetic z-stacks of fluorescence spots with exact ground truth (the 3-D simulator).
 *
 * Same model and conventions as the 2-D simulator (simulate.ts), one dimension up:
 * 1. Background β(z, y, x) = the 2-D background map (level, gradient, structures; RNG stream 1)
 *    in every slice (no z variation).
 * 2. Spot centres uniform in [marginZ, D−1−marginZ] × [margin, H−1−margin] × [margin, W−1−margin]
 *    (optionally with a minimum 3-D distance, in voxels), or explicit `positions` [z, y, x].
 * 3. Per spot: σ uniform in `sigma` (lateral, px), then σ_z uniform in `sigmaZ` (slices), then
 *    photons N uniform in `photons`, or solved from a target peak SNR (ISBI convention, snr.ts)
 *    for the spot centred in its voxel: the peak voxel holds N·E_z(0)·E_y(0)·E_x(0) photons.
 * 4. Expected stack μ = β + Σ spots, each a voxel-integrated, separable 3-D Gaussian
 *    N·E_z·E_y·E_x with E the pixel-integrated 1-D Gaussian of psf.ts.
 * 5. Camera: counts = offset + gain·(Poisson(μ) + Normal(0, readNoise)), rounded and clipped to
 *    [0, 65535], voxel by voxel in C order (z, y, x).
 *
 * Coordinates: (z, y, x) = (slice, row, column), 0-based, voxel centres at integers; points are
 * [z, y, x]. The result is a pure function of (params, seed), with the 2-D simulator's separate
 * RNG streams (background 1, positions 2, attributes 3, noise 4).
 */

import { UserError } from '../core/errors.js';
import type { Point3 } from '../core/types.js';
import { crlbGaussian3D, DEFAULT_CRLB_HALF_WIDTH } from '../measure/crlb.js';
import { pixelIntegratedGaussian, pixelIntegratedGaussianRow, spotHalfWidth } from '../math/psf.js';
import { Rng } from '../math/rng.js';
import { peakIntensityForSnr, peakFraction } from '../measure/snr.js';
import { backgroundMap, resolveSimParams } from './simulate.js';

export type { Point3 } from '../core/types.js';

/** Parameters of {@link simulateStack}. Every field has a default (see {@link defaultSim3dParams}). */
export interface Sim3dParams {
  /** Number of slices. Default 16. */
  depth: number;
  /** Slice height in pixels. Default 128. */
  height: number;
  /** Slice width in pixels. Default 128. */
  width: number;
  /** Spots per 100×100 px of slice area, for the whole stack (count = round(density·H·W/10⁴)). Default 10. */
  density: number;
  /** Explicit number of spots; overrides `density` when set. Default undefined. */
  count?: number;
  /** Explicit spot centres [z, y, x]; override `count`, `density` and the margins. Default undefined. */
  positions?: Point3[];
  /** Minimum centre distance between spots, voxels (rejection sampling). Default 0. */
  minDistance: number;
  /** Spot centres lie ≥ `margin` px from the slice edges. Default 3. */
  margin: number;
  /** Spot centres lie ≥ `marginZ` slices from the first and last slice. Default 2. */
  marginZ: number;
  /** [min, max] lateral PSF standard deviation, px (uniform per spot). Default [1.3, 1.3] (smFISH, 0.1 µm px). */
  sigma: [number, number];
  /** [min, max] axial PSF standard deviation, slices (uniform per spot). Default [1.5, 1.5] (0.3 µm steps). */
  sigmaZ: [number, number];
  /** [min, max] photons per spot (uniform), used when `snr` is not set. Default [300, 3000]. */
  photons: [number, number];
  /** Target peak SNR (ISBI), a number or a [min, max] range; replaces `photons` when set. Default undefined. */
  snr?: number | [number, number];
  /** Background β₀, expected photons per voxel. Default 10. */
  background: number;
  /** Linear background ramp amplitude (fraction of β₀, 0–1), the same in every slice. Default 0. */
  gradient: number;
  /** Number of blurred cell-like ellipses modulating the background (the same in every slice). Default 0. */
  structures: number;
  /** Apply Poisson shot noise. Default true. */
  shotNoise: boolean;
  /** Gaussian read noise rms in photons (electrons). Default 1. */
  readNoise: number;
  /** Camera gain, counts per photon. Default 1. */
  gain: number;
  /** Camera offset, counts. Default 100. */
  offset: number;
}

/** Ground truth of one simulated 3-D spot. */
export interface Sim3dSpot {
  /** Slice coordinate of the centre. */
  z: number;
  /** Row coordinate of the centre, px. */
  y: number;
  /** Column coordinate of the centre, px. */
  x: number;
  /** Expected total photons N. */
  photons: number;
  /** Lateral PSF standard deviation, px. */
  sigma: number;
  /** Axial PSF standard deviation, slices. */
  sigmaZ: number;
  /** √CRLB of z, slices (isolated spot, local β, read noise, σ's known; window clipped to the stack's slices). */
  crlbZ: number;
  /** √CRLB of y, px. */
  crlbY: number;
  /** √CRLB of x, px. */
  crlbX: number;
  /** Peak SNR (ISBI) at the spot's actual sub-voxel position and local background. */
  peakSnr: number;
  /** Local background β at the spot (expected photons per voxel at its nearest voxel). */
  background: number;
}

/** Output of {@link simulateStack}. */
export interface Sim3dResult {
  /** Camera counts, C order (z, y, x), integer-valued, in [0, 65535]. */
  image: Float64Array;
  depth: number;
  height: number;
  width: number;
  /** Ground-truth spots, in placement order. */
  spots: Sim3dSpot[];
  /** Expected photons μ per voxel (background + spots), before noise and camera. */
  expected: Float64Array;
  /** The fully resolved parameters used. */
  params: Sim3dParams;
  /** The seed used. */
  seed: number;
}

/** Default parameters of {@link simulateStack}: a 16×128×128 smFISH-like stack. */
export const defaultSim3dParams: Readonly<Sim3dParams> = Object.freeze({
  depth: 16,
  height: 128,
  width: 128,
  density: 10,
  count: undefined,
  positions: undefined,
  minDistance: 0,
  margin: 3,
  marginZ: 2,
  sigma: [1.3, 1.3],
  sigmaZ: [1.5, 1.5],
  photons: [300, 3000],
  snr: undefined,
  background: 10,
  gradient: 0,
  structures: 0,
  shotNoise: true,
  readNoise: 1,
  gain: 1,
  offset: 100,
} as Sim3dParams);

/** Merge user parameters over the defaults and validate them (UserError on bad input). */
export function resolveSim3dParams(params: Partial<Sim3dParams> = {}): Sim3dParams {
  const given: Partial<Sim3dParams> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) (given as Record<string, unknown>)[k] = v;
  const p = { ...defaultSim3dParams, ...given } as Sim3dParams;
  const bad = (msg: string): never => {
    throw new UserError(`simulation parameters: ${msg}`);
  };
  const pair = (v: unknown, name: string): [number, number] => {
    if (!Array.isArray(v) || v.length !== 2) bad(`${name} must be a [min, max] pair of finite numbers`);
    return [...(v as [number, number])];
  };
  p.sigmaZ = pair(p.sigmaZ, 'sigmaZ');
  if (!(Number.isFinite(p.sigmaZ[0]) && Number.isFinite(p.sigmaZ[1]))) bad('sigmaZ must be a [min, max] pair of finite numbers');
  if (p.sigmaZ[0] > p.sigmaZ[1]) bad(`sigmaZ: min ${p.sigmaZ[0]} > max ${p.sigmaZ[1]}`);
  if (!(p.sigmaZ[0] > 0)) bad('sigmaZ must be > 0');
  if (!(Number.isInteger(p.depth) && p.depth >= 1)) bad(`depth must be a positive integer, got ${p.depth}`);
  if (!(Number.isFinite(p.marginZ) && p.marginZ >= 0)) bad(`marginZ must be a finite number >= 0, got ${p.marginZ}`);
  if (p.depth - 1 - 2 * p.marginZ < 0)
    bad(`marginZ ${p.marginZ} leaves no slice for spots in ${p.depth} slices (depth must be ≥ ${Math.floor(2 * p.marginZ) + 1})`);
  if (p.positions !== undefined) {
    if (!Array.isArray(p.positions)) bad('positions must be an array of [z, y, x] triples');
    p.positions = p.positions.map((q) => {
      if (!Array.isArray(q) || q.length !== 3 || !q.every(Number.isFinite)) bad('positions must be an array of [z, y, x] triples of finite numbers');
      return [...q];
    });
  }
  // the lateral fields are checked (and copied) by the 2-D simulator's validation
  const lateral = resolveSimParams(lateralParams(p));
  p.sigma = lateral.sigma;
  p.photons = lateral.photons;
  p.snr = lateral.snr;
  return p;
}

/** The 2-D simulator's parameters of one slice (its background and validation). */
function lateralParams(p: Sim3dParams) {
  return {
    height: p.height,
    width: p.width,
    density: p.density,
    count: p.count,
    minDistance: p.minDistance,
    margin: p.margin,
    sigma: p.sigma,
    photons: p.photons,
    snr: p.snr,
    background: p.background,
    gradient: p.gradient,
    structures: p.structures,
    shotNoise: p.shotNoise,
    readNoise: p.readNoise,
    gain: p.gain,
    offset: p.offset,
  };
}

/** Spot centres [z, y, x] (RNG stream 2). Throws UserError when they cannot be placed. */
function placeSpots3d(p: Sim3dParams, seed: number): Point3[] {
  if (p.positions) return p.positions.map((q) => [...q]);
  const n = p.count ?? Math.round((p.density * p.height * p.width) / 1e4);
  const rng = new Rng(seed, 2);
  const out: Point3[] = [];
  const minD2 = p.minDistance * p.minDistance;
  for (let i = 0; i < n; i++) {
    let placed = false;
    for (let t = 0; t < 10000 && !placed; t++) {
      const z = rng.uniformRange(p.marginZ, p.depth - 1 - p.marginZ);
      const y = rng.uniformRange(p.margin, p.height - 1 - p.margin);
      const x = rng.uniformRange(p.margin, p.width - 1 - p.margin);
      if (minD2 > 0 && out.some((q) => (q[0] - z) ** 2 + (q[1] - y) ** 2 + (q[2] - x) ** 2 < minD2)) continue;
      out.push([z, y, x]);
      placed = true;
    }
    if (!placed) {
      throw new UserError(
        `simulation parameters: could not place ${n} spots (minDistance ${p.minDistance} voxels) in a ` +
          `${p.depth}×${p.height}×${p.width} stack; lower the density or the minimum distance`,
      );
    }
  }
  return out;
}

/**
 * Add a voxel-integrated, separable 3-D Gaussian spot (N photons, centre (z, y, x), lateral σ
 * in px, axial σ_z in slices) to the expected-photon stack `stack` (C order z, y, x). Renders
 * ±⌈4σ+2⌉ voxels around the nearest voxel along each axis, clipped to the stack; mass outside
 * the stack is lost. Returns the photons actually added.
 */
export function addSpot3D(
  stack: Float64Array,
  depth: number,
  height: number,
  width: number,
  point: Point3,
  photons: number,
  sigma: number,
  sigmaZ: number,
): number {
  if (!(sigma > 0) || !(sigmaZ > 0)) throw new RangeError(`addSpot3D: sigma and sigmaZ must be > 0, got ${sigma}, ${sigmaZ}`);
  const [z, y, x] = point;
  const hw = spotHalfWidth(sigma);
  const hz = spotHalfWidth(sigmaZ);
  const s0 = Math.max(0, Math.round(z) - hz);
  const s1 = Math.min(depth - 1, Math.round(z) + hz);
  const r0 = Math.max(0, Math.round(y) - hw);
  const r1 = Math.min(height - 1, Math.round(y) + hw);
  const c0 = Math.max(0, Math.round(x) - hw);
  const c1 = Math.min(width - 1, Math.round(x) + hw);
  if (s0 > s1 || r0 > r1 || c0 > c1) return 0;
  const ez = pixelIntegratedGaussianRow(new Float64Array(s1 - s0 + 1), s0, z, sigmaZ);
  const ey = pixelIntegratedGaussianRow(new Float64Array(r1 - r0 + 1), r0, y, sigma);
  const ex = pixelIntegratedGaussianRow(new Float64Array(c1 - c0 + 1), c0, x, sigma);
  let added = 0;
  for (let s = s0; s <= s1; s++) {
    const wz = photons * ez[s - s0];
    for (let r = r0; r <= r1; r++) {
      const wzy = wz * ey[r - r0];
      const base = (s * height + r) * width;
      for (let c = c0; c <= c1; c++) {
        const v = wzy * ex[c - c0];
        stack[base + c] += v;
        added += v;
      }
    }
  }
  return added;
}

/**
 * Simulate one z-stack (see the module header). `params` are merged over
 * {@link defaultSim3dParams}; the result is a pure function of (params, seed). Per-spot CRLBs
 * ({@link crlbGaussian3D}) use the spot's σ, σ_z, N, local background and the read noise, for
 * an isolated spot, on a window of ±max(8, ⌈4σ+2⌉) voxels per axis clipped to the stack's slices.
 */
export function simulateStack(params: Partial<Sim3dParams> = {}, seed = 0): Sim3dResult {
  const p = resolveSim3dParams(params);
  const { depth: d, height: h, width: w } = p;
  const plane = h * w;
  const bg = backgroundMap(resolveSimParams(lateralParams(p)), seed);
  const points = placeSpots3d(p, seed);
  const mu = new Float64Array(d * plane);
  for (let s = 0; s < d; s++) mu.set(bg, s * plane);

  const attr = new Rng(seed, 3);
  const spots: Sim3dSpot[] = points.map((pt) => {
    const [z, y, x] = pt;
    const [rz, ry, rx] = pt.map(Math.round);
    const sigma = attr.uniformRange(p.sigma[0], p.sigma[1]);
    const sigmaZ = attr.uniformRange(p.sigmaZ[0], p.sigmaZ[1]);
    const localBg = bg[Math.min(h - 1, Math.max(0, ry)) * w + Math.min(w - 1, Math.max(0, rx))];
    let photons: number;
    if (p.snr !== undefined) {
      const snr = typeof p.snr === 'number' ? p.snr : attr.uniformRange(p.snr[0], p.snr[1]);
      photons = (peakIntensityForSnr(snr, localBg) - localBg) / (peakFraction(sigma) * pixelIntegratedGaussian(0, 0, sigmaZ));
    } else {
      photons = attr.uniformRange(p.photons[0], p.photons[1]);
    }
    addSpot3D(mu, d, h, w, pt, photons, sigma, sigmaZ);
    const crlb = crlbGaussian3D({
      sigma,
      sigmaZ,
      photons,
      background: localBg,
      readNoise: p.readNoise,
      offsetZ: z - rz,
      offsetY: y - ry,
      offsetX: x - rx,
      halfWidth: Math.max(DEFAULT_CRLB_HALF_WIDTH, spotHalfWidth(sigma)),
      halfWidthZ: Math.max(DEFAULT_CRLB_HALF_WIDTH, spotHalfWidth(sigmaZ)),
      sliceRange: [-rz, d - 1 - rz],
    });
    const above = photons * peakFraction(sigma, y - ry, x - rx) * pixelIntegratedGaussian(rz, z, sigmaZ);
    const peak = localBg + above;
    return {
      z,
      y,
      x,
      photons,
      sigma,
      sigmaZ,
      crlbZ: crlb.z,
      crlbY: crlb.y,
      crlbX: crlb.x,
      peakSnr: peak > 0 ? above / Math.sqrt(peak) : 0,
      background: localBg,
    };
  });

  const noise = new Rng(seed, 4);
  const image = new Float64Array(d * plane);
  const { shotNoise, readNoise, gain, offset } = p;
  for (let k = 0; k < image.length; k++) {
    let e = shotNoise ? noise.poisson(mu[k]) : mu[k];
    if (readNoise > 0) e += readNoise * noise.normal();
    const v = Math.round(offset + gain * e);
    image[k] = v < 0 ? 0 : v > 65535 ? 65535 : v;
  }
  return { image, depth: d, height: h, width: w, spots, expected: mu, params: p, seed };
}
