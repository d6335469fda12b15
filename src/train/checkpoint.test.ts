import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './checkpoint.js';

function sample(): Checkpoint {
  return {
    epoch: 3,
    steps: 120,
    seconds: 42.5,
    bestValLoss: 0.25,
    bestEpoch: 2,
    log: [{ epoch: 1, train_loss: 1, train_dice: 0.5, train_rmse: 0.25, val_loss: 0.9, val_f1_integral: 0.1, val_f1_at_3px: 0.2, seconds: 10 }],
    fingerprint: 'abc',
    weights: new Map([
      ['a/kernel', { shape: [3, 3, 1, 2], data: Float32Array.from({ length: 18 }, (_, i) => i / 7) }],
      ['a/bias', { shape: [2], data: Float32Array.from([0.5, -1]) }],
    ]),
    optimizer: { name: 'amsgrad', step: 120, slots: new Map([['a/bias/m', Float32Array.from([1e-3, 2e-3])]]) },
  };
}

test('checkpoint round trip is exact', () => {
  const c = sample();
  const d = decodeCheckpoint(encodeCheckpoint(c), 'x');
  assert.deepEqual(d, c);
});

test('truncated or foreign bytes give clear errors', () => {
  const bytes = encodeCheckpoint(sample());
  assert.throws(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 8), 'ck'), /truncated/);
  assert.throws(() => decodeCheckpoint(new TextEncoder().encode('hello world'), 'ck'), /not a deepblink checkpoint/);
});
