/**
 * End-to-end neural path on tiny data: simulate a dataset → config → train a tiny network →
 * predict held-out images → evaluate; resume; fine-tune; tiled vs untiled prediction; visualize.
 * (Runs the built bin; npm test builds dist/ first.)
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
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
  writeConfig('base.yaml', (c) => {
    c.dataset = 'ds';
    c.network = { ...c.network, filters: 3, ndown: 1, cell_size: 2, dropout: 0 };
    c.train = { ...c.train, epochs: 20, learning_rate: 0.003 };
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
