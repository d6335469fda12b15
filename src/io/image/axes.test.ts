import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { predictAxes, resolveAxes, iteratePlanes, alignAxes } from './axes.js';
import type { RawImage } from './read.js';
import { UserError } from '../../core/errors.js';

function raw(shape: number[], opts: { axes?: string; data?: ArrayLike<number> } = {}): RawImage {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = opts.data ? Float32Array.from(opts.data) : Float32Array.from({ length: n }, (_, i) => i);
  const r: RawImage = { path: 'mem.tif', data, shape, dtype: 'float32', warnings: [] };
  if (opts.axes !== undefined) r.axes = opts.axes;
  return r;
}

function throwsUser(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof UserError, `expected UserError, got ${String(err)}`);
    assert.match(err.message, re);
    return true;
  });
}

describe('predictAxes (upstream predict_shape, §1.8, with y = first largest, x = second)', () => {
  // Upstream example table, 'x,y' → 'yx' (our rows/columns) and commas dropped.
  const table: [number[], string][] = [
    [[254, 256], 'yx'],
    [[100, 100, 2], 'yxc'],
    [[100, 100, 3], 'yx3'],
    [[10, 100, 100], 'zyx'],
    [[3, 64, 64], 'cyx'],
    [[5, 64, 64], 'zyx'],
    [[10, 100, 100, 2], 'zyxc'],
    [[20, 10, 100, 100], 'tzyx'],
    [[2, 5, 64, 64], 'czyx'],
    [[20, 10, 100, 100, 2], 'tzyxc'],
    [[7, 7, 64, 64], 'ztyx'],
  ];
  for (const [shape, expected] of table) {
    test(`(${shape.join(', ')}) → ${expected}`, () => {
      assert.equal(predictAxes(shape), expected);
    });
  }
  test('zero-length dimensions are dropped first', () => {
    assert.equal(predictAxes([0, 30, 40]), 'yx');
  });
  test('errors as upstream: (100,), (0, 0), 7 dims, (100, 100, 100)', () => {
    throwsUser(() => predictAxes([100]), /fewer than 2 dimensions/);
    throwsUser(() => predictAxes([0, 0]), /fewer than 2 dimensions/);
    throwsUser(() => predictAxes([2, 2, 2, 2, 2, 100, 100]), /more than 5 dimensions/);
    throwsUser(() => predictAxes([100, 100, 100]), /3 dimensions tie for the two largest sizes/);
  });
});

