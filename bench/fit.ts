/**
 * Speed and efficiency of the MLE spot fit (src/measure/fit.ts), printed to stdout.
 *
 *   npx tsx bench/fit.ts
 *
 * Data: simulated isolated spots (σ = 1.5 px, background 10 photons/px, Poisson noise only,
 * minimum distance 10 px), ISBI peak SNR 4 and 7; each fit starts at the true position plus a
 * uniform offset in [−0.5, 0.5) px per axis. Reported per setting: RMSE per axis / mean √CRLB
 * of the simulation (17×17 window, σ known), mean relative photon bias, mean iterations,
 * non-converged count, guard rejections (moved > 1 px, start kept) and the minimum (and
 * median) time per spot over BENCH_REPEATS passes (default 9, after a warm-up pass).
 */
import { fitSpots, type FitOptions } from '../src/measure/fit.js';
import { simulateImage, simToPlane } from '../src/simulate/simulate.js';
import { Rng } from '../src/math/rng.js';
import { fitEfficiency } from '../src/measure/efficiency.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 9);
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

function main(): void {
  const settings: [string, FitOptions][] = [
    ['7×7, σ fitted', {}],
    ['7×7, σ fixed 1.5', { sigma: 1.5 }],
    ['9×9, σ fitted', { halfWidth: 4 }],
    ['11×11, σ fitted', { halfWidth: 5 }],
  ];
  for (const snr of [4, 7]) {
    const sim = simulateImage(
      {
        height: 512,
        width: 512,
        count: 500,
        snr,
        background: 10,
        readNoise: 0,
        gain: 1,
        offset: 0,
        shotNoise: true,
        sigma: [1.5, 1.5],
        minDistance: 10,
        margin: 6,
      },
      900 + snr,
    );
    const plane = simToPlane(sim);
    const rng = new Rng(12345);
    const starts = sim.spots.map((s) => ({ y: s.y + rng.uniformRange(-0.5, 0.5), x: s.x + rng.uniformRange(-0.5, 0.5) }));
    for (const [name, opts] of settings) {
      const res = fitSpots(plane, starts, opts); // warm-up + accuracy
      const times: number[] = [];
      for (let k = 0; k < REPEATS; k++) {
        const t0 = process.hrtime.bigint();
        fitSpots(plane, starts, opts);
        times.push(Number(process.hrtime.bigint() - t0) / 1e3 / starts.length);
      }
      const e = fitEfficiency(sim.spots, res);
      const n = res.length;
      const iters = res.reduce((a, f) => a + f.iterations, 0);
      const bad = res.filter((f) => f.status === 'not-converged').length;
      const moved = res.filter((f) => f.status === 'moved').length;
      console.log(
        `SNR ${snr}  ${name.padEnd(17)} n=${n}  RMSE/√CRLB y ${e.effY.toFixed(3)} x ${e.effX.toFixed(3)}  ` +
          `photons bias ${(100 * e.bias).toFixed(2)} % (median ${(100 * e.medianBias).toFixed(2)} %)  ` +
          `iterations ${(iters / n).toFixed(1)}  not converged ${bad}  moved>1px ${moved}  ` +
          `${Math.min(...times).toFixed(1)} µs/spot (min; median ${median(times).toFixed(1)})`,
      );
    }
  }
}

main();
