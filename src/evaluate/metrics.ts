/**
 * Spot-detection evaluation metrics.
 *
 * 1. deepBlink's metrics (`deepblink/metrics.py`, version 0.1.4), reproduced bit for bit:
 *    thresholded assignment, F1 per cutoff with the pred-side / true-side asymmetry, the F1
 *    integral over 0..mdist px, F1 @ mdist and the pooled mean Euclidean distance that the
 *    paper calls "RMSE" (see docs: deepblink-behaviour.md section 6).
 * 2. Additions of this port: precision and recall at mdist and a true root-mean-square error of
 *    the matched pairs at mdist.
 * 3. Spotiflow-style matching (`spotiflow/utils/matching.py`): min-cost assignment on squared
 *    distance, a pair is valid if d <= cutoff; TP/FP/FN per image or pooled over a dataset,
 *    precision, recall, F1 @ cutoff and panoptic quality
 *    PQ = sum_TP (1 - d / cutoff) / (TP + FP/2 + FN/2).
 *
 * Points are `[row, col]` in pixels. Distances are plain Euclidean distances between the given
 * coordinates, so the pixel-centre convention does not matter as long as both sets use the same.
 *
 * Both matchings run through sparse.ts: candidate pairs within the largest cutoff from a grid,
 * the optimal assignment per connected component (an image of up to 2^20 pairs is solved whole,
 * as the dense matrix of the definition), so that a million spots per image fit in memory.
 * With `planes`, spots are matched only within their plane (e.g. the (c, t, z) plane of a stack);
 * the counts and distances of all planes are pooled per cutoff, which for one plane is the plain
 * result. The dense helpers below (distanceMatrix, thresholdedAssignment) state the definition.
 */
import type { Point, Point3 } from '../core/types.js';
import { type Assignment, LinearSumAssignmentSolver } from './assignment.js';
import { linspace, pairwiseSum, trapezoid } from '../math/numpy.js';
import { blinkMatch, flowMatch, type Coordinates, type MatchProgress, type PlaneIds, type SparseOptions } from './sparse.js';

export type { MatchProgress, PlaneIds } from './sparse.js';

/** The original's epsilon in precision / recall / F1 denominators. */
export const EPS = 1e-12;

/** A dense row-major matrix of float64 values. */
export interface DistanceMatrix {
  data: Float64Array;
  nRows: number;
  nCols: number;
}

/**
 * `scipy.spatial.distance.cdist(pred, true, "euclidean")`: rows = pred, cols = true,
 * entry = sqrt((dr)^2 + (dc)^2) evaluated in that order (not `Math.hypot`, which rounds
 * differently).
 */
export function distanceMatrix(pred: readonly Point[], truth: readonly Point[]): DistanceMatrix {
  const nRows = pred.length;
  const nCols = truth.length;
  const data = new Float64Array(nRows * nCols);
  for (let i = 0; i < nRows; i++) {
    const pr = pred[i][0];
    const pc = pred[i][1];
    const base = i * nCols;
    for (let j = 0; j < nCols; j++) {
      const dr = pr - truth[j][0];
      const dc = pc - truth[j][1];
      data[base + j] = Math.sqrt(dr * dr + dc * dc);
    }
  }
  return { data, nRows, nCols };
}

/** Transpose of a matrix (new buffer). */
export function transposeMatrix(m: DistanceMatrix): DistanceMatrix {
  const { nRows, nCols, data } = m;
  const out = new Float64Array(nRows * nCols);
  for (let i = 0; i < nRows; i++) {
    const base = i * nCols;
    for (let j = 0; j < nCols; j++) out[j * nRows + i] = data[base + j];
  }
  return { data: out, nRows: nCols, nCols: nRows };
}

/** The largest value (NaN wins, as numpy's max). */
export function maxOf(a: Float64Array): number {
  let m = -Infinity;
  for (let k = 0; k < a.length; k++) if (a[k] > m || a[k] !== a[k]) m = a[k];
  return m;
}

/**
 * Write `where(M >= cutoff, max(M), M)` into `out` (deepBlink's replacement of entries at or
 * beyond the cutoff by the matrix maximum; with cutoff 0 the matrix is copied unchanged).
 */
function replaceBeyondCutoff(src: Float64Array, cutoff: number, max: number, out: Float64Array): void {
  const n = src.length;
  if (cutoff === 0) {
    out.set(src.subarray(0, n));
    return;
  }
  for (let k = 0; k < n; k++) {
    const x = src[k];
    out[k] = x >= cutoff ? max : x;
  }
}

