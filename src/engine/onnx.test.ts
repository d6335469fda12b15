import { test } from 'node:test';
import assert from 'node:assert/strict';
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import { DEFAULT_NETWORK, countParams, deepblinkSpec, networkSpec, type NetNode, type NetworkConfig, type NetworkSpec } from '../network/spec.js';
import { Rng } from '../math/rng.js';
import { exportOnnx, onnxInfo, readOnnx } from './onnx-format.js';
import { createOnnxPredictor } from './onnxruntime.js';
import { randomWeights, referenceForward } from './reference.js';

const { onnx } = onnxProto;

const maxAbsDiff = (a: Float32Array, b: Float32Array) => {
  assert.equal(a.length, b.length, 'output length');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const randomImage = (seed: number, n: number) => {
  const r = new Rng(seed, 1);
  return new Float32Array(n).map(() => r.normal());
};
/** The same network with a linear head: compares logits, more sensitive than sigmoid outputs. */
const linearHead = (s: NetworkSpec): NetworkSpec => ({
  ...s,
  nodes: s.nodes.map((nd) => (nd.name === s.output && nd.op === 'conv' ? { ...nd, activation: 'linear' as const } : nd)),
});

const tiny: [string, Partial<NetworkConfig>][] = [
  ['filters 2, ndown 1, cell 2', { filters: 2, ndown: 1, cellSize: 2 }],
  ['filters 2, ndown 2, cell 4', { filters: 2, ndown: 2, cellSize: 4 }],
  ['filters 2, ndown 2, cell 4, residual', { filters: 2, ndown: 2, cellSize: 4, block: 'residual' }],
  ['filters 3, ndown 1, cell 4', { filters: 3, ndown: 1, cellSize: 4 }],
  ['lean, filters 2, ndown 1, cell 4', { architecture: 'lean', filters: 2, ndown: 1, cellSize: 4 }],
  ['lean, filters 2, ndown 0, cell 2, dropout', { architecture: 'lean', filters: 2, ndown: 0, cellSize: 2, dropout: 0.2 }],
  ['lean, filters 2, ndown 2, cell 2, residual', { architecture: 'lean', filters: 2, ndown: 2, cellSize: 2, block: 'residual' }],
];

for (const [label, cfg] of tiny) {
  for (const [headLabel, mk] of [
    ['sigmoid head', (s: NetworkSpec) => s],
    ['linear head', linearHead],
  ] as const) {
    test(`onnxruntime output of the export equals referenceForward (${label}, ${headLabel})`, async () => {
      const spec = mk(networkSpec(cfg));
      const w = randomWeights(spec, 11);
      const p = await createOnnxPredictor(exportOnnx(spec, w, {}));
      try {
        for (const [h, wd] of [
          [16, 16],
          [32, 48],
        ]) {
          const x = randomImage(h * 1000 + wd, h * wd);
          const y = await p.run(x, h, wd);
          const cell = spec.config.cellSize;
          assert.equal(y.length, (h / cell) * (wd / cell) * 3);
          const d = maxAbsDiff(y, referenceForward(spec, w, x, 1, h, wd));
          assert.ok(d <= 1e-5, `${h}×${wd}: max |diff| ${d}`);
        }
      } finally {
        await p.dispose();
      }
    });
  }
}

test('parity on a custom graph: kernels 2 and 5, two input channels, 3-way add, concat order, linear conv', async () => {
  const conv = (name: string, input: string, filters: number, kernel: number, activation: 'linear' | 'leaky_relu' | 'sigmoid'): NetNode => ({
    op: 'conv',
    name,
    input,
    filters,
    kernel,
    activation,
    l2: true,
    init: 'he_normal',
  });
  const spec: NetworkSpec = {
    config: DEFAULT_NETWORK,
    nodes: [
      { op: 'input', name: 'input', channels: 2 },
      conv('a', 'input', 3, 2, 'leaky_relu'),
      conv('b', 'a', 3, 5, 'linear'),
      conv('c', 'input', 3, 1, 'sigmoid'),
      { op: 'add', name: 'sum', inputs: ['a', 'b', 'c'], activation: 'leaky_relu' },
      { op: 'maxpool', name: 'pool', input: 'sum' },
      { op: 'se', name: 'se', input: 'pool', units: 2 },
      { op: 'upsample', name: 'up', input: 'se' },
      { op: 'concat', name: 'cat', inputs: ['up', 'input', 'b'] },
      conv('head', 'cat', 4, 3, 'linear'),
    ],
    output: 'head',
  };
  const w = randomWeights(spec, 5);
  const bytes = exportOnnx(spec, w, {});
  assert.equal(onnxInfo(bytes).inputChannels, 2);
  const p = await createOnnxPredictor(bytes);
  try {
    const x = randomImage(9, 6 * 10 * 2);
    const d = maxAbsDiff(await p.run(x, 6, 10), referenceForward(spec, w, x, 1, 6, 10));
    assert.ok(d <= 1e-5, `max |diff| ${d}`);
  } finally {
    await p.dispose();
  }
});

test('the parity check is sensitive: swapping the concat order changes the output', async () => {
  const spec = linearHead(deepblinkSpec({ filters: 2, ndown: 1, cellSize: 2 }));
  const w = randomWeights(spec, 11);
  const swapped: NetworkSpec = {
    ...spec,
    nodes: spec.nodes.map((nd) => (nd.op === 'concat' ? { ...nd, inputs: [...nd.inputs].reverse() } : nd)),
  };
  // (the concat width is the same either way, so the same weights fit both)
  const x = randomImage(1, 16 * 16);
  const p = await createOnnxPredictor(exportOnnx(swapped, w, {}));
  try {
    const d = maxAbsDiff(await p.run(x, 16, 16), referenceForward(spec, w, x, 1, 16, 16));
    assert.ok(d > 1e-3, `max |diff| ${d}`);
  } finally {
    await p.dispose();
  }
});

test('readOnnx(exportOnnx(w)) gives back identical weights (Keras layouts), metadata and network config', () => {
  for (const [, cfg] of tiny) {
    const spec = deepblinkSpec(cfg);
    const w = randomWeights(spec, 21);
    const metadata = { deepblink: JSON.stringify({ name: 'modèle µ', version: 1, spots: [1.5, 2] }), other: '', 'x y': 'ü\n' };
    const back = readOnnx(exportOnnx(spec, w, metadata));
    assert.deepEqual(back.metadata, metadata);
    assert.deepEqual(back.network, spec.config);
    assert.deepEqual([...back.weights.keys()], [...w.keys()]);
    for (const [k, v] of w) {
      const b = back.weights.get(k)!;
      assert.deepEqual(b.shape, v.shape, k);
      assert.ok(b.data instanceof Float32Array);
      assert.deepEqual(b.data, v.data, k);
    }
  }
});

test('export is deterministic; initializer names are our parameter names; opset 13, IR 8, producer deepblink', () => {
  const spec = deepblinkSpec({ filters: 2, ndown: 2, cellSize: 4 });
  const w = randomWeights(spec, 2);
  const a = exportOnnx(spec, w, { k: 'v' });
  assert.deepEqual(a, exportOnnx(spec, w, { k: 'v' }));
  const m = onnx.ModelProto.decode(a);
  assert.equal(Number(m.irVersion.toString()), 8);
  assert.equal(m.producerName, 'deepblink');
  assert.deepEqual(
    m.opsetImport.map((o) => [o.domain, Number(o.version!.toString())]),
    [['', 13]],
  );
  const g = m.graph as OnnxTypes.GraphProto;
  assert.deepEqual(
    g.initializer.map((t) => t.name),
    [...w.keys()],
  );
  assert.deepEqual(
    g.input.map((i) => i.name),
    ['image'],
  );
  assert.deepEqual(
    g.output.map((i) => i.name),
    ['grid'],
  );
  const dims = (v: OnnxTypes.IValueInfoProto) => v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue!.toString()));
  assert.deepEqual(dims(g.input[0]), ['N', 1, 'H', 'W']);
  assert.deepEqual(dims(g.output[0]), ['N', 'H_div_4', 'W_div_4', 3]);
  assert.throws(() => exportOnnx(spec, w, { 'deepblink.onnx': 'x' }), /reserved/);
  const missing = new Map(w);
  missing.delete('last_se/dense1/bias');
  assert.throws(() => exportOnnx(spec, missing, {}), /missing parameter 'last_se\/dense1\/bias'/);
});

