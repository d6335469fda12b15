/**
 * Integrated spot intensity in a disk, as deepBlink's `inference.get_intensities`
 * (deepblink-behaviour.md section 1.1.2).
 *
 * Kernel: `skimage.morphology.disk(radius)`, a (2R+1)^2 binary mask, 1 where dr^2 + dc^2 <= R^2.
 * Each point is rounded half-to-even (`np.round`: 2.5 -> 2, 5.5 -> 6) to the integer pixel
 * (r, c); the square window rows r-R..r+R, cols c-R..c+R is cut at the image borders and
 * multiplied by the matching part of the kernel. The result is the sum of that window (or the
 * mean / population std over the cut square window, zeros outside the disk included). Values are
 * the raw (un-normalised) plane values.
 *
 * With the package convention (centre of pixel (r, c) at (r, c)) rounding a coordinate gives
 * the pixel that contains it, so the disk is centred on the spot's pixel.
 *
 * Arithmetic follows numpy on the plane's dtype: a Float32Array plane (what the original's
 * `predict` passes) is summed in float32 with numpy's pairwise order, a Float64Array plane in
 * float64. Windows that fall partly outside the image are cut; a window entirely outside gives
 * sum 0 (mean / std NaN). (Upstream misindexes windows of points more than R px beyond the
 * top or left edge through negative slice bounds; such points never come out of `predict`.)
 */
import type { PlaneData, Point } from '../core/types.js';
import { pairwiseSum, roundHalfEven } from '../math/numpy.js';

/** A 2-D plane, row-major. Compatible with `Plane` from src/types.ts. */
export interface PlaneLike {
  data: PlaneData;
  height: number;
  width: number;
}

/** How the window is reduced (upstream `method`). */
export type IntensityMethod = 'sum' | 'mean' | 'std';

/** `skimage.morphology.disk(radius)` as a row-major Uint8Array of (2R+1)^2 values. */
export function diskKernel(radius: number): Uint8Array {
  checkRadius(radius);
  const size = 2 * radius + 1;
  const k = new Uint8Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      const dy = i - radius;
      const dx = j - radius;
      k[i * size + j] = dx * dx + dy * dy <= radius * radius ? 1 : 0;
    }
  }
  return k;
}

function checkRadius(radius: number): void {
  if (!Number.isInteger(radius) || radius < 0) throw new RangeError(`radius must be an integer >= 0, got ${radius}`);
}

/**
 * Integrated intensity in a disk of `radius` px around each point (upstream
 * `get_intensities(image, coords, radius, method)`), one value per point, in point order.
 */
export function diskIntensity(plane: PlaneLike, points: readonly Point[], radius: number, method: IntensityMethod = 'sum'): number[] {
  checkRadius(radius);
  const { data, height: H, width: W } = plane;
  if (data.length !== H * W) throw new RangeError(`plane data has ${data.length} values, expected ${H} x ${W}`);
  const f32 = data instanceof Float32Array;
  const round = f32 ? Math.fround : (x: number): number => x;
  const size = 2 * radius + 1;
  const kernel = diskKernel(radius);
  const area = f32 ? new Float32Array(size * size) : new Float64Array(size * size);
  const out = new Array<number>(points.length);

  for (let idx = 0; idx < points.length; idx++) {
    const r = roundHalfEven(points[idx][0]);
    const c = roundHalfEven(points[idx][1]);
    if (!Number.isFinite(r) || !Number.isFinite(c)) throw new RangeError(`points[${idx}] is not finite`);
    const r0 = Math.max(r - radius, 0);
    const r1 = Math.min(r + radius, H - 1);
    const c0 = Math.max(c - radius, 0);
    const c1 = Math.min(c + radius, W - 1);
    const h = Math.max(r1 - r0 + 1, 0);
    const w = Math.max(c1 - c0 + 1, 0);
    const n = h * w;
    // the cut window times the matching kernel slice, row-major (numpy's `area` array)
    let k = 0;
    for (let y = r0; y <= r1; y++) {
      const krow = (y - r + radius) * size - c + radius;
      const irow = y * W;
      for (let x = c0; x <= c1; x++) area[k++] = data[irow + x] * kernel[krow + x];
    }
    const sum = pairwiseSum(area, 0, n, f32);
    if (method === 'sum') {
      out[idx] = sum;
    } else if (method === 'mean') {
      out[idx] = n ? round(sum / n) : NaN;
    } else if (method === 'std') {
      if (!n) {
        out[idx] = NaN;
        continue;
      }
      // numpy _var: mean, then squared deviations in place, pairwise sum, / n, sqrt
      const mean = round(sum / n);
      for (let m = 0; m < n; m++) {
        const dev = round(area[m] - mean);
        area[m] = round(dev * dev);
      }
      out[idx] = round(Math.sqrt(round(pairwiseSum(area, 0, n, f32) / n)));
    } else {
      throw new RangeError(`method must be one of "sum", "mean", "std"; got ${String(method)}`);
    }
  }
  return out;
}

/**
 * A spot's background-subtracted signal in one plane: the sum of the 3×3 pixels around its
 * rounded position minus 9 × the median of the square ring at distance 3 (the 24 pixels on the
 * border of the 7×7 window), pixels outside the plane left out (the sum rescaled to 9 pixels).
 * Used to weigh a spot's detections across the planes of a z-stack (detect/link3d.ts).
 */
export function localSignal(plane: PlaneLike, y: number, x: number): number {
  const { data, height: H, width: W } = plane;
  const r0 = Math.round(y);
  const c0 = Math.round(x);
  let sum = 0;
  let n = 0;
  for (let r = r0 - 1; r <= r0 + 1; r++) {
    if (r < 0 || r >= H) continue;
    for (let c = c0 - 1; c <= c0 + 1; c++) {
      if (c < 0 || c >= W) continue;
      sum += data[r * W + c];
      n++;
    }
  }
  const ring: number[] = [];
  for (let r = r0 - 3; r <= r0 + 3; r++) {
    if (r < 0 || r >= H) continue;
    for (let c = c0 - 3; c <= c0 + 3; c++) {
      if (c < 0 || c >= W || (Math.abs(r - r0) < 3 && Math.abs(c - c0) < 3)) continue;
      ring.push(data[r * W + c]);
    }
  }
  if (n === 0) return 0;
  ring.sort((a, b) => a - b);
  const bg = ring.length ? (ring.length % 2 ? ring[(ring.length - 1) / 2] : (ring[ring.length / 2 - 1] + ring[ring.length / 2]) / 2) : 0;
  return (sum / n - bg) * 9;
}
