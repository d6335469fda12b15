import type { FloatPlane, Plane } from '../core/types.js';
import { UserError } from '../core/errors.js';

/** Summary statistics of a plane (float64 accumulation). */
export interface PlaneStats {
  min: number;
  max: number;
  mean: number;
  std: number;
  nonFinite: number;
}

/** Statistics already computed, per plane object (planes are read-only by contract). */
const statsCache = new WeakMap<Plane, PlaneStats>();

/**
 * Min, max, mean, population std and non-finite count of a plane. Remembered per plane object,
 * so the check before detection and the network's z-score share one pass over the image.
 */
export function planeStats(plane: Plane): PlaneStats {
  let s = statsCache.get(plane);
  if (!s) {
    s = computeStats(plane);
    statsCache.set(plane, s);
  }
  return s;
}

function computeStats(plane: Plane): PlaneStats {
  const d = plane.data;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  let nonFinite = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    n++;
  }
  const mean = n ? sum / n : NaN;
  let ss = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (Number.isFinite(v)) ss += (v - mean) * (v - mean);
  }
  return { min, max, mean, std: n ? Math.sqrt(ss / n) : NaN, nonFinite };
}

/**
 * Rejects planes no detector can work on: NaN/Inf pixels and constant planes (zero variance).
 * `where` names the plane in a stack (e.g. "plane c=0 t=3 z=0") for the message.
 */
export function checkPlane(plane: Plane, where = 'image'): PlaneStats {
  const s = planeStats(plane);
  if (s.nonFinite > 0) {
    throw new UserError(`${where} has ${s.nonFinite} NaN/infinite pixel(s); replace them before detection`);
  }
  if (!(s.max > s.min)) {
    throw new UserError(`${where} is constant (every pixel = ${s.min}); there is nothing to detect`);
  }
  return s;
}

/**
 * Per-plane z-score as the original deepBlink: (x - mean) / std with the population std.
 * Returns a new plane.
 */
export function zscore(plane: Plane): FloatPlane {
  const s = planeStats(plane);
  const out = new Float32Array(plane.data.length);
  const inv = s.std > 0 ? 1 / s.std : 0;
  for (let i = 0; i < out.length; i++) out[i] = (plane.data[i] - s.mean) * inv;
  return { data: out, height: plane.height, width: plane.width };
}
