/**
 * The Snakemake workflow (workflows/snakemake/): run end to end with the local executor on two
 * simulated 300×1000 images — a TIFF and an OME-Zarr (chunks 128², read chunk-wise by each
 * part) — cut into 4 parts each, its merged tables must be byte for byte those
 * of `deepblink predict` on the whole images. Skipped where `snakemake` is not on PATH, unless
 * DEEPBLINK_REQUIRE_SNAKEMAKE=1 (.ci/run sets it and installs Debian's snakemake): then it fails.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './testutil/shared.js';
import { simulateImage } from './simulate/simulate.js';
import { encodeTiff } from './io/image/write.js';
import { writeOmeZarr } from './io/image/zarr-write.js';

const BIN = path.join(repoRoot, 'dist', 'cli', 'main.js');
const SNAKEFILE = path.join(repoRoot, 'workflows', 'snakemake', 'Snakefile');
const found = spawnSync('snakemake', ['--version'], { encoding: 'utf8' }).status === 0;
const required = process.env.DEEPBLINK_REQUIRE_SNAKEMAKE === '1';
const skip = !found && !required && 'snakemake is not on PATH (DEEPBLINK_REQUIRE_SNAKEMAKE=1 makes this a failure)';
let work = '';

function snakemake(config: Record<string, unknown>, ...args: string[]) {
  const cfg = path.join(work, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(cfg, JSON.stringify(config)); // JSON is YAML
  const r = spawnSync('snakemake', ['--cores', '2', '-s', SNAKEFILE, '--configfile', cfg, '--directory', work, ...args], {
    cwd: work,
    encoding: 'utf8',
    timeout: 600_000,
  });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}`, error: r.error };
}

const deepblink = () => [process.execPath, BIN];

before(async () => {
  if (skip) return;
  work = mkdtempSync(path.join(os.tmpdir(), 'deepblink-workflow-'));
  mkdirSync(path.join(work, 'imgs'));
  for (const [name, seed] of [
    ['cells_a', 1],
    ['cells_b', 2],
  ] as const) {
    const sim = simulateImage({ height: 300, width: 1000, snr: [3, 10], density: 10, offset: 100 }, seed);
    const data = Uint16Array.from(sim.image, (v) => Math.min(65535, Math.max(0, Math.round(v))));
    if (name === 'cells_a') writeFileSync(path.join(work, 'imgs', `${name}.tif`), encodeTiff([{ data, height: 300, width: 1000 }]));
    else await writeOmeZarr(path.join(work, 'imgs', `${name}.ome.zarr`), data, { shape: [300, 1000], chunks: [128, 128], codec: 'zstd' });
  }
  writeFileSync(path.join(work, 'imgs', 'notes.txt'), 'not an image');
});

test(
  'Snakemake workflow, local executor: 2 images (TIFF, OME-Zarr) × 4 parts, merged tables = deepblink predict on the whole images, byte for byte',
  { skip },
  () => {
    assert.ok(found, 'snakemake is not on PATH but DEEPBLINK_REQUIRE_SNAKEMAKE=1');
    const r = snakemake({ images: 'imgs', parts: 4, outdir: 'results', deepblink: deepblink(), extra: '--tile 256' });
    assert.equal(r.code, 0, r.out);
    for (const stem of ['cells_a', 'cells_b.ome']) {
      assert.deepEqual(
        readdirSync(path.join(work, 'results', 'parts', stem))
          .filter((f) => f.includes('.part-'))
          .sort(),
        [1, 2, 3, 4].map((i) => `${stem}.part-${i}-of-4.json`),
      );
    }
    const whole = spawnSync(process.execPath, [BIN, 'predict', 'imgs', '-o', 'whole', '--tile', '256'], { cwd: work, encoding: 'utf8' });
    assert.equal(whole.status, 0, whole.stderr);
    for (const stem of ['cells_a', 'cells_b.ome']) {
      const expected = readFileSync(path.join(work, 'whole', `${stem}.csv`), 'utf8');
      assert.ok(expected.trim().split('\n').length > 50, `${stem}: spots found`);
      assert.equal(readFileSync(path.join(work, 'results', `${stem}.csv`), 'utf8'), expected, stem);
    }
    // a part is a block of the image's tiles: the four parts hold different rows or columns
    const boxes = [1, 2, 3, 4].map((i) => {
      const p = JSON.parse(readFileSync(path.join(work, 'results', 'parts', 'cells_a', `cells_a.part-${i}-of-4.json`), 'utf8'));
      return JSON.stringify(p.part);
    });
    assert.equal(new Set(boxes).size, 4);
    // nothing left to do
    const again = snakemake({ images: 'imgs', parts: 4, outdir: 'results', deepblink: deepblink(), extra: '--tile 256' }, '-n');
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, /Nothing to be done/);
  },
);

test('Snakemake workflow: a list of images, jobs per image × part, resources per rule; two images of one name are refused', { skip }, () => {
  const imgs = ['imgs/cells_a.tif', path.join(work, 'imgs', 'cells_b.ome.zarr')];
  const r = snakemake({ images: imgs, parts: 3, outdir: 'dry', deepblink: 'deepblink' }, '-n', '--set-resources', 'part:mem_mb=12345');
  assert.equal(r.code, 0, r.out);
  const count = (rule: string) => Number(new RegExp(`^${rule}\\s+(\\d+)`, 'm').exec(r.out)?.[1]);
  assert.equal(count('part'), 6);
  assert.equal(count('merge'), 2);
  assert.match(r.out, /mem_mb=12345/);
  const dup = snakemake({ images: ['imgs/cells_a.tif', 'other/cells_a.png'], parts: 2, outdir: 'dup' }, '-n');
  assert.notEqual(dup.code, 0);
  assert.match(dup.out, /would both write cells_a\.csv/);
});
