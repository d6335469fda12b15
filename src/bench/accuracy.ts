/**
 * `npm run bench:accuracy` — accuracy per simulated category (src/simulate/presets.ts
 * TEST_SETS; seeds ≥ TEST_SEED_BASE, never used in training), for:
 *   - every bundled model (models/*.onnx) and any extra model given as BENCH_MODELS="label=file;…";
 *   - LoG with radius and threshold tuned on a training split of the category (other seeds);
 *   - LoG tuned on the test set itself ("oracle", optimistic).
 * Columns: deepBlink F1-integral (per image, mean ± std), F1 @3px (mean), RMSE of the pairs
 * matched at 3 px (pooled), efficiency = that RMSE ÷ √(mean CRLB_y² + CRLB_x²) of the matched
 * true spots (1 = the Cramér–Rao bound). Writes the table into docs/benchmarks.md.
 * BENCH_IMAGES (default 8) images of BENCH_SIZE (default 256) px per set.
 */
import os from 'node:os';
import { TEST_SETS, TEST_SEED_BASE } from '../simulate/presets.js';
import { detectLoGWithThreshold } from '../detect/log.js';
import { computeMetrics } from '../metrics/metrics.js';
import { meanStd } from '../evaluate/evaluate.js';
import { createDetector, type PlaneDetector } from '../predict/predict.js';
import { DEFAULT_MODEL, bundledNames, bundledPath } from '../model/bundled.js';
import { fitSpots } from '../measure/fit.js';
import { benchModels, writeBenchmarkBlock } from './doc.js';
import type { Detection, Point } from '../types.js';
import { makeSet, tuneLoG, type Img } from './sets.js';

const N = Number(process.env.BENCH_IMAGES ?? 8);
const SIZE = Number(process.env.BENCH_SIZE ?? 256);
const ONLY = process.env.BENCH_SETS?.split(',');

interface Row {
  f1i: number[];
  f13: number[];
  sq: number;
  crlb: number;
  pairs: number;
}

function score(imgs: Img[], dets: Detection[][]): Row {
  const row: Row = { f1i: [], f13: [], sq: 0, crlb: 0, pairs: 0 };
  imgs.forEach((img, k) => {
    const pred = dets[k].map((d) => [d.r, d.c] as Point);
    const m = computeMetrics(pred, img.truth);
    row.f1i.push(m.f1Integral);
    row.f13.push(m.f1AtMdist);
    m.pairsAtMdist.trueIdx.forEach((ti, j) => {
      const p = pred[m.pairsAtMdist.predIdx[j]];
      const t = img.truth[ti];
      const s = img.sim.spots[ti];
      row.sq += (p[0] - t[0]) ** 2 + (p[1] - t[1]) ** 2;
      row.crlb += s.crlbY ** 2 + s.crlbX ** 2;
      row.pairs++;
    });
  });
  return row;
}

const mean = (v: number[]) => meanStd(v)[0];

function fmtRow(set: string, method: string, r: Row): string {
  const rmse = r.pairs ? Math.sqrt(r.sq / r.pairs) : NaN;
  const eff = r.pairs ? Math.sqrt(r.sq / r.crlb) : NaN;
  return `| ${set} | ${method} | ${meanStd(r.f1i)[0].toFixed(3)} ± ${meanStd(r.f1i)[1].toFixed(3)} | ${mean(r.f13).toFixed(3)} | ${rmse.toFixed(3)} | ${eff.toFixed(2)} |`;
}

async function main(): Promise<void> {
  const models = benchModels(bundledNames().map((n) => [n, bundledPath(n)!]));
  const detectors: [string, PlaneDetector][] = [];
  for (const [label, file] of models) detectors.push([label, await createDetector({ method: 'deepblink', model: file, threads: 2 })]);
  const lines = [
    `Simulated test sets of ${N} images of ${SIZE}×${SIZE} px each (seeds from ${TEST_SEED_BASE}); ${os.cpus()[0]?.model ?? ''}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '| test set | method | F1-integral (mean ± std) | F1 @3px | RMSE @3px [px] | efficiency (RMSE ÷ √CRLB) |',
    '|---|---|---|---|---|---|',
  ];
  const sets = TEST_SETS.map((s, i) => ({ s, i })).filter(({ s }) => !ONLY || ONLY.includes(s.name));
  for (const { s, i } of sets) {
    const test = makeSet(s, TEST_SEED_BASE + 1000 * i, N, SIZE);
    for (const [label, det] of detectors) {
      const dets: Detection[][] = [];
      for (const img of test) dets.push((await det.detect(img.plane)).detections);
      lines.push(fmtRow(s.name, `model \`${label}\``, score(test, dets)));
      if (label === DEFAULT_MODEL) {
        // the same detections refined by the per-spot MLE fit (predict --fit)
        const fitted = test.map((img, k) => fitSpots(img.plane, dets[k]).map((f, j) => ({ ...dets[k][j], r: f.y, c: f.x })));
        lines.push(fmtRow(s.name, `model \`${label}\` + \`--fit\``, score(test, fitted)));
      }
    }
    const trainSplit = makeSet(s, TEST_SEED_BASE + 500_000 + 1000 * i, N, SIZE);
    const tuned = tuneLoG(trainSplit);
    lines.push(fmtRow(s.name, `LoG tuned on training split (r ${tuned.radius}, q > ${tuned.threshold.toPrecision(3)})`, score(test, test.map((img) => detectLoGWithThreshold(img.plane, tuned).detections))));
    const oracle = tuneLoG(test);
    lines.push(fmtRow(s.name, `LoG oracle, tuned on the test set (r ${oracle.radius})`, score(test, test.map((img) => detectLoGWithThreshold(img.plane, oracle).detections))));
    lines.push(fmtRow(s.name, 'LoG auto threshold (r 2)', score(test, test.map((img) => detectLoGWithThreshold(img.plane, { radius: 2, threshold: 'auto' }).detections))));
    process.stderr.write(`${s.name} done\n`);
  }
  for (const [, d] of detectors) await d.close();
  const table = lines.join('\n');
  process.stdout.write(table + '\n');
  if (!ONLY) {
    writeBenchmarkBlock('accuracy', 'Accuracy per category', 'Command: `npm run bench:accuracy` (source: `src/bench/accuracy.ts`; test sets: `src/simulate/presets.ts`).', table);
  }
}

await main();
