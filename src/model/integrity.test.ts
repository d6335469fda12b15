/**
 * Model files are checked data: every card field, the weights' checksum, the graph against
 * the card's network, the threshold's provenance, and bit flips anywhere in the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { decodeModel, encodeModel, loadModel, makeCard, modelPredictor, thresholdCalibrated, validateCard, METADATA_KEY, type ModelCard } from './model.js';
import { deepblinkSpec, leanSpec } from '../network/spec.js';
import { weightsSha256 } from '../network/weights.js';
import { randomWeights } from '../engine/reference.js';
import { exportOnnx } from '../engine/onnx-format.js';
import { createDetector } from '../detect/detector.js';
import { DeepblinkError } from '../core/errors.js';
import { Rng } from '../math/rng.js';

const { onnx } = onnxProto;
const spec = deepblinkSpec({ filters: 2, ndown: 1, cellSize: 2 });
const weights = randomWeights(spec, 3);
const dir = mkdtempSync(path.join(os.tmpdir(), 'deepblink-integrity-'));
const card = makeCard({ name: 'tiny', network: spec.config, threshold: 0.4, thresholdSource: 'validation-f1' });
const good = encodeModel(spec, weights, card);

/** Asserts that decoding `bytes` fails with a one-line 'bad-model' error matching `re`. */
function refused(bytes: Uint8Array, re: RegExp, what: string): void {
  assert.throws(
    () => decodeModel(bytes, 'm.onnx'),
    (e: unknown) => {
      assert.ok(e instanceof DeepblinkError, `${what}: ${String(e)}`);
      assert.equal(e.code, 'bad-model', what);
      assert.equal(e.file, 'm.onnx', what);
      assert.match(e.message, re, what);
      assert.doesNotMatch(e.message, /\n/, what);
      return true;
    },
    what,
  );
}

/** A model file whose card is `c` as is (no checksum added): the JSON of anything. */
const withCard = (c: unknown) => exportOnnx(spec, weights, { [METADATA_KEY]: JSON.stringify(c) });