/**
 * deepBlink's `linear_sum_assignment(matrix, cutoff)` (section 6 step 3):
 * if the matrix is empty there are no pairs; with `cutoff === null` it is plain scipy
 * assignment; otherwise entries `>= cutoff` are replaced by `max(M)` (unless cutoff is 0), the
 * replaced matrix M' is solved with scipy's algorithm, and only pairs with `M'[r, c] <= cutoff`
 * are kept. Note this minimises cost with the max-penalty and may keep fewer pairs than a
 * maximum-cardinality matching under the cutoff (a documented quirk of the original).
 */
export function thresholdedAssignment(m: DistanceMatrix, cutoff: number | null): Assignment {
  const { data, nRows, nCols } = m;
  if (nRows * nCols === 0) return { rows: [], cols: [] };
  const solver = new LinearSumAssignmentSolver();
  if (cutoff === null) return solver.solve(data, nRows, nCols);
  const replaced = new Float64Array(data.length);
  replaceBeyondCutoff(data, cutoff, maxOf(data), replaced);
  const a = solver.solve(replaced, nRows, nCols);
  const rows: number[] = [];
  const cols: number[] = [];
  for (let k = 0; k < a.rows.length; k++) {
    if (replaced[a.rows[k] * nCols + a.cols[k]] <= cutoff) {
      rows.push(a.rows[k]);
      cols.push(a.cols[k]);
    }
  }
  return { rows, cols };
}

/** Scores at one cutoff (deepBlink's `_f1_at_cutoff`). */
export interface CutoffScore {
  cutoff: number;
  /** `2PR / (P + R + EPS)`; a perfect score is 0.99999999999949..., not exactly 1. */
  f1: number;
  /** `tp / (tp + fp + EPS)`. */
  precision: number;
  /** `tp / (tp + fn + EPS)`. */
  recall: number;
  /** Pairs kept by the true <- pred solve (on the transposed matrix, rows = true). */
  tp: number;
  /** Pairs kept by the pred <- true solve (rows = pred); fp = nPred - predSideMatches. */
  predSideMatches: number;
  fp: number;
  fn: number;
  /** Kept pairs of the true <- pred solve, true index ascending (scipy order). */
  trueIdx: number[];
  predIdx: number[];
  /** Euclidean distance of each kept pair (same order as trueIdx). */
  distances: number[];
}

function checkPoints(points: readonly Coordinates[], name: string, dims: 2 | 3 = 2): void {
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (
      dims === 3 ? p.length < 3 || !Number.isFinite(p[0]) || !Number.isFinite(p[1]) || !Number.isFinite(p[2]) : !Number.isFinite(p[0]) || !Number.isFinite(p[1])
    ) {
      throw new RangeError(`${name}[${i}] is not a finite ${dims === 3 ? '[z, row, col]' : '[row, col]'} point: ${JSON.stringify(p)}`);
    }
  }
}

/**
 * F1 (and its parts) at one distance cutoff, exactly as deepBlink's `_f1_at_cutoff`:
 * `a` = pairs kept solving D (rows = pred), `tp` = pairs kept solving D^T (rows = true),
 * `fn = nTrue - tp`, `fp = nPred - a`, `recall = tp/(tp+fn+EPS)`, `precision = tp/(tp+fp+EPS)`,
 * `f1 = 2PR/(P+R+EPS)`. An empty set gives f1 = 0.
 */
export function f1AtCutoff(pred: readonly Point[], truth: readonly Point[], cutoff: number, options: ScaleOptions = {}): CutoffScore {
  checkPoints(pred, 'pred');
  checkPoints(truth, 'truth');
  const m = blinkMatch(pred, truth, [cutoff], sparseOptions(options));
  return score(cutoff, pred.length, truth.length, m.tp[0], m.predSideMatches[0], m.trueIdx, m.predIdx, m.distances);
}

function score(
  cutoff: number,
  nPred: number,
  nTrue: number,
  tp: number,
  predSideMatches: number,
  trueIdx: number[],
  predIdx: number[],
  distances: number[],
): CutoffScore {
  const fn = nTrue - tp;
  const fp = nPred - predSideMatches;
  const recall = tp / (tp + fn + EPS);
  const precision = tp / (tp + fp + EPS);
  const f1 = (2 * precision * recall) / (precision + recall + EPS);
  return { cutoff, f1, precision, recall, tp, predSideMatches, fp, fn, trueIdx, predIdx, distances };
}

