import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { deepblinkSpec } from '../network/spec.js';
import { Rng } from '../math/rng.js';
import type { Batch } from './engine.js';
import { createTfjsEngine } from './tfjs.js';

const SIZE = 16;
const CELL = 2;
const G = SIZE / CELL;

/** Noise images with one bright pixel each; y marks its cell (p = 1, relative row/col). */
function toyBatch(rng: Rng, n: number): Batch & { cells: number[] } {
  const x = new Float32Array(n * SIZE * SIZE);
  const y = new Float32Array(n * G * G * 3);
  const cells: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < SIZE * SIZE; k++) x[i * SIZE * SIZE + k] = rng.normal(0, 0.1);
    const r = rng.int(SIZE);
    const c = rng.int(SIZE);
    x[i * SIZE * SIZE + r * SIZE + c] += 3;
    const cr = Math.floor(r / CELL);
    const cc = Math.floor(c / CELL);
    const cell = (i * G + cr) * G + cc;
    cells.push(cell);
    y[cell * 3] = 1;
    y[cell * 3 + 1] = (r - cr * CELL) / CELL;
    y[cell * 3 + 2] = (c - cc * CELL) / CELL;
  }
  return { x, y, n, height: SIZE, width: SIZE, cells };
}

describe('tfjs engine learns a toy task', () => {
  it('one bright pixel per image → p at its cell (300 AMSGrad steps)', async () => {
    const spec = deepblinkSpec({ filters: 2, ndown: 1, cellSize: CELL, dropout: 0 });
    const e = await createTfjsEngine(spec, { optimizer: { name: 'amsgrad', learningRate: 3e-3 }, seed: 1 });
    const rng = new Rng(7);
    const test = toyBatch(new Rng(99), 8);
    const before = await e.evaluate(test);
    const losses: number[] = [];
    const tensors0 = tf.memory().numTensors;
    for (let s = 0; s < 300; s++) losses.push((await e.trainStep(toyBatch(rng, 4))).loss);
    assert.equal(tf.memory().numTensors, tensors0, 'no tensor leak over 300 steps');
    const first = losses.slice(0, 10).reduce((a, b) => a + b) / 10;
    const last = losses.slice(-20).reduce((a, b) => a + b) / 20;
    assert.ok(last < first / 5, `training loss ${first} → ${last}`);
    const after = await e.evaluate(test);
    assert.ok(after.loss < before.loss / 5, `held-out loss ${before.loss} → ${after.loss}`);
    for (let i = 0; i < test.n; i++) {
      const hit = test.cells[i];
      assert.ok(after.output[hit * 3] > 0.5, `image ${i}: p at the spot cell = ${after.output[hit * 3]}`);
      for (let k = i * G * G; k < (i + 1) * G * G; k++) {
        if (k !== hit) assert.ok(after.output[k * 3] < 0.5, `image ${i}: p = ${after.output[k * 3]} at an empty cell`);
      }
    }
    e.dispose();
  });
});
