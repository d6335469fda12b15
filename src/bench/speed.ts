/**
 * `npm run bench:speed` — speed of prediction and training on this machine, written to
 * docs/benchmarks.md (between the "speed" markers) and printed.
 *
 * Predict: median wall time per 512×512 image, image in memory, for
 *   - the deepblink network (paper architecture, filters 5 / ndown 2 / cell 4), onnxruntime-node
 *     with 2 threads: normalisation + forward + decode;
 *   - `--method log` (LoG, radius 2, automatic threshold), one thread.
 * Train: tfjs (wasm backend) time per step (batch 2 × 256²) and per epoch of 100 crops of 256²
 * (50 steps, extrapolated from the measured steps).
 * Weights are random (speed does not depend on them); data are simulated (SNR 4).
 */
import os from 'node:os';
import { simulateImage, simToPlane } from '../simulate/simulate.js';
import { detectLoGWithThreshold } from '../detect/log.js';
import { deepblinkSpec, countParams, macsPerPixel, paramList } from '../network/spec.js';
import { createTfjsEngine } from '../engine/tfjs.js';
import { exportOnnx, createOnnxPredictor } from '../engine/onnx.js';
import { detectNeural } from '../predict/neural.js';
import { makeBatch } from '../train/train.js';
import { zscore } from '../normalize/normalize.js';
import { writeBenchmarkBlock } from './doc.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 7);
const TRAIN_STEPS = Number(process.env.BENCH_TRAIN_STEPS ?? 3);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

async function main(): Promise<void> {
  const spec = deepblinkSpec();
  const planes = Array.from({ length: REPEATS }, (_, k) => simToPlane(simulateImage({ height: 512, width: 512, snr: 4, readNoise: 0, offset: 0 }, 7700 + k)));

  // LoG
  detectLoGWithThreshold(planes[0], { radius: 2, threshold: 'auto' });
  const logTimes = planes.map((p) => {
    const t0 = process.hrtime.bigint();
    detectLoGWithThreshold(p, { radius: 2, threshold: 'auto' });
    return ms(t0);
  });

  // network: random weights from a fresh engine, exported to ONNX
  const engine = await createTfjsEngine(spec, { optimizer: { name: 'amsgrad', learningRate: 1e-4 }, seed: 1 });
  const onnx = exportOnnx(spec, engine.getWeights(), {});
  const predictor = await createOnnxPredictor(onnx, { threads: 2 });
  const nopts = { threshold: 0.5, normalization: { method: 'zscore' as const }, tileSize: 512, overlap: 32 };
  await detectNeural(planes[0], spec, predictor, nopts);
  const netTimes: number[] = [];
  for (const p of planes) {
    const t0 = process.hrtime.bigint();
    await detectNeural(p, spec, predictor, nopts);
    netTimes.push(ms(t0));
  }
  await predictor.dispose();

  // training steps, batch 2 × 256²
  const crops = Array.from({ length: 2 }, (_, k) => {
    const s = simulateImage({ height: 256, width: 256, snr: 4, readNoise: 0, offset: 0 }, 8800 + k);
    return { x: zscore(simToPlane(s)).data, points: s.spots.map((q) => [q.y, q.x] as [number, number]) };
  });
  const batch = makeBatch(crops, 256, 4, 1);
  await engine.trainStep(batch);
  const stepTimes: number[] = [];
  for (let i = 0; i < TRAIN_STEPS; i++) {
    const t0 = process.hrtime.bigint();
    await engine.trainStep(batch);
    stepTimes.push(ms(t0));
  }
  engine.dispose();

  const net = median(netTimes);
  const lg = median(logTimes);
  const step = median(stepTimes);
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const table = [
    `Machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    `Network: deepblink paper architecture (filters 5, ndown 2, cell 4): ${countParams(spec).toLocaleString('en')} parameters, ` +
      `${(macsPerPixel(spec) / 1000).toFixed(1)} k multiply-adds per pixel (${((macsPerPixel(spec) * 512 * 512) / 1e9).toFixed(1)} G per 512² image), ${paramList(spec).length} tensors.`,
    '',
    '| task | engine | median | repeats |',
    '|---|---|---|---|',
    `| predict 512×512, deepblink network (normalise + forward + decode) | onnxruntime-node, 2 threads | **${net.toFixed(0)} ms** | ${REPEATS} |`,
    `| predict 512×512, \`--method log\` (radius 2, auto threshold) | JavaScript, 1 thread | **${lg.toFixed(1)} ms** | ${REPEATS} |`,
    `| ratio network / LoG | | ${(net / lg).toFixed(1)}× | |`,
    `| train step, batch 2 × 256² | tfjs ${engine.backend}, 1 thread | **${(step / 1000).toFixed(2)} s** | ${TRAIN_STEPS} |`,
    `| train epoch of 100 crops of 256² (50 steps, extrapolated) | tfjs ${engine.backend} | **${((50 * step) / 60000).toFixed(1)} min** | |`,
    '',
    `Targets: the paper measured 502 ms per 512² for deepBlink on a 4-core laptop; our first goal is the network at ≤ 2× the LoG path, ` +
      `and a 200-image model trained in under an hour on 2 cores (${((200 / 2) * step / 60000).toFixed(1)} min per epoch of 200 crops of 256² here).`,
  ].join('\n');
  process.stdout.write(table + '\n');

  const doc = writeBenchmarkBlock('speed', 'Speed', 'Command: `npm run bench:speed` (source: `src/bench/speed.ts`).', table);
  if (doc) process.stdout.write(`(written to ${doc})\n`);
}

await main();
