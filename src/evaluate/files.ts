/**
 * Scoring files of spots against ground truth: a prediction CSV and a truth CSV, or two
 * folders of CSVs paired by name (cells.csv ↔ cells.csv). The library side of
 * `deepblink evaluate`.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { listInputs, stem } from '../io/files.js';
import { readLabels } from '../io/labels.js';
import type { Table } from '../io/csv.js';
import { forEachItem, type ItemEvent, type ItemFailure, type MessageEvent } from '../core/progress.js';
import type { PixelSize } from '../core/types.js';
import { UserError } from '../core/errors.js';
import { scoreImage, summariseMatchings, tablePlanes, type ImageScore, type Summary } from './evaluate.js';
import { pointsMatching, type ImageMatching } from './metrics.js';

/** Progress of evaluateFiles: one item per pair (named by its prediction file), and warnings. */
export type EvaluateEvent = ItemEvent | MessageEvent;

/** How evaluateFiles matches and reads. */
export interface EvaluateFilesOptions {
  /** Largest matching distance in px (the F1-integral integrates over cutoffs 0…mdist). Default 3. */
  mdist?: number;
  /** µm per pixel, for CSVs holding coordinates in µm only. */
  pixelSize?: PixelSize;
  /**
   * Progress (one item per pair; a pair whose files cannot be read is reported and skipped) and
   * a warning per file without a partner.
   */
  onEvent?: (e: EvaluateEvent) => void;
  /**
   * Progress of matching the spots of one pair (`done` of `total` work units; both matchings,
   * deepBlink's and the Spotiflow-style one), for tables of many spots.
   */
  onProgress?: (done: number, total: number, name: string) => void;
}

/** The scores of evaluateFiles. */
export interface EvaluateFilesResult {
  /** One score per pair read, in the order of the prediction files. */
  images: ImageScore[];
  /** Mean ± std over `images` and the pooled scores; undefined when no pair could be read. */
  summary: Summary | undefined;
  /** Pairs skipped because a file could not be read (named by the prediction file). */
  failures: ItemFailure[];
  /** Files of either folder without a partner of the same name (not scored). */
  unpaired: string[];
}

/**
 * Pairs prediction and truth CSVs: two files pair with each other; two folders pair their .csv
 * files by name (stem), the files without a partner being returned as `unpaired`. A missing
 * path, an empty folder, a file given with a folder, or two folders without a name in common is
 * an error.
 */
export function pairFiles(pred: string, truth: string): { pairs: [string, string][]; unpaired: string[] } {
  const ps = listInputs(pred, ['.csv']);
  const tsList = listInputs(truth, ['.csv']);
  const pIsDir = statSync(pred).isDirectory();
  const tIsDir = statSync(truth).isDirectory();
  if (!pIsDir && !tIsDir) return { pairs: [[pred, truth]], unpaired: [] };
  if (pIsDir !== tIsDir) throw new UserError('give two files or two folders', pIsDir ? truth : pred);
  const ts = new Map(tsList.map((f) => [stem(f), f]));
  const pairs: [string, string][] = [];
  const unpaired: string[] = [];
  for (const p of ps) {
    const t = ts.get(stem(p));
    if (t) {
      pairs.push([p, t]);
      ts.delete(stem(p));
    } else unpaired.push(p);
  }
  unpaired.push(...ts.values());
  if (pairs.length === 0) throw new UserError(`no file names in common with ${truth}`, pred);
  return { pairs, unpaired };
}

/**
 * Scores predicted spots against ground truth, per pair of files (see pairFiles) and
 * summarised. Each CSV may be in any supported label format (see readLabels). An image is named
 * by its file's stem (by its file name when there is a single pair). A pair that cannot be read
 * is reported ('itemFailed') and skipped. Tables with `c`, `t`, `z` columns (e.g. predict's
 * output for stacks) are matched plane by plane (see tablePlanes; a `z` column in one table
 * only is an error unless it holds a single plane).
 */
export async function evaluateFiles(pred: string, truth: string, opts: EvaluateFilesOptions = {}): Promise<EvaluateFilesResult> {
  const { mdist = 3, pixelSize, onEvent, onProgress } = opts;
  const { pairs, unpaired } = pairFiles(pred, truth);
  for (const u of unpaired) onEvent?.({ type: 'warn', message: `${u}: no partner with the same name; skipped` });
  const images: ImageScore[] = [];
  const matchings: ImageMatching[] = [];
  const failures = await forEachItem(
    pairs,
    ([p]) => p,
    async ([p, t]) => {
      const predicted = await readLabels(p, { pixelSize });
      let truthLabels;
      try {
        truthLabels = await readLabels(t, { pixelSize });
      } catch (err) {
        if (err instanceof UserError && !err.file) throw new UserError(err.message, t, err.code);
        throw err;
      }
      const planes = tablePlanes(predicted.planes, truthLabels.planes, { pred: p, truth: t });
      // progress over both matchings: the same amount of work each
      const n = 2 * predicted.points.length + truthLabels.points.length;
      const half = (offset: number) => (onProgress ? (done: number) => onProgress(offset + done, 2 * n, p) : undefined);
      const score = scoreImage(pairs.length > 1 ? stem(p) : path.basename(p), predicted.points, truthLabels.points, mdist, { planes, onProgress: half(0) });
      const matching = pointsMatching(predicted.points, truthLabels.points, { cutoff: mdist, planes, onProgress: half(n) });
      images.push(score);
      matchings.push({ ...matching, trueIdx: [], predIdx: [] });
    },
    onEvent,
  );
  const summary = images.length > 0 ? summariseMatchings(images, matchings, mdist) : undefined;
  return { images, summary, failures, unpaired };
}

/**
 * The per-image scores as a table (image, n_true, n_pred, f1_integral, f1_at_mdist, precision,
 * recall, mean_euclidean, rmse; 6 decimals), e.g. for writeCsv.
 */
export function scoreTable(images: ImageScore[]): Table {
  const columns = ['image', 'n_true', 'n_pred', 'f1_integral', 'f1_at_mdist', 'precision', 'recall', 'mean_euclidean', 'rmse'];
  return {
    columns,
    rows: images.map((s) => [s.name, s.nTrue, s.nPred, s.f1Integral, s.f1At3, s.precision, s.recall, s.meanEuclidean, s.rmse]),
    decimals: Object.fromEntries(columns.map((c) => [c, 6])),
  };
}
