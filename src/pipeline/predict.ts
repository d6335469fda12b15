/**
 * The prediction pipeline for one image, one Spot record per spot all the way:
 *   read (io/image) → axes & planes (io/image/axes) → check (preprocess/check) →
 *   detect (detect/detector: the network or the LoG) → measure (measure/: fit, intensity) →
 *   table (pipeline/table) → write (io/csv).
 */
import type { PixelSize, Plane, Spot, Stack } from '../core/types.js';
import { readImage, type RawImage } from '../io/image/read.js';
import { resolveAxes, iteratePlanes, planeSizes, stackAt } from '../io/image/axes.js';
import { checkPlane } from '../preprocess/check.js';
import { UserError } from '../core/errors.js';
import type { DetectorOptions, PlaneDetector } from '../detect/detector.js';
import type { FitOptions } from '../measure/fit.js';
import { measureSpots } from '../measure/spots.js';
import { diskIntensity, localSignal } from '../measure/intensity.js';
import { fitSpots3D } from '../measure/fit3d.js';
import { linkPlanes, type LinkOptions, type PlaneDetections } from '../detect/link3d.js';
import type { ImageResult, PlaneResult, VolumeResult } from './result.js';
import { resultSpots } from './result.js';
import { assignCells, checkMask, toLabelImage, type LabelImage } from '../measure/cells.js';

export { measureSpots } from '../measure/spots.js';
export type { ImageResult, PlaneResult, VolumeResult } from './result.js';
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
  /** OME-Zarr: the level of the multiscale pyramid to read (0 = full resolution, the default; see readImage). */
  level?: number;
  /**
   * z-stacks: true = 3-D detection (the planes' detections linked into one spot per spot, z at
   * sub-slice precision: detect/link3d.ts); false = one row per plane detection; 'auto'
   * (default) = 3-D when the axes have z with at least 3 slices.
   */
  threeD?: boolean | 'auto';
  /** 3-D: how detections of neighbouring planes are linked (radius, gap). */
  link?: LinkOptions;
  /** 3-D: z step in µm per slice (for the µm columns); default: from the file's metadata. */
  zStep?: number;
  /**
   * A cell mask: a label image (0 = background, k = cell k; 2-D, or 3-D (z, y, x) for a z-stack
   * of the same depth) or the path of one. Every spot gets `cell` (the label at its rounded
   * position; a 2-D mask serves every plane) and the result keeps the mask (for `cellTable`).
   * Its rows and columns must match the image's (a UserError naming the mask file).
   */
  mask?: LabelImage | string;
  /** Called after each plane of a plane-by-plane run (planes done, planes in the image), e.g. a progress bar over the frames of a movie. */
  planeProgress?: (done: number, total: number) => void;
  // `radius`, when given, also adds `intensity` (disk sum of raw values) to every spot.
}

/**
 * 3-D detection: the per-plane probability threshold (or the detector's, when lower). A spot
 * found only at this level must be seen in at least 2 neighbouring planes; one plane suffices
 * above the detector's own threshold. Chosen on simulated stacks (bench:3d: SNR 2 F1-integral
 * 0.45 → 0.56 with the model's threshold as the only level, SNR 4 and 7 unchanged).
 */
export const PLANE_THRESHOLD_3D = 0.3;