test('the paper network (1,258,723 parameters) exports, reads back and runs on 64×64 like the reference', async () => {
  const spec = deepblinkSpec();
  const w = randomWeights(spec, 1);
  const bytes = exportOnnx(spec, w, { deepblink: '{}' });
  const back = readOnnx(bytes);
  let n = 0;
  for (const v of back.weights.values()) n += v.data.length;
  assert.equal(n, 1_258_723);
  assert.equal(countParams(spec), 1_258_723);
  assert.ok(bytes.length > 4 * 1_258_723 && bytes.length < 4 * 1_258_723 + 100_000, `file size ${bytes.length}`);
  const p = await createOnnxPredictor(bytes, { threads: 2 });
  try {
    const x = randomImage(3, 64 * 64);
    const y = await p.run(x, 64, 64);
    assert.equal(y.length, 16 * 16 * 3);
    for (const v of y) assert.ok(v >= 0 && v <= 1);
    const d = maxAbsDiff(y, referenceForward(spec, w, x, 1, 64, 64));
    assert.ok(d <= 1e-5, `max |diff| ${d}`);
  } finally {
    await p.dispose();
  }
});

test('empty, garbage and foreign bytes: "not an ONNX model file" / "not a deepblink model file"', async () => {
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(0), /not an ONNX model file \(empty input\)/],
    [new TextEncoder().encode('hello world, this is certainly not a model'), /not an ONNX model file/],
    [new TextEncoder().encode('{"format": "json"}'), /not an ONNX model file/],
    [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), /not an ONNX model file/],
  ];
  const r = new Rng(4);
  for (let k = 0; k < 20; k++) cases.push([new Uint8Array(1 + ((k * 37) % 500)).map(() => r.nextUint32() & 255), /not an ONNX model file|truncated|corrupt/]);
  const foreign = onnx.ModelProto.encode({ irVersion: 8, producerName: 'pytorch', graph: { name: 'g' }, opsetImport: [{ version: 13 }] }).finish();
  cases.push([foreign, /not a deepblink model file \(ONNX written by 'pytorch'\)/]);
  for (const [bytes, re] of cases) {
    assert.throws(() => readOnnx(bytes), re);
    await assert.rejects(createOnnxPredictor(bytes), re);
  }
});

