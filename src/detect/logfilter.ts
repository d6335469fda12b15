/**
 * TrackMate's Laplacian-of-Gaussian filter (and the optional 3x3 median pre-filter) for one 2-D
 * plane in pixel units. See log.ts for the detector as a whole.
 *
 * Kernel (trackmate-sc/TrackMate `DetectionUtils.createLoGKernel`, calibration 1, 2-D):
 *   sigma = radius / sqrt(2),
 *   K(y, x) = -1/(pi sigma^2) * 1/sigma^2 * ((x^2 + y^2)/sigma^2 - 2) * exp(-(x^2 + y^2) / (2 sigma^2)),
 * i.e. minus twice the Laplacian of the unit-mass Gaussian, so bright spots give a positive
 * response (a Gaussian spot of amplitude A and std sigma gives a peak of about A / sigma^2),
 * sampled on a square of half-width max(3, floor(3 sigma + 0.5) + 2) px (TrackMate's
 * `hksizes = max(2, (int)(3 sigma + 0.5) + 1)`, kernel size 3 + 2 hksizes). The image is extended
 * by mirroring with single boundary ("reflect", ... 2 1 | 0 1 2 ...), as imglib2's FFTConvolution
 * does. TrackMate convolves by FFT; here the same sampled kernel is applied directly as the sum of
 * two separable terms, K(y, x) = h(y) g(x) + g(y) h(x), g(t) = exp(-t^2 / 2 sigma^2),
 * h(t) = -(t^2 / sigma^2 - 1) g(t) / (pi sigma^4). By default h is corrected to zero sum so that a
 * flat image gives exactly ~0 (see LogFilterOptions.exact).
 */
import type { Plane, PlaneData } from '../core/types.js';
import { UserError } from '../core/errors.js';
import { mirrorIndex } from '../math/mirror.js';

/** The 1-D factors of TrackMate's 2-D LoG kernel (K(y, x) = h(y) g(x) + g(y) h(x)). */
export interface LogKernel {
  /** sigma in px = radius / sqrt(2) */
  sigma: number;
  /** half-width in px; taps are at -half..half */
  half: number;
  /** g[j] = exp(-j^2 / (2 sigma^2)), j = 0..half */
  g: Float64Array;
  /** h[j] = -(j^2 / sigma^2 - 1) exp(-j^2 / (2 sigma^2)) / (pi sigma^4), j = 0..half */
  h: Float64Array;
}

export function checkRadius(radius: number): void {
  if (!(typeof radius === 'number' && Number.isFinite(radius) && radius > 0)) {
    throw new UserError(`LoG radius must be a positive number of pixels, got ${String(radius)}`);
  }
}

export function logKernel(radius: number): LogKernel {
  checkRadius(radius);
  const sigma = radius / Math.SQRT2;
  const hk = Math.max(2, Math.floor(3 * sigma + 0.5) + 1);
  const half = hk + 1;
  const g = new Float64Array(half + 1);
  const h = new Float64Array(half + 1);
  const s2 = sigma * sigma;
  const scale = -1 / (Math.PI * s2 * s2);
  for (let j = 0; j <= half; j++) {
    const e = Math.exp((-j * j) / (2 * s2));
    g[j] = e;
    h[j] = scale * ((j * j) / s2 - 1) * e;
  }
  return { sigma, half, g, h };
}

/**
 * Dense 2-D kernel, (2 half + 1)^2 row-major, as applied by `logFilter` with the same options
 * (`{ exact: true }`: TrackMate's createLoGKernel values); for tests and inspection only.
 */
export function logKernel2D(radius: number, opts: LogFilterOptions = {}): { size: number; data: Float64Array } {
  const { half, g, h } = logFilterKernel(radius, opts);
  const size = 2 * half + 1;
  const data = new Float64Array(size * size);
  for (let y = -half; y <= half; y++) {
    for (let x = -half; x <= half; x++) {
      const ay = Math.abs(y);
      const ax = Math.abs(x);
      data[(y + half) * size + (x + half)] = h[ay] * g[ax] + g[ay] * h[ax];
    }
  }
  return { size, data };
}

export function checkPlane(plane: Plane): void {
  const { data, height, width } = plane;
  if (!(Number.isInteger(height) && Number.isInteger(width) && height >= 1 && width >= 1)) {
    throw new UserError(`image plane must be at least 1x1, got ${height}x${width}`);
  }
  if (data.length !== height * width) {
    throw new Error(`plane data has ${data.length} values, expected ${height}x${width}`);
  }
}

