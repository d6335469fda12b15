/** `predict --part I/N` + `deepblink merge` end to end (the built bin): the merged table is the whole run's, byte for byte. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../testutil/shared.js';
import { simulateImage } from '../simulate/simulate.js';
import { encodeTiff } from '../io/image/write.js';

const BIN = path.join(repoRoot, 'dist', 'cli', 'main.js');
let work = '';

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'deepblink-parts-'));
  for (const [name, seed] of [
    ['a', 3],
    ['b', 4],
  ] as const) {
    const sim = simulateImage({ height: 300, width: 700, density: 30, snr: [3, 12] }, seed);
    const data = Uint16Array.from(sim.image, (v) => Math.min(65535, Math.round(v)));
    writeFileSync(path.join(work, `${name}.tif`), encodeTiff([{ data, height: 300, width: 700 }]));
  }
});

test('predict --part I/N for every I, then merge: byte-identical to predict on the whole image (network with --fit; LoG)', () => {
  for (const [label, extra] of [
    ['net', ['--tile', '256', '--fit']],
    ['log', ['--method', 'log', '--threshold', '15']],
  ] as const) {
    const whole = run(['predict', 'a.tif', '-o', `whole-${label}`, ...extra]);
    assert.equal(whole.code, 0, whole.err);
    for (let i = 1; i <= 4; i++) {
      const r = run(['predict', 'a.tif', '--part', `${i}/4`, '-o', `parts-${label}`, ...extra]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, new RegExp(`part ${i}/4 \\(rows \\d+–\\d+, columns \\d+–\\d+\\): \\d+ spots`));
    }
    assert.deepEqual(
      readdirSync(path.join(work, `parts-${label}`)).filter((n) => n.endsWith('-of-4.json')),
      [1, 2, 3, 4].map((i) => `a.part-${i}-of-4.json`),
    );
    const m = run(['merge', `parts-${label}`, '-o', `merged-${label}/a.csv`]);
    assert.equal(m.code, 0, m.err);
    assert.match(m.out, /a\.tif: 4 parts, \d+ spots/);
    const a = readFileSync(path.join(work, `whole-${label}`, 'a.csv'), 'utf8');
    assert.ok(a.split('\n').length > 100);
    assert.equal(readFileSync(path.join(work, `merged-${label}`, 'a.csv'), 'utf8'), a, label);
  }
});

test('a folder with --part: every image’s part; merge into a folder: one table per image', () => {
  const mk = (args: string[]) => {
    const r = run(args);
    assert.equal(r.code, 0, r.err);
  };
  mkdirImages();
  mk(['predict', 'imgs', '-o', 'whole-dir', '--tile', '256']);
  for (let i = 1; i <= 2; i++) mk(['predict', 'imgs', '--part', `${i}/2`, '-o', 'parts-dir', '--tile', '256']);
  mk(['merge', 'parts-dir', '-o', 'merged-dir']);
  for (const n of ['a', 'b'])
    assert.equal(readFileSync(path.join(work, 'merged-dir', `${n}.csv`), 'utf8'), readFileSync(path.join(work, 'whole-dir', `${n}.csv`), 'utf8'), n);
  // parts of two images into one .csv: refused
  const r = run(['merge', 'parts-dir', '-o', 'one.csv']);
  assert.equal(r.code, 1);
  assert.match(r.err, /^deepblink: error: the parts are of 2 images \(a\.tif, b\.tif\); give a folder as -o$/m);
});

function mkdirImages() {
  const dir = path.join(work, 'imgs');
  if (existsSync(dir)) return;
  mkdirSync(dir);
  for (const n of ['a', 'b']) writeFileSync(path.join(dir, `${n}.tif`), readFileSync(path.join(work, `${n}.tif`)));
}

test('merge: a missing part, a foreign file, bad --part values are one-line errors', () => {
  run(['predict', 'a.tif', '--part', '1/3', '-o', 'p3', '--tile', '256']);
  const miss = run(['merge', 'p3/a.part-1-of-3.json', '-o', 'x.csv']);
  assert.equal(miss.code, 1);
  assert.equal(miss.err.trim().split('\n').length, 1, miss.err);
  assert.match(miss.err, /missing parts 2\/3, 3\/3/);
  writeFileSync(path.join(work, 'junk.json'), '{"a":1}');
  const junk = run(['merge', 'junk.json', '-o', 'x.csv']);
  assert.match(junk.err, /^deepblink: error: .*junk\.json: not a deepblink part file/m);
  for (const bad of ['0/3', '4/3', 'x', '2']) {
    const r = run(['predict', 'a.tif', '--part', bad, '-o', 'p4']);
    assert.equal(r.code, 1, bad);
    assert.match(r.err, /--part.*expected/, bad);
  }
  const toomany = run(['predict', 'a.tif', '--part', '1/50', '-o', 'p5', '--tile', '256']);
  assert.match(toomany.err, /cannot cut this image into 50 parts/);
  assert.equal(existsSync(path.join(work, 'x.csv')), false);
});

test('--globals: the plane-wide numbers measured once (first step), the parts use them, merged = whole; another image’s file is refused', () => {
  const first = run(['predict', 'a.tif', '--globals', 'a.globals.json']);
  assert.equal(first.code, 0, first.err);
  assert.match(first.out, /a\.tif: plane-wide numbers of 1 plane\(s\) → a\.globals\.json/);
  const again = run(['predict', 'a.tif', '--globals', 'a.globals.json']);
  assert.equal(again.code, 1);
  assert.match(again.err, /a\.globals\.json: exists/);
  const before = readFileSync(path.join(work, 'a.globals.json'), 'utf8');
  for (let i = 1; i <= 3; i++) {
    const r = run(['predict', 'a.tif', '--part', `${i}/3`, '--globals', 'a.globals.json', '-o', 'parts-g', '--tile', '256']);
    assert.equal(r.code, 0, r.err);
  }
  assert.equal(readFileSync(path.join(work, 'a.globals.json'), 'utf8'), before); // read, not rewritten
  assert.equal(run(['merge', 'parts-g', '-o', 'merged-g/a.csv']).code, 0);
  const whole = run(['predict', 'a.tif', '-o', 'whole-g', '--tile', '256']);
  assert.equal(whole.code, 0, whole.err);
  assert.equal(readFileSync(path.join(work, 'merged-g', 'a.csv'), 'utf8'), readFileSync(path.join(work, 'whole-g', 'a.csv'), 'utf8'));
  // a part with a globals file that does not exist yet measures and writes it
  const fresh = run(['predict', 'b.tif', '--part', '1/2', '--globals', 'b.globals.json', '-o', 'parts-b', '--tile', '256']);
  assert.equal(fresh.code, 0, fresh.err);
  assert.ok(existsSync(path.join(work, 'b.globals.json')));
  const wrong = run(['predict', 'a.tif', '--part', '1/2', '--globals', 'b.globals.json', '-o', 'parts-w', '--tile', '256']);
  assert.equal(wrong.code, 1);
  assert.match(wrong.err, /b\.globals\.json: made for another image \(b\.tif 300×700 uint16, not a\.tif 300×700 uint16\)/);
});
