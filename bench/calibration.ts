/**
 * `npm run bench:calibration` — does the network's probability mean what it says? (issue 9,
 * item 4: on validation data the fraction of true spots among marks with p in a bin matches p;
 * expected calibration error ≤ 0.05.)
 *
 * Data: (a) the validation split of the training dataset of the default model, a folder made by
 * `deepblink simulate --dataset --preset scenes` (default training/ds_scenes, CALIB_DATASET
 * overrides; when missing, says how to make it and exits 0); (b) the two expert-labelled real
 * images of ../shared/data/insta-smfish-expert (skipped when absent).
 *
 * Model: CALIB_MODEL (a file), default the bundled default model. It runs with threshold 0.05,
 * single-threaded; a "mark" is a detection with p > 0.05, and it is correct when the one-to-one
 * Hungarian matching at ≤ 3 px (pointsMatching, per image) pairs it with a true spot.
 *
 * Reliability: bins of p (0.05, 0.1], (0.1, 0.2], …, (0.9, 1]; per bin the number of marks, their
 * mean p and the fraction correct; ECE = Σ_b (n_b / N) · |fraction_b − mean p_b|; MCE = the
 * largest |fraction_b − mean p_b| over bins with ≥ 20 marks. Then a threshold sweep (0.1 … 0.9
 * and the model's stored threshold): mean F1-integral per image (deepBlink's, cutoffs 0–3 px),
 * pooled precision and recall at 3 px, marks per image.
 *
 * Writes the tables into docs/benchmarks.md (block `calibration`), the reliability plot
 * docs/calibration.png, and prints the tables.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadSplit } from '../src/dataset/dataset.js';
import { computeMetrics, pointsMatching } from '../src/evaluate/metrics.js';
import { createDetector } from '../src/pipeline/predict.js';
import { DEFAULT_MODEL, bundledPath } from '../src/model/bundled.js';
import { loadModel } from '../src/model/model.js';
import { encodePng } from '../src/io/image/write.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { packageRoot } from '../src/model/bundled.js';
import { sharedPath } from '../src/testutil/shared.js';
import { writeBenchmarkBlock } from './doc.js';
import { readLabelledFolder } from './sets.js';
import { renderChart, type Rgb } from './chart.js';
import type { Spot, Plane, Point } from '../src/core/types.js';

const MARK = 0.05;
const EDGES = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
const MIN_BIN = 20;
const THRESHOLDS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
const COLORS: Rgb[] = [
  [30, 100, 220],
  [230, 120, 0],
];

interface Item {
  plane: Plane;
  truth: Point[];
}

interface DataSet {
  key: string;
  label: string;
  /** Short legend text for the plot (upper case in the PNG). */
  legend: string;
  what: string;
  items: Item[];
}

