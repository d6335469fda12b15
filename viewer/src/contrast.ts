/** Display of a plane: percentiles for automatic contrast, lookup tables, and the 8-bit RGBA picture. */
import type { Plane } from '../../src/core/types.js';

/** Lookup tables: t in [0, 1] → [r, g, b] in [0, 255]. */
const LUTS: Record<string, (t: number) => [number, number, number]> = {
  gray: (t) => [255 * t, 255 * t, 255 * t],
  inverted: (t) => [255 * (1 - t), 255 * (1 - t), 255 * (1 - t)],
  fire: (t) => [255 * Math.min(1, 1.8 * t), 255 * Math.min(1, Math.max(0, 2 * t - 0.5)), 255 * Math.max(0, 3 * t - 2)],
  magma: (t) => lerp(MAGMA, t),
  green: (t) => [0, 255 * t, 0],
  cyan: (t) => [0, 255 * t, 255 * t],
};
// anchors of matplotlib's magma (perceptually uniform), interpolated linearly
const MAGMA: [number, number, number][] = [
  [0, 0, 4],
  [28, 16, 68],
  [79, 18, 123],
  [129, 37, 129],
  [181, 54, 122],
  [229, 80, 100],
  [251, 135, 97],
  [254, 194, 135],
  [252, 253, 191],
];
function lerp(stops: [number, number, number][], t: number): [number, number, number] {
  const f = Math.min(Math.max(t, 0), 1) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(f));
  const u = f - i;
  return [0, 1, 2].map((k) => stops[i][k] * (1 - u) + stops[i + 1][k] * u) as [number, number, number];
}

export const LUT_NAMES = Object.keys(LUTS);

/** 256 packed RGBA entries (little-endian ABGR words) of a lookup table. */
export function lutTable(name: string): Uint32Array {
  const f = LUTS[name] ?? LUTS.gray;
  const out = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const [r, g, b] = f(i / 255);
    out[i] = (255 << 24) | (Math.round(b) << 16) | (Math.round(g) << 8) | Math.round(r);
  }
  return out;
}

/** Value range and percentiles of a plane (from at most ~1M evenly spaced samples). */
export interface PlaneRange {
  min: number;
  max: number;
  percentile(q: number): number;
}

export function planeRange(plane: Plane): PlaneRange {
  const n = plane.data.length;
  const step = Math.max(1, Math.floor(n / 1_000_000));
  const sample = new Float64Array(Math.ceil(n / step));
  let min = Infinity;
  let max = -Infinity;
  let m = 0;
  for (let i = 0; i < n; i += step) {
    const v = plane.data[i];
    if (!Number.isFinite(v)) continue;
    sample[m++] = v;
  }
  for (let i = 0; i < n; i++) {
    const v = plane.data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const sorted = sample.subarray(0, m).sort();
  return {
    min: Number.isFinite(min) ? min : 0,
    max: Number.isFinite(max) ? max : 1,
    percentile: (q) => (m === 0 ? 0 : sorted[Math.min(m - 1, Math.max(0, Math.round((q / 100) * (m - 1))))]),
  };
}

/** The plane as RGBA through [lo, hi] and a lookup table. */
export function renderRgba(plane: Plane, lo: number, hi: number, lut: Uint32Array): ImageData {
  const img = new ImageData(plane.width, plane.height);
  const out = new Uint32Array(img.data.buffer);
  const d = plane.data;
  const k = hi > lo ? 255 / (hi - lo) : 0;
  for (let i = 0; i < d.length; i++) {
    let v = (d[i] - lo) * k;
    v = v < 0 ? 0 : v > 255 ? 255 : v; // NaN → 0 below
    out[i] = lut[v | 0];
  }
  return img;
}
