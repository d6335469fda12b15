/**
 * The dense implementation of the metrics (src/evaluate/metrics.ts before the component-wise
 * matching of src/evaluate/sparse.ts): one full distance matrix per image. Kept unchanged as
 * the test oracle of the sparse path; not part of the package.
 */
import type { Point } from '../core/types.js';
import { LinearSumAssignmentSolver } from '../evaluate/assignment.js';
// the distance matrix and the thresholded assignment are the ones the whole-plane path still uses
import { EPS, distanceMatrix, maxOf, transposeMatrix, type DistanceMatrix } from '../evaluate/metrics.js';
import { linspace, pairwiseSum, trapezoid } from '../math/numpy.js';

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

/**
 * Evaluates many cutoffs on one pair of point sets, reusing the distance matrices and the
 * solver buffers. When nPred !== nTrue scipy transposes the tall orientation internally, so the
 * pred <- true and true <- pred solves run the identical computation and give the same pairs;
 * the evaluator then solves once. For square matrices both orientations are solved, as the
 * original does (they can differ on ties).
 */
class CutoffEvaluator {
  readonly nPred: number;
  readonly nTrue: number;
  private readonly d: DistanceMatrix;
  private readonly dt: DistanceMatrix;
  private readonly max: number;
  private readonly solver = new LinearSumAssignmentSolver();

  constructor(pred: readonly Point[], truth: readonly Point[]) {
    checkPoints(pred, 'pred');
    checkPoints(truth, 'truth');
    this.nPred = pred.length;
    this.nTrue = truth.length;
    this.d = distanceMatrix(pred, truth);
    this.dt = transposeMatrix(this.d);
    this.max = this.d.data.length ? maxOf(this.d.data) : 0;
  }

  evaluate(cutoff: number): CutoffScore {
    const { nPred, nTrue, max } = this;
    const trueIdx: number[] = [];
    const predIdx: number[] = [];
    const distances: number[] = [];
    let predSideMatches = 0;
    // M' = where(M >= cutoff, max, M) for cutoff != 0, M for cutoff 0; the solver applies the
    // replacement on the fly (`replaceAt`), and `kept` tests M'[r, c] <= cutoff.
    const replaceAt = cutoff === 0 ? Infinity : cutoff;
    const kept = (x: number): boolean => (x >= replaceAt ? max : x) <= cutoff;
    if (nPred > 0 && nTrue > 0) {
      if (nPred >= nTrue) {
        // true <- pred: D'^T is nTrue x nPred (wide or square), scipy solves it as is.
        const dt = this.dt.data;
        const col4row = this.solver.solveCore(dt, nTrue, nPred, replaceAt, max);
        for (let r = 0; r < nTrue; r++) {
          const x = dt[r * nPred + col4row[r]];
          if (kept(x)) {
            trueIdx.push(r);
            predIdx.push(col4row[r]);
            distances.push(x);
          }
        }
        if (nPred === nTrue) {
          // pred <- true on the square D' is a different problem (ties may resolve differently)
          const d = this.d.data;
          const c4r = this.solver.solveCore(d, nPred, nTrue, replaceAt, max);
          for (let r = 0; r < nPred; r++) if (kept(d[r * nTrue + c4r[r]])) predSideMatches++;
        } else {
          // scipy transposes the tall D' into exactly D'^T: same computation, same pairs
          predSideMatches = trueIdx.length;
        }
      } else {
        // nPred < nTrue: pred <- true solves the wide D' as is; true <- pred transposes the
        // tall D'^T back into D' and sorts the pairs by true index.
        const d = this.d.data;
        const col4row = this.solver.solveCore(d, nPred, nTrue, replaceAt, max);
        const keptPred: number[] = [];
        for (let p = 0; p < nPred; p++) if (kept(d[p * nTrue + col4row[p]])) keptPred.push(p);
        keptPred.sort((a, b) => col4row[a] - col4row[b]);
        for (const p of keptPred) {
          trueIdx.push(col4row[p]);
          predIdx.push(p);
          distances.push(d[p * nTrue + col4row[p]]);
        }
        predSideMatches = keptPred.length;
      }
    }
    const tp = trueIdx.length;
    const fn = nTrue - tp;
    const fp = nPred - predSideMatches;
    const recall = tp / (tp + fn + EPS);
    const precision = tp / (tp + fp + EPS);
    const f1 = (2 * precision * recall) / (precision + recall + EPS);
    return { cutoff, f1, precision, recall, tp, predSideMatches, fp, fn, trueIdx, predIdx, distances };
  }
}

