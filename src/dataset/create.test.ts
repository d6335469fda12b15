import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CROP_MULTIPLE, checkCropSize, createDataset } from './create.js';
import type { DeepblinkError } from '../core/errors.js';
import { simulateFiles, simulateScenesDataset } from './simulate.js';
import { readManifest, type DatasetEvent } from './dataset.js';

test('simulateFiles + createDataset: library calls, progress as events, a failing image skipped', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deepblink-create-'));
  const sim = path.join(dir, 'sim');
  const simEvents: DatasetEvent[] = [];
  const s = await simulateFiles({ output: sim, number: 3, seed: 2, params: { height: 64, width: 64, density: 20 }, onEvent: (e) => simEvents.push(e) });
  assert.equal(s.images, 3);
  assert.deepEqual(s.failures, []);
  assert.deepEqual(
    simEvents.map((e) => e.type),
    ['item', 'itemDone', 'item', 'itemDone', 'item', 'itemDone'],
  );
  assert.ok(readdirSync(sim).includes('simulation.json'));
  rmSync(path.join(sim, 'sim_0001.csv'));

  const events: DatasetEvent[] = [];
  const res = await createDataset({ input: sim, output: path.join(dir, 'ds'), size: 32, seed: 1, onEvent: (e) => events.push(e) });
  assert.deepEqual(
    events.filter((e) => e.type !== 'info').map((e) => `${e.type} ${'name' in e ? path.basename(e.name) : ''}`),
    ['item sim_0000.tif', 'itemDone sim_0000.tif', 'item sim_0001.tif', 'itemFailed sim_0001.tif', 'item sim_0002.tif', 'itemDone sim_0002.tif'],
  );
  assert.equal(res.images, 2);
  assert.equal(res.failures.length, 1);
  assert.match(String((res.failures[0].error as Error).message), /no label file/);
  const m = await readManifest(path.join(dir, 'ds'));
  assert.deepEqual(m, res.manifest);
  const n = m.splits.train.length + m.splits.valid.length + m.splits.test.length;
  assert.ok(n >= 3 && n <= 8, `${n} crops`);
  await assert.rejects(createDataset({ input: sim, output: path.join(dir, 'ds'), size: 32 }), /already exists/);
});

test('createDataset refuses crop sizes the networks cannot take, before reading anything; and fractions leaving nothing to train', async () => {
  assert.equal(CROP_MULTIPLE, 8);
  for (const [size, near] of [
    [100, '96 or 104'],
    [4, '8'],
    [60, '56 or 64'],
  ] as const) {
    await assert.rejects(createDataset({ input: 'no/such/folder', output: 'no/such/ds', size }), (e: DeepblinkError) => {
      assert.equal(e.code, 'invalid-option');
      assert.equal(e.message, `crop size ${size} cannot be trained on: the networks need a multiple of 8 px (${near} would do; 64, 128 and 256 are usual)`);
      return true;
    });
  }
  for (const size of [8, 64, 96, 256]) assert.doesNotThrow(() => checkCropSize(size));
  await assert.rejects(createDataset({ input: 'x', output: 'y', size: 64, valid: 0.5, test: 0.5 }), /valid 0\.5 \+ test 0\.5 must be below 1/);
});

test('simulateScenesDataset is reproducible from its seed', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deepblink-scenes-'));
  const a = await simulateScenesDataset({ output: path.join(dir, 'a'), number: 4, size: 32, seed: 3, categories: 0.5 });
  const b = await simulateScenesDataset({ output: path.join(dir, 'b'), number: 4, size: 32, seed: 3, categories: 0.5 });
  assert.deepEqual({ ...a, created: '' }, { ...b, created: '' });
  assert.equal(a.splits.train.length + a.splits.valid.length + a.splits.test.length, 4);
});
