/**
 * End-to-end tests: run the built `deepblink` bin on files made by the simulator.
 * (npm test builds dist/ first; these tests run dist/cli/main.js.)
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../testutil/shared.js';
import { encodeTiff } from '../io/image/write.js';
import { parse as parseYaml } from 'yaml';
import { VERSION } from '../core/version.js';
import { readImage } from '../io/image/read.js';
import { simulateStack } from '../simulate/simulate3d.js';
import { imageSeed } from '../simulate/files.js';

const BIN = path.join(repoRoot, 'dist', 'cli', 'main.js');
let work = '';

function run(args: string[], env: Record<string, string> = {}, cwd = work) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function csvRows(file: string): { header: string[]; rows: number[][] } {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  return {
    header: lines[0].split(','),
    rows: lines
      .slice(1)
      .filter(Boolean)
      .map((l) => l.split(',').map(Number)),
  };
}

before(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'deepblink-cli-'));
  // 4 images of 128×128 at SNR 7 with ground truth
  const r = run(['simulate', '-o', 'sim', '-n', '4', '-s', '128', '--snr', '7', '--density', '8', '--seed', '3']);
  assert.equal(r.code, 0, r.err);
});

/** Provenance files written by each run (src/io/provenance.ts). */
const RUN_RECORD = /^deepblink-run-\d{8}T\d{6}Z-\d+(-\d+)?\.json$/;

test('--version and --help on the program and on every verb', () => {
  assert.match(run(['--version']).out, new RegExp(VERSION.replace(/\./g, '\\.')));
  for (const verb of ['predict', 'check', 'config', 'create', 'simulate', 'evaluate', 'colocalize']) {
    const v = run([verb, '-V']);
    assert.equal(v.code, 0);
    assert.equal(v.out.trim(), `deepblink ${verb} ${VERSION}`);
    const h = run([verb, '--help']);
    assert.equal(h.code, 0);
    assert.match(h.out, /-v, --verbose/);
  }
});

test('simulate writes uint16 TIFFs and truth CSVs, deterministically', () => {
  const files = readdirSync(path.join(work, 'sim')).sort();
  assert.deepEqual(
    files.filter((f) => f.endsWith('.tif')),
    ['sim_0000.tif', 'sim_0001.tif', 'sim_0002.tif', 'sim_0003.tif'],
  );
  const { header, rows } = csvRows(path.join(work, 'sim', 'sim_0000.csv'));
  assert.deepEqual(header, ['y', 'x', 'photons', 'sigma', 'crlb_y', 'crlb_x', 'peak_snr', 'background']);
  assert.ok(rows.length > 5);
  for (const r of rows) {
    assert.ok(r[0] >= 0 && r[0] < 128 && r[1] >= 0 && r[1] < 128);
    assert.ok(r[4] > 0 && r[4] < 1, 'CRLB std in px is positive and small at SNR 7');
  }
  const again = run(['simulate', '-o', 'sim2', '-n', '1', '-s', '128', '--snr', '7', '--density', '8', '--seed', '3']);
  assert.equal(again.code, 0, again.err);
  assert.deepEqual(readFileSync(path.join(work, 'sim2', 'sim_0000.tif')), readFileSync(path.join(work, 'sim', 'sim_0000.tif')));
  const check = run(['check', path.join('sim', 'sim_0000.tif'), '--json']);
  assert.equal(check.code, 0, check.err);
  const info = JSON.parse(check.out);
  assert.equal(info.dtype, 'uint16');
  assert.deepEqual(info.shape, [128, 128]);
  assert.equal(info.axes, 'yx');
});

test('simulate --3d writes zyx uint16 stacks and their truth tables (the library simulateStack, seed by seed)', async () => {
  const args = ['simulate', '--3d', '-o', 'stacks', '-n', '2', '-s', '48,40', '--depth', '8', '--count', '6', '--sigma-z', '1.2,1.8', '--seed', '5'];
  const r = run([...args, '--pixel-size', '0.1', '--z-step', '0.3']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /2 stacks, 12 spots/);
  const img = await readImage(path.join(work, 'stacks', 'sim_0001.tif'));
  assert.equal(img.axes, 'zyx');
  assert.deepEqual(img.shape, [8, 48, 40]);
  assert.equal(img.dtype, 'uint16');
  assert.ok(img.pixelSize && Math.abs(img.pixelSize.x - 0.1) < 1e-9);
  const sim = simulateStack({ depth: 8, height: 48, width: 40, count: 6, sigmaZ: [1.2, 1.8] }, imageSeed(5, 1));
  assert.deepEqual([...img.data], [...sim.image]);
  const { header, rows } = csvRows(path.join(work, 'stacks', 'sim_0001.csv'));
  assert.deepEqual(header, ['z', 'y', 'x', 'photons', 'sigma_xy', 'sigma_z', 'crlb_z', 'crlb_y', 'crlb_x', 'background']);
  assert.equal(rows.length, sim.spots.length);
  rows.forEach((row, i) => {
    const s = sim.spots[i];
    const want = [s.z, s.y, s.x, s.photons, s.sigma, s.sigmaZ, s.crlbZ, s.crlbY, s.crlbX, s.background];
    row.forEach((v, j) => assert.ok(Math.abs(v - want[j]) <= 5e-3 * Math.max(1e-3, Math.abs(want[j])) + 1e-6, `row ${i} ${header[j]}: ${v} vs ${want[j]}`));
  });
  const settings = JSON.parse(readFileSync(path.join(work, 'stacks', 'simulation.json'), 'utf8'));
  assert.equal(settings.zStep, 0.3);
  for (const bad of [['--dataset'], ['--preset', 'general'], ['--placement', 'clustered']]) {
    const b = run(['simulate', '--3d', '-o', 'nostack', '-n', '1', '-s', '32', ...bad]);
    assert.equal(b.code, 1);
    assert.match(b.err, /not available with --3d/);
  }
  assert.match(run(['simulate', '-o', 'nostack', '-n', '1', '-s', '32', '--depth', '4']).err, /--depth is for --3d/);
  assert.ok(!existsSync(path.join(work, 'nostack', 'sim_0000.tif')));
});

