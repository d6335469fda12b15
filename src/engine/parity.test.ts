/**
 * The two engines must agree: a network trained with TensorFlow.js and exported to ONNX gives
 * the same grid in onnxruntime (max abs difference ≤ 1e-4), for a tiny network and for the
 * paper network.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTfjsEngine } from './tfjs.js';
import { exportOnnx } from './onnx-format.js';
import { createOnnxPredictor } from './onnxruntime.js';
import { networkSpec, type NetworkConfig } from '../network/spec.js';
import { Rng } from '../math/rng.js';
import { encodeSpots } from '../network/grid-spots.js';

async function maxDiff(config: Partial<NetworkConfig>, h: number, w: number, trainSteps: number): Promise<number> {
  const spec = networkSpec(config);
  const engine = await createTfjsEngine(spec, { optimizer: { name: 'amsgrad', learningRate: 1e-3 }, seed: 11 });
  const rng = new Rng(12);
  const x = Float32Array.from({ length: h * w }, () => rng.normal());
  const cell = spec.config.cellSize;
  const y = encodeSpots(
    [
      [3, 4],
      [h / 2, w / 3],
    ],
    h,
    w,
    cell,
  ).data as Float32Array;
  // a few steps so the weights are not just the initialisation
  for (let i = 0; i < trainSteps; i++) await engine.trainStep({ x, y, n: 1, height: h, width: w });
  const a = await engine.predict(x, 1, h, w);
  const predictor = await createOnnxPredictor(exportOnnx(spec, engine.getWeights(), {}));
  const b = await predictor.run(x, h, w);
  await predictor.dispose();
  engine.dispose();
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

test('tfjs and onnxruntime agree on a tiny trained network (≤ 1e-4)', async () => {
  const d = await maxDiff({ filters: 2, ndown: 1, cellSize: 2 }, 32, 48, 5);
  assert.ok(d <= 1e-4, `max abs diff ${d}`);
});

test('tfjs and onnxruntime agree on a lean network: space-to-depth channel order and U-Net at grid resolution (≤ 1e-4)', async () => {
  const d = await maxDiff({ architecture: 'lean', filters: 3, ndown: 2, cellSize: 4 }, 32, 64, 5);
  assert.ok(d <= 1e-4, `max abs diff ${d}`);
});

test('tfjs and onnxruntime agree on the paper network (≤ 1e-4)', async () => {
  const d = await maxDiff({}, 64, 64, 1);
  assert.ok(d <= 1e-4, `max abs diff ${d}`);
});