interface Bin {
  lo: number;
  hi: number;
  n: number;
  meanP: number;
  correct: number;
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');
const f2 = (x: number) => String(x);

const points = (ds: Spot[]): Point[] => ds.map((d) => [d.y, d.x] as Point);

/** Bin index of a probability p > MARK: the first bin whose upper edge is ≥ p. */
function binOf(p: number): number {
  for (let b = 0; b < EDGES.length - 1; b++) if (p <= EDGES[b + 1]) return b;
  return EDGES.length - 2;
}

function reliability(items: Item[], dets: Spot[][]): { bins: Bin[]; ece: number; mce: number; n: number } {
  const bins: Bin[] = EDGES.slice(0, -1).map((lo, b) => ({ lo, hi: EDGES[b + 1], n: 0, meanP: 0, correct: 0 }));
  items.forEach((it, k) => {
    const m = pointsMatching(points(dets[k]), it.truth, { cutoff: 3 });
    const ok = new Set(m.predIdx);
    dets[k].forEach((d, j) => {
      const bin = bins[binOf(d.score)];
      bin.n++;
      bin.meanP += d.score;
      if (ok.has(j)) bin.correct++;
    });
  });
  const n = bins.reduce((s, b) => s + b.n, 0);
  let ece = 0;
  let mce = 0;
  for (const b of bins) {
    if (!b.n) continue;
    b.meanP /= b.n;
    const gap = Math.abs(b.correct / b.n - b.meanP);
    ece += (b.n / n) * gap;
    if (b.n >= MIN_BIN) mce = Math.max(mce, gap);
  }
  return { bins, ece: n ? ece : NaN, mce, n };
}

function sweepRow(label: string, items: Item[], dets: Spot[][], t: number): string {
  let f1i = 0;
  let tp = 0;
  let marks = 0;
  let truth = 0;
  items.forEach((it, k) => {
    const pred = points(dets[k].filter((d) => d.score > t));
    f1i += computeMetrics(pred, it.truth).f1Integral;
    tp += pointsMatching(pred, it.truth, { cutoff: 3 }).tp;
    marks += pred.length;
    truth += it.truth.length;
  });
  return `| ${label} | ${f3(f1i / items.length)} | ${f3(marks ? tp / marks : NaN)} | ${f3(truth ? tp / truth : NaN)} | ${(marks / items.length).toFixed(1)} |`;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const log = (s: string) => process.stderr.write(`bench:calibration: ${s} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  const dsDir = process.env.CALIB_DATASET ?? path.join(packageRoot, 'training', 'ds_scenes');
  if (!existsSync(path.join(dsDir, 'dataset.json'))) {
    process.stdout.write(
      `bench:calibration: no dataset at ${dsDir}.\n` +
        'Make the training dataset of the default model first, with the command given in training/README.md\n' +
        '(run in training/: deepblink simulate --dataset --preset scenes -o ds_scenes … with its size, seed and backgrounds),\n' +
        'or point CALIB_DATASET at another dataset folder.\n',
    );
    return;
  }
  const modelFile = process.env.CALIB_MODEL ?? bundledPath(DEFAULT_MODEL);
  if (!modelFile) throw new Error(`the default model '${DEFAULT_MODEL}' is not bundled; set CALIB_MODEL`);
  const model = await loadModel(modelFile);
  const card = model.card;

  const sets: DataSet[] = [];
  const valid = await loadSplit(dsDir, 'valid');
  const dsName = path.relative(packageRoot, path.resolve(dsDir)) || dsDir;
  sets.push({
    key: 'a',
    label: `(a) \`${dsName}\` validation split`,
    legend: 'simulated validation',
    what: `${valid.length} crops ${valid[0]?.plane.height ?? 0}², ${valid.reduce((s, e) => s + e.points.length, 0)} spots`,
    items: valid.map((e) => ({ plane: e.plane, truth: e.points })),
  });
  let expertDir: string | undefined;
  try {
    expertDir = sharedPath('data', 'insta-smfish-expert');
  } catch {
    expertDir = undefined;
  }
  if (expertDir && existsSync(path.join(expertDir, 'images'))) {
    const items = await readLabelledFolder(expertDir);
    if (items.length)
      sets.push({
        key: 'b',
        label: '(b) insta-smFISH expert labels',
        legend: 'expert-labelled real',
        what: `${items.length} real smFISH images (${items.map((i) => `${i.plane.height}×${i.plane.width}, ${i.truth.length} spots`).join('; ')})`,
        items,
      });
  } else log('../shared/data/insta-smfish-expert not found; part (b) skipped');
  log(`data loaded: ${sets.map((s) => `${s.key}: ${s.items.length} images`).join(', ')}`);

  const det = await createDetector({ method: 'deepblink', model: modelFile, threads: 1, threshold: MARK });
  const allDets: Spot[][][] = [];
  for (const s of sets) {
    const dets: Spot[][] = [];
    for (const it of s.items) dets.push((await det.detect(it.plane)).spots.filter((d) => d.score > MARK));
    allDets.push(dets);
    log(`detected on ${s.key}`);
  }
  await det.close();

