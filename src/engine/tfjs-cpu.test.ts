/**
 * Cross-check of the wasm backend (with our kernels and gradients) against tfjs' pure-JS cpu
 * backend: forward pass (inference and training with dropout) and all parameter gradients of
 * the loss for a tiny network. Switches the global backend, so it lives in its own file
 * (node --test runs each file in its own process).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { deepblinkSpec } from '../network/spec.js';
import { Rng } from '../math/rng.js';
import { initTfjs, registerGradientKernels } from './tfjs.js';
import { countSpotCells, lossTensors } from './tfjs-loss.js';
import { forward, initialWeights } from './tfjs-net.js';

interface Result {
  inference: Float32Array;
  loss: number;
  grads: Map<string, Float32Array>;
}

function compute(): Result {
  const spec = deepblinkSpec({ filters: 2, ndown: 1, cellSize: 2, dropout: 0.3 });
  const w = initialWeights(spec, 17);
  const rng = new Rng(4);
  const [n, size] = [2, 16];
  const xv = Float32Array.from({ length: n * size * size }, () => rng.normal());
  const yv = new Float32Array(n * 8 * 8 * 3);
  for (const c of [3, 20, 64 + 9, 64 + 40]) {
    yv[c * 3] = 1;
    yv[c * 3 + 1] = rng.uniform();
    yv[c * 3 + 2] = rng.uniform();
  }
  const vars = new Map<string, tf.Variable>();
  for (const [k, v] of w) vars.set(k, tf.variable(tf.tensor(v.data, v.shape)));
  const x = tf.tensor4d(xv, [n, size, size, 1]);
  const y = tf.tensor4d(yv, [n, 8, 8, 3]);
  const inference = tf.tidy(() => forward(spec, vars as Map<string, tf.Tensor>, x, { training: false }).dataSync() as Float32Array);
  const { value, grads } = tf.variableGrads(() => {
    const out = forward(spec, vars as Map<string, tf.Tensor>, x, { training: true, rng: new Rng(8) });
    const r = lossTensors(y, out, countSpotCells(yv));
    return tf.add(r.dice, tf.mul(r.rmse, 2)) as tf.Scalar;
  }, [...vars.values()]);
  const res: Result = { inference, loss: value.dataSync()[0], grads: new Map() };
  for (const [k, v] of vars) res.grads.set(k, grads[v.name].dataSync() as Float32Array);
  tf.dispose([value, x, y, ...Object.values(grads), ...vars.values()]);
  return res;
}

function close(a: Float32Array, b: Float32Array, tol: number, what: string): void {
  let scale = 1e-6;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  assert.ok(worst <= tol * scale, `${what}: max |diff| ${worst} vs scale ${scale}`);
}

describe('wasm vs cpu backend', () => {
  it('same inference output, loss and gradients for a tiny network (1e-4 relative)', async () => {
    assert.equal(await initTfjs(), 'wasm');
    const wasm = compute();
    await import('@tensorflow/tfjs-backend-cpu');
    assert.ok(await tf.setBackend('cpu'));
    registerGradientKernels('cpu'); // what initTfjs does when it falls back to cpu
    const cpu = compute();
    close(wasm.inference, cpu.inference, 1e-4, 'inference');
    assert.ok(Math.abs(wasm.loss - cpu.loss) <= 1e-5 * Math.abs(cpu.loss), `loss ${wasm.loss} vs ${cpu.loss}`);
    const bad: string[] = [];
    for (const [k, g] of cpu.grads) {
      try {
        close(wasm.grads.get(k)!, g, 1e-4, `d loss / d ${k}`);
      } catch (e) {
        bad.push((e as Error).message);
      }
    }
    assert.deepEqual(bad, []);
  });
});
