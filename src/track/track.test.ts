import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinearSumAssignmentSolver } from '../evaluate/assignment.js';
import { assignLinks, linkTracks, trackStats, type TrackPoint } from './track.js';
import { simulateTracks } from './simulate.js';

/** Fraction of spots whose track holds only their particle and whose particle is one track. */
function perfect(truth: { particle: number }[], ids: number[]): boolean {
  const p2t = new Map<number, number>();
  const t2p = new Map<number, number>();
  for (let i = 0; i < ids.length; i++) {
    const p = truth[i].particle;
    if ((p2t.get(p) ?? ids[i]) !== ids[i] || (t2p.get(ids[i]) ?? p) !== p) return false;
    p2t.set(p, ids[i]);
    t2p.set(ids[i], p);
  }
  return true;
}

test('assignLinks: optimal, not greedy; nothing beyond the cutoff', () => {
  // greedy would take (0,0) at cost 0 and leave 1 unmatched (1→0 only); optimal links both
  const a = [0, 2];
  const b = [1, 3.5];
  const links = assignLinks(2, 2, (i, j) => (a[i] - b[j]) ** 2, 4);
  assert.deepEqual(
    links.sort((p, q) => p[0] - q[0]),
    [
      [0, 0],
      [1, 1],
    ],
  );
  assert.deepEqual(
    assignLinks(1, 1, () => 4.01, 4),
    [],
  );
});

test('assignLinks: solving by components gives the cost of the whole augmented matrix', () => {
  let seed = 7;
  const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  for (let trial = 0; trial < 30; trial++) {
    const n = 1 + Math.floor(rand() * 25);
    const m = 1 + Math.floor(rand() * 25);
    const a = Array.from({ length: n }, () => [rand() * 30, rand() * 30]);
    const b = Array.from({ length: m }, () => [rand() * 30, rand() * 30]);
    const cost = (i: number, j: number) => (a[i][0] - b[j][0]) ** 2 + (a[i][1] - b[j][1]) ** 2;
    const maxCost = 16;
    const alt = 1.05 * maxCost;
    const total = (links: [number, number][]) => links.reduce((s, [i, j]) => s + cost(i, j), 0) + (n + m - 2 * links.length) * alt;
    // the dense (n+m)² matrix in one piece
    const size = n + m;
    const c = new Float64Array(size * size).fill(Infinity);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        if (cost(i, j) <= maxCost) {
          c[i * size + j] = cost(i, j);
          c[(n + j) * size + m + i] = 0;
        }
      }
      c[i * size + m + i] = alt;
    }
    for (let j = 0; j < m; j++) c[(n + j) * size + j] = alt;
    const d = new LinearSumAssignmentSolver().solve(c, size, size);
    const dense: [number, number][] = [];
    for (let k = 0; k < d.rows.length; k++) if (d.rows[k] < n && d.cols[k] < m) dense.push([d.rows[k], d.cols[k]]);
    const split = assignLinks(n, m, cost, maxCost);
    assert.ok(Math.abs(total(split) - total(dense)) < 1e-9, `trial ${trial}`);
    for (const [i, j] of split) assert.ok(cost(i, j) <= maxCost);
    assert.equal(new Set(split.map((l) => l[0])).size, split.length);
    assert.equal(new Set(split.map((l) => l[1])).size, split.length);
  }
});

test('linkTracks: well-separated Brownian particles are linked perfectly', () => {
  // a 10 × 10 grid 20 px apart, D = 0.1 px²/frame: steps ~0.45 px
  const truth: (TrackPoint & { particle: number })[] = [];
  let s = 1;
  const rand = () => ((s = (s * 48271) % 2147483647) / 2147483647) * 2 - 1;
  for (let k = 0; k < 100; k++) {
    let y = 10 + 20 * Math.floor(k / 10);
    let x = 10 + 20 * (k % 10);
    for (let t = 0; t < 30; t++) {
      truth.push({ t, y, x, particle: k });
      y += 0.8 * rand();
      x += 0.8 * rand();
    }
  }
  // shuffle the input order: ids must not depend on it beyond numbering
  const order = truth.map((_, i) => i).sort((i, j) => ((i * 7919) % 3001) - ((j * 7919) % 3001));
  const shuffled = order.map((i) => truth[i]);
  const ids = linkTracks(shuffled);
  assert.ok(perfect(shuffled, ids));
  assert.equal(new Set(ids).size, 100);
  const stats = trackStats(shuffled, ids);
  assert.equal(stats.length, 100);
  for (const st of stats) assert.deepEqual([st.length, st.start, st.end, st.n], [30, 0, 29, 30]);
});

test('linkTracks: simulated tracks (simulateTracks) are recovered exactly', () => {
  const sim = simulateTracks({ height: 200, width: 200, frames: 25, particles: 15, D: 0.2, images: false }, 3);
  const ids = linkTracks(sim.truth, { maxDistance: 4 });
  assert.ok(perfect(sim.truth, ids));
  assert.equal(new Set(ids).size, 15);
});

