/**
 * `npm run bench:big` — large images: throughput of `predict` on a 4096×4096 image (in memory,
 * megapixels per second) and peak memory of the `deepblink predict` command on a 20000×20000
 * uint16 TIFF, measured with `/usr/bin/time -v` (maximum resident set size). Written to
 * docs/benchmarks.md between the "big" markers.
 *
 * `npm run bench:jobs` (`tsx bench/big.ts jobs`; also part of bench:big) — many images: images
 * per second of the `deepblink predict FOLDER` command on a folder of JOBS_IMAGES 1024² uint16
 * TIFFs with `--jobs 1` and `--jobs 2` (worker threads, --threads shared out among them), wall
 * time of the whole command (start-up included), the best of 3 runs. Written between the "jobs"
 * markers.
 *
 * Images: simulated 2000² uint16 tiles (SNR 4, σ 1–2 px, 10 spots per 100², camera offset
 * 100) repeated to fill the frame, so that the spot density is realistic everywhere. The
 * 800 MB TIFF is written to the system temp folder and deleted afterwards.
 * Detectors: the default bundled model and, for throughput only, `--method log`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulateImage } from '../src/simulate/simulate.js';
import { encodeTiff } from '../src/io/image/write.js';
import { createDetector } from '../src/pipeline/predict.js';
import { DEFAULT_MODEL } from '../src/model/bundled.js';
import { writeBenchmarkBlock } from './doc.js';

const BIG = Number(process.env.BENCH_BIG_SIZE ?? 20000);
const MID = 4096;
const TILE = 2000;

/** The simulated TILE² tile (camera counts), made once. */
const tile = simulateImage({ height: TILE, width: TILE, snr: 4, sigma: [1, 2], density: 10, offset: 100, readNoise: 2 }, 4242).image;

/** A size×size uint16 image made of copies of the tile. */
function tiledImage(size: number): Uint16Array {
  const out = new Uint16Array(size * size);
  for (let r = 0; r < size; r++) {
    const src = (r % TILE) * TILE;
    for (let c = 0; c < size; c += TILE) {
      const n = Math.min(TILE, size - c);
      for (let k = 0; k < n; k++) out[r * size + c + k] = Math.min(65535, Math.max(0, Math.round(tile[src + k])));
    }
  }
  return out;
}

async function throughput(method: 'deepblink' | 'log'): Promise<{ seconds: number; spots: number }> {
  const data = tiledImage(MID);
  const plane = { data, height: MID, width: MID };
  const detector = await createDetector(
    method === 'log' ? { method: 'log', radius: 2, threshold: 'auto' } : { method: 'deepblink', model: DEFAULT_MODEL, threads: os.availableParallelism() },
  );
  await detector.detect({ data: data.subarray(0, 512 * 512), height: 512, width: 512 }); // warm-up
  const t0 = process.hrtime.bigint();
  const { spots } = await detector.detect(plane);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await detector.close();
  return { seconds, spots: spots.length };
}

function peakMemory(): { rssMb: number; wallS: number; spots: number } | string {
  if (!existsSync('/usr/bin/time')) return '/usr/bin/time not found';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deepblink-big-'));
  try {
    const file = path.join(dir, `big${BIG}.tif`);
    writeFileSync(file, encodeTiff([{ data: tiledImage(BIG), height: BIG, width: BIG }]));
    const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'main.js'); // npm run bench:big builds it first
    const out = path.join(dir, 'out');
    const t0 = Date.now();
    const r = spawnSync('/usr/bin/time', ['-v', process.execPath, cli, 'predict', '-i', file, '-o', out], { encoding: 'utf8' });
    const wallS = (Date.now() - t0) / 1000;
    if (r.status !== 0) return `predict failed (exit ${r.status}): ${(r.stderr ?? '').split('\n').slice(-5).join(' ')}`;
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr ?? '');
    if (!m) return 'no "Maximum resident set size" in the output of /usr/bin/time -v';
    const csv = path.join(out, `big${BIG}.csv`);
    const spots = existsSync(csv)
      ? readFileSync(csv, 'utf8')
          .split('\n')
          .filter((l) => l.length > 0).length - 1
      : NaN;
    return { rssMb: Number(m[1]) / 1024, wallS, spots };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const JOBS_IMAGES = Number(process.env.BENCH_JOBS_IMAGES ?? 16);
const JOBS_SIZE = 1024;

/** `deepblink predict FOLDER --jobs J` on JOBS_IMAGES images: the best wall time of 3 runs, and the outputs' bytes (to compare). */
function folderRun(dir: string, jobs: number): { seconds: number; csv: string } {
  const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'main.js');
  let best = Infinity;
  let csv = '';
  for (let rep = 0; rep < 3; rep++) {
    const out = path.join(dir, `out-${jobs}-${rep}`);
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [cli, 'predict', path.join(dir, 'images'), '-o', out, '--jobs', String(jobs)], { encoding: 'utf8' });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) throw new Error(`predict --jobs ${jobs} failed: ${r.stderr}`);
    best = Math.min(best, seconds);
    csv = Array.from({ length: JOBS_IMAGES }, (_, i) => readFileSync(path.join(out, `img${String(i).padStart(2, '0')}.csv`), 'utf8')).join('');
  }
  return { seconds: best, csv };
}