describe('resolveAxes', () => {
  test('option: normalised, validated, singleton dimensions dropped', () => {
    assert.deepEqual(resolveAxes(raw([5, 20, 30]), '(z,y,x)'), { axes: 'zyx', shape: [5, 20, 30], source: 'option' });
    assert.deepEqual(resolveAxes(raw([5, 20, 30]), 'ZYX'), { axes: 'zyx', shape: [5, 20, 30], source: 'option' });
    // Full-length option with a singleton: dropped with its letter.
    assert.deepEqual(resolveAxes(raw([1, 5, 20, 30]), 'czyx'), { axes: 'zyx', shape: [5, 20, 30], source: 'option' });
    // Option for the squeezed shape.
    assert.deepEqual(resolveAxes(raw([1, 5, 20, 30]), 'tyx'), { axes: 'tyx', shape: [5, 20, 30], source: 'option' });
    // The option wins over metadata.
    assert.equal(resolveAxes(raw([5, 20, 30], { axes: 'zyx' }), 'tyx').axes, 'tyx');
    // A 1-row image keeps its y.
    assert.deepEqual(resolveAxes(raw([1, 30]), 'yx'), { axes: 'yx', shape: [1, 30], source: 'option' });
  });

  test('option errors name the problem', () => {
    throwsUser(() => resolveAxes(raw([5, 20, 30]), 'zyq'), /^invalid --axes 'zyq': unknown letter\(s\) 'q' \(use c, t, z, y, x\)$/);
    throwsUser(() => resolveAxes(raw([5, 20, 30]), 'yyx'), /letter\(s\) 'y' used more than once/);
    throwsUser(() => resolveAxes(raw([5, 20, 30]), 'zcx'), /must contain both y \(rows\) and x \(columns\)/);
    throwsUser(() => resolveAxes(raw([5, 20, 30]), 'yx'), /2 letter\(s\) but the image has 3 dimensions, shape \(5, 20, 30\)/);
    throwsUser(() => resolveAxes(raw([1, 5, 20, 30]), 'yx'), /has 4 \(3 without singleton dimensions\) dimensions/);
    throwsUser(() => resolveAxes(raw([5, 20, 30]), 'ctzyx'), /5 letter\(s\)/);
  });

  test('metadata axes, singleton dimensions dropped', () => {
    assert.deepEqual(resolveAxes(raw([1, 3, 1, 20, 30], { axes: 'tczyx' })), { axes: 'cyx', shape: [3, 20, 30], source: 'metadata' });
    assert.deepEqual(resolveAxes(raw([20, 30], { axes: 'yx' })), { axes: 'yx', shape: [20, 30], source: 'metadata' });
  });

  test('guessed from the shape', () => {
    assert.deepEqual(resolveAxes(raw([254, 256])), { axes: 'yx', shape: [254, 256], source: 'guessed' });
    assert.deepEqual(resolveAxes(raw([10, 64, 64])), { axes: 'zyx', shape: [10, 64, 64], source: 'guessed' });
    assert.deepEqual(resolveAxes(raw([2, 1, 64, 64])), { axes: 'cyx', shape: [2, 64, 64], source: 'guessed' });
    assert.deepEqual(resolveAxes(raw([20, 10, 64, 64])), { axes: 'tzyx', shape: [20, 10, 64, 64], source: 'guessed' });
    assert.deepEqual(resolveAxes(raw([1, 40])), { axes: 'yx', shape: [1, 40], source: 'guessed' });
  });

  test('guessing failures are UserErrors asking for --axes', () => {
    // 4-D with three sizes tied for largest.
    throwsUser(() => resolveAxes(raw([3, 100, 100, 100])), /cannot guess the axes .*tie.*; pass --axes \(e\.g\. 'ctyx'\)$/);
    // 4-D where the two largest dimensions are not the plane.
    throwsUser(
      () => resolveAxes(raw([200, 150, 20, 30])),
      /cannot guess the axes of shape \(200, 150, 20, 30\): the two largest dimensions are not the last two; pass --axes/,
    );
    // Too many dimensions.
    throwsUser(() => resolveAxes(raw([2, 2, 2, 2, 2, 9, 9])), /more than 5 dimensions; pass --axes/);
  });
});

describe('alignAxes', () => {
  test('maps letters to dimensions, skipping singletons', () => {
    assert.deepEqual(alignAxes([1, 5, 20, 30], 'zyx'), [undefined, 'z', 'y', 'x']);
    assert.deepEqual(alignAxes([1, 5, 1, 30], 'zyx'), [undefined, 'z', 'y', 'x']);
    assert.deepEqual(alignAxes([5, 20, 30], 'zyx'), ['z', 'y', 'x']);
    assert.equal(alignAxes([5, 20, 30], 'yx'), undefined);
  });
});

