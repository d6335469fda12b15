import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iteratePlanes, planeAt, planeSizes } from './axes.js';
import type { RawImage } from './format.js';

function image(shape: number[], make: (n: number) => RawImage['data'] = (n) => new Uint16Array(n)): RawImage {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = make(n);
  for (let i = 0; i < n; i++) data[i] = (i * 7919) % 65521;
  return { path: 'mem', data, shape, dtype: data.constructor.name, warnings: [] };
}

test('planeAt gives what iteratePlanes yields for every plane (contiguous, transposed, singleton axes)', () => {
  const cases: [number[], string][] = [
    [[5, 7], 'yx'],
    [[3, 5, 7], 'zyx'],
    [[2, 3, 4, 5, 6], 'ctzyx'],
    [[2, 3, 5, 7], 'tcyx'],
    [[5, 7, 3], 'yxz'],
    [[7, 5], 'xy'],
    [[4, 7, 5, 2], 'zxyc'],
    [[1, 3, 1, 5, 7], 'zyx'],
  ];
  for (const [shape, axes] of cases) {
    for (const make of [(n: number) => new Uint16Array(n), (n: number) => new Float64Array(n)]) {
      const raw = image(shape, make);
      const sizes = planeSizes(raw, axes);
      const all = [...iteratePlanes(raw, axes)];
      assert.equal(all.length, sizes.c * sizes.t * sizes.z, `${axes} ${shape}`);
      for (const e of all) {
        const p = planeAt(raw, axes, e.c, e.t, e.z);
        assert.equal(p.height, e.plane.height);
        assert.equal(p.width, e.plane.width);
        assert.equal(p.data.constructor, e.plane.data.constructor, `${axes}: same array type`);
        assert.deepEqual(Array.from(p.data), Array.from(e.plane.data), `${axes} (${shape}) c${e.c} t${e.t} z${e.z}`);
      }
    }
  }
});

test('planeAt refuses indices out of range', () => {
  const raw = image([3, 5, 7]);
  assert.throws(() => planeAt(raw, 'zyx', 0, 0, 3), RangeError);
  assert.throws(() => planeAt(raw, 'zyx', 1, 0, 0), RangeError);
  assert.throws(() => planeAt(raw, 'zyx', 0, 0, -1), RangeError);
  assert.throws(() => planeAt(raw, 'zyx', 0, 0, 0.5), RangeError);
  assert.deepEqual(planeSizes(raw, 'zyx'), { c: 1, t: 1, z: 3 });
});
