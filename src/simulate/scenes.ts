/**
 * Training scenes that look like real microscopy (design 'scenes', the bundled models' data
 * since 0.2). Unlike the categories in presets.ts, each image mixes what real images have and
 * what a detector must NOT mark, with exact labels for the spots only:
 *
 * - background level 2–1000 photons/px (log-uniform), on one of: flat with a gradient; blurred
 *   cell-like ellipses; a crop of a REAL spot-free image (nuclei, uneven illumination — files
 *   given by the caller, used as a smoothed template of the expected background);
 * - faint texture: smoothed noise at 1.5–4 px scale, up to ≈ 2 noise std of contrast;
 * - distractors, unlabelled: smooth blobs at least 2.5× wider than the PSF (autofluorescence,
 *   nucleoli), out-of-focus haze, stripes, hot pixels (single pixels, narrower than any PSF),
 *   saturated regions (clipped at the camera's maximum);
 * - spots: 0 (12 % of images: empty) to 60 per 100² px, log-uniform; centres anywhere in the
 *   image including the border pixels; in half of the structured images mostly inside the
 *   cells; PSF per image: pixel-integrated Gaussian σ 0.6–2.2 px (0.6: ≈ 35 % of the light in
 *   one pixel, still unlike a hot pixel's 100 %), elliptical Gaussian, or an Airy pattern of the
 *   same width; peak SNR (ISBI: (I_peak − I_bg)/√I_peak) log-uniform per spot between a floor of
 *   1–3 (below the detection limit) and a ceiling of 4–80;
 * - camera: Poisson shot noise, Gaussian read noise, gain and offset of an 8-bit, sCMOS-like
 *   or EMCCD-scale camera, integer counts; 8-bit images are clipped at 255; 15 % smoothed after
 *   acquisition (correlated noise), 15 % maximum projections of 3–8 noisy planes.
 *
 * Deterministic: a pure function of (seed, k, backgrounds).
 */
import type { Plane, Point } from '../core/types.js';
import { Rng } from '../math/rng.js';
import { addSpot } from '../math/psf.js';
import { peakIntensityForSnr, photonsForSnr } from '../measure/snr.js';
import { backgroundMap, resolveSimParams } from './simulate.js';

export interface SceneSpot {
  y: number;
  x: number;
  photons: number;
  sigma: number;
  snr: number;
}

export interface Scene {
  /** Camera counts (integers), row-major size × size. */
  image: Float32Array;
  size: number;
  spots: SceneSpot[];
  /** One line: what this image holds (background kind, PSF, distractors). */
  description: string;
}

export const SCENES_DESCRIPTION =
  'realistic scenes: 0–60 spots per 100² px (12 % empty), σ 0.6–2.2 px Gaussian / elliptical / Airy PSF, peak SNR 1–80, ' +
  'backgrounds 2–1000 photons/px flat, cell-like or real spot-free images, texture, unlabelled distractors (wide blobs, haze, stripes, hot pixels, saturation), ' +
  '8-bit / sCMOS / EMCCD cameras, spots up to the image border';

const logUniform = (rng: Rng, lo: number, hi: number) => Math.exp(rng.uniformRange(Math.log(lo), Math.log(hi)));

/** Separable Gaussian blur (reflect at the edges), in place on a copy. */
export function blur(src: Float64Array, h: number, w: number, sigma: number): Float64Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float64Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) s += k[i + r] = Math.exp((-0.5 * i * i) / (sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= s;
  const refl = (i: number, n: number) => {
    while (i < 0 || i >= n) i = i < 0 ? -i - 1 : 2 * n - i - 1;
    return i;
  };
  const tmp = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 0;
      for (let i = -r; i <= r; i++) v += k[i + r] * src[y * w + refl(x + i, w)];
      tmp[y * w + x] = v;
    }
  }
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 0;
      for (let i = -r; i <= r; i++) v += k[i + r] * tmp[refl(y + i, h) * w + x];
      out[y * w + x] = v;
    }
  }
  return out;
}

