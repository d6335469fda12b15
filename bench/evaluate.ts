/**
 * `npm run bench:evaluate` — scoring at scale: N predicted against N true spots, the true spots
 * uniform over 20000 × 20000 px, each prediction its true spot moved by up to 2 px in a random
 * direction. Each size runs in a child process (under `/usr/bin/time -v` where it exists, for
 * the peak resident memory), as `deepblink evaluate` does it: read both CSVs (predict's
 * format), deepBlink's metrics (F1-integral over 50 cutoffs) and the Spotiflow-style matching.
 * BENCH_SIZES="10000,100000,1000000" (default) changes the sizes. BENCH_DENSE=10000 also times
 * the dense implementation (src/testutil/dense-metrics.ts, the matching before the component
 * split) at that size; larger sizes cannot run dense (N² float64 matrices: 80 GB at 100k, and
 * past 2^31 entries "Invalid typed array length"). Writes docs/benchmarks.md ("evaluate" block).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLabels } from '../src/io/labels.js';
import { computeMetrics, pointsMatching } from '../src/evaluate/metrics.js';
import { packageRoot } from '../src/model/bundled.js';
import { writeBenchmarkBlock } from './doc.js';

const AREA = 20000;
const JITTER = 2;

interface ChildResult {
  read: number;
  blink: number;
  flow: number;
  f1At3: number;
  f1Integral: number;
  tp: number;
}

/** The work of one size, in this (child) process: read the CSVs, both matchings. */
async function child(dir: string, dense: boolean): Promise<void> {
  const t0 = performance.now();
  const pred = await readLabels(path.join(dir, 'pred.csv'));
  const truth = await readLabels(path.join(dir, 'truth.csv'));
  const t1 = performance.now();
  const impl = dense ? await import('../src/testutil/dense-metrics.js') : { computeMetrics, pointsMatching };
  const m = impl.computeMetrics(pred.points, truth.points);
  const t2 = performance.now();
  const s = impl.pointsMatching(pred.points, truth.points, { cutoff: 3 });
  const t3 = performance.now();
  const out: ChildResult = { read: (t1 - t0) / 1000, blink: (t2 - t1) / 1000, flow: (t3 - t2) / 1000, f1At3: m.f1AtMdist, f1Integral: m.f1Integral, tp: s.tp };
  process.stdout.write(JSON.stringify(out) + '\n');
}

/** Writes N true spots and their jittered predictions as predict's CSVs (once per size). */
function writeSet(n: number, dir: string): void {
  if (existsSync(path.join(dir, 'truth.csv'))) return;
  mkdirSync(dir, { recursive: true });
  let seed = 20261130 + n;
  const rand = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const t = ['y [px],x [px]'];
  const p = ['y [px],x [px],p'];
  for (let i = 0; i < n; i++) {
    const y = rand() * AREA;
    const x = rand() * AREA;
    const a = rand() * 2 * Math.PI;
    const r = rand() * JITTER;
    t.push(`${y.toFixed(4)},${x.toFixed(4)}`);
    p.push(`${(y + r * Math.sin(a)).toFixed(4)},${(x + r * Math.cos(a)).toFixed(4)},0.9`);
  }
  writeFileSync(path.join(dir, 'truth.csv'), t.join('\n') + '\n');
  writeFileSync(path.join(dir, 'pred.csv'), p.join('\n') + '\n');
}

/** Runs one size in a child process; wall time and peak RSS as /usr/bin/time -v reports them. */
function run(dir: string, dense: boolean): { res: ChildResult; wall: number; rssMB: number } | { error: string } {
  const self = fileURLToPath(import.meta.url);
  const args = ['--import', 'tsx', self, '--child', dir, dense ? 'dense' : 'sparse'];
  const timed = existsSync('/usr/bin/time');
  const started = performance.now();
  const opts = { encoding: 'utf8' as const, cwd: packageRoot, maxBuffer: 1 << 24 };
  const r = timed ? spawnSync('/usr/bin/time', ['-v', process.execPath, ...args], opts) : spawnSync(process.execPath, args, opts);
  const wall = (performance.now() - started) / 1000;
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) return { error: (r.stderr.split('\n').find((l) => /Error|error/.test(l)) ?? `exit ${r.status}`).trim() };
  const res = JSON.parse(line) as ChildResult;
  const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const el = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr);
  const elapsed = el ? Number(el[1] ?? 0) * 3600 + Number(el[2]) * 60 + Number(el[3]) : wall;
  return { res, wall: elapsed, rssMB: kb ? Number(kb[1]) / 1024 : NaN };
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    await child(process.argv[3], process.argv[4] === 'dense');
    return;
  }
  const sizes = (process.env.BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number);
  const denseSizes = (process.env.BENCH_DENSE ?? '').split(',').filter(Boolean).map(Number);
  const rows: string[] = [];
  const fmtN = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
  for (const n of sizes) {
    const dir = path.join(packageRoot, '.bench', 'evaluate', String(n));
    writeSet(n, dir);
    for (const dense of [false, ...(denseSizes.includes(n) ? [true] : [])]) {
      const r = run(dir, dense);
      const what = dense ? 'dense (before)' : 'components';
      if ('error' in r) {
        rows.push(`| ${fmtN(n)} × ${fmtN(n)} | ${what} | — | — | — | — | — | ${r.error} |`);
      } else {
        const { res } = r;
        rows.push(
          `| ${fmtN(n)} × ${fmtN(n)} | ${what} | ${res.read.toFixed(1)} s | ${res.blink.toFixed(1)} s | ${res.flow.toFixed(1)} s | ${r.wall.toFixed(1)} s | ${r.rssMB.toFixed(0)} MB | F1@3 ${res.f1At3.toFixed(4)}, F1-integral ${res.f1Integral.toFixed(4)}, TP ${res.tp} |`,
        );
      }
      process.stdout.write(rows[rows.length - 1] + '\n');
    }
  }
  const table = [
    `N predicted vs N true spots, uniform over ${AREA} × ${AREA} px, predictions within ${JITTER} px of their true spot; one process per row (read CSVs, deepBlink metrics, Spotiflow matching; total = the process's wall time, peak RSS from \`/usr/bin/time -v\`).`,
    '',
    '| spots | matching | read CSVs | deepBlink metrics | Spotiflow matching | total | peak RSS | result |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
  writeBenchmarkBlock(
    'evaluate',
    'Evaluation at scale',
    'Command: `npm run bench:evaluate` (source: `bench/evaluate.ts`; `BENCH_SIZES`, `BENCH_DENSE=10000` to time the dense matching of before at that size).',
    table,
  );
}

await main();