  const lines: string[] = [];
  const summary: string[] = [];
  const series = [];
  for (const [k, s] of sets.entries()) {
    const dets = allDets[k];
    const rel = reliability(s.items, dets);
    const empty = s.items.filter((i) => i.truth.length === 0).length;
    summary.push(`${s.key}: ECE ${f3(rel.ece)}, MCE ${f3(rel.mce)}, ${rel.n} marks`);
    lines.push(
      `**${s.label}** — ${s.what}. ${rel.n} marks (p > ${MARK}); **ECE ${f3(rel.ece)}**, max calibration error over bins with ≥ ${MIN_BIN} marks ${f3(rel.mce)}.`,
      '',
      '| p bin | marks | mean p | fraction correct | fraction − mean p |',
      '|---|---|---|---|---|',
      ...rel.bins.map(
        (b) =>
          `| (${f2(b.lo)}, ${f2(b.hi)}] | ${b.n} | ${b.n ? f3(b.meanP) : '–'} | ${b.n ? f3(b.correct / b.n) : '–'} | ${b.n ? f3(b.correct / b.n - b.meanP) : '–'} |`,
      ),
      '',
      `Threshold sweep on ${s.key}: mean F1-integral per image, precision and recall at 3 px pooled over images, marks per image (true spots per image: ${(s.items.reduce((n, i) => n + i.truth.length, 0) / s.items.length).toFixed(1)}${empty ? `; ${empty} images have no spots and score F1-integral 0 whatever is marked, deepBlink's convention, as in the training's validation score` : ''}).`,
      '',
      '| threshold (p >) | F1-integral | precision @3px | recall @3px | marks per image |',
      '|---|---|---|---|---|',
      ...THRESHOLDS.map((t) => sweepRow(String(t), s.items, dets, t)),
      sweepRow(`${card.threshold} (the model's stored threshold)`, s.items, dets, card.threshold),
      '',
    );
    series.push({
      label: `${s.legend}: ECE ${f3(rel.ece)}`,
      color: COLORS[k % COLORS.length],
      points: rel.bins.filter((b) => b.n > 0).map((b) => ({ x: b.meanP, y: b.correct / b.n, size: b.n >= MIN_BIN ? 7 : 3 })),
    });
    log(`scored ${s.key}`);
  }
  const table = lines.join('\n').trimEnd();
  process.stdout.write(`${table}\n\n${summary.join('; ')}\n`);

  const chart = renderChart({
    width: 480,
    height: 480 + 18 * series.length + 10,
    title: `reliability: model ${card.name} (${path.basename(modelFile)})`,
    xLabel: 'mean p in bin',
    yLabel: 'fraction correct',
    diagonal: true,
    series,
  });
  const png = path.join(packageRoot, 'docs', 'calibration.png');
  await writeFileAtomic(png, encodePng(chart.rgb, chart.width, chart.height, 3));

  const modelRel = path.relative(packageRoot, path.resolve(modelFile));
  const intro =
    `Command: \`npm run bench:calibration\` (source: \`bench/calibration.ts\`; CALIB_MODEL and CALIB_DATASET override the model and the dataset). ` +
    'Model: the bundled default model unless CALIB_MODEL names another file; the file, its card name and stored threshold head the tables. ' +
    `Data: (a) the validation split of the default model's training dataset (\`deepblink simulate --dataset --preset scenes\`, ${dsName}); ` +
    `(b) the two expert-labelled real smFISH images of \`../shared/data/insta-smfish-expert\`. ` +
    `The network runs with threshold ${MARK}; a mark is a detection with p > ${MARK}, correct when the one-to-one Hungarian matching at ≤ 3 px pairs it with a true spot. ` +
    `Per bin of p: marks, mean p, fraction correct; ECE = Σ (n_bin / N)·|fraction correct − mean p| (goal ≤ 0.05). ` +
    `Reliability plot: docs/calibration.png (x: mean p of a bin, y: fraction correct; dashed: the diagonal; blue: (a), orange: (b); small dots: bins with < ${MIN_BIN} marks).`;
  const modelShown = modelRel.startsWith('..') ? modelFile : modelRel;
  writeBenchmarkBlock(
    'calibration',
    'Calibration of the probability',
    intro,
    `Model \`${modelShown}\` (card name \`${card.name}\`, stored threshold ${card.threshold}).\n\n${table}\n\n![reliability plot](calibration.png)`,
  );
  log(`wrote docs/benchmarks.md (block calibration) and ${path.relative(packageRoot, png)}`);
}

main().catch((err) => {
  process.stderr.write(`bench:calibration: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