test('predict --method log finds the simulated spots; evaluate scores them', () => {
  const r = run(['predict', '-i', 'sim', '-o', 'pred', '--method', 'log']);
  assert.equal(r.code, 0, r.err);
  const out = csvRows(path.join(work, 'pred', 'sim_0000.csv'));
  assert.deepEqual(out.header, ['y [px]', 'x [px]', 'quality']);
  const ev = run(['evaluate', '-p', 'pred', '-t', 'sim', '--json']);
  assert.equal(ev.code, 0, ev.err);
  const res = JSON.parse(ev.out);
  assert.equal(res.images.length, 4);
  assert.ok(res.summary.mean.f1At3 > 0.9, `F1@3px ${res.summary.mean.f1At3}`);
  assert.ok(res.summary.mean.f1Integral > 0.6, `F1-integral ${res.summary.mean.f1Integral}`);
  const table = run(['evaluate', '-p', path.join('pred', 'sim_0001.csv'), '-t', path.join('sim', 'sim_0001.csv')]);
  assert.equal(table.code, 0, table.err);
  assert.match(table.out, /F1-integral/);
  assert.match(table.out, /mean ± std \(1\)/);
});

test('predict: coordinates are (row, col) — a spot placed at row 20, col 90 is reported as y≈20, x≈90', () => {
  const h = 64;
  const w = 128;
  const data = new Uint16Array(h * w).fill(100);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) data[r * w + c] += Math.round(2000 * Math.exp(-((r - 20) ** 2 + (c - 90) ** 2) / (2 * 1.5 ** 2)));
  }
  writeFileSync(path.join(work, 'one.tif'), encodeTiff([{ data, height: h, width: w }], {}));
  const r = run(['predict', '-i', 'one.tif', '-o', 'one_out', '--method', 'log', '-r', '2', '--pixel-size', '0.5']);
  assert.equal(r.code, 0, r.err);
  const { header, rows } = csvRows(path.join(work, 'one_out', 'one.csv'));
  assert.deepEqual(header, ['y [px]', 'x [px]', 'y [µm]', 'x [µm]', 'quality', 'i'], 'one spot keeps every column');
  assert.equal(rows.length, 1);
  assert.ok(Math.abs(rows[0][0] - 20) < 0.1 && Math.abs(rows[0][1] - 90) < 0.1, String(rows[0]));
  assert.ok(Math.abs(rows[0][2] - 10) < 0.05 && Math.abs(rows[0][3] - 45) < 0.05);
  assert.ok(rows[0][5] > 13 * 100, 'disk sum of radius 2 covers 13 pixels above background 100');
});

test('predict on a stack writes c/t/z columns, one plane per z', () => {
  const h = 48;
  const w = 48;
  const planes = [0, 1, 2].map((z) => {
    const d = new Uint16Array(h * w).fill(50);
    for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) d[r * w + c] += Math.round(1000 * Math.exp(-((r - 10 - 5 * z) ** 2 + (c - 30) ** 2) / 4.5));
    return { data: d, height: h, width: w };
  });
  writeFileSync(path.join(work, 'stack.tif'), encodeTiff(planes, { axes: 'zyx' }));
  const r = run(['predict', '-i', 'stack.tif', '-o', 'stack_out', '--method', 'log', '--axes', 'zyx', '--per-plane']);
  assert.equal(r.code, 0, r.err);
  const { header, rows } = csvRows(path.join(work, 'stack_out', 'stack.csv'));
  assert.deepEqual(header, ['y [px]', 'x [px]', 'quality', 'c', 't', 'z']);
  assert.equal(rows.length, 3);
  rows.forEach((row, z) => {
    assert.equal(row[5], z);
    assert.ok(Math.abs(row[0] - (10 + 5 * z)) < 0.2);
  });
});