test('every card field is checked: one clear line naming the field', () => {
  const base = JSON.parse(JSON.stringify(card)) as Record<string, unknown>;
  const edit = (patch: (c: Record<string, unknown>) => void) => {
    const c = structuredClone(base);
    patch(c);
    return c;
  };
  const cases: [string, unknown, RegExp][] = [
    ['array', [1, 2], /not a model card \(a JSON array\)/],
    ['string', 'hello', /not a model card/],
    ['no name', edit((c) => delete c.name), /'name' must be a string, not missing/],
    ['empty name', edit((c) => (c.name = ' ')), /'name' must be a non-empty string/],
    ['numeric description', edit((c) => (c.description = 3)), /'description' must be a string, not 3/],
    ['threshold 1.5', edit((c) => (c.threshold = 1.5)), /'threshold' must be a number in \[0, 1\), not 1\.5/],
    ['threshold string', edit((c) => (c.threshold = '0.5')), /'threshold' must be a number in \[0, 1\), not '0\.5'/],
    ['threshold null', edit((c) => (c.threshold = null)), /'threshold' must be a number/],
    ['threshold source', edit((c) => (c.thresholdSource = 'guess')), /'thresholdSource' must be 'validation-f1', 'noise-limit' or 'default', not 'guess'/],
    ['normalisation', edit((c) => (c.normalization = { method: 'minmax' })), /normalisation 'minmax' is unknown to this deepblink/],
    ['no normalisation', edit((c) => delete c.normalization), /'normalization' must be an object with a method, not missing/],
    ['percentile low', edit((c) => (c.normalization = { method: 'percentile', low: -1, high: 99 })), /'normalization\.low' must be a percentile in \[0, 100\]/],
    ['percentile high', edit((c) => (c.normalization = { method: 'percentile', low: 1, high: 101 })), /'normalization\.high' must be a percentile/],
    ['percentile order', edit((c) => (c.normalization = { method: 'percentile', low: 90, high: 10 })), /'normalization' must be low < high/],
    ['percentile missing', edit((c) => (c.normalization = { method: 'percentile' })), /'normalization\.low' must be a percentile in \[0, 100\], not missing/],
    ['network', edit((c) => (c.network = 'lean')), /'network' must be an object/],
    ['network key', edit((c) => ((c.network as Record<string, unknown>).kernel = 5)), /unknown network setting 'kernel'/],
    ['filters string', edit((c) => ((c.network as Record<string, unknown>).filters = '2')), /'network\.filters' must be an integer ≥ 0, not '2'/],
    ['dropout string', edit((c) => ((c.network as Record<string, unknown>).dropout = '0.3')), /'network\.dropout' must be a number/],
    [
      'architecture',
      edit((c) => ((c.network as Record<string, unknown>).architecture = 'resnet')),
      /unknown architecture 'resnet' \(known: deepblink, lean\); update deepblink/,
    ],
    ['cell size', edit((c) => ((c.network as Record<string, unknown>).cellSize = 3)), /cell_size must be a power of 2/],
    ['training', edit((c) => (c.training = [])), /'training' must be an object/],
    [
      'training epochs',
      edit((c) => (c.training = { dataset: 'd', epochs: -1, bestEpoch: 0, steps: 0, seconds: 0 })),
      /'training\.epochs' must be an integer ≥ 0/,
    ],
    [
      'best epoch',
      edit((c) => (c.training = { dataset: 'd', epochs: 2, bestEpoch: 3, steps: 0, seconds: 0 })),
      /'training\.bestEpoch' must be at most training\.epochs \(2\), not 3/,
    ],
    ['training seconds', edit((c) => (c.training = { dataset: 'd', epochs: 2, bestEpoch: 1, steps: 0, seconds: 'x' })), /'training\.seconds'/],
    ['scores', edit((c) => (c.scores = 1)), /'scores' must be an object/],
    [
      'valid f1',
      edit((c) => (c.scores = { valid: { images: 1, f1Integral: 2, f1At3: 0, rmse: 0 } })),
      /'scores\.valid\.f1Integral' must be a number in \[0, 1\]/,
    ],
    ['valid images', edit((c) => (c.scores = { valid: { images: 1.5, f1Integral: 1, f1At3: 0, rmse: 0 } })), /'scores\.valid\.images' must be an integer/],
    ['valid rmse', edit((c) => (c.scores = { valid: { images: 1, f1Integral: 1, f1At3: 0, rmse: -1 } })), /'scores\.valid\.rmse' must be a number ≥ 0 or null/],
    ['search', edit((c) => (c.scores = { thresholdSearch: {} })), /'scores\.thresholdSearch' must be a list/],
    [
      'search row',
      edit(
        (c) =>
          (c.scores = {
            thresholdSearch: [
              { threshold: 0.5, f1Integral: 0.3 },
              { threshold: 2, f1Integral: 0 },
            ],
          }),
      ),
      /'scores\.thresholdSearch\[1\]\.threshold'/,
    ],
    ['noise row', edit((c) => (c.scores = { noiseOnly: [{ threshold: 0.5, falsePerMP: -2 }] })), /'scores\.noiseOnly\[0\]\.falsePerMP' must be a number ≥ 0/],
    ['checksum', edit((c) => (c.weightsSha256 = 'abc')), /'weightsSha256' must be 64 lowercase hex digits, not 'abc'/],
  ];
  for (const [what, c, re] of cases) refused(withCard(c), re, what);
  // valid variants pass: NaN rmse (stored as null), percentile normalisation, older cards without the new fields
  const ok = edit((c) => {
    c.scores = { valid: { images: 1, f1Integral: 0, f1At3: 0, rmse: null } };
    c.normalization = { method: 'percentile', low: 1, high: 99.8 };
    delete c.thresholdSource;
  });
  assert.doesNotThrow(() => validateCard(ok));
  assert.equal(decodeModel(withCard(ok), 'old.onnx').card.threshold, 0.4);
});

test('the weights carry a SHA-256 checksum: verified at load; older files without one load with a note', async () => {
  const m = decodeModel(good, 'm.onnx');
  assert.equal(m.card.weightsSha256, weightsSha256(spec, weights));
  // paramList order, float32 little-endian, Keras layout: independent of the ONNX layout
  const { createHash } = await import('node:crypto');
  const h = createHash('sha256');
  for (const w of weights.values()) h.update(Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength));
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1) assert.equal(m.card.weightsSha256, h.digest('hex'));
  // a card that claims other weights
  refused(withCard({ ...card, weightsSha256: '0'.repeat(64) }), /^weights do not match their checksum \(corrupt file\?\)$/, 'wrong checksum');
  // an older file: loads, says so
  const old = decodeModel(withCard(card), 'old.onnx');
  assert.deepEqual(
    old.notes.map((n) => [n.level, n.code, n.file]),
    [['info', 'no-checksum', 'old.onnx']],
  );
});

/** [start, end) byte ranges of every parameter's raw data in a model file. */
function weightRegions(bytes: Uint8Array): [number, number][] {
  const m = onnx.ModelProto.decode(bytes);
  return (m.graph?.initializer ?? []).map((t) => {
    const raw = t.rawData as Uint8Array;
    const at = raw.byteOffset - bytes.byteOffset;
    assert.ok(bytes.subarray(at, at + raw.length).every((v, i) => v === raw[i]));
    return [at, at + raw.length];
  });
}

