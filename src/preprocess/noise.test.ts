import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noiseModel, noiseWindow } from './noise.js';
import { normalizePlane } from './normalize.js';
import { mirrorIndex } from '../math/mirror.js';
import { Rng } from '../math/rng.js';
import type { Plane } from '../core/types.js';

function poissonPlane(h: number, w: number, level: (r: number, c: number) => number, seed = 1): Plane {
  const rng = new Rng(seed);
  const data = new Float32Array(h * w);
  for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) data[r * w + c] = rng.poisson(level(r, c));
  return { data, height: h, width: w };
}

test('noise model: background and noise of Poisson noise at two levels are recovered locally', () => {
  // left half 100 photons/px (σ 10), right half 1000 (σ 31.6)
  const p = poissonPlane(128, 256, (_r, c) => (c < 128 ? 100 : 1000));
  const m = noiseModel(p);
  assert.equal(m.gh, 8);
  assert.equal(m.gw, 16);
  const at = (i: number, j: number) => [m.background[i * m.gw + j], m.noise[i * m.gw + j]];
  const [bl, nl] = at(4, 2);
  const [br, nr] = at(4, 13);
  assert.ok(Math.abs(bl - 100) < 2, `left background ${bl}`);
  assert.ok(Math.abs(br - 1000) < 5, `right background ${br}`);
  assert.ok(Math.abs(nl / 10 - 1) < 0.12, `left noise ${nl}`);
  assert.ok(Math.abs(nr / Math.sqrt(1000) - 1) < 0.12, `right noise ${nr}`);
});

test('noise units are invariant to gain and offset: k·x + o gives the same network input', () => {
  const p = poissonPlane(96, 80, (r, c) => 20 + 30 * Math.exp(-((r - 40) ** 2 + (c - 30) ** 2) / 800));
  const base = normalizePlane(p, { method: 'noise' });
  for (const [k, o] of [
    [3.7, 100],
    [0.01, -5],
    [250, 1e4],
  ]) {
    const q: Plane = { ...p, data: Float32Array.from(p.data, (v) => k * v + o) };
    const n = normalizePlane(q, { method: 'noise' });
    let worst = 0;
    for (let i = 0; i < n.length; i++) worst = Math.max(worst, Math.abs(n[i] - base[i]));
    assert.ok(worst < 1e-3, `k ${k}, o ${o}: max |Δ| ${worst}`);
  }
});

test('noise units: a spot reads as its contrast in noise units, and bright values are log-compressed', () => {
  const h = 64;
  const p = poissonPlane(h, h, () => 400); // σ = 20
  const d = p.data as Float32Array;
  d[32 * h + 32] = 400 + 5 * 20; // 5 σ above the background
  d[10 * h + 10] = 400 + 1000 * 20; // 1000 σ: compressed by asinh
  const n = normalizePlane(p, { method: 'noise' });
  assert.ok(Math.abs(n[32 * h + 32] - 5) < 1, `5σ pixel reads ${n[32 * h + 32]}`);
  assert.ok(Math.abs(n[10 * h + 10] - 10 * (1 + Math.log(100))) < 3, `1000σ pixel reads ${n[10 * h + 10]} (10·(1 + ln 100) ≈ 56)`);
});

test('noise units: a clipped (all-zero) background and a constant region do not divide by zero', () => {
  const h = 48;
  const data = new Uint8Array(h * h);
  data[20 * h + 20] = 30;
  data[21 * h + 20] = 12;
  const n = normalizePlane({ data, height: h, width: h }, { method: 'noise' });
  for (const v of n) assert.ok(Number.isFinite(v));
  assert.ok(n[20 * h + 20] > n[0]);
});

test('noise units: windows equal the same region of the whole plane, and mirror outside it', () => {
  const p = poissonPlane(70, 90, (r) => 10 + r);
  const m = noiseModel(p);
  const whole = noiseWindow(p.data, 70, 90, 0, 0, 70, 90, m, mirrorIndex);
  const win = noiseWindow(p.data, 70, 90, 20, 30, 16, 24, m, mirrorIndex);
  for (let r = 0; r < 16; r++) for (let c = 0; c < 24; c++) assert.equal(win[r * 24 + c], whole[(20 + r) * 90 + 30 + c]);
  const pad = noiseWindow(p.data, 70, 90, -2, 0, 4, 4, m, mirrorIndex);
  assert.equal(pad[0], whole[2 * 90]); // row −2 mirrors row 2
});
