/**
 * `npm run bench:accuracy` — accuracy per simulated category (src/simulate/presets.ts
 * TEST_SETS; seeds ≥ TEST_SEED_BASE, never used in training), for:
 *   - every bundled model (models/*.onnx) and any extra model given as BENCH_MODELS="label=file;…";
 *   - LoG with radius and threshold tuned on a training split of the category (other seeds);
 *   - LoG tuned on the test set itself ("oracle", optimistic);
 * on the categories of presets.ts and on realistic scenes (bench/sets.ts SCENE_SETS: sparse
 * spots on cells with texture, a held-out real background, distractors, an Airy PSF), plus
 * noise-only scenes scored as false spots per megapixel. BENCH_SETS="name;…" runs some rows only
 * (and does not write the doc).
 * Columns: deepBlink F1-integral (per image, mean ± std), F1 @3px (mean), RMSE of the pairs
 * matched at 3 px (pooled), efficiency = that RMSE ÷ √(mean CRLB_y² + CRLB_x²) of the matched
 * true spots (1 = the Cramér–Rao bound). Writes the table into docs/benchmarks.md.
 * BENCH_IMAGES (default 8) images of BENCH_SIZE (default 256) px per set.
 */
import os from 'node:os';
import { TEST_SETS, TEST_SEED_BASE } from '../src/simulate/presets.js';
import { detectLoGWithThreshold } from '../src/detect/log.js';
import { computeMetrics } from '../src/evaluate/metrics.js';
import { meanStd } from '../src/evaluate/evaluate.js';
import { createDetector, type PlaneDetector } from '../src/pipeline/predict.js';
import { DEFAULT_MODEL, bundledNames, bundledPath } from '../src/model/bundled.js';
import { fitSpots } from '../src/measure/fit.js';
import { benchModels, writeBenchmarkBlock } from './doc.js';
import type { Spot, Plane, Point } from '../src/core/types.js';
import { makeSceneSet, makeSet, SCENE_SETS, tuneLoG, type Img } from './sets.js';
import { loadModel } from '../src/model/model.js';
import { readImage } from '../src/io/image/read.js';
import { iteratePlanes, resolveAxes } from '../src/io/image/axes.js';
import { sharedPath } from '../src/testutil/shared.js';
import { UFISH_MODEL, ufishAvailable, ufishDetector } from './peers/ufish.js';
import { beadPsf, type EmpiricalPsf } from '../src/simulate/scenes.js';

const N = Number(process.env.BENCH_IMAGES ?? 8);
const SIZE = Number(process.env.BENCH_SIZE ?? 256);
const ONLY = process.env.BENCH_SETS?.split(';');

interface Row {
  f1i: number[];
  f13: number[];
  sq: number;
  crlb: number;
  pairs: number;
}

function score(imgs: Img[], dets: Spot[][]): Row {
  const row: Row = { f1i: [], f13: [], sq: 0, crlb: 0, pairs: 0 };
  imgs.forEach((img, k) => {
    const pred = dets[k].map((d) => [d.y, d.x] as Point);
    const m = computeMetrics(pred, img.truth);
    row.f1i.push(m.f1Integral);
    row.f13.push(m.f1AtMdist);
    m.pairsAtMdist.trueIdx.forEach((ti, j) => {
      const p = pred[m.pairsAtMdist.predIdx[j]];
      const t = img.truth[ti];
      row.sq += (p[0] - t[0]) ** 2 + (p[1] - t[1]) ** 2;
      row.crlb += img.crlb ? img.crlb[ti] : NaN;
      row.pairs++;
    });
  });
  return row;
}

const mean = (v: number[]) => meanStd(v)[0];

function fmtRow(set: string, method: string, r: Row, best = ''): string {
  const rmse = r.pairs ? Math.sqrt(r.sq / r.pairs) : NaN;
  const eff = r.pairs && Number.isFinite(r.crlb) ? Math.sqrt(r.sq / r.crlb).toFixed(2) : '—';
  return `| ${set} | ${method} | ${meanStd(r.f1i)[0].toFixed(3)} ± ${meanStd(r.f1i)[1].toFixed(3)} | ${mean(r.f13).toFixed(3)} | ${rmse.toFixed(3)} | ${eff} | ${best} |`;
}

/** Thresholds tried for the "best threshold" column of the default model. */
const SWEEP = Array.from({ length: 19 }, (_, i) => Math.round((0.05 + 0.05 * i) * 100) / 100);