describe('iteratePlanes', () => {
  test('order c (outer), t, z (inner); values per plane; contiguous planes are views, no copy', () => {
    // shape (c=2, z=3, y=2, x=2): plane index k holds values 4k..4k+3
    const img = raw([2, 3, 2, 2], { axes: 'czyx' });
    const planes = [...iteratePlanes(img, 'czyx')];
    assert.deepEqual(
      planes.map((p) => [p.c, p.t, p.z]),
      [
        [0, 0, 0],
        [0, 0, 1],
        [0, 0, 2],
        [1, 0, 0],
        [1, 0, 1],
        [1, 0, 2],
      ],
    );
    assert.deepEqual(Array.from((planes[4] as (typeof planes)[0]).plane.data), [16, 17, 18, 19]);
    const p = (planes[0] as (typeof planes)[0]).plane;
    assert.equal(p.data.buffer, img.data.buffer, 'a view on the image samples');
    assert.equal(p.data.length, 4);
    assert.equal(p.height, 2);
    assert.equal(p.width, 2);
  });

  test('a plane with x before y is a transposed float32 copy', () => {
    const img = raw([2, 3], { data: [0, 1, 2, 3, 4, 5] }); // (x=2, y=3)
    const [p] = [...iteratePlanes(img, 'xy')];
    assert.ok(p.plane.data instanceof Float32Array);
    assert.deepEqual([p.plane.height, p.plane.width], [3, 2]);
    assert.deepEqual(Array.from(p.plane.data), [0, 3, 1, 4, 2, 5]);
  });

  test('storage order z,c is iterated as c, then z', () => {
    // ImageJ-like (z=2, c=2, y, x): plane (z, c) holds value 10z + c everywhere.
    const vals: number[] = [];
    for (let z = 0; z < 2; z++) for (let c = 0; c < 2; c++) vals.push(...new Array(6).fill(10 * z + c));
    const img = raw([2, 2, 2, 3], { data: vals });
    const seen = [...iteratePlanes(img, 'zcyx')].map((p) => [p.c, p.z, p.plane.data[0]]);
    assert.deepEqual(seen, [
      [0, 0, 0],
      [0, 1, 10],
      [1, 0, 1],
      [1, 1, 11],
    ]);
  });

  test('t and c and z together', () => {
    const img = raw([2, 2, 2, 1, 1], { data: [0, 1, 2, 3, 4, 5, 6, 7] }); // t, c, z, y, x
    const seen = [...iteratePlanes(img, 'tczyx')].map((p) => [p.c, p.t, p.z, p.plane.data[0]]);
    assert.deepEqual(seen, [
      [0, 0, 0, 0],
      [0, 0, 1, 1],
      [0, 1, 0, 4],
      [0, 1, 1, 5],
      [1, 0, 0, 2],
      [1, 0, 1, 3],
      [1, 1, 0, 6],
      [1, 1, 1, 7],
    ]);
  });

  test('axes with x before y transpose the plane so rows are y', () => {
    // Stored (x=3, y=2): element [x][y] = 10x + y.
    const img = raw([3, 2], { data: [0, 1, 10, 11, 20, 21] });
    const [only] = [...iteratePlanes(img, 'xy')];
    assert.ok(only);
    assert.equal(only.plane.height, 2);
    assert.equal(only.plane.width, 3);
    // row y, column x → 10x + y
    assert.deepEqual(Array.from(only.plane.data), [0, 10, 20, 1, 11, 21]);
  });

  test('plane axes not last (y, x, z) are gathered with strides', () => {
    // shape (y=2, x=2, z=3), value = 100y + 10x + z
    const vals: number[] = [];
    for (let y = 0; y < 2; y++) for (let x = 0; x < 2; x++) for (let z = 0; z < 3; z++) vals.push(100 * y + 10 * x + z);
    const planes = [...iteratePlanes(raw([2, 2, 3], { data: vals }), 'yxz')];
    assert.equal(planes.length, 3);
    assert.deepEqual(Array.from((planes[2] as (typeof planes)[0]).plane.data), [2, 12, 102, 112]);
  });

  test('resolveAxes output feeds iteratePlanes on shapes with singletons', () => {
    const img = raw([1, 3, 1, 2, 2], { axes: 'tczyx' });
    const { axes } = resolveAxes(img);
    const planes = [...iteratePlanes(img, axes)];
    assert.deepEqual(
      planes.map((p) => [p.c, p.plane.data[0]]),
      [
        [0, 0],
        [1, 4],
        [2, 8],
      ],
    );
  });

  test('bad axes are rejected', () => {
    throwsUser(() => [...iteratePlanes(raw([2, 3]), 'zx')], /must contain both y/);
    throwsUser(() => [...iteratePlanes(raw([2, 3, 4]), 'yx')], /do not fit the image shape/);
  });
});
