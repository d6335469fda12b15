/**
 * Input in noise units: every pixel as its contrast over the LOCAL background, in units of the
 * LOCAL noise,
 *
 *   u(r, c) = (x(r, c) − b(r, c)) / s(r, c),   network input = u, log-compressed beyond ±C
 *
 * so that camera gain and offset, the background level, uneven illumination, bright cells and
 * the number of spots elsewhere in the image do not change what the network sees.
 *
 * Estimates, on a grid of B×B px blocks (B = 16 by default), from every second pixel of the
 * block along rows and columns:
 * - from the block's 10th and 30th percentiles, as for Gaussian noise: noise
 *   s = (P30 − P10)/0.7573 and background b = P30 + 0.5244·s. Spots only lift the upper part of
 *   a block's distribution, so a block may be mostly spots (dense smFISH inside a cell) and
 *   still give its background's statistics; s holds all the background's variability at the
 *   block scale — shot and read noise, but also texture and the spatially correlated noise of
 *   processed images (max projections, interpolation), which a pixel-to-pixel difference would
 *   miss (on real 8-bit smFISH it reads 2× too low);
 * - both 3×3-median smoothed over neighbouring blocks (a cluster of spots or a small bright
 *   blob in one block does not lift them); s floored at one quantisation step of the data and
 *   at a quarter of the median noise of the blocks that have measurable noise, so a clipped
 *   (all-zero) background neither divides by zero nor turns its one-count blips into spots;
 * - both maps are interpolated bilinearly between block centres.
 * Large values are compressed: linear up to C = 10 noise units, logarithmic above
 * (±C·(1 + ln(|u|/C)), continuous with its slope), so a saturated blob does not produce
 * activations thousands of times larger than a spot.
 *
 * Every estimate is equivariant under x → k·x + o (k > 0): percentiles, quantisation step and
 * floors all scale with k and the offset cancels, so u — and the detections — do not change.
 *
 * Memory: the maps hold one value per block (a 20000² plane: 1.6 M blocks, 12 MB); the
 * normalised values are produced window by window (tiles).
 */
import type { Plane, PlaneData } from '../core/types.js';
import { medianInPlace as median, quickselect } from '../math/select.js';
import { planeStats, type PlaneStats } from './check.js';

export const NOISE_BLOCK = 16;
/** Knee of the log compression, in noise units. */
export const NOISE_COMPRESS = 10;

export interface NoiseModel {
  block: number;
  /** Blocks along rows and columns. */
  gh: number;
  gw: number;
  /** Background and noise per block (row-major gh × gw), in the plane's units. */
  background: Float32Array;
  noise: Float32Array;
}

/** Value at quantile q of a[0..n) (linear interpolation), by selection (reorders a). */
function quantileSelect(a: Float32Array, n: number, q: number): number {
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const vlo = quickselect(a, n, lo);
  if (lo + 1 >= n || pos === lo) return vlo;
  // after the selection every element beyond lo is ≥ a[lo]: the next order statistic is their minimum
  let vhi = Infinity;
  for (let i = lo + 1; i < n; i++) if (a[i] < vhi) vhi = a[i];
  return vlo + (vhi - vlo) * (pos - lo);
}

/** 3×3 median of a grid (edges use the neighbours that exist). */
function medianFilter3(g: Float32Array, gh: number, gw: number): Float32Array {
  const out = new Float32Array(g.length);
  const buf = new Float32Array(9);
  for (let i = 0; i < gh; i++) {
    for (let j = 0; j < gw; j++) {
      let n = 0;
      for (let di = -1; di <= 1; di++) {
        const ii = i + di;
        if (ii < 0 || ii >= gh) continue;
        for (let dj = -1; dj <= 1; dj++) {
          const jj = j + dj;
          if (jj < 0 || jj >= gw) continue;
          const v = g[ii * gw + jj];
          if (!Number.isNaN(v)) buf[n++] = v;
        }
      }
      out[i * gw + j] = n ? median(buf, n) : NaN;
    }
  }
  return out;
}

