import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scheduledRate, type TrainEvent } from './train.js';

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

test('train() reports through events only: start, then per epoch epochStart, steps, epoch; threshold, done; abort and resume', async () => {
  const { mkdtempSync, existsSync } = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { simulateDataset } = await import('../dataset/simulate.js');
  const { resolveConfig } = await import('./config.js');
  const { train } = await import('./train.js');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deepblink-events-'));
  const ds = path.join(dir, 'ds');
  await simulateDataset({
    output: ds,
    number: 20,
    seed: 1,
    params: { height: 32, width: 32, snr: 10, count: 4, sigma: [1, 1.5], readNoise: 0, offset: 0, gain: 1 },
  });
  const cfg = resolveConfig({
    dataset: ds,
    savedir: path.join(dir, 'models'),
    network: { architecture: 'deepblink', filters: 3, ndown: 1, cell_size: 2, dropout: 0, block: 'convolutional' },
    loss: 'combined_dice_rmse',
    normalization: 'zscore',
    train: { epochs: 2, learning_rate: 0.003, batch_size: 2, lr_schedule: 'constant' },
  });

  // nothing may reach the terminal: stderr stays empty; stdout (which also carries the test
  // runner's reports) gets no deepblink message and no progress bar
  const toStderr: string[] = [];
  const toStdout: string[] = [];
  const stderrWrite = process.stderr.write;
  const stdoutWrite = process.stdout.write;
  const capture = (orig: typeof process.stderr.write, into: string[], forward: boolean) =>
    function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
      into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return forward ? (orig as (...a: unknown[]) => boolean).call(this, chunk, ...rest) : true;
    } as typeof process.stderr.write;
  process.stderr.write = capture(stderrWrite, toStderr, false);
  process.stdout.write = capture(stdoutWrite, toStdout, true);
  const first: TrainEvent[] = [];
  const second: TrainEvent[] = [];
  let res: Awaited<ReturnType<typeof train>>;
  const { loadModel } = await import('../model/model.js');
  let mid: Awaited<ReturnType<typeof loadModel>> | undefined;
  try {
    // stopped at the first step of epoch 2: epoch 1 is checkpointed
    const stop = new AbortController();
    await assert.rejects(
      train(cfg, {
        signal: stop.signal,
        onEvent: (e) => {
          first.push(e);
          if (e.type === 'step' && e.epoch === 2) stop.abort();
        },
      }),
      { name: 'AbortError' },
    );
    mid = await loadModel(path.join(dir, 'models', 'run.onnx'));
    res = await train(cfg, { resume: true, onEvent: (e) => second.push(e) });
  } finally {
    process.stderr.write = stderrWrite;
    process.stdout.write = stdoutWrite;
  }
  assert.deepEqual(toStderr, []);
  assert.deepEqual(
    toStdout.filter((w) => w.includes('deepblink:') || w.includes('\x1b[')),
    [],
  );

  const types = (evs: TrainEvent[]) => evs.map((e) => e.type);
  const start = first.find((e) => e.type === 'start');
  assert.ok(start && start.type === 'start');
  assert.equal(start.firstEpoch, 1);
  assert.equal(start.epochs, 2);
  assert.equal(start.checkpointFile, path.join(dir, 'models', 'run.ckpt'));
  assert.equal(start.logFile, path.join(dir, 'models', 'run.log.csv'));
  // the time left after epoch 1 of 2: one more epoch at this session's mean epoch time
  const ep1 = first.find((e) => e.type === 'epoch');
  assert.ok(ep1 && ep1.type === 'epoch' && ep1.seconds > 0 && ep1.secondsLeft === ep1.seconds);
  assert.ok(first.every((e) => e.type !== 'step' || (e.seconds >= 0 && e.seconds <= ep1.seconds)));
  const steps = start.stepsPerEpoch;
  const epoch = ['epochStart', ...Array<string>(steps).fill('step'), 'epoch'];
  // setup messages, start, a full epoch 1, and epoch 2 up to its second step (the abort is seen before it)
  const k = types(first).indexOf('start');
  assert.ok(
    types(first)
      .slice(0, k)
      .every((t) => t === 'info' || t === 'warn'),
  );
  assert.deepEqual(types(first).slice(k), ['start', ...epoch, 'epochStart', 'step']);
  const steps1 = first.filter((e) => e.type === 'step' && e.epoch === 1);
  assert.deepEqual(
    steps1.map((e) => (e.type === 'step' ? e.step : 0)),
    Array.from({ length: steps }, (_, i) => i + 1),
  );
  for (const e of steps1) assert.ok(e.type === 'step' && Number.isFinite(e.loss) && e.steps === steps);
  assert.ok(existsSync(path.join(dir, 'models', 'run.ckpt')));
  // the model saved after epoch 1 said that its threshold was never calibrated
  assert.ok(mid);
  assert.equal(mid.card.thresholdSource, 'default');
  assert.deepEqual(
    mid.notes.map((n) => n.code),
    ['uncalibrated-threshold'],
  );

  // resumed: epoch 2 only, then the threshold and the result
  const m = types(second).indexOf('start');
  assert.ok(second.slice(0, m).some((e) => e.type === 'info' && /resuming after epoch 1/.test(e.message)));
  assert.deepEqual(types(second).slice(m), ['start', ...epoch, 'threshold', 'done']);
  const s2 = second[m];
  assert.ok(s2.type === 'start' && s2.firstEpoch === 2);
  const ep = second.find((e) => e.type === 'epoch');
  assert.ok(ep && ep.type === 'epoch');
  assert.equal(ep.row.epoch, 2);
  assert.equal(ep.secondsLeft, 0);
  assert.equal(res.card.thresholdSource, 'validation-f1');
  assert.match(res.card.weightsSha256 ?? '', /^[0-9a-f]{64}$/);
  assert.deepEqual(ep.row, res.log[1]);
  assert.equal(res.log.length, 2);
  const th = second.find((e) => e.type === 'threshold');
  assert.ok(th && th.type === 'threshold' && th.threshold === res.card.threshold && th.modelFile === res.modelFile);
  const done = second[second.length - 1];
  assert.ok(done.type === 'done' && done.result === res);
});
