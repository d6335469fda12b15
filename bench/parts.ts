/**
 * `npm run bench:parts` — chunk-wise runs on an image larger than one job should hold: a
 * SIZE×SIZE uint16 OME-Zarr (default 40000², chunks 1024², zstd; made here chunk by chunk, deleted
 * afterwards) predicted whole (`--max-pixels` raised) and in N = 4 and 16 parts
 * (`predict --globals FILE` once, then `predict --part I/N --globals FILE`, one process per part,
 * run one after another), then `merge`d. Per part:
 * peak memory (maximum resident set size, `/usr/bin/time -v`) and time; whether the merged table
 * is byte-identical to the whole run's. Written to docs/benchmarks.md between the "parts" markers.
 *
 * Pixels: a simulated 2048² tile (SNR 4, σ 1–2 px, 10 spots per 100², camera offset 100)
 * repeated over the plane, so the spot density is realistic everywhere and spots cross the
 * chunk and part borders. Model: the default bundled one, default tiles (1024 px).
 * BENCH_PARTS_SIZE overrides the size (e.g. 8000 for a quick run).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulateImage } from '../src/simulate/simulate.js';
import { writeOmeZarr } from '../src/io/image/zarr-write.js';
import { writeBenchmarkBlock } from './doc.js';

const SIZE = Number(process.env.BENCH_PARTS_SIZE ?? 40000);
const TILE = 2048;
const CHUNK = 1024;
const COUNTS = [4, 16];
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const BIN = path.join(root, 'dist', 'cli', 'main.js');

const tile = Uint16Array.from(simulateImage({ height: TILE, width: TILE, snr: 4, sigma: [1, 2], density: 10, offset: 100, readNoise: 2 }, 4242).image, (v) =>
  Math.min(65535, Math.max(0, Math.round(v))),
);

/** Runs the CLI under /usr/bin/time -v: seconds, peak RSS in MB, stdout. */
function timed(args: string[], cwd: string): { seconds: number; mb: number; out: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-v', process.execPath, BIN, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`deepblink ${args.join(' ')} failed:\n${r.stderr}`);
  const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1] ?? NaN);
  return { seconds, mb: kb / 1024, out: r.stdout };
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'deepblink-parts-'));
  try {
    const zarrPath = path.join(work, 'big.ome.zarr');
    const t0 = process.hrtime.bigint();
    await writeOmeZarr(
      zarrPath,
      (start, stop) => {
        const [r0, c0] = start;
        const h = stop[0] - r0;
        const w = stop[1] - c0;
        const out = new Uint16Array(h * w);
        for (let r = 0; r < h; r++) {
          const src = ((r0 + r) % TILE) * TILE;
          for (let c = 0; c < w; c++) out[r * w + c] = tile[src + ((c0 + c) % TILE)];
        }
        return out;
      },
      { shape: [SIZE, SIZE], dtype: 'uint16', chunks: [CHUNK, CHUNK], codec: 'zstd' },
    );
    const writeSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const du = spawnSync('du', ['-sm', zarrPath], { encoding: 'utf8' }).stdout.split('\t')[0];
    console.log(`wrote ${SIZE}² OME-Zarr (${du} MB) in ${writeSeconds.toFixed(0)} s`);

    const rows: string[] = [];
    const whole = timed(['predict', zarrPath, '-o', 'whole', '--max-pixels', String(SIZE * SIZE + 1)], work);
    const wholeName = readdirSync(path.join(work, 'whole')).find((n) => n.endsWith('.csv'))!; // big.ome.csv
    const wholeCsv = readFileSync(path.join(work, 'whole', wholeName));
    const spots = wholeCsv.toString('utf8').split('\n').length - 2;
    console.log(`whole: ${whole.seconds.toFixed(0)} s, ${whole.mb.toFixed(0)} MB, ${spots} spots`);
    rows.push(`| 1 (whole run) | ${whole.mb.toFixed(0)} | ${whole.seconds.toFixed(0)} | ${whole.seconds.toFixed(0)} | ${spots} | — |`);
    for (const n of COUNTS) {
      // the plane-wide numbers, measured once for the N parts (a workflow's first step)
      const g = timed(['predict', zarrPath, '--globals', `globals-${n}.json`], work);
      console.log(`globals: ${g.seconds.toFixed(0)} s, ${g.mb.toFixed(0)} MB`);
      const parts = [];
      for (let i = 1; i <= n; i++) {
        parts.push(timed(['predict', zarrPath, '--part', `${i}/${n}`, '--globals', `globals-${n}.json`, '-o', `parts-${n}`], work));
        console.log(`part ${i}/${n}: ${parts[i - 1].seconds.toFixed(0)} s, ${parts[i - 1].mb.toFixed(0)} MB`);
      }
      const merge = timed(['merge', `parts-${n}`, '-o', `merged-${n}/big.csv`], work);
      const same = readFileSync(path.join(work, `merged-${n}`, 'big.csv')).equals(wholeCsv);
      const peak = Math.max(...parts.map((p) => p.mb));
      const times = parts.map((p) => p.seconds).sort((a, b) => a - b);
      const total = g.seconds + times.reduce((a, b) => a + b, 0) + merge.seconds;
      rows.push(
        `| ${n} | ${peak.toFixed(0)} | ${times[Math.floor(n / 2)].toFixed(0)} (${times[0].toFixed(0)}–${times[n - 1].toFixed(0)}) | ` +
          `${total.toFixed(0)} (globals ${g.seconds.toFixed(0)} s / ${g.mb.toFixed(0)} MB, merge ${merge.seconds.toFixed(0)} s / ${merge.mb.toFixed(0)} MB) | ${spots} | ${same ? 'yes, byte-identical' : '**no**'} |`,
      );
      console.log(rows[rows.length - 1]);
    }
    const table = [
      `Command: \`npm run bench:parts\` (${SIZE}×${SIZE} uint16 OME-Zarr 0.4, chunks ${CHUNK}², zstd, ${du} MB on disk, written in ${writeSeconds.toFixed(0)} s; ` +
        `${os.availableParallelism()} cores, parts run one after another; ${new Date().toISOString().slice(0, 10)}).`,
      '',
      '| parts N | peak memory per part [MB] | time per part [s] (median, range) | total [s] (globals once + all parts + merge) | spots | merged = whole run |',
      '|---|---|---|---|---|---|',
      ...rows,
    ].join('\n');
    console.log(table);
    writeBenchmarkBlock(
      'parts',
      `Chunk-wise runs: parts of a ${SIZE}² OME-Zarr`,
      'The noise model’s two plane-wide numbers are measured once (`--globals FILE`, one band-by-band pass over the image); each part then reads only its box (its tiles’ windows and margins).',
      table,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
