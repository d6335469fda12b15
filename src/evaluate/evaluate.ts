/**
 * Scoring predictions against ground truth, per image and summarised.
 * Metrics (see docs/metrics.md): deepBlink's F1-integral (0–3 px, 50 cutoffs, per image),
 * F1 @3px, the original's "RMSE" (pooled mean Euclidean distance), a true RMSE of the pairs
 * matched at 3 px, precision and recall at 3 px; plus Spotiflow-style pooled F1 @3px and
 * panoptic quality over all images.
 *
 * Stacks: when the spot tables carry plane columns (`c`, `t`, `z`), spots are matched only
 * within their plane, and an image's scores pool the planes: per cutoff, the pairs kept in
 * every plane are counted together (TP, pred-side matches, distances) and F1, precision, recall,
 * the F1-integral and the distances are computed once from the pooled counts — for one plane
 * exactly the plain result (see {@link tablePlanes}).
 */
import type { Point, Point3 } from '../core/types.js';
import { UserError } from '../core/errors.js';
import type { PlaneColumns } from '../io/labels.js';
import {
  computeMetrics,
  computeMetrics3d,
  pointsMatching,
  poolMatchings,
  type AxisError,
  type AxisErrors,
  type ImageMatching,
  type MatchProgress,
  type MetricsResult,
  type PlaneIds,
  type VoxelSize,
} from './metrics.js';

/** The scores of one image (distances in px; NaN where undefined, e.g. RMSE without matches). */
export interface ImageScore {
  /** The image (its file's stem, or file name). */
  name: string;
  /** Number of true spots. */
  nTrue: number;
  /** Number of predicted spots. */
  nPred: number;
  /** deepBlink's F1-integral: F1 over 50 cutoffs 0…mdist px, trapezoid ÷ mdist. */
  f1Integral: number;
  /** F1 at the cutoff mdist (3 px by default, whence the name). */
  f1At3: number;
  /** Precision at mdist. */
  precision: number;
  /** Recall at mdist. */
  recall: number;
  /** The original's "RMSE": mean Euclidean distance of the matched pairs, pooled over the cutoffs. */
  meanEuclidean: number;
  /** Root-mean-square distance of the pairs matched at mdist. */
  rmse: number;
  /** Number of (c, t, z) planes holding spots, when the tables have plane columns. */
  planes?: number;
  /** 3-D only: per-axis RMSE and bias (predicted − true) of the pairs matched at mdist. */
  axisErrors?: AxisErrors;
}

/** The scores of a set of images: mean and std per score, and pooled counts (Spotiflow style). */
export interface Summary {
  /** Number of images. */
  images: number;
  /** Mean per score over the images (NaN scores left out). */
  mean: Omit<ImageScore, 'name'>;
  /** Population std per score over the images (NaN scores left out). */
  std: Omit<ImageScore, 'name'>;
  /** Matching at mdist pooled over all images: counts, precision, recall, F1 and panoptic quality. */
  pooled: { tp: number; fp: number; fn: number; precision: number; recall: number; f1: number; panopticQuality: number };
  /** The largest matching distance in px (3-D: in `unit`). */
  mdist: number;
  /** Unit of every distance: 'px' (2-D, default when absent), 'µm' or 'voxels' (3-D). */
  unit?: string;
  /** 3-D only: the voxel size [z, y, x] the distances were computed with. */
  voxelSize?: VoxelSize;
  /** 3-D only: per-axis errors pooled over the images' pairs matched at mdist. */
  axisErrors?: AxisErrors;
}

export const SCORE_KEYS = ['nTrue', 'nPred', 'f1Integral', 'f1At3', 'precision', 'recall', 'meanEuclidean', 'rmse'] as const;

/** How {@link scoreImage} matches. */
export interface ScoreOptions {
  /** Plane of every spot (see {@link tablePlanes}): spots are matched within their plane. */
  planes?: PlaneIds;
  onProgress?: MatchProgress;
}

/** The scores of one image (2-D points [row, col] in px; see {@link ImageScore}). */
export function scoreImage(name: string, pred: Point[], truth: Point[], mdist = 3, options: ScoreOptions = {}): ImageScore {
  const m = computeMetrics(pred, truth, { mdist, planes: options.planes, onProgress: options.onProgress });
  return scoreOf(name, m, pred.length, truth.length, options.planes);
}

/** An image's score from its metrics (2-D or 3-D). */
function scoreOf(name: string, m: MetricsResult, nPred: number, nTrue: number, planes?: PlaneIds): ImageScore {
  const score: ImageScore = {
    name,
    nTrue,
    nPred,
    f1Integral: m.f1Integral,
    f1At3: m.f1AtMdist,
    precision: m.precisionAtMdist,
    recall: m.recallAtMdist,
    meanEuclidean: m.meanEuclidean,
    rmse: m.rmseAtMdist,
  };
  if (planes) score.planes = new Set([...Array.from(planes.pred), ...Array.from(planes.truth)]).size;
  return score;
}