test('predict on a z-stack (the default for ≥ 3 slices): one row per spot, sub-slice z from the planes it spans', () => {
  const [h, w, depth] = [40, 44, 7];
  const spot = { z: 3.3, y: 20.4, x: 25.7 };
  const planes = Array.from({ length: depth }, (_, z) => {
    const d = new Uint16Array(h * w).fill(100);
    for (let r = 0; r < h; r++)
      for (let c = 0; c < w; c++)
        d[r * w + c] += Math.round(2000 * Math.exp(-((z - spot.z) ** 2) / (2 * 1.2 ** 2) - ((r - spot.y) ** 2 + (c - spot.x) ** 2) / (2 * 1.5 ** 2)));
    return { data: d, height: h, width: w };
  });
  writeFileSync(path.join(work, 'zstack.tif'), encodeTiff(planes, { axes: 'zyx' }));
  const r = run(['predict', 'zstack.tif', '-o', 'zstack_out', '--method', 'log', '--voxel-size', '0.3,0.1,0.1']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /1 spots in 3-D \(7 slices; --per-plane/);
  const { header, rows } = csvRows(path.join(work, 'zstack_out', 'zstack.csv'));
  assert.deepEqual(header, ['z [px]', 'y [px]', 'x [px]', 'z [µm]', 'y [µm]', 'x [µm]', 'quality', 'planes']);
  assert.equal(rows.length, 1);
  const [z, y, x, zum, yum] = rows[0];
  assert.ok(Math.abs(z - spot.z) < 0.15 && Math.abs(y - spot.y) < 0.2 && Math.abs(x - spot.x) < 0.2, rows[0].join(','));
  assert.ok(Math.abs(zum - 0.3 * z) < 1e-4 && Math.abs(yum - 0.1 * y) < 1e-4);
  assert.ok(rows[0][7] >= 3, `detected in ${rows[0][7]} planes`);
  assert.equal(run(['predict', 'zstack.tif', '-o', 'zstack_out2', '--3d', '--per-plane']).code, 1);
});

test('config writes a described YAML, refuses to overwrite without --force', () => {
  const r = run(['config', '-n', 'my cfg.v1']);
  assert.equal(r.code, 0, r.err);
  const file = path.join(work, 'my_cfg_v1.yaml');
  const doc = parseYaml(readFileSync(file, 'utf8'));
  // the defaults: the bundled models' network and recipe, 40 epochs
  assert.deepEqual(Object.fromEntries(Object.entries(doc.network).map(([k, v]) => [k, (v as { value: unknown }).value])), {
    architecture: 'lean',
    filters: 4,
    ndown: 1,
    cell_size: 4,
    dropout: 0,
    block: 'residual',
    l2: 1e-6,
  });
  assert.equal(doc.train.epochs.value, 40);
  assert.equal(doc.normalization.value, 'noise');
  assert.match(doc.network.filters.description, /filters/);
  const again = run(['config', '-n', 'my cfg.v1']);
  assert.equal(again.code, 1);
  assert.match(again.err, /already exists/);
  assert.equal(run(['config', '-n', 'raw', '--raw']).code, 0);
  assert.equal(parseYaml(readFileSync(path.join(work, 'raw.yaml'), 'utf8')).train.batch_size, 8);
});

test('create makes a dataset folder with seeded splits, pairing images and labels by name', () => {
  const r = run(['create', '-i', 'sim', '-o', 'ds', '-s', '64', '--seed', '1']);
  assert.equal(r.code, 0, r.err);
  const m = JSON.parse(readFileSync(path.join(work, 'ds', 'dataset.json'), 'utf8'));
  assert.equal(m.format, 'deepblink-dataset');
  const n = m.splits.train.length + m.splits.valid.length + m.splits.test.length;
  // expected: crops of 64² (4 per 128² image) holding at least one true spot
  let expected = 0;
  for (let k = 0; k < 4; k++) {
    const spots = csvRows(path.join(work, 'sim', `sim_000${k}.csv`)).rows;
    for (const [r0, c0] of [
      [0, 0],
      [0, 64],
      [64, 0],
      [64, 64],
    ]) {
      if (spots.some(([y, x]) => y >= r0 - 0.5 && y < r0 + 63.5 && x >= c0 - 0.5 && x < c0 + 63.5)) expected++;
    }
  }
  assert.equal(n, expected);
  assert.ok(n >= 12);
  // fractions of all crops (60/20/20), rounded half to even
  assert.equal(m.splits.test.length, Math.round(n * 0.2));
  assert.equal(m.splits.valid.length, Math.round(n * 0.2));
  const item = m.splits.train[0];
  assert.ok(existsSync(path.join(work, 'ds', item.image)) && existsSync(path.join(work, 'ds', item.labels)));
  // crop labels are the source spots shifted by the crop origin
  const src = csvRows(path.join(work, 'sim', item.source.replace('.tif', '.csv'))).rows;
  const crop = csvRows(path.join(work, 'ds', item.labels)).rows;
  assert.equal(crop.length, item.spots);
  for (const [y, x] of crop) assert.ok(src.some((s) => Math.abs(s[0] - item.row0 - y) < 1e-5 && Math.abs(s[1] - item.col0 - x) < 1e-5));
  const again = run(['create', '-i', 'sim', '-o', 'ds2', '-s', '64', '--seed', '1']);
  assert.equal(again.code, 0);
  const m2 = JSON.parse(readFileSync(path.join(work, 'ds2', 'dataset.json'), 'utf8'));
  assert.deepEqual(m2.splits, m.splits, 'same seed → same split');
  assert.equal(run(['create', '-i', 'sim', '-o', 'ds', '-s', '64']).code, 1, 'existing dataset is not overwritten');
  // a crop size training cannot take is refused at once, saying which sizes work
  const odd = run(['create', '-i', 'sim', '-o', 'ds100', '-s', '100']);
  assert.equal(odd.code, 1);
  assert.equal(
    odd.err,
    'deepblink: error: crop size 100 cannot be trained on: the networks need a multiple of 8 px (96 or 104 would do; 64, 128 and 256 are usual)\n',
  );
  assert.ok(!existsSync(path.join(work, 'ds100')));
});

test('bad input: one-line errors naming the file, the batch goes on, exit 1, no partial output', () => {
  const dir = path.join(work, 'bad');
  mkdirSync(dir);
  copyFileSync(path.join(work, 'sim', 'sim_0000.tif'), path.join(dir, 'a_good.tif'));
  writeFileSync(path.join(dir, 'b_empty.tif'), new Uint8Array(0));
  writeFileSync(path.join(dir, 'c_garbage.tif'), Buffer.from('this is not a tiff at all, just text'));
  const good = readFileSync(path.join(work, 'sim', 'sim_0001.tif'));
  writeFileSync(path.join(dir, 'd_truncated.tif'), good.subarray(0, Math.floor(good.length / 2)));
  writeFileSync(path.join(dir, 'e_constant.tif'), encodeTiff([{ data: new Uint16Array(32 * 32).fill(7), height: 32, width: 32 }], {}));
  const nan = new Float32Array(32 * 32).map((_, i) => i % 7);
  nan[100] = NaN;
  writeFileSync(path.join(dir, 'f_nan.tif'), encodeTiff([{ data: nan, height: 32, width: 32 }], {}));
  // a TIFF header claiming 100000×100000 pixels: patch the width/height tags of a small file
  const small = Buffer.from(encodeTiff([{ data: new Uint16Array(16 * 16).fill(1), height: 16, width: 16 }], {}));
  const ifd = small.readUInt32LE(4);
  const nTags = small.readUInt16LE(ifd);
  for (let k = 0; k < nTags; k++) {
    const e = ifd + 2 + 12 * k;
    const tag = small.readUInt16LE(e);
    if (tag === 256 || tag === 257) {
      small.writeUInt16LE(4, e + 2); // LONG
      small.writeUInt32LE(1, e + 4);
      small.writeUInt32LE(100000, e + 8);
    }
  }
  writeFileSync(path.join(dir, 'g_absurd.tif'), small);
  writeFileSync(path.join(work, 'h.bmp'), Buffer.from('BM'));

  const r = run(['predict', '-i', 'bad', '-o', 'bad_out', '--method', 'log']);
  assert.equal(r.code, 1);
  const errs = r.err
    .trim()
    .split('\n')
    .filter((l) => l.includes('error'));
  assert.equal(errs.length, 6, r.err);
  for (const name of ['b_empty', 'c_garbage', 'd_truncated', 'e_constant', 'f_nan', 'g_absurd']) {
    assert.ok(
      errs.some((l) => l.includes(`${name}.tif: `)),
      `${name} named in: ${r.err}`,
    );
  }
  assert.ok(errs.some((l) => /b_empty.*empty/.test(l)));
  assert.ok(errs.some((l) => /e_constant.*constant/.test(l)));
  assert.ok(errs.some((l) => /f_nan.*NaN/.test(l)));
  const outs = readdirSync(path.join(work, 'bad_out'));
  assert.deepEqual(
    outs.filter((f) => !RUN_RECORD.test(f)),
    ['a_good.csv'],
    'only the good image has output, no temp files',
  );
  const rec = JSON.parse(
    readFileSync(
      path.join(
        work,
        'bad_out',
        outs.find((f) => RUN_RECORD.test(f))!,
      ),
      'utf8',
    ),
  );
  assert.equal(rec.status, 'failed');
  assert.deepEqual(
    rec.outputs.map((o: { file: string }) => o.file),
    ['a_good.csv'],
  );
  assert.ok(rec.failures.length >= 4, 'the failing inputs are recorded');

  const ext = run(['predict', '-i', 'h.bmp', '-o', 'x', '--method', 'log']);
  assert.equal(ext.code, 1);
  assert.match(ext.err, /h\.bmp: .*unsupported/);
});

test('unwritable output: a clear error and no partial file', () => {
  writeFileSync(path.join(work, 'afile'), 'x');
  const r = run(['predict', '-i', path.join('sim', 'sim_0000.tif'), '-o', path.join('afile', 'sub'), '--method', 'log']);
  assert.equal(r.code, 1);
  assert.match(r.err, /afile/);
  // target CSV name taken by a folder: the write fails, nothing partial remains
  mkdirSync(path.join(work, 'blocked', 'sim_0000.csv'), { recursive: true });
  const b = run(['predict', '-i', path.join('sim', 'sim_0000.tif'), '-o', 'blocked', '--method', 'log']);
  assert.equal(b.code, 1);
  assert.match(b.err, /blocked.sim_0000\.csv/);
  assert.deepEqual(
    readdirSync(path.join(work, 'blocked')).filter((f) => !RUN_RECORD.test(f)),
    ['sim_0000.csv'],
  );
});

test('evaluate: an unknown CSV header is an error listing the columns found', () => {
  writeFileSync(path.join(work, 'weird.csv'), 'POS_X,POS_Y\n1,2\n');
  const r = run(['evaluate', '-p', 'weird.csv', '-t', path.join('sim', 'sim_0000.csv')]);
  assert.equal(r.code, 1);
  assert.match(r.err, /weird\.csv: .*POS_X/);
  assert.equal(r.err.trim().split('\n').length, 1, 'one line');
});

test('evaluate --3d: z columns as coordinates, anisotropic voxels, per-axis errors, -o columns; a table without z is a one-line error', () => {
  mkdirSync(path.join(work, 'e3'), { recursive: true });
  writeFileSync(path.join(work, 'e3', 'truth.csv'), 'z,y,x\n2,10,10\n5,40,40\n8,80,80\n12,120,120\n');
  writeFileSync(path.join(work, 'e3', 'pred.csv'), 'z [px],y [px],x [px]\n4,10,10\n5.5,40.2,40\n8,80,81.5\n30,5,5\n');
  writeFileSync(path.join(work, 'e3', 'flat.csv'), 'y,x\n1,2\n');
  const args = ['evaluate', '-p', path.join('e3', 'pred.csv'), '-t', path.join('e3', 'truth.csv'), '--3d'];
  // µm: the pair 2 slices apart is 0.6 µm at 0.3 µm per slice: 3 of 4 matched within 1 µm
  const um = run([...args, '--voxel-size', '0.3,0.1,0.1', '-d', '1', '--json', '-o', path.join('e3', 'scores.csv')]);
  assert.equal(um.code, 0, um.err);
  const j = JSON.parse(um.out);
  assert.ok(Math.abs(j.images[0].f1At3 - 0.75) < 1e-9);
  assert.equal(j.summary.unit, 'µm');
  assert.equal(j.images[0].axisErrors.pairs, 3);
  assert.ok(Math.abs(j.images[0].axisErrors.z.biasVoxels - 2.5 / 3) < 1e-9);
  const table = csvRows(path.join(work, 'e3', 'scores.csv'));
  assert.deepEqual(table.header.slice(9, 11), ['z_rmse', 'z_bias']);
  assert.ok(Math.abs(table.rows[0][10] - 0.25) < 1e-6);
  // voxels: the same pair is 2 apart, beyond 1.6: 2 of 4
  const vox = run([...args, '-d', '1.6']);
  assert.equal(vox.code, 0, vox.err);
  assert.match(vox.out, /pred\.csv +4 +4 +\S+ +0\.500 /);
  assert.match(vox.out, /distances in voxels/);
  const flat = run(['evaluate', '-p', path.join('e3', 'flat.csv'), '-t', path.join('e3', 'truth.csv'), '--3d']);
  assert.equal(flat.code, 1);
  assert.match(flat.err, /^deepblink: error: .*flat\.csv: no z column/);
  assert.equal(flat.err.trim().split('\n').length, 1, 'one line');
});

test('the shipped demo image is reproduced by the command in examples/README.md', () => {
  const r = run([
    'simulate',
    '-o',
    'demo',
    '-n',
    '1',
    '-s',
    '256',
    '--snr',
    '3,10',
    '--structures',
    '4',
    '--gradient',
    '0.3',
    '--density',
    '8',
    '--sigma',
    '1.2,1.8',
    '--background',
    '20',
    '--read-noise',
    '2',
    '--offset',
    '100',
    '--gain',
    '2',
    '--prefix',
    'demo',
    '--seed',
    '2025',
  ]);
  assert.equal(r.code, 0, r.err);
  assert.ok(readFileSync(path.join(work, 'demo', 'demo_0000.tif')).equals(readFileSync(path.join(repoRoot, 'examples', 'demo.tif'))));
  assert.equal(readFileSync(path.join(work, 'demo', 'demo_0000.csv'), 'utf8'), readFileSync(path.join(repoRoot, 'examples', 'demo_truth.csv'), 'utf8'));
});

test('predict --fit: fit columns, and the fitted positions are closer to the truth than LoG alone', () => {
  const a = run(['predict', '-i', 'sim', '-o', 'nofit', '--method', 'log']);
  const b = run(['predict', '-i', 'sim', '-o', 'fit', '--method', 'log', '--fit']);
  assert.equal(a.code, 0, a.err);
  assert.equal(b.code, 0, b.err);
  const { header, rows } = csvRows(path.join(work, 'fit', 'sim_0000.csv'));
  assert.deepEqual(header, [
    'y [px]',
    'x [px]',
    'quality',
    'y_det [px]',
    'x_det [px]',
    'photons',
    'background',
    'sigma [px]',
    'fwhm [px]',
    'amplitude',
    'snr',
    'crlb_y [px]',
    'crlb_x [px]',
    'fit',
  ]);
  for (const r of rows) assert.ok(Math.hypot(r[0] - r[3], r[1] - r[4]) <= 1.0 + 1e-9, 'the guard keeps the fit within 1 px of the detection');
  const ea = JSON.parse(run(['evaluate', '-p', 'nofit', '-t', 'sim', '--json']).out).summary.mean;
  const eb = JSON.parse(run(['evaluate', '-p', 'fit', '-t', 'sim', '--json']).out).summary.mean;
  assert.ok(eb.rmse < ea.rmse, `RMSE with fit ${eb.rmse} < without ${ea.rmse}`);
  assert.ok(eb.f1Integral > ea.f1Integral, `F1-integral with fit ${eb.f1Integral} > without ${ea.f1Integral}`);
});

test('predict with the default model: refined positions are closer to the truth than --no-refine, same spots', () => {
  const a = run(['predict', '-i', 'sim', '-o', 'refined', '--threads', '1']);
  const b = run(['predict', '-i', 'sim', '-o', 'grid', '--threads', '1', '--no-refine']);
  assert.equal(a.code, 0, a.err);
  assert.equal(b.code, 0, b.err);
  for (let k = 0; k < 4; k++) {
    const f = `sim_000${k}.csv`;
    assert.equal(csvRows(path.join(work, 'refined', f)).rows.length, csvRows(path.join(work, 'grid', f)).rows.length);
  }
  const ea = JSON.parse(run(['evaluate', '-p', 'refined', '-t', 'sim', '--json']).out).summary.mean;
  const eb = JSON.parse(run(['evaluate', '-p', 'grid', '-t', 'sim', '--json']).out).summary.mean;
  assert.ok(ea.rmse < eb.rmse, `RMSE refined ${ea.rmse} < grid ${eb.rmse}`);
  assert.ok(ea.f1Integral > 0.85, `F1-integral ${ea.f1Integral}`);
});

test('never lose a file: default output beside the input, refuse to replace files deepblink did not write, provenance', () => {
  mkdirSync(path.join(work, 'keep'), { recursive: true });
  copyFileSync(path.join(work, 'sim', 'sim_0000.tif'), path.join(work, 'keep', 'img.tif'));
  writeFileSync(path.join(work, 'keep', 'img.csv'), 'y,x\n1,2\n'); // ground truth of the user, same stem
  // no -o: a new folder beside the input folder; the input folder is untouched
  const a = run(['predict', 'keep', '--method', 'log']);
  assert.equal(a.code, 0, a.err);
  assert.deepEqual(readdirSync(path.join(work, 'keep')).sort(), ['img.csv', 'img.tif']);
  assert.equal(readFileSync(path.join(work, 'keep', 'img.csv'), 'utf8'), 'y,x\n1,2\n');
  const out = path.join(work, 'keep-spots');
  assert.ok(existsSync(path.join(out, 'img.csv')));
  const recs = readdirSync(out).filter((f) => RUN_RECORD.test(f));
  assert.equal(recs.length, 1);
  const rec = JSON.parse(readFileSync(path.join(out, recs[0]), 'utf8'));
  assert.equal(rec.status, 'done');
  assert.match(rec.tool, /^deepblink \d/);
  assert.equal(rec.options.method, 'log');
  assert.equal(rec.outputs[0].file, 'img.csv');
  assert.match(rec.outputs[0].sha256, /^[0-9a-f]{64}$/);
  // a second run into the same folder replaces its own outputs
  const b = run(['predict', 'keep', '--method', 'log']);
  assert.equal(b.code, 0, b.err);
  // -o into the input folder: the user's img.csv is not replaced without --force
  const c = run(['predict', path.join('keep', 'img.tif'), '-o', 'keep', '--method', 'log']);
  assert.equal(c.code, 1);
  assert.match(c.err, /img\.csv: already exists and was not written by deepblink.*--force/);
  assert.equal(readFileSync(path.join(work, 'keep', 'img.csv'), 'utf8'), 'y,x\n1,2\n');
  // an output the user edited is theirs again
  writeFileSync(path.join(out, 'img.csv'), 'edited\n');
  const d = run(['predict', 'keep', '--method', 'log']);
  assert.equal(d.code, 1);
  assert.equal(readFileSync(path.join(out, 'img.csv'), 'utf8'), 'edited\n');
  const e = run(['predict', 'keep', '--method', 'log', '--force']);
  assert.equal(e.code, 0, e.err);
  assert.match(readFileSync(path.join(out, 'img.csv'), 'utf8'), /^y \[px\]/);
  // the network's record names the model and its checksum
  const f = run(['predict', 'keep', '-o', 'keep-net']);
  assert.equal(f.code, 0, f.err);
  const nrec = JSON.parse(
    readFileSync(
      path.join(
        work,
        'keep-net',
        readdirSync(path.join(work, 'keep-net')).find((x) => RUN_RECORD.test(x))!,
      ),
      'utf8',
    ),
  );
  assert.equal(nrec.model.name, 'general');
  assert.match(nrec.model.sha256, /^[0-9a-f]{64}$/);
  assert.equal(typeof nrec.options.threshold, 'number');
});

test('download: a model name cannot escape the output folder', () => {
  const r = run(['download', '../models/general', '-o', 'dl']);
  assert.equal(r.code, 1);
  assert.match(r.err, /no bundled model/);
  assert.ok(!existsSync(path.join(work, 'models', 'general.onnx')));
});

test('one overwrite policy: simulate, visualize and evaluate -o refuse to replace files deepblink did not write', () => {
  mkdirSync(path.join(work, 'mine'), { recursive: true });
  writeFileSync(path.join(work, 'mine', 'sim_0001.csv'), 'precious\n');
  const s = run(['simulate', '-o', 'mine', '-n', '2', '-s', '32']);
  assert.equal(s.code, 1);
  assert.match(s.err, /sim_0001\.csv: already exists/);
  assert.ok(!existsSync(path.join(work, 'mine', 'sim_0000.tif')), 'nothing written when one name is refused');
  assert.equal(readFileSync(path.join(work, 'mine', 'sim_0001.csv'), 'utf8'), 'precious\n');
  // a rerun into its own folder is fine
  assert.equal(run(['simulate', '-o', 'own', '-n', '1', '-s', '32']).code, 0);
  assert.equal(run(['simulate', '-o', 'own', '-n', '1', '-s', '32']).code, 0);
  writeFileSync(path.join(work, 'taken.png'), 'precious');
  const v = run(['visualize', '-i', path.join('own', 'sim_0000.tif'), '-o', 'taken.png']);
  assert.equal(v.code, 1);
  assert.match(v.err, /taken\.png: already exists.*--force/);
  assert.equal(readFileSync(path.join(work, 'taken.png'), 'utf8'), 'precious');
  assert.equal(run(['visualize', '-i', path.join('own', 'sim_0000.tif'), '-o', 'taken.png', '--force']).code, 0);
  writeFileSync(path.join(work, 'table.csv'), 'precious');
  const e = run(['evaluate', '-p', path.join('own', 'sim_0000.csv'), '-t', path.join('own', 'sim_0000.csv'), '-o', 'table.csv']);
  assert.equal(e.code, 1);
  assert.equal(readFileSync(path.join(work, 'table.csv'), 'utf8'), 'precious');
});

test('offline for real: no telemetry database is written by a network prediction', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'deepblink-home-'));
  const r = run(['predict', path.join('sim', 'sim_0000.tif'), '-o', 'tele'], { HOME: home, XDG_CACHE_HOME: path.join(home, '.cache') });
  assert.equal(r.code, 0, r.err);
  assert.ok(!existsSync(path.join(home, '.cache', 'Microsoft')), 'onnxruntime telemetry is off');
});

