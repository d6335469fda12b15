import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from './atomic.js';

test('writeFileAtomic: the target appears whole, and a refused write names the file, not the temporary name', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deepblink-atomic-'));
  const file = path.join(dir, 'a.csv');
  await writeFileAtomic(file, 'x,y\n1,2\n');
  assert.equal(readFileSync(file, 'utf8'), 'x,y\n1,2\n');
  await assert.rejects(
    writeFileAtomic(path.join(dir, 'missing', 'b.csv'), 'z'),
    (e: Error) => /output folder does not exist/.test(e.message) && !/tmp/.test(e.message),
  );
  assert.deepEqual(readdirSync(dir), ['a.csv']);
});

test('a process that exits in the middle of a write (second Ctrl-C) leaves no temporary file', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deepblink-atomic-'));
  const mod = path.join(path.dirname(fileURLToPath(import.meta.url)), 'atomic.js');
  const script = `
    import { writeFileAtomic } from ${JSON.stringify(mod)};
    import { readdirSync } from 'node:fs';
    const big = new Uint8Array(256 * 2 ** 20);
    writeFileAtomic(${JSON.stringify(path.join(dir, 'big.bin'))}, big).catch(() => {});
    const poll = () => {
      if (readdirSync(${JSON.stringify(dir)}).some((f) => f.includes('.tmp-'))) { console.log('tmp seen'); process.exit(130); }
      setImmediate(poll);
    };
    poll();
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 130, r.stderr);
  assert.match(r.stdout, /tmp seen/, 'the exit happened while the temporary file existed');
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes('.tmp-')),
    [],
  );
});
