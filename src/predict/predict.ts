/**
 * The prediction pipeline for one image file:
 *   read (image/) → axes & planes (image/axes) → check & normalise (normalize/) →
 *   detect (detect/: LoG now, the network later) → measure (measure/) → table (output/).
 */
import type { Detection, PixelSize, Plane } from '../types.js';
import { readImage, type RawImage } from '../image/read.js';
import { resolveAxes, iteratePlanes } from '../image/axes.js';
import { checkPlane } from '../normalize/normalize.js';
import { detectLoGWithThreshold } from '../detect/log.js';
import { diskIntensity } from '../measure/intensity.js';
import type { Table } from '../output/csv.js';

export type Method = 'log';

export interface PredictOptions {
  method: Method;
  /** Spot radius in px: LoG scale; when given, also adds the `i` column (disk sum). */
  radius?: number;
  /** LoG quality threshold, or 'auto'. */
  threshold?: number | 'auto';
  /** Axis letters of the input (e.g. 'tzyx'); otherwise from metadata, otherwise guessed. */
  axes?: string;
  /** µm per pixel; otherwise from metadata; 1 (pixels only) when neither. */
  pixelSize?: PixelSize;
}

export const DEFAULT_LOG_RADIUS = 2;

export interface PlaneResult {
  c: number;
  t: number;
  z: number;
  detections: Detection[];
  /** Disk-sum intensities, when a radius was given. */
  intensities?: number[];
  threshold: number;
}

export interface ImageResult {
  file: string;
  axes: string;
  axesSource: 'option' | 'metadata' | 'guessed';
  shape: number[];
  pixelSize?: PixelSize;
  pixelSizeSource: 'option' | 'metadata' | 'none';
  planes: PlaneResult[];
  warnings: string[];
}

/** Detects spots in one plane with the chosen method. */
export function detectPlane(plane: Plane, opts: PredictOptions): { detections: Detection[]; threshold: number } {
  return detectLoGWithThreshold(plane, { radius: opts.radius ?? DEFAULT_LOG_RADIUS, threshold: opts.threshold ?? 'auto' });
}

/** Runs detection on every plane of an already-read image. */
export function predictImage(raw: RawImage, opts: PredictOptions): ImageResult {
  const { axes, shape, source } = resolveAxes(raw, opts.axes);
  const pixelSize = opts.pixelSize ?? raw.pixelSize;
  const pixelSizeSource = opts.pixelSize ? 'option' : raw.pixelSize ? 'metadata' : 'none';
  const planes: PlaneResult[] = [];
  const multi = shape.length > 2;
  for (const { c, t, z, plane } of iteratePlanes(raw, axes)) {
    checkPlane(plane, multi ? `plane c=${c} t=${t} z=${z}` : 'image');
    const { detections, threshold } = detectPlane(plane, opts);
    const res: PlaneResult = { c, t, z, detections, threshold };
    if (opts.radius !== undefined) {
      res.intensities = diskIntensity(plane, detections.map((d) => [d.r, d.c]), Math.round(opts.radius));
    }
    planes.push(res);
  }
  return {
    file: raw.path,
    axes,
    axesSource: source,
    shape,
    pixelSize,
    pixelSizeSource,
    planes,
    warnings: raw.warnings,
  };
}

export async function predictFile(file: string, opts: PredictOptions): Promise<ImageResult> {
  return predictImage(await readImage(file), opts);
}

/**
 * The output table. Columns: `y [px]`, `x [px]` (row, column; 0-based; pixel centre at
 * integers), then `y [µm]`, `x [µm]` when a pixel size is known, the detector's score
 * (`quality` for LoG, `p` for the network), `i` when a radius was given, and `c`, `t`, `z`
 * for stacks. Columns are never dropped, whatever their values (the original drops
 * constant columns, so a one-spot image lost every column).
 */
export function resultTable(res: ImageResult, opts: PredictOptions): Table {
  const um = res.pixelSize !== undefined && !(res.pixelSize.x === 1 && res.pixelSize.y === 1);
  const scoreName = opts.method === 'log' ? 'quality' : 'p';
  const withI = opts.radius !== undefined;
  const stack = res.shape.length > 2;
  const columns = ['y [px]', 'x [px]'];
  if (um) columns.push('y [µm]', 'x [µm]');
  columns.push(scoreName);
  if (withI) columns.push('i');
  if (stack) columns.push('c', 't', 'z');
  const rows: (number | string)[][] = [];
  for (const p of res.planes) {
    p.detections.forEach((d, k) => {
      const row: number[] = [d.r, d.c];
      if (um) row.push(d.r * res.pixelSize!.y, d.c * res.pixelSize!.x);
      row.push(d.score);
      if (withI) row.push(p.intensities![k]);
      if (stack) row.push(p.c, p.t, p.z);
      rows.push(row);
    });
  }
  return { columns, rows, decimals: { 'y [µm]': 5, 'x [µm]': 5 } };
}
