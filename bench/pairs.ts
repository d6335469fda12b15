/**
 * `npm run bench:pairs` — dense spots: recall on the "clustered pairs" test set as a function
 * of the distance between the two spots of a pair (src/simulate/presets.ts; pairs 1.5–6 px
 * apart, σ 1–1.5 px, SNR 5–10). A true spot counts as found when a detection lies within
 * 1 px of it in the one-to-one matching (Hungarian, as the metrics), so one detection between
 * the two spots of a close pair finds at most one of them. The grid of the networks holds one
 * spot per cell (4×4 px for the bundled models), which bounds what they can resolve.
 * Models: the bundled ones plus BENCH_MODELS; LoG tuned on a training split and LoG auto.
 * BENCH_IMAGES (default 16) images of 256² px. Writes docs/benchmarks.md ("pairs" block).
 */
import { TEST_SETS, TEST_SEED_BASE } from '../src/simulate/presets.js';
import { detectLoGWithThreshold } from '../src/detect/log.js';
import { pointsMatching } from '../src/evaluate/metrics.js';
import { createDetector } from '../src/pipeline/predict.js';
import { bundledNames, bundledPath } from '../src/model/bundled.js';
import { benchModels, writeBenchmarkBlock } from './doc.js';
import { makeSet, tuneLoG, type Img } from './sets.js';
import type { Spot, Point } from '../src/core/types.js';

const N = Number(process.env.BENCH_IMAGES ?? 16);
const SIZE = 256;
const CUTOFF = 1;
const BINS: [number, number][] = [
  [0, 2],
  [2, 3],
  [3, 4],
  [4, 5],
  [5, 6],
  [6, Infinity],
];
const binLabel = ([lo, hi]: [number, number]) => (hi === Infinity ? `≥ ${lo}` : lo === 0 ? `< ${hi}` : `${lo}–${hi}`);

/** Distance of every true spot to its nearest other true spot. */
function separations(truth: Point[]): number[] {
  return truth.map((p, i) => {
    let best = Infinity;
    truth.forEach((q, j) => {
      if (j !== i) best = Math.min(best, Math.hypot(p[0] - q[0], p[1] - q[1]));
    });
    return best;
  });
}

/** [found, total] per separation bin. */
function recallBySeparation(imgs: Img[], dets: Spot[][]): [number, number][] {
  const out = BINS.map(() => [0, 0] as [number, number]);
  imgs.forEach((img, k) => {
    const sep = separations(img.truth);
    const m = pointsMatching(
      dets[k].map((d) => [d.y, d.x] as Point),
      img.truth,
      { cutoff: CUTOFF },
    );
    const found = new Set(m.trueIdx);
    sep.forEach((s, i) => {
      const b = BINS.findIndex(([lo, hi]) => s >= lo && s < hi);
      out[b][1]++;
      if (found.has(i)) out[b][0]++;
    });
  });
  return out;
}

async function main(): Promise<void> {
  const idx = TEST_SETS.findIndex((s) => s.name === 'clustered pairs');
  const set = TEST_SETS[idx];
  const test = makeSet(set, TEST_SEED_BASE + 1000 * idx, N, SIZE);
  const rows: [string, [number, number][]][] = [];
  for (const [label, file] of benchModels(bundledNames().map((n) => [n, bundledPath(n)!]))) {
    const det = await createDetector({ method: 'deepblink', model: file, threads: 2 });
    const dets: Spot[][] = [];
    for (const img of test) dets.push((await det.detect(img.plane)).spots);
    await det.close();
    rows.push([`model \`${label}\``, recallBySeparation(test, dets)]);
  }
  const tuned = tuneLoG(makeSet(set, TEST_SEED_BASE + 500_000 + 1000 * idx, N, SIZE));
  rows.push([
    `LoG tuned on training split (r ${tuned.radius})`,
    recallBySeparation(
      test,
      test.map((img) => detectLoGWithThreshold(img.plane, tuned).spots),
    ),
  ]);
  rows.push([
    'LoG auto threshold (r 2)',
    recallBySeparation(
      test,
      test.map((img) => detectLoGWithThreshold(img.plane, { radius: 2, threshold: 'auto' }).spots),
    ),
  ]);
  const totals = rows[0][1].map(([, n]) => n);
  const lines = [
    `Test set "clustered pairs" (${set.description}), ${N} images of ${SIZE}² px; recall = true spots with a detection within ${CUTOFF} px (one-to-one matching), by distance to the nearest other spot.`,
    '',
    `| method | ${BINS.map((b, i) => `${binLabel(b)} px (n=${totals[i]})`).join(' | ')} |`,
    `|---|${BINS.map(() => '---').join('|')}|`,
    ...rows.map(([label, r]) => `| ${label} | ${r.map(([f, n]) => (n ? (f / n).toFixed(3) : '–')).join(' | ')} |`),
  ];
  const table = lines.join('\n');
  process.stdout.write(table + '\n');
  writeBenchmarkBlock('pairs', 'Dense spots: recall by pair separation', 'Command: `npm run bench:pairs` (source: `bench/pairs.ts`).', table);
}

await main();
