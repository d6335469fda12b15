/**
 * Plane statistics and the check before detection: a plane with NaN/Inf pixels or no contrast
 * at all is rejected with a message instead of giving spots.
 */
import type { Plane } from '../core/types.js';
import { UserError, type ErrorCode } from '../core/errors.js';

/** A user-facing error of this stage (code 'bad-plane' unless given). */
const planeError = (message: string, file?: string, code: ErrorCode = 'bad-plane') => new UserError(message, file, code);

/** Summary statistics of a plane (float64 accumulation). */
export interface PlaneStats {
  min: number;
  max: number;
  mean: number;
  std: number;
  nonFinite: number;
}

/**
 * Min, max, mean, population std and non-finite count of a plane (two passes). Callers that
 * need them twice pass the result on (checkPlane's return value → normalizer) instead of
 * computing them again.
 */
export function planeStats(plane: Plane): PlaneStats {
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
    throw planeError(`${where} has ${s.nonFinite} NaN/infinite pixel(s); replace them before detection`);
  }
  if (!(s.max > s.min)) {
    throw planeError(`${where} is constant (every pixel = ${s.min}); there is nothing to detect`);
  }
  return s;
}
