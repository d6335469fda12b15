/**
 * Speed and efficiency of the MLE spot fit (src/measure/fit.ts), printed to stdout.
 *
 *   node --import tsx src/bench/fit.ts        (or `node dist/bench/fit.js` after a build)
 *
 * Data: simulated isolated spots (σ = 1.5 px, background 10 photons/px, Poisson noise only,
 * minimum distance 10 px), ISBI peak SNR 4 and 7; each fit starts at the true position plus a
 * uniform offset in [−0.5, 0.5) px per axis. Reported per setting: RMSE per axis / mean √CRLB
 * of the simulation (17×17 window, σ known), mean relative photon bias, mean iterations,
 * non-converged count, guard rejections (moved > 1 px, start kept) and the minimum (and
 * median) time per spot over BENCH_REPEATS passes (default 9, after a warm-up pass).
 */
import { fitSpots, type FitOptions } from '../measure/fit.js';
import { simulateImage, simToPlane } from '../simulate/simulate.js';

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
    let seed = 12345;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const starts = sim.spots.map((s) => ({ r: s.y + rnd() - 0.5, c: s.x + rnd() - 0.5 }));
    for (const [name, opts] of settings) {
      const res = fitSpots(plane, starts, opts); // warm-up + accuracy
      const times: number[] = [];
      for (let k = 0; k < REPEATS; k++) {
        const t0 = process.hrtime.bigint();
        fitSpots(plane, starts, opts);
        times.push(Number(process.hrtime.bigint() - t0) / 1e3 / starts.length);
      }
      let sy = 0;
      let sx = 0;
      let cy = 0;
      let cx = 0;
      let bias = 0;
      let iters = 0;
      let bad = 0;
      let moved = 0;
      res.forEach((f, i) => {
        const s = sim.spots[i];
        sy += (f.y - s.y) ** 2;
        sx += (f.x - s.x) ** 2;
        cy += s.crlbY;
        cx += s.crlbX;
        bias += f.photons / s.photons - 1;
        iters += f.iterations;
        if (f.status === 'not-converged') bad++;
        if (f.status === 'moved') moved++;
      });
      const n = res.length;
      console.log(
        `SNR ${snr}  ${name.padEnd(17)} n=${n}  RMSE/√CRLB y ${(Math.sqrt(sy / n) / (cy / n)).toFixed(3)} ` +
          `x ${(Math.sqrt(sx / n) / (cx / n)).toFixed(3)}  photons bias ${((100 * bias) / n).toFixed(2)} %  ` +
          `iterations ${(iters / n).toFixed(1)}  not converged ${bad}  moved>1px ${moved}  ` +
          `${Math.min(...times).toFixed(1)} µs/spot (min; median ${median(times).toFixed(1)})`,
      );
    }
  }
}

main();
