import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Point } from '../core/types.js';
import { DeepblinkError } from '../core/errors.js';
import { linspace } from '../math/numpy.js';
import { computeMetrics, pointsMatching, type MetricsResult } from './metrics.js';
import { maxSquaredDistance, maxSquaredDistance3 } from './sparse.js';
import * as dense from '../testutil/dense-metrics.js';

function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
}

type Kind = 'uniform' | 'clusters' | 'jitter' | 'duplicates' | 'lattice';

/** A random pair of point sets of one kind (a few to ~40 spots, several components). */
function pointSets(kind: Kind, rand: () => number): { pred: Point[]; truth: Point[] } {
  const nT = 1 + Math.floor(rand() * 40);
  const nP = rand() < 0.3 ? nT : 1 + Math.floor(rand() * 40);
  const W = 10 + rand() * 60;
  const g = (): Point => [rand() * W, rand() * W];
  switch (kind) {
    case 'uniform':
      return { truth: Array.from({ length: nT }, g), pred: Array.from({ length: nP }, g) };
    case 'clusters': {
      // a few dense clusters: many spots within 3 px of several others
      const centres = Array.from({ length: 1 + Math.floor(rand() * 4) }, g);
      const c = (): Point => {
        const m = centres[Math.floor(rand() * centres.length)];
        return [m[0] + (rand() - 0.5) * 4, m[1] + (rand() - 0.5) * 4];
      };
      return { truth: Array.from({ length: nT }, c), pred: Array.from({ length: nP }, c) };
    }
    case 'jitter': {
      const truth = Array.from({ length: nT }, g);
      const pred = truth.filter(() => rand() < 0.8).map((t): Point => [t[0] + (rand() - 0.5) * 3, t[1] + (rand() - 0.5) * 3]);
      while (pred.length < nP) pred.push(g());
      return { pred, truth };
    }
    case 'duplicates': {
      // exact copies within and across the sets: many equal distances
      const truth = Array.from({ length: nT }, g);
      for (let i = 1; i < nT; i++) if (rand() < 0.3) truth[i] = [...truth[Math.floor(rand() * i)]];
      const pred = Array.from({ length: nP }, (): Point => (rand() < 0.6 ? [...truth[Math.floor(rand() * nT)]] : g()));
      for (let i = 1; i < nP; i++) if (rand() < 0.2) pred[i] = [...pred[Math.floor(rand() * i)]];
      return { pred, truth };
    }
    case 'lattice': {
      const L = rand() < 0.5 ? 8 : 40;
      const l = (): Point => [Math.floor(rand() * L), Math.floor(rand() * L)];
      return { truth: Array.from({ length: nT }, l), pred: Array.from({ length: nP }, l) };
    }
  }
}

/** Everything computeMetrics returns, for bit-for-bit comparison. */
const blinkOf = (r: MetricsResult) => JSON.stringify(r);
const KINDS: Kind[] = ['uniform', 'clusters', 'jitter', 'duplicates', 'lattice'];

test('whole planes (the default for up to 2^20 pairs) are the dense computation bit for bit, ties included', () => {
  const rand = lcg(11);
  for (let it = 0; it < 300; it++) {
    const kind = KINDS[it % KINDS.length];
    const { pred, truth } = pointSets(kind, rand);
    assert.equal(blinkOf(computeMetrics(pred, truth)), blinkOf(dense.computeMetrics(pred, truth)), `${kind} ${it}`);
    for (const cutoff of [1, 3]) {
      assert.deepEqual(pointsMatching(pred, truth, { cutoff }), dense.pointsMatching(pred, truth, { cutoff }), `${kind} ${it} cutoff ${cutoff}`);
    }
  }
});

test('component by component = the dense result on random point sets (uniform, dense clusters, jitter)', () => {
  const rand = lcg(3);
  for (let it = 0; it < 600; it++) {
    const kind = (['uniform', 'clusters', 'jitter'] as const)[it % 3];
    const { pred, truth } = pointSets(kind, rand);
    const split = { wholePlanePairs: 0 };
    assert.equal(blinkOf(computeMetrics(pred, truth, split)), blinkOf(dense.computeMetrics(pred, truth)), `${kind} ${it}`);
    const s = pointsMatching(pred, truth, { cutoff: 3, ...split });
    const d = dense.pointsMatching(pred, truth, { cutoff: 3 });
    // Spotiflow's penalty 1e10 (1 + max d^2) leaves the dense solver a precision of ~ulp(penalty)
    // on d^2: the number of pairs is exact, which pairs (PQ, mean distance) can differ
    assert.deepEqual([s.tp, s.fp, s.fn, s.f1], [d.tp, d.fp, d.fn, d.f1], `${kind} ${it} spotiflow`);
    if (kind !== 'clusters') assert.deepEqual(s, d, `${kind} ${it} spotiflow pairs`);
  }
});

