/** `deepblink track` end to end (runs the built bin, dist/cli/main.js). */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../testutil/shared.js';
import { simulateTracks } from '../track/simulate.js';

const BIN = path.join(repoRoot, 'dist', 'cli', 'main.js');
let work = '';

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function csv(file: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(path.join(work, file), 'utf8').trim().split('\n');
  return { header: lines[0].split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

const sim = simulateTracks({ height: 256, width: 256, frames: 12, particles: 10, D: 0.2, blinkProbability: 0.05, images: false }, 5);

before(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'deepblink-track-'));
  // a predict-like table of a time series: y [px], x [px], p, c, t, z
  const lines = ['y [px],x [px],p,c,t,z', ...sim.truth.map((s) => `${s.y.toFixed(4)},${s.x.toFixed(4)},0.9,0,${s.t},0`)];
  writeFileSync(path.join(work, 'movie.csv'), lines.join('\n') + '\n');
  writeFileSync(path.join(work, 'still.csv'), 'y [px],x [px],p\n1,2,0.5\n');
});

test('track --help describes the verb and its options', () => {
  const h = run(['track', '--help']);
  assert.equal(h.code, 0);
  for (const s of ['--max-distance', '--max-gap', '--gap-distance', '--force', '-tracks.csv', '-track-stats.csv']) assert.ok(h.out.includes(s), s);
});

test('track: a table without a t column is a one-line error naming the file', () => {
  const r = run(['track', 'still.csv', '-o', 'out-still']);
  assert.equal(r.code, 1);
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
  assert.match(r.err, /^deepblink: error: still\.csv: no 't' column .*columns are y \[px\], x \[px\], p$/m);
});

test('track writes the spots with track_id and per-track statistics, with a provenance record', () => {
  const r = run(['track', 'movie.csv', '-o', 'out', '--max-distance', '4']);
  assert.equal(r.code, 0, r.err);
  const t = csv('out/movie-tracks.csv');
  assert.deepEqual(t.header, ['y [px]', 'x [px]', 'p', 'c', 't', 'z', 'track_id']);
  assert.equal(t.rows.length, sim.truth.length);
  // the true tracks, exactly: one track id per particle and one particle per track id
  const idOf = new Map<number, string>();
  const particleOf = new Map<string, number>();
  t.rows.forEach((row, k) => {
    const p = sim.truth[k].particle;
    const id = row[6];
    assert.equal(idOf.get(p) ?? id, id);
    assert.equal(particleOf.get(id) ?? p, p);
    idOf.set(p, id);
    particleOf.set(id, p);
  });
  assert.equal(idOf.size, 10);
  const s = csv('out/movie-track-stats.csv');
  assert.deepEqual(s.header, ['track_id', 'length', 'start', 'end', 'mean_speed', 'D', 'n']);
  assert.equal(s.rows.length, 10);
  assert.equal(
    s.rows.reduce((a, row) => a + Number(row[6]), 0),
    sim.truth.length,
  );
  for (const row of s.rows) assert.ok(Number(row[5]) > 0 && Number(row[5]) < 1, `D ${row[5]}`);
  const records = readdirSync(path.join(work, 'out')).filter((f) => f.startsWith('deepblink-run-'));
  assert.equal(records.length, 1);
  const rec = JSON.parse(readFileSync(path.join(work, 'out', records[0]), 'utf8')) as { status: string; outputs: { file: string }[] };
  assert.equal(rec.status, 'done');
  assert.deepEqual(rec.outputs.map((o) => o.file).sort(), ['movie-track-stats.csv', 'movie-tracks.csv']);
  // a second run may replace what the first wrote
  assert.equal(run(['track', 'movie.csv', '-o', 'out']).code, 0);
});

test('track refuses to replace files it did not write, unless --force', () => {
  const fresh = mkdtempSync(path.join(work, 'user-'));
  writeFileSync(path.join(fresh, 'movie-track-stats.csv'), 'my notes\n');
  const r = run(['track', 'movie.csv', '-o', fresh]);
  assert.equal(r.code, 1);
  assert.match(r.err, /^deepblink: error: .*movie-track-stats\.csv: /m);
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
  assert.deepEqual(
    readdirSync(fresh).filter((f) => f.endsWith('.csv')),
    ['movie-track-stats.csv'],
    'nothing written',
  );
  assert.equal(readFileSync(path.join(fresh, 'movie-track-stats.csv'), 'utf8'), 'my notes\n');
  const f = run(['track', 'movie.csv', '-o', fresh, '--force']);
  assert.equal(f.code, 0, f.err);
  assert.match(readFileSync(path.join(fresh, 'movie-track-stats.csv'), 'utf8'), /^track_id,length/);
});