test('a bit flipped in the weights is a checksum error, never a silent change', () => {
  const regions = weightRegions(good);
  const rng = new Rng(5);
  let n = 0;
  for (const [a, b] of regions) {
    // every tensor, a few positions each (first and last byte included)
    for (const at of [a, b - 1, a + rng.int(b - a), a + rng.int(b - a)]) {
      const bad = Uint8Array.from(good);
      bad[at] ^= 1 << rng.int(8);
      refused(bad, /^weights do not match their checksum \(corrupt file\?\)$/, `flip at ${at}`);
      n++;
    }
  }
  assert.ok(n >= 4 * 20, `${n} flips`);
});

/**
 * Flips one bit at each of `positions` (outside the weights) of the model file `good`: each
 * decode must fail with a one-line 'bad-model' error in our words, or (a flip in free text of
 * the card: description, date, …) load the same network with the same weights. Returns the
 * number of flips that loaded and the kinds of errors seen.
 */
function sweep(good: Uint8Array, positions: number[]): { loaded: number; kinds: Map<string, number> } {
  const ref = decodeModel(good, 'm.onnx');
  const kinds = new Map<string, number>();
  let loaded = 0;
  for (const i of positions) {
    const bad = Uint8Array.from(good);
    bad[i] ^= 1 << (i % 8);
    let m;
    try {
      m = decodeModel(bad, 'm.onnx');
    } catch (e) {
      assert.ok(e instanceof DeepblinkError, `flip at ${i}: not a user error: ${String((e as Error).stack)}`);
      assert.equal(e.code, 'bad-model', `flip at ${i}`);
      assert.doesNotMatch(
        e.message,
        /[^\x20-\x7e…→≥]|index out of range|wire type|offset \d|undefined|Cannot read|is not a function|Invalid/,
        `flip at ${i}: ${e.message}`,
      );
      const key = e.message
        .replace(/\d+/g, 'N')
        .replace(/'[^']*'/g, "'…'")
        .slice(0, 50);
      kinds.set(key, (kinds.get(key) ?? 0) + 1);
      continue;
    }
    loaded++;
    for (const [k, w] of ref.weights) assert.deepEqual(m.weights.get(k)!.data, w.data, `flip at ${i}`);
    assert.deepEqual(m.spec, ref.spec, `flip at ${i}`);
  }
  return { loaded, kinds };
}

test('a bit flipped anywhere else: a one-line bad-model error, or (in free text of the card) the same network and weights', () => {
  // a third of the bytes of a small lean model (residual: every operator but squeeze-excitation) …
  const lean = leanSpec({ filters: 1, ndown: 1, cellSize: 2, block: 'residual' });
  const small = encodeModel(lean, randomWeights(lean, 2), makeCard({ name: 'small', network: lean.config, threshold: 0.4 }));
  const outside = (bytes: Uint8Array) => {
    const regions = weightRegions(bytes);
    return Array.from(bytes.keys()).filter((i) => !regions.some(([a, b]) => i >= a && i < b));
  };
  const rng = new Rng(9);
  const all = outside(small).filter(() => rng.uniform() < 0.35);
  const a = sweep(small, all);
  // … and of the paper network's (squeeze-excitation, Resize, Concat)
  const some = outside(good).filter(() => rng.uniform() < 0.03);
  const b = sweep(good, some);
  if (process.env.DEEPBLINK_SHOW_FLIPS) console.log(all.length, a.loaded, some.length, b.loaded, [...a.kinds, ...b.kinds]);
  const kinds = new Set([...a.kinds.keys(), ...b.kinds.keys()]);
  assert.ok(kinds.size > 8, [...kinds].join('\n'));
  assert.ok(a.loaded < 0.2 * all.length, `${a.loaded} of ${all.length} flips loaded`);
});

