import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinearSumAssignmentSolver, linearSumAssignment } from './assignment.js';

/** Deterministic PRNG (mulberry32) so the random tests are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Minimum cost over all assignments of min(nr, nc) pairs, by enumeration. */
function bruteForceMin(cost: Float64Array, nr: number, nc: number): number {
  const tall = nr > nc;
  const rows = tall ? nc : nr;
  const cols = tall ? nr : nc;
  const at = (i: number, j: number): number => (tall ? cost[j * nc + i] : cost[i * nc + j]);
  const used = new Uint8Array(cols);
  let best = Infinity;
  const rec = (i: number, acc: number): void => {
    if (i === rows) {
      if (acc < best) best = acc;
      return;
    }
    for (let j = 0; j < cols; j++) {
      if (used[j]) continue;
      used[j] = 1;
      rec(i + 1, acc + at(i, j));
      used[j] = 0;
    }
  };
  rec(0, 0);
  return best;
}

function costOf(cost: Float64Array, nc: number, a: { rows: number[]; cols: number[] }): number {
  let s = 0;
  for (let k = 0; k < a.rows.length; k++) s += cost[a.rows[k] * nc + a.cols[k]];
  return s;
}

function checkValid(a: { rows: number[]; cols: number[] }, nr: number, nc: number): void {
  assert.equal(a.rows.length, Math.min(nr, nc));
  assert.equal(a.cols.length, a.rows.length);
  for (let k = 1; k < a.rows.length; k++) assert.ok(a.rows[k] > a.rows[k - 1], 'rows strictly ascending');
  assert.equal(new Set(a.cols).size, a.cols.length, 'columns distinct');
  for (const r of a.rows) assert.ok(r >= 0 && r < nr);
  for (const c of a.cols) assert.ok(c >= 0 && c < nc);
}

test('square tie-free example (scipy docs)', () => {
  const cost = Float64Array.from([4, 1, 3, 2, 0, 5, 3, 2, 2]);
  const a = linearSumAssignment(cost, 3, 3);
  assert.deepEqual(a, { rows: [0, 1, 2], cols: [1, 0, 2] });
  assert.equal(costOf(cost, 3, a), 5);
});

test('empty matrices give no pairs', () => {
  assert.deepEqual(linearSumAssignment(new Float64Array(0), 0, 0), { rows: [], cols: [] });
  assert.deepEqual(linearSumAssignment(new Float64Array(0), 0, 5), { rows: [], cols: [] });
  assert.deepEqual(linearSumAssignment(new Float64Array(0), 3, 0), { rows: [], cols: [] });
});

test('constant matrix gives the identity (scipy #11602)', () => {
  const a = linearSumAssignment(new Float64Array(16).fill(7), 4, 4);
  assert.deepEqual(a, { rows: [0, 1, 2, 3], cols: [0, 1, 2, 3] });
  const t = linearSumAssignment(new Float64Array(12).fill(1), 4, 3);
  assert.deepEqual(t, { rows: [0, 1, 2], cols: [0, 1, 2] });
});

test('invalid entries and infeasible matrices throw like scipy', () => {
  assert.throws(() => linearSumAssignment(Float64Array.from([1, NaN, 2, 3]), 2, 2), /invalid numeric entries/);
  assert.throws(() => linearSumAssignment(Float64Array.from([1, -Infinity, 2, 3]), 2, 2), /invalid numeric entries/);
  assert.throws(() => linearSumAssignment(Float64Array.from([Infinity, Infinity, 1, 2]), 2, 2), /infeasible/);
  assert.throws(() => linearSumAssignment(Float64Array.from([1, 2, 3]), 2, 2), /expected 2x2/);
  // +Infinity is allowed where a finite assignment exists
  assert.deepEqual(linearSumAssignment(Float64Array.from([Infinity, 1, 1, Infinity]), 2, 2), { rows: [0, 1], cols: [1, 0] });
});

