import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scheduledRate } from './train.js';

test('learning-rate schedule: constant, and cosine from lr (first epoch) to lr/100 (last epoch)', () => {
  assert.equal(scheduledRate(2e-3, 'constant', 37, 80), 2e-3);
  assert.equal(scheduledRate(2e-3, 'cosine', 1, 80), 2e-3);
  assert.ok(Math.abs(scheduledRate(2e-3, 'cosine', 80, 80) - 2e-5) < 1e-12);
  // half-way (epoch 3 of 5): the mean of the two ends
  assert.ok(Math.abs(scheduledRate(1e-3, 'cosine', 3, 5) - (1e-3 + 1e-5) / 2) < 1e-12);
  // monotone decreasing; a resumed run beyond its last epoch stays at the floor
  const r = Array.from({ length: 10 }, (_, i) => scheduledRate(1e-3, 'cosine', i + 1, 10));
  for (let i = 1; i < r.length; i++) assert.ok(r[i] < r[i - 1]);
  assert.ok(Math.abs(scheduledRate(1e-3, 'cosine', 12, 10) - 1e-5) < 1e-12);
  assert.equal(scheduledRate(1e-3, 'cosine', 1, 1), 1e-3);
});