test('a blank plane in a stack is skipped with a warning, the other planes are processed', () => {
  const h = 64;
  const planes = [0, 1, 2].map((k) => {
    const d = new Uint16Array(h * h);
    if (k !== 1) for (let i = 0; i < d.length; i++) d[i] = 100 + ((i * 7919 + k * 31) % 13) + (Math.hypot((i % h) - 32, Math.floor(i / h) - 32) < 3 ? 400 : 0);
    return { data: d, height: h, width: h };
  });
  writeFileSync(path.join(work, 'stack3.tif'), encodeTiff(planes));
  const r = run(['predict', 'stack3.tif', '-o', 'stack-out', '--method', 'log', '--axes', 'zyx', '--per-plane']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /plane c=0 t=0 z=1 is constant.*skipped/);
  const rows = readFileSync(path.join(work, 'stack-out', 'stack3.csv'), 'utf8')
    .trim()
    .split('\n');
  const z = rows.slice(1).map((l) => l.split(',').at(-1));
  assert.ok(z.includes('0') && z.includes('2') && !z.includes('1'), `spots in planes ${[...new Set(z)].join(',')}`);
});

test('Ctrl-C during predict: the current image is finished, the run is recorded as interrupted, nothing partial', async () => {
  assert.equal(run(['simulate', '-o', 'many', '-n', '30', '-s', '512', '--seed', '9']).code, 0);
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [BIN, 'predict', 'many', '-o', 'many-out'], { cwd: work });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((resolve) => {
    child.stdout.on('data', (d) => {
      const first = out === '';
      out += d;
      if (first) child.kill('SIGINT');
    });
    child.on('close', (c) => resolve(c));
  });
  assert.equal(code, 130, `exit code (stderr: ${err})`);
  assert.match(out, /interrupted: \d+\/30 images done/);
  const files = readdirSync(path.join(work, 'many-out'));
  assert.ok(!files.some((f) => f.includes('.tmp-')), 'no temporary files');
  const rec = JSON.parse(
    readFileSync(
      path.join(
        work,
        'many-out',
        files.find((f) => RUN_RECORD.test(f))!,
      ),
      'utf8',
    ),
  );
  assert.equal(rec.status, 'interrupted');
  const csvs = files.filter((f) => f.endsWith('.csv'));
  assert.ok(csvs.length >= 1 && csvs.length < 30, `${csvs.length} images done`);
  assert.equal(rec.outputs.length, csvs.length, 'every output is in the record');
});

