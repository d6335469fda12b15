/**
 * `npm run bench:real` — detection on real smFISH images; writes both tables into
 * docs/benchmarks.md (block `real`) and prints them.
 *
 * A. ../shared/data/insta-semisynthetic (29 images 300×300 uint8, Gaussian spots σ 1.75 px added at
 *    integer positions to real smFISH max projections, nominal SNR 5–20 from the file names;
 *    labels y,x,snr). Recall at ≤ 3 px (Hungarian, pooled), overall and per nominal SNR; pooled
 *    precision at ≤ 3 px and the mean deepBlink F1-integral, both lower bounds, since the
 *    backgrounds hold real, unlabelled spots that count as false positives; detections per image. The images are split, stratified by nominal
 *    SNR: within each SNR group (file-name order) the images at odd positions are the training
 *    split (14), those at even positions the evaluation split (15). Every row is scored on the
 *    evaluation split only.
 * B. ../shared/data/insta-smfish-expert (2 real smFISH images, expert labels y,x: 145 and 230
 *    spots). deepBlink F1-integral (computeMetrics, cutoffs 0–3 px), F1, precision and recall at
 *    3 px, per image and their mean; detections per image. Validation only: nothing is trained
 *    on these images. With two images there is no training split of their own: the "tuned" LoG
 *    is the one tuned on the semisynthetic training split (transfer); the oracle LoG is tuned on
 *    the two expert images themselves.
 *
 * Rows: every bundled model (+ BENCH_MODELS="label=file;…"), U-FISH's published model with its
 * defaults (bench/peers/ufish.ts; only when its weights are at UFISH_MODEL), LoG with the
 * automatic threshold, LoG (radius + threshold) tuned on the training split, LoG oracle (tuned on
 * the evaluated images themselves, optimistic). Single-threaded.
 */
import { computeMetrics, pointsMatching } from '../src/evaluate/metrics.js';
import { createDetector } from '../src/pipeline/predict.js';
import { detectLoGWithThreshold } from '../src/detect/log.js';
import { bundledNames, bundledPath } from '../src/model/bundled.js';
import { sharedPath } from '../src/testutil/shared.js';
import { benchModels, writeBenchmarkBlock } from './doc.js';
import { readLabelledFolder, tuneLoG, type TunedLoG } from './sets.js';
import { ufishAvailable, ufishDetector, UFISH_MODEL } from './peers/ufish.js';
import type { Plane, Point } from '../src/core/types.js';

interface Item {
  name: string;
  plane: Plane;
  truth: Point[];
  /** Nominal SNR of the image (semisynthetic set; NaN for the expert set). */
  snr: number;
}

interface Method {
  detect(plane: Plane): Promise<Point[]>;
  close(): Promise<void>;
}

/** The labelled images of a folder; the nominal SNR of an image is in its name (…_snr10_… or …snr_10_0…; the per-spot snr column of the labels is measured on the real background and varies around it). */
async function readSet(dir: string): Promise<Item[]> {
  return (await readLabelledFolder(dir)).map((it) => ({ ...it, snr: Number(/snr_?(\d+)/.exec(it.name)?.[1] ?? NaN) }));
}

/** Split stratified by nominal SNR: odd positions within each SNR group train, even ones evaluate. */
function splitBySnr(items: Item[]): { train: Item[]; test: Item[] } {
  const pos = new Map<number, number>();
  const train: Item[] = [];
  const test: Item[] = [];
  for (const it of items) {
    const k = pos.get(it.snr) ?? 0;
    pos.set(it.snr, k + 1);
    (k % 2 === 1 ? train : test).push(it);
  }
  return { train, test };
}

const logMethod = (opts: { radius: number; threshold: number | 'auto' }): Method => ({
  detect: async (plane) => detectLoGWithThreshold(plane, opts).spots.map((d) => [d.y, d.x] as Point),
  close: async () => undefined,
});

const tunedLabel = (t: TunedLoG) => `r ${t.radius}, q > ${t.threshold.toPrecision(3)}`;
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');

