/**
 * `npm run bench:log` — accuracy and speed of the LoG detector (`predict --method log`,
 * automatic threshold, radius 2 px) on simulated 512×512 images at ISBI SNR 2, 4 and 7.
 * Data: deepblink simulate, σ uniform in [1, 2] px, 10 spots per 100×100 px, uniform
 * placement, background 10 photons/px, Poisson noise only; seeds 9000+ (never used in training).
 * Metric: deepBlink F1-integral (0–3 px, 50 cutoffs) per image, mean ± std; F1 @3px; RMSE of
 * pairs matched at 3 px. Time: median wall time of detection (filter + maxima + sub-pixel +
 * auto threshold) per image, one thread, image already in memory.
 */
import os from 'node:os';
import { simulateImage, simToPlane } from '../src/simulate/simulate.js';
import { detectLoGWithThreshold } from '../src/detect/log.js';
import { meanStd, scoreImage } from '../src/evaluate/evaluate.js';

const N_IMAGES = Number(process.env.BENCH_IMAGES ?? 10);
const SIZE = 512;

function fmt(v: number[]): string {
  const [m, sd] = meanStd(v);
  return `${m.toFixed(3)} ± ${sd.toFixed(3)}`;
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

const rows: string[] = [];
const allTimes: number[] = [];
for (const snr of [2, 4, 7]) {
  const f1i: number[] = [];
  const f1: number[] = [];
  const rmse: number[] = [];
  const times: number[] = [];
  let spots = 0;
  for (let k = 0; k < N_IMAGES; k++) {
    const sim = simulateImage(
      { height: SIZE, width: SIZE, snr, sigma: [1, 2], density: 10, background: 10, readNoise: 0, offset: 0, gain: 1 },
      9000 + 100 * snr + k,
    );
    const plane = simToPlane(sim);
    const truth = sim.spots.map((s) => [s.y, s.x] as [number, number]);
    detectLoGWithThreshold(plane, { radius: 2, threshold: 'auto' }); // warm-up (JIT)
    const t0 = process.hrtime.bigint();
    const { spots: detections } = detectLoGWithThreshold(plane, { radius: 2, threshold: 'auto' });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const s = scoreImage(
      String(k),
      detections.map((d) => [d.y, d.x]),
      truth,
    );
    f1i.push(s.f1Integral);
    f1.push(s.f1At3);
    rmse.push(s.rmse);
    spots += truth.length;
  }
  allTimes.push(...times);
  rows.push(`| ${snr} | ${N_IMAGES} | ${spots} | ${fmt(f1i)} | ${fmt(f1)} | ${fmt(rmse)} | ${median(times).toFixed(1)} |`);
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
process.stdout.write(
  [
    `LoG detector (radius 2 px, automatic threshold) on simulated ${SIZE}×${SIZE} images — ${cpu}, ${os.cpus().length} cores, Node ${process.version}`,
    '',
    '| SNR | images | spots | F1-integral (mean ± std) | F1 @3px | RMSE @3px [px] | ms / image (median) |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `median over all images: ${median(allTimes).toFixed(1)} ms per ${SIZE}×${SIZE} image`,
  ].join('\n') + '\n',
);