/** Bessel J1 (rational approximations, |error| < 1e-7). */
function besselJ1(x: number): number {
  const ax = Math.abs(x);
  if (ax < 8) {
    const y = x * x;
    const n = x * (72362614232.0 + y * (-7895059235.0 + y * (242396853.1 + y * (-2972611.439 + y * (15704.4826 + y * -30.16036606)))));
    const d = 144725228442.0 + y * (2300535178.0 + y * (18583304.74 + y * (99447.43394 + y * (376.9991397 + y))));
    return n / d;
  }
  const z = 8 / ax;
  const y = z * z;
  const xx = ax - 2.356194491;
  const p = 1 + y * (0.183105e-2 + y * (-0.3516396496e-4 + y * (0.2457520174e-5 + y * -0.240337019e-6)));
  const q = 0.04687499995 + y * (-0.2002690873e-3 + y * (0.8449199096e-5 + y * (-0.88228987e-6 + y * 0.105787412e-6)));
  const ans = Math.sqrt(0.636619772 / ax) * (Math.cos(xx) * p - z * Math.sin(xx) * q);
  return x < 0 ? -ans : ans;
}

/**
 * Adds an Airy spot (in-focus widefield PSF) whose central lobe matches a Gaussian of std σ
 * (first zero at 2.9σ), pixel-integrated by 4×4 supersampling, `photons` in the window ±4·r₀.
 */
export function addAirySpot(img: Float64Array, h: number, w: number, y: number, x: number, photons: number, sigma: number): void {
  const r0 = 2.905 * sigma;
  const hw = Math.ceil(4 * r0);
  const cy = Math.round(y);
  const cx = Math.round(x);
  const S = 4;
  const vals: number[] = [];
  let total = 0;
  for (let r = cy - hw; r <= cy + hw; r++) {
    for (let c = cx - hw; c <= cx + hw; c++) {
      let v = 0;
      for (let a = 0; a < S; a++) {
        for (let b = 0; b < S; b++) {
          const dy = r - 0.5 + (a + 0.5) / S - y;
          const dx = c - 0.5 + (b + 0.5) / S - x;
          const u = (3.8317 * Math.hypot(dy, dx)) / r0;
          v += u < 1e-9 ? 1 : ((2 * besselJ1(u)) / u ** 2) * (2 * besselJ1(u));
        }
      }
      vals.push(v);
      total += v;
    }
  }
  let i = 0;
  for (let r = cy - hw; r <= cy + hw; r++) {
    for (let c = cx - hw; c <= cx + hw; c++, i++) {
      if (r >= 0 && r < h && c >= 0 && c < w) img[r * w + c] += (photons * vals[i]) / total;
    }
  }
}

/** An empirical PSF: a (2h+1)² template summing to 1, its centroid at (cy, cx) in template pixels. */
export interface EmpiricalPsf {
  data: Float64Array;
  half: number;
  cy: number;
  cx: number;
}

/**
 * The mean PSF of the beads in a bead image: the `count` brightest local maxima at least 2h+1 px
 * apart and h px from the border, each crop (2h+1)² minus the image's median, clipped at 0,
 * normalised to sum 1, averaged (aligned on the maximum pixel); the centroid of the mean is
 * the spot centre.
 */
export function beadPsf(plane: Plane, half = 7, count = 8): EmpiricalPsf {
  const { data, height: H, width: W } = plane;
  const sorted = Float64Array.from(data).sort();
  const bg = sorted[sorted.length >> 1];
  const maxima: [number, number, number][] = [];
  for (let r = half; r < H - half; r++) {
    for (let c = half; c < W - half; c++) {
      const v = data[r * W + c];
      let peak = true;
      for (let dr = -1; dr <= 1 && peak; dr++) for (let dc = -1; dc <= 1; dc++) if ((dr || dc) && data[(r + dr) * W + c + dc] >= v) peak = false;
      if (peak) maxima.push([v, r, c]);
    }
  }
  maxima.sort((a, b) => b[0] - a[0]);
  const n = 2 * half + 1;
  const sum = new Float64Array(n * n);
  const kept: [number, number][] = [];
  for (const [, r, c] of maxima) {
    if (kept.length >= count) break;
    if (kept.some(([kr, kc]) => Math.abs(kr - r) < n && Math.abs(kc - c) < n)) continue;
    kept.push([r, c]);
    let tot = 0;
    const crop = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) tot += crop[i * n + j] = Math.max(0, data[(r - half + i) * W + c - half + j] - bg);
    for (let k = 0; k < crop.length; k++) sum[k] += crop[k] / (tot || 1);
  }
  let tot = 0;
  let sy = 0;
  let sx = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = sum[i * n + j];
      tot += v;
      sy += v * i;
      sx += v * j;
    }
  }
  for (let k = 0; k < sum.length; k++) sum[k] /= tot || 1;
  return { data: sum, half, cy: sy / (tot || 1), cx: sx / (tot || 1) };
}