test('truncated files are detected at every cut point', async () => {
  const spec = deepblinkSpec({ filters: 2, ndown: 1, cellSize: 2 });
  const bytes = exportOnnx(spec, randomWeights(spec, 1), { deepblink: JSON.stringify({ a: 1 }), z: 'last' });
  // every cut in the first and last 512 bytes, every 5th in between
  for (let k = 0; k < bytes.length; k += k < 512 || k > bytes.length - 512 ? 1 : 5) {
    const cut = bytes.subarray(0, k);
    assert.throws(
      () => readOnnx(cut),
      (e: Error) => (k < 2 ? /not an ONNX model file|truncated/ : /^truncated /).test(e.message),
      `cut at ${k} of ${bytes.length}`,
    );
  }
  await assert.rejects(createOnnxPredictor(bytes.subarray(0, bytes.length - 1)), /^Error: truncated/);
  await assert.rejects(createOnnxPredictor(bytes.subarray(0, bytes.length >> 1)), /^Error: truncated/);
});

test('run: clear errors for input sizes that are not multiples, wrong lengths, after dispose; threads validated', async () => {
  const spec = deepblinkSpec({ filters: 2, ndown: 2, cellSize: 4 });
  const bytes = exportOnnx(spec, randomWeights(spec, 1), {});
  const p = await createOnnxPredictor(bytes);
  await assert.rejects(p.run(new Float32Array(18 * 16), 18, 16), /input size 18×16 is not a multiple of 4/);
  await assert.rejects(p.run(new Float32Array(16 * 18), 16, 18), /input size 16×18 is not a multiple of 4/);
  await assert.rejects(p.run(new Float32Array(10), 16, 16), /input has 10 values, expected 16×16/);
  await assert.rejects(p.run(new Float32Array(0), 0, 16), /invalid input size/);
  // still usable after errors; concurrent runs are queued and each gets its own result
  const xs = [randomImage(1, 256), randomImage(2, 256), randomImage(3, 256)];
  const ys = await Promise.all(xs.map((x) => p.run(x, 16, 16)));
  for (let i = 0; i < 3; i++) assert.deepEqual(ys[i], await p.run(xs[i], 16, 16));
  assert.notDeepEqual(ys[0], ys[1]);
  await p.dispose();
  await assert.rejects(p.run(xs[0], 16, 16), /after dispose/);
  await p.dispose(); // idempotent
  await assert.rejects(createOnnxPredictor(bytes, { threads: 0 }), /threads must be an integer ≥ 1/);
  const p2 = await createOnnxPredictor(bytes, { threads: 2 });
  assert.deepEqual(await p2.run(xs[0], 16, 16), ys[0]);
  await p2.dispose();
});

test('onnxruntime errors become clear Errors', async () => {
  const spec = deepblinkSpec({ filters: 2, ndown: 1, cellSize: 2 });
  const m = onnx.ModelProto.decode(exportOnnx(spec, randomWeights(spec, 1), {}));
  (m.graph as OnnxTypes.GraphProto).node[0].opType = 'NoSuchOp';
  await assert.rejects(createOnnxPredictor(onnx.ModelProto.encode(m).finish()), /onnxruntime could not load the model: .*NoSuchOp/);
});
