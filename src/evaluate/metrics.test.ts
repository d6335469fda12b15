import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Point, Point3 } from '../core/types.js';
import { Rng } from '../math/rng.js';
import { sharedPath } from '../testutil/shared.js';
import {
  EPS,
  computeMetrics,
  computeMetrics3d,
  pointsMatching3d,
  type VoxelSize,
  distanceMatrix,
  f1AtCutoff,
  f1Integral,
  pointsMatching,
  pooledMatching,
  thresholdedAssignment,
  transposeMatrix,
} from './metrics.js';
import { linspace } from '../math/numpy.js';

interface EvaluationCase {
  name: string;
  mdist: number;
  n_cutoffs: number;
  pred: Point[];
  true: Point[];
  expected: {
    cutoffs: number[];
    f1_scores: number[];
    tp: number[];
    pred_side_matches: number[];
    abs_euclidean: number[];
    f1_integral: number;
    f1_at_mdist: number;
    mean_euclidean: number;
    total_assignments: number;
  };
}

interface SingleCutoffCase {
  name: string;
  pred: Point[];
  true: Point[];
  cutoff: number;
  expected: { f1: number; tp: number; pred_side_matches: number; true_idx: number[]; pred_idx: number[] };
}

/** Golden values; reading throws (and the tests fail) when shared/ is missing. */
const golden = JSON.parse(readFileSync(sharedPath('reference', 'metric_cases.json'), 'utf8')) as {
  default_cutoffs_mdist3_n50: number[];
  evaluation_cases: EvaluationCase[];
  single_cutoff_cases: SingleCutoffCase[];
};

