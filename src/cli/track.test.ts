/** `deepblink track` end to end (runs the built bin, dist/cli/main.js). */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../testutil/shared.js';
import { simulateTracks } from '../track/simulate.js';
import { groupTracks, scoreTracks } from '../track/score.js';
import { snrPresets } from '../simulate/simulate.js';
import { encodeTiff } from '../io/image/write.js';

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

const movie = simulateTracks({ height: 64, width: 64, frames: 8, particles: 6, D: 0.3, margin: 6, image: { ...snrPresets[7], sigma: [1.5, 1.5] } }, 11);

before(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'deepblink-track-'));
  // a predict-like table of a time series: y [px], x [px], p, c, t, z
  const lines = ['y [px],x [px],p,c,t,z', ...sim.truth.map((s) => `${s.y.toFixed(4)},${s.x.toFixed(4)},0.9,0,${s.t},0`)];
  writeFileSync(path.join(work, 'movie.csv'), lines.join('\n') + '\n');
  writeFileSync(path.join(work, 'still.csv'), 'y [px],x [px],p\n1,2,0.5\n');
  // a small movie (t, y, x) of the same kind of particles, and a z-stack of the same planes
  const planes = movie.frames.map((f) => ({ data: Uint16Array.from(f.image), height: f.height, width: f.width }));
  writeFileSync(path.join(work, 'movie.tif'), encodeTiff(planes, { axes: 'tyx', pixelSize: { y: 0.1, x: 0.1 } }));
  writeFileSync(path.join(work, 'stack.tif'), encodeTiff(planes, { axes: 'zyx' }));
});

/** Tracks spanning all 8 frames with at most one spot missing (the 6 particles when detection and linking work). */
function fullTracks(file: string): number {
  return csv(file).rows.filter((r) => r[1] === '8' && Number(r[6]) >= 7).length;
}

/** The ISBI α of a written tracks table against the movie's true tracks. */
function alphaOf(file: string): { alpha: number; beta: number } {
  const t = csv(file);
  const [yi, xi, ti, idi] = ['y [px]', 'x [px]', 't', 'track_id'].map((c) => t.header.indexOf(c));
  const points = t.rows.map((r) => ({ t: Number(r[ti]), y: Number(r[yi]), x: Number(r[xi]) }));
  const est = groupTracks(
    points,
    t.rows.map((r) => Number(r[idi])),
  );
  const truth = groupTracks(
    movie.truth,
    movie.truth.map((s) => s.particle),
  );
  const s = scoreTracks(truth, est);
  return { alpha: s.alpha, beta: s.beta };
}

test('track --help describes the verb and its options', () => {
  const h = run(['track', '--help']);
  assert.equal(h.code, 0);
  for (const s of [
    '--max-distance',
    '--max-gap',
    '--gap-distance',
    '--force',
    '-tracks.csv',
    '-track-stats.csv',
    '--method',
    '--axes',
    '--model',
    '--threshold',
  ])
    assert.ok(h.out.includes(s), s);
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

test('track MOVIE.tif --method log: detects every frame, then links; predict columns + track_id, µm from the metadata', () => {
  const r = run(['track', 'movie.tif', '-o', 'img-log', '--method', 'log']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^movie\.tif: \d+ tracks from \d+ spots → img-log\/movie-tracks\.csv$/m);
  const t = csv('img-log/movie-tracks.csv');
  assert.deepEqual(t.header, ['y [px]', 'x [px]', 'y [µm]', 'x [µm]', 'quality', 'c', 't', 'z', 'track_id']);
  assert.ok(t.rows.length >= movie.truth.length - 2 && t.rows.length <= movie.truth.length + 4, `${t.rows.length} spots`);
  assert.deepEqual([...new Set(t.rows.map((row) => row[6]))], ['0', '1', '2', '3', '4', '5', '6', '7']);
  const { alpha, beta } = alphaOf('img-log/movie-tracks.csv');
  assert.ok(alpha > 0.9 && beta > 0.85, `alpha ${alpha}, beta ${beta}`);
  assert.equal(fullTracks('img-log/movie-track-stats.csv'), 6);
  const records = readdirSync(path.join(work, 'img-log')).filter((f) => f.startsWith('deepblink-run-'));
  const rec = JSON.parse(readFileSync(path.join(work, 'img-log', records[0]), 'utf8')) as { status: string; options: { detection: { method: string } } };
  assert.equal(rec.status, 'done');
  assert.equal(rec.options.detection.method, 'log');
});

test('track MOVIE.tif with the default model; -v reports each frame on stderr', () => {
  const r = run(['track', 'movie.tif', '-o', 'img-net', '-v']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /movie\.tif: frame 8\/8/);
  const t = csv('img-net/movie-tracks.csv');
  assert.equal(t.header[4], 'p');
  const { alpha, beta } = alphaOf('img-net/movie-tracks.csv');
  assert.ok(alpha > 0.9 && beta > 0.85, `alpha ${alpha}, beta ${beta}`);
  assert.equal(fullTracks('img-net/movie-track-stats.csv'), 6);
});

test('track IMAGE without a t axis is a one-line error; --axes tyx reads the planes as frames', () => {
  const r = run(['track', 'stack.tif', '-o', 'img-z', '--method', 'log']);
  assert.equal(r.code, 1);
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
  assert.ok(!existsSync(path.join(work, 'img-z')), 'checked before the output folder is made');
  assert.match(r.err, /^deepblink: error: stack\.tif: no t axis \(axes 'zyx' \(metadata\), shape \(8, 64, 64\)\): tracking needs a time series; pass --axes/m);
  const a = run(['track', 'stack.tif', '-o', 'img-z', '--method', 'log', '--axes', 'tyx']);
  assert.equal(a.code, 0, a.err);
  assert.match(a.out, /^stack\.tif: \d+ tracks/m);
  assert.equal(fullTracks('img-z/stack-track-stats.csv'), 6);
});
