import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupTracks, scoreTracks, trackDistance } from './score.js';
import { linkTracks, type TrackPoint } from './track.js';
import { simulateTracks } from './simulate.js';

/** A track at the fixed position (y, x) over frames t0 … t1. */
function still(y: number, x: number, t0: number, t1: number): TrackPoint[] {
  const out: TrackPoint[] = [];
  for (let t = t0; t <= t1; t++) out.push({ t, y, x });
  return out;
}

const shift = (tr: TrackPoint[], dy: number, dx: number) => tr.map((p) => ({ t: p.t, y: p.y + dy, x: p.x + dx }));
const close = (a: number, b: number, msg?: string) => assert.ok(Math.abs(a - b) < 1e-12, `${msg ?? ''} ${a} ≠ ${b}`);

test('trackDistance: gated per frame, ε for a frame only one track has', () => {
  const a = still(0, 0, 0, 3); // frames 0–3
  const b = [
    { t: 1, y: 0, x: 3 }, // 3
    { t: 2, y: 4, x: 0 }, // 4
    { t: 3, y: 0, x: 7 }, // ≥ ε → 5
    { t: 4, y: 0, x: 0 }, // only b → 5
  ];
  // frame 0 only in a → 5
  close(trackDistance(a, b), 5 + 3 + 4 + 5 + 5);
  close(trackDistance(a, b, 2), 2 + 2 + 2 + 2 + 2);
  close(trackDistance(a, []), 20);
  assert.throws(() => trackDistance(a, b, 0), RangeError);
});

test('scoreTracks: identical tracks score α = β = 1 and both Jaccard indices 1', () => {
  const X = [still(10, 10, 0, 3), still(30, 40, 1, 3), still(5, 50, 0, 0)];
  const s = scoreTracks(
    X,
    X.map((t) => t.slice().reverse()),
  );
  assert.equal(s.alpha, 1);
  assert.equal(s.beta, 1);
  assert.equal(s.jaccardTracks, 1);
  assert.equal(s.jaccardDetections, 1);
  assert.equal(s.rmse, 0);
  assert.deepEqual(
    s.pairs.map((p) => [p.truth, p.estimate, p.distance]),
    [
      [0, 0, 0],
      [1, 1, 0],
      [2, 2, 0],
    ],
  );
  assert.equal(s.truthDistance, 5 * 8);
  assert.equal(s.matchedPoints, 8);
});

test('scoreTracks: a track shifted beyond ε is unpaired: α = 1/2, β = 1/3', () => {
  const A = still(10, 10, 0, 2);
  const B = still(50, 50, 0, 2);
  const s = scoreTracks([A, B], [A, shift(B, 0, 6)]);
  // B' costs 3 × ε = 15 paired, the same as B unpaired: not paired. d(X,Y) = 15, d(X,∅) = 30, d(Ȳ,∅) = 15
  close(s.alpha, 0.5);
  close(s.beta, 15 / 45);
  close(s.jaccardTracks, 1 / 3);
  close(s.jaccardDetections, 3 / 9);
  assert.equal(s.missedTracks, 1);
  assert.equal(s.spuriousTracks, 1);
  assert.equal(s.distance, 15);
  assert.equal(s.spuriousDistance, 15);
});

test('scoreTracks: a track shifted within ε stays paired and costs its distance per frame', () => {
  const A = still(10, 10, 0, 2);
  const s = scoreTracks([A], [shift(A, 3, 0)]);
  close(s.alpha, 1 - 9 / 15);
  close(s.beta, 6 / 15);
  assert.equal(s.jaccardDetections, 1);
  close(s.rmse, 3);
  // a 5 px shift is not "within" the gate: d = ε exactly is no match
  assert.equal(scoreTracks([A], [shift(A, 0, 5)]).pairs.length, 0);
});

test('scoreTracks: a spurious track lowers β only', () => {
  const A = still(10, 10, 0, 3);
  const s = scoreTracks([A], [A, still(60, 60, 0, 1)]);
  assert.equal(s.alpha, 1);
  close(s.beta, 20 / 30);
  close(s.jaccardTracks, 1 / 2);
  close(s.jaccardDetections, 4 / 6);
  assert.equal(s.spuriousTracks, 1);
});

