/**
 * The seeded mutation fuzzer (src/testutil/fuzz.ts) over TIFF, PNG, label CSV, YAML and ONNX
 * inputs: every mutated file is either read or refused with a DeepblinkError — no other
 * exception, no crash, no hang, bounded memory (each format runs in a worker process with a
 * 512 MB heap and a time limit). FUZZ_CASES sets the cases per format (default 150 in CI),
 * FUZZ_SEED the seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FUZZ_FORMATS, type FuzzReport } from './testutil/fuzz.js';

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testutil', 'fuzz.js');
const CASES = Number(process.env.FUZZ_CASES ?? 150);
const SEED = Number(process.env.FUZZ_SEED ?? 20261130);

for (const format of FUZZ_FORMATS) {
  test(`fuzz ${format}: ${CASES} mutated inputs are read or refused with a clear error`, () => {
    const r = spawnSync(process.execPath, ['--max-old-space-size=512', WORKER, format, String(SEED), String(CASES)], {
      encoding: 'utf8',
      timeout: Math.max(120_000, CASES * 2_000),
    });
    assert.equal(r.signal, null, `worker killed by ${r.signal} (hang or memory)\n${r.stderr.slice(-2000)}`);
    assert.equal(r.status, 0, `worker crashed:\n${r.stderr.slice(-2000)}`);
    const report = JSON.parse(r.stdout.trim().split('\n').pop()!) as FuzzReport;
    assert.equal(report.accepted + report.refused + report.findings.length, CASES);
    assert.deepEqual(report.findings, [], `inputs that raised an internal error (seed ${SEED})`);
    assert.ok(report.refused > 0, 'mutations were refused at all (the fuzzer mutates)');
    assert.equal(r.stderr.trim(), '', 'nothing printed to stderr (no Node warnings)');
  });
}
