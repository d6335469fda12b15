import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspectImage } from './inspect.js';
import type { RawImage } from '../io/image/format.js';

test('inspectImage: value range over the planes, a constant plane is a problem', () => {
  const data = new Uint16Array(2 * 4 * 4);
  for (let i = 0; i < 16; i++) data[i] = i; // z=0: 0…15
  data.fill(9, 16); // z=1: constant
  const raw: RawImage = { path: 'mem.tif', data, shape: [2, 4, 4], dtype: 'uint16', axes: 'zyx', warnings: [] };
  const info = inspectImage(raw);
  assert.equal(info.file, 'mem.tif');
  assert.equal(info.axes, 'zyx');
  assert.equal(info.axesSource, 'metadata');
  assert.deepEqual([info.planes, info.height, info.width], [2, 4, 4]);
  assert.deepEqual([info.min, info.max], [0, 15]);
  assert.equal(info.mean, (120 + 16 * 9) / 32);
  assert.equal(info.pixelSize, null);
  assert.equal(info.pixelSizeSource, 'none');
  assert.deepEqual(info.problems, ['constant plane(s): c=0 t=0 z=1']);

  const asTime = inspectImage(raw, { axes: 'tyx', pixelSize: { y: 0.1, x: 0.1 } });
  assert.equal(asTime.axesSource, 'option');
  assert.equal(asTime.pixelSizeSource, 'option');
  assert.deepEqual(asTime.pixelSize, { y: 0.1, x: 0.1 });
  assert.deepEqual(asTime.problems, ['constant plane(s): c=0 t=1 z=0']);
});

test('inspectImage: a good 2-D image has no problems; NaN pixels and a constant image are named', () => {
  const good = new Float32Array(16).map((_, i) => i);
  assert.deepEqual(inspectImage({ path: 'g.tif', data: good, shape: [4, 4], dtype: 'float32', warnings: [] }).problems, []);
  const bad = new Float32Array(16).fill(1);
  bad[3] = NaN;
  const info = inspectImage({ path: 'b.tif', data: bad, shape: [4, 4], dtype: 'float32', warnings: [], pixelSize: { y: 0.2, x: 0.1 } });
  assert.equal(info.pixelSizeSource, 'metadata');
  assert.deepEqual(info.problems, ['1 NaN/infinite pixel(s)', 'constant plane(s): the image']);
  assert.equal(info.mean, 1);
});
