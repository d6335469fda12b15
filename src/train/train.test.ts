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

test('retuneThreshold: F1 on validation crops, then raised to the noise-only limit; the card records both', async () => {
  const { mkdtempSync, copyFileSync } = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { simulateScene, scenePoints } = await import('../simulate/scenes.js');
  const { writeDataset } = await import('../dataset/dataset.js');
  const { bundledPath, DEFAULT_MODEL } = await import('../model/bundled.js');
  const { retuneThreshold, THRESHOLDS } = await import('./train.js');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deepblink-retune-'));
  const entries = Array.from({ length: 6 }, (_, k) => {
    const s = simulateScene(77, k, 64, [], { density: 20, snr: 6, distractors: false });
    return { plane: { data: s.image, height: 64, width: 64 }, points: scenePoints(s) };
  });
  await writeDataset(path.join(dir, 'ds'), { train: entries, valid: entries, test: [] }, { size: 64, seed: 77, description: 'test', params: {} });
  const file = path.join(dir, 'm.onnx');
  copyFileSync(bundledPath(DEFAULT_MODEL)!, file);
  const card = await retuneThreshold(file, path.join(dir, 'ds'), 0.5);
  const noise = card.scores!.noiseOnly!;
  assert.equal(noise.length, THRESHOLDS.length);
  for (let i = 1; i < noise.length; i++) assert.ok(noise[i].falsePerMP <= noise[i - 1].falsePerMP, 'fewer false spots at a higher threshold');
  const chosen = noise.find((r) => r.threshold === card.threshold)!;
  assert.ok(chosen.falsePerMP <= 0.5, `${chosen.falsePerMP} false spots per MP at ${card.threshold}`);
  const below = noise.filter((r) => r.threshold < card.threshold);
  const pick = card.scores!.thresholdSearch!.reduce((a, b) => (b.f1Integral > a.f1Integral + 1e-9 ? b : a));
  assert.ok(card.threshold >= pick.threshold, 'never below the F1 choice');
  if (card.threshold > pick.threshold) assert.ok(below[below.length - 1].falsePerMP > 0.5, 'raised only as far as needed');
});