test('optimal on random rectangular matrices (more rows than columns and vice versa) vs brute force', () => {
  const rand = rng(12345);
  for (let t = 0; t < 400; t++) {
    const nr = 1 + Math.floor(rand() * 7);
    const nc = 1 + Math.floor(rand() * 7);
    const cost = new Float64Array(nr * nc);
    const integer = t % 2 === 1; // integer costs: many ties
    for (let k = 0; k < cost.length; k++) cost[k] = integer ? Math.floor(rand() * 4) : rand() * 10 - 3;
    const a = linearSumAssignment(cost, nr, nc);
    checkValid(a, nr, nc);
    const best = bruteForceMin(cost, nr, nc);
    assert.ok(Math.abs(costOf(cost, nc, a) - best) <= 1e-9 * Math.max(1, Math.abs(best)), `case ${t} ${nr}x${nc}`);
  }
});

test('tall matrix equals the transposed solve with pairs sorted by row', () => {
  const rand = rng(99);
  for (let t = 0; t < 100; t++) {
    const nr = 3 + Math.floor(rand() * 6);
    const nc = 1 + Math.floor(rand() * (nr - 1));
    const cost = new Float64Array(nr * nc);
    for (let k = 0; k < cost.length; k++) cost[k] = Math.floor(rand() * 3);
    const tr = new Float64Array(nr * nc);
    for (let i = 0; i < nr; i++) for (let j = 0; j < nc; j++) tr[j * nr + i] = cost[i * nc + j];
    const a = linearSumAssignment(cost, nr, nc);
    const b = linearSumAssignment(tr, nc, nr);
    const pairsA = a.rows.map((r, k) => `${r},${a.cols[k]}`).sort();
    const pairsB = b.rows.map((c, k) => `${b.cols[k]},${c}`).sort();
    assert.deepEqual(pairsA, pairsB);
  }
});

test('the solver instance can be reused across shapes', () => {
  const s = new LinearSumAssignmentSolver();
  const big = Float64Array.from({ length: 30 }, (_, k) => (k * 7) % 5);
  const first = s.solve(big, 5, 6);
  s.solve(Float64Array.from([1, 2, 3, 4]), 2, 2);
  s.solve(big, 6, 5);
  assert.deepEqual(s.solve(big, 5, 6), first);
  assert.deepEqual(linearSumAssignment(big, 5, 6), first);
});

/**
 * Tie-heavy matrices (integer costs, deepBlink-style "replaced by max" matrices, constant
 * matrices with one cheap entry), each with several optimal assignments, and the assignment
 * scipy 1.17.1 `linear_sum_assignment` returned for them. The port must pick the same one.
 */
