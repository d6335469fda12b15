import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectNeural } from './neural.js';
import { normalizePlane, window } from '../preprocess/normalize.js';
import { tileCores } from '../preprocess/tiles.js';
import { quantile } from '../math/select.js';
import { deepblinkSpec } from '../network/spec.js';
import { encodeSpots } from '../network/grid-spots.js';
import type { Predictor } from '../engine/engine.js';
import type { Plane, Point } from '../core/types.js';

/**
 * A "model whose output is known": it reports every pixel brighter than 2.5 (in normalised units)
 * as a spot at that pixel plus a fixed sub-pixel offset, through the real grid codec. It is
 * local (no global pooling), so tiled and untiled runs must agree exactly.
 */
function knownModel(cell: number, offset: Point): Predictor & { calls: [number, number][] } {
  const calls: [number, number][] = [];
  return {
    calls,
    async run(x, h, w) {
      calls.push([h, w]);
      const pts: Point[] = [];
      for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) if (x[r * w + c] > 2.5) pts.push([r + offset[0], c + offset[1]]);
      return encodeSpots(pts, h, w, cell).data as Float32Array;
    },
    async dispose() {},
  };
}

function imageWith(points: Point[], H: number, W: number): Plane {
  const data = new Float32Array(H * W);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 13; // texture, so the std is not 0
  for (const [r, c] of points) data[r * W + c] = 1000;
  return { data, height: H, width: W };
}

const spec = deepblinkSpec({ filters: 1, ndown: 1, cellSize: 4 });
const byPos = (a: { y: number; x: number }, b: { y: number; x: number }) => a.y - b.y || a.x - b.x;

test('codec round trip through predict: known model output comes back as the same coordinates', async () => {
  const pts: Point[] = [
    [0, 0],
    [5, 9],
    [37, 2],
    [40, 61],
    [63, 63],
  ];
  const det = await detectNeural(imageWith(pts, 64, 64), spec, knownModel(4, [0.25, -0.3]), {
    threshold: 0.5,
    normalization: { method: 'zscore' },
    tileSize: 512,
    overlap: 32,
  });
  det.sort(byPos);
  assert.equal(det.length, pts.length);
  det.forEach((d, i) => {
    assert.ok(Math.abs(d.y - (pts[i][0] + 0.25)) < 1e-5 && Math.abs(d.x - (pts[i][1] - 0.3)) < 1e-5, `${d.y},${d.x}`);
    assert.equal(d.score, 1);
  });
});

test('tiled and untiled prediction agree exactly for a local model; every spot reported once', async () => {
  const H = 150;
  const W = 230;
  const pts: Point[] = [];
  for (let r = 1; r < H; r += 11) for (let c = 2; c < W; c += 13) pts.push([r, c]);
  const plane = imageWith(pts, H, W);
  const opts = { threshold: 0.5, normalization: { method: 'zscore' as const }, overlap: 8 };
  const whole = knownModel(4, [0.1, 0.2]);
  const a = (await detectNeural(plane, spec, whole, { ...opts, tileSize: 1024 })).sort(byPos);
  const tiled = knownModel(4, [0.1, 0.2]);
  const progress: [number, number][] = [];
  const b = (await detectNeural(plane, spec, tiled, { ...opts, tileSize: 48, progress: (d, t) => progress.push([d, t]) })).sort(byPos);
  assert.equal(progress.length, tiled.calls.length, 'one progress call per tile');
  assert.deepEqual(progress[progress.length - 1], [tiled.calls.length, tiled.calls.length]);
  assert.equal(whole.calls.length, 1);
  assert.ok(tiled.calls.length > 10, `${tiled.calls.length} tiles`);
  for (const [h, w] of tiled.calls) assert.ok(h <= 48 && w <= 48 && h % 2 === 0 && w % 2 === 0);
  assert.equal(a.length, pts.length);
  assert.deepEqual(b, a);
});