/** |a - b| <= tol * max(1, |b|): absolute near 0, relative for large values. */
function close(actual: number, expected: number, what: string, tol = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

function closeAll(actual: readonly number[], expected: readonly number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  expected.forEach((e, k) => close(actual[k], e, `${what}[${k}]`));
}

test('golden: default cutoffs = linspace(0, 3, 50)', () => {
  closeAll(linspace(0, 3, 50), golden.default_cutoffs_mdist3_n50, 'cutoffs');
  assert.equal(linspace(0, 3, 50)[49], 3);
});

test('golden: all 15 evaluation cases', () => {
  assert.equal(golden.evaluation_cases.length, 15);
  for (const c of golden.evaluation_cases) {
    const r = computeMetrics(c.pred, c.true, { mdist: c.mdist, nCutoffs: c.n_cutoffs });
    const e = c.expected;
    closeAll(r.cutoffs, e.cutoffs, `${c.name} cutoffs`);
    closeAll(r.f1Scores, e.f1_scores, `${c.name} f1_scores`);
    assert.deepEqual(r.tp, e.tp, `${c.name} tp`);
    assert.deepEqual(r.predSideMatches, e.pred_side_matches, `${c.name} pred_side_matches`);
    closeAll(r.absEuclidean, e.abs_euclidean, `${c.name} abs_euclidean`);
    close(r.f1Integral, e.f1_integral, `${c.name} f1_integral`);
    close(r.f1AtMdist, e.f1_at_mdist, `${c.name} f1_at_mdist`);
    close(r.meanEuclidean, e.mean_euclidean, `${c.name} mean_euclidean`);
    assert.equal(r.totalAssignments, e.total_assignments, `${c.name} total_assignments`);
    close(f1Integral(c.pred, c.true, { mdist: c.mdist, nCutoffs: c.n_cutoffs }), e.f1_integral, `${c.name} f1Integral()`);
  }
});

test('golden: all single-cutoff cases (pairs in scipy order)', () => {
  assert.equal(golden.single_cutoff_cases.length, 5);
  for (const c of golden.single_cutoff_cases) {
    const r = f1AtCutoff(c.pred, c.true, c.cutoff);
    close(r.f1, c.expected.f1, `${c.name} f1`);
    assert.equal(r.tp, c.expected.tp, `${c.name} tp`);
    assert.equal(r.predSideMatches, c.expected.pred_side_matches, `${c.name} pred_side_matches`);
    assert.deepEqual(r.trueIdx, c.expected.true_idx, `${c.name} true_idx`);
    assert.deepEqual(r.predIdx, c.expected.pred_idx, `${c.name} pred_idx`);
  }
});

test('distance matrix: rows = pred, cols = true, sqrt(dr^2 + dc^2)', () => {
  const d = distanceMatrix(
    [
      [0, 0],
      [1, 1],
    ],
    [
      [3, 4],
      [1, 1],
      [0, 0.5],
    ],
  );
  assert.equal(d.nRows, 2);
  assert.equal(d.nCols, 3);
  assert.deepEqual(Array.from(d.data), [5, Math.sqrt(2), 0.5, Math.sqrt(13), 0, Math.sqrt(1 + 0.25)]);
  const t = transposeMatrix(d);
  assert.deepEqual([t.nRows, t.nCols], [3, 2]);
  assert.equal(t.data[1 * 2 + 0], Math.sqrt(2));
});

test('thresholded assignment: boundary rules of the original', () => {
  // single pair at exactly 3 px: d == cutoff == max(D) -> kept
  let m = distanceMatrix([[0, 0]], [[3, 0]]);
  assert.deepEqual(thresholdedAssignment(m, 3), { rows: [0], cols: [0] });
  // two such pairs far apart: max(D) > cutoff -> replaced by max and dropped
  m = distanceMatrix(
    [
      [0, 0],
      [100, 0],
    ],
    [
      [3, 0],
      [103, 0],
    ],
  );
  assert.deepEqual(thresholdedAssignment(m, 3), { rows: [], cols: [] });
  // cutoff 0 keeps exact duplicates only; null = plain scipy assignment
  m = distanceMatrix(
    [
      [1, 1],
      [2, 2],
    ],
    [
      [1, 1],
      [2, 2.001],
    ],
  );
  assert.deepEqual(thresholdedAssignment(m, 0), { rows: [0], cols: [0] });
  assert.deepEqual(thresholdedAssignment(m, null), { rows: [0, 1], cols: [0, 1] });
  // empty matrix
  assert.deepEqual(thresholdedAssignment(distanceMatrix([], [[1, 1]]), 1), { rows: [], cols: [] });
});

/** Reference implementation straight from the definition: two independent thresholded solves. */
function naiveAtCutoff(pred: Point[], truth: Point[], cutoff: number) {
  const d = distanceMatrix(pred, truth);
  const a = thresholdedAssignment(d, cutoff);
  const t = thresholdedAssignment(transposeMatrix(d), cutoff);
  return { predSide: a.rows.length, trueIdx: t.rows, predIdx: t.cols };
}

test('optimised evaluator equals the two independent solves (ties, all shape combinations)', () => {
  let seed = 42;
  const rand = (): number => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const cutoffs = linspace(0, 3, 50);
  for (let t = 0; t < 60; t++) {
    const nP = Math.floor(rand() * 9);
    const nT = Math.floor(rand() * 9);
    // points on a coarse lattice: many equal distances and exact duplicates
    const lattice = t % 2 === 0;
    const pt = (): Point => (lattice ? [Math.floor(rand() * 5), Math.floor(rand() * 5)] : [rand() * 8, rand() * 8]);
    const pred = Array.from({ length: nP }, pt);
    const truth = Array.from({ length: nT }, pt);
    const r = computeMetrics(pred, truth);
    for (const [k, cutoff] of cutoffs.entries()) {
      const n = naiveAtCutoff(pred, truth, cutoff);
      assert.equal(r.predSideMatches[k], n.predSide, `case ${t} cutoff ${k} pred side`);
      assert.equal(r.tp[k], n.trueIdx.length, `case ${t} cutoff ${k} tp`);
      if (k === cutoffs.length - 1) {
        assert.deepEqual(r.pairsAtMdist, { trueIdx: n.trueIdx, predIdx: n.predIdx }, `case ${t} pairs`);
      }
    }
  }
});

test('empty sets give the documented zeros', () => {
  const some: Point[] = [
    [1, 1],
    [5, 5],
  ];
  for (const [pred, truth] of [
    [[], some],
    [some, []],
    [[], []],
  ] as [Point[], Point[]][]) {
    const r = computeMetrics(pred, truth);
    assert.equal(r.cutoffs.length, 50);
    assert.deepEqual(r.f1Scores, new Array(50).fill(0));
    assert.deepEqual(r.tp, new Array(50).fill(0));
    assert.deepEqual(r.predSideMatches, new Array(50).fill(0));
    assert.deepEqual(r.absEuclidean, new Array(50).fill(0));
    assert.equal(r.f1Integral, 0);
    assert.equal(r.f1AtMdist, 0);
    assert.equal(r.meanEuclidean, 0);
    assert.equal(r.totalAssignments, 0);
    assert.equal(r.precisionAtMdist, 0);
    assert.equal(r.recallAtMdist, 0);
    assert.ok(Number.isNaN(r.rmseAtMdist));
    assert.equal(f1AtCutoff(pred, truth, 3).f1, 0);
  }
});

test('precision, recall and true RMSE at mdist (hand case)', () => {
  const pred: Point[] = [
    [0, 0],
    [10, 10],
    [50, 50],
  ];
  const truth: Point[] = [
    [0, 1],
    [10, 12],
  ];
  const r = computeMetrics(pred, truth);
  assert.equal(r.tp[49], 2);
  close(r.precisionAtMdist, 2 / (3 + EPS), 'precision');
  close(r.recallAtMdist, 2 / (2 + EPS), 'recall');
  close(r.rmseAtMdist, Math.sqrt((1 + 4) / 2), 'rmse');
  assert.deepEqual(r.pairsAtMdist, { trueIdx: [0, 1], predIdx: [0, 1] });
  // mean Euclidean pools every cutoff: d = 1 is kept for cutoffs > 1, d = 2 for cutoffs > 2
  const n1 = r.cutoffs.filter((c) => c > 1).length;
  const n2 = r.cutoffs.filter((c) => c > 2).length;
  close(r.meanEuclidean, (n1 * 1 + n2 * 2) / (n1 + n2 + 1e-10), 'mean euclidean');
  assert.equal(r.totalAssignments, n1 + n2);
});

test('rejects non-finite coordinates', () => {
  assert.throws(() => computeMetrics([[NaN, 1]], [[1, 1]]), /finite/);
  assert.throws(() => pointsMatching([[1, 1]], [[1, Infinity]]), /finite/);
});

test('Spotiflow matching: pooled F1 and PQ by hand', () => {
  const images = [
    {
      pred: [
        [0, 1],
        [10, 12],
        [40, 40],
      ] as Point[],
      truth: [
        [0, 0],
        [10, 10],
        [20, 20],
      ] as Point[],
    },
    { pred: [] as Point[], truth: [[5, 5]] as Point[] },
    { pred: [[1, 1]] as Point[], truth: [] as Point[] },
  ];
  const r = pooledMatching(images, 3);
  assert.deepEqual([r.tp, r.fp, r.fn], [2, 2, 2]);
  close(r.precision, 0.5, 'precision');
  close(r.recall, 0.5, 'recall');
  close(r.f1, 0.5, 'f1');
  close(r.accuracy, 2 / 6, 'accuracy');
  // PQ = ((3 - 1) + (3 - 2)) / 3 / (2 + 2/2 + 2/2) = 1 / 4
  close(r.panopticQuality, 0.25, 'PQ');
  close(r.meanDist, 1.5, 'mean dist');
  assert.deepEqual(
    r.perImage.map((s) => [s.tp, s.fp, s.fn]),
    [
      [2, 1, 1],
      [0, 0, 1],
      [0, 1, 0],
    ],
  );
  assert.deepEqual(r.perImage[0].trueIdx, [0, 1]);
  assert.deepEqual(r.perImage[0].predIdx, [0, 1]);
  // Spotiflow's eps = 1e-8 variant
  const s = pooledMatching(images, { cutoff: 3, eps: 1e-8 });
  close(s.precision, (2 + 1e-8) / (4 + 1e-8), 'eps precision');
  close(s.panopticQuality, 1 / (4 + 1e-8), 'eps PQ');
});

test('Spotiflow matching: d == cutoff is a match, max-cardinality unlike deepBlink', () => {
  const m = pointsMatching([[3, 0]], [[0, 0]], { cutoff: 3 });
  assert.equal(m.tp, 1);
  assert.equal(m.panopticQuality, 0);
  assert.equal(m.distances[0], 3);
  // deepBlink's hand quirk case: the max-penalty keeps 1 pair, Spotiflow's huge penalty keeps 2
  const pred: Point[] = [
    [0, 0],
    [-1, 2.6],
  ];
  const truth: Point[] = [
    [0, 0.1],
    [2.85, 0],
  ];
  assert.equal(f1AtCutoff(pred, truth, 2.9).tp, 1);
  const s = pointsMatching(pred, truth, { cutoff: 2.9 });
  assert.equal(s.tp, 2);
  assert.deepEqual(s.trueIdx, [0, 1]);
  assert.deepEqual(s.predIdx, [1, 0]);
});

test('Spotiflow matching: empty sets give zeros without crashing', () => {
  const empty = pooledMatching([]);
  assert.deepEqual([empty.tp, empty.fp, empty.fn, empty.precision, empty.recall, empty.f1, empty.panopticQuality, empty.meanDist], [0, 0, 0, 0, 0, 0, 0, 0]);
  const none = pooledMatching([{ pred: [], truth: [] }]);
  assert.equal(none.f1, 0);
  const missed = pointsMatching([], [[1, 1]]);
  assert.deepEqual([missed.tp, missed.fp, missed.fn, missed.f1, missed.panopticQuality], [0, 0, 1, 0, 0]);
  // Spotiflow's eps convention: nothing to find and nothing found scores 1 (PQ stays 0)
  const eps = pooledMatching([{ pred: [], truth: [] }], { eps: 1e-8 });
  assert.equal(eps.f1, 1);
  assert.equal(eps.panopticQuality, 0);
});

// ---------------------------------------------------------------------------------------------
// 3-D
// ---------------------------------------------------------------------------------------------

/** Dense 3-D deepBlink matching at one cutoff: [tp, predSideMatches, sum of kept distances]. */
function dense3d(pred: Point3[], truth: Point3[], cutoff: number): [number, number, number] {
  const data = new Float64Array(pred.length * truth.length);
  for (let i = 0; i < pred.length; i++) {
    for (let j = 0; j < truth.length; j++) {
      const a = pred[i][1] - truth[j][1];
      const b = pred[i][2] - truth[j][2];
      const e = pred[i][0] - truth[j][0];
      data[i * truth.length + j] = Math.sqrt(a * a + b * b + e * e);
    }
  }
  const D = { data, nRows: pred.length, nCols: truth.length };
  const t = thresholdedAssignment(transposeMatrix(D), cutoff);
  const p = thresholdedAssignment(D, cutoff);
  let sum = 0;
  for (let k = 0; k < t.rows.length; k++) sum += data[t.cols[k] * truth.length + t.rows[k]];
  return [t.rows.length, p.rows.length, sum];
}

/** Brute force: most pairs within the cutoff, then least sum of d² (Spotiflow's optimum). */
function bruteForce3d(pred: Point3[], truth: Point3[], cutoff: number): [number, number] {
  const d2 = (i: number, j: number) => (pred[i][0] - truth[j][0]) ** 2 + (pred[i][1] - truth[j][1]) ** 2 + (pred[i][2] - truth[j][2]) ** 2;
  let best: [number, number] = [0, 0];
  const used = new Array<boolean>(pred.length).fill(false);
  const go = (j: number, n: number, s: number) => {
    if (j === truth.length) {
      if (n > best[0] || (n === best[0] && s < best[1])) best = [n, s];
      return;
    }
    go(j + 1, n, s);
    for (let i = 0; i < pred.length; i++) {
      if (used[i] || d2(i, j) > cutoff * cutoff) continue;
      used[i] = true;
      go(j + 1, n + 1, s + d2(i, j));
      used[i] = false;
    }
  };
  go(0, 0, 0);
  return best;
}

function cluster3d(rng: Rng, n: number, centres: Point3[], spread: number): Point3[] {
  return Array.from({ length: n }, () => {
    const c = centres[rng.int(centres.length)];
    return [c[0] + rng.uniformRange(-spread, spread), c[1] + rng.uniformRange(-spread, spread), c[2] + rng.uniformRange(-spread, spread)];
  });
}

test('3-D matching equals a brute-force optimal assignment (Spotiflow-style) and the dense deepBlink matching, split into components', () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 60; trial++) {
    const centres: Point3[] = [
      [2, 5, 5],
      [8, 20, 7],
      [3, 6, 30],
    ];
    const pred = cluster3d(rng, 1 + rng.int(6), centres, 2);
    const truth = cluster3d(rng, 1 + rng.int(6), centres, 2);
    const cutoff = 1 + rng.uniform() * 2;
    const m = pointsMatching3d(pred, truth, { cutoff, wholePlanePairs: 0 });
    const [n, s] = bruteForce3d(pred, truth, cutoff);
    assert.equal(m.tp, n, `trial ${trial}`);
    assert.ok(Math.abs(m.distances.reduce((a, d) => a + d * d, 0) - s) < 1e-9, `trial ${trial}`);
    const r = computeMetrics3d(pred, truth, { mdist: cutoff, nCutoffs: 7, wholePlanePairs: 0 });
    r.cutoffs.forEach((c, k) => {
      const [tp, ps, sum] = dense3d(pred, truth, c);
      assert.equal(r.tp[k], tp, `trial ${trial} cutoff ${c}`);
      assert.equal(r.predSideMatches[k], ps, `trial ${trial} cutoff ${c}`);
      assert.ok(Math.abs(r.absEuclidean[k] * r.tp[k] - sum) < 1e-9);
    });
  }
});

