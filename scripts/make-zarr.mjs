#!/usr/bin/env node
/**
 * `node scripts/make-zarr.mjs OUT.ome.zarr [--size 40000] [--chunk 1024] [--version 2|3]
 * [--codec blosc|zstd|gzip|none] [--levels 1] [--density 0.001] [--seed 1] [--background 100]
 * [--photons 500,3000] [--sigma 1.5] [--truth OUT.csv]` — writes a large simulated smFISH-like
 * image as OME-Zarr, chunk by chunk (one chunk in memory at a time: a 40000×40000 uint16 image,
 * 3.2 GB of pixels, is written in a few tens of MB), for benchmarks and tests of lazy reading.
 *
 * Spots: each chunk-sized cell of the image gets Poisson(density × cell area) spots (density in
 * spots per px², default 1 per 1000 px²) at uniform positions, photons uniform in the range,
 * drawn from a generator seeded by (seed, cell), so each chunk is rendered alone and the same
 * seed gives the same image: a chunk renders the spots of its own and of its 8 neighbouring
 * cells (pixel-integrated Gaussians of σ px, math/psf.ts addSpot), adds the background and
 * draws Poisson noise (per-chunk seeded). --truth writes the spots (y, x, photons, sigma; rows,
 * columns, 0-based, pixel centres at integers). Needs a built dist/ (npm run build).
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { writeOmeZarr } = await import(path.join(root, 'dist', 'io', 'image', 'zarr-write.js'));
const { addSpot } = await import(path.join(root, 'dist', 'math', 'psf.js'));
const { Rng } = await import(path.join(root, 'dist', 'math', 'rng.js'));

const USAGE =
  'usage: node scripts/make-zarr.mjs OUT.ome.zarr [--size N | --height H --width W] [--chunk 1024] [--version 2|3] ' +
  '[--codec blosc|zstd|gzip|none] [--levels 1] [--density 0.001] [--seed 1] [--background 100] [--photons 500,3000] [--sigma 1.5] [--truth FILE.csv]\n';

const args = process.argv.slice(2);
const opts = {};
let out;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '-h' || a === '--help') {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  if (a.startsWith('--')) {
    if (i + 1 >= args.length) {
      process.stderr.write(`${a} needs a value\n${USAGE}`);
      process.exit(2);
    }
    opts[a.slice(2)] = args[++i];
  } else if (out === undefined) out = a;
  else {
    process.stderr.write(USAGE);
    process.exit(2);
  }
}
if (!out) {
  process.stderr.write(USAGE);
  process.exit(2);
}
const num = (k, d) => {
  const v = opts[k] === undefined ? d : Number(opts[k]);
  if (!Number.isFinite(v)) {
    process.stderr.write(`--${k}: expected a number\n`);
    process.exit(2);
  }
  return v;
};
const size = num('size', 40000);
const height = num('height', size);
const width = num('width', size);
const chunk = num('chunk', 1024);
const density = num('density', 1e-3);
const seed = num('seed', 1);
const background = num('background', 100);
const sigma = num('sigma', 1.5);
const [pMin, pMax] = (opts.photons ?? '500,3000').split(',').map(Number);
const version = num('version', 2);
const levels = num('levels', 1);
const codec = opts.codec ?? 'blosc';
if (chunk < 16) {
  process.stderr.write('--chunk: at least 16 px (a chunk renders the spots of its neighbouring cells only)\n');
  process.exit(2);
}

const gridH = Math.ceil(height / chunk);
const gridW = Math.ceil(width / chunk);

/** The spots of cell (i, j): seeded by the cell alone, so any chunk can be rendered on its own. */
function cellSpots(i, j) {
  const rng = new Rng(seed, 1 + i * gridW + j);
  const r0 = i * chunk;
  const c0 = j * chunk;
  const h = Math.min(chunk, height - r0);
  const w = Math.min(chunk, width - c0);
  const n = rng.poisson(density * h * w);
  const spots = [];
  for (let k = 0; k < n; k++) {
    spots.push({ y: r0 - 0.5 + rng.uniform() * h, x: c0 - 0.5 + rng.uniform() * w, photons: rng.uniformRange(pMin, pMax) });
  }
  return spots;
}

const truth = opts.truth ? fs.createWriteStream(opts.truth) : undefined;
truth?.write('y,x,photons,sigma\n');
let nSpots = 0;
let lastShown = -1;
const t0 = performance.now();

await writeOmeZarr(
  out,
  (start, stop) => {
    const [r0, c0] = start;
    const h = stop[0] - r0;
    const w = stop[1] - c0;
    const i = Math.floor(r0 / chunk);
    const j = Math.floor(c0 / chunk);
    const img = new Float64Array(h * w).fill(background);
    for (let di = -1; di <= 1; di++) {
      for (let dj = -1; dj <= 1; dj++) {
        if (i + di < 0 || i + di >= gridH || j + dj < 0 || j + dj >= gridW) continue;
        for (const s of cellSpots(i + di, j + dj)) addSpot(img, h, w, s.y - r0, s.x - c0, s.photons, sigma);
      }
    }
    for (const s of cellSpots(i, j)) {
      nSpots++;
      truth?.write(`${s.y.toFixed(4)},${s.x.toFixed(4)},${s.photons.toFixed(1)},${sigma}\n`);
    }
    const noise = new Rng(seed, 1 + gridH * gridW + i * gridW + j);
    const px = new Uint16Array(h * w);
    for (let k = 0; k < px.length; k++) px[k] = Math.min(65535, noise.poisson(img[k]));
    return px;
  },
  {
    shape: [height, width],
    dtype: 'uint16',
    axes: 'yx',
    chunks: [chunk, chunk],
    version,
    codec,
    levels,
    name: path.basename(out),
    onProgress: (done, total) => {
      const pct = Math.floor((100 * done) / total);
      if (pct !== lastShown && (pct % 5 === 0 || done === total)) {
        lastShown = pct;
        process.stderr.write(`\r${done}/${total} chunks (${pct}%), ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      }
    },
  },
);
if (truth) await new Promise((resolve) => truth.end(resolve));
let bytes = 0;
for (const f of fs.readdirSync(out, { recursive: true })) {
  const st = fs.statSync(path.join(out, f));
  if (st.isFile()) bytes += st.size;
}
process.stderr.write('\n');
process.stdout.write(
  `${out}: ${height}×${width} uint16, chunks ${chunk}², Zarr v${version} (${codec}), ${levels} level(s), ${nSpots} spots; ` +
    `${(bytes / 1e6).toFixed(1)} MB on disk, ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
);
