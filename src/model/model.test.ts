import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeModel, encodeModel, loadModel, makeCard, modelPredictor, saveModel, METADATA_KEY } from './model.js';
import { deepblinkSpec } from '../network/spec.js';
import { randomWeights } from '../engine/reference.js';
import { exportOnnx } from '../engine/onnx-format.js';
import { Rng } from '../math/rng.js';

const spec = deepblinkSpec({ filters: 2, ndown: 1, cellSize: 2 });
const weights = randomWeights(spec, 3);
const dir = mkdtempSync(path.join(os.tmpdir(), 'deepblink-model-'));

test('save/load round trip: same card, same weights, identical predictions', async () => {
  const card = makeCard({
    name: 'tiny',
    network: spec.config,
    threshold: 0.35,
    description: 'test',
    scores: { valid: { images: 3, f1Integral: 0.5, f1At3: 0.6, rmse: 0.3 } },
  });
  const file = path.join(dir, 'tiny.onnx');
  const written = await saveModel(file, spec, weights, card);
  const m = await loadModel(file);
  // the card as written: the given one plus the weights' checksum
  assert.match(written.weightsSha256 ?? '', /^[0-9a-f]{64}$/);
  assert.deepEqual(written, { ...card, weightsSha256: written.weightsSha256 });
  assert.deepEqual(m.card, written);
  assert.deepEqual(m.notes, [], 'a calibrated threshold and a checksum: nothing to note');
  assert.deepEqual([...m.weights.keys()], [...weights.keys()]);
  for (const [k, w] of weights) assert.deepEqual(m.weights.get(k)!.data, w.data);
  const rng = new Rng(4);
  const x = Float32Array.from({ length: 32 * 32 }, () => rng.normal());
  const p1 = await modelPredictor(m);
  const a = await p1.run(x, 32, 32);
  // re-encode the loaded model and run again: bit-identical output
  const m2 = decodeModel(encodeModel(m.spec, m.weights, m.card), 'again');
  const p2 = await modelPredictor(m2);
  const b = await p2.run(x, 32, 32);
  assert.deepEqual(b, a);
  assert.equal(a.length, 16 * 16 * 3);
  await p1.dispose();
  await p2.dispose();
});

test('bad model files give one clear error naming the file', async () => {
  const good = encodeModel(spec, weights, makeCard({ name: 't', network: spec.config }));
  const cases: [string, Uint8Array | string, RegExp][] = [
    ['empty.onnx', new Uint8Array(0), /empty model file/],
    ['text.onnx', 'hello, I am not a model', /not a readable model file/],
    ['truncated.onnx', good.subarray(0, Math.floor(good.length * 0.6)), /not a readable model file: .*truncated/],
    ['plain.onnx', exportOnnx(spec, weights, {}), /not a deepblink model/],
    [
      'future.onnx',
      exportOnnx(spec, weights, { [METADATA_KEY]: JSON.stringify({ ...makeCard({ name: 'f', network: spec.config }), version: 99 }) }),
      /version 99 is newer/,
    ],
    ['badjson.onnx', exportOnnx(spec, weights, { [METADATA_KEY]: '{not json' }), /not valid JSON/],
  ];
  for (const [name, content, re] of cases) {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    await assert.rejects(loadModel(file), (err: Error & { file?: string }) => {
      assert.match(err.message, re, name);
      assert.equal(err.file, file);
      return true;
    });
  }
  await assert.rejects(loadModel(path.join(dir, 'missing.onnx')), /model file not found/);
  assert.ok(readFileSync(path.join(dir, 'truncated.onnx')).length > 0);
});

test('a card whose architecture does not match the weights is rejected', async () => {
  const other = deepblinkSpec({ filters: 3, ndown: 1, cellSize: 2 });
  const file = path.join(dir, 'mismatch.onnx');
  writeFileSync(file, exportOnnx(spec, weights, { [METADATA_KEY]: JSON.stringify(makeCard({ name: 'm', network: other.config })) }));
  await assert.rejects(loadModel(file), /do not match its architecture/);
});
