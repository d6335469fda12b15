import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axialPeak, linkPlanes, type PlaneDetections } from './link3d.js';

/** A spot at (z0, y0, x0) with a Gaussian axial profile (σ_z), seen in every plane it reaches above `floor`. */
function planesOf(spots: { z: number; y: number; x: number; sz?: number }[], depth: number, floor = 0.05): PlaneDetections[] {
  return Array.from({ length: depth }, (_, z) => {
    const here = spots.map((s) => ({ s, a: Math.exp(-((z - s.z) ** 2) / (2 * (s.sz ?? 1.5) ** 2)) })).filter((q) => q.a > floor);
    return {
      z,
      spots: here.map(({ s }) => ({ y: s.y + 0.05 * (z % 2), x: s.x - 0.05 * (z % 2), score: 0.9 })),
      signal: here.map(({ a }) => 1000 * a),
    };
  });
}

test('axialPeak: the three-point log-parabola recovers the peak of a sampled Gaussian profile exactly', () => {
  for (const z0 of [3, 3.2, 3.49, 2.6]) {
    const members = [1, 2, 3, 4, 5].map((z) => ({ z, y: 0, x: 0, score: 1, signal: 500 * Math.exp(-((z - z0) ** 2) / (2 * 1.3 ** 2)) }));
    assert.ok(Math.abs(axialPeak(members) - z0) < 1e-9, `z0 ${z0}: ${axialPeak(members)}`);
  }
  // a peak on the first plane (no plane below): the signal-weighted mean of the planes around it
  const edge = [
    { z: 0, y: 0, x: 0, score: 1, signal: 100 },
    { z: 1, y: 0, x: 0, score: 1, signal: 50 },
  ];
  assert.ok(Math.abs(axialPeak(edge) - 1 / 3) < 1e-12);
});

test('linkPlanes: one spot per spot however many planes it spans; sub-slice z; y, x from the planes around the peak', () => {
  const truth = [
    { z: 4.3, y: 20, x: 30 },
    { z: 9.7, y: 50.5, x: 12.25, sz: 2.2 },
    { z: 4.0, y: 20, x: 36 }, // 6 px from the first in x: a different spot
  ];
  const spots = linkPlanes(planesOf(truth, 14));
  assert.equal(spots.length, 3, JSON.stringify(spots));
  for (const t of truth) {
    const s = spots.find((q) => Math.hypot(q.y - t.y, q.x - t.x) < 0.2)!;
    assert.ok(s, `no spot at ${t.y},${t.x}`);
    assert.ok(Math.abs(s.z - t.z) < 1e-6, `z ${s.z} vs ${t.z}`);
    assert.ok(s.planes >= 5 && s.zFirst <= Math.floor(t.z) && s.zLast >= Math.ceil(t.z));
  }
});

test('linkPlanes: a missed plane inside a spot is bridged (maxGap 1), a larger gap starts a new spot; spots farther than the radius stay apart', () => {
  const p = (z: number, y: number, x: number, signal = 10): PlaneDetections => ({ z, spots: [{ y, x, score: 0.8 }], signal: [signal] });
  assert.equal(linkPlanes([p(0, 5, 5), p(1, 5, 5), p(3, 5, 5)]).length, 1);
  assert.equal(linkPlanes([p(0, 5, 5), p(1, 5, 5), p(4, 5, 5)]).length, 2);
  assert.equal(linkPlanes([p(0, 5, 5), p(1, 5, 5), p(3, 5, 5)], { maxGap: 0 }).length, 2);
  assert.equal(linkPlanes([p(0, 5, 5), p(1, 5, 7.5)]).length, 2);
  assert.equal(linkPlanes([p(0, 5, 5), p(1, 5, 7.5)], { radius: 3 }).length, 1);
  // one detection per chain per plane: two detections near one chain → the closer one continues it
  const two: PlaneDetections = {
    z: 1,
    spots: [
      { y: 5, x: 6.5, score: 0.8 },
      { y: 5, x: 5.2, score: 0.8 },
    ],
    signal: [5, 5],
  };
  const linked = linkPlanes([p(0, 5, 5), two]);
  assert.equal(linked.length, 2);
  assert.ok(linked.some((s) => s.planes === 2 && Math.abs(s.x - 5.1) < 0.11));
  assert.throws(() => linkPlanes([p(2, 0, 0), p(1, 0, 0)]), /increasing z/);
});
