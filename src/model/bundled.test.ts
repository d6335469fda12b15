/**
 * Every bundled model (models/*.onnx) loads, carries a valid card of the current format
 * version, and finds spots on a small simulated image above a floor F1-integral.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { bundledNames, bundledPath, resolveModel, DEFAULT_MODEL } from './bundled.js';
import { loadModel, MODEL_VERSION, MODEL_FORMAT } from './model.js';
import { createDetector } from '../pipeline/predict.js';
import { simulateImage, simToPlane } from '../simulate/simulate.js';
import { computeMetrics } from '../evaluate/metrics.js';
import { TEST_SEED_BASE } from '../simulate/presets.js';
import { packageRoot } from './bundled.js';
import type { Point } from '../core/types.js';

const names = bundledNames();

test('the bundled models are the documented ones, general is the default', { skip: names.length === 0 && 'no bundled models' }, () => {
  assert.ok(names.includes(DEFAULT_MODEL), `bundled: ${names.join(', ')}`);
  assert.equal(resolveModel(undefined), path.join(packageRoot, 'models', `${DEFAULT_MODEL}.onnx`));
});

for (const name of names) {
  test(`bundled model '${name}': card, size, and F1-integral > 0.7 on simulated SNR-7 particles`, async () => {
    const file = bundledPath(name)!;
    const m = await loadModel(file);
    assert.equal(m.card.format, MODEL_FORMAT);
    assert.equal(m.card.version, MODEL_VERSION);
    assert.equal(m.card.name, name);
    assert.ok(m.card.threshold > 0 && m.card.threshold < 1);
    assert.ok(m.bytes.length <= 10 * 2 ** 20, `${m.bytes.length} bytes ≤ 10 MB`);
    assert.ok(m.card.scores?.valid && m.card.scores.valid.f1Integral > 0.5, 'validation scores recorded');
    const det = await createDetector({ method: 'deepblink', model: file, threads: 1 });
    let f1 = 0;
    for (let k = 0; k < 2; k++) {
      const sim = simulateImage(
        { height: 128, width: 128, snr: 7, sigma: [1.2, 1.8], density: 8, minDistance: 4, readNoise: 0, offset: 0 },
        TEST_SEED_BASE + 900 + k,
      );
      const { spots: detections } = await det.detect(simToPlane(sim));
      f1 +=
        computeMetrics(
          detections.map((d) => [d.y, d.x] as Point),
          sim.spots.map((s) => [s.y, s.x] as Point),
        ).f1Integral / 2;
    }
    await det.close();
    assert.ok(f1 > 0.7, `F1-integral ${f1.toFixed(3)}`);
  });
}

test(
  'the default model is lean and local: tiles of its default size give exactly the untiled spots',
  { skip: !names.includes(DEFAULT_MODEL) && 'no default model' },
  async () => {
    const m = await loadModel(bundledPath(DEFAULT_MODEL)!);
    assert.equal(m.card.network.architecture, 'lean');
    const sim = simulateImage({ height: 520, width: 600, snr: 5, sigma: [1, 2], density: 10, readNoise: 0, offset: 0 }, TEST_SEED_BASE + 950);
    const plane = simToPlane(sim);
    const whole = await createDetector({ method: 'deepblink', model: DEFAULT_MODEL, threads: 1, tileSize: 1024 });
    // tiles of 256 with the default 64 px overlap: 4 × 5 tiles, every inner border crossed by spots
    const tiled = await createDetector({ method: 'deepblink', model: DEFAULT_MODEL, threads: 1, tileSize: 256 });
    const key = (d: { y: number; x: number }) => `${d.y.toFixed(4)},${d.x.toFixed(4)}`;
    const a = (await whole.detect(plane)).spots.map(key).sort();
    const b = (await tiled.detect(plane)).spots.map(key).sort();
    await whole.close();
    await tiled.close();
    assert.ok(a.length > 200, `${a.length} spots`);
    assert.deepEqual(b, a);
  },
);
