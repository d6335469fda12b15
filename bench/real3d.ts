/**
 * `npm run bench:real3d` — 3-D detection on real z-stacks from ../shared/data/real-images/
 * (never copied into the repository; skipped with a message when that folder is absent),
 * written to docs/benchmarks.md (between the "real3d" markers) and printed, with one
 * max-projection overlay per stack in docs/gallery/3d/.
 *
 * - dotdotdot-rnascope-3d/mouse1_{Cy5,DsRed,EGFP}_zyx.tif (14×201×201, RNAscope in mouse
 *   brain): 3-D predict (default model) and the 3-D LoG ('auto' threshold), each compared with
 *   dotdotdot's own segmentation centroids (mouse1_*_dotdotdot_centroids_zyx.csv, 0-based voxel
 *   indices z,y,x): an algorithm's answer, not ground truth. F1, precision and recall at 3 voxels
 *   of distance in voxel units (isotropic: the voxel size is not given with the data).
 * - rsfish-embryo-3d/celegans_embryo_smfish_zyx.tif (81×454×334, voxel 0.2×0.13×0.13 µm,
 *   C. elegans embryo smFISH): count and time only (no truth).
 *
 * Overlays: maximum-intensity projection over z, deepblink's spots as rings coloured by their z
 * (blue = first slice … red = last), dotdotdot's centroids as white crosses.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readImage } from '../src/io/image/read.js';
import { stackAt } from '../src/io/image/axes.js';
import { detectLoG3D } from '../src/detect/log3d.js';
import { computeMetrics3d } from '../src/evaluate/metrics.js';
import { createDetector, predictImage } from '../src/pipeline/predict.js';
import { DEFAULT_MODEL, packageRoot } from '../src/model/bundled.js';
import { renderMaxProjection } from '../src/visualize/project.js';
import { encodePng } from '../src/io/image/write.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import type { Point3 } from '../src/core/types.js';
import { writeBenchmarkBlock } from './doc.js';

const LOG_RADIUS = 2;
const LOG_RADIUS_Z = 2;
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const f = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '–');

function realDir(): string | undefined {
  const candidates = [process.env.DEEPBLINK_SHARED, path.resolve(packageRoot, '..', 'shared')].filter((p): p is string => !!p);
  for (const c of candidates) {
    const d = path.join(c, 'data', 'real-images');
    if (existsSync(d)) return d;
  }
  return undefined;
}

function readCentroids(file: string): Point3[] {
  const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const head = lines[0].split(',');
  const [zi, yi, xi] = ['z', 'y', 'x'].map((k) => head.indexOf(k));
  return lines.slice(1).map((l) => {
    const v = l.split(',').map(Number);
    return [v[zi], v[yi], v[xi]];
  });
}

async function main(): Promise<void> {
  const dir = realDir();
  if (!dir) {
    process.stdout.write('bench:real3d skipped: ../shared/data/real-images/ not found (set DEEPBLINK_SHARED to the shared/ folder)\n');
    return;
  }
  const threads = os.availableParallelism();
  const det = await createDetector({ threads });
  const gallery = path.join(packageRoot, 'docs', 'gallery', '3d');
  mkdirSync(gallery, { recursive: true });

  const run = async (file: string) => {
    const raw = await readImage(file);
    const stack = stackAt(raw, 'zyx', 0, 0);
    await predictImage(raw, det, { threeD: true, axes: 'zyx' }); // warm-up, not timed
    let t0 = process.hrtime.bigint();
    const res = await predictImage(raw, det, { threeD: true, axes: 'zyx' });
    const dbMs = ms(t0);
    const db = res.volumes!.flatMap((v) => v.spots.map((s) => [s.z!, s.y, s.x] as Point3));
    t0 = process.hrtime.bigint();
    const lg = detectLoG3D(stack, { radius: LOG_RADIUS, radiusZ: LOG_RADIUS_Z, threshold: 'auto' });
    const logMs = ms(t0);
    return { stack, db, dbMs, log: lg.spots.map((s) => [s.z, s.y, s.x] as Point3), logMs, shape: `${stack.depth}×${stack.height}×${stack.width}` };
  };
  const png = (name: string, stack: Parameters<typeof renderMaxProjection>[0], spots: Point3[], reference?: Point3[]) => {
    const r = renderMaxProjection(stack, spots, { maxSide: 460, reference });
    writeFileAtomic(path.join(gallery, `${name}.png`), encodePng(r.rgb, r.width, r.height, 3));
    return `gallery/3d/${name}.png`;
  };

  const rows: string[] = [];
  const images: string[] = [];
  for (const ch of ['Cy5', 'DsRed', 'EGFP']) {
    const tif = path.join(dir, 'dotdotdot-rnascope-3d', `mouse1_${ch}_zyx.tif`);
    const csv = path.join(dir, 'dotdotdot-rnascope-3d', `mouse1_${ch}_dotdotdot_centroids_zyx.csv`);
    if (!existsSync(tif) || !existsSync(csv)) {
      process.stdout.write(`skipped ${ch}: ${tif} or its centroids missing\n`);
      continue;
    }
    const truth = readCentroids(csv);
    const r = await run(tif);
    const mvox = (r.stack.depth * r.stack.height * r.stack.width) / 1e6;
    for (const [name, pts, t] of [
      ['deepblink 3-D', r.db, r.dbMs],
      ["3-D LoG 'auto'", r.log, r.logMs],
    ] as const) {
      const m = computeMetrics3d(pts, truth, { voxelSize: [1, 1, 1], mdist: 3 });
      const line = `| mouse1 ${ch} (${r.shape}) | ${name} | ${truth.length} / ${pts.length} | **${f(m.f1AtMdist)}** | ${f(m.precisionAtMdist)} | ${f(m.recallAtMdist)} | ${t.toFixed(0)} ms (${(t / mvox).toFixed(0)} ms/Mvox) |`;
      rows.push(line);
      process.stdout.write(line + '\n');
    }
    images.push(
      `![mouse1 ${ch}: max projection, deepblink 3-D rings coloured by z, dotdotdot centroids as white crosses](${png(`mouse1-${ch}`, r.stack, r.db, truth)})`,
    );
  }
  const embryo = path.join(dir, 'rsfish-embryo-3d', 'celegans_embryo_smfish_zyx.tif');
  let embryoLine = 'C. elegans embryo: skipped (file missing).';
  if (existsSync(embryo)) {
    const r = await run(embryo);
    const mvox = (r.stack.depth * r.stack.height * r.stack.width) / 1e6;
    embryoLine = [
      '| stack | method | spots | time (ms/Mvox) |',
      '|---|---|---|---|',
      `| C. elegans embryo smFISH (${r.shape}, voxel 0.2×0.13×0.13 µm) | deepblink 3-D | ${r.db.length} | ${(r.dbMs / 1000).toFixed(1)} s (${(r.dbMs / mvox).toFixed(0)}) |`,
      `| | 3-D LoG 'auto' | ${r.log.length} | ${(r.logMs / 1000).toFixed(1)} s (${(r.logMs / mvox).toFixed(0)}) |`,
    ].join('\n');
    process.stdout.write(embryoLine + '\n');
    images.push(`![C. elegans embryo: max projection, deepblink 3-D rings coloured by z](${png('celegans-embryo', r.stack, r.db)})`);
    // a 120×120 crop of the middle, ×3, where single spots can be told apart
    const C = 120;
    const y0 = Math.floor((r.stack.height - C) / 2);
    const x0 = Math.floor((r.stack.width - C) / 2);
    const D = r.stack.depth;
    const crop = new Float32Array(D * C * C);
    for (let z = 0; z < D; z++)
      for (let y = 0; y < C; y++) for (let x = 0; x < C; x++) crop[(z * C + y) * C + x] = r.stack.data[(z * r.stack.height + y0 + y) * r.stack.width + x0 + x];
    const inCrop = r.db
      .filter(([, y, x]) => y >= y0 - 0.5 && y < y0 + C - 0.5 && x >= x0 - 0.5 && x < x0 + C - 0.5)
      .map(([z, y, x]) => [z, y - y0, x - x0] as Point3);
    images.push(
      `![C. elegans embryo, middle ${C}×${C} px (rows ${y0}–${y0 + C - 1}, columns ${x0}–${x0 + C - 1}) ×3](${png('celegans-embryo-crop', { data: crop, depth: D, height: C, width: C }, inCrop)})`,
    );
  }
  await det.close();

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const table = [
    `Machine: ${cpu}, ${os.cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}. Model: default \`${DEFAULT_MODEL}\` (onnxruntime, ${threads} threads), \`predictImage(…, { threeD: true })\` (per-plane network, linking, 3-D fit). LoG: \`detectLoG3D\`, radius ${LOG_RADIUS} px, radiusZ ${LOG_RADIUS_Z} slices, threshold 'auto', one thread. Times: the stack in memory, after one untimed run.`,
    '',
    "Agreement with dotdotdot's own segmentation centroids (`mouse1_*_dotdotdot_centroids_zyx.csv`, 0-based voxels; an algorithm's answer, not ground truth): F1, precision (P) and recall (R) at 3 voxels of distance in voxel units (isotropic; the data come without a voxel size).",
    '',
    '| stack | method | dotdotdot / found | F1 @ 3 vox | P | R | time |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    embryoLine,
    '',
    'Overlays (maximum-intensity projection over z; deepblink 3-D spots as rings coloured by z, blue = first slice … red = last; dotdotdot centroids as white crosses):',
    '',
    ...images.map((i) => `${i}\n`),
  ].join('\n');
  const doc = writeBenchmarkBlock(
    'real3d',
    '3-D detection on real z-stacks',
    'Command: `npm run bench:real3d` (source: `bench/real3d.ts`; data from ../shared/data/real-images/, skipped when absent).',
    table,
  );
  if (doc) process.stdout.write(`(written to ${doc})\n`);
}

await main();