/** How the matchings handle many spots and stacks (both metrics). */
export interface ScaleOptions {
  /**
   * The plane of every spot (one number per point, e.g. an index of its (c, t, z) plane): spots
   * are matched only within their plane, and counts and distances are pooled over the planes.
   */
  planes?: PlaneIds;
  /** Progress of a long matching (work units done of total). */
  onProgress?: MatchProgress;
  /**
   * Largest cluster solved, in predicted × true spots chained within the cutoff (default 2^24);
   * a larger one is a UserError.
   */
  maxComponentPairs?: number;
  /**
   * Up to this many predicted × true pairs (summed over the planes), every plane is solved whole,
   * as the original does (default 2^20); above, component by component (the same result except
   * on exact ties).
   */
  wholePlanePairs?: number;
}

function sparseOptions(o: ScaleOptions): SparseOptions {
  return { planes: o.planes, onProgress: o.onProgress, maxComponentPairs: o.maxComponentPairs, wholePlanePairs: o.wholePlanePairs };
}

/** Options of the deepBlink metrics. */
export interface MetricsOptions extends ScaleOptions {
  /** Largest cutoff in px (default 3). */
  mdist?: number;
  /** Number of cutoffs in linspace(0, mdist, n) (default 50, the original's fixed value). */
  nCutoffs?: number;
}

/**
 * deepBlink's F1 integral: `trapz(f1(cutoffs), cutoffs) / mdist` with
 * `cutoffs = linspace(0, mdist, nCutoffs)`; 0 when either set is empty.
 */
export function f1Integral(pred: readonly Point[], truth: readonly Point[], options: MetricsOptions = {}): number {
  return computeMetrics(pred, truth, options).f1Integral;
}

/** Result of {@link computeMetrics}. Per-cutoff arrays have one entry per cutoff. */
export interface MetricsResult {
  cutoffs: number[];
  f1Scores: number[];
  /** True-side matches (true <- pred solve) per cutoff. */
  tp: number[];
  /** Pred-side matches (pred <- true solve) per cutoff. */
  predSideMatches: number[];
  /** Mean distance of the kept pairs per cutoff; 0 (not NaN) when none. */
  absEuclidean: number[];
  /** Area under F1 vs cutoff divided by mdist ("F1 integral"). */
  f1Integral: number;
  /** F1 at the last cutoff (= mdist): the paper's "F1 @3px". */
  f1AtMdist: number;
  /**
   * The original's "RMSE": sum over all cutoffs and kept pairs of the distance, divided by
   * (total number of kept pairs + 1e-10). A pooled mean Euclidean distance, not an RMS.
   */
  meanEuclidean: number;
  /** Kept pairs summed over all cutoffs (denominator of meanEuclidean). */
  totalAssignments: number;
  /** Precision at mdist, `tp/(tp+fp+EPS)` (addition of this port). */
  precisionAtMdist: number;
  /** Recall at mdist, `tp/(tp+fn+EPS)` (addition of this port). */
  recallAtMdist: number;
  /** sqrt(mean d^2) of the pairs kept at mdist; NaN when none (addition of this port). */
  rmseAtMdist: number;
  /** Pairs kept at mdist (true <- pred solve), true index ascending. */
  pairsAtMdist: { trueIdx: number[]; predIdx: number[] };
}

/**
 * deepBlink's `compute_metrics(pred, true, mdist)` plus precision / recall / RMSE at mdist.
 * Either set empty: every score is 0 (rmseAtMdist NaN), as in the original.
 */
export function computeMetrics(pred: readonly Point[], truth: readonly Point[], options: MetricsOptions = {}): MetricsResult {
  return metricsOf(pred, truth, options, 2);
}

