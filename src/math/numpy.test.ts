import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linspace, pairwiseSum, roundHalfEven, trapezoid } from './numpy.js';

// Expected values printed by numpy (np.sum / np.trapezoid / np.linspace / np.round).

test('pairwiseSum follows numpy summation order (float64)', () => {
  const cases: [number, number][] = [
    [7, 0.7],
    [10, 1.0], // naive left-to-right gives 0.9999999999999999
    [100, 9.999999999999998],
    [129, 12.899999999999999],
    [1000, 100.00000000000001], // naive gives 99.9999999999986
    [1001, 100.10000000000002],
  ];
  for (const [n, expected] of cases) assert.equal(pairwiseSum(new Float64Array(n).fill(0.1)), expected, `n=${n}`);
  const mix = Float64Array.from({ length: 1000 }, (_, i) => (i * 0.37) % 1.3);
  assert.equal(pairwiseSum(mix), 653.0999999999913);
  assert.equal(pairwiseSum([]), 0);
  assert.equal(pairwiseSum([1, 2, 3, 4], 1, 2), 5);
});

test('pairwiseSum in float32 matches numpy float32 sums', () => {
  assert.equal(pairwiseSum(new Float32Array(300).fill(0.1), 0, 300, true), 30.000003814697266);
  const c = Float32Array.from({ length: 77 }, (_, i) => (i * 0.37) % 1.3);
  assert.equal(pairwiseSum(c, 0, 77, true), 51.720001220703125);
});

test('linspace matches numpy', () => {
  assert.deepEqual(linspace(0, 1, 7), [0, 0.16666666666666666, 0.3333333333333333, 0.5, 0.6666666666666666, 0.8333333333333333, 1]);
  assert.deepEqual(linspace(0, 2, 11).slice(3, 8), [0.6000000000000001, 0.8, 1, 1.2000000000000002, 1.4000000000000001]);
  assert.deepEqual(linspace(2, 2, 3), [2, 2, 2]);
  assert.deepEqual(linspace(5, 7, 1), [5]);
  assert.deepEqual(linspace(5, 7, 0), []);
});

test('trapezoid matches np.trapezoid', () => {
  assert.equal(trapezoid([0, 1, 0.5, 0.25], [0, 0.3, 0.6, 1.0]), 0.525);
  assert.equal(trapezoid([3], [1]), 0);
  assert.throws(() => trapezoid([1, 2], [1]));
});

test('roundHalfEven matches np.round', () => {
  const xs = [2.5, 3.5, -2.5, -0.5, 0.5, 1.4999999999999998, 5.5, -3.5, 0.4, 11.6];
  const expected = [2, 4, -2, 0, 0, 1, 6, -4, 0, 12];
  assert.deepEqual(xs.map(roundHalfEven), expected);
});
