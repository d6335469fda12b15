/**
 * The prediction pipeline for one image, one Spot record per spot all the way:
 *   read (io/image) → axes & planes (io/image/axes) → check (preprocess/check) →
 *   detect (detect/detector: the network or the LoG) → measure (measure/: fit, intensity) →
 *   table (pipeline/table) → write (io/csv).
 */
import type { PixelSize, Plane, Spot } from '../core/types.js';
import { readImage, type RawImage } from '../io/image/read.js';
import { resolveAxes, iteratePlanes } from '../io/image/axes.js';
import { checkPlane } from '../preprocess/check.js';
import { UserError } from '../core/errors.js';
import type { DetectorOptions, PlaneDetector } from '../detect/detector.js';
import type { FitOptions } from '../measure/fit.js';
import { measureSpots } from '../measure/spots.js';
import type { ImageResult, PlaneResult } from './result.js';

export { measureSpots } from '../measure/spots.js';
export type { ImageResult, PlaneResult } from './result.js';
export { createDetector, DEFAULT_LOG_RADIUS, type Method, type PlaneDetector } from '../detect/detector.js';

export interface PredictOptions extends DetectorOptions {
  /** Axis letters of the input (e.g. 'tzyx'); otherwise from metadata, otherwise guessed. */
  axes?: string;
  /** µm per pixel; otherwise from metadata; 1 (pixels only) when neither. */
  pixelSize?: PixelSize;
  /** Refine each spot with a maximum-likelihood Gaussian fit (adds `fit` to every spot). */
  fit?: FitOptions;
  /**
   * Images with more pixel values than this are refused (a 'bad-image' error) before they are
   * decoded; default: DEEPBLINK_MAX_PIXELS, else 2^30 (see readImage).
   */
  maxPixels?: number;
  // `radius`, when given, also adds `intensity` (disk sum of raw values) to every spot.
}

/**
 * One plane through the pipeline: check (a 'bad-plane' error names it as `where`) → detect →
 * measure.
 */
export async function predictPlane(
  plane: Plane,
  detector: PlaneDetector,
  opts: Pick<PredictOptions, 'fit' | 'radius'>,
  where = 'image',
): Promise<{ spots: Spot[]; threshold: number }> {
  const stats = checkPlane(plane, where);
  const res = await detector.detect(plane, stats);
  measureSpots(plane, res.spots, opts);
  return res;
}

/** Runs detection and measurement on every plane of an already-read image. */
export async function predictImage(raw: RawImage, detector: PlaneDetector, opts: PredictOptions): Promise<ImageResult> {
  const { axes, shape, source } = resolveAxes(raw, opts.axes);
  const pixelSize = opts.pixelSize ?? raw.pixelSize;
  const pixelSizeSource = opts.pixelSize ? 'option' : raw.pixelSize ? 'metadata' : 'none';
  const planes: PlaneResult[] = [];
  const warnings = [...raw.warnings];
  const multi = shape.length > 2;
  let skipped = 0;
  let count = 0;
  for (const { c, t, z, plane } of iteratePlanes(raw, axes)) {
    count++;
    let res;
    try {
      res = await predictPlane(plane, detector, opts, multi ? `plane c=${c} t=${t} z=${z}` : 'image');
    } catch (err) {
      // one bad plane (blank, NaN) does not cost the stack's other planes
      if (!multi || !(err instanceof UserError && err.code === 'bad-plane')) throw err;
      warnings.push(`${err.message}; skipped`);
      skipped++;
      continue;
    }
    const { spots, threshold } = res;
    if (multi) for (const s of spots) Object.assign(s, { channel: c, frame: t, z });
    planes.push({ c, t, z, spots, threshold });
  }
  if (multi && skipped === count)
    throw new UserError(`every plane of the stack (${count}) is blank or has NaN pixels; nothing to detect`, undefined, 'bad-plane');
  return {
    file: raw.path,
    axes,
    axesSource: source,
    shape,
    pixelSize,
    pixelSizeSource,
    planes,
    scoreColumn: detector.scoreColumn,
    warnings,
  };
}

export async function predictFile(file: string, detector: PlaneDetector, opts: PredictOptions): Promise<ImageResult> {
  return predictImage(await readImage(file, { maxPixels: opts.maxPixels }), detector, opts);
}