test('predict then visualize a z-stack: one row per spot, and the maximum projection with the spots coloured by z', () => {
  assert.equal(run(['simulate', '--3d', '-o', 'vis3d', '-n', '1', '-s', '64', '--depth', '8', '--snr', '8', '--density', '8', '--seed', '5']).code, 0);
  const p = run(['predict', 'vis3d/sim_0000.tif', '-o', 'vis3d-out']);
  assert.equal(p.code, 0, p.err);
  assert.match(p.out, /spots in 3-D \(8 slices/);
  const v = run(['visualize', '-i', 'vis3d/sim_0000.tif', '-s', 'vis3d-out/sim_0000.csv', '-t', 'vis3d/sim_0000.csv', '-o', 'vis3d.png']);
  assert.equal(v.code, 0, v.err);
  assert.match(v.out, /maximum projection of 8 slices, \d+×\d+, \d+ spots coloured by z .* \d+ truth crosses/);
  const png = readFileSync(path.join(work, 'vis3d.png'));
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  assert.equal(png.readUInt32BE(16), png.readUInt32BE(20));
});

test('predict --mask: a cell column, <name>-cells.csv with cell 0 first; a folder of masks paired by name; a mask of another size fails its image only', () => {
  const [h, w] = [48, 64];
  const spots: [number, number][] = [
    [10, 10],
    [12, 24],
    [30, 50],
    [40, 8],
  ];
  const data = new Uint16Array(h * w).fill(100);
  for (const [y, x] of spots)
    for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) data[r * w + c] += Math.round(2000 * Math.exp(-((r - y) ** 2 + (c - x) ** 2) / 4.5));
  // cell 1: rows 0–20 × cols 0–31 (two spots); cell 2: rows 24–47 × cols 40–63 (one); spot (40, 8) outside
  const mask = new Uint16Array(h * w);
  for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) mask[r * w + c] = r <= 20 && c < 32 ? 1 : r >= 24 && c >= 40 ? 2 : 0;
  mkdirSync(path.join(work, 'mcells'));
  mkdirSync(path.join(work, 'mmasks'));
  writeFileSync(path.join(work, 'mcells', 'a.tif'), encodeTiff([{ data, height: h, width: w }], {}));
  writeFileSync(path.join(work, 'mcells', 'b.tif'), encodeTiff([{ data, height: h, width: w }], {}));
  writeFileSync(path.join(work, 'mmasks', 'a_mask.tif'), encodeTiff([{ data: mask, height: h, width: w }], {}));
  writeFileSync(path.join(work, 'mmasks', 'b.mask.tif'), encodeTiff([{ data: new Uint8Array(32 * 32), height: 32, width: 32 }], {}));
  const one = run(['predict', path.join('mcells', 'a.tif'), '-o', 'mout1', '--method', 'log', '--mask', path.join('mmasks', 'a_mask.tif')]);
  assert.equal(one.code, 0, one.err);
  const t = csvRows(path.join(work, 'mout1', 'a.csv'));
  assert.deepEqual(t.header, ['y [px]', 'x [px]', 'quality', 'cell']);
  assert.deepEqual(t.rows.map((r) => `${Math.round(r[0])},${Math.round(r[1])}:${r[3]}`).sort(), ['10,10:1', '12,24:1', '30,50:2', '40,8:0']);
  const c = csvRows(path.join(work, 'mout1', 'a-cells.csv'));
  assert.deepEqual(c.header, ['cell', 'spots', 'area', 'centroid_y', 'centroid_x']);
  assert.deepEqual(
    c.rows.map((r) => r.slice(0, 3)),
    [
      [0, 1, h * w - 21 * 32 - 24 * 24],
      [1, 2, 21 * 32],
      [2, 1, 24 * 24],
    ],
  );
  assert.deepEqual(c.rows[1].slice(3), [10, 15.5]);
  const rec = readdirSync(path.join(work, 'mout1')).find((f) => RUN_RECORD.test(f))!;
  const outs = (JSON.parse(readFileSync(path.join(work, 'mout1', rec), 'utf8')) as { outputs: { file: string }[] }).outputs.map((o) => o.file);
  assert.deepEqual(outs.sort(), ['a-cells.csv', 'a.csv'], 'both tables are in the run record');
  // a folder of masks: a ↔ a_mask.tif; b ↔ b.mask.tif, 32×32: b fails with one line naming the mask, a is done
  const batch = run(['predict', 'mcells', '-o', 'mout2', '--method', 'log', '--mask', 'mmasks']);
  assert.equal(batch.code, 1);
  assert.match(batch.err, new RegExp(`deepblink: error: ${path.join('mmasks', 'b.mask.tif').replace(/\./g, '\\.')}: mask is 32×32, image is 48×64`));
  assert.ok(existsSync(path.join(work, 'mout2', 'a-cells.csv')));
  assert.equal(readFileSync(path.join(work, 'mout2', 'a-cells.csv'), 'utf8'), readFileSync(path.join(work, 'mout1', 'a-cells.csv'), 'utf8'));
  assert.equal(existsSync(path.join(work, 'mout2', 'b.csv')), false);
  assert.match(batch.out, /1\/2 images done/);
  // no mask for an image in the folder: that image fails
  writeFileSync(path.join(work, 'mcells', 'c.tif'), encodeTiff([{ data, height: h, width: w }], {}));
  const none = run(['predict', path.join('mcells', 'c.tif'), '-o', 'mout3', '--method', 'log', '--mask', 'mmasks']);
  assert.equal(none.code, 1);
  assert.match(none.err, /c\.tif: no mask in mmasks \(looked for c\.tif, c_mask\.\*, c\.mask\.\*\)/);
});