/** Mean F1-integral of the detections above each threshold of SWEEP: the best one and its score. */
function bestThreshold(imgs: Img[], dets: Spot[][]): { t: number; f1: number } {
  let best = { t: NaN, f1: -1 };
  for (const t of SWEEP) {
    const f1 = mean(
      imgs.map(
        (img, k) =>
          computeMetrics(
            dets[k].filter((d) => d.score > t).map((d) => [d.y, d.x] as Point),
            img.truth,
          ).f1Integral,
      ),
    );
    if (f1 > best.f1 + 1e-9) best = { t, f1 };
  }
  return best;
}

/** Real spot-free background held out from training (the 'real' scene rows), if shared/ is there. */
async function heldOutBackgrounds(): Promise<Plane[]> {
  try {
    const raw = await readImage(sharedPath('data', 'real-images', 'neubias', 'nuclei_with_background_16bit.tif'));
    return [...iteratePlanes(raw, resolveAxes(raw).axes)].map((p) => p.plane);
  } catch {
    return [];
  }
}

/** The mean bead PSF of the real bead image (the 'bead PSF' row), if shared/ is there. */
async function realBeadPsf(): Promise<EmpiricalPsf | undefined> {
  try {
    const raw = await readImage(sharedPath('data', 'real-images', 'nanopyx-beads', 'beads_green.ome.tif'));
    return beadPsf(iteratePlanes(raw, resolveAxes(raw).axes).next().value!.plane);
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const models = benchModels(bundledNames().map((n) => [n, bundledPath(n)!]));
  const detectors: [string, PlaneDetector][] = [];
  for (const [label, file] of models) detectors.push([label, await createDetector({ method: 'deepblink', model: file, threads: 2 })]);
  // the default model once more with a low threshold: the threshold sweep filters its detections
  const sweep = await createDetector({ method: 'deepblink', model: bundledPath(DEFAULT_MODEL)!, threads: 2, threshold: SWEEP[0] - 1e-6 });
  const stored = (await loadModel(bundledPath(DEFAULT_MODEL)!)).card.threshold;
  // the published U-FISH model as a measured peer, where its weights are present (not shipped)
  const ufish = ufishAvailable() ? await ufishDetector(UFISH_MODEL) : undefined;
  const ufishLabel = 'U-FISH (published model, its defaults; peer)';
  const lines = [
    `Simulated test sets (seeds from ${TEST_SEED_BASE}); ${os.cpus()[0]?.model ?? ''}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    `Categories: ${N} images of ${SIZE}² px each; scenes: the size and count in the row's description. Metric: deepBlink F1-integral per image (mean ± std); F1 @3px; RMSE of the pairs matched at 3 px; efficiency = RMSE ÷ √(mean CRLB) (simulator categories only).`,
    `The default model \`${DEFAULT_MODEL}\` stores threshold ${stored}; "best t" = the threshold in 0.05…0.95 with the best mean F1-integral on that row, and its F1-integral. ${ufish ? 'U-FISH: its published model (UFISH-Team/U-FISH, weights v1.0-alldata-ufish_c32.onnx) with its own pre- and post-processing (bench/peers/ufish.ts); integer positions.' : 'U-FISH peer not run (weights not found at ' + UFISH_MODEL + ').'}`,
    '',
    '| test set | method | F1-integral (mean ± std) | F1 @3px | RMSE @3px [px] | efficiency (RMSE ÷ √CRLB) | best t (F1-integral) |',
    '|---|---|---|---|---|---|---|',
  ];
  const noiseLines = [
    'Noise-only images (no spots): false spots per megapixel (detections ÷ image area), all methods at their default or tuned settings.',
    '',
    '| images | method | false spots per megapixel |',
    '|---|---|---|',
  ];
  const rowsOf = async (name: string, test: Img[], trainSplit: Img[]) => {
    for (const [label, det] of detectors) {
      const dets: Spot[][] = [];
      for (const img of test) dets.push((await det.detect(img.plane)).spots);
      let best = '';
      if (label === DEFAULT_MODEL) {
        const all: Spot[][] = [];
        for (const img of test) all.push((await sweep.detect(img.plane)).spots);
        const b = bestThreshold(test, all);
        best = `${b.t} (${b.f1.toFixed(3)})`;
      }
      lines.push(fmtRow(name, `model \`${label}\``, score(test, dets), best));
      if (label === DEFAULT_MODEL) {
        // the same detections refined by the per-spot MLE fit (predict --fit)
        const fitted = test.map((img, k) => fitSpots(img.plane, dets[k]).map((f, j) => ({ ...dets[k][j], y: f.y, x: f.x })));
        lines.push(fmtRow(name, `model \`${label}\` + \`--fit\``, score(test, fitted)));
      }
    }
    if (ufish) {
      const dets: Spot[][] = [];
      for (const img of test) dets.push((await ufish.detect(img.plane)).map(([y, x]) => ({ y, x, score: 1 })));
      lines.push(fmtRow(name, ufishLabel, score(test, dets)));
    }
    const tuned = tuneLoG(trainSplit);
    lines.push(
      fmtRow(
        name,
        `LoG tuned on training split (r ${tuned.radius}, q > ${tuned.threshold.toPrecision(3)})`,
        score(
          test,
          test.map((img) => detectLoGWithThreshold(img.plane, tuned).spots),
        ),
      ),
    );
    const oracle = tuneLoG(test);
    lines.push(
      fmtRow(
        name,
        `LoG oracle, tuned on the test set (r ${oracle.radius})`,
        score(
          test,
          test.map((img) => detectLoGWithThreshold(img.plane, oracle).spots),
        ),
      ),
    );
    lines.push(
      fmtRow(
        name,
        'LoG auto threshold (r 2)',
        score(
          test,
          test.map((img) => detectLoGWithThreshold(img.plane, { radius: 2, threshold: 'auto' }).spots),
        ),
      ),
    );
    process.stderr.write(`${name} done\n`);
    return tuned;
  };
  const sets = TEST_SETS.map((s, i) => ({ s, i })).filter(({ s }) => !ONLY || ONLY.includes(s.name));
  for (const { s, i } of sets) {
    await rowsOf(s.name, makeSet(s, TEST_SEED_BASE + 1000 * i, N, SIZE), makeSet(s, TEST_SEED_BASE + 500_000 + 1000 * i, N, SIZE));
  }
  const held = await heldOutBackgrounds();
  const bead = await realBeadPsf();
  let texturedLoG: { radius: number; threshold: number } | undefined;
  const scenes = SCENE_SETS.map((s, i) => ({ s, i })).filter(({ s }) => !ONLY || ONLY.includes(s.name));
  for (const { s, i } of scenes) {
    const seed = TEST_SEED_BASE + 100_000 + 1000 * i;
    const bgs = s.knobs.background === 'real' ? held : [];
    const set = s.knobs.psf === 'bead' && bead ? { ...s, knobs: { ...s.knobs, bead } } : s;
    if ((s.knobs.background === 'real' && !bgs.length) || (s.knobs.psf === 'bead' && !bead)) {
      process.stderr.write(`${s.name}: skipped (../shared/data not found)\n`);
      continue;
    }
    const test = makeSceneSet(set, seed, bgs);
    if (!s.empty) {
      const tuned = await rowsOf(`${s.name} (${s.images} × ${s.size}²)`, test, makeSceneSet(set, seed + 500_000, bgs));
      if (s.name === 'cells + texture, sparse, SNR 4') texturedLoG = tuned;
      continue;
    }
    const mp = (test.length * s.size * s.size) / 1e6;
    const fp = async (det: (p: Plane) => Promise<number>) => {
      let n = 0;
      for (const img of test) n += await det(img.plane);
      return (n / mp).toFixed(1);
    };
    for (const [label, det] of detectors)
      noiseLines.push(`| ${s.name} (${s.images} × ${s.size}²) | model \`${label}\` | ${await fp(async (p) => (await det.detect(p)).spots.length)} |`);
    if (ufish) noiseLines.push(`| ${s.name} | ${ufishLabel} | ${await fp(async (p) => (await ufish.detect(p)).length)} |`);
    noiseLines.push(
      `| ${s.name} | LoG auto threshold (r 2) | ${await fp(async (p) => detectLoGWithThreshold(p, { radius: 2, threshold: 'auto' }).spots.length)} |`,
    );
    if (texturedLoG) {
      const t = texturedLoG;
      noiseLines.push(
        `| ${s.name} | LoG tuned on "cells + texture, sparse, SNR 4" (r ${t.radius}) | ${await fp(async (p) => detectLoGWithThreshold(p, t).spots.length)} |`,
      );
    }
    process.stderr.write(`${s.name} done\n`);
  }
  for (const [, d] of detectors) await d.close();
  await sweep.close();
  await ufish?.close();
  const table = [...lines, '', ...noiseLines].join('\n');
  process.stdout.write(table + '\n');
  if (!ONLY) {
    writeBenchmarkBlock(
      'accuracy',
      'Accuracy per category',
      'Command: `npm run bench:accuracy` (source: `bench/accuracy.ts`; test sets: `src/simulate/presets.ts`, `bench/sets.ts`).',
      table,
    );
  }
}

await main();