export interface LogFilterOptions {
  /**
   * Use TrackMate's sampled kernel exactly as it is (default false). Its values do not sum to
   * exactly 0 (truncation and sampling: sum = 1.6e-2 at radius 1, 1.3e-4 at radius 2, 8e-4 at
   * radius 3, 31 at radius 0.5), so a flat image of level L gives L * sum instead of 0. By
   * default the 1-D factor h is corrected to zero sum, h <- h - (sum h / sum g) g, which makes
   * the 2-D kernel sum exactly 0: it subtracts S / (sum g)^2 * g(y) g(x) from TrackMate's kernel
   * (S = its sum), a change of < 0.3 % of the centre value for radius >= 1 (6e-5 at radius 2).
   * Radii below ~1 px (sigma < 0.7 px) are poorly sampled either way.
   */
  exact?: boolean;
}

/** The 1-D factors actually applied by `logFilter` (zero-sum corrected unless `exact`). */
export function logFilterKernel(radius: number, opts: LogFilterOptions = {}): LogKernel {
  const kern = logKernel(radius);
  if (opts.exact) return kern;
  const { g, h, half } = kern;
  let sg = g[0];
  let sh = h[0];
  for (let j = 1; j <= half; j++) {
    sg += 2 * g[j];
    sh += 2 * h[j];
  }
  const ratio = sh / sg;
  const hz = new Float64Array(half + 1);
  for (let j = 0; j <= half; j++) hz[j] = h[j] - ratio * g[j];
  return { ...kern, h: hz };
}

/**
 * TrackMate LoG response of `plane` for spots of the given radius (px). Bright spots give a
 * positive response (about A / sigma^2 for a Gaussian spot of amplitude A and std sigma =
 * radius / sqrt 2). Mirror border. Returns a new array, row-major like the input.
 *
 * Implementation: pass 1 filters every row with g and h (mirror-padded row, 4 outputs per
 * iteration) and writes both results transposed; pass 2 filters the columns (now contiguous) and
 * combines out = (A *y h) + (B *y g), writing back in row-major order.
 */
export function logFilter(plane: Plane, radius: number, opts: LogFilterOptions = {}): Float32Array {
  checkPlane(plane);
  const { data, height: H, width: W } = plane;
  const { half: k, g, h } = logFilterKernel(radius, opts);
  const AT = new Float32Array(H * W);
  const BT = new Float32Array(H * W);
  rowPass(data, H, W, k, g, h, AT, BT);
  const out = new Float32Array(H * W);
  columnPass(AT, BT, H, W, k, g, h, out);
  return out;
}

/** Fills pad[0 .. n + 2k) with src[off + mirror(i - k)], i.e. a mirror-padded line. */
function fillPad(pad: Float64Array, src: PlaneData, off: number, n: number, k: number): void {
  for (let i = 0; i < n; i++) pad[k + i] = src[off + i];
  for (let j = 0; j < k; j++) {
    pad[j] = src[off + mirrorIndex(j - k, n)];
    pad[k + n + j] = src[off + mirrorIndex(n + j, n)];
  }
}

/** AT[c*H + r] = (row r of src) *x g at c; BT likewise with h. */
function rowPass(src: PlaneData, H: number, W: number, k: number, g: Float64Array, h: Float64Array, AT: Float32Array, BT: Float32Array): void {
  const pad = new Float64Array(W + 2 * k);
  const g0 = g[0];
  const h0 = h[0];
  for (let r = 0; r < H; r++) {
    fillPad(pad, src, r * W, W, k);
    let c = 0;
    for (; c + 3 < W; c += 4) {
      const p = c + k;
      const v0 = pad[p];
      const v1 = pad[p + 1];
      const v2 = pad[p + 2];
      const v3 = pad[p + 3];
      let a0 = g0 * v0;
      let a1 = g0 * v1;
      let a2 = g0 * v2;
      let a3 = g0 * v3;
      let b0 = h0 * v0;
      let b1 = h0 * v1;
      let b2 = h0 * v2;
      let b3 = h0 * v3;
      for (let j = 1; j <= k; j++) {
        const gj = g[j];
        const hj = h[j];
        const s0 = pad[p - j] + pad[p + j];
        const s1 = pad[p + 1 - j] + pad[p + 1 + j];
        const s2 = pad[p + 2 - j] + pad[p + 2 + j];
        const s3 = pad[p + 3 - j] + pad[p + 3 + j];
        a0 += gj * s0;
        a1 += gj * s1;
        a2 += gj * s2;
        a3 += gj * s3;
        b0 += hj * s0;
        b1 += hj * s1;
        b2 += hj * s2;
        b3 += hj * s3;
      }
      const q = c * H + r;
      AT[q] = a0;
      AT[q + H] = a1;
      AT[q + 2 * H] = a2;
      AT[q + 3 * H] = a3;
      BT[q] = b0;
      BT[q + H] = b1;
      BT[q + 2 * H] = b2;
      BT[q + 3 * H] = b3;
    }
    for (; c < W; c++) {
      const p = c + k;
      const v = pad[p];
      let a = g0 * v;
      let b = h0 * v;
      for (let j = 1; j <= k; j++) {
        const s = pad[p - j] + pad[p + j];
        a += g[j] * s;
        b += h[j] * s;
      }
      AT[c * H + r] = a;
      BT[c * H + r] = b;
    }
  }
}

