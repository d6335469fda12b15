import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Point } from '../core/types.js';
import { sharedPath } from '../testutil/shared.js';
import { diskIntensity, diskKernel, type PlaneLike } from './intensity.js';

interface IntensityCase {
  name: string;
  image: string | number[][];
  coords: Point[];
  radius: number;
  expected_sum_total?: number;
  expected?: { sum: number[]; mean: number[]; std: number[] };
}

/** Golden values; reading throws (and the tests fail) when shared/ is missing. */
const golden = JSON.parse(readFileSync(sharedPath('reference', 'metric_cases.json'), 'utf8')) as {
  intensity_cases: IntensityCase[];
};

function close(actual: number, expected: number, what: string, tol = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

function planeOf(image: string | number[][]): PlaneLike {
  if (typeof image === 'string') {
    const m = /^ones\((\d+),\s*(\d+)\)$/.exec(image);
    assert.ok(m, `unknown image spec ${image}`);
    const height = Number(m[1]);
    const width = Number(m[2]);
    return { data: new Float64Array(height * width).fill(1), height, width };
  }
  return { data: Float64Array.from(image.flat()), height: image.length, width: image[0].length };
}

test('golden: all intensity cases (upstream totals and half-to-even rounding at borders)', () => {
  assert.equal(golden.intensity_cases.length, 4);
  for (const c of golden.intensity_cases) {
    const plane = planeOf(c.image);
    if (c.expected_sum_total !== undefined) {
      const total = diskIntensity(plane, c.coords, c.radius).reduce((a, b) => a + b, 0);
      close(total, c.expected_sum_total, `${c.name} total`);
    }
    if (c.expected) {
      for (const method of ['sum', 'mean', 'std'] as const) {
        const got = diskIntensity(plane, c.coords, c.radius, method);
        assert.equal(got.length, c.coords.length);
        c.expected[method].forEach((e, i) => close(got[i], e, `${c.name} ${method}[${i}]`));
      }
    }
  }
});

test('disk kernel equals skimage.morphology.disk', () => {
  assert.deepEqual(Array.from(diskKernel(0)), [1]);
  assert.deepEqual(Array.from(diskKernel(2)), [0, 0, 1, 0, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0]);
  assert.throws(() => diskKernel(1.5), /integer/);
  assert.throws(() => diskKernel(-1), /integer/);
});

test('float32 plane is reduced in float32 like numpy (values from the upstream function)', () => {
  const height = 20;
  const width = 24;
  const data = Float32Array.from({ length: height * width }, (_, k) => (k * 37.113) % 1000.7);
  const plane = { data, height, width };
  const coords: Point[] = [
    [0.5, 0.5],
    [10.2, 11.7],
    [19.5, 23.4],
    [3.5, 22.6],
    [12.0, 0.0],
  ];
  const expected = {
    sum: [9185.82421875, 19964.72265625, 9055.1728515625, 11511.943359375, 16245.796875],
    mean: [367.4329833984375, 246.47805786132812, 452.7586364746094, 255.8209686279297, 361.0177001953125],
    std: [393.79827880859375, 276.5955505371094, 407.60150146484375, 274.63629150390625, 356.6743469238281],
  };
  for (const method of ['sum', 'mean', 'std'] as const) {
    assert.deepEqual(diskIntensity(plane, coords, 4, method), expected[method], method);
  }
});

test('hand cases: half-to-even rounding picks the pixel, windows are cut at borders', () => {
  // 3x3 plane with distinct powers of two: each sum identifies the pixels used
  const plane: PlaneLike = { data: Float64Array.from([1, 2, 4, 8, 16, 32, 64, 128, 256]), height: 3, width: 3 };
  // (0.5, 1.5) rounds to (0, 2); (1.5, 0.5) to (2, 0)
  assert.deepEqual(diskIntensity(plane, [[0.5, 1.5]], 0), [4]);
  assert.deepEqual(diskIntensity(plane, [[1.5, 0.5]], 0), [64]);
  // radius 1 at the corner (0, 0): itself, right and below
  assert.deepEqual(diskIntensity(plane, [[0, 0]], 1), [1 + 2 + 8]);
  // radius 1 at the centre: the cross
  assert.deepEqual(diskIntensity(plane, [[1, 1]], 1), [2 + 8 + 16 + 32 + 128]);
  // mean is over the cut square window (zeros outside the disk count): corner window is 2x2
  assert.deepEqual(diskIntensity(plane, [[0, 0]], 1, 'mean'), [11 / 4]);
  // entirely outside: empty window
  assert.deepEqual(diskIntensity(plane, [[10, 10]], 1), [0]);
  assert.ok(Number.isNaN(diskIntensity(plane, [[10, 10]], 1, 'mean')[0]));
  assert.deepEqual(diskIntensity(plane, [], 2), []);
  assert.throws(() => diskIntensity({ data: new Float64Array(3), height: 2, width: 2 }, [[0, 0]], 1), /expected 2 x 2/);
});
