/**
 * The prediction pipeline for one image file:
 *   read (image/) → axes & planes (image/axes) → check & normalise (normalize/) →
 *   detect (the network via engine/ + grid/, or detect/ LoG) → measure (measure/) → table (output/).
 */
import type { Detection, PixelSize, Plane } from '../core/types.js';
import type { LoadedModel, Normalization } from '../model/model.js';
import { detectNeural, tilingFor } from '../detect/neural.js';
import { UserError } from '../core/errors.js';
import { resolveModel } from '../model/bundled.js';
import { readImage, type RawImage } from '../io/image/read.js';
import { resolveAxes, iteratePlanes } from '../io/image/axes.js';
import { checkPlane } from '../preprocess/normalize.js';
import { detectLoGWithThreshold } from '../detect/log.js';
import { diskIntensity } from '../measure/intensity.js';
import { fitSpots, type FitOptions, type FitResult } from '../measure/fit.js';
import type { Table } from '../io/csv.js';

export type Method = 'deepblink' | 'log';

export interface PredictOptions {
  method: Method;
  /** deepblink: model file or bundled model name (default: the bundled 'general'). */
  model?: string;
  /** Spot radius in px: LoG scale; when given, also adds the `i` column (disk sum). */
  radius?: number;
  /** LoG: quality threshold or 'auto'; deepblink: probability threshold (default: the model's). */
  threshold?: number | 'auto';
  /** deepblink: normalisation override (default: the model's). */
  normalization?: Normalization;
  /** deepblink: tile edge and overlap in px. */
  tileSize?: number;
  overlap?: number;
  /** deepblink: onnxruntime threads per session. */
  threads?: number;
  /** Axis letters of the input (e.g. 'tzyx'); otherwise from metadata, otherwise guessed. */
  axes?: string;
  /** µm per pixel; otherwise from metadata; 1 (pixels only) when neither. */
  pixelSize?: PixelSize;
  /** Refine each spot with a maximum-likelihood Gaussian fit and add the fit columns. */
  fit?: FitOptions;
  /** deepblink: refine positions by a Gaussian-mask centroid (default: with 'noise' normalisation). */
  refine?: boolean;
  /** deepblink: called after each tile of a tiled plane (tiles done, tiles in the plane). */
  progress?: (done: number, total: number) => void;
}

export const DEFAULT_LOG_RADIUS = 2;

/** A detector for single planes, created once per run (a model is loaded once). */
export interface PlaneDetector {
  /** Name of the score column: 'p' (network probability) or 'quality' (LoG response). */
  scoreColumn: 'p' | 'quality';
  detect(plane: Plane): Promise<{ detections: Detection[]; threshold: number }>;
  close(): Promise<void>;
}

export function logDetector(opts: PredictOptions): PlaneDetector {
  const radius = opts.radius ?? DEFAULT_LOG_RADIUS;
  const threshold = opts.threshold ?? 'auto';
  return {
    scoreColumn: 'quality',
    detect: async (plane) => detectLoGWithThreshold(plane, { radius, threshold }),
    close: async () => undefined,
  };
}

export async function neuralDetector(model: LoadedModel, opts: PredictOptions): Promise<PlaneDetector> {
  if (opts.threshold === 'auto') throw new UserError('--threshold auto is for --method log; the network uses a probability (0–1)');
  const threshold = opts.threshold ?? model.card.threshold;
  if (!(threshold >= 0 && threshold < 1)) throw new UserError(`probability threshold ${threshold} is not in [0, 1)`);
  // the ML runtime is loaded only when a network is used (keeps `--method log` and the CLI fast)
  const { modelPredictor } = await import('../model/model.js');
  const predictor = await modelPredictor(model, opts.threads ?? 1);
  const tiling = tilingFor(model.spec);
  const nopts = {
    threshold,
    normalization: opts.normalization ?? model.card.normalization,
    tileSize: opts.tileSize ?? tiling.tileSize,
    overlap: opts.overlap ?? tiling.overlap,
    progress: opts.progress,
    refine: opts.refine,
  };
  return {
    scoreColumn: 'p',
    detect: async (plane) => ({ detections: await detectNeural(plane, model.spec, predictor, nopts), threshold }),
    close: () => predictor.dispose(),
  };
}

