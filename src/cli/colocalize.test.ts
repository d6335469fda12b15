/** `deepblink colocalize` end to end: the built bin on tables from the colocalisation simulator. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../testutil/shared.js';
import { encodeTiff } from '../io/image/write.js';
import { simulateColocalized } from '../colocalize/simulate.js';

const BIN = path.join(repoRoot, 'dist', 'cli', 'main.js');
let work = '';

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'colocalize', ...args], { cwd: work, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const csv = (header: string, rows: (number | string)[][]) => `${header}\n${rows.map((r) => r.join(',')).join('\n')}\n`;

let nA = 0;
let sim0: ReturnType<typeof simulateColocalized>;
let nB = 0;

before(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'deepblink-coloc-'));
  const sim = simulateColocalized({ shape: { height: 256, width: 256 }, nA: 150, fraction: 0.6, extraB: 60, shift: [0.9, -0.6], seed: 3 });
  sim0 = sim;
  nA = sim.a.length;
  nB = sim.b.length;
  writeFileSync(path.join(work, 'a.csv'), csv('y,x', sim.a));
  writeFileSync(path.join(work, 'b.csv'), csv('y [px],x [px]', sim.b)); // another accepted format
  const both = [...sim.a.map((p) => [...p, 0]), ...sim.b.map((p) => [...p, 1])];
  writeFileSync(path.join(work, 'both.csv'), csv('y,x,c', both));
  writeFileSync(path.join(work, 'img.tif'), encodeTiff([{ data: new Uint16Array(256 * 256), height: 256, width: 256 }]));
  const mask = new Uint8Array(256 * 256).fill(1);
  writeFileSync(path.join(work, 'mask.tif'), encodeTiff([{ data: mask, height: 256, width: 256 }]));
  writeFileSync(path.join(work, 'small.tif'), encodeTiff([{ data: new Uint8Array(64 * 64), height: 64, width: 64 }]));
});

function report(out: string) {
  const pct = (label: string) => Number(new RegExp(`${label} colocalised with \\w: ([\\d.]+) %`).exec(out)?.[1]);
  return { a: pct('A'), b: pct('B'), p: Number(/p = ([\d.e-]+)/.exec(out)?.[1]) };
}

test('colocalize: report, shift, pairs table; the same from one table split by --channels', () => {
  const r = run(['a.csv', 'b.csv', '--size', '256,256', '--correct-shift', '-o', 'pairs.csv']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`spots: A ${nA}, B ${nB}; distance 2 px; image 256×256`));
  const rep = report(r.out);
  assert.ok(Math.abs(rep.a - 60) < 3, r.out);
  assert.ok(Math.abs(rep.b - (100 * 90) / 150) < 3, r.out);
  assert.equal(rep.p, 0.00498); // 1/201
  const shift = /dy (-?[\d.]+), dx (-?[\d.]+) px/.exec(r.out);
  assert.ok(shift && Math.abs(Number(shift[1]) - 0.9) < 0.1 && Math.abs(Number(shift[2]) + 0.6) < 0.1, r.out);

  const lines = readFileSync(path.join(work, 'pairs.csv'), 'utf8').trim().split('\n');
  assert.equal(lines[0], 'a_index,b_index,distance,a_y,a_x,b_y,b_x');
  const pairs = Number(/pairs: (\d+)/.exec(r.out)?.[1]);
  assert.equal(lines.length - 1, pairs);
  for (const l of lines.slice(1)) {
    const [ai, bi, d, ay, ax, by, bx] = l.split(',').map(Number);
    assert.ok(Number.isInteger(ai) && Number.isInteger(bi) && d <= 2);
    // distance after removing the shift; B's coordinates as in its table
    const dd = Math.hypot(by - Number(shift[1]) - ay, bx - Number(shift[2]) - ax);
    assert.ok(Math.abs(dd - d) < 2e-3, l);
  }

  const ch = run(['both.csv', '--channels', '0,1', '--image', 'img.tif', '--correct-shift']);
  assert.equal(ch.code, 0, ch.err);
  assert.equal(ch.out, r.out);
  const masked = run(['a.csv', 'b.csv', '--mask', 'mask.tif', '--correct-shift']); // all inside = the whole image
  assert.equal(masked.code, 0, masked.err);
  // the same distribution, other draws: all but the chance level agree
  const noChance = (s: string) => s.replace(', mask: 65536 px inside', '').replace(/chance [\d.]+ %/g, 'chance');
  assert.equal(noChance(masked.out), noChance(r.out));
  assert.match(masked.out, /mask: 65536 px inside/);
  assert.equal(masked.err, '');
  // a mask of the top half: spots of the bottom half are outside it (a warning, not an error)
  const half = new Uint8Array(256 * 256).fill(2, 0, 128 * 256);
  writeFileSync(path.join(work, 'half.tif'), encodeTiff([{ data: half, height: 256, width: 256 }]));
  const h = run(['a.csv', 'b.csv', '--mask', 'half.tif', '-n', '20']);
  assert.equal(h.code, 0, h.err);
  const outside = sim0.a.filter(([y]) => Math.round(y) >= 128).length;
  assert.match(h.err, new RegExp(`^deepblink: warning: a\\.csv: ${outside} of ${nA} spots lie outside the mask`));
  assert.match(h.out, /mask: 32768 px inside/);
});

test('colocalize: one-line errors', () => {
  const oneLine = (args: string[], re: RegExp) => {
    const r = run(args);
    assert.notEqual(r.code, 0);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, re);
    assert.equal(r.out, '');
  };
  oneLine(['a.csv', 'b.csv'], /^deepblink: error: the image size is not known: pass --image IMG or --size H,W/);
  oneLine(['a.csv', 'nope.csv', '--size', '9,9'], /^deepblink: error: nope\.csv: file not found/);
  oneLine(['a.csv'], /^deepblink: error: give two spot tables/);
  oneLine(['a.csv', '--channels', '0,1', '--size', '9,9'], /^deepblink: error: a\.csv: has no c column/);
  oneLine(['a.csv', 'b.csv', '--image', 'img.tif', '--mask', 'small.tif'], /^deepblink: error: small\.tif: the mask is 64×64, the image 256×256/);
  writeFileSync(path.join(work, 'mine.csv'), 'not ours\n');
  oneLine(['a.csv', 'b.csv', '--size', '256,256', '-o', 'mine.csv'], /^deepblink: error: mine\.csv: already exists .*--force/);
  assert.equal(readFileSync(path.join(work, 'mine.csv'), 'utf8'), 'not ours\n');
  const forced = run(['a.csv', 'b.csv', '--size', '256,256', '-n', '0', '-o', 'mine.csv', '--force']);
  assert.equal(forced.code, 0, forced.err);
  assert.match(readFileSync(path.join(work, 'mine.csv'), 'utf8'), /^a_index,b_index,distance/);
  assert.doesNotMatch(forced.out, /chance/);
});