async function detectAll(m: Method, items: Item[]): Promise<Point[][]> {
  const out: Point[][] = [];
  for (const it of items) out.push(await m.detect(it.plane));
  return out;
}

/** Part A row: pooled recall (all, per SNR), pooled precision, detections per image. */
function rowA(label: string, items: Item[], dets: Point[][], snrs: number[]): string {
  const found = new Map<number, [number, number]>(snrs.map((s) => [s, [0, 0]]));
  let tp = 0;
  let n = 0;
  let ndet = 0;
  let f1i = 0;
  items.forEach((it, k) => {
    f1i += computeMetrics(dets[k], it.truth).f1Integral;
    const m = pointsMatching(dets[k], it.truth, { cutoff: 3 });
    const f = found.get(it.snr)!;
    f[0] += m.tp;
    f[1] += it.truth.length;
    tp += m.tp;
    n += it.truth.length;
    ndet += dets[k].length;
  });
  const bySnr = snrs.map((s) => f3(found.get(s)![1] ? found.get(s)![0] / found.get(s)![1] : NaN));
  return `| ${label} | ${f3(tp / n)} | ${bySnr.join(' | ')} | ${f3(ndet ? tp / ndet : NaN)} | ${f3(f1i / items.length)} | ${(ndet / items.length).toFixed(0)} |`;
}

