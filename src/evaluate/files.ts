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
import { scoreImage, scoreImage3d, summariseMatchings, tablePlanes, type ImageScore, type Summary } from './evaluate.js';
import { pointsMatching, pointsMatching3d, type ImageMatching, type VoxelSize } from './metrics.js';

/** Progress of evaluateFiles: one item per pair (named by its prediction file), and warnings. */
export type EvaluateEvent = ItemEvent | MessageEvent;

/** How evaluateFiles matches and reads. */
export interface EvaluateFilesOptions {
  /** Largest matching distance in px (the F1-integral integrates over cutoffs 0…mdist). Default 3. */
  mdist?: number;
  /** µm per pixel, for CSVs holding coordinates in µm only. */
  pixelSize?: PixelSize;
  /**
   * 3-D: the z column of every table is a coordinate (slices; see readLabels' zAsCoordinate),
   * not a plane index, and spots are matched on their 3-D distance (see computeMetrics3d). A
   * table without z is an error (code bad-labels).
   */
  threeD?: boolean;
  /**
   * 3-D: µm per voxel [z, y, x]. Distances, `mdist` and errors are then in µm (and µm columns
   * are converted with it); without it, in voxels.
   */
  voxelSize?: VoxelSize;
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
 * files by name (stem; truth may also be TrackMate .xml files, a .csv of the same stem first), the files without a partner being returned as `unpaired`. A missing
 * path, an empty folder, a file given with a folder, or two folders without a name in common is
 * an error.
 */
export function pairFiles(pred: string, truth: string): { pairs: [string, string][]; unpaired: string[] } {
  const ps = listInputs(pred, ['.csv']);
  // truth may also be TrackMate XML files (a CSV of the same name wins)
  const tsList = listInputs(truth, ['.csv', '.xml']).sort((a, b) => Number(a.toLowerCase().endsWith('.xml')) - Number(b.toLowerCase().endsWith('.xml')));
  const pIsDir = statSync(pred).isDirectory();
  const tIsDir = statSync(truth).isDirectory();
  if (!pIsDir && !tIsDir) return { pairs: [[pred, truth]], unpaired: [] };
  if (pIsDir !== tIsDir) throw new UserError('give two files or two folders', pIsDir ? truth : pred);
  const ts = new Map<string, string>();
  for (const f of tsList) if (!ts.has(stem(f))) ts.set(stem(f), f);
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
  const { mdist = 3, onEvent, onProgress, threeD = false, voxelSize } = opts;
  if (voxelSize && !threeD) throw new UserError('a voxel size is for 3-D evaluation (threeD / --3d)');
  const pixelSize = voxelSize ? { y: voxelSize[1], x: voxelSize[2] } : opts.pixelSize;
  const readOptions = { pixelSize, zAsCoordinate: threeD, voxelDepth: voxelSize?.[0] };
  const { pairs, unpaired } = pairFiles(pred, truth);
  for (const u of unpaired) onEvent?.({ type: 'warn', message: `${u}: no partner with the same name; skipped` });
  const images: ImageScore[] = [];
  const matchings: ImageMatching[] = [];
  const failures = await forEachItem(
    pairs,
    ([p]) => p,
    async ([p, t]) => {
      const predicted = await readLabels(p, readOptions);
      let truthLabels;
      try {
        truthLabels = await readLabels(t, readOptions);
      } catch (err) {
        if (err instanceof UserError && !err.file) throw new UserError(err.message, t, err.code);
        throw err;
      }
      const planes = tablePlanes(predicted.planes, truthLabels.planes, { pred: p, truth: t });
      // progress over both matchings: the same amount of work each
      const n = 2 * predicted.points.length + truthLabels.points.length;
      const half = (offset: number) => (onProgress ? (done: number) => onProgress(offset + done, 2 * n, p) : undefined);
      const name = pairs.length > 1 ? stem(p) : path.basename(p);
      let score: ImageScore;
      let matching: ImageMatching;
      if (threeD) {
        const p3 = predicted.points3d ?? [];
        const t3 = truthLabels.points3d ?? [];
        score = scoreImage3d(name, p3, t3, mdist, { planes, onProgress: half(0), voxelSize });
        matching = pointsMatching3d(p3, t3, { cutoff: mdist, planes, onProgress: half(n), voxelSize });
      } else {
        score = scoreImage(name, predicted.points, truthLabels.points, mdist, { planes, onProgress: half(0) });
        matching = pointsMatching(predicted.points, truthLabels.points, { cutoff: mdist, planes, onProgress: half(n) });
      }
      images.push(score);
      matchings.push({ ...matching, trueIdx: [], predIdx: [] });
    },
    onEvent,
  );
  const summary = images.length > 0 ? summariseMatchings(images, matchings, mdist) : undefined;
  if (summary && threeD) {
    summary.unit = voxelSize ? 'µm' : 'voxels';
    summary.voxelSize = voxelSize ?? [1, 1, 1];
  }
  return { images, summary, failures, unpaired };
}

/**
 * The per-image scores as a table (image, n_true, n_pred, f1_integral, f1_at_mdist, precision,
 * recall, mean_euclidean, rmse; 6 decimals), e.g. for writeCsv. 3-D scores (with axisErrors) add
 * z_rmse, z_bias, y_rmse, y_bias, x_rmse, x_bias (in the unit of the distances) and the same in
 * voxels (z_rmse_vox, …).
 */
export function scoreTable(images: ImageScore[]): Table {
  const columns = ['image', 'n_true', 'n_pred', 'f1_integral', 'f1_at_mdist', 'precision', 'recall', 'mean_euclidean', 'rmse'];
  const threeD = images.some((s) => s.axisErrors);
  const axes = ['z', 'y', 'x'] as const;
  if (threeD) {
    for (const k of axes) columns.push(`${k}_rmse`, `${k}_bias`);
    for (const k of axes) columns.push(`${k}_rmse_vox`, `${k}_bias_vox`);
  }
  return {
    columns,
    rows: images.map((s) => {
      const row: (string | number)[] = [s.name, s.nTrue, s.nPred, s.f1Integral, s.f1At3, s.precision, s.recall, s.meanEuclidean, s.rmse];
      if (threeD) {
        const e = s.axisErrors;
        for (const k of axes) row.push(e ? e[k].rmse : NaN, e ? e[k].bias : NaN);
        for (const k of axes) row.push(e ? e[k].rmseVoxels : NaN, e ? e[k].biasVoxels : NaN);
      }
      return row;
    }),
    decimals: Object.fromEntries(columns.map((c) => [c, 6])),
  };
}
