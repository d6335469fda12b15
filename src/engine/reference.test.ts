import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_NETWORK, deepblinkSpec, paramList, type NetNode, type NetworkSpec } from '../network/spec.js';
import type { WeightMap } from './engine.js';
import { checkWeights } from '../network/weights.js';
import { randomWeights, referenceForward, refMaxPool, refSpaceToDepth, refUpsample, type RefTensor } from './reference.js';

const spec = (nodes: NetNode[], output: string): NetworkSpec => ({ config: DEFAULT_NETWORK, nodes, output });
const wm = (entries: Record<string, [number[], number[]]>): WeightMap =>
  new Map(Object.entries(entries).map(([k, [shape, data]]) => [k, { shape, data: Float32Array.from(data) }]));
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-6) => {
  assert.equal(a.length, b.length, 'length');
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};
const sig = (v: number) => 1 / (1 + Math.exp(-v));

test('1×1 conv: per-pixel matrix product plus bias (kernel [1,1,cin,cout])', () => {
  const s = spec(
    [
      { op: 'input', name: 'input', channels: 2 },
      { op: 'conv', name: 'c', input: 'input', filters: 3, kernel: 1, activation: 'linear', l2: false, init: 'he_normal' },
    ],
    'c',
  );
  // kernel[ci][co]: ci0 → [1, 2, 3], ci1 → [10, 20, 30]; bias [0.5, 0, -1]
  const w = wm({
    'c/kernel': [
      [1, 1, 2, 3],
      [1, 2, 3, 10, 20, 30],
    ],
    'c/bias': [[3], [0.5, 0, -1]],
  });
  // 1×1×2 image, pixels (x0, x1) = (1, 2) and (-1, 0.5)
  const y = referenceForward(s, w, Float32Array.from([1, 2, -1, 0.5]), 1, 1, 2);
  close(y, [1 + 20 + 0.5, 2 + 40, 3 + 60 - 1, -1 + 5 + 0.5, -2 + 10, -3 + 15 - 1]);
});

test("3×3 conv, 'same' zero padding: borders see zeros; taps are a cross-correlation (no flip)", () => {
  const s = spec(
    [
      { op: 'input', name: 'input', channels: 1 },
      { op: 'conv', name: 'c', input: 'input', filters: 1, kernel: 3, activation: 'linear', l2: false, init: 'he_normal' },
    ],
    'c',
  );
  const x = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // all-ones kernel: box sums with zero padding
  const ones = wm({ 'c/kernel': [[3, 3, 1, 1], Array(9).fill(1)], 'c/bias': [[1], [0]] });
  close(referenceForward(s, ones, x, 1, 3, 3), [12, 21, 16, 27, 45, 33, 24, 39, 28]);
  // only the top-left tap: out[i][j] = x[i-1][j-1]
  const tl = wm({
    'c/kernel': [
      [3, 3, 1, 1],
      [1, 0, 0, 0, 0, 0, 0, 0, 0],
    ],
    'c/bias': [[1], [0]],
  });
  close(referenceForward(s, tl, x, 1, 3, 3), [0, 0, 0, 0, 1, 2, 0, 4, 5]);
  // only the bottom-right tap, bias 10: out[i][j] = x[i+1][j+1] + 10
  const br = wm({
    'c/kernel': [
      [3, 3, 1, 1],
      [0, 0, 0, 0, 0, 0, 0, 0, 1],
    ],
    'c/bias': [[1], [10]],
  });
  close(referenceForward(s, br, x, 1, 3, 3), [15, 16, 10, 18, 19, 10, 10, 10, 10]);
});