/**
 * The plane-wide quantities of the noise model: everything else in it is local (one block and
 * its neighbours). A part of a plane processed on its own (pipeline/parts.ts) is given these,
 * computed over the whole plane, and then normalises exactly as the whole plane would.
 */
export interface NoiseGlobals {
  /** Quantisation step of the data (1 for integer data). */
  q: number;
  /** Median noise of the blocks with measurable noise (> q), after the 3×3 median; q when none. */
  typical: number;
  /** Floor of the noise map: max(q, typical / 4), or 1e-3 of the plane's range when that is 0. */
  floor: number;
}

/** Every how many values of the flattened plane quantisationStep samples one (about 2048 samples). */
export const quantisationStride = (n: number) => Math.max(1, Math.floor(n / 2048));

/**
 * Smallest positive difference between distinct values of a sample: the quantisation step of
 * integer-valued data (times any scale applied to it); tiny for float data.
 */
function smallestStep(sample: Float64Array): number {
  const v = sample.sort();
  let q = Infinity;
  for (let i = 1; i < v.length; i++) {
    const dv = v[i] - v[i - 1];
    if (dv > 0 && dv < q) q = dv;
  }
  return Number.isFinite(q) ? q : 0;
}

/** Whether the data is floating point (its quantisation step must be measured; integers have 1). */
const isFloat = (d: PlaneData) => d instanceof Float32Array || d instanceof Float64Array;

/** Quantisation step of a whole plane's data, from every quantisationStride-th value. */
function quantisationStep(d: PlaneData): number {
  if (!isFloat(d)) return 1;
  const step = quantisationStride(d.length);
  const s = new Float64Array(Math.ceil(d.length / step));
  let n = 0;
  for (let i = 0; i < d.length; i += step) s[n++] = d[i];
  return smallestStep(s.subarray(0, n));
}

/**
 * Raw background and noise estimates of the blocks of rows [0, H) of `d` (W columns), written
 * into `bg` / `ns` from block row `rowOffset` on (gw blocks per row).
 */
function blockEstimates(d: PlaneData, H: number, W: number, block: number, bg: Float32Array, ns: Float32Array, rowOffset = 0): void {
  const gh = Math.ceil(H / block);
  const gw = Math.max(1, Math.ceil(W / block));
  const vals = new Float32Array(block * block);
  for (let i = 0; i < gh; i++) {
    const r0 = i * block;
    const r1 = Math.min(H, r0 + block);
    for (let j = 0; j < gw; j++) {
      const c0 = j * block;
      const c1 = Math.min(W, c0 + block);
      // every second pixel along rows and columns (64 of a block's 256): the estimates are
      // robust statistics of a smooth background, and this keeps them ~4× cheaper
      let n = 0;
      for (let r = r0; r < r1; r += 2) {
        const o = r * W;
        for (let c = c0; c < c1; c += 2) vals[n++] = d[o + c];
      }
      // lower quantiles: spots only lift the upper part of a block's distribution, so a block
      // may be mostly spots (dense smFISH in a cell) and still give its background's statistics
      const p10 = quantileSelect(vals, n, 0.1);
      const p30 = quantileSelect(vals, n, 0.3);
      const sd = (p30 - p10) / 0.7573; // Φ⁻¹(0.3) − Φ⁻¹(0.1) = 0.7573 for Gaussian noise
      bg[(rowOffset + i) * gw + j] = p30 + 0.5244 * sd; // P30 = μ − 0.5244·σ
      ns[(rowOffset + i) * gw + j] = sd;
    }
  }
}

/**
 * The plane-wide floors from the (median-filtered) noise map: one quantisation step of the data
 * (a block of all-equal integers, e.g. a clipped background, has no measurable noise, but its
 * next value is one step away), and a quarter of the typical noise of the blocks that have any.
 */
