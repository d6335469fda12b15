import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../math/rng.js';
import { initTfjs } from './tfjs.js';

/** Naive float64 NHWC stride-1 convolution pieces with explicit pads. */
interface Geo {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  kh: number;
  kw: number;
  top: number;
  left: number;
  oh: number;
  ow: number;
}

function geometry(n: number, h: number, w: number, ci: number, co: number, k: number, pad: 'same' | 'valid'): Geo {
  if (pad === 'valid') return { n, h, w, ci, co, kh: k, kw: k, top: 0, left: 0, oh: h - k + 1, ow: w - k + 1 };
  // TF 'same' for stride 1: total k−1, the smaller half on top/left
  return { n, h, w, ci, co, kh: k, kw: k, top: Math.floor((k - 1) / 2), left: Math.floor((k - 1) / 2), oh: h, ow: w };
}

/** dW[ki,kj,c,o] = Σ x[n, i+ki−top, j+kj−left, c] · dy[n,i,j,o] */
function naiveDW(g: Geo, x: Float32Array, dy: Float32Array): Float64Array {
  const out = new Float64Array(g.kh * g.kw * g.ci * g.co);
  for (let b = 0; b < g.n; b++)
    for (let i = 0; i < g.oh; i++)
      for (let j = 0; j < g.ow; j++)
        for (let ki = 0; ki < g.kh; ki++)
          for (let kj = 0; kj < g.kw; kj++) {
            const a = i + ki - g.top;
            const c2 = j + kj - g.left;
            if (a < 0 || a >= g.h || c2 < 0 || c2 >= g.w) continue;
            for (let c = 0; c < g.ci; c++) {
              const xv = x[((b * g.h + a) * g.w + c2) * g.ci + c];
              for (let o = 0; o < g.co; o++) out[((ki * g.kw + kj) * g.ci + c) * g.co + o] += xv * dy[((b * g.oh + i) * g.ow + j) * g.co + o];
            }
          }
  return out;
}

/** dx[n,a,b,c] = Σ W[ki,kj,c,o] · dy[n, a−ki+top, b−kj+left, o] */
function naiveDX(g: Geo, wt: Float32Array, dy: Float32Array): Float64Array {
  const out = new Float64Array(g.n * g.h * g.w * g.ci);
  for (let b = 0; b < g.n; b++)
    for (let i = 0; i < g.oh; i++)
      for (let j = 0; j < g.ow; j++)
        for (let ki = 0; ki < g.kh; ki++)
          for (let kj = 0; kj < g.kw; kj++) {
            const a = i + ki - g.top;
            const c2 = j + kj - g.left;
            if (a < 0 || a >= g.h || c2 < 0 || c2 >= g.w) continue;
            for (let c = 0; c < g.ci; c++) {
              let s = 0;
              for (let o = 0; o < g.co; o++) s += wt[((ki * g.kw + kj) * g.ci + c) * g.co + o] * dy[((b * g.oh + i) * g.ow + j) * g.co + o];
              out[((b * g.h + a) * g.w + c2) * g.ci + c] += s;
            }
          }
  return out;
}

function randomArray(rng: Rng, size: number): Float32Array {
  const a = new Float32Array(size);
  for (let i = 0; i < size; i++) a[i] = rng.uniformRange(-1, 1);
  return a;
}

/** max |a−e| ≤ tol · max(1e-3, max |e|) */
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 1e-3;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  assert.ok(worst <= tol * scale, `${what}: max |diff| ${worst} > ${tol} × ${scale}`);
}

const CASES: Array<[string, number, number, number, number, number, number, 'same' | 'valid']> = [
  // name, n, h, w, ci, co, k, pad
  ['3×3 same', 2, 7, 6, 3, 4, 3, 'same'],
  ['1×1 same', 2, 5, 4, 6, 3, 1, 'same'],
  ['3×3 valid', 1, 6, 7, 2, 5, 3, 'valid'],
  ['2×2 same (asymmetric pads)', 2, 5, 6, 3, 2, 2, 'same'],
  ['5×5 same', 1, 9, 8, 2, 3, 5, 'same'],
  ['3×3 same, 16 ch', 2, 16, 16, 16, 8, 3, 'same'],
  ['3×3 same, 1 input channel (first layer)', 2, 16, 16, 1, 4, 3, 'same'],
  ['3×3 same, batch 1, 1 → 1 channel', 1, 8, 8, 1, 1, 3, 'same'],
  ['1×1 same, batch 3', 3, 4, 4, 5, 3, 1, 'same'],
];

