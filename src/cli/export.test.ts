/** `predict --format` and `track --format` end to end (runs the built bin, dist/cli/main.js). */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../testutil/shared.js';
import { simulateTracks } from '../track/simulate.js';
import { readTrackMateXml } from '../io/export/trackmate.js';

const BIN = path.join(repoRoot, 'dist', 'cli', 'main.js');
let work = '';

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const read = (file: string) => readFileSync(path.join(work, file), 'utf8');
const rows = (file: string, sep = ',') =>
  read(file)
    .trimEnd()
    .split('\n')
    .map((l) => l.split(sep));

const sim = simulateTracks({ height: 128, width: 128, frames: 8, particles: 6, D: 0.2, blinkProbability: 0.05, images: false }, 9);

before(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'deepblink-export-'));
  const r = run(['simulate', '-o', 'sim', '-n', '1', '-s', '96', '--snr', '7', '--density', '8', '--seed', '5']);
  assert.equal(r.code, 0, r.err);
  const lines = ['y [px],x [px],p,c,t,z', ...sim.truth.map((s) => `${s.y.toFixed(4)},${s.x.toFixed(4)},0.9,0,${s.t},0`)];
  writeFileSync(path.join(work, 'movie.csv'), lines.join('\n') + '\n');
});

test('--help of predict and track names the formats, their files and --gene', () => {
  for (const verb of ['predict', 'track']) {
    const h = run([verb, '--help']);
    assert.equal(h.code, 0);
    const text = h.out.replace(/\s+/g, ' ');
    for (const s of [
      '--format <list>',
      'csv, trackmate, napari, tsv',
      '(default: csv)',
      '.xml (TrackMate XML',
      '-napari.csv',
      '.tsv (x, y, z, gene',
      '--gene',
      'x = column, y = row',
      'µm when the pixel size is known',
    ]) {
      assert.ok(text.includes(s), `${verb}: ${s}`);
    }
  }
});

test('predict --format csv,trackmate,napari,tsv: the CSV unchanged, the same spots in every format, one provenance record', () => {
  const img = path.join('sim', 'sim_0000.tif');
  const a = run(['predict', img, '-o', 'plain', '--method', 'log', '--pixel-size', '0.1']);
  assert.equal(a.code, 0, a.err);
  const b = run(['predict', img, '-o', 'all', '--method', 'log', '--pixel-size', '0.1', '--format', 'csv,trackmate,napari,tsv']);
  assert.equal(b.code, 0, b.err);
  assert.equal(read('all/sim_0000.csv'), read('plain/sim_0000.csv'), 'the CSV is byte-identical');
  assert.match(b.out, /sim_0000\.csv, .*sim_0000\.xml, .*sim_0000-napari\.csv, .*sim_0000\.tsv\n$/);
  const csv = rows('all/sim_0000.csv');
  assert.deepEqual(csv[0], ['y [px]', 'x [px]', 'y [µm]', 'x [µm]', 'quality']);
  const spots = csv.slice(1).map((r) => r.map(Number));
  assert.ok(spots.length > 5, `${spots.length} spots`);
  // napari: index, axis-0 = row, axis-1 = column, the score as a property
  const nap = rows('all/sim_0000-napari.csv');
  assert.deepEqual(nap[0], ['index', 'axis-0', 'axis-1', 'quality']);
  assert.deepEqual(
    nap.slice(1).map((r) => r.map(Number)),
    spots.map((s, i) => [i, s[0], s[1], s[4]]),
  );
  // TSV: x = column, y = row in µm, z = 0, gene = channel 0
  const tsv = rows('all/sim_0000.tsv', '\t');
  assert.deepEqual(tsv[0], ['x', 'y', 'z', 'gene']);
  tsv.slice(1).forEach((r, i) => {
    assert.ok(Math.abs(Number(r[0]) - spots[i][1] * 0.1) < 1e-4 && Math.abs(Number(r[1]) - spots[i][0] * 0.1) < 1e-4, `${r} vs ${spots[i]}`);
    assert.deepEqual(r.slice(2), ['0', '0']);
  });
  return readTrackMateXml(path.join(work, 'all', 'sim_0000.xml')).then((tm) => {
    assert.equal(tm.spatialUnits, 'micron');
    assert.equal(tm.image?.filename, 'sim_0000.tif');
    assert.deepEqual([tm.image?.width, tm.image?.height, tm.image?.pixelWidth], [96, 96, 0.1]);
    assert.equal(tm.spots.length, spots.length);
    for (const s of tm.spots) {
      const row = spots[s.id]; // spot ID = CSV row
      assert.ok(Math.abs(s.y - row[0]) < 1e-4 && Math.abs(s.x - row[1]) < 1e-4, `spot ${s.id}`);
      assert.ok(Math.abs(s.quality - row[4]) < 1e-3);
    }
    const rec = readdirSync(path.join(work, 'all')).filter((f) => f.startsWith('deepblink-run-'));
    assert.equal(rec.length, 1);
    const p = JSON.parse(read(path.join('all', rec[0]))) as { status: string; outputs: { file: string; format?: string; spots: number }[] };
    assert.equal(p.status, 'done');
    assert.deepEqual(
      p.outputs.map((o) => [o.file, o.format, o.spots]),
      [
        ['sim_0000.csv', undefined, spots.length],
        ['sim_0000.xml', 'trackmate', spots.length],
        ['sim_0000-napari.csv', 'napari', spots.length],
        ['sim_0000.tsv', 'tsv', spots.length],
      ],
    );
    // a second run may replace what the first wrote
    assert.equal(run(['predict', img, '-o', 'all', '--method', 'log', '--pixel-size', '0.1', '--format', 'trackmate,tsv']).code, 0);
    // and the TrackMate file is ground truth for evaluate: the same spots as the CSV
    const ev = run(['evaluate', '-p', path.join('all', 'sim_0000.csv'), '-t', path.join('all', 'sim_0000.xml'), '--json']);
    assert.equal(ev.code, 0, ev.err);
    assert.ok(JSON.parse(ev.out).summary.mean.f1At3 > 0.999999);
  });
});