test('3-D: components (exact largest distance from boxes) equal the whole-plane solve on 300 clustered spots', () => {
  const rng = new Rng(3);
  const centres: Point3[] = Array.from({ length: 40 }, () => [rng.uniformRange(0, 20), rng.uniformRange(0, 200), rng.uniformRange(0, 200)]);
  const pred = cluster3d(rng, 300, centres, 1.5);
  const truth = cluster3d(rng, 280, centres, 1.5);
  const v: VoxelSize = [0.3, 0.1, 0.1];
  const whole = computeMetrics3d(pred, truth, { mdist: 0.3, voxelSize: v });
  const split = computeMetrics3d(pred, truth, { mdist: 0.3, voxelSize: v, wholePlanePairs: 0 });
  assert.deepEqual(split.tp, whole.tp);
  assert.deepEqual(split.predSideMatches, whole.predSideMatches);
  assert.equal(split.f1Integral, whole.f1Integral);
  assert.ok(whole.tp[49] > 50);
});

test('3-D: anisotropic voxels decide the match (2 slices apart: 0.6 µm at vz 0.3, 2 µm at vz 1)', () => {
  const truth: Point3[] = [[3, 10, 10]];
  const pred: Point3[] = [[5, 10, 10]];
  assert.equal(pointsMatching3d(pred, truth, { cutoff: 1, voxelSize: [0.3, 0.1, 0.1] }).tp, 1);
  assert.equal(pointsMatching3d(pred, truth, { cutoff: 1, voxelSize: [1, 0.1, 0.1] }).tp, 0);
  const a = computeMetrics3d(pred, truth, { mdist: 1, voxelSize: [0.3, 0.1, 0.1] });
  assert.equal(a.tp[49], 1);
  assert.ok(Math.abs(a.rmseAtMdist - 0.6) < 1e-12);
  assert.equal(computeMetrics3d(pred, truth, { mdist: 1, voxelSize: [1, 0.1, 0.1] }).tp[49], 0);
  // in voxels (default) the pair is 2 apart
  assert.equal(computeMetrics3d(pred, truth, { mdist: 3 }).rmseAtMdist, 2);
});