export async function createDetector(opts: PredictOptions): Promise<PlaneDetector> {
  if (opts.method === 'log') return logDetector(opts);
  const { loadModel } = await import('../model/model.js');
  return neuralDetector(await loadModel(resolveModel(opts.model)), opts);
}

export interface PlaneResult {
  c: number;
  t: number;
  z: number;
  detections: Detection[];
  /** Disk-sum intensities, when a radius was given. */
  intensities?: number[];
  /** Gaussian fits (same order as detections), with --fit. */
  fits?: FitResult[];
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
  scoreColumn: 'p' | 'quality';
  warnings: string[];
}

/** Runs detection on every plane of an already-read image. */
export async function predictImage(raw: RawImage, detector: PlaneDetector, opts: PredictOptions): Promise<ImageResult> {
  const { axes, shape, source } = resolveAxes(raw, opts.axes);
  const pixelSize = opts.pixelSize ?? raw.pixelSize;
  const pixelSizeSource = opts.pixelSize ? 'option' : raw.pixelSize ? 'metadata' : 'none';
  const planes: PlaneResult[] = [];
  const multi = shape.length > 2;
  for (const { c, t, z, plane } of iteratePlanes(raw, axes)) {
    checkPlane(plane, multi ? `plane c=${c} t=${t} z=${z}` : 'image');
    const { detections, threshold } = await detector.detect(plane);
    const res: PlaneResult = { c, t, z, detections, threshold };
    if (opts.fit) res.fits = fitSpots(plane, detections, opts.fit);
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
    scoreColumn: detector.scoreColumn,
    warnings: raw.warnings,
  };
}

export async function predictFile(file: string, detector: PlaneDetector, opts: PredictOptions): Promise<ImageResult> {
  return predictImage(await readImage(file), detector, opts);
}

/** Columns added by --fit (see README "Per-spot measurements"). */
export const FIT_COLUMNS = ['y_det [px]', 'x_det [px]', 'photons', 'background', 'sigma [px]', 'fwhm [px]', 'amplitude', 'snr', 'crlb_y [px]', 'crlb_x [px]', 'fit'];

/**
 * The output table. Columns: `y [px]`, `x [px]` (row, column; 0-based; pixel centre at
 * integers — with --fit the fitted position, else the detector's), then `y [µm]`, `x [µm]` when
 * a pixel size is known, the detector's score (`quality` for LoG, `p` for the network), `i`
 * when a radius was given, the fit columns with --fit, and `c`, `t`, `z` for stacks. Columns are
 * never dropped, whatever their values (the original drops constant columns, so a one-spot
 * image lost every column).
 */
export function resultTable(res: ImageResult, opts: Pick<PredictOptions, 'radius' | 'fit'>): Table {
  const um = res.pixelSize !== undefined && !(res.pixelSize.x === 1 && res.pixelSize.y === 1);
  const withI = opts.radius !== undefined;
  const withFit = opts.fit !== undefined;
  const stack = res.shape.length > 2;
  const columns = ['y [px]', 'x [px]'];
  if (um) columns.push('y [µm]', 'x [µm]');
  columns.push(res.scoreColumn);
  if (withI) columns.push('i');
  if (withFit) columns.push(...FIT_COLUMNS);
  if (stack) columns.push('c', 't', 'z');
  const rows: (number | string)[][] = [];
  for (const p of res.planes) {
    p.detections.forEach((d, k) => {
      const f = p.fits?.[k];
      const y = f ? f.y : d.r;
      const x = f ? f.x : d.c;
      const row: (number | string)[] = [y, x];
      if (um) row.push(y * res.pixelSize!.y, x * res.pixelSize!.x);
      row.push(d.score);
      if (withI) row.push(p.intensities![k]);
      if (f) row.push(d.r, d.c, f.photons, f.background, f.sigma, f.fwhm, f.amplitude, f.snr, f.crlbY, f.crlbX, f.status);
      if (stack) row.push(p.c, p.t, p.z);
      rows.push(row);
    });
  }
  return { columns, rows, decimals: { 'y [µm]': 5, 'x [µm]': 5, 'crlb_y [px]': 5, 'crlb_x [px]': 5 } };
}
