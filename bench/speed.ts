/**
 * `npm run bench:speed` — speed of prediction and training on this machine, written to
 * docs/benchmarks.md (between the "speed" markers) and printed.
 *
 * Predict: median wall time per 512×512 image, image in memory (normalisation as the model's
 * card says + forward + decode), for the default bundled model (onnxruntime-node on all cores, as `predict` runs it),
 * `--method log` (LoG, radius 2, automatic threshold, one thread) and the paper's network.
 * Designs: parameters, multiply-adds per pixel (convolutions; src/network/spec.ts), forward
 * time of a 512² input with random weights (speed does not depend on them), and tfjs (wasm,
 * one thread) time per training step and per epoch of 256 crops of 128² (batch 2 for the
 * deepBlink topology as the original, 8 for the lean designs). Data: simulated, SNR 4. Every
 * timed series follows one untimed pass over the same images (JIT warm-up), for both detectors.
 */
import os from 'node:os';
import { simulateImage, simToPlane } from '../src/simulate/simulate.js';
import { detectLoGWithThreshold } from '../src/detect/log.js';
import { deepblinkSpec, networkSpec, countParams, macsPerPixel, type NetworkConfig, type NetworkSpec } from '../src/network/spec.js';
import { randomWeights } from '../src/engine/reference.js';
import type { Predictor } from '../src/engine/engine.js';
import { loadModel, modelPredictor } from '../src/model/model.js';
import type { Normalization } from '../src/preprocess/normalize.js';
import { tilingFor } from '../src/preprocess/tiles.js';
import { DEFAULT_MODEL, resolveModel } from '../src/model/bundled.js';
import type { Plane } from '../src/core/types.js';
import { createTfjsEngine } from '../src/engine/tfjs.js';
import { exportOnnx } from '../src/engine/onnx-format.js';
import { createOnnxPredictor } from '../src/engine/onnxruntime.js';
import { detectNeural } from '../src/detect/neural.js';
import { makeBatch } from '../src/train/train.js';
import { zscore } from '../src/preprocess/normalize.js';
import { writeBenchmarkBlock } from './doc.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 7);
const TRAIN_STEPS = Number(process.env.BENCH_TRAIN_STEPS ?? 5);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

/** Network designs compared (random weights: speed does not depend on them). */
const DESIGNS: [string, Partial<NetworkConfig>][] = [
  ['paper deepBlink (filters 5, ndown 2, cell 4)', {}],
  ['deepBlink topology, filters 3 (the first bundled models)', { filters: 3 }],
  ['lean, filters 4, ndown 1, cell 4', { architecture: 'lean', filters: 4, ndown: 1, cellSize: 4 }],
  ['lean, filters 4, ndown 2, cell 4', { architecture: 'lean', filters: 4, ndown: 2, cellSize: 4 }],
  ['lean, filters 5, ndown 1, cell 4', { architecture: 'lean', filters: 5, ndown: 1, cellSize: 4 }],
  ['lean, filters 4, ndown 1, cell 2', { architecture: 'lean', filters: 4, ndown: 1, cellSize: 2 }],
];

async function timeNeural(
  planes: Plane[],
  spec: NetworkSpec,
  predictor: Predictor,
  threshold: number,
  normalization: Normalization = { method: 'zscore' },
): Promise<number> {
  const nopts = { threshold, normalization, ...tilingFor(spec) };
  for (const p of planes) await detectNeural(p, spec, predictor, nopts); // warm-up pass (JIT), not timed
  const t: number[] = [];
  for (const p of planes) {
    const t0 = process.hrtime.bigint();
    await detectNeural(p, spec, predictor, nopts);
    t.push(ms(t0));
  }
  return median(t);
}

/** Median time of one forward pass on a 512² input. */
async function timeForward(predictor: Predictor): Promise<number> {
  const x = new Float32Array(512 * 512).map((_, i) => Math.sin(i));
  await predictor.run(x, 512, 512);
  const t: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = process.hrtime.bigint();
    await predictor.run(x, 512, 512);
    t.push(ms(t0));
  }
  return median(t);
}