test('linkTracks: gap closing bridges a one-frame blink, and only within maxGap', () => {
  const spots: TrackPoint[] = [];
  for (let t = 0; t < 10; t++) if (t !== 4) spots.push({ t, y: 10 + 0.5 * t, x: 10 });
  for (let t = 0; t < 10; t++) if (t < 3 || t > 6) spots.push({ t, y: 50, x: 50 + 0.3 * t }); // 4 frames missing
  const ids = linkTracks(spots);
  const a = ids.slice(0, 9);
  const b = ids.slice(9);
  assert.equal(new Set(a).size, 1, 'one-frame blink bridged');
  assert.equal(new Set(b).size, 2, 'a 4-frame gap is beyond maxGap = 2');
  assert.equal(new Set(linkTracks(spots, { maxGap: 4 }).slice(9)).size, 1);
  assert.equal(new Set(linkTracks(spots, { maxGap: 0 }).slice(0, 9)).size, 2, 'maxGap 0: no gap closing');
  const st = trackStats(spots, ids)[0];
  assert.deepEqual([st.start, st.end, st.length, st.n], [0, 9, 10, 9]);
  assert.ok(Math.abs(st.meanSpeed - 0.5) < 1e-12);
  // gap closing distance
  assert.equal(new Set(linkTracks(spots, { gapDistance: 0.9 }).slice(0, 9)).size, 2, 'the gap spans 1 px > gapDistance');
});

test('linkTracks: nothing links beyond maxDistance', () => {
  const spots: TrackPoint[] = [
    { t: 0, y: 0, x: 0 },
    { t: 1, y: 0, x: 5.01 },
    { t: 2, y: 0, x: 10.02 },
    { t: 3, y: 0, x: 15.04 },
  ];
  assert.deepEqual(linkTracks(spots), [0, 1, 2, 3]);
  assert.deepEqual(linkTracks(spots, { maxDistance: 5.03 }), [0, 0, 0, 0]);
  // a gap link too far away
  assert.deepEqual(
    linkTracks([
      { t: 0, y: 0, x: 0 },
      { t: 2, y: 0, x: 6 },
    ]),
    [0, 1],
  );
});

test('linkTracks: frames form, ids numbered by first frame', () => {
  const ids = linkTracks([
    { t: 0, points: [[5, 5]] },
    {
      t: 1,
      points: [
        [40, 40],
        [5.5, 5],
      ],
    },
    {
      t: 2,
      points: [
        [6, 5],
        [40, 41],
      ],
    },
  ]);
  assert.deepEqual(ids, [[0], [1, 0], [0, 1]]);
  assert.deepEqual(linkTracks([]), []);
  assert.throws(() => linkTracks([{ t: 0.5, y: 0, x: 0 }]), /integer/);
});

test('trackStats: D within 20 % on long simulated tracks; drift shows in the speed', () => {
  for (const D of [0.3, 1]) {
    const sim = simulateTracks({ height: 2000, width: 2000, frames: 400, particles: 10, D, images: false }, 7);
    const ids = sim.truth.map((s) => s.particle); // the true tracks
    const stats = trackStats(sim.truth, ids);
    const mean = stats.reduce((a, s) => a + s.D, 0) / stats.length;
    assert.ok(Math.abs(mean / D - 1) < 0.2, `D ${mean} vs ${D}`);
    for (const s of stats) assert.ok(Math.abs(s.D / D - 1) < 0.35, `single track D ${s.D} vs ${D}`);
  }
  assert.ok(Number.isNaN(trackStats([{ t: 3, y: 1, x: 1 }], [0])[0].D));
  // a still particle seen with localisation noise σ = 0.5 px per axis: D = σ²/3 (the documented bias)
  let seed = 5;
  const gauss = () => {
    let u = 0;
    for (let k = 0; k < 12; k++) u += (seed = (seed * 48271) % 2147483647) / 2147483647;
    return u - 6;
  };
  const still = Array.from({ length: 20000 }, (_, t) => ({ t, y: 10 + 0.5 * gauss(), x: 10 + 0.5 * gauss() }));
  const bias = trackStats(still, new Array<number>(still.length).fill(0))[0].D;
  assert.ok(Math.abs(bias / (0.25 / 3) - 1) < 0.05, `noise-only D ${bias}`);
  const drift = simulateTracks({ height: 2000, width: 2000, frames: 20, particles: 3, D: 0, drift: [0.6, 0.8], images: false }, 1);
  for (const s of trackStats(
    drift.truth,
    drift.truth.map((s) => s.particle),
  )) {
    assert.ok(Math.abs(s.meanSpeed - 1) < 1e-9, `speed ${s.meanSpeed}`);
    assert.ok(Math.abs(s.D - (1 + 8 + 27 + 64) / (4 * (1 + 4 + 9 + 16))) < 1e-9, 'drift: MSD = v²τ²');
  }
});

test('simulateTracks: deterministic per seed, blinking, images at the visible positions', () => {
  const p = { height: 64, width: 64, frames: 5, particles: 6, D: 0.5, blinkProbability: 0.3, drift: [0.5, 0] as [number, number] };
  const a = simulateTracks(p, 11);
  const b = simulateTracks(p, 11);
  assert.deepEqual(a.truth, b.truth);
  assert.deepEqual(a.frames[4].image, b.frames[4].image);
  assert.notDeepEqual(simulateTracks(p, 12).truth, a.truth);
  assert.ok(a.truth.length < 30, 'some particles blinked');
  assert.equal(a.frames.length, 5);
  for (let t = 0; t < 5; t++) {
    const vis = a.truth.filter((s) => s.t === t);
    assert.deepEqual(
      a.frames[t].spots.map((s) => [s.y, s.x]),
      vis.map((s) => [s.y, s.x]),
    );
  }
  for (const s of a.truth) assert.ok(s.y >= 3 && s.y <= 60 && s.x >= 3 && s.x <= 60);
});