/** Whether `predictImage` detects in 3-D: the threeD option, or 'auto' = the axes have z with ≥ 3 slices. */
export function detectsIn3D(axes: string, shape: number[], threeD: boolean | 'auto' = 'auto'): boolean {
  const zi = axes.indexOf('z');
  if (zi < 0) return false;
  return threeD === 'auto' ? shape[zi] >= 3 : threeD;
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

/** Runs detection and measurement on every plane of an already-read image (z-stacks: in 3-D, see {@link PredictOptions.threeD}). */
export async function predictImage(raw: RawImage, detector: PlaneDetector, opts: PredictOptions): Promise<ImageResult> {
  const { axes, shape, source } = resolveAxes(raw, opts.axes);
  const mask = opts.mask === undefined ? undefined : await loadMask(opts.mask, opts.maxPixels);
  if (mask) checkMask(mask, shape[axes.indexOf('y')], shape[axes.indexOf('x')], axes.includes('z') ? shape[axes.indexOf('z')] : undefined);
  const res = await predictSpots(raw, axes, shape, source, detector, opts);
  if (mask) {
    assignCells(mask, resultSpots(res));
    res.mask = mask;
  }
  return res;
}

/** A label image, or the one read from a file (see {@link toLabelImage}). */
export async function loadMask(mask: LabelImage | string, maxPixels?: number): Promise<LabelImage> {
  return typeof mask === 'string' ? toLabelImage(await readImage(mask, { maxPixels })) : mask;
}

async function predictSpots(
  raw: RawImage,
  axes: string,
  shape: number[],
  source: ImageResult['axesSource'],
  detector: PlaneDetector,
  opts: PredictOptions,
): Promise<ImageResult> {
  const pixelSize = opts.pixelSize ?? raw.pixelSize;
  const pixelSizeSource = opts.pixelSize ? 'option' : raw.pixelSize ? 'metadata' : 'none';
  const head = { file: raw.path, axes, axesSource: source, shape, pixelSize, pixelSizeSource, scoreColumn: detector.scoreColumn } as const;
  if (detectsIn3D(axes, shape, opts.threeD)) {
    const { volumes, warnings } = await predictVolumes(raw, axes, detector, opts);
    return { ...head, planes: [], volumes, zStep: opts.zStep ?? raw.zStep, warnings };
  }
  const planes: PlaneResult[] = [];
  const warnings = [...raw.warnings];
  const multi = shape.length > 2;
  let skipped = 0;
  let count = 0;
  const sizes = planeSizes(raw, axes);
  const total = sizes.c * sizes.t * sizes.z;
  for (const { c, t, z, plane } of iteratePlanes(raw, axes)) {
    count++;
    try {
      const { spots, threshold } = await predictPlane(plane, detector, opts, multi ? `plane c=${c} t=${t} z=${z}` : 'image');
      if (multi) for (const s of spots) Object.assign(s, { channel: c, frame: t, z });
      planes.push({ c, t, z, spots, threshold });
    } catch (err) {
      // one bad plane (blank, NaN) does not cost the stack's other planes
      if (!multi || !(err instanceof UserError && err.code === 'bad-plane')) throw err;
      warnings.push(`${err.message}; skipped`);
      skipped++;
    }
    opts.planeProgress?.(count, total);
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
    ...(axes.includes('z') && (opts.zStep ?? raw.zStep) !== undefined ? { zStep: opts.zStep ?? raw.zStep } : {}),
  };
}

/**
 * 3-D detection of every (c, t) volume: each plane through check → detect (the 2-D detector),
 * each detection weighed by its background-subtracted signal in its plane, the planes'
 * detections linked into 3-D spots (detect/link3d.ts), each position refined by the 3-D
 * maximum-likelihood fit (measure/fit3d.ts; kept where it converged within its guard); `radius`
 * adds the disk intensity in the plane nearest the spot's z. The volume is read from the
 * decoded image in place where it is stored contiguously (else one volume is copied).
 */
async function predictVolumes(
  raw: RawImage,
  axes: string,
  detector: PlaneDetector,
  opts: PredictOptions,
): Promise<{ volumes: VolumeResult[]; warnings: string[] }> {
  const sizes = planeSizes(raw, axes);
  const warnings = [...raw.warnings];
  const volumes: VolumeResult[] = [];
  // the network looks at every plane with a lower threshold; a spot is kept when one plane is
  // sure of it (p above the detector's threshold) or when several neighbouring planes see it
  const low = lowThreshold3D(detector);
  let skipped = 0;
  for (let c = 0; c < sizes.c; c++) {
    for (let t = 0; t < sizes.t; t++) {
      const found: PlaneDetections[] = [];
      let threshold = NaN;
      // the volume once (a view on the image where it is stored contiguously), its planes views on it
      const stack = stackAt(raw, axes, c, t);
      const n = stack.height * stack.width;
      const planeOf = (z: number): Plane => ({ data: stack.data.subarray(z * n, (z + 1) * n), height: stack.height, width: stack.width });
      for (let z = 0; z < sizes.z; z++) {
        const plane = planeOf(z);
        let res;
        try {
          const where = `plane c=${c} t=${t} z=${z}`;
          if (low !== undefined) res = { spots: await detector.detectAt!(plane, low, checkPlane(plane, where)), threshold: detector.threshold! };
          else res = await predictPlane(plane, detector, {}, where);
        } catch (err) {
          if (!(err instanceof UserError && err.code === 'bad-plane')) throw err;
          warnings.push(`${err.message}; skipped`);
          skipped++;
          continue;
        }
        threshold = res.threshold;
        found.push({ z, spots: res.spots, signal: res.spots.map((s) => localSignal(plane, s.y, s.x)) });
      }
      const spots = volumeSpots(found, stack, detector, low, opts);
      if (opts.radius !== undefined) volumeIntensity(spots, planeOf, sizes.z, opts.radius);
      if (sizes.c > 1 || sizes.t > 1) for (const s of spots) Object.assign(s, { channel: c, frame: t });
      volumes.push({ c, t, depth: sizes.z, spots, threshold });
    }
  }
  if (skipped === sizes.c * sizes.t * sizes.z)
    throw new UserError(`every plane of the stack (${skipped}) is blank or has NaN pixels; nothing to detect`, undefined, 'bad-plane');
  return { volumes, warnings };
}

/**
 * 3-D detection's per-plane threshold: the network looks at every plane with a lower threshold
 * (PLANE_THRESHOLD_3D, or its own when lower) and keeps a spot when one plane is sure of it or
 * several neighbouring planes see it; undefined for the LoG (its own threshold throughout).
 */
export function lowThreshold3D(detector: PlaneDetector): number | undefined {
  return detector.detectAt && detector.threshold !== undefined ? Math.min(detector.threshold, PLANE_THRESHOLD_3D) : undefined;
}

/**
 * A volume's 3-D spots from its planes' detections: linked (detect/link3d.ts), kept (a plane
 * above the detector's threshold, or ≥ 2 planes at `low`), every position refined by the 3-D
 * maximum-likelihood fit on `stack` (kept where it converged and stayed), one spot per spot
 * (dedupe3D: two chains the fit brought onto one spot — a chain broken by a missed plane, a
 * low-threshold detection beside a spot — are one; sorted by z, y, x). `origin`: the stack is a
 * box of the whole whose first row and column are (y, x), positions in the whole's coordinates
 * (pipeline/parts.ts).
 */
export function volumeSpots(
  found: PlaneDetections[],
  stack: Stack,
  detector: PlaneDetector,
  low: number | undefined,
  opts: PredictOptions,
  origin?: { y: number; x: number },
): (Spot & { z: number })[] {
  const spots: (Spot & { z: number })[] = linkPlanes(found, opts.link)
    .filter((s) => low === undefined || s.score > detector.threshold! || s.planes >= 2)
    .map(({ z, y, x, score, planes }) => ({ z, y, x, score, planes }));
  const f = opts.fit;
  const fits = fitSpots3D(stack, spots, { halfWidth: f?.halfWidth, halfWidthZ: 4, sigma: f?.sigma, gain: f?.gain, offset: f?.offset, origin });
  spots.forEach((s, k) => {
    s.fit3d = fits[k];
    s.detected = { z: s.z, y: s.y, x: s.x };
    if (fits[k].status === 'ok') Object.assign(s, { z: fits[k].z, y: fits[k].y, x: fits[k].x });
  });
  return dedupe3D(spots);
}

/** `intensity` of every 3-D spot: the disk sum (radius px) in the plane nearest its z (`planeAtZ`; a box of the whole at `origin`). */
export function volumeIntensity(spots: (Spot & { z: number })[], planeAtZ: (z: number) => Plane, depth: number, radius: number, origin = { y: 0, x: 0 }): void {
  const byPlane = new Map<number, (Spot & { z: number })[]>();
  for (const s of spots) {
    const z = Math.min(depth - 1, Math.max(0, Math.round(s.z)));
    const list = byPlane.get(z);
    if (list) list.push(s);
    else byPlane.set(z, [s]);
  }
  for (const [z, list] of byPlane) {
    const sums = diskIntensity(
      planeAtZ(z),
      list.map((s) => [s.y - origin.y, s.x - origin.x] as [number, number]),
      Math.round(radius),
    );
    list.forEach((s, k) => (s.intensity = sums[k]));
  }
}

/** Spots closer than this in x/y (px) and in z (slices) after the 3-D fit are one spot. */
export const DEDUPE_XY = 1.5;
export const DEDUPE_Z = 1.5;

/** Drops the lower-score one of every pair of spots within DEDUPE_XY px and DEDUPE_Z slices; sorted by z, y, x. */
export function dedupe3D<T extends Spot & { z: number }>(spots: T[]): T[] {
  const order = [...spots].sort((a, b) => b.score - a.score);
  const cell = (v: number) => Math.floor(v / DEDUPE_XY);
  const grid = new Map<string, T[]>();
  const out: T[] = [];
  for (const s of order) {
    let dup = false;
    for (let dy = -1; dy <= 1 && !dup; dy++) {
      for (let dx = -1; dx <= 1 && !dup; dx++) {
        for (const o of grid.get(`${cell(s.y) + dy},${cell(s.x) + dx}`) ?? []) {
          if (Math.abs(o.z - s.z) < DEDUPE_Z && (o.y - s.y) ** 2 + (o.x - s.x) ** 2 < DEDUPE_XY ** 2) {
            dup = true;
            break;
          }
        }
      }
    }
    if (dup) continue;
    out.push(s);
    const key = `${cell(s.y)},${cell(s.x)}`;
    const list = grid.get(key);
    if (list) list.push(s);
    else grid.set(key, [s]);
  }
  return out.sort((a, b) => a.z - b.z || a.y - b.y || a.x - b.x);
}

export async function predictFile(file: string, detector: PlaneDetector, opts: PredictOptions): Promise<ImageResult> {
  return predictImage(await readImage(file, { maxPixels: opts.maxPixels, level: opts.level }), detector, opts);
}