test('the graph is checked against the card: hand-edited graphs are refused, the graph that runs is rebuilt', async () => {
  /** The decoded file, loosely typed for editing (every list present). */
  type Node = { opType: string; name: string; input: string[]; output: string[]; attribute: { name: string; ints: number[] }[] };
  type Model = { opsetImport: { version: number }[]; graph: { node: Node[]; input: { type: { tensorType: { shape: { dim: unknown[] } } } }[] } };
  const edit = (patch: (m: Model) => void) => {
    const m = onnx.ModelProto.decode(good);
    patch(m as unknown as Model);
    return onnx.ModelProto.encode(m).finish();
  };
  const firstConv = (m: Model) => m.graph.node.findIndex((n) => n.opType === 'Conv');
  refused(
    edit((m) => {
      const conv = m.graph.node[firstConv(m)];
      conv.attribute.find((a) => a.name === 'pads')!.ints = [0, 0, 0, 0];
    }),
    /the ONNX graph is not the one the card's network gives \(node \d+ 'enc0_conv0\/conv' \(Conv\): attribute 'pads' changed\); model graphs cannot be edited/,
    'pads',
  );
  refused(
    edit((m) => {
      const k = m.graph.node.findIndex((n) => n.opType === 'LeakyRelu');
      const relu = m.graph.node[k];
      relu.opType = 'Relu';
      relu.attribute = [];
    }),
    /node \d+ '.*\/leaky_relu' \(LeakyRelu\): Relu instead of LeakyRelu/,
    'op type',
  );
  refused(
    edit((m) => {
      // drop a squeeze-excitation multiply: its consumers read its input instead
      const k = m.graph.node.findIndex((n) => n.opType === 'Mul');
      const [mul] = m.graph.node.splice(k, 1);
      for (const n of m.graph.node) n.input = n.input.map((x) => (x === mul.output[0] ? mul.input[0] : x));
    }),
    /node \d+ .*: /,
    'dropped node',
  );
  refused(
    edit((m) => {
      m.graph.node.pop();
      m.graph.node.at(-1)!.output = ['grid'];
    }),
    /node \d+ '.*' \(.*\): other outputs|nodes instead of/,
    'dropped last node',
  );
  refused(
    edit((m) => {
      m.opsetImport[0].version = 11;
    }),
    /operator sets ai\.onnx 11 instead of ai\.onnx 13/,
    'opset',
  );
  refused(
    edit((m) => {
      m.graph.input[0].type.tensorType.shape.dim[1] = { dimValue: 3 };
    }),
    /other graph inputs or outputs/,
    'input shape',
  );
  // the runnable model is rebuilt: same graph, and the predictions of the file's own bytes
  const m = decodeModel(good, 'm.onnx');
  assert.equal(m.bytes, good);
  const file = path.join(dir, 'g.onnx');
  writeFileSync(file, good);
  const loaded = await loadModel(file);
  const p = await modelPredictor(loaded);
  const { createOnnxPredictor } = await import('../engine/onnxruntime.js');
  const q = await createOnnxPredictor(good);
  const rng = new Rng(2);
  const x = Float32Array.from({ length: 32 * 32 }, () => rng.normal());
  assert.deepEqual(await p.run(x, 32, 32), await q.run(x, 32, 32));
  await p.dispose();
  await q.dispose();
});

test('threshold provenance: a model saved before the threshold search says so; detectors pass it on unless a threshold is given', async () => {
  const lean = leanSpec({ filters: 2, ndown: 0, cellSize: 2 });
  const lw = randomWeights(lean, 1);
  const training = { dataset: 'ds', epochs: 3, bestEpoch: 3, steps: 30, seconds: 5 };
  const mid = makeCard({ name: 'mid', network: lean.config, thresholdSource: 'default', training });
  assert.equal(mid.threshold, 0.5);
  assert.equal(thresholdCalibrated(mid), false);
  assert.equal(makeCard({ name: 'x', network: lean.config }).thresholdSource, 'default', 'no threshold given: the default, uncalibrated');
  assert.equal(makeCard({ name: 'x', network: lean.config, threshold: 0.3 }).thresholdSource, undefined);
  const cases: [string, Partial<ModelCard>, boolean][] = [
    ['validation-f1', { thresholdSource: 'validation-f1', threshold: 0.4 }, true],
    ['noise-limit', { thresholdSource: 'noise-limit', threshold: 0.85 }, true],
    // older files (no thresholdSource): uncalibrated when a training run never reached the search
    ['old, trained, no search', { thresholdSource: undefined, training }, false],
    ['old, trained, searched', { thresholdSource: undefined, training, scores: { thresholdSearch: [{ threshold: 0.5, f1Integral: 0.5 }] } }, true],
    ['old, no training record', { thresholdSource: undefined, training: undefined, threshold: 0.3 }, true],
  ];
  for (const [what, patch, want] of cases) assert.equal(thresholdCalibrated({ ...mid, ...patch }), want, what);

  const file = path.join(dir, 'mid.onnx');
  writeFileSync(file, encodeModel(lean, lw, mid));
  const m = await loadModel(file);
  assert.deepEqual(m.notes, [
    { level: 'warn', code: 'uncalibrated-threshold', message: 'threshold 0.5 was never calibrated (training stopped before the threshold search)', file },
  ]);
  const d = await createDetector({ model: file });
  assert.equal(d.notes?.length, 1);
  await d.close();
  const t = await createDetector({ model: file, threshold: 0.6 });
  assert.deepEqual(t.notes, []);
  await t.close();
  const { SpotDetector } = await import('../pipeline/spot-detector.js');
  const s = await SpotDetector.create({ model: file });
  assert.equal(s.notes[0]?.code, 'uncalibrated-threshold');
  await s.close();
  const l = await SpotDetector.create({ method: 'log' });
  assert.deepEqual(l.notes, []);
  await l.close();
});
