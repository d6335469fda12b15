import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { deepblinkSpec, paramList, type NetworkSpec } from '../network/spec.js';
import { Rng } from '../math/rng.js';
import type { Batch, OptimizerSettings, TrainEngine } from './engine.js';
import { createTfjsEngine, initTfjs, initialWeights, lossParts } from './tfjs.js';
import { spatialDropoutMask } from './tfjs-net.js';
import { createOptimizer } from './tfjs-optim.js';

const tiny = (dropout = 0.3): NetworkSpec => deepblinkSpec({ filters: 2, ndown: 1, cellSize: 2, dropout });

function randomBatch(seed: number, n = 2, size = 16, cell = 2): Batch {
  const rng = new Rng(seed);
  const x = new Float32Array(n * size * size);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const g = size / cell;
  const y = new Float32Array(n * g * g * 3);
  for (let k = 0; k < n * 3; k++) {
    const o = rng.int(n * g * g) * 3;
    y[o] = 1;
    y[o + 1] = rng.uniform();
    y[o + 2] = rng.uniform();
  }
  return { x, y, n, height: size, width: size };
}

const amsgrad: OptimizerSettings = { name: 'amsgrad', learningRate: 1e-3 };

describe('tfjs training engine', () => {
  before(async () => {
    assert.equal(await initTfjs(), 'wasm');
    assert.equal(await initTfjs(), 'wasm', 'idempotent');
  });

  it('has the parameters of paramList, in order, with their shapes', async () => {
    const spec = tiny();
    const e = await createTfjsEngine(spec, { optimizer: amsgrad, seed: 1 });
    const w = e.getWeights();
    const infos = paramList(spec);
    assert.deepEqual(
      [...w.keys()],
      infos.map((p) => p.name),
    );
    for (const p of infos) {
      assert.deepEqual(w.get(p.name)!.shape, p.shape, p.name);
      assert.equal(
        w.get(p.name)!.data.length,
        p.shape.reduce((a, b) => a * b, 1),
      );
    }
    const s = e.getOptimizerState();
    assert.equal(s.name, 'amsgrad');
    assert.equal(s.step, 0);
    assert.deepEqual(
      [...s.slots.keys()],
      infos.flatMap((p) => [`${p.name}/m`, `${p.name}/v`, `${p.name}/vhat`]),
    );
    e.dispose();
  });

  it('seeded initialisation is deterministic and follows Keras he_normal / glorot_uniform / zeros', () => {
    const spec = deepblinkSpec(); // the full network: 1.26 M values, drawn in JS
    const a = initialWeights(spec, 3);
    const b = initialWeights(spec, 3);
    const c = initialWeights(spec, 4);
    for (const [k, v] of a) assert.deepEqual(v.data, b.get(k)!.data, k);
    assert.notDeepEqual(a.get('enc0_conv0/kernel')!.data, c.get('enc0_conv0/kernel')!.data);
    for (const p of paramList(spec)) {
      const d = a.get(p.name)!.data;
      if (p.init === 'zeros') {
        assert.ok(
          d.every((v) => v === 0),
          p.name,
        );
      } else if (p.init === 'glorot_uniform') {
        const lim = Math.sqrt(6 / (p.fanIn + p.fanOut));
        assert.ok(
          d.every((v) => Math.abs(v) <= lim),
          p.name,
        );
      } else {
        const sd = Math.sqrt(2 / p.fanIn);
        let s2 = 0;
        let max = 0;
        for (const v of d) {
          s2 += v * v;
          max = Math.max(max, Math.abs(v));
        }
        assert.ok(max <= (2 * sd) / 0.87962566103423978 + 1e-9, `${p.name}: truncated at 2 σ`);
        if (d.length >= 10000) {
          const std = Math.sqrt(s2 / d.length);
          assert.ok(Math.abs(std / sd - 1) < 0.03, `${p.name}: std ${std} vs ${sd}`);
        }
      }
    }
  });

  it('spatial dropout drops whole channels with the given rate and rescales the rest', () => {
    const m = spatialDropoutMask(new Rng(1), 100, 100, 0.3);
    let dropped = 0;
    for (const v of m) {
      if (v === 0) dropped++;
      else assert.ok(Math.abs(v - 1 / 0.7) < 1e-6);
    }
    assert.ok(Math.abs(dropped / m.length - 0.3) < 0.03, `dropped ${dropped / m.length}`);
  });

  it('predict gives N×H/cell×W/cell×3 in (0,1); get/setWeights round trip gives identical output', async () => {
    const spec = tiny();
    const a = await createTfjsEngine(spec, { optimizer: amsgrad, seed: 11 });
    const b = await createTfjsEngine(spec, { optimizer: amsgrad, seed: 12 });
    const batch = randomBatch(1, 2, 32);
    const pa = await a.predict(batch.x, 2, 32, 32);
    assert.equal(pa.length, 2 * 16 * 16 * 3);
    assert.ok(pa.every((v) => v > 0 && v < 1));
    assert.deepEqual(await a.predict(batch.x, 2, 32, 32), pa, 'inference is deterministic (no dropout)');
    assert.notDeepEqual(await b.predict(batch.x, 2, 32, 32), pa);
    b.setWeights(a.getWeights());
    assert.deepEqual(await b.predict(batch.x, 2, 32, 32), pa);
    const c = await createTfjsEngine(spec, { optimizer: amsgrad, seed: 99, weights: a.getWeights() });
    assert.deepEqual(await c.predict(batch.x, 2, 32, 32), pa);
    const bad = a.getWeights();
    bad.set('head/kernel', { shape: [1, 1, 3, 3], data: new Float32Array(9) });
    assert.throws(() => b.setWeights(bad), /shape/);
    await assert.rejects(() => a.predict(batch.x, 2, 31, 31), /multiple/);
    for (const e of [a, b, c]) e.dispose();
  });

  it('evaluate agrees with the float64 loss on its own output, plus l2·Σw²', async () => {
    const spec = tiny();
    const e = await createTfjsEngine(spec, { optimizer: amsgrad, seed: 5 });
    const batch = randomBatch(2);
    const ev = await e.evaluate(batch);
    const ref = lossParts(batch.y, ev.output, 2, 8, 8);
    assert.ok(Math.abs(ev.dice - ref.dice) < 1e-5, `dice ${ev.dice} vs ${ref.dice}`);
    assert.ok(Math.abs(ev.rmse - ref.rmse) < 1e-5, `rmse ${ev.rmse} vs ${ref.rmse}`);
    let l2 = 0;
    const w = e.getWeights();
    for (const p of paramList(spec)) if (p.l2) for (const v of w.get(p.name)!.data) l2 += v * v;
    l2 *= spec.config.l2;
    assert.ok(Math.abs(ev.l2 - l2) <= 1e-5 * l2, `l2 ${ev.l2} vs ${l2}`);
    assert.ok(Math.abs(ev.loss - (ev.dice + 2 * ev.rmse + ev.l2)) < 1e-12);
    assert.deepEqual(ev.output, await e.predict(batch.x, 2, 16, 16));
    e.dispose();
  });

  for (const name of ['amsgrad', 'adam', 'rmsprop'] as const) {
    it(`optimizer state round trip (${name}): same weights + state → the same next step`, async () => {
      const spec = tiny();
      const settings: OptimizerSettings = { name, learningRate: 1e-3 };
      const a = await createTfjsEngine(spec, { optimizer: settings, seed: 21 });
      for (let s = 0; s < 3; s++) await a.trainStep(randomBatch(100 + s));
      const state = a.getOptimizerState();
      assert.equal(state.step, 3);
      const b = await createTfjsEngine(spec, { optimizer: settings, seed: 21, weights: a.getWeights() });
      b.setOptimizerState(state);
      const batch = randomBatch(7);
      const la = await a.trainStep(batch);
      const lb = await b.trainStep(batch);
      assert.deepEqual(lb, la);
      const wa = a.getWeights();
      const wb = b.getWeights();
      for (const [k, v] of wa) assert.deepEqual(wb.get(k)!.data, v.data, k);
      const sa = a.getOptimizerState();
      const sb = b.getOptimizerState();
      assert.equal(sb.step, 4);
      for (const [k, v] of sa.slots) assert.deepEqual(sb.slots.get(k)!, v, k);
      assert.throws(() => b.setOptimizerState({ ...state, name: name === 'adam' ? 'rmsprop' : 'adam' }), /optimizer state/);
      a.dispose();
      b.dispose();
    });
  }

  it('optimizer updates match Keras formulas (float64 reference)', () => {
    const g1 = [0.5, -1, 0.001];
    const grads = [g1, g1.map((v) => -2 * v), g1.map((v) => 0.1 * v)];
    const w0 = [1, 2, -3];
    for (const name of ['amsgrad', 'adam', 'rmsprop'] as const) {
      const lr = 0.01;
      const opt = createOptimizer({ name, learningRate: lr }, [{ name: 'p', shape: [3] }]);
      const v = tf.variable(tf.tensor1d(w0));
      const ref = { w: [...w0], m: [0, 0, 0], v: [0, 0, 0], vh: [0, 0, 0] };
      grads.forEach((g, step) => {
        const gt = tf.tensor1d(g);
        opt.apply(new Map([['p', v]]), { p: gt });
        gt.dispose();
        const t = step + 1;
        for (let i = 0; i < 3; i++) {
          if (name === 'rmsprop') {
            ref.v[i] = 0.9 * ref.v[i] + 0.1 * g[i] * g[i];
            ref.w[i] -= (lr * g[i]) / (Math.sqrt(ref.v[i]) + 1e-7);
          } else {
            ref.m[i] = 0.9 * ref.m[i] + 0.1 * g[i];
            ref.v[i] = 0.999 * ref.v[i] + 0.001 * g[i] * g[i];
            ref.vh[i] = Math.max(ref.vh[i], ref.v[i]);
            const lrT = (lr * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
            ref.w[i] -= (lrT * ref.m[i]) / (Math.sqrt(name === 'amsgrad' ? ref.vh[i] : ref.v[i]) + 1e-7);
          }
        }
      });
      const got = v.dataSync();
      for (let i = 0; i < 3; i++) assert.ok(Math.abs(got[i] - ref.w[i]) < 1e-6, `${name}[${i}]: ${got[i]} vs ${ref.w[i]}`);
      const st = opt.getState();
      assert.equal(st.step, 3);
      if (name === 'amsgrad') for (let i = 0; i < 3; i++) assert.ok(Math.abs(st.slots.get('p/vhat')![i] - ref.vh[i]) < 1e-9);
      v.dispose();
      opt.dispose();
    }
  });

  it('keeps the number of tensors flat over steps and frees everything on dispose', async () => {
    const start = tf.memory().numTensors;
    const e: TrainEngine = await createTfjsEngine(tiny(), { optimizer: amsgrad, seed: 2 });
    const batch = randomBatch(3);
    await e.trainStep(batch);
    const after1 = tf.memory().numTensors;
    for (let s = 0; s < 5; s++) {
      await e.trainStep(batch);
      await e.evaluate(batch);
      await e.predict(batch.x, 2, 16, 16);
      e.getWeights();
      e.getOptimizerState();
    }
    assert.equal(tf.memory().numTensors, after1);
    e.dispose();
    assert.equal(tf.memory().numTensors, start);
    await assert.rejects(() => e.trainStep(batch), /disposed/);
  });

  it('dropout is on in training and seeded by (seed, step)', async () => {
    // two engines, same weights and seed → identical steps; a different seed → different dropout
    const spec = tiny(0.5);
    const w = initialWeights(spec, 8);
    const a = await createTfjsEngine(spec, { optimizer: amsgrad, seed: 1, weights: w });
    const b = await createTfjsEngine(spec, { optimizer: amsgrad, seed: 1, weights: w });
    const c = await createTfjsEngine(spec, { optimizer: amsgrad, seed: 2, weights: w });
    const batch = randomBatch(4);
    const d = await createTfjsEngine(tiny(0), { optimizer: amsgrad, seed: 1, weights: w });
    const [la, lb, lc, ld] = [await a.trainStep(batch), await b.trainStep(batch), await c.trainStep(batch), await d.trainStep(batch)];
    assert.deepEqual(la, lb);
    assert.notEqual(la.loss, lc.loss);
    assert.notEqual(la.loss, ld.loss);
    for (const e of [a, b, c, d]) e.dispose();
  });
});