describe('tfjs gradient kernels (wasm)', () => {
  let backend = '';
  before(async () => {
    backend = await initTfjs();
  });

  it('runs on the wasm backend', () => {
    assert.equal(backend, 'wasm');
    assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'), 'Conv2DBackpropFilter registered');
  });

  for (const [name, n, h, w, ci, co, k, pad] of CASES) {
    it(`Conv2DBackpropFilter and Conv2DBackpropInput match a naive convolution: ${name}`, () => {
      const g = geometry(n, h, w, ci, co, k, pad);
      const rng = new Rng(42, n * 1000 + h * 100 + k);
      const x = randomArray(rng, n * h * w * ci);
      const wt = randomArray(rng, k * k * ci * co);
      const dy = randomArray(rng, n * g.oh * g.ow * co);
      const before = tf.memory().numTensors;
      const [dw, dx] = tf.tidy(() => {
        const xt = tf.tensor4d(x, [n, h, w, ci]);
        const wtt = tf.tensor4d(wt, [k, k, ci, co]);
        const dyt = tf.tensor4d(dy, [n, g.oh, g.ow, co]);
        const common = { strides: 1, pad, dataFormat: 'NHWC', dimRoundingMode: undefined } as unknown as tf.NamedAttrMap;
        const a = tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, { ...common, filterShape: [k, k, ci, co] }) as tf.Tensor;
        const b = tf.engine().runKernel('Conv2DBackpropInput', { dy: dyt, filter: wtt }, { ...common, inputShape: [n, h, w, ci] }) as tf.Tensor;
        return [a, b];
      });
      assert.deepEqual(dw.shape, [k, k, ci, co]);
      assert.deepEqual(dx.shape, [n, h, w, ci]);
      assertClose(dw.dataSync(), naiveDW(g, x, dy), 1e-4, 'dW');
      assertClose(dx.dataSync(), naiveDX(g, wt, dy), 1e-4, 'dx');
      tf.dispose([dw, dx]);
      assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
    });
  }

  it('gradients of tf.conv2d and tf.fused.conv2d (with bias) use the kernels correctly', () => {
    const [n, h, w, ci, co, k] = [2, 8, 8, 3, 4, 3];
    const g = geometry(n, h, w, ci, co, k, 'same');
    const rng = new Rng(5);
    const x = randomArray(rng, n * h * w * ci);
    const wt = randomArray(rng, k * k * ci * co);
    const dy = randomArray(rng, n * h * w * co);
    const xt = tf.tensor4d(x, [n, h, w, ci]);
    const wtt = tf.tensor4d(wt, [k, k, ci, co]);
    const bt = tf.tensor1d([0.1, -0.2, 0.3, 0]);
    const dyt = tf.tensor4d(dy, [n, h, w, co]);
    const plain = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), dyt)));
    const fused = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      tf.sum(tf.mul(tf.fused.conv2d({ x: a as tf.Tensor4D, filter: b as tf.Tensor4D, bias: c, strides: 1, pad: 'same' }), dyt)),
    );
    const [px, pw] = plain([xt, wtt]);
    const [fx, fw, fb] = fused([xt, wtt, bt]);
    const edx = naiveDX(g, wt, dy);
    const edw = naiveDW(g, x, dy);
    assertClose(px.dataSync(), edx, 1e-4, 'conv2d dx');
    assertClose(pw.dataSync(), edw, 1e-4, 'conv2d dW');
    assertClose(fx.dataSync(), edx, 1e-4, 'fused dx');
    assertClose(fw.dataSync(), edw, 1e-4, 'fused dW');
    const edb = new Float64Array(co);
    for (let i = 0; i < dy.length; i++) edb[i % co] += dy[i];
    assertClose(fb.dataSync(), edb, 1e-4, 'fused db');
    tf.dispose([xt, wtt, bt, dyt, px, pw, fx, fw, fb]);
  });

  for (const [k, stride, pad] of [
    [2, 2, 'valid'],
    [3, 2, 'same'],
    [3, 1, 'same'],
  ] as Array<[number, number, 'valid' | 'same']>) {
    it(`MaxPoolGrad ${k}×${k}/${stride} ${pad} is right for all-negative windows (the wasm kernel is not)`, () => {
      const [n, h, w, c] = [2, 6, 5, 3];
      const rng = new Rng(k * 10 + stride);
      const xv = Float32Array.from({ length: n * h * w * c }, () => rng.uniformRange(-2, 0.3));
      const info = tf.backend_util.computePool2DInfo([n, h, w, c], k, stride, 1, pad);
      const { outHeight: oh, outWidth: ow } = info;
      const dyv = Float32Array.from({ length: n * oh * ow * c }, () => rng.uniformRange(-1, 1));
      const expected = new Float64Array(xv.length);
      for (let b = 0; b < n; b++)
        for (let i = 0; i < oh; i++)
          for (let j = 0; j < ow; j++)
            for (let ch = 0; ch < c; ch++) {
              let best = -Infinity;
              let at = -1;
              for (let a = 0; a < k; a++)
                for (let d = 0; d < k; d++) {
                  const r = i * stride - info.padInfo.top + a;
                  const q = j * stride - info.padInfo.left + d;
                  if (r < 0 || r >= h || q < 0 || q >= w) continue;
                  const idx = ((b * h + r) * w + q) * c + ch;
                  if (xv[idx] > best) {
                    best = xv[idx];
                    at = idx;
                  }
                }
              expected[at] += dyv[((b * oh + i) * ow + j) * c + ch];
            }
      const got = tf.tidy(() => {
        const x = tf.tensor4d(xv, [n, h, w, c]);
        const y = tf.maxPool(x, k, stride, pad);
        return (
          tf.engine().runKernel('MaxPoolGrad', { dy: tf.tensor4d(dyv, y.shape), input: x, output: y }, { filterSize: k, strides: stride, pad }) as tf.Tensor
        ).dataSync();
      });
      assertClose(got, expected, 1e-6, 'MaxPoolGrad');
    });
  }

  it('stride-2 input gradient falls back to the backend kernel; stride-2 filter gradient says it is unsupported', () => {
    const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
    const wt = tf.ones([3, 3, 1, 1]) as tf.Tensor4D;
    const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, wt, 2, 'same')))(x);
    assert.deepEqual(dx.shape, [1, 4, 4, 1]);
    // same as the naive scatter of ones through a 3×3 window at stride 2 ('same': pads 0 top/left, 1 bottom/right)
    const expected = new Float64Array(16);
    for (const i of [0, 2])
      for (const j of [0, 2]) for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) if (i + a < 4 && j + b < 4) expected[(i + a) * 4 + j + b] += 1;
    assertClose(dx.dataSync(), expected, 1e-6, 'stride-2 dx');
    assert.throws(() => tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(x, f as tf.Tensor4D, 2, 'same')))(wt), /stride 1/);
    tf.dispose([x, wt, dx]);
  });
});
