import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leanSpec, networkSpec, countParams, deepblinkSpec, inputMultiple, macsPerPixel, paramList, channelsOf } from './spec.js';

test('the paper network has exactly 1,258,723 parameters (filters 5, ndown 2, cell 4)', () => {
  assert.equal(countParams(deepblinkSpec()), 1_258_723);
});

test('per-block parameter counts match the layer table of §4.1', () => {
  const params = paramList(deepblinkSpec());
  const sum = (prefix: string) => params.filter((p) => p.name.startsWith(prefix)).reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
  assert.equal(sum('enc0_'), 19_108);
  assert.equal(sum('enc1_'), 93_448);
  assert.equal(sum('dec2_'), 373_264);
  assert.equal(sum('dec1_'), 185_608);
  assert.equal(sum('grid0_'), 46_468);
  assert.equal(sum('grid1_'), 93_448);
  assert.equal(sum('last_'), 446_992);
  assert.equal(sum('head/'), 387);
});

test('cell sizes 1 and 2 give the documented totals', () => {
  assert.equal(countParams(deepblinkSpec({ cellSize: 1 })), 717_995);
  assert.equal(countParams(deepblinkSpec({ cellSize: 2 })), 811_539);
});

test('channels: the concat of the last decoder step has skip channels first (32 + 64 = 96)', () => {
  const spec = deepblinkSpec();
  const ch = channelsOf(spec);
  const cats = spec.nodes.filter((n) => n.op === 'concat');
  assert.deepEqual(
    cats.map((n) => ch.get(n.name)),
    [192, 96, 128],
  );
  const first = cats[1];
  assert.ok(first.op === 'concat' && first.inputs[0].startsWith('dropout'));
});

test('input multiple and multiply-adds per pixel', () => {
  const spec = deepblinkSpec();
  assert.equal(inputMultiple(spec), 4);
  // ≈ 110 GFLOP per 512² forward pass (engine notes) → ≈ 210 k MAC per pixel
  const macs = macsPerPixel(spec);
  assert.ok(macs > 180_000 && macs < 240_000, String(macs));
  assert.equal(inputMultiple(deepblinkSpec({ ndown: 3, cellSize: 2 })), 8);
});

test('invalid configs are rejected', () => {
  assert.throws(() => deepblinkSpec({ cellSize: 3 }), /power of 2/);
  assert.throws(() => deepblinkSpec({ dropout: 1 }), /dropout/);
});

test('lean network: grid-resolution layers, multiply-adds counted by hand, 16 channels after space-to-depth', () => {
  const spec = leanSpec({ filters: 4, ndown: 1, cellSize: 4 });
  assert.equal(spec.config.architecture, 'lean');
  assert.equal(channelsOf(spec).get('fold'), 16);
  assert.equal(inputMultiple(spec), 8);
  // stem0 9·16·16/16 + stem1 9·16·16/16 + down1_0 9·16·32/64 + down1_1 9·32·32/64
  // + merge1 9·48·16/16 + last 9·16·16/16 + head 16·3/16
  assert.equal(macsPerPixel(spec), 144 + 144 + 72 + 144 + 432 + 144 + 3);
  assert.ok(macsPerPixel(deepblinkSpec()) / macsPerPixel(spec) > 100);
  assert.deepEqual(networkSpec({ architecture: 'lean', filters: 4, ndown: 1 }).nodes, spec.nodes);
  assert.equal(networkSpec({ filters: 2 }).config.architecture, 'deepblink');
  assert.throws(() => networkSpec({ architecture: 'unet' as never }), /unknown architecture/);
});
