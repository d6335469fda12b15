/** The measure step on a plane's spots: the maximum-likelihood fit and the disk intensity, as asked. */
import type { Plane, Spot } from '../core/types.js';
import { diskIntensity } from './intensity.js';
import { fitSpots, type FitOptions } from './fit.js';

export interface MeasureOptions {
  /** Refine each spot with a maximum-likelihood Gaussian fit (adds `fit` to every spot). */
  fit?: FitOptions;
  /** Adds `intensity` (disk sum of raw values, this radius in px) to every spot. */
  radius?: number;
}

/**
 * The measure step: adds `fit` (and moves the spot to the fitted position, keeping the
 * detector's in `detected`) and `intensity` to each spot, as asked. `origin`: the plane is a box
 * of a larger plane whose first row and column are (y, x), and the spots' positions are in the
 * larger plane's coordinates (pipeline/parts.ts); the values are exactly the larger plane's.
 */
export function measureSpots(plane: Plane, spots: Spot[], opts: MeasureOptions, origin?: { y: number; x: number }): void {
  if (opts.fit) {
    const fits = fitSpots(plane, spots, origin ? { ...opts.fit, origin } : opts.fit);
    spots.forEach((s, k) => {
      s.detected = { y: s.y, x: s.x };
      s.fit = fits[k];
      s.y = fits[k].y;
      s.x = fits[k].x;
    });
  }
  if (opts.radius !== undefined) {
    const oy = origin?.y ?? 0;
    const ox = origin?.x ?? 0;
    const pts = spots.map((s) => [(s.detected?.y ?? s.y) - oy, (s.detected?.x ?? s.x) - ox] as [number, number]);
    const sums = diskIntensity(plane, pts, Math.round(opts.radius));
    spots.forEach((s, k) => (s.intensity = sums[k]));
  }
}