test('3-D: per-axis bias and RMSE recover a known shift, in voxels and in µm', () => {
  const rng = new Rng(11);
  const truth: Point3[] = Array.from({ length: 60 }, (_, i) => [rng.uniformRange(0, 30), (i % 10) * 20, Math.floor(i / 10) * 20]);
  const shift: Point3 = [0.5, -0.2, 0.1];
  const pred: Point3[] = truth.map((p) => [p[0] + shift[0], p[1] + shift[1], p[2] + shift[2]]);
  const v: VoxelSize = [0.3, 0.1, 0.1];
  const r = computeMetrics3d(pred, truth, { mdist: 0.5, voxelSize: v });
  assert.equal(r.axisErrors.pairs, 60);
  (['z', 'y', 'x'] as const).forEach((k, a) => {
    assert.ok(Math.abs(r.axisErrors[k].biasVoxels - shift[a]) < 1e-9, k);
    assert.ok(Math.abs(r.axisErrors[k].rmseVoxels - Math.abs(shift[a])) < 1e-9, k);
    assert.ok(Math.abs(r.axisErrors[k].bias - shift[a] * v[a]) < 1e-9, k);
    assert.ok(Math.abs(r.axisErrors[k].rmse - Math.abs(shift[a]) * v[a]) < 1e-9, k);
  });
  const f = pointsMatching3d(pred, truth, { cutoff: 0.5, voxelSize: v });
  assert.ok(Math.abs(f.axisErrors.z.bias - 0.15) < 1e-9);
  assert.ok(Number.isNaN(computeMetrics3d([], truth).axisErrors.z.rmse));
});

test('3-D with all points in one slice gives the 2-D scores bit for bit', () => {
  const rng = new Rng(5);
  const pts = (n: number): Point[] => Array.from({ length: n }, () => [rng.uniformRange(0, 40), rng.uniformRange(0, 40)]);
  const pred = pts(80);
  const truth = pts(70);
  const two = computeMetrics(pred, truth);
  const three = computeMetrics3d(
    pred.map((p) => [4, p[0], p[1]]),
    truth.map((p) => [4, p[0], p[1]]),
  );
  assert.deepEqual(three.f1Scores, two.f1Scores);
  assert.equal(three.f1Integral, two.f1Integral);
  assert.equal(three.meanEuclidean, two.meanEuclidean);
  assert.throws(() => computeMetrics3d([[0, 0, 0]], [[0, 0, 0]], { voxelSize: [0, 1, 1] }), /voxelSize/);
});