test('scoreTracks: a missing track lowers α and β', () => {
  const A = still(10, 10, 0, 3);
  const B = still(40, 40, 2, 3);
  const s = scoreTracks([A, B], [A]);
  close(s.alpha, 1 - 10 / 30);
  close(s.beta, 20 / 30);
  close(s.jaccardTracks, 1 / 2);
  close(s.jaccardDetections, 4 / 6);
  assert.equal(s.missedTracks, 1);
  assert.equal(s.spuriousTracks, 0);
});

test('scoreTracks: a track broken in two pairs with one half, the other half is spurious', () => {
  const A = still(10, 10, 0, 3);
  const s = scoreTracks([A], [still(10, 10, 0, 1), still(10, 10, 2, 3)]);
  assert.equal(s.pairs.length, 1);
  close(s.pairs[0].distance, 10);
  close(s.alpha, 0.5);
  close(s.beta, 10 / 30);
  close(s.jaccardTracks, 1 / 2);
  close(s.jaccardDetections, 2 / 6);
});

test('scoreTracks: points of a paired track in frames the truth misses count ε (gaps of the truth are no points)', () => {
  const X = [
    [
      { t: 0, y: 0, x: 0 },
      { t: 2, y: 0, x: 0 },
    ],
  ];
  const s = scoreTracks(X, [still(0, 0, 0, 2)]);
  close(s.pairs[0].distance, 5);
  close(s.alpha, 0.5);
  close(s.beta, 0.5);
  close(s.jaccardDetections, 2 / 3);
});

test('scoreTracks: the pairing is optimal, not greedy', () => {
  const X = [still(0, 0, 0, 1), still(0, 4, 0, 1)];
  // Y0 is nearest to X1 (1.5 px) but also within ε of X0 (2.5 px); Y1 is near X1 only (3 px)
  const Y = [still(0, 2.5, 0, 1), still(0, 7, 0, 1)];
  const s = scoreTracks(X, Y);
  // greedy (X1–Y0 first) would leave X0 unpaired: d = 3 + 10; optimal X0–Y0 + X1–Y1: d = 5 + 6
  assert.deepEqual(
    s.pairs.map((p) => [p.truth, p.estimate]),
    [
      [0, 0],
      [1, 1],
    ],
  );
  close(s.distance, 11);
  close(s.alpha, 1 - 11 / 20);
  close(s.beta, 1 - 11 / 20);
});

test('scoreTracks: empty sets and invalid tracks', () => {
  const e = scoreTracks([], []);
  assert.ok(Number.isNaN(e.alpha) && Number.isNaN(e.beta) && Number.isNaN(e.jaccardTracks));
  const none = scoreTracks([still(1, 1, 0, 1)], []);
  assert.equal(none.alpha, 0);
  assert.equal(none.beta, 0);
  assert.equal(scoreTracks([], [still(1, 1, 0, 1)]).beta, 0);
  assert.throws(() => scoreTracks([[...still(1, 1, 0, 1), { t: 1, y: 2, x: 2 }]], []), /two points in frame 1/);
  assert.throws(() => scoreTracks([still(1, 1, 0, 1)], [], { gate: -1 }), RangeError);
});

test('groupTracks groups by id in id order and drops negative ids', () => {
  const pts = [0, 1, 2, 3, 4].map((i) => ({ t: i, y: i, x: 0 }));
  assert.deepEqual(
    groupTracks(pts, [7, 2, -1, 7, 2]).map((g) => g.map((p) => p.t)),
    [
      [1, 4],
      [0, 3],
    ],
  );
  assert.throws(() => groupTracks(pts, [1]), RangeError);
});

test('scoreTracks on linkTracks of simulated tracks: near-perfect when sparse, α ≥ β', () => {
  const sim = simulateTracks({ height: 128, width: 128, frames: 15, particles: 15, D: 0.5, blinkProbability: 0.05, images: false }, 3);
  const truth = groupTracks(
    sim.truth,
    sim.truth.map((s) => s.particle),
  );
  const ids = linkTracks(sim.truth, { maxDistance: 5, maxGap: 2 });
  const s = scoreTracks(truth, groupTracks(sim.truth, ids));
  assert.ok(s.alpha > 0.97 && s.alpha <= 1, `alpha ${s.alpha}`);
  assert.ok(s.beta <= s.alpha + 1e-12, `beta ${s.beta}`);
  assert.equal(s.jaccardDetections, 1, 'same points: every detection recovered');
});