/** computeMetrics on `[row, col]` (dims 2) or `[z, row, col]` points in one unit (dims 3). */
function metricsOf(pred: readonly Coordinates[], truth: readonly Coordinates[], options: MetricsOptions, dims: 2 | 3): MetricsResult {
  const mdist = options.mdist ?? 3.0;
  const nCutoffs = options.nCutoffs ?? 50;
  if (!(nCutoffs >= 1) || !Number.isInteger(nCutoffs)) throw new RangeError(`nCutoffs must be a positive integer, got ${nCutoffs}`);
  const cutoffs = linspace(0, mdist, nCutoffs);
  const f1Scores = new Array<number>(nCutoffs).fill(0);
  const tp = new Array<number>(nCutoffs).fill(0);
  const predSideMatches = new Array<number>(nCutoffs).fill(0);
  const absEuclidean = new Array<number>(nCutoffs).fill(0);
  const empty = pred.length === 0 || truth.length === 0;

  let totalEuclidean = 0;
  let totalAssignments = 0;
  let last: CutoffScore | undefined;
  if (!empty) {
    checkPoints(pred, 'pred', dims);
    checkPoints(truth, 'truth', dims);
    const m = blinkMatch(pred, truth, cutoffs, { ...sparseOptions(options), dims });
    for (let k = 0; k < nCutoffs; k++) {
      const n = m.tp[k];
      f1Scores[k] = score(cutoffs[k], pred.length, truth.length, n, m.predSideMatches[k], [], [], []).f1;
      tp[k] = n;
      predSideMatches[k] = m.predSideMatches[k];
      absEuclidean[k] = n ? m.sums[k] / n : 0;
      totalEuclidean += m.sums[k];
      totalAssignments += n;
    }
    last = score(cutoffs[nCutoffs - 1], pred.length, truth.length, m.tp[nCutoffs - 1], m.predSideMatches[nCutoffs - 1], m.trueIdx, m.predIdx, m.distances);
  }
  const f1Integral = trapezoid(f1Scores, cutoffs) / mdist;
  const meanEuclidean = totalEuclidean / (totalAssignments + 1e-10);

  let rmseAtMdist = NaN;
  const pairsAtMdist = { trueIdx: last ? last.trueIdx : [], predIdx: last ? last.predIdx : [] };
  if (last && last.tp > 0) {
    let sq = 0;
    for (let k = 0; k < last.tp; k++) {
      const t = truth[last.trueIdx[k]];
      const p = pred[last.predIdx[k]];
      if (dims === 3) {
        const dz = t[0] - p[0];
        const dr = t[1] - p[1];
        const dc = t[2] - p[2];
        sq += dr * dr + dc * dc + dz * dz;
      } else {
        const dr = t[0] - p[0];
        const dc = t[1] - p[1];
        sq += dr * dr + dc * dc;
      }
    }
    rmseAtMdist = Math.sqrt(sq / last.tp);
  }
  return {
    cutoffs,
    f1Scores,
    tp,
    predSideMatches,
    absEuclidean,
    f1Integral,
    f1AtMdist: f1Scores[nCutoffs - 1],
    meanEuclidean,
    totalAssignments,
    precisionAtMdist: last ? last.precision : 0,
    recallAtMdist: last ? last.recall : 0,
    rmseAtMdist,
    pairsAtMdist,
  };
}

// ---------------------------------------------------------------------------------------------
// Spotiflow-style matching
// ---------------------------------------------------------------------------------------------

/** Options of the Spotiflow-style matching. */
export interface MatchingOptions extends ScaleOptions {
  /** Distance in px under which (<=) a pair is a true positive (default 3). */
  cutoff?: number;
  /**
   * Spotiflow adds eps = 1e-8 to TP in every ratio (so that an image with nothing to find and
   * nothing found scores 1). Default 0 here: plain ratios, 0/0 gives 0. Pass 1e-8 to
   * reproduce Spotiflow's numbers exactly.
   */
  eps?: number;
}

/** Matching scores (Spotiflow's `points_matching` fields). */
export interface MatchingScores {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  /** `2TP / (2TP + FP + FN)`. */
  f1: number;
  /** `TP / (TP + FP + FN)`. */
  accuracy: number;
  /** `sum_TP (cutoff - d) / cutoff / (TP + FP/2 + FN/2)`. */
  panopticQuality: number;
  /** Mean distance of the true positives; 0 when none (as Spotiflow). */
  meanDist: number;
}

/** One image's matching: scores plus the matched pairs. */
export interface ImageMatching extends MatchingScores {
  /** Matched pairs, true index ascending. */
  trueIdx: number[];
  predIdx: number[];
  /** Distance of each matched pair. */
  distances: number[];
}

function ratios(tp: number, fp: number, fn: number, dists: readonly number[], cutoff: number, eps: number): MatchingScores {
  const tpE = tp + eps;
  const ok = tpE > 0;
  const pqNum = dists.length ? pairwiseSum(dists.map((d) => cutoff - d)) / cutoff : 0;
  return {
    tp,
    fp,
    fn,
    accuracy: ok ? tpE / (tpE + fp + fn) : 0,
    precision: ok ? tpE / (tpE + fp) : 0,
    recall: ok ? tpE / (tpE + fn) : 0,
    f1: ok ? (2 * tpE) / (2 * tpE + fp + fn) : 0,
    panopticQuality: ok ? pqNum / (tpE + fp / 2 + fn / 2) : 0,
    meanDist: dists.length ? pairwiseSum(dists) / dists.length : 0,
  };
}