test('component by component on exact ties (duplicates, lattices): the same counts and scores, pairs may differ', () => {
  // On exact ties the dense solver picks among equally good matchings by rows processed in
  // other parts of the image (e.g. a far true spot takes the first of two identical
  // predictions first); the components pick by their own order. The kept counts (hence F1,
  // precision, recall, F1-integral) agree at every cutoff > 0, the distances up to the order of
  // summation. At cutoff 0 (the raw distance matrix) a collinear lattice can make the dense
  // solver keep fewer exact duplicates than there are.
  const rand = lcg(5);
  for (let it = 0; it < 600; it++) {
    const kind = (['duplicates', 'lattice'] as const)[it % 2];
    const { pred, truth } = pointSets(kind, rand);
    const s = computeMetrics(pred, truth, { wholePlanePairs: 0 });
    const d = dense.computeMetrics(pred, truth);
    const from = kind === 'lattice' ? 1 : 0;
    assert.deepEqual(s.tp.slice(from), d.tp.slice(from), `${kind} ${it} tp`);
    assert.deepEqual(s.predSideMatches.slice(from), d.predSideMatches.slice(from), `${kind} ${it} pred side`);
    assert.deepEqual(s.f1Scores.slice(from), d.f1Scores.slice(from), `${kind} ${it} f1`);
    s.absEuclidean.forEach((v, k) => assert.ok(Math.abs(v - d.absEuclidean[k]) <= 1e-12, `${kind} ${it} distance ${k}`));
    assert.equal(s.pairsAtMdist.trueIdx.length, d.pairsAtMdist.trueIdx.length);
  }
});

