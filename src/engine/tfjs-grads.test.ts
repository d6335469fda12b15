import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { deepblinkSpec, paramList } from '../network/spec.js';
import { Rng } from '../math/rng.js';
import { initTfjs } from './tfjs.js';
import { countSpotCells, lossTensors } from './tfjs-loss.js';
import { forward, initialWeights } from './tfjs-net.js';

/** Distinct values k·0.1 − offset in random order (no ties, none within 0.05 of 0). */
function distinct(rng: Rng, size: number): Float32Array {
  const a = Array.from({ length: size }, (_, k) => (k + 0.5) * (2 / size) - 1);
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return Float32Array.from(a);
}

/**
 * Checks tf.grads of L(xs) = Σ f(xs)·r against central differences (every element of every
 * input). Values are O(1), so float32 differences with eps 1e-3 are good to ~1e-3.
 */
function checkGrad(name: string, f: (...xs: tf.Tensor[]) => tf.Tensor, shapes: number[][], seed = 1, eps = 1e-3): void {
  const rng = new Rng(seed);
  const xs = shapes.map((s) =>
    distinct(
      rng,
      s.reduce((a, b) => a * b, 1),
    ),
  );
  const outShape = tf.tidy(() => f(...xs.map((x, i) => tf.tensor(x, shapes[i]))).shape);
  const r = tf.tensor(
    Float32Array.from({ length: outShape.reduce((a, b) => a * b, 1) }, () => rng.uniformRange(-1, 1)),
    outShape,
  );
  const L = (...ts: tf.Tensor[]) => tf.sum(tf.mul(f(...ts), r));
  const value = (vals: Float32Array[]) => tf.tidy(() => L(...vals.map((x, i) => tf.tensor(x, shapes[i]))).dataSync()[0]);
  const grads = tf
    .tidy(() => tf.grads(L)(xs.map((x, i) => tf.tensor(x, shapes[i]))))
    .map((g) => {
      const d = g.dataSync().slice();
      g.dispose();
      return d;
    });
  xs.forEach((x, k) => {
    for (let i = 0; i < x.length; i++) {
      const plus = xs.map((v) => v.slice());
      const minus = xs.map((v) => v.slice());
      plus[k][i] += eps;
      minus[k][i] -= eps;
      const num = (value(plus) - value(minus)) / (2 * eps);
      const g = grads[k][i];
      assert.ok(Math.abs(g - num) <= 2e-3 * Math.max(1, Math.abs(num)), `${name}: d/dx${k}[${i}] = ${g}, numeric ${num}`);
    }
  });
  r.dispose();
}