const SCIPY_TIE_CASES: { cost: number[][]; rows: number[]; cols: number[] }[] = [
  {
    cost: [
      [2, 2, 1, 2],
      [2, 0, 0, 0],
      [0, 2, 2, 0],
      [1, 2, 0, 2],
      [0, 1, 2, 0],
    ],
    rows: [1, 2, 3, 4],
    cols: [1, 0, 2, 3],
  },
  {
    cost: [
      [3.712, 3.712],
      [0.722, 3.712],
      [3.712, 3.712],
      [3.712, 3.712],
    ],
    rows: [0, 1],
    cols: [1, 0],
  },
  {
    cost: [
      [2.5, 2.5, 2.5, 2.5, 2.5],
      [2.5, 2.5, 2.5, 2.5, 2.5],
      [2.5, 2.5, 1, 2.5, 2.5],
      [2.5, 2.5, 2.5, 2.5, 2.5],
      [2.5, 2.5, 2.5, 2.5, 2.5],
    ],
    rows: [0, 1, 2, 3, 4],
    cols: [0, 1, 2, 3, 4],
  },
  {
    cost: [
      [1, 0, 1, 2],
      [0, 0, 2, 1],
      [2, 0, 2, 0],
      [1, 2, 0, 1],
      [2, 1, 0, 1],
    ],
    rows: [0, 1, 2, 3],
    cols: [1, 0, 3, 2],
  },
  {
    cost: [
      [1.36, 1.086, 3.922, 3.922],
      [3.922, 3.922, 3.922, 3.922],
      [3.922, 3.922, 3.922, 3.922],
      [3.922, 3.922, 0.275, 3.922],
      [3.922, 3.922, 1.004, 3.922],
    ],
    rows: [0, 1, 2, 3],
    cols: [1, 0, 3, 2],
  },
  {
    cost: [
      [2.5, 2.5, 2.5, 2.5],
      [2.5, 2.5, 1, 2.5],
      [2.5, 2.5, 2.5, 2.5],
      [2.5, 2.5, 2.5, 2.5],
    ],
    rows: [0, 1, 2, 3],
    cols: [0, 2, 1, 3],
  },
  {
    cost: [
      [1, 0, 2, 1, 2],
      [1, 0, 1, 1, 1],
      [1, 0, 0, 2, 2],
      [1, 0, 1, 1, 1],
      [0, 0, 2, 0, 2],
    ],
    rows: [0, 1, 2, 3, 4],
    cols: [1, 0, 2, 4, 3],
  },
  {
    cost: [
      [3.653, 3.653],
      [0.453, 3.653],
      [3.653, 3.653],
    ],
    rows: [0, 1],
    cols: [1, 0],
  },
  {
    cost: [
      [2.5, 2.5, 2.5, 2.5, 2.5],
      [2.5, 2.5, 2.5, 2.5, 2.5],
      [2.5, 2.5, 2.5, 2.5, 1],
      [2.5, 2.5, 2.5, 2.5, 2.5],
      [2.5, 2.5, 2.5, 2.5, 2.5],
    ],
    rows: [0, 1, 2, 3, 4],
    cols: [0, 1, 4, 2, 3],
  },
  {
    cost: [
      [0, 0, 0],
      [1, 0, 0],
      [0, 2, 0],
      [2, 0, 2],
      [1, 0, 0],
    ],
    rows: [0, 1, 2],
    cols: [0, 1, 2],
  },
  {
    cost: [
      [0.664, 3.753, 0.084, 1.242],
      [3.753, 3.753, 3.753, 3.753],
      [3.753, 0.765, 3.753, 0.159],
    ],
    rows: [0, 1, 2],
    cols: [2, 0, 3],
  },
  {
    cost: [
      [2.5, 2.5, 2.5, 2.5, 1],
      [2.5, 2.5, 2.5, 2.5, 2.5],
    ],
    rows: [0, 1],
    cols: [4, 0],
  },
  {
    cost: [
      [0, 0, 1, 1, 2],
      [0, 0, 0, 0, 1],
      [0, 2, 0, 0, 1],
      [2, 1, 2, 0, 0],
      [2, 2, 2, 2, 1],
    ],
    rows: [0, 1, 2, 3, 4],
    cols: [0, 1, 2, 3, 4],
  },
  {
    cost: [
      [3.586, 3.586, 0.749, 3.586, 3.586],
      [3.586, 3.586, 0.387, 3.586, 3.586],
      [3.586, 3.586, 1.483, 0.257, 3.586],
      [3.586, 0.763, 1.065, 3.586, 3.586],
      [3.586, 0.503, 0.737, 3.586, 3.586],
    ],
    rows: [0, 1, 2, 3, 4],
    cols: [0, 2, 3, 4, 1],
  },
];

test('tie-breaking identical to scipy on tie-heavy matrices', () => {
  for (const [k, c] of SCIPY_TIE_CASES.entries()) {
    const nr = c.cost.length;
    const nc = c.cost[0].length;
    const a = linearSumAssignment(Float64Array.from(c.cost.flat()), nr, nc);
    assert.deepEqual(a, { rows: c.rows, cols: c.cols }, `case ${k}`);
  }
});

test('a 600x600 replaced-by-max matrix is solved quickly with a valid assignment', () => {
  const rand = rng(5);
  const n = 600;
  const pts = Array.from({ length: n }, () => [rand() * 200, rand() * 200]);
  const cost = new Float64Array(n * n);
  let max = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const dr = pts[i][0] - pts[j][0] - rand();
      const dc = pts[i][1] - pts[j][1];
      const d = Math.sqrt(dr * dr + dc * dc);
      cost[i * n + j] = d;
      if (d > max) max = d;
    }
  }
  for (let k = 0; k < cost.length; k++) if (cost[k] >= 1.5) cost[k] = max;
  const t0 = performance.now();
  const a = linearSumAssignment(cost, n, n);
  const ms = performance.now() - t0;
  checkValid(a, n, n);
  assert.ok(ms < 5000, `took ${ms} ms`);
});
