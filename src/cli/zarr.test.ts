/**
 * OME-Zarr through the built `deepblink` bin: check describes the store, predict reads it as it
 * reads the same pixels in a TIFF, a folder lists a .ome.zarr as one image.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../testutil/shared.js';
import { encodeTiff } from '../io/image/write.js';
import { writeOmeZarr } from '../io/image/zarr-write.js';
import { simulateImage } from '../simulate/simulate.js';

const BIN = path.join(repoRoot, 'dist', 'cli', 'main.js');
let work = '';

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const errorLines = (err: string) => err.split('\n').filter((l) => l.startsWith('deepblink: error:'));

let pixels: Uint16Array;
before(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'deepblink-cli-zarr-'));
  const sim = simulateImage({ height: 160, width: 160, snr: 7, density: 8 }, 11);
  pixels = Uint16Array.from(sim.image, (v) => Math.max(0, Math.min(65535, Math.round(v))));
  writeFileSync(path.join(work, 'cells.tif'), encodeTiff([{ data: pixels, height: 160, width: 160 }], { pixelSize: { y: 0.1, x: 0.1 } }));
  mkdirSync(path.join(work, 'z'));
  await writeOmeZarr(path.join(work, 'z', 'cells.ome.zarr'), pixels, {
    shape: [160, 160],
    chunks: [64, 64],
    levels: 2,
    pixelSize: { y: 0.1, x: 0.1 },
    codec: 'zstd',
  });
  copyFileSync(path.join(work, 'cells.tif'), path.join(work, 'z', 'other.tif'));
});
after(() => rmSync(work, { recursive: true, force: true }));

test('check describes an OME-Zarr: format, versions, levels, chunks, compressor; --level picks a level', () => {
  const zarr = path.join('z', 'cells.ome.zarr');
  const r = run(['check', zarr]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^format: +OME-Zarr 0\.4 \(Zarr v2\)$/m);
  assert.match(r.out, /^levels: +0: \(160, 160\) ← read, 1: \(80, 80\)$/m);
  assert.match(r.out, /^chunks: +\(64, 64\)$/m);
  assert.match(r.out, /^compressor: +zstd \(level 3\)$/m);
  assert.match(r.out, /^data type: +uint16$/m);
  assert.match(r.out, /^axes: +yx/m);
  assert.match(r.out, /^pixel size: +0\.1 × 0\.1 µm \(y × x\) \(metadata\)$/m);
  const j = run(['check', zarr, '--json', '--level', '1']);
  assert.equal(j.code, 0, j.err);
  const info = JSON.parse(j.out);
  assert.equal(info.format, 'OME-Zarr');
  assert.deepEqual(info.shape, [80, 80]);
  assert.deepEqual(info.pixelSize, { y: 0.2, x: 0.2 });
  assert.equal(info.zarr.level, 1);
  assert.deepEqual(info.chunks, [64, 64]);
  // larger than --max-pixels: described from the metadata, the values not read
  const big = run(['check', zarr, '--max-pixels', '10000']);
  assert.equal(big.code, 0, big.err);
  assert.match(big.out, /^values: +not read: 25600 pixel values, more than the limit of 10000/m);
  const bad = run(['check', zarr, '--level', '2']);
  assert.equal(bad.code, 1);
  assert.deepEqual(errorLines(bad.err), [`deepblink: error: ${zarr}: level 2 does not exist: the image has levels 0 (160×160), 1 (80×80)`]);
  assert.match(run(['check', 'cells.tif']).out, /^format: +TIFF$/m);
});

test('predict on an OME-Zarr gives the spots of the same pixels in a TIFF; a folder lists the .ome.zarr as one image', () => {
  const a = run(['predict', 'cells.tif', '-o', 'from-tif', '--threads', '1']);
  assert.equal(a.code, 0, a.err);
  const b = run(['predict', path.join('z', 'cells.ome.zarr'), '-o', 'from-zarr', '--threads', '1']);
  assert.equal(b.code, 0, b.err);
  const tif = readFileSync(path.join(work, 'from-tif', 'cells.csv'), 'utf8');
  const zarr = readFileSync(path.join(work, 'from-zarr', 'cells.ome.csv'), 'utf8');
  assert.ok(tif.split('\n').length > 10, tif);
  assert.equal(zarr, tif);
  assert.match(tif.split('\n')[0] as string, /y \[µm\]/, 'the pixel size came through');
  // a folder: the .ome.zarr is one input beside the TIFF
  const c = run(['predict', 'z', '-o', 'from-folder', '--method', 'log']);
  assert.equal(c.code, 0, c.err);
  assert.match(c.out, /^2\/2 images done/m);
  // --level 1 reads the smaller level
  const d = run(['predict', path.join('z', 'cells.ome.zarr'), '-o', 'level1', '--method', 'log', '--level', '1']);
  assert.equal(d.code, 0, d.err);
  const rows = readFileSync(path.join(work, 'level1', 'cells.ome.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1);
  assert.ok(rows.length > 0 && rows.every((l) => Number(l.split(',')[0]) < 80 && Number(l.split(',')[1]) < 80));
  // remote stores: one line
  const e = run(['predict', 's3://bucket/cells.ome.zarr', '-o', 'remote', '--method', 'log']);
  assert.equal(e.code, 1);
  assert.deepEqual(errorLines(e.err), [
    'deepblink: error: s3://bucket/cells.ome.zarr: remote stores are not supported yet (s3://, http(s)://, ...): copy the image to a local folder first',
  ]);
});