/** How {@link scoreImage3d} matches: distances in the unit of `voxelSize` (default voxels). */
export interface Score3dOptions extends ScoreOptions {
  voxelSize?: VoxelSize;
}

/**
 * {@link scoreImage} on 3-D points [z, y, x] in voxels, matched on the 3-D distance in the unit
 * of the voxel size (see computeMetrics3d; `mdist` in that unit), with per-axis errors.
 */
export function scoreImage3d(name: string, pred: Point3[], truth: Point3[], mdist = 3, options: Score3dOptions = {}): ImageScore {
  const m = computeMetrics3d(pred, truth, { mdist, planes: options.planes, onProgress: options.onProgress, voxelSize: options.voxelSize });
  const score = scoreOf(name, m, pred.length, truth.length, options.planes);
  score.axisErrors = m.axisErrors;
  return score;
}

/** Per-axis errors of several images pooled: every pair weighs the same (NaN without pairs). */
export function poolAxisErrors(errors: readonly AxisErrors[]): AxisErrors {
  const n = errors.reduce((a, e) => a + e.pairs, 0);
  const axis = (k: 'z' | 'y' | 'x'): AxisError => {
    const pool = (get: (e: AxisError) => number, sq: boolean) => {
      let sum = 0;
      for (const e of errors) if (e.pairs > 0) sum += e.pairs * (sq ? get(e[k]) ** 2 : get(e[k]));
      return n ? (sq ? Math.sqrt(sum / n) : sum / n) : NaN;
    };
    return {
      rmse: pool((e) => e.rmse, true),
      bias: pool((e) => e.bias, false),
      rmseVoxels: pool((e) => e.rmseVoxels, true),
      biasVoxels: pool((e) => e.biasVoxels, false),
    };
  };
  return { z: axis('z'), y: axis('y'), x: axis('x'), pairs: n };
}

/**
 * The plane of every spot of two tables, for matching plane by plane: spots pair only when they
 * have the same value in every plane column (`c`, `t`, `z`) of the tables. A column that only
 * one table has is ignored when it holds a single value (e.g. `z` = 0 everywhere: one plane),
 * and is an error otherwise (the other table cannot tell which plane its spots belong to).
 * Undefined when neither table has plane columns: plain 2-D matching.
 */
export function tablePlanes(
  pred: PlaneColumns | undefined,
  truth: PlaneColumns | undefined,
  names: { pred?: string; truth?: string } = {},
): PlaneIds | undefined {
  const keys: ('c' | 't' | 'z')[] = [];
  for (const key of ['c', 't', 'z'] as const) {
    const p = pred?.[key];
    const t = truth?.[key];
    if (p && t) keys.push(key);
    else if (p || t) {
      const values = new Set(p ?? t);
      if (values.size > 1) {
        const name = p ? names.pred : names.truth;
        const has = name ? `${name} has` : p ? 'the predicted spots have' : 'the true spots have';
        throw new UserError(
          `no ${key} column, but ${has} spots in ${values.size} ${key} planes: add the ${key} of every spot (its plane index) to match plane by plane`,
          p ? names.truth : names.pred,
          'bad-labels',
        );
      }
    }
  }
  if (keys.length === 0) return undefined;
  const ids = new Map<string, number>();
  const idsOf = (cols: PlaneColumns, n: number): Int32Array => {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const key = keys.map((k) => (cols[k] as number[])[i]).join('|');
      let id = ids.get(key);
      if (id === undefined) ids.set(key, (id = ids.size));
      out[i] = id;
    }
    return out;
  };
  const nOf = (cols: PlaneColumns) => (cols[keys[0]] as number[]).length;
  return { pred: idsOf(pred as PlaneColumns, nOf(pred as PlaneColumns)), truth: idsOf(truth as PlaneColumns, nOf(truth as PlaneColumns)) };
}

/** Mean and population std of the finite values ([NaN, NaN] when none). */
export function meanStd(values: number[]): [number, number] {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return [NaN, NaN];
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return [mean, sd];
}

/** Mean ± population std per score (NaN scores, e.g. RMSE without matches, are left out). */
export function summarise(scores: ImageScore[], pairs: { pred: Point[]; truth: Point[]; planes?: PlaneIds }[], mdist = 3): Summary {
  return summariseMatchings(
    scores,
    pairs.map((p) => pointsMatching(p.pred, p.truth, { cutoff: mdist, planes: p.planes })),
    mdist,
  );
}