/** Part B row: each metric per image and their mean. */
function rowB(label: string, items: Item[], dets: Point[][]): string {
  const ms = items.map((it, k) => computeMetrics(dets[k], it.truth));
  const cell = (v: number[]) => `${v.map(f3).join(' / ')} (${f3(v.reduce((a, b) => a + b, 0) / v.length)})`;
  return `| ${label} | ${cell(ms.map((m) => m.f1Integral))} | ${cell(ms.map((m) => m.f1AtMdist))} | ${cell(ms.map((m) => m.precisionAtMdist))} | ${cell(ms.map((m) => m.recallAtMdist))} | ${dets.map((d) => d.length).join(' / ')} |`;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const semi = await readSet(sharedPath('data', 'insta-semisynthetic'));
  const expert = await readSet(sharedPath('data', 'insta-smfish-expert'));
  const { train, test } = splitBySnr(semi);
  const snrs = [...new Set(semi.map((d) => d.snr))].sort((a, b) => a - b);

  // detectors shared by both parts: models, then the U-FISH peer
  const shared: [string, Method][] = [];
  for (const [label, file] of benchModels(bundledNames().map((n) => [n, bundledPath(n)!]))) {
    const det = await createDetector({ method: 'deepblink', model: file, threads: 1 });
    shared.push([`model \`${label}\``, { detect: async (plane) => (await det.detect(plane)).spots.map((d) => [d.y, d.x] as Point), close: () => det.close() }]);
  }
  const ufish = ufishAvailable();
  if (ufish) {
    const det = await ufishDetector(UFISH_MODEL);
    shared.push(['U-FISH (published model v1.0-alldata, defaults)', { detect: (plane) => det.detect(plane), close: () => det.close() }]);
  }
  const ufishNote = ufish
    ? 'U-FISH: its published weights (v1.0-alldata-ufish_c32) with its default pipeline, run by bench/peers/ufish.ts.'
    : `U-FISH: not run (its weights are not at \`${UFISH_MODEL}\`; see bench/peers/ufish.ts).`;

  const tuned = tuneLoG(train);
  const oracleA = tuneLoG(test);
  const oracleB = tuneLoG(expert);
  process.stderr.write(
    `tuned LoG: split ${tunedLabel(tuned)}, oracle A ${tunedLabel(oracleA)}, oracle B ${tunedLabel(oracleB)} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`,
  );

  const rowsA: [string, Method][] = [
    ...shared,
    ['LoG auto threshold (r 2)', logMethod({ radius: 2, threshold: 'auto' })],
    ['LoG auto threshold (r 2.5 ≈ √2·1.75)', logMethod({ radius: 2.5, threshold: 'auto' })],
    [`LoG tuned on the training split (${tunedLabel(tuned)})`, logMethod(tuned)],
    [`LoG oracle, tuned on the evaluation split (${tunedLabel(oracleA)})`, logMethod(oracleA)],
  ];
  const rowsB: [string, Method][] = [
    ...shared,
    ['LoG auto threshold (r 2)', logMethod({ radius: 2, threshold: 'auto' })],
    [`LoG tuned on the semisynthetic training split, transfer (${tunedLabel(tuned)})`, logMethod(tuned)],
    [`LoG oracle, tuned on these two images (${tunedLabel(oracleB)})`, logMethod(oracleB)],
  ];

  const nSpots = (items: Item[]) => items.reduce((n, d) => n + d.truth.length, 0);
  const short = (name: string) => name.replace(/^.*_(\d+)\.png$/, '_$1');
  const lines = [
    `**A. insta-semisynthetic** — evaluation split: ${test.length} of ${semi.length} images, ${nSpots(test)} labelled spots (LoG tuned on the other ${train.length} images, ${nSpots(train)} spots; split stratified by nominal SNR). Recall and precision at ≤ 3 px (Hungarian), pooled over images; the backgrounds hold real unlabelled spots, which count as false positives, so precision here is a lower bound, and so is deepBlink's F1-integral (mean per image; cutoffs 0–3 px), the score the LoG is tuned on, which therefore pushes the tuned LoGs towards fewer detections. ${ufishNote}`,
    '',
    `| method | recall (all) | ${snrs.map((s) => `SNR ${s} (${test.filter((d) => d.snr === s).length} img)`).join(' | ')} | precision @3px (lower bound) | F1-integral (lower bound) | detections per image |`,
    `|---|---|${snrs.map(() => '---').join('|')}|---|---|---|`,
  ];
  for (const [label, m] of rowsA) {
    lines.push(rowA(label, test, await detectAll(m, test), snrs));
    process.stderr.write(`A: ${label} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
  }
  lines.push(
    '',
    `**B. insta-smFISH expert labels** — ${expert.length} real smFISH images (${expert.map((e) => `${short(e.name)}: ${e.plane.height}×${e.plane.width}, ${e.truth.length} spots`).join('; ')}), validation only. Each cell: ${expert.map((e) => `image ${short(e.name)}`).join(' / ')} (mean). F1-integral: deepBlink's (F1 integrated over cutoffs 0–3 px); F1, precision, recall at 3 px. With two images there is no training split of their own: the tuned LoG is the one tuned on the semisynthetic training split above (transfer).`,
    '',
    `| method | F1-integral | F1 @3px | precision @3px | recall @3px | detections (true ${expert.map((e) => e.truth.length).join(' / ')}) |`,
    '|---|---|---|---|---|---|',
  );
  for (const [label, m] of rowsB) {
    lines.push(rowB(label, expert, await detectAll(m, expert)));
    process.stderr.write(`B: ${label} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
  }
  for (const [, m] of shared) await m.close();

  const table = lines.join('\n');
  process.stdout.write(table + '\n');
  writeBenchmarkBlock(
    'real',
    'Real images (insta-semisynthetic, expert-labelled insta-smFISH)',
    'Command: `npm run bench:real` (source: `bench/real.ts`). Data: A. `../shared/data/insta-semisynthetic` — 29 real smFISH max projections (300×300, uint8) with Gaussian spots (σ 1.75 px) added at known positions; recall (≤ 3 px, Hungarian) per nominal SNR and precision, a lower bound because the real spots of the backgrounds are unlabelled. B. `../shared/data/insta-smfish-expert` — two real smFISH images with expert labels; deepBlink F1-integral, F1, precision and recall at 3 px. Every table has the LoG tuned on a training split and the LoG tuned on the evaluated images themselves (oracle, optimistic).',
    table,
  );
  process.stderr.write(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
}

await main();