/**
 * Spotiflow's `points_matching(p1=truth, p2=pred, cutoff_distance)`: cost = squared distance
 * (rows = truth, cols = pred); entries with d^2 > cutoff^2 are replaced by
 * 1e10 * (1 + max d^2) so that the solver first maximises the number of valid pairs; a pair
 * is valid if d^2 <= cutoff^2. With `planes`, per plane (max d^2 of the plane), pooled.
 */
export function pointsMatching(pred: readonly Point[], truth: readonly Point[], options: MatchingOptions = {}): ImageMatching {
  return matchingOf(pred, truth, options, 2);
}

function matchingOf(pred: readonly Coordinates[], truth: readonly Coordinates[], options: MatchingOptions, dims: 2 | 3): ImageMatching {
  const cutoff = options.cutoff ?? 3;
  const eps = options.eps ?? 0;
  checkPoints(pred, 'pred', dims);
  checkPoints(truth, 'truth', dims);
  const nT = truth.length;
  const nP = pred.length;
  const { trueIdx, predIdx, distances } = flowMatch(pred, truth, cutoff, { ...sparseOptions(options), dims });
  const tp = trueIdx.length;
  return { ...ratios(tp, nP - tp, nT - tp, distances, cutoff, eps), trueIdx, predIdx, distances };
}

/** One image of a dataset for {@link pooledMatching}. */
export interface ImagePoints {
  pred: readonly Point[];
  truth: readonly Point[];
  /** Plane of every spot, to match within planes (see {@link ScaleOptions.planes}). */
  planes?: PlaneIds;
}

/**
 * Spotiflow's `points_matching_dataset(..., by_image=False)`: TP/FP/FN and the true-positive
 * distances are pooled over all images, then precision, recall, F1 @ cutoff and PQ are
 * computed once. An empty dataset (or only empty images) gives zeros with eps = 0.
 */
export function pooledMatching(images: readonly ImagePoints[], cutoffOrOptions: number | MatchingOptions = 3): MatchingScores & { perImage: ImageMatching[] } {
  const options = typeof cutoffOrOptions === 'number' ? { cutoff: cutoffOrOptions } : cutoffOrOptions;
  const cutoff = options.cutoff ?? 3;
  const eps = options.eps ?? 0;
  const perImage = images.map((im) => pointsMatching(im.pred, im.truth, { ...options, cutoff, eps, planes: im.planes, onProgress: undefined }));
  return { ...poolMatchings(perImage, { cutoff, eps }), perImage };
}

/** The pooled scores of per-image matchings made with the same cutoff and eps (see {@link pooledMatching}). */
export function poolMatchings(perImage: readonly ImageMatching[], options: Pick<MatchingOptions, 'cutoff' | 'eps'> = {}): MatchingScores {
  const cutoff = options.cutoff ?? 3;
  const eps = options.eps ?? 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const dists: number[] = [];
  for (const s of perImage) {
    tp += s.tp;
    fp += s.fp;
    fn += s.fn;
    for (const d of s.distances) dists.push(d);
  }
  return ratios(tp, fp, fn, dists, cutoff, eps);
}

// ---------------------------------------------------------------------------------------------
// 3-D
// ---------------------------------------------------------------------------------------------

/** Size of a voxel `[z, y, x]` (e.g. µm per slice, per row, per column); `[1, 1, 1]`: distances in voxels. */
export type VoxelSize = [number, number, number];

/** Error of one axis over the matched pairs: predicted − true. */
export interface AxisError {
  /** Root-mean-square of predicted − true, in the physical unit of the voxel size. */
  rmse: number;
  /** Mean of predicted − true (signed: positive = predictions too high), physical unit. */
  bias: number;
  /** {@link AxisError.rmse} in voxels (slices / rows / columns). */
  rmseVoxels: number;
  /** {@link AxisError.bias} in voxels. */
  biasVoxels: number;
}

/** Per-axis errors of matched pairs (NaN everywhere when there is none). */
export interface AxisErrors {
  z: AxisError;
  y: AxisError;
  x: AxisError;
  /** Number of pairs they are computed from. */
  pairs: number;
}

/** Options of the 3-D metrics: distances and cutoffs in the unit of `voxelSize`. */
export interface Metrics3dOptions extends MetricsOptions {
  /** Voxel size `[z, y, x]` (default `[1, 1, 1]`: distances in voxels). */
  voxelSize?: VoxelSize;
}