async function jobsTable(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deepblink-jobs-'));
  try {
    mkdirSync(path.join(dir, 'images'));
    const full = tiledImage(TILE);
    for (let i = 0; i < JOBS_IMAGES; i++) {
      // a different 1024² window of the simulated tile for each image
      const r0 = (i * 61) % (TILE - JOBS_SIZE);
      const c0 = (i * 97) % (TILE - JOBS_SIZE);
      const data = new Uint16Array(JOBS_SIZE * JOBS_SIZE);
      for (let r = 0; r < JOBS_SIZE; r++) data.set(full.subarray((r0 + r) * TILE + c0, (r0 + r) * TILE + c0 + JOBS_SIZE), r * JOBS_SIZE);
      writeFileSync(path.join(dir, 'images', `img${String(i).padStart(2, '0')}.tif`), encodeTiff([{ data, height: JOBS_SIZE, width: JOBS_SIZE }]));
    }
    const cores = os.availableParallelism();
    const load = os.loadavg()[0];
    const threads = Math.min(cores, 8);
    const rows = ['| `--jobs` | network threads per job | wall time | images per second | speed-up |', '|---|---|---|---|---|'];
    let base = 0;
    let baseCsv = '';
    for (const jobs of [1, 2]) {
      const { seconds, csv } = folderRun(dir, jobs);
      if (jobs === 1) {
        base = seconds;
        baseCsv = csv;
      } else if (csv !== baseCsv) throw new Error(`--jobs ${jobs} wrote other tables than --jobs 1`);
      rows.push(
        `| ${jobs} | ${Math.max(1, Math.floor(threads / jobs))} | ${seconds.toFixed(2)} s | **${(JOBS_IMAGES / seconds).toFixed(2)}** | ${(base / seconds).toFixed(2)}× |`,
      );
    }
    return [
      `Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, **${cores} cores** (load average ${load.toFixed(1)} before the runs: other work shares them), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}. ` +
        `\`deepblink predict FOLDER --jobs J\` (default model \`${DEFAULT_MODEL}\`) on ${JOBS_IMAGES} simulated ${JOBS_SIZE}×${JOBS_SIZE} uint16 TIFFs; ` +
        'wall time of the whole command (start-up, model loading and writing included), best of 3 runs; the tables of every run are byte-identical.',
      '',
      ...rows,
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const jobs = await jobsTable();
  process.stdout.write(jobs + '\n');
  const jobsDoc = writeBenchmarkBlock(
    'jobs',
    'Many images: predict --jobs',
    'Command: `npm run bench:jobs` (source: `bench/big.ts`; also run by `npm run bench:big`).',
    jobs,
  );
  if (jobsDoc) process.stdout.write(`(written to ${jobsDoc})\n`);
  if (process.argv[2] === 'jobs') return;
  const net = await throughput('deepblink');
  const log = await throughput('log');
  const mp = (MID * MID) / 1e6;
  const big = peakMemory();
  const rows = [
    '| measurement | detector | result |',
    '|---|---|---|',
    `| throughput, ${MID}×${MID} uint16 in memory (${net.spots.toLocaleString('en')} spots) | default model \`${DEFAULT_MODEL}\`, onnxruntime 2 threads | **${(mp / net.seconds).toFixed(1)} MP/s** (${net.seconds.toFixed(2)} s) |`,
    `| throughput, ${MID}×${MID} uint16 in memory (${log.spots.toLocaleString('en')} spots) | \`--method log\`, 1 thread | **${(mp / log.seconds).toFixed(1)} MP/s** (${log.seconds.toFixed(2)} s) |`,
    typeof big === 'string'
      ? `| peak memory, \`deepblink predict\` on a ${BIG}×${BIG} uint16 TIFF | default model | not measured: ${big} |`
      : `| peak memory (max RSS, \`/usr/bin/time -v\`), \`deepblink predict\` on a ${BIG}×${BIG} uint16 TIFF (${((BIG * BIG * 2) / 2 ** 20).toFixed(0)} MiB; ${big.spots.toLocaleString('en')} spots) | default model | **${(big.rssMb / 1024).toFixed(2)} GiB**, ${big.wallS.toFixed(0)} s wall |`,
  ];
  const table = [
    `Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    '',
    ...rows,
  ].join('\n');
  process.stdout.write(table + '\n');
  const doc = writeBenchmarkBlock('big', 'Large images', 'Command: `npm run bench:big` (source: `bench/big.ts`).', table);
  if (doc) process.stdout.write(`(written to ${doc})\n`);
}

await main();