/** Adds the empirical PSF centred at (y, x) with `photons` in total (bilinear sub-pixel shift). */
export function addEmpiricalSpot(img: Float64Array, h: number, w: number, y: number, x: number, photons: number, psf: EmpiricalPsf): void {
  const n = 2 * psf.half + 1;
  const at = (i: number, j: number) => (i >= 0 && i < n && j >= 0 && j < n ? psf.data[i * n + j] : 0);
  const cy = Math.round(y);
  const cx = Math.round(x);
  for (let r = cy - psf.half - 1; r <= cy + psf.half + 1; r++) {
    if (r < 0 || r >= h) continue;
    const ty = r - y + psf.cy;
    const i0 = Math.floor(ty);
    const fy = ty - i0;
    for (let c = cx - psf.half - 1; c <= cx + psf.half + 1; c++) {
      if (c < 0 || c >= w) continue;
      const tx = c - x + psf.cx;
      const j0 = Math.floor(tx);
      const fx = tx - j0;
      const v = (1 - fy) * ((1 - fx) * at(i0, j0) + fx * at(i0, j0 + 1)) + fy * ((1 - fx) * at(i0 + 1, j0) + fx * at(i0 + 1, j0 + 1));
      img[r * w + c] += photons * v;
    }
  }
}

/** Adds an elliptical Gaussian (axes along rows/columns), pixel-centre sampled, `photons` in total. */
function addEllipticSpot(img: Float64Array, h: number, w: number, y: number, x: number, photons: number, sy: number, sx: number): void {
  const hy = Math.ceil(4 * sy + 1);
  const hx = Math.ceil(4 * sx + 1);
  const cy = Math.round(y);
  const cx = Math.round(x);
  const norm = photons / (2 * Math.PI * sy * sx);
  for (let r = Math.max(0, cy - hy); r <= Math.min(h - 1, cy + hy); r++) {
    for (let c = Math.max(0, cx - hx); c <= Math.min(w - 1, cx + hx); c++) {
      img[r * w + c] += norm * Math.exp(-0.5 * (((r - y) / sy) ** 2 + ((c - x) / sx) ** 2));
    }
  }
}

/** A random size×size crop of a real background, flipped/transposed, scaled to [0, 1] (1st–99.5th percentile), smoothed. */
function realTemplate(rng: Rng, plane: Plane, size: number): Float64Array | null {
  const { height: H, width: W, data } = plane;
  if (H < size || W < size) return null;
  const r0 = rng.int(H - size + 1);
  const c0 = rng.int(W - size + 1);
  const flipY = rng.int(2) === 1;
  const flipX = rng.int(2) === 1;
  const tr = rng.int(2) === 1;
  const t = new Float64Array(size * size);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      let rr = flipY ? size - 1 - r : r;
      let cc = flipX ? size - 1 - c : c;
      if (tr) [rr, cc] = [cc, rr];
      t[r * size + c] = data[(r0 + rr) * W + c0 + cc];
    }
  }
  const sorted = Float64Array.from(t).sort();
  const lo = sorted[Math.floor(0.01 * (sorted.length - 1))];
  const hi = sorted[Math.floor(0.995 * (sorted.length - 1))];
  if (!(hi > lo)) return null;
  for (let i = 0; i < t.length; i++) t[i] = Math.min(1.2, Math.max(0, (t[i] - lo) / (hi - lo)));
  // the template's own noise is smoothed away: our camera model adds the noise
  return blur(t, size, size, 1);
}

/**
 * Fixed settings instead of random draws, for benchmark test sets (each unset knob keeps its
 * random draw).
 */