/** {@link computeMetrics} in 3-D plus the per-axis errors of the pairs matched at mdist. */
export interface Metrics3dResult extends MetricsResult {
  axisErrors: AxisErrors;
  voxelSize: VoxelSize;
}

function checkVoxelSize(v: VoxelSize | undefined): VoxelSize {
  const vs = v ?? [1, 1, 1];
  if (vs.length !== 3 || !vs.every((x) => Number.isFinite(x) && x > 0))
    throw new RangeError(`voxelSize must be 3 positive numbers [z, y, x], got ${JSON.stringify(v)}`);
  return [vs[0], vs[1], vs[2]];
}

/** The points in physical units: [z·vz, y·vy, x·vx]. */
export function scalePoints(points: readonly Point3[], voxelSize: VoxelSize): Point3[] {
  const [vz, vy, vx] = voxelSize;
  return points.map((p) => [p[0] * vz, p[1] * vy, p[2] * vx]);
}

/**
 * RMSE and bias (mean of predicted − true) per axis of the pairs `(truth[trueIdx[k]],
 * pred[predIdx[k]])`, in voxels and in the unit of `voxelSize`.
 */
export function axisErrors(
  pred: readonly Point3[],
  truth: readonly Point3[],
  pairs: { trueIdx: readonly number[]; predIdx: readonly number[] },
  voxelSize: VoxelSize = [1, 1, 1],
): AxisErrors {
  const n = pairs.trueIdx.length;
  const sum = [0, 0, 0];
  const sq = [0, 0, 0];
  for (let k = 0; k < n; k++) {
    const t = truth[pairs.trueIdx[k]];
    const p = pred[pairs.predIdx[k]];
    for (let a = 0; a < 3; a++) {
      const d = p[a] - t[a];
      sum[a] += d;
      sq[a] += d * d;
    }
  }
  const axis = (a: number): AxisError => {
    const rmseVoxels = n ? Math.sqrt(sq[a] / n) : NaN;
    const biasVoxels = n ? sum[a] / n : NaN;
    return { rmse: rmseVoxels * voxelSize[a], bias: biasVoxels * voxelSize[a], rmseVoxels, biasVoxels };
  };
  return { z: axis(0), y: axis(1), x: axis(2), pairs: n };
}

/**
 * deepBlink's metrics ({@link computeMetrics}) on 3-D points `[z, y, x]` in voxels: every point
 * is scaled to physical units (z·vz, y·vy, x·vx) and pairs are matched on their 3-D Euclidean
 * distance; `mdist` (and every cutoff, distance, RMSE) is in the unit of `voxelSize` (voxels by
 * default). Adds the per-axis errors of the pairs matched at mdist. `planes` (e.g. channel and
 * time point) still keeps spots of different planes apart.
 */
export function computeMetrics3d(pred: readonly Point3[], truth: readonly Point3[], options: Metrics3dOptions = {}): Metrics3dResult {
  const voxelSize = checkVoxelSize(options.voxelSize);
  checkPoints(pred, 'pred', 3);
  checkPoints(truth, 'truth', 3);
  const m = metricsOf(scalePoints(pred, voxelSize), scalePoints(truth, voxelSize), options, 3);
  return { ...m, axisErrors: axisErrors(pred, truth, m.pairsAtMdist, voxelSize), voxelSize };
}

/** Options of the 3-D Spotiflow-style matching: cutoff in the unit of `voxelSize`. */
export interface Matching3dOptions extends MatchingOptions {
  /** Voxel size `[z, y, x]` (default `[1, 1, 1]`: distances in voxels). */
  voxelSize?: VoxelSize;
}

/**
 * {@link pointsMatching} on 3-D points `[z, y, x]` in voxels, matched on the 3-D Euclidean
 * distance in physical units (see {@link computeMetrics3d}), plus the per-axis errors of the
 * matched pairs.
 */
export function pointsMatching3d(
  pred: readonly Point3[],
  truth: readonly Point3[],
  options: Matching3dOptions = {},
): ImageMatching & { axisErrors: AxisErrors } {
  const voxelSize = checkVoxelSize(options.voxelSize);
  checkPoints(pred, 'pred', 3);
  checkPoints(truth, 'truth', 3);
  const m = matchingOf(scalePoints(pred, voxelSize), scalePoints(truth, voxelSize), options, 3);
  return { ...m, axisErrors: axisErrors(pred, truth, m, voxelSize) };
}
