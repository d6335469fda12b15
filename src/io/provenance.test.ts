import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunRecord, insideFolder } from './provenance.js';

const record = (dir: string) =>
  JSON.parse(
    readFileSync(
      path.join(
        dir,
        readdirSync(dir).find((f) => f.startsWith('deepblink-run-'))!,
      ),
      'utf8',
    ),
  );

test('a run of many outputs: every output is in the record, the run may replace its own files', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deepblink-prov-'));
  const rec = await RunRecord.start(dir, { command: 'test', options: {}, inputs: [] });
  for (let k = 0; k < 300; k++) await rec.write(`f${k}.csv`, `y,x\n${k},0\n`);
  await rec.write('f0.csv', 'y,x\n9,9\n'); // its own output, not yet on disk in the record
  await rec.finish('done');
  const r = record(dir);
  assert.equal(r.status, 'done');
  assert.equal(r.outputs.length, 300);
  assert.equal(readFileSync(path.join(dir, 'f0.csv'), 'utf8'), 'y,x\n9,9\n');
  writeFileSync(path.join(dir, 'user.csv'), 'mine');
  const again = await RunRecord.start(dir, { command: 'test', options: {}, inputs: [] });
  assert.throws(() => again.target('user.csv'), { code: 'exists' });
  assert.doesNotThrow(() => again.target('f1.csv'));
  assert.throws(() => insideFolder(dir, '../x.csv'), { code: 'invalid-input' });
});

test('a process that exits mid-run still leaves a record of every output it wrote', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deepblink-prov-'));
  const mod = path.join(path.dirname(fileURLToPath(import.meta.url)), 'provenance.js');
  const script = `
    import { RunRecord } from ${JSON.stringify(mod)};
    const rec = await RunRecord.start(${JSON.stringify(dir)}, { command: 'test', options: {}, inputs: [] });
    for (let k = 0; k < 3; k++) await rec.write('o' + k + '.csv', 'x');
    process.exit(130);
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 130, r.stderr);
  const rec = record(dir);
  assert.equal(rec.status, 'running');
  assert.deepEqual(
    rec.outputs.map((o: { file: string }) => o.file),
    ['o0.csv', 'o1.csv', 'o2.csv'],
  );
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes('.tmp-')),
    [],
  );
});

test("a record never replaces another run's record of the same second and process id (cluster jobs into one folder)", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deepblink-prov-'));
  // another computer's run (same pid, this second or the next) already holds the names
  const stamp = (t: number) =>
    new Date(t)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
  const now = Date.now();
  const theirs = [now, now + 1000].map((t) => path.join(dir, `deepblink-run-${stamp(t)}-${process.pid}.json`));
  for (const f of theirs) writeFileSync(f, '{"theirs":true}');
  const rec = await RunRecord.start(dir, { command: 'test', options: {}, inputs: [] });
  await rec.finish('done');
  assert.ok(!theirs.includes(rec.file), rec.file);
  assert.match(path.basename(rec.file), new RegExp(`-${process.pid}-2\\.json$`));
  for (const f of theirs) assert.equal(readFileSync(f, 'utf8'), '{"theirs":true}');
});