/** out[r*W + c] = (column c of AT) *y h + (column c of BT) *y g, at r. */
function columnPass(AT: Float32Array, BT: Float32Array, H: number, W: number, k: number, g: Float64Array, h: Float64Array, out: Float32Array): void {
  const pa = new Float64Array(H + 2 * k);
  const pb = new Float64Array(H + 2 * k);
  const g0 = g[0];
  const h0 = h[0];
  for (let c = 0; c < W; c++) {
    fillPad(pa, AT, c * H, H, k);
    fillPad(pb, BT, c * H, H, k);
    let r = 0;
    for (; r + 3 < H; r += 4) {
      const p = r + k;
      let s0 = h0 * pa[p] + g0 * pb[p];
      let s1 = h0 * pa[p + 1] + g0 * pb[p + 1];
      let s2 = h0 * pa[p + 2] + g0 * pb[p + 2];
      let s3 = h0 * pa[p + 3] + g0 * pb[p + 3];
      for (let j = 1; j <= k; j++) {
        const hj = h[j];
        const gj = g[j];
        s0 += hj * (pa[p - j] + pa[p + j]) + gj * (pb[p - j] + pb[p + j]);
        s1 += hj * (pa[p + 1 - j] + pa[p + 1 + j]) + gj * (pb[p + 1 - j] + pb[p + 1 + j]);
        s2 += hj * (pa[p + 2 - j] + pa[p + 2 + j]) + gj * (pb[p + 2 - j] + pb[p + 2 + j]);
        s3 += hj * (pa[p + 3 - j] + pa[p + 3 + j]) + gj * (pb[p + 3 - j] + pb[p + 3 + j]);
      }
      const q = r * W + c;
      out[q] = s0;
      out[q + W] = s1;
      out[q + 2 * W] = s2;
      out[q + 3 * W] = s3;
    }
    for (; r < H; r++) {
      const p = r + k;
      let s = h0 * pa[p] + g0 * pb[p];
      for (let j = 1; j <= k; j++) s += h[j] * (pa[p - j] + pa[p + j]) + g[j] * (pb[p - j] + pb[p + j]);
      out[r * W + c] = s;
    }
  }
}

/** 3x3 median filter with mirror border (TrackMate pads with zeros; see the module note). */
export function medianFilter3x3(plane: Plane): Plane {
  checkPlane(plane);
  const { data, height: H, width: W } = plane;
  const out = new Float32Array(H * W);
  const v = new Float64Array(9);
  for (let r = 0; r < H; r++) {
    const r0 = mirrorIndex(r - 1, H) * W;
    const r1 = r * W;
    const r2 = mirrorIndex(r + 1, H) * W;
    for (let c = 0; c < W; c++) {
      const c0 = mirrorIndex(c - 1, W);
      const c2 = mirrorIndex(c + 1, W);
      v[0] = data[r0 + c0];
      v[1] = data[r0 + c];
      v[2] = data[r0 + c2];
      v[3] = data[r1 + c0];
      v[4] = data[r1 + c];
      v[5] = data[r1 + c2];
      v[6] = data[r2 + c0];
      v[7] = data[r2 + c];
      v[8] = data[r2 + c2];
      // insertion sort of 9 values (NaN sorts last)
      for (let i = 1; i < 9; i++) {
        const x = v[i];
        let j = i - 1;
        while (j >= 0 && (v[j] > x || (Number.isNaN(v[j]) && !Number.isNaN(x)))) {
          v[j + 1] = v[j];
          j--;
        }
        v[j + 1] = x;
      }
      out[r1 + c] = v[4];
    }
  }
  return { data: out, height: H, width: W };
}