function globalsFrom(noise: Float32Array, q: number, range: () => { min: number; max: number }): NoiseGlobals {
  const measurable = Float32Array.from(noise.filter((v) => v > q));
  const typical = measurable.length ? median(measurable, measurable.length) : q;
  let floor = Math.max(q, 0.25 * (Number.isFinite(typical) ? typical : 0));
  if (!(floor > 0)) {
    // a plane with no measurable noise at all (e.g. a noiseless simulation): use its range
    const { min, max } = range();
    floor = max > min ? 1e-3 * (max - min) : 1;
  }
  return { q, typical, floor };
}

/**
 * Background and noise maps of a plane (see the module comment). `globals`, when given, replace
 * the plane-wide quantities measured on `plane` (a part of a larger plane uses the whole's; its
 * rows and columns must then start on the whole plane's block grid).
 */
export function noiseModel(plane: Plane, block = NOISE_BLOCK, stats?: PlaneStats, globals?: NoiseGlobals): NoiseModel {
  const { data: d, height: H, width: W } = plane;
  const gh = Math.max(1, Math.ceil(H / block));
  const gw = Math.max(1, Math.ceil(W / block));
  const bg = new Float32Array(gh * gw);
  const ns = new Float32Array(gh * gw);
  blockEstimates(d, H, W, block, bg, ns);
  const background = gh * gw > 1 ? medianFilter3(bg, gh, gw) : bg;
  const noise = gh * gw > 1 ? medianFilter3(ns, gh, gw) : ns;
  const { typical, floor } = globals ?? globalsFrom(noise, quantisationStep(d), () => stats ?? planeStats(plane));
  for (let i = 0; i < noise.length; i++) if (!(noise[i] >= floor)) noise[i] = floor;
  for (let i = 0; i < background.length; i++) if (Number.isNaN(background[i])) background[i] = typical;
  return { block, gh, gw, background, noise };
}

/**
 * The plane-wide quantities of the noise model of an H×W plane read band by band (bands of whole
 * block rows, top to bottom), so that a plane too large to hold, or held by other processes in
 * parts, gives exactly the NoiseGlobals (and min/max/non-finite count) that noiseModel would
 * measure on it whole. Memory: two floats per block.
 */
export class NoiseGlobalsAccumulator {
  private readonly gw: number;
  private readonly gh: number;
  private readonly bg: Float32Array;
  private readonly ns: Float32Array;
  private readonly stride: number;
  private readonly sample: number[] = [];
  private next = 0;
  private float: boolean | undefined;
  min = Infinity;
  max = -Infinity;
  nonFinite = 0;
  constructor(
    readonly height: number,
    readonly width: number,
    readonly block = NOISE_BLOCK,
  ) {
    this.gh = Math.max(1, Math.ceil(height / block));
    this.gw = Math.max(1, Math.ceil(width / block));
    this.bg = new Float32Array(this.gh * this.gw);
    this.ns = new Float32Array(this.gh * this.gw);
    this.stride = quantisationStride(height * width);
  }

  /** Rows [r0, r0 + band.length / width) of the plane; r0 must be the row after the previous band's and a multiple of the block. */
  add(band: PlaneData, r0: number): void {
    const W = this.width;
    const rows = band.length / W;
    if (r0 !== this.next || r0 % this.block !== 0 || (r0 + rows < this.height && rows % this.block !== 0)) {
      throw new Error(`noise bands must be whole block rows in order (got rows ${r0}–${r0 + rows})`);
    }
    this.float ??= isFloat(band);
    blockEstimates(band, rows, W, this.block, this.bg, this.ns, r0 / this.block);
    const first = r0 * W;
    for (let i = Math.ceil(first / this.stride) * this.stride; i < first + band.length; i += this.stride) this.sample.push(band[i - first]);
    for (let i = 0; i < band.length; i++) {
      const v = band[i];
      if (!Number.isFinite(v)) this.nonFinite++;
      else {
        if (v < this.min) this.min = v;
        if (v > this.max) this.max = v;
      }
    }
    this.next = r0 + rows;
  }