test('plane largest distance: hull vertex pairs and the Minkowski-sum walk equal brute force', () => {
  const rand = lcg(17);
  const shapes = [
    (n: number): Point[] => Array.from({ length: n }, () => [rand() * 100, rand() * 50]),
    (n: number): Point[] =>
      Array.from({ length: n }, () => {
        const a = rand() * 2 * Math.PI;
        return [50 + 40 * Math.cos(a), 30 + 40 * Math.sin(a)];
      }),
    (n: number): Point[] => Array.from({ length: n }, () => [Math.floor(rand() * 6), Math.floor(rand() * 6)]),
    (n: number): Point[] =>
      Array.from({ length: n }, () => {
        const t = rand() * 10;
        return [t, 2 * t + 1];
      }),
    (n: number): Point[] => Array.from({ length: n }, () => [3, 4]),
  ];
  for (let it = 0; it < 300; it++) {
    const a = shapes[it % shapes.length](1 + Math.floor(rand() * 200));
    const b = shapes[Math.floor(rand() * shapes.length)](1 + Math.floor(rand() * 200));
    const flat = (p: Point[]) => [Float64Array.from(p, (q) => q[0]), Float64Array.from(p, (q) => q[1]), Int32Array.from(p, (_, i) => i)] as const;
    const [ax, ay, ai] = flat(a);
    const [bx, by, bi] = flat(b);
    let brute = -Infinity;
    for (const p of a) for (const q of b) brute = Math.max(brute, (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2);
    assert.equal(maxSquaredDistance(ax, ay, ai, bx, by, bi), brute, `hull pairs ${it}`);
    assert.equal(maxSquaredDistance(ax, ay, ai, bx, by, bi, 0), brute, `Minkowski ${it}`);
  }
});

test('100k vs 100k spots: both matchings, linear memory (dense: a 80 GB matrix)', () => {
  const rand = lcg(23);
  const n = 100_000;
  const side = 20000 * Math.sqrt(n / 1e6);
  const truth: Point[] = [];
  const pred: Point[] = [];
  for (let i = 0; i < n; i++) {
    const t: Point = [rand() * side, rand() * side];
    const a = rand() * 2 * Math.PI;
    const r = rand() * 2;
    truth.push(t);
    pred.push([t[0] + r * Math.sin(a), t[1] + r * Math.cos(a)]);
  }
  const started = Date.now();
  let calls = 0;
  let last = 0;
  const m = computeMetrics(pred, truth, {
    onProgress: (done, total) => {
      assert.ok(done >= last && done <= total);
      last = done;
      calls++;
    },
  });
  const s = pointsMatching(pred, truth, { cutoff: 3 });
  assert.ok(calls > 10 && calls < 200, `${calls} progress calls`);
  assert.ok(m.tp[49] > 0.99 * n && m.f1AtMdist > 0.99, `tp ${m.tp[49]}`);
  assert.ok(s.tp > 0.99 * n);
  assert.ok(Date.now() - started < 60_000);
});

test('a huge cluster is a clear error, not hours of work', () => {
  const spot = Array.from({ length: 3000 }, (): Point => [5, 5]);
  assert.throws(
    () => computeMetrics(spot, spot, { maxComponentPairs: 1e6, wholePlanePairs: 0 }),
    (e: unknown) => e instanceof DeepblinkError && /form one cluster of spots chained within 3 px .* too dense to match/.test(e.message),
  );
  // many spots in neighbouring cells but farther apart than the cutoff: bounded examination
  const a = Array.from({ length: 3000 }, (): Point => [0, 0.5]);
  const b = Array.from({ length: 3000 }, (): Point => [0, 5.5]);
  assert.throws(
    () => pointsMatching(a, b, { cutoff: 3, maxComponentPairs: 1000, wholePlanePairs: 0 }),
    (e: unknown) => e instanceof DeepblinkError && /pairs of spots lie within .* too dense to match/.test(e.message),
  );
});

test('planes: spots match only within their plane; one plane is the plain result', () => {
  const truth: Point[] = [
    [10, 10],
    [20, 20],
    [30, 30],
  ];
  const pred: Point[] = [
    [10, 10.5],
    [20, 20.5],
    [30, 30.5],
  ];
  // same positions, different z: nothing matches (F1 0), where 2-D matching gives 1
  const twoD = computeMetrics(pred, truth);
  assert.ok(twoD.f1AtMdist > 0.999);
  const apart = computeMetrics(pred, truth, { planes: { pred: [0, 0, 1], truth: [1, 1, 0] } });
  assert.equal(apart.f1AtMdist, 0);
  assert.equal(apart.f1Integral, 0);
  assert.equal(pointsMatching(pred, truth, { planes: { pred: [0, 0, 1], truth: [1, 1, 0] } }).tp, 0);
  // one plane (any id): exactly the plain result
  assert.equal(blinkOf(computeMetrics(pred, truth, { planes: { pred: [7, 7, 7], truth: [7, 7, 7] } })), blinkOf(twoD));
  // two planes holding the same spots: counts add up per cutoff, F1 unchanged
  const both = computeMetrics([...pred, ...pred], [...truth, ...truth], { planes: { pred: [0, 0, 0, 1, 1, 1], truth: [0, 0, 0, 1, 1, 1] } });
  assert.deepEqual(
    both.tp,
    twoD.tp.map((x) => 2 * x),
  );
  assert.deepEqual(both.pairsAtMdist, { trueIdx: [0, 1, 2, 3, 4, 5], predIdx: [0, 1, 2, 3, 4, 5] });
  assert.ok(Math.abs(both.f1Integral - twoD.f1Integral) < 1e-12);
  // planes split by component too (forced), and across planes dense = per-plane dense
  const rand = lcg(29);
  for (let it = 0; it < 60; it++) {
    const { pred: p, truth: t } = pointSets('jitter', rand);
    const pz = p.map(() => Math.floor(rand() * 3));
    const tz = t.map(() => Math.floor(rand() * 3));
    const whole = computeMetrics(p, t, { planes: { pred: pz, truth: tz } });
    const split = computeMetrics(p, t, { planes: { pred: pz, truth: tz }, wholePlanePairs: 0 });
    assert.equal(blinkOf(split), blinkOf(whole), `planes ${it}`);
    // the pooled counts are the sums of the planes' own (dense) results
    const perPlane = [0, 1, 2].map((z) =>
      dense.computeMetrics(
        p.filter((_, i) => pz[i] === z),
        t.filter((_, i) => tz[i] === z),
      ),
    );
    assert.deepEqual(
      whole.tp,
      whole.tp.map((_, k) => perPlane.reduce((a, r) => a + r.tp[k], 0)),
    );
  }
});

test('cutoffs: any ascending list, and a single cutoff, give the dense counts', () => {
  const rand = lcg(31);
  for (let it = 0; it < 40; it++) {
    const { pred, truth } = pointSets('jitter', rand);
    for (const nCutoffs of [1, 2, 7]) {
      const s = computeMetrics(pred, truth, { nCutoffs, mdist: 2.5, wholePlanePairs: 0 });
      const d = dense.computeMetrics(pred, truth, { nCutoffs, mdist: 2.5 });
      assert.equal(blinkOf(s), blinkOf(d));
    }
  }
  assert.deepEqual(linspace(0, 3, 1), [0]);
});

test('maxSquaredDistance3 (box branch-and-bound) equals brute force, also on flat and repeated points', () => {
  let seed = 9;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const sets: [number, number][] = [
    [500, 400],
    [3000, 50],
    [1, 700],
  ];
  for (const flat of [false, true]) {
    for (const [n, m] of sets) {
      const mk = (k: number) => ({
        r: Float64Array.from({ length: k }, rand),
        c: Float64Array.from({ length: k }, () => rand() * 100),
        z: Float64Array.from({ length: k }, () => (flat ? 2 : rand() * 5)),
      });
      const a = mk(n);
      const b = mk(m);
      const L = { pr: a.r, pc: a.c, pz: a.z, tr: b.r, tc: b.c, tz: b.z };
      let best = -Infinity;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) {
          const x = a.r[i] - b.r[j];
          const y = a.c[i] - b.c[j];
          const e = a.z[i] - b.z[j];
          best = Math.max(best, x * x + y * y + e * e);
        }
      }
      const idx = (k: number) => Int32Array.from({ length: k }, (_, i) => i);
      assert.equal(maxSquaredDistance3(L, idx(n), idx(m)), best);
    }
  }
  const one = Float64Array.of(1);
  assert.equal(maxSquaredDistance3({ pr: one, pc: one, pz: one, tr: one, tc: one, tz: one }, Int32Array.of(0, 0, 0), Int32Array.of(0)), 0);
  assert.equal(maxSquaredDistance3({ pr: one, pc: one, pz: one, tr: one, tc: one, tz: one }, new Int32Array(0), Int32Array.of(0)), -Infinity);
});