/** {@link summarise} from the Spotiflow-style matching of every image (pointsMatching at mdist). */
export function summariseMatchings(scores: ImageScore[], matchings: readonly ImageMatching[], mdist = 3): Summary {
  const mean = {} as Record<(typeof SCORE_KEYS)[number], number>;
  const std = {} as Record<(typeof SCORE_KEYS)[number], number>;
  for (const k of SCORE_KEYS) [mean[k], std[k]] = meanStd(scores.map((s) => s[k]));
  const p = poolMatchings(matchings, { cutoff: mdist });
  const summary: Summary = {
    images: scores.length,
    mean,
    std,
    pooled: { tp: p.tp, fp: p.fp, fn: p.fn, precision: p.precision, recall: p.recall, f1: p.f1, panopticQuality: p.panopticQuality },
    mdist,
  };
  const axes = scores.flatMap((x) => (x.axisErrors ? [x.axisErrors] : []));
  if (axes.length > 0) summary.axisErrors = poolAxisErrors(axes);
  return summary;
}

/** A fixed-width text table for the terminal. */
export function formatScoreTable(scores: ImageScore[], s: Summary): string {
  const unit = s.unit ?? 'px';
  const u = unit === 'px' ? 'px' : unit === 'µm' ? 'µm' : 'vox';
  const head = ['image', 'true', 'pred', 'F1-integral', `F1@${s.mdist}${u}`, 'precision', 'recall', 'mean dist', 'RMSE'];
  const fmt = (v: number, int = false) => (Number.isNaN(v) ? '—' : int ? String(v) : v.toFixed(3));
  const rows = scores.map((x) => [
    x.name,
    fmt(x.nTrue, true),
    fmt(x.nPred, true),
    fmt(x.f1Integral),
    fmt(x.f1At3),
    fmt(x.precision),
    fmt(x.recall),
    fmt(x.meanEuclidean),
    fmt(x.rmse),
  ]);
  const pm = (k: (typeof SCORE_KEYS)[number], d = 3) => (Number.isNaN(s.mean[k]) ? '—' : `${s.mean[k].toFixed(d)}±${s.std[k].toFixed(d)}`);
  rows.push([
    `mean ± std (${s.images})`,
    pm('nTrue', 1),
    pm('nPred', 1),
    pm('f1Integral'),
    pm('f1At3'),
    pm('precision'),
    pm('recall'),
    pm('meanEuclidean'),
    pm('rmse'),
  ]);
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) => r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ');
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(0, -1).map(line)];
  out.push(widths.map((w) => '-'.repeat(w)).join('  '), line(rows[rows.length - 1]));
  const p = s.pooled;
  out.push(
    '',
    `pooled over all images (Spotiflow style, cutoff ${s.mdist} ${unit}): TP ${p.tp}, FP ${p.fp}, FN ${p.fn}, ` +
      `precision ${p.precision.toFixed(3)}, recall ${p.recall.toFixed(3)}, F1 ${p.f1.toFixed(3)}, PQ ${p.panopticQuality.toFixed(3)}`,
    `F1-integral: deepBlink definition (F1 over 50 cutoffs 0–${s.mdist} ${unit}, trapezoid ÷ ${s.mdist}); mean dist: the original's "RMSE" ` +
      `(mean Euclidean distance pooled over cutoffs); RMSE: root-mean-square distance of pairs matched at ${s.mdist} ${unit}; distances in ${unit}.`,
  );
  if (s.voxelSize) {
    const [vz, vy, vx] = s.voxelSize;
    out.push(
      unit === 'µm'
        ? `3-D: Euclidean distance in µm, voxel size z ${vz}, y ${vy}, x ${vx} µm.`
        : '3-D: Euclidean distance in voxels (no --voxel-size: a slice counts as much as a pixel).',
    );
    const ax = (e: AxisErrors) =>
      (['z', 'y', 'x'] as const)
        .map((k) => {
          const a = e[k];
          const f = (v: number) => (Number.isNaN(v) ? '—' : v.toFixed(3));
          return unit === 'µm'
            ? `${k} RMSE ${f(a.rmse)} µm (${f(a.rmseVoxels)} vox), bias ${f(a.bias)} µm (${f(a.biasVoxels)} vox)`
            : `${k} RMSE ${f(a.rmseVoxels)}, bias ${f(a.biasVoxels)}`;
        })
        .join('; ');
    out.push(`Per-axis errors (predicted − true) of the pairs matched at ${s.mdist} ${unit}:`);
    for (const x of scores) if (x.axisErrors) out.push(`  ${x.name} (${x.axisErrors.pairs} pairs): ${ax(x.axisErrors)}`);
    if (s.axisErrors && scores.length > 1) out.push(`  all (${s.axisErrors.pairs} pairs): ${ax(s.axisErrors)}`);
  }
  const planes = scores.flatMap((x) => (x.planes === undefined ? [] : [x.planes]));
  if (planes.length > 0) {
    const lo = Math.min(...planes);
    const hi = Math.max(...planes);
    out.push(
      `Planes: spots matched within their ${s.voxelSize ? '(c, t)' : '(c, t, z)'} plane; an image's counts pooled over its planes (${lo === hi ? lo : `${lo}–${hi}`} per image).`,
    );
  }
  return out.join('\n') + '\n';
}