  /** The plane-wide quantities, once every row has been added. */
  result(): NoiseGlobals {
    if (this.next !== this.height) throw new Error(`noise globals: ${this.next} of ${this.height} rows added`);
    const noise = this.gh * this.gw > 1 ? medianFilter3(this.ns, this.gh, this.gw) : this.ns;
    const q = this.float ? smallestStep(Float64Array.from(this.sample)) : 1;
    return globalsFrom(noise, q, () => ({ min: this.min, max: this.max }));
  }
}

/**
 * Bilinear interpolation weights of grid coordinate t (block centres at (k + 0.5)·B − 0.5):
 * index of the lower node and the weight of the upper one, clamped at the grid edge.
 */
function node(p: number, B: number, n: number): [number, number, number] {
  const t = (p + 0.5) / B - 0.5;
  if (t <= 0 || n === 1) return [0, 0, 0];
  if (t >= n - 1) return [n - 1, n - 1, 0];
  const k = Math.floor(t);
  return [k, k + 1, t - k];
}

/**
 * Window [r0, r0+h) × [c0, c0+w) of the plane in noise units (reflect-padded where it leaves the
 * image; the padded pixels use the maps at their mirrored position).
 */
export function noiseWindow(
  data: PlaneData,
  H: number,
  W: number,
  r0: number,
  c0: number,
  h: number,
  w: number,
  model: NoiseModel,
  mirror: (i: number, n: number) => number,
): Float32Array {
  const out = new Float32Array(h * w);
  const { block: B, gh, gw, background: bg, noise: ns } = model;
  const C = NOISE_COMPRESS;
  // per-column interpolation nodes, shared by all rows
  const cc = new Int32Array(w);
  const cLo = new Int32Array(w);
  const cHi = new Int32Array(w);
  const cF = new Float32Array(w);
  for (let c = 0; c < w; c++) {
    const src = mirror(c0 + c, W);
    cc[c] = src;
    const [a, b, f] = node(src, B, gw);
    cLo[c] = a;
    cHi[c] = b;
    cF[c] = f;
  }
  // the two grid rows around the current image row, interpolated along the columns once per
  // pair of grid rows (every B image rows)
  const bTop = new Float32Array(w);
  const bBot = new Float32Array(w);
  const sTop = new Float32Array(w);
  const sBot = new Float32Array(w);
  let cached = -1;
  for (let r = 0; r < h; r++) {
    const rr = mirror(r0 + r, H);
    const [a, b, fr] = node(rr, B, gh);
    if (a * gh + b !== cached) {
      cached = a * gh + b;
      const ra = a * gw;
      const rb = b * gw;
      for (let c = 0; c < w; c++) {
        const f = cF[c];
        const lo = cLo[c];
        const hi = cHi[c];
        bTop[c] = bg[ra + lo] + f * (bg[ra + hi] - bg[ra + lo]);
        bBot[c] = bg[rb + lo] + f * (bg[rb + hi] - bg[rb + lo]);
        sTop[c] = ns[ra + lo] + f * (ns[ra + hi] - ns[ra + lo]);
        sBot[c] = ns[rb + lo] + f * (ns[rb + hi] - ns[rb + lo]);
      }
    }
    const o = r * w;
    const row = rr * W;
    for (let c = 0; c < w; c++) {
      const u = (data[row + cc[c]] - (bTop[c] + fr * (bBot[c] - bTop[c]))) / (sTop[c] + fr * (sBot[c] - sTop[c]));
      out[o + c] = u > C ? C * (1 + Math.log(u / C)) : u < -C ? -C * (1 + Math.log(-u / C)) : u;
    }
  }
  return out;
}
