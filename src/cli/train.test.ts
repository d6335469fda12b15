/**
 * End-to-end neural path on tiny data: simulate a dataset → config → train a tiny network →
 * predict held-out images → evaluate; resume; fine-tune; tiled vs untiled prediction; visualize.
 * (Runs the built bin; npm test builds dist/ first.)
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { repoRoot } from '../testutil/shared.js';
import { readManifest } from '../dataset/dataset.js';

const BIN = path.join(repoRoot, 'dist', 'cli', 'main.js');
let work = '';

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed YAML tree, patched freely by each test
function writeConfig(name: string, patch: (c: Record<string, any>) => void): string {
  const c = parse(readFileSync(path.join(work, 'base.yaml'), 'utf8'));
  patch(c);
  writeFileSync(path.join(work, name), stringify(c));
  return name;
}

function csvRows(file: string): number[][] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((l) => l.split(',').map(Number));
}

before(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'deepblink-train-'));
  let r = run(['simulate', '--dataset', '-o', 'ds', '-n', '60', '-s', '32', '--snr', '10', '--count', '4', '--sigma', '1,1.5', '--seed', '1']);
  assert.equal(r.code, 0, r.err);
  r = run(['config', '-n', 'base', '--raw']);
  assert.equal(r.code, 0, r.err);
  // the paper's network, small, with the original's recipe (the defaults are the bundled models')
  writeConfig('base.yaml', (c) => {
    c.dataset = 'ds';
    c.network = { ...c.network, architecture: 'deepblink', filters: 3, ndown: 1, cell_size: 2, dropout: 0, block: 'convolutional' };
    c.loss = 'combined_dice_rmse';
    c.normalization = 'zscore';
    c.train = { ...c.train, epochs: 20, learning_rate: 0.003, batch_size: 2, lr_schedule: 'constant' };
  });
});

test('a tiny network learns simulated spots: held-out F1-integral well above chance', async () => {
  const r = run(['train', '-c', 'base.yaml']);
  assert.equal(r.code, 0, r.err);
  const model = path.join(work, 'models', 'run.onnx');
  assert.ok(existsSync(model));
  assert.match(r.out, /threshold 0\.\d+, validation F1-integral/);
  const log = csvRows(path.join(work, 'models', 'run.log.csv'));
  assert.equal(log.length, 20);
  assert.ok(log[19][1] < log[0][1] * 0.6, `train loss fell: ${log[0][1]} → ${log[19][1]}`);

  // predict the test split (never seen in training) and score it
  const m = await readManifest(path.join(work, 'ds'));
  mkdirSync(path.join(work, 'test_img'));
  mkdirSync(path.join(work, 'test_truth'));
  for (const item of m.splits.test) {
    const name = path.basename(item.image, '.tif');
    copyFileSync(path.join(work, 'ds', item.image), path.join(work, 'test_img', `${name}.tif`));
    copyFileSync(path.join(work, 'ds', item.labels), path.join(work, 'test_truth', `${name}.csv`));
  }
  const p = run(['predict', '-i', 'test_img', '-o', 'test_pred', '-m', model]);
  assert.equal(p.code, 0, p.err);
  const header = readFileSync(path.join(work, 'test_pred', `${path.basename(m.splits.test[0].image, '.tif')}.csv`), 'utf8').split('\n')[0];
  assert.equal(header, 'y [px],x [px],p');
  const ev = run(['evaluate', '-p', 'test_pred', '-t', 'test_truth', '--json']);
  assert.equal(ev.code, 0, ev.err);
  const s = JSON.parse(ev.out).summary;
  // chance level: 4 random points in 32² give F1-integral ≈ 0.01
  assert.ok(s.mean.f1Integral > 0.6, `held-out F1-integral ${s.mean.f1Integral}`);
  assert.ok(s.mean.f1At3 > 0.8, `held-out F1@3px ${s.mean.f1At3}`);

  // tiled and untiled prediction of a larger image agree
  const big = run(['simulate', '-o', 'big', '-n', '1', '-s', '96,136', '--snr', '10', '--density', '30', '--sigma', '1,1.5', '--seed', '9']);
  assert.equal(big.code, 0, big.err);
  const a = run(['predict', '-i', path.join('big', 'sim_0000.tif'), '-o', 'untiled', '-m', model]);
  const b = run(['predict', '-i', path.join('big', 'sim_0000.tif'), '-o', 'tiled', '-m', model, '--tile', '48', '--overlap', '12']);
  assert.equal(a.code, 0, a.err);
  assert.equal(b.code, 0, b.err);
  const ua = csvRows(path.join(work, 'untiled', 'sim_0000.csv'));
  const tb = csvRows(path.join(work, 'tiled', 'sim_0000.csv'));
  assert.ok(ua.length > 20);
  // global pooling (squeeze-excitation) makes tiles differ slightly: same spots within 0.25 px, counts within 5 %
  assert.ok(Math.abs(ua.length - tb.length) <= Math.ceil(0.05 * ua.length), `${ua.length} vs ${tb.length}`);
  const matched = ua.filter(([y, x]) => tb.some(([y2, x2]) => Math.hypot(y - y2, x - x2) < 0.25)).length;
  assert.ok(matched >= 0.95 * ua.length, `${matched}/${ua.length} matched`);

  // visualize writes a PNG
  const v = run([
    'visualize',
    '-i',
    path.join('big', 'sim_0000.tif'),
    '-s',
    path.join('untiled', 'sim_0000.csv'),
    '-t',
    path.join('big', 'sim_0000.csv'),
    '-o',
    'look.png',
  ]);
  assert.equal(v.code, 0, v.err);
  const png = readFileSync(path.join(work, 'look.png'));
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  const vd = run(['visualize', '-d', 'ds', '--split', 'valid', '--index', '1', '-o', 'crop.png']);
  assert.equal(vd.code, 0, vd.err);
  assert.equal(run(['visualize', '-d', 'ds', '--index', '999', '-o', 'x.png']).code, 1);
});

test('the lean architecture with a cosine schedule learns too; being local, tiled = untiled exactly', () => {
  const cfg = writeConfig('lean.yaml', (c) => {
    c.run_name = 'lean';
    c.network = { ...c.network, architecture: 'lean', filters: 3, ndown: 0, cell_size: 2, dropout: 0 };
    c.train = { ...c.train, epochs: 40, batch_size: 4, learning_rate: 0.005, lr_schedule: 'cosine' };
  });
  const r = run(['train', '-c', cfg]);
  assert.equal(r.code, 0, r.err);
  const model = path.join('models', 'lean.onnx');
  const p = run(['predict', '-i', 'test_img', '-o', 'lean_pred', '-m', model]);
  assert.equal(p.code, 0, p.err);
  const ev = run(['evaluate', '-p', 'lean_pred', '-t', 'test_truth', '--json']);
  assert.equal(ev.code, 0, ev.err);
  const s = JSON.parse(ev.out).summary;
  assert.ok(s.mean.f1Integral > 0.6, `lean held-out F1-integral ${s.mean.f1Integral}`);
  const a = run(['predict', '-i', path.join('big', 'sim_0000.tif'), '-o', 'lean_untiled', '-m', model]);
  const b = run(['predict', '-i', path.join('big', 'sim_0000.tif'), '-o', 'lean_tiled', '-m', model, '--tile', '48', '--overlap', '12']);
  assert.equal(a.code, 0, a.err);
  assert.equal(b.code, 0, b.err);
  const ua = csvRows(path.join(work, 'lean_untiled', 'sim_0000.csv')).sort((u, v) => u[0] - v[0] || u[1] - v[1]);
  const tb = csvRows(path.join(work, 'lean_tiled', 'sim_0000.csv')).sort((u, v) => u[0] - v[0] || u[1] - v[1]);
  assert.ok(ua.length > 20, `${ua.length} spots`);
  assert.deepEqual(tb, ua);
  const bad = writeConfig('badlr.yaml', (c) => {
    c.train.lr_schedule = 'step';
  });
  const e = run(['train', '-c', bad]);
  assert.equal(e.code, 1);
  assert.match(e.err, /'train\.lr_schedule' must be 'constant' or 'cosine'/);
});

test('resume continues from the checkpoint; an existing run is not overwritten silently', () => {
  const cfg = writeConfig('short.yaml', (c) => {
    c.run_name = 'short';
    c.train.epochs = 2;
  });
  assert.equal(run(['train', '-c', cfg]).code, 0);
  const first = csvRows(path.join(work, 'models', 'short.log.csv'));
  const again = run(['train', '-c', cfg]);
  assert.equal(again.code, 1);
  assert.match(again.err, /--resume/);
  const r = run(['train', '-c', cfg, '--resume', '--epochs', '3']);
  assert.equal(r.code, 0, r.err);
  const log = csvRows(path.join(work, 'models', 'short.log.csv'));
  assert.equal(log.length, 3);
  assert.deepEqual(log.slice(0, 2), first, 'the first two epochs are kept, not redone');
});

test('fine-tuning from a model; mismatching architecture and bad configs are clear errors', () => {
  const ft = writeConfig('ft.yaml', (c) => {
    c.run_name = 'ft';
    c.train.epochs = 1;
    c.train.pre_train = path.join('models', 'short.onnx');
  });
  const r = run(['train', '-c', ft]);
  assert.equal(r.code, 0, r.err);
  const short = csvRows(path.join(work, 'models', 'short.log.csv'));
  const tuned = csvRows(path.join(work, 'models', 'ft.log.csv'));
  assert.ok(tuned[0][1] < short[0][1], 'fine-tuning starts from the trained weights (lower first-epoch loss)');
  const bad = writeConfig('bad.yaml', (c) => {
    c.run_name = 'bad';
    c.network.filters = 4;
    c.train.pre_train = path.join('models', 'short.onnx');
  });
  const b = run(['train', '-c', bad]);
  assert.equal(b.code, 1);
  assert.match(b.err, /does not match the configured network/);
  const typo = writeConfig('typo.yaml', (c) => {
    c.train.epoch = 3;
  });
  const t = run(['train', '-c', typo]);
  assert.equal(t.code, 1);
  assert.match(t.err, /typo\.yaml: unknown key 'train\.epoch'/);
  const bm = run(['predict', '-i', path.join('big', 'sim_0000.tif'), '-o', 'x', '-m', 'typo.yaml']);
  assert.equal(bm.code, 1);
  assert.match(bm.err, /typo\.yaml: not a readable model file/);
});

test('bundled models: download --list, copy, -m NAME, predict without -m uses general', () => {
  const dir = path.join(work, 'bundled');
  mkdirSync(dir);
  copyFileSync(path.join(work, 'models', 'run.onnx'), path.join(dir, 'general.onnx'));
  copyFileSync(path.join(work, 'models', 'short.onnx'), path.join(dir, 'tiny.onnx'));
  const env = { DEEPBLINK_MODEL_DIR: dir };
  const l = run(['download', '--list'], env);
  assert.equal(l.code, 0, l.err);
  assert.match(l.out, /^general \(default\)/m);
  assert.match(l.out, /^tiny /m);
  const c = run(['download', 'tiny', '-o', 'copied'], env);
  assert.equal(c.code, 0, c.err);
  assert.ok(readFileSync(path.join(work, 'copied', 'tiny.onnx')).equals(readFileSync(path.join(dir, 'tiny.onnx'))));
  assert.equal(run(['download', 'tiny', '-o', 'copied'], env).code, 1, 'no silent overwrite');
  const u = run(['download', 'nope'], env);
  assert.equal(u.code, 1);
  assert.match(u.err, /no bundled model 'nope' \(bundled: general, tiny\)/);
  const img = path.join('big', 'sim_0000.tif');
  const a = run(['predict', '-i', img, '-o', 'p_default'], env);
  const b = run(['predict', '-i', img, '-o', 'p_general', '-m', path.join(dir, 'general.onnx')], env);
  const t = run(['predict', '-i', img, '-o', 'p_tiny', '-m', 'TINY'], env);
  assert.equal(a.code, 0, a.err);
  assert.equal(b.code, 0, b.err);
  assert.equal(t.code, 0, t.err);
  assert.equal(readFileSync(path.join(work, 'p_default', 'sim_0000.csv'), 'utf8'), readFileSync(path.join(work, 'p_general', 'sim_0000.csv'), 'utf8'));
  const m = run(['predict', '-i', img, '-o', 'x', '-m', 'nomodel'], env);
  assert.equal(m.code, 1);
  assert.match(m.err, /nomodel: no such model file or bundled model \(bundled models: general, tiny\)/);
});

test('Ctrl-C during train: stops after the current step, keeps the last full epoch, says how to resume, exit 130', async () => {
  const cfg = writeConfig('sig.yaml', (c) => {
    c.run_name = 'sig';
    c.train.epochs = 30;
  });
  const child = spawn(process.execPath, [BIN, 'train', '-c', cfg], { cwd: work });
  let err = '';
  let sent = false;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    err += d;
    // after the first epoch's line: Ctrl-C
    if (!sent && /^deepblink: epoch 1\/30, ~\d+ (s|min) left: loss/m.test(err)) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.ok(sent, err);
  assert.equal(code, 130, err);
  const done = csvRows(path.join(work, 'models', 'sig.log.csv')).length;
  assert.ok(done >= 1 && done < 30, `${done} epochs`);
  const saved = done === 1 ? 'epoch 1 is' : `epochs 1–${done} are`;
  assert.match(err, new RegExp(`interrupted \\(epoch ${done + 1}/30 not finished\\): ${saved} saved in .*sig\\.ckpt`));
  assert.match(err, /^deepblink: resume with: deepblink train -c sig\.yaml --resume$/m);
  assert.deepEqual(
    readdirSync(path.join(work, 'models')).filter((f) => f.startsWith('.') || f.includes('.tmp')),
    [],
    'no partial file',
  );
  // the model saved so far has the uncalibrated threshold: predict says so (not with -t)
  const img = path.join('big', 'sim_0000.tif');
  const p = run(['predict', '-i', img, '-o', 'sig_pred', '-m', path.join('models', 'sig.onnx')]);
  assert.equal(p.code, 0, p.err);
  assert.equal(
    p.err,
    `deepblink: warning: ${path.join('models', 'sig.onnx')}: threshold 0.5 was never calibrated (training stopped before the threshold search); pass -t or finish training\n`,
  );
  const t = run(['predict', '-i', img, '-o', 'sig_pred', '-m', path.join('models', 'sig.onnx'), '-t', '0.5']);
  assert.equal(t.err, '');
  // resumed: the epochs logged are kept, the run finishes with a calibrated threshold
  const r = run(['train', '-c', cfg, '--resume', '--epochs', String(done + 1)]);
  assert.equal(r.code, 0, r.err);
  assert.equal(csvRows(path.join(work, 'models', 'sig.log.csv')).length, done + 1);
  assert.match(r.err, new RegExp(`epoch ${done + 1}/${done + 1}: loss`));
  const again = run(['predict', '-i', img, '-o', 'sig_pred', '-m', path.join('models', 'sig.onnx')]);
  assert.equal(again.err, '');
});

test('time left reads as a person would say it', async () => {
  const { aboutTime } = await import('./train.js');
  assert.deepEqual([0.2, 40, 59.4, 100, 250, 89 * 60, 3 * 3600 + 600].map(aboutTime), ['~1 s', '~40 s', '~59 s', '~2 min', '~4 min', '~89 min', '~3.2 h']);
});

test('the reporter: time left per epoch, a first estimate when the first epoch is slow, where the run stands', async () => {
  const { trainReporter } = await import('./train.js');
  const lines: string[] = [];
  const log = {
    verbose: false,
    info: () => undefined,
    progress: (m: string) => lines.push(m),
    warn: (m: string) => lines.push(`warning: ${m}`),
    error: () => undefined,
  };
  const progress = { lastEpoch: 0, epochs: 0 };
  const report = trainReporter(log, false, progress);
  report({
    type: 'start',
    firstEpoch: 3,
    epochs: 200,
    stepsPerEpoch: 100,
    batchSize: 2,
    trainCrops: 200,
    validCrops: 50,
    size: 64,
    backend: 'wasm',
    modelFile: 'm/run.onnx',
    checkpointFile: 'm/run.ckpt',
    logFile: 'm/run.log.csv',
  });
  assert.deepEqual(progress, { lastEpoch: 2, epochs: 200, checkpointFile: 'm/run.ckpt', modelFile: 'm/run.onnx' });
  report({ type: 'epochStart', epoch: 3, epochs: 200, steps: 100 });
  for (let step = 1; step <= 100; step++) report({ type: 'step', epoch: 3, epochs: 200, step, steps: 100, loss: 1, seconds: step * 0.6 });
  const row = { epoch: 3, train_loss: 1, train_dice: 0.5, train_rmse: 0.2, val_loss: 0.9, val_f1_integral: 0.5, val_f1_at_3px: 0.6, seconds: 62 };
  report({ type: 'epoch', epochs: 200, row, best: true, seconds: 65, secondsLeft: 197 * 65 });
  assert.deepEqual(lines, [
    // after 30 s of steps (step 50 of 100): 0.6 s per step, 60 s per epoch, 198 epochs to go
    'first estimate: 0.60 s per step, ~1 min per epoch, ~3.3 h left for 198 epoch(s) (without validation)',
    'epoch 3/200, ~3.6 h left: loss 1.0000, val loss 0.9000, val F1-integral 0.500, 65.0 s (best, saved)',
  ]);
  assert.equal(progress.lastEpoch, 3);
});