export interface SceneKnobs {
  /** Background kind. */
  background: 'flat' | 'cells' | 'real';
  /** Background level, photons per pixel. */
  level: number;
  /** Texture contrast in noise std (0 = none). */
  texture: number;
  /** Spots per 100² px. */
  density: number;
  /** Peak SNR of every spot. */
  snr: number;
  /** PSF kind and σ range (σ per image, uniform); 'bead' needs `bead` (σ is then ignored). */
  psf: 'gaussian' | 'airy' | 'elliptic' | 'bead';
  /** An empirical PSF (e.g. from an image of beads, see {@link beadPsf}). */
  bead: EmpiricalPsf;
  sigma: [number, number];
  /** Distractors (wide blobs, haze, stripes, hot pixels, saturation) on or off. */
  distractors: boolean;
  /** Spots mostly inside cells. */
  insideCells: boolean;
  /** Camera: 0 = 8-bit, 1 = sCMOS-like, 2 = EMCCD-scale. */
  camera: 0 | 1 | 2;
  /** Image processing after the camera: none, smoothing (correlated noise) or a maximum projection. */
  processing: 'none' | 'smooth' | 'maxproj';
}

/** Scene k of a seed. `backgrounds`: real spot-free planes to cut background templates from. */
export function simulateScene(seed: number, k: number, size: number, backgrounds: Plane[] = [], knobs: Partial<SceneKnobs> = {}): Scene {
  const rng = new Rng(seed, 20000 + k);
  const fix = <T>(v: T | undefined, draw: T): T => (v === undefined ? draw : v);
  const n = size * size;
  const what: string[] = [];
  const b0 = fix(knobs.level, logUniform(rng, 2, 1000));
  // 1. background β (expected photons per pixel) and a "cell mask" m ∈ [0, 1] for spot placement
  let beta: Float64Array;
  let mask: Float64Array | null = null;
  const kindDraw = rng.uniform();
  const kind = knobs.background === undefined ? kindDraw : knobs.background === 'real' ? 0 : knobs.background === 'cells' ? 0.5 : 0.9;
  if (kind < 0.35 && backgrounds.length) {
    const t = realTemplate(rng, backgrounds[rng.int(backgrounds.length)], size);
    const amp = logUniform(rng, 0.3, 10);
    beta = new Float64Array(n);
    if (t) {
      for (let i = 0; i < n; i++) beta[i] = b0 * (1 + amp * t[i]);
      mask = t;
      what.push(`real background ×${amp.toFixed(1)}`);
    } else beta.fill(b0);
  } else if (kind < 0.75) {
    const p = resolveSimParams({
      height: size,
      width: size,
      background: b0,
      structures: 1 + rng.int(6),
      structureAmplitude: logUniform(rng, 0.2, 8),
      structureRadius: [10, 50],
      structureBlur: rng.uniformRange(1, 6),
      gradient: rng.uniformRange(0, 0.6),
    });
    beta = backgroundMap(p, rng.nextUint32());
    mask = new Float64Array(n);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of beta) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    for (let i = 0; i < n; i++) mask[i] = hi > lo ? (beta[i] - lo) / (hi - lo) : 0;
    what.push(`${p.structures} cells ×${p.structureAmplitude.toFixed(1)}`);
  } else {
    const p = resolveSimParams({ height: size, width: size, background: b0, gradient: rng.uniformRange(0, 0.8) });
    beta = backgroundMap(p, rng.nextUint32());
    what.push('flat');
  }
  const noiseAt = (i: number) => Math.sqrt(Math.max(beta[i], 1));
  // 2. texture: smoothed white noise, contrast up to ≈ 2 noise std, sometimes only inside cells
  const textureDraw = rng.uniform() < 0.6;
  if (knobs.texture === undefined ? textureDraw : knobs.texture > 0) {
    const white = new Float64Array(n);
    for (let i = 0; i < n; i++) white[i] = rng.normal();
    const ts = rng.uniformRange(1.5, 4);
    const f = blur(white, size, size, ts);
    let ss = 0;
    for (let i = 0; i < n; i++) ss += f[i] * f[i];
    const sd = Math.sqrt(ss / n) || 1;
    const tau = fix(knobs.texture, rng.uniformRange(0.2, 2));
    const inCells = mask !== null && rng.uniform() < 0.5;
    for (let i = 0; i < n; i++) beta[i] = Math.max(0.05 * b0, beta[i] + (tau * noiseAt(i) * f[i] * (inCells ? mask![i] : 1)) / sd);
    what.push(`texture ${tau.toFixed(1)}σ at ${ts.toFixed(1)} px`);
  }
  // PSF of this image
  const sigmaDraw = rng.uniformRange(0.6, 2.2);
  const sigma0 = knobs.sigma ? knobs.sigma[0] + ((sigmaDraw - 0.6) / 1.6) * (knobs.sigma[1] - knobs.sigma[0]) : sigmaDraw;
  const psfDraw = rng.uniform();
  const psf = fix<SceneKnobs['psf']>(knobs.psf, psfDraw < 0.6 ? 'gaussian' : psfDraw < 0.85 ? 'airy' : 'elliptic');
  if (psf === 'bead' && !knobs.bead) throw new Error("simulateScene: psf 'bead' needs the knob 'bead' (an empirical PSF)");
  const distract = (p: boolean) => (knobs.distractors === undefined ? p : knobs.distractors && p);
  what.push(`${psf} σ ${sigma0.toFixed(2)}`);
  // 3. distractors (unlabelled): wide blobs, haze, stripes
  const blobs = distract(rng.uniform() < 0.5) ? 1 + rng.int(6) : 0;
  for (let j = 0; j < blobs; j++) {
    const sb = rng.uniformRange(Math.max(3, 2.5 * sigma0), 12);
    const y = rng.uniformRange(-0.5, size - 0.5);
    const x = rng.uniformRange(-0.5, size - 0.5);
    const peak = logUniform(rng, 3, 300) * noiseAt(Math.round(Math.min(size - 1, Math.max(0, y))) * size + Math.round(Math.min(size - 1, Math.max(0, x))));
    addEllipticSpot(beta, size, size, y, x, peak * 2 * Math.PI * sb * sb, sb * rng.uniformRange(0.7, 1.3), sb * rng.uniformRange(0.7, 1.3));
  }
  if (blobs) what.push(`${blobs} wide blobs`);
  if (distract(rng.uniform() < 0.25)) {
    const sh = rng.uniformRange(15, 40);
    addEllipticSpot(beta, size, size, rng.uniformRange(0, size), rng.uniformRange(0, size), rng.uniformRange(0.5, 3) * b0 * 2 * Math.PI * sh * sh, sh, sh);
    what.push('haze');
  }
  if (distract(rng.uniform() < 0.1)) {
    const rows = rng.int(2) === 0;
    const count = 1 + rng.int(4);
    for (let j = 0; j < count; j++) {
      const at = rng.int(size);
      const amp = rng.uniformRange(1, 6) * Math.sqrt(b0);
      for (let i = 0; i < size; i++) beta[rows ? at * size + i : i * size + at] += amp;
    }
    what.push('stripes');
  }
  // 4. spots
  const densityDraw = rng.uniform() < 0.12 ? 0 : logUniform(rng, 0.5, 60);
  const density = fix(knobs.density, densityDraw);
  const count = Math.round((density * n) / 1e4);
  const snrLo = rng.uniformRange(1, 3);
  const snrHi = rng.uniformRange(4, 80);
  const insideDraw = rng.uniform() < 0.5;
  const inside = mask !== null && fix(knobs.insideCells, insideDraw);
  const ellip = psf === 'elliptic' ? rng.uniformRange(1.1, 1.3) : 1;
  const mu = Float64Array.from(beta);
  const spots: SceneSpot[] = [];
  const beadPeak = knobs.bead ? knobs.bead.data.reduce((a, b) => Math.max(a, b), 0) : 1;
  for (let j = 0; j < count; j++) {
    let y = 0;
    let x = 0;
    for (let tries = 0; tries < 20; tries++) {
      y = rng.uniformRange(-0.5, size - 0.5);
      x = rng.uniformRange(-0.5, size - 0.5);
      if (!inside) break;
      const i = Math.round(Math.min(size - 1, Math.max(0, y))) * size + Math.round(Math.min(size - 1, Math.max(0, x)));
      if (rng.uniform() < 0.1 + mask![i]) break;
    }
    const sigma = sigma0 * rng.uniformRange(0.9, 1.1);
    const snr = fix(knobs.snr, logUniform(rng, snrLo, snrHi));
    const i = Math.round(Math.min(size - 1, Math.max(0, y))) * size + Math.round(Math.min(size - 1, Math.max(0, x)));
    const photons = psf === 'bead' ? (peakIntensityForSnr(snr, beta[i]) - beta[i]) / beadPeak : photonsForSnr(snr, sigma, beta[i]);
    if (psf === 'gaussian') addSpot(mu, size, size, y, x, photons, sigma);
    else if (psf === 'airy') addAirySpot(mu, size, size, y, x, photons, sigma);
    else if (psf === 'bead') addEmpiricalSpot(mu, size, size, y, x, photons, knobs.bead!);
    else addEllipticSpot(mu, size, size, y, x, photons, sigma * ellip, sigma / ellip);
    spots.push({ y, x, photons, sigma, snr });
  }
  what.push(`${count} spots, SNR ${snrLo.toFixed(1)}–${snrHi.toFixed(1)}`);
  // 5. camera
  const cam = fix(knobs.camera, rng.int(3));
  const eightBit = cam === 0;
  let gain: number;
  let offset: number;
  let read: number;
  if (eightBit) {
    // gain chosen so the bright part of the image fits 8 bits (sometimes not: saturation)
    const sorted = Float64Array.from(mu).sort();
    const p999 = sorted[Math.floor(0.999 * (n - 1))];
    offset = rng.uniformRange(0, 20);
    gain = Math.min(20, (rng.uniformRange(120, 400) - offset) / Math.max(p999, 1));
    read = rng.uniformRange(0, 2);
  } else if (cam === 1) {
    gain = rng.uniformRange(0.5, 4);
    offset = rng.uniformRange(90, 110);
    read = rng.uniformRange(1, 3);
  } else {
    gain = rng.uniformRange(5, 20);
    offset = rng.uniformRange(400, 1000);
    read = rng.uniformRange(0.5, 2);
  }
  const maxCount = eightBit
    ? 255
    : distract(rng.uniform() < 0.1)
      ? Math.round(offset + gain * mu.reduce((a, b) => Math.max(a, b), 0) * rng.uniformRange(0.3, 0.9))
      : 65535;
  if (maxCount < 65535 && !eightBit) what.push('saturated');
  // processing: 15 % smoothed after acquisition (interpolated / filtered images: correlated
  // noise), 15 % maximum projections of 3–8 noisy planes (smFISH MIPs: skewed, brighter noise)
  const procDraw = rng.uniform();
  const processing = fix(knobs.processing, procDraw < 0.15 ? 'smooth' : procDraw < 0.3 ? 'maxproj' : 'none');
  const planes = processing === 'maxproj' ? 3 + rng.int(6) : 1;
  let e: Float64Array = new Float64Array(n).fill(-Infinity);
  for (let z = 0; z < planes; z++) {
    for (let i = 0; i < n; i++) {
      const v = rng.poisson(mu[i]) + read * rng.normal();
      if (v > e[i]) e[i] = v;
    }
  }
  if (processing === 'smooth') e = blur(e, size, size, rng.uniformRange(0.5, 1));
  if (processing !== 'none') what.push(processing === 'smooth' ? 'smoothed' : `max projection of ${planes}`);
  const image = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = Math.round(offset + gain * e[i]);
    image[i] = v < 0 ? 0 : v > maxCount ? maxCount : v;
  }
  if (distract(rng.uniform() < 0.2)) {
    const hot = 1 + rng.int(5);
    for (let j = 0; j < hot; j++) {
      const i = rng.int(n);
      image[i] = Math.min(maxCount, Math.round(image[i] + gain * rng.uniformRange(10, 100) * noiseAt(i)));
    }
    what.push(`${hot} hot pixels`);
  }
  what.push(eightBit ? '8-bit' : cam === 1 ? 'sCMOS' : 'EMCCD');
  return { image, size, spots, description: what.join(', ') };
}

/** The scene's labels as points [row, col]. */
export const scenePoints = (s: Scene): Point[] => s.spots.map((p) => [p.y, p.x]);