describe('registered gradients (wasm)', () => {
  before(async () => {
    await initTfjs();
  });

  const cases: Array<[string, (...xs: tf.Tensor[]) => tf.Tensor, number[][]]> = [
    ['Add (broadcast)', (a, b) => tf.add(a, b), [[2, 3, 4], [4]]],
    [
      'Sub (broadcast)',
      (a, b) => tf.sub(a, b),
      [
        [2, 1, 4],
        [3, 1],
      ],
    ],
    [
      'Multiply (broadcast)',
      (a, b) => tf.mul(a, b),
      [
        [2, 2, 2, 3],
        [2, 1, 1, 3],
      ],
    ],
    ['RealDiv (broadcast)', (a, b) => tf.div(a, tf.add(tf.square(b), 1)), [[2, 3], [3]]],
    ['AddN', (a, b, c) => tf.addN([a, b, c]), [[5], [5], [5]]],
    ['Neg, Square', (a) => tf.square(tf.neg(a)), [[6]]],
    ['Sqrt', (a) => tf.sqrt(tf.add(tf.square(a), 0.5)), [[6]]],
    ['Sum (axes)', (a) => tf.sum(a, [1, 2]), [[2, 3, 2, 2]]],
    ['Mean (axes)', (a) => tf.mean(a, [1, 2]), [[2, 3, 2, 2]]],
    ['Reshape', (a) => tf.reshape(a, [3, 4]), [[2, 6]]],
    [
      'Concat',
      (a, b) => tf.concat([a, b], 3),
      [
        [1, 2, 2, 2],
        [1, 2, 2, 3],
      ],
    ],
    ['SplitV', (a) => tf.split(a, [1, 2], 3)[1], [[1, 2, 2, 3]]],
    [
      'BatchMatMul',
      (a, b) => tf.matMul(a, b),
      [
        [2, 3],
        [3, 4],
      ],
    ],
    [
      'BatchMatMul (tA, tB)',
      (a, b) => tf.matMul(a, b, true, true),
      [
        [3, 2],
        [4, 3],
      ],
    ],
    [
      'BatchMatMul (tA)',
      (a, b) => tf.matMul(a, b, true, false),
      [
        [3, 2],
        [3, 4],
      ],
    ],
    [
      'BatchMatMul (tB)',
      (a, b) => tf.matMul(a, b, false, true),
      [
        [2, 3],
        [4, 3],
      ],
    ],
    ['LeakyRelu', (a) => tf.leakyRelu(a, 0.2), [[10]]],
    ['Relu', (a) => tf.relu(a), [[10]]],
    ['Sigmoid', (a) => tf.sigmoid(a), [[10]]],
    ['MaxPool 2×2', (a) => tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), [[2, 4, 4, 3]]],
    ['ResizeNearestNeighbor ×2', (a) => tf.image.resizeNearestNeighbor(a as tf.Tensor4D, [6, 4]), [[1, 3, 2, 2]]],
    [
      'Conv2D 3×3 same',
      (a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'),
      [
        [1, 4, 4, 2],
        [3, 3, 2, 2],
      ],
    ],
  ];
  for (const [name, f, shapes] of cases) it(name, () => checkGrad(name, f, shapes));

  it('whole tiny network + loss: gradients match finite differences', () => {
    const spec = deepblinkSpec({ filters: 2, ndown: 1, cellSize: 2, dropout: 0 });
    const w = initialWeights(spec, 3);
    const vars = new Map<string, tf.Tensor>();
    for (const [k, v] of w) vars.set(k, tf.variable(tf.tensor(v.data, v.shape)));
    const rng = new Rng(9);
    const n = 2;
    const size = 8;
    const x = tf.tensor4d(
      Float32Array.from({ length: n * size * size }, () => rng.normal()),
      [n, size, size, 1],
    );
    const yv = new Float32Array(n * 4 * 4 * 3);
    for (const c of [0, 5, 17, 30]) {
      yv[c * 3] = 1;
      yv[c * 3 + 1] = 0.25 + 0.5 * rng.uniform();
      yv[c * 3 + 2] = 0.25 + 0.5 * rng.uniform();
    }
    const y = tf.tensor4d(yv, [n, 4, 4, 3]);
    const spots = countSpotCells(yv);
    const loss = () =>
      tf.tidy(() => {
        const r = lossTensors(y, forward(spec, vars, x, { training: true, rng: new Rng(0) }), spots);
        return tf.add(r.dice, tf.mul(r.rmse, 2)) as tf.Scalar;
      });
    const { grads } = tf.variableGrads(loss, [...vars.values()] as tf.Variable[]);
    const byParam = new Map<string, Float32Array>();
    for (const [k, v] of vars) byParam.set(k, grads[(v as tf.Variable).name].dataSync() as Float32Array);
    tf.dispose(grads);
    // probe a few entries of every kernel
    let checked = 0;
    for (const p of paramList(spec)) {
      const v = vars.get(p.name) as tf.Variable;
      const base = v.dataSync().slice();
      const g = byParam.get(p.name)!;
      let imax = 0;
      for (let i = 0; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[imax])) imax = i;
      for (const i of [imax, rng.int(g.length)]) {
        const eps = 3e-3;
        const at = (d: number) => {
          const b = base.slice();
          b[i] += d;
          tf.tidy(() => v.assign(tf.tensor(b, v.shape)));
          const t = loss();
          const val = t.dataSync()[0];
          t.dispose();
          return val;
        };
        const num = (at(eps) - at(-eps)) / (2 * eps);
        tf.tidy(() => v.assign(tf.tensor(base, v.shape)));
        assert.ok(Math.abs(g[i] - num) <= 2e-3 + 0.05 * Math.abs(num), `${p.name}[${i}]: ${g[i]} vs numeric ${num}`);
        checked++;
      }
    }
    assert.ok(checked > 50);
    tf.dispose([...vars.values(), x, y]);
  });
});