test('conv activations: leaky ReLU slope 0.2, sigmoid', () => {
  const mk = (activation: 'leaky_relu' | 'sigmoid') =>
    spec(
      [
        { op: 'input', name: 'input', channels: 1 },
        { op: 'conv', name: 'c', input: 'input', filters: 1, kernel: 1, activation, l2: false, init: 'he_normal' },
      ],
      'c',
    );
  const w = wm({ 'c/kernel': [[1, 1, 1, 1], [1]], 'c/bias': [[1], [0]] });
  const x = Float32Array.from([-5, 0, 3]);
  close(referenceForward(mk('leaky_relu'), w, x, 1, 1, 3), [-1, 0, 3]);
  close(referenceForward(mk('sigmoid'), w, x, 1, 1, 3), [sig(-5), 0.5, sig(3)]);
});

test('maxpool 2×2 stride 2 and nearest ×2 up-sampling', () => {
  const t: RefTensor = { data: Float64Array.from([1, 2, 5, 0, 3, 4, -1, 6, 9, 8, -2, -3, 7, 6, -4, -5]), n: 1, h: 4, w: 4, c: 1 };
  const p = refMaxPool(t);
  assert.deepEqual([p.h, p.w, p.c], [2, 2, 1]);
  close(p.data, [4, 6, 9, -2]);
  const u = refUpsample({ data: Float64Array.from([1, 2, 3, 4]), n: 1, h: 2, w: 2, c: 1 });
  assert.deepEqual([u.h, u.w], [4, 4]);
  close(u.data, [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  // channels stay separate
  const u2 = refUpsample({ data: Float64Array.from([1, -1]), n: 1, h: 1, w: 1, c: 2 });
  close(u2.data, [1, -1, 1, -1, 1, -1, 1, -1]);
});

test('concat keeps the listed input order on the channel axis; add sums then activates', () => {
  const s = spec(
    [
      { op: 'input', name: 'input', channels: 1 },
      { op: 'conv', name: 'a', input: 'input', filters: 1, kernel: 1, activation: 'linear', l2: false, init: 'he_normal' },
      { op: 'conv', name: 'b', input: 'input', filters: 2, kernel: 1, activation: 'linear', l2: false, init: 'he_normal' },
      { op: 'concat', name: 'cat', inputs: ['b', 'a', 'input'] },
    ],
    'cat',
  );
  const w = wm({
    'a/kernel': [[1, 1, 1, 1], [0]],
    'a/bias': [[1], [1]],
    'b/kernel': [
      [1, 1, 1, 2],
      [0, 0],
    ],
    'b/bias': [[2], [2, 3]],
  });
  close(referenceForward(s, w, Float32Array.from([7, 8]), 1, 1, 2), [2, 3, 1, 7, 2, 3, 1, 8]);
  const s2 = spec(
    [
      { op: 'input', name: 'input', channels: 1 },
      { op: 'conv', name: 'a', input: 'input', filters: 1, kernel: 1, activation: 'linear', l2: false, init: 'he_normal' },
      { op: 'add', name: 'sum', inputs: ['a', 'input'], activation: 'leaky_relu' },
    ],
    'sum',
  );
  const w2 = wm({ 'a/kernel': [[1, 1, 1, 1], [2]], 'a/bias': [[1], [0]] });
  close(referenceForward(s2, w2, Float32Array.from([1, -1]), 1, 1, 2), [3, -0.6]);
});

test('squeeze-excitation: GAP → dense → leaky → dense → sigmoid → channel scale, per image', () => {
  const s = spec(
    [
      { op: 'input', name: 'input', channels: 2 },
      { op: 'se', name: 'se', input: 'input', units: 1 },
    ],
    'se',
  );
  // image 0: channel means (2, 2); image 1: channel means (4, 0)
  const x = Float32Array.from([1, 0, 3, 4, 4, 0, 4, 0]);
  const mk = (b0: number) =>
    wm({
      'se/dense0/kernel': [
        [2, 1],
        [1, -1],
      ],
      'se/dense0/bias': [[1], [b0]],
      'se/dense1/kernel': [
        [1, 2],
        [2, -2],
      ],
      'se/dense1/bias': [[2], [0, 0.5]],
    });
  // b0 = 0.5: z0 = 2-2+0.5 = 0.5; z1 = 4-0+0.5 = 4.5
  const y = referenceForward(s, mk(0.5), x, 2, 1, 2);
  const s0 = [sig(1), sig(-1 + 0.5)];
  const s1 = [sig(9), sig(-9 + 0.5)];
  close(y, [1 * s0[0], 0, 3 * s0[0], 4 * s0[1], 4 * s1[0], 0, 4 * s1[0], 0]);
  // b0 = -1: z0 = -1 → leaky -0.2; z1 = 3
  const y2 = referenceForward(s, mk(-1), x, 2, 1, 2);
  const t0 = [sig(-0.4), sig(0.4 + 0.5)];
  const t1 = [sig(6), sig(-6 + 0.5)];
  close(y2, [t0[0], 0, 3 * t0[0], 4 * t0[1], 4 * t1[0], 0, 4 * t1[0], 0]);
});

test('dropout is the identity at inference', () => {
  const s = spec(
    [
      { op: 'input', name: 'input', channels: 1 },
      { op: 'dropout', name: 'd', input: 'input', rate: 0.9 },
    ],
    'd',
  );
  close(referenceForward(s, new Map(), Float32Array.from([1, 2, 3, 4]), 1, 2, 2), [1, 2, 3, 4]);
});

test('deepblink spec: output is N × H/cell × W/cell × 3 in (0, 1); images of a batch are independent', () => {
  const s = deepblinkSpec({ filters: 2, ndown: 2, cellSize: 4 });
  const w = randomWeights(s, 3);
  const x = new Float32Array(2 * 16 * 8).map((_, i) => Math.sin(i));
  const y = referenceForward(s, w, x, 2, 16, 8);
  assert.equal(y.length, 2 * 4 * 2 * 3);
  for (const v of y) assert.ok(v > 0 && v < 1);
  const y1 = referenceForward(s, w, x.subarray(16 * 8), 1, 16, 8);
  close(y.subarray(4 * 2 * 3), y1, 0);
});

test('randomWeights is seeded and matches paramList; checkWeights reports missing or misshaped tensors', () => {
  const s = deepblinkSpec({ filters: 2, ndown: 1, cellSize: 2 });
  const a = randomWeights(s, 7);
  const b = randomWeights(s, 7);
  assert.deepEqual(
    [...a.keys()],
    paramList(s).map((p) => p.name),
  );
  for (const [k, v] of a) assert.deepEqual(v.data, b.get(k)!.data);
  checkWeights(s, a);
  const missing = new Map(a);
  missing.delete('head/bias');
  assert.throws(() => checkWeights(s, missing), /missing parameter 'head\/bias'/);
  const bad = new Map(a);
  bad.set('head/kernel', { shape: [3, 1, 1, 1], data: new Float32Array(3) });
  assert.throws(() => referenceForward(s, bad, new Float32Array(16), 1, 4, 4), /'head\/kernel' has shape \[3, 1, 1, 1\]/);
});

test('space-to-depth: channel (by·b + bx)·C + c, as TensorFlow and ONNX SpaceToDepth', () => {
  // 1 × 2 × 4 × 2 (C = 2): value = 100·row + 10·col + channel
  const x: RefTensor = { data: new Float64Array(16), n: 1, h: 2, w: 4, c: 2 };
  for (let r = 0; r < 2; r++) for (let c = 0; c < 4; c++) for (let k = 0; k < 2; k++) x.data[(r * 4 + c) * 2 + k] = 100 * r + 10 * c + k;
  const y = refSpaceToDepth(x, 2);
  assert.deepEqual([y.n, y.h, y.w, y.c], [1, 1, 2, 8]);
  assert.deepEqual(Array.from(y.data.subarray(0, 8)), [0, 1, 10, 11, 100, 101, 110, 111]);
  assert.deepEqual(Array.from(y.data.subarray(8)), [20, 21, 30, 31, 120, 121, 130, 131]);
  assert.throws(() => refSpaceToDepth(x, 4), /not a multiple/);
});