/** Median seconds per training step (batch of `batch` crops of `size`²), tfjs wasm. */
async function timeTrainStep(spec: NetworkSpec, batch: number, size: number): Promise<{ step: number; backend: string }> {
  const engine = await createTfjsEngine(spec, { optimizer: { name: 'amsgrad', learningRate: 1e-4 }, seed: 1 });
  const crops = Array.from({ length: batch }, (_, k) => {
    const s = simulateImage({ height: size, width: size, snr: 4, readNoise: 0, offset: 0 }, 8800 + k);
    return { x: zscore(simToPlane(s)).data, points: s.spots.map((q) => [q.y, q.x] as [number, number]) };
  });
  const b = makeBatch(crops, size, spec.config.cellSize, 1);
  await engine.trainStep(b);
  const t: number[] = [];
  for (let i = 0; i < TRAIN_STEPS; i++) {
    const t0 = process.hrtime.bigint();
    await engine.trainStep(b);
    t.push(ms(t0));
  }
  const backend = engine.backend;
  engine.dispose();
  return { step: median(t) / 1000, backend };
}

async function main(): Promise<void> {
  const threads = os.availableParallelism();
  const planes = Array.from({ length: REPEATS }, (_, k) => simToPlane(simulateImage({ height: 512, width: 512, snr: 4, readNoise: 0, offset: 0 }, 7700 + k)));

  // LoG, one thread
  for (const p of planes) detectLoGWithThreshold(p, { radius: 2, threshold: 'auto' }); // warm-up pass (JIT), not timed
  const logTimes = planes.map((p) => {
    const t0 = process.hrtime.bigint();
    detectLoGWithThreshold(p, { radius: 2, threshold: 'auto' });
    return ms(t0);
  });
  const lg = median(logTimes);

  // the default bundled model, as `predict` runs it
  const model = await loadModel(resolveModel(DEFAULT_MODEL));
  const mp = await modelPredictor(model, threads);
  const def = await timeNeural(planes, model.spec, mp, model.card.threshold, model.card.normalization);
  const defForward = await timeForward(mp);
  await mp.dispose();
  const c = model.spec.config;
  const defName = `${c.architecture}, filters ${c.filters}, ndown ${c.ndown}, cell ${c.cellSize}`;

  // the designs: forward time with random weights, multiply-adds, training step
  const paperMacs = macsPerPixel(deepblinkSpec());
  const designRows: string[] = [];
  let paperPredict = NaN;
  for (const [label, cfg] of DESIGNS) {
    const spec = networkSpec(cfg);
    const predictor = await createOnnxPredictor(exportOnnx(spec, randomWeights(spec, 1), {}), { threads });
    const fwd = await timeForward(predictor);
    if (Number.isNaN(paperPredict)) paperPredict = await timeNeural(planes.slice(0, 3), spec, predictor, 0.5);
    await predictor.dispose();
    const lean = cfg.architecture === 'lean';
    const tr = await timeTrainStep(spec, lean ? 8 : 2, 128);
    const perEpoch = (256 / (lean ? 8 : 2)) * tr.step;
    const macs = macsPerPixel(spec);
    designRows.push(
      `| ${label} | ${countParams(spec).toLocaleString('en')} | ${(macs / 1000).toFixed(2)} k | ${(paperMacs / macs).toFixed(0)}× | ${fwd.toFixed(1)} ms | ${lean ? 8 : 2} × 128²: ${tr.step.toFixed(3)} s | ${perEpoch.toFixed(0)} s |`,
    );
  }

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const table = [
    `Machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}. Median of ${REPEATS} images of 512×512 (simulated, SNR 4), image in memory, after one untimed pass over them (JIT warm-up).`,
    '',
    '| predict 512×512 (normalise + forward + decode) | engine | median |',
    '|---|---|---|',
    `| default model \`${DEFAULT_MODEL}\` (${defName}; ${(macsPerPixel(model.spec) / 1000).toFixed(2)} k MAC/px) | onnxruntime-node, ${threads} threads | **${def.toFixed(1)} ms** (forward alone ${defForward.toFixed(1)} ms) |`,
    `| \`--method log\` (radius 2, auto threshold) | JavaScript, 1 thread | **${lg.toFixed(1)} ms** |`,
    `| ratio default model / LoG | | **${(def / lg).toFixed(2)}×** |`,
    `| paper deepBlink network (random weights; ${(paperMacs / 1000).toFixed(1)} k MAC/px) | onnxruntime-node, ${threads} threads | ${paperPredict.toFixed(0)} ms |`,
    '',
    '| design | parameters | multiply-adds per pixel | fewer than paper | forward 512² (onnxruntime) | train step (tfjs wasm, 1 thread) | epoch of 256 crops of 128² |',
    '|---|---|---|---|---|---|---|',
    ...designRows,
  ].join('\n');
  process.stdout.write(table + '\n');

  const doc = writeBenchmarkBlock('speed', 'Speed', 'Command: `npm run bench:speed` (source: `bench/speed.ts`).', table);
  if (doc) process.stdout.write(`(written to ${doc})\n`);
}

await main();