function checkPoints(points: readonly Point[], name: string): void {
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (!Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
      throw new RangeError(`${name}[${i}] is not a finite [row, col] point: ${JSON.stringify(p)}`);
    }
  }
}

/**
 * F1 (and its parts) at one distance cutoff, exactly as deepBlink's `_f1_at_cutoff`:
 * `a` = pairs kept solving D (rows = pred), `tp` = pairs kept solving D^T (rows = true),
 * `fn = nTrue - tp`, `fp = nPred - a`, `recall = tp/(tp+fn+EPS)`, `precision = tp/(tp+fp+EPS)`,
 * `f1 = 2PR/(P+R+EPS)`. An empty set gives f1 = 0.
 */
export function f1AtCutoff(pred: readonly Point[], truth: readonly Point[], cutoff: number): CutoffScore {
  return new CutoffEvaluator(pred, truth).evaluate(cutoff);
}

/** Options of the deepBlink metrics. */
export interface MetricsOptions {
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
    const ev = new CutoffEvaluator(pred, truth);
    for (let k = 0; k < nCutoffs; k++) {
      const s = ev.evaluate(cutoffs[k]);
      f1Scores[k] = s.f1;
      tp[k] = s.tp;
      predSideMatches[k] = s.predSideMatches;
      const sum = pairwiseSum(s.distances);
      absEuclidean[k] = s.distances.length ? sum / s.distances.length : 0;
      totalEuclidean += sum;
      totalAssignments += s.distances.length;
      if (k === nCutoffs - 1) last = s;
    }
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
      const dr = t[0] - p[0];
      const dc = t[1] - p[1];
      sq += dr * dr + dc * dc;
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
export interface MatchingOptions {
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
 * is valid if d^2 <= cutoff^2.
 */
export function pointsMatching(pred: readonly Point[], truth: readonly Point[], options: MatchingOptions = {}): ImageMatching {
  const cutoff = options.cutoff ?? 3;
  const eps = options.eps ?? 0;
  checkPoints(pred, 'pred');
  checkPoints(truth, 'truth');
  const nT = truth.length;
  const nP = pred.length;
  const trueIdx: number[] = [];
  const predIdx: number[] = [];
  const distances: number[] = [];
  if (nT > 0 && nP > 0) {
    const d2 = new Float64Array(nT * nP);
    let max = -Infinity;
    for (let i = 0; i < nT; i++) {
      for (let j = 0; j < nP; j++) {
        const dr = truth[i][0] - pred[j][0];
        const dc = truth[i][1] - pred[j][1];
        const v = dr * dr + dc * dc;
        d2[i * nP + j] = v;
        if (v > max) max = v;
      }
    }
    const c2 = cutoff ** 2;
    const penalty = 1e10 * (1 + max);
    for (let k = 0; k < d2.length; k++) if (d2[k] > c2) d2[k] = penalty;
    const a = new LinearSumAssignmentSolver().solve(d2, nT, nP);
    for (let k = 0; k < a.rows.length; k++) {
      const v = d2[a.rows[k] * nP + a.cols[k]];
      if (v <= c2) {
        trueIdx.push(a.rows[k]);
        predIdx.push(a.cols[k]);
        distances.push(Math.sqrt(v));
      }
    }
  }
  const tp = trueIdx.length;
  return { ...ratios(tp, nP - tp, nT - tp, distances, cutoff, eps), trueIdx, predIdx, distances };
}

/** One image of a dataset for {@link pooledMatching}. */
export interface ImagePoints {
  pred: readonly Point[];
  truth: readonly Point[];
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
  const perImage = images.map((im) => pointsMatching(im.pred, im.truth, { cutoff, eps }));
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
  return { ...ratios(tp, fp, fn, dists, cutoff, eps), perImage };
}