test('predict --format: an unknown name lists the choices; outputs deepblink did not write are refused before any is written', () => {
  const img = path.join('sim', 'sim_0000.tif');
  const bad = run(['predict', img, '-o', 'bad', '--method', 'log', '--format', 'csv,imagej']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /unknown format 'imagej': choose from csv, trackmate, napari, tsv/);
  assert.ok(!existsSync(path.join(work, 'bad')), 'nothing made');
  mkdirSync(path.join(work, 'mine'));
  writeFileSync(path.join(work, 'mine', 'sim_0000.xml'), '<my notes/>');
  const r = run(['predict', img, '-o', 'mine', '--method', 'log', '--format', 'csv,trackmate']);
  assert.equal(r.code, 1);
  assert.match(r.err, /^deepblink: error: .*sim_0000\.xml: already exists and was not written by deepblink/m);
  assert.deepEqual(
    readdirSync(path.join(work, 'mine')).filter((f) => !f.startsWith('deepblink-run-')),
    ['sim_0000.xml'],
  );
  assert.equal(read('mine/sim_0000.xml'), '<my notes/>');
  // --gene must name every channel: the image fails before anything is written
  const g = run(['predict', img, '-o', 'genes', '--method', 'log', '--format', 'csv,tsv', '--gene', 'ACTB,GAPDH']);
  assert.equal(g.code, 1);
  assert.match(g.err, /^deepblink: error: .*sim_0000\.tif: --gene gives 2 names but the image has 1 channel: give one name per channel$/m);
  assert.deepEqual(
    readdirSync(path.join(work, 'genes')).filter((f) => !f.startsWith('deepblink-run-')),
    [],
  );
  const ok = run(['predict', img, '-o', 'genes', '--method', 'log', '--format', 'tsv', '--gene', 'ACTB']);
  assert.equal(ok.code, 0, ok.err);
  assert.ok(
    rows('genes/sim_0000.tsv', '\t')
      .slice(1)
      .every((r) => r[3] === 'ACTB'),
  );
});

test('track --format: TrackMate XML with the tracks, napari points and TSV with track_id; the CSV and statistics unchanged', async () => {
  const a = run(['track', 'movie.csv', '-o', 'tplain', '--max-distance', '4']);
  assert.equal(a.code, 0, a.err);
  const b = run(['track', 'movie.csv', '-o', 'tall', '--max-distance', '4', '--format', 'csv,trackmate,napari,tsv', '--pixel-size', '0.2']);
  assert.equal(b.code, 0, b.err);
  assert.equal(read('tall/movie-tracks.csv'), read('tplain/movie-tracks.csv'));
  assert.equal(read('tall/movie-track-stats.csv'), read('tplain/movie-track-stats.csv'));
  const t = rows('tall/movie-tracks.csv').slice(1);
  const trackOf = t.map((r) => Number(r[6]));
  const size = new Map<number, number>();
  for (const id of trackOf) size.set(id, (size.get(id) ?? 0) + 1);
  const tm = await readTrackMateXml(path.join(work, 'tall', 'movie-tracks.xml'));
  assert.equal(tm.spatialUnits, 'micron');
  assert.equal(tm.spots.length, t.length);
  for (const s of tm.spots) {
    const r = t[s.id].map(Number);
    assert.ok(Math.abs(s.y - r[0]) < 1e-6 && Math.abs(s.x - r[1]) < 1e-6);
    assert.equal(s.t, r[4]);
    // the track of every spot whose track has two spots or more (one-spot tracks are none in TrackMate)
    assert.equal(s.trackId, size.get(trackOf[s.id])! > 1 ? trackOf[s.id] : undefined);
  }
  assert.equal(tm.tracks.length, [...size.values()].filter((n) => n > 1).length);
  assert.ok(tm.tracks.every((tr) => tr.visible));
  const nap = rows('tall/movie-tracks-napari.csv');
  assert.deepEqual(nap[0], ['index', 'axis-0', 'axis-1', 'axis-2', 'p', 'channel', 'track_id']);
  nap.slice(1).forEach((r, k) => assert.deepEqual([r[1], r[2], r[3], r[6]].map(Number), [Number(t[k][4]), Number(t[k][0]), Number(t[k][1]), trackOf[k]]));
  const tsv = rows('tall/movie-tracks.tsv', '\t');
  assert.deepEqual(tsv[0], ['x', 'y', 'z', 'gene', 't', 'track_id']);
  assert.ok(Math.abs(Number(tsv[1][0]) - Number(t[0][1]) * 0.2) < 1e-4);
  assert.match(b.out, /movie-tracks\.csv, .*movie-tracks\.xml, .*movie-tracks-napari\.csv, .*movie-tracks\.tsv\n$/);
  const bad = run(['track', 'movie.csv', '-o', 'tbad', '--format', 'xml']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /unknown format 'xml': choose from csv, trackmate, napari, tsv/);
});