test('images smaller than the input multiple are padded and spots beyond the image dropped', async () => {
  const det = await detectNeural(
    imageWith(
      [
        [2, 3],
        [6, 1],
      ],
      7,
      5,
    ),
    spec,
    knownModel(4, [0, 0]),
    {
      threshold: 0.5,
      normalization: { method: 'zscore' },
      tileSize: 512,
      overlap: 32,
    },
  );
  // reflect padding mirrors (6,1) to row 6 only (7 rows → padded to 8: row 7 = row 5)
  assert.deepEqual(
    det.map((d) => [d.y, d.x]).sort((x, y) => x[0] - y[0]),
    [
      [2, 3],
      [6, 1],
    ],
  );
});

test('normalisation: z-score and percentiles', () => {
  const plane = { data: Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 1000]), height: 2, width: 5 };
  const z = normalizePlane(plane, { method: 'zscore' });
  const mean = z.reduce((s, v) => s + v, 0) / z.length;
  assert.ok(Math.abs(mean) < 1e-6);
  const p = normalizePlane(plane, { method: 'percentile', low: 0, high: 50 });
  assert.equal(p[0], 0);
  assert.ok(Math.abs(p[4] - 4 / quantile(plane.data, 0.5)) < 1e-6);
});

test('reflect window and tile cores', () => {
  const d = Float32Array.from([0, 1, 2, 3]);
  assert.deepEqual(Array.from(window(d, 1, 4, 0, -2, 1, 8)), [2, 1, 0, 1, 2, 3, 2, 1]);
  assert.deepEqual(tileCores(10, 4), [
    [0, 4],
    [4, 8],
    [8, 10],
  ]);
});

test('window applies the affine normalisation to raw integer samples, inside and in the mirrored border', () => {
  const d = Uint16Array.from([10, 20, 30, 40, 50, 60]); // 2 × 3
  // rows −1..1 (row −1 mirrors row 1), columns 1..4 (column 3 mirrors column 1)
  const w = window(d, 2, 3, -1, 1, 3, 3, { offset: 10, scale: 0.5 });
  assert.deepEqual(Array.from(w), [20, 25, 20, 5, 10, 5, 20, 25, 20]);
  // the whole-plane z-score equals the per-window one on the same pixels
  const plane = { data: d, height: 2, width: 3 };
  const z = normalizePlane(plane, { method: 'zscore' });
  const zf = normalizePlane({ ...plane, data: Float32Array.from(d) }, { method: 'zscore' });
  assert.deepEqual(Array.from(z), Array.from(zf));
  assert.ok(Math.abs(z[0] + 1.4638501) < 1e-6, `z[0] = ${z[0]}`);
});

test('the viewer path (network once, then decode per threshold) gives the spots of a full run at every threshold', async () => {
  const { loadModel, modelPredictor } = await import('../model/model.js');
  const { bundledPath, DEFAULT_MODEL } = await import('../model/bundled.js');
  const { simulateImage, simToPlane } = await import('../simulate/simulate.js');
  const { tilingFor } = await import('../preprocess/tiles.js');
  const { runNetworkTiles, spotsAtThreshold } = await import('./neural.js');
  const model = await loadModel(bundledPath(DEFAULT_MODEL)!);
  const predictor = await modelPredictor(model, 1);
  // wider than one lean tile (1024 px), so tiles and their cores are exercised
  const sim = simulateImage({ height: 200, width: 1300, snr: [2, 10], density: 12, structures: 3, readNoise: 1, gain: 1, offset: 100 }, 4242);
  const plane = simToPlane(sim);
  const opts = { normalization: model.card.normalization, ...tilingFor(model.spec) };
  const output = await runNetworkTiles(plane, model.spec, predictor, opts);
  assert.equal(output.tiles.length, 2);
  for (const threshold of [0.02, 0.1, 0.3, 0.5, model.card.threshold, 0.95]) {
    const full = (await detectNeural(plane, model.spec, predictor, { ...opts, threshold })).sort(byPos);
    const viewer = spotsAtThreshold(output, threshold).sort(byPos);
    assert.deepEqual(viewer, full, `threshold ${threshold}`);
    assert.ok(full.length > 0, `threshold ${threshold}: no spots`);
  }
  await predictor.dispose();
});
