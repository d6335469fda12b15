/**
 * Chunk-wise runs (issue 15): the N parts of an image, merged, are exactly the whole run — same
 * spots, same values to the last bit, same order — for several N and block shapes, with spots
 * straddling the blocks' borders, for the network and the LoG, with the fit and the intensity.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDetector, predictImage, type PlaneDetector, type PredictOptions } from './predict.js';
import { measureImageGlobals, mergeParts, mergePartFiles, parsePartFile, partCore, predictPart, type PartFile, type PartResult } from './parts.js';
import { resultTable } from './table.js';
import { formatCsv } from '../io/csv.js';
import { DEFAULT_MODEL, bundledPath } from '../model/bundled.js';
import { simulateImage } from '../simulate/simulate.js';
import type { RawImage } from '../io/image/read.js';
import { memorySource } from '../io/image/source.js';
import { NoiseGlobalsAccumulator, noiseModel } from '../preprocess/noise.js';
import { UserError } from '../core/errors.js';
import { Rng } from '../math/rng.js';
import { simulateStack } from '../simulate/simulate3d.js';

const skip = !bundledPath(DEFAULT_MODEL) && 'no default model';

function image(height: number, width: number, seed: number, planes = 0): RawImage {
  const n = height * width;
  const count = Math.max(1, planes);
  const data = new Uint16Array(n * count);
  for (let p = 0; p < count; p++) {
    const sim = simulateImage({ height, width, density: 30, snr: [3, 12] }, seed + p);
    data.set(
      Uint16Array.from(sim.image, (v) => Math.min(65535, Math.round(v))),
      p * n,
    );
  }
  const shape = planes ? [planes, height, width] : [height, width];
  return { path: 'sim.tif', data, shape, dtype: 'uint16', axes: planes ? 'tyx' : 'yx', warnings: [] };
}

async function wholeAndMerged(raw: RawImage, detector: PlaneDetector, opts: PredictOptions, count: number) {
  const whole = await predictImage(raw, detector, opts);
  const parts: PartResult[] = [];
  // parts in reverse: the merge does not depend on the order they come in
  for (let i = count; i >= 1; i--) parts.push(await predictPart(memorySource(raw, 'TIFF'), detector, opts, { index: i, count }));
  const merged = mergeParts(parts, detector.partOrder);
  return { whole, merged, parts };
}

function assertSameSpots(a: Awaited<ReturnType<typeof predictImage>>, b: Awaited<ReturnType<typeof predictImage>>, what: string) {
  assert.equal(b.planes.length, a.planes.length, what);
  a.planes.forEach((p, i) => {
    assert.equal(b.planes[i].spots.length, p.spots.length, `${what}: plane ${i} count`);
    // every value of every spot, bit for bit (fit included), in the same order
    assert.deepEqual(b.planes[i].spots, p.spots, `${what}: plane ${i}`);
    assert.equal(b.planes[i].threshold, p.threshold);
  });
}

test('network: N parts merged = the whole run, bit for bit, for N = 1, 2, 3, 4, 6 and 12 (a plane of 3×8 tiles of 128 px cores)', { skip }, async () => {
  const raw = image(300, 1000, 41);
  const opts: PredictOptions = { tileSize: 256, threads: 1 };
  const detector = await createDetector(opts);
  try {
    for (const n of [1, 2, 3, 4, 6, 12]) {
      const { whole, merged, parts } = await wholeAndMerged(raw, detector, opts, n);
      assert.ok(whole.planes[0].spots.length > 500, `${whole.planes[0].spots.length} spots`);
      assertSameSpots(whole, merged, `N = ${n}`);
      // the plane-wide numbers measured once and handed to every part: the same parts
      if (n === 6) {
        const g = await measureImageGlobals(memorySource(raw, 'TIFF'));
        for (const p of parts)
          assert.deepEqual(await predictPart(memorySource(raw, 'TIFF'), detector, opts, p.part, g), p, `part ${p.part.index} with globals`);
      }
      assert.equal(formatCsv(resultTable(merged, opts)), formatCsv(resultTable(whole, opts)));
      // the parts' cores tile the plane: every spot in exactly one part, each part's spots in its core
      const seen = parts.reduce((a, p) => a + p.result.planes[0].spots.length, 0);
      assert.equal(seen, whole.planes[0].spots.length);
      for (const p of parts)
        for (const s of p.result.planes[0].spots) assert.ok(s.y >= p.part.rs - 0.5 && s.y < p.part.re - 0.5 && s.x >= p.part.cs - 0.5 && s.x < p.part.ce - 0.5);
      // a part reads a box, not the plane (except N = 1)
      if (n >= 4)
        for (const p of parts)
          assert.ok((p.part.box.r1 - p.part.box.r0) * (p.part.box.c1 - p.part.box.c0) < 300 * 1000 * 0.8, `N = ${n}: box ${JSON.stringify(p.part.box)}`);
    }
  } finally {
    await detector.close();
  }
});

test('spots straddle the parts: the borders between parts have spots within 2 px of them', { skip }, async () => {
  const raw = image(300, 1000, 41);
  const opts: PredictOptions = { tileSize: 256, threads: 1 };
  const detector = await createDetector(opts);
  try {
    const { parts } = await wholeAndMerged(raw, detector, opts, 6);
    const borders = [...new Set(parts.map((p) => p.part.cs).filter((c) => c > 0))];
    const near = parts.flatMap((p) => p.result.planes[0].spots).filter((s) => borders.some((b) => Math.abs(s.x - (b - 0.5)) < 2));
    assert.ok(near.length >= 5, `${near.length} spots within 2 px of the borders ${borders.join(', ')}`);
  } finally {
    await detector.close();
  }
});

test('network with --fit and --radius, and a time series plane by plane: merged = whole, bit for bit', { skip }, async () => {
  const raw = image(200, 600, 7, 3);
  const opts: PredictOptions = { tileSize: 256, threads: 1, fit: { halfWidth: 3 }, radius: 2 };
  const detector = await createDetector(opts);
  try {
    const { whole, merged } = await wholeAndMerged(raw, detector, opts, 4);
    assert.equal(whole.planes.length, 3);
    assert.ok(whole.planes.every((p) => p.spots.some((s) => s.fit?.status === 'ok')));
    assertSameSpots(whole, merged, 'fit + radius, 3 frames');
    assert.equal(formatCsv(resultTable(merged, opts)), formatCsv(resultTable(whole, opts)));
  } finally {
    await detector.close();
  }
});

test('LoG with a numeric threshold: merged = whole (descending quality, ties in raster order), N = 2, 3, 8', async () => {
  const raw = image(520, 1030, 19);
  const opts: PredictOptions = { method: 'log', threshold: 15, fit: {} };
  const detector = await createDetector(opts);
  for (const n of [2, 3, 8]) {
    const { whole, merged } = await wholeAndMerged(raw, detector, opts, n);
    assert.ok(whole.planes[0].spots.length > 300);
    assertSameSpots(whole, merged, `LoG N = ${n}`);
  }
  await assert.rejects(
    predictPart(memorySource(raw, 'TIFF'), await createDetector({ method: 'log' }), { method: 'log' }, { index: 1, count: 2 }),
    (e: unknown) => e instanceof UserError && /numeric LoG threshold/.test(e.message),
  );
});

test('the noise model measured band by band = measured whole (integer and float data)', () => {
  const rng = new Rng(5);
  for (const [H, W, float] of [
    [100, 70, false],
    [257, 129, true],
  ] as const) {
    const data = float ? new Float32Array(H * W) : new Uint16Array(H * W);
    for (let i = 0; i < data.length; i++) data[i] = float ? 100 + 10 * rng.normal() + (i % 97 === 0 ? 500 : 0) : Math.round(100 + 10 * rng.normal());
    const whole = noiseModel({ data, height: H, width: W });
    for (const band of [16, 32, 64]) {
      const acc = new NoiseGlobalsAccumulator(H, W);
      for (let r = 0; r < H; r += band) acc.add(data.subarray(r * W, Math.min(H, r + band) * W), r);
      const g = acc.result();
      // the whole model with these globals is the whole model
      assert.deepEqual(noiseModel({ data, height: H, width: W }, undefined, undefined, g), whole, `${H}×${W} float ${float} band ${band}`);
      if (!float) assert.equal(g.q, 1);
      else assert.ok(g.q > 0 && g.q < 1e-3, `q ${g.q}`);
    }
    const acc = new NoiseGlobalsAccumulator(H, W);
    assert.throws(() => acc.add(data.subarray(0, 10 * W), 0), /whole block rows/);
  }
});

test('part layout: the most square split, row-major numbering, clear errors', () => {
  const grid = {
    rows: [0, 1, 2].map((i) => [i * 100, i * 100 + 100] as [number, number]),
    cols: [0, 1, 2, 3, 4, 5].map((i) => [i * 100, i * 100 + 100] as [number, number]),
  };
  const c = partCore(grid, 300, 600, { index: 5, count: 6 });
  assert.deepEqual(c, { rs: 100, re: 300, cs: 200, ce: 400, pr: 2, pc: 3 });
  assert.deepEqual(partCore(grid, 300, 600, { index: 1, count: 1 }), { rs: 0, re: 300, cs: 0, ce: 600, pr: 1, pc: 1 });
  assert.throws(() => partCore(grid, 300, 600, { index: 1, count: 19 }), /cannot cut this image into 19 parts/);
  assert.throws(() => partCore(grid, 300, 600, { index: 7, count: 6 }), /1 ≤ I ≤ N/);
});

test('merge refuses a missing part, a repeated part, parts of other splits, images or settings', () => {
  const mk = (index: number, count: number, name = 'a.tif', threshold = 0.5): { file: string; part: PartFile } => ({
    file: `${name}.part-${index}-of-${count}.json`,
    part: {
      format: 'deepblink-part',
      version: 1,
      tool: 'deepblink',
      order: 'key',
      image: { name, shape: [10, 10], dtype: 'uint16' },
      settings: { threshold },
      table: {},
      result: {
        file: name,
        axes: 'yx',
        axesSource: 'guessed',
        shape: [10, 10],
        pixelSizeSource: 'none',
        planes: [{ c: 0, t: 0, z: 0, spots: [{ y: index, x: 0, score: 0.9 }], threshold }],
        scoreColumn: 'p',
        warnings: [],
      },
      keys: [[10 - index]],
      part: { index, count, rs: 0, re: 10, cs: 0, ce: 10, box: { r0: 0, r1: 10, c0: 0, c1: 10 } },
    },
  });
  const ok = mergePartFiles([mk(1, 3), mk(3, 3), mk(2, 3)]);
  assert.deepEqual(
    ok.result.planes[0].spots.map((s) => s.y),
    [3, 2, 1],
  ); // by key
  assert.throws(() => mergePartFiles([mk(1, 3), mk(3, 3)]), /missing part 2\/3/);
  assert.throws(() => mergePartFiles([mk(1, 2), mk(1, 2), mk(2, 2)]), /part 1\/2 given twice/);
  assert.throws(() => mergePartFiles([mk(1, 2), mk(2, 3)]), /different splits/);
  assert.throws(() => mergePartFiles([mk(1, 2), mk(2, 2, 'b.tif')]), /another image/);
  assert.throws(() => mergePartFiles([mk(1, 2), mk(2, 2, 'a.tif', 0.3)]), /other settings/);
  assert.throws(() => parsePartFile('{"format":"x"}', 'f.json'), /not a deepblink part file/);
  assert.throws(() => parsePartFile('nope', 'f.json'), /not JSON/);
  assert.equal(parsePartFile(JSON.stringify(mk(1, 1).part), 'f.json').part.index, 1);
});

test('3-D (z-stacks detected as volumes): N parts merged = the whole run, bit for bit, for the network and the LoG', { skip }, async () => {
  const sim = simulateStack({ depth: 10, height: 260, width: 520, count: 400, snr: [3, 10] }, 11);
  const data = Uint16Array.from(sim.image, (v) => Math.round(v));
  const raw: RawImage = { path: 'stack.tif', data, shape: [10, 260, 520], dtype: 'uint16', axes: 'zyx', warnings: [] };
  for (const opts of [
    { tileSize: 256, threads: 1, radius: 2 },
    { method: 'log', threshold: 20 },
  ] as PredictOptions[]) {
    const detector = await createDetector(opts);
    try {
      for (const n of [2, 4, 6]) {
        const whole = await predictImage(raw, detector, opts);
        assert.ok(whole.volumes && whole.volumes[0].spots.length > 200, `${whole.volumes?.[0].spots.length} spots`);
        const parts: PartResult[] = [];
        for (let i = 1; i <= n; i++) parts.push(await predictPart(memorySource(raw, 'TIFF'), detector, opts, { index: i, count: n }));
        const merged = mergeParts(parts, detector.partOrder);
        assert.deepEqual(merged.volumes, whole.volumes, `${opts.method ?? 'network'} N = ${n}`);
        assert.equal(formatCsv(resultTable(merged, opts)), formatCsv(resultTable(whole, opts)));
      }
    } finally {
      await detector.close();
    }
  }
});
