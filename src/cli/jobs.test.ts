/**
 * `deepblink predict --jobs N` (worker threads): the same files, record, lines and exit code as
 * one image at a time; failures and Ctrl-C as before. Runs the built bin (dist/cli/main.js).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../testutil/shared.js';

const BIN = path.join(repoRoot, 'dist', 'cli', 'main.js');
const RUN_RECORD = /^deepblink-run-\d{8}T\d{6}Z-\d+(-\d+)?\.json$/;
let work = '';

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The folder's files (records and temporary files apart) with their bytes. */
function outputs(dir: string): Map<string, string> {
  const names = readdirSync(path.join(work, dir)).filter((f) => !RUN_RECORD.test(f));
  return new Map(names.sort().map((f) => [f, readFileSync(path.join(work, dir, f), 'utf8')]));
}

function records(dir: string): { status: string; options: Record<string, unknown>; outputs: { file: string }[]; failures?: { input: string }[] }[] {
  return readdirSync(path.join(work, dir))
    .filter((f) => RUN_RECORD.test(f))
    .map((f) => JSON.parse(readFileSync(path.join(work, dir, f), 'utf8')));
}

before(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'deepblink-jobs-'));
  const r = run(['simulate', '-o', 'imgs', '-n', '4', '-s', '192', '--snr', '5', '--density', '8', '--seed', '11']);
  assert.equal(r.code, 0, r.err);
});

test('--jobs 2 on a folder of 4 images: byte-identical CSVs to --jobs 1, one provenance record with every output', () => {
  const one = run(['predict', 'imgs', '-o', 'out1', '--jobs', '1']);
  assert.equal(one.code, 0, one.err);
  const two = run(['predict', 'imgs', '-o', 'out2', '--jobs', '2']);
  assert.equal(two.code, 0, two.err);
  const a = outputs('out1');
  const b = outputs('out2');
  assert.deepEqual([...b.keys()], ['sim_0000.csv', 'sim_0001.csv', 'sim_0002.csv', 'sim_0003.csv']);
  for (const [name, text] of a) assert.equal(b.get(name), text, name);
  // the same lines (in the order the images finish)
  assert.deepEqual(two.out.split('\n').sort(), one.out.replaceAll('out1', 'out2').split('\n').sort());
  const recs = records('out2');
  assert.equal(recs.length, 1, 'one record per run, none from the workers');
  assert.equal(recs[0].status, 'done');
  assert.equal(recs[0].options.jobs, 2);
  assert.equal(recs[0].options.threads, Math.max(1, Math.floor(Math.min(os.availableParallelism(), 8) / 2)));
  assert.deepEqual(recs[0].outputs.map((o) => o.file).sort(), [...b.keys()]);
});

test('--jobs 2 with --method log and with --part: the same files as --jobs 1', () => {
  for (const [what, extra] of [
    ['log', ['--method', 'log', '-t', '40']],
    ['part', ['--part', '2/2', '--tile', '64']],
  ] as const) {
    const one = run(['predict', 'imgs', '-o', `${what}1`, ...extra]);
    assert.equal(one.code, 0, one.err);
    const two = run(['predict', 'imgs', '-o', `${what}2`, '-j', '2', ...extra]);
    assert.equal(two.code, 0, two.err);
    assert.deepEqual(outputs(`${what}2`), outputs(`${what}1`), what);
    assert.equal(records(`${what}2`).length, 1);
  }
});

test('--jobs 2: a bad file fails alone with its one line, the batch goes on, exit 1, the record names it, no partial file', () => {
  mkdirSync(path.join(work, 'mixed'));
  for (const f of readdirSync(path.join(work, 'imgs')).filter((f) => f.endsWith('.tif'))) copyFileSync(path.join(work, 'imgs', f), path.join(work, 'mixed', f));
  writeFileSync(path.join(work, 'mixed', 'broken.tif'), readFileSync(path.join(work, 'imgs', 'sim_0000.tif')).subarray(0, 400));
  const r = run(['predict', 'mixed', '-o', 'mixed-out', '-j', '2']);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /^deepblink: error: mixed\/broken\.tif: truncated TIFF/m);
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
  assert.match(r.out, /4\/5 images done/);
  const files = readdirSync(path.join(work, 'mixed-out'));
  assert.equal(files.filter((f) => f.endsWith('.csv')).length, 4);
  assert.ok(!files.some((f) => f.includes('.tmp-')));
  const [rec] = records('mixed-out');
  assert.equal(rec.status, 'failed');
  assert.deepEqual(
    rec.failures?.map((f) => path.basename(f.input)),
    ['broken.tif'],
  );
});

test('--jobs 2, Ctrl-C: the images in progress finish, no new one starts, the run is recorded as interrupted, exit 130', async () => {
  assert.equal(run(['simulate', '-o', 'many', '-n', '24', '-s', '256', '--seed', '4']).code, 0);
  const child = spawn(process.execPath, [BIN, 'predict', 'many', '-o', 'many-out', '-j', '2'], { cwd: work });
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
  const m = /interrupted: (\d+)\/24 images done/.exec(out);
  assert.ok(m, out);
  const files = readdirSync(path.join(work, 'many-out'));
  assert.ok(!files.some((f) => f.includes('.tmp-')), 'no temporary files');
  const recs = records('many-out');
  assert.equal(recs.length, 1);
  assert.equal(recs[0].status, 'interrupted');
  const csvs = files.filter((f) => f.endsWith('.csv'));
  assert.ok(csvs.length >= 1 && csvs.length < 24, `${csvs.length} images done`);
  assert.equal(Number(m[1]), csvs.length);
  assert.equal(recs[0].outputs.length, csvs.length, 'every output is in the record');
});
