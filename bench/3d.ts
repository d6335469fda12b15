/**
 * `npm run bench:3d` — 3-D detection on simulated z-stacks, written to docs/benchmarks.md
 * (between the "3d" markers) and printed.
 *
 * Data: `simulateStack` stacks of 24×256×256 voxels, voxel 0.3 µm (z) × 0.1 µm (y, x), PSF
 * σ_xy = 1.3 px, σ_z = 1.5 slices, `density` 40 (≈ 260 spots per stack, smFISH-like), at peak
 * SNR 2, 4 and 7; per SNR row 3 test stacks and 1 tuning stack (other seeds).
 *
 * Methods:
 * - deepblink 3-D: `predictImage(raw, detector, { threeD: true })` with the default bundled
 *   model (per-plane network → link3d → 3-D MLE fit);
 * - per plane then merge: the same network per plane (`threeD: false`), then detections of
 *   neighbouring planes within 2 px merged greedily (each detection joins the nearest chain whose
 *   last member lies in the previous plane within 2 px, else starts one) into one spot at the
 *   chain's mean position (z = mean of its planes), no fit;
 * - 3-D LoG, tuned: `detectLoG3D`, radius = σ·√2 in px and in slices, threshold chosen per SNR row
 *   as the one maximising the F1-integral on the tuning stack (candidates: the quality of the
 *   N-th strongest maximum, N = 0.25…4 × the tuning stack's true count, 41 steps), then applied to
 *   the test stacks;
 * - 3-D LoG 'auto' (the 3-D LoG-FDR threshold).
 *
 * Metrics, pooled over the 3 test stacks: F1-integral over 0…0.3 µm of 3-D distance in µm
 * (`computeMetrics3d`, voxel size [0.3, 0.1, 0.1]; 0.3 µm = 3 px laterally, 1 slice axially),
 * precision and recall at 0.3 µm, F1 at 3 voxels of isotropic voxel-unit distance (voxel size
 * [1, 1, 1]), RMSE per axis (voxels) of the pairs matched at 0.3 µm, mean √CRLB_z of the matched
 * truth and z RMSE / √CRLB_z, "counted twice" = true spots with ≥ 2 predictions within 0.3 µm
 * (counted before the one-to-one matching), and detection time per megavoxel (median of the
 * test stacks, the stack in memory; deepblink on onnxruntime with all cores, LoG one thread).
 */
import os from 'node:os';
import { simulateStack, type Sim3dResult } from '../src/simulate/simulate3d.js';
import { detectLoG3D } from '../src/detect/log3d.js';
import { computeMetrics3d, type VoxelSize } from '../src/evaluate/metrics.js';
import { createDetector, predictImage, type PlaneDetector } from '../src/pipeline/predict.js';
import type { RawImage } from '../src/io/image/read.js';
import { DEFAULT_MODEL } from '../src/model/bundled.js';
import type { Point3 } from '../src/core/types.js';
import { writeBenchmarkBlock } from './doc.js';

const DEPTH = Number(process.env.BENCH_3D_DEPTH ?? 24);
const SIDE = Number(process.env.BENCH_3D_SIDE ?? 256);
const STACKS = Number(process.env.BENCH_3D_STACKS ?? 3);
const DENSITY = 40;
const SNRS = (process.env.BENCH_3D_SNR ?? '2,4,7').split(',').map(Number);
const VOXEL: VoxelSize = [0.3, 0.1, 0.1];
const MDIST_UM = 0.3;
const SIGMA = 1.3;
const SIGMA_Z = 1.5;
const MERGE_RADIUS = 2;

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const medianOf = (v: number[]) => (v.length ? median(v) : NaN);

function simulate(snr: number, seed: number): Sim3dResult {
  return simulateStack({ depth: DEPTH, height: SIDE, width: SIDE, density: DENSITY, snr, sigma: [SIGMA, SIGMA], sigmaZ: [SIGMA_Z, SIGMA_Z] }, seed);
}

function rawOf(sim: Sim3dResult): RawImage {
  return { path: `sim-${sim.seed}`, data: Uint16Array.from(sim.image), shape: [sim.depth, sim.height, sim.width], dtype: 'uint16', axes: 'zyx', warnings: [] };
}

const stackOf = (sim: Sim3dResult) => ({ data: sim.image, depth: sim.depth, height: sim.height, width: sim.width });
const truthOf = (sim: Sim3dResult): Point3[] => sim.spots.map((s) => [s.z, s.y, s.x]);

/** Per-plane detections merged across neighbouring planes (greedy nearest chain, mean position). */
export function mergePlanes(perPlane: { z: number; spots: { y: number; x: number }[] }[], radius = MERGE_RADIUS): Point3[] {
  interface Chain {
    zs: number[];
    ys: number[];
    xs: number[];
    lastZ: number;
  }
  const chains: Chain[] = [];
  let open: Chain[] = [];
  for (const { z, spots } of [...perPlane].sort((a, b) => a.z - b.z)) {
    const prev = open.filter((c) => c.lastZ === z - 1);
    const taken = new Set<Chain>();
    const next: Chain[] = [];
    for (const s of spots) {
      let best: Chain | undefined;
      let bd = radius * radius;
      for (const c of prev) {
        if (taken.has(c)) continue;
        const dy = c.ys[c.ys.length - 1] - s.y;
        const dx = c.xs[c.xs.length - 1] - s.x;
        const d = dy * dy + dx * dx;
        if (d <= bd) {
          bd = d;
          best = c;
        }
      }
      if (best) {
        taken.add(best);
        best.zs.push(z);
        best.ys.push(s.y);
        best.xs.push(s.x);
        best.lastZ = z;
        next.push(best);
      } else {
        const c = { zs: [z], ys: [s.y], xs: [s.x], lastZ: z };
        chains.push(c);
        next.push(c);
      }
    }
    open = next;
  }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  return chains.map((c) => [mean(c.zs), mean(c.ys), mean(c.xs)]);
}

/**
 * True spots with ≥ 2 predictions within `cutoff` (physical units of `voxel`), same plane id; and
 * of those, the ones where one of these predictions is left unmatched by the one-to-one matching
 * (an extra detection of the spot, not a neighbouring spot's own).
 */
function countedTwice(
  pred: Point3[],
  truth: Point3[],
  planes: { pred: number[]; truth: number[] },
  matchedPred: Set<number>,
  cutoff: number,
  voxel: VoxelSize,
): { twice: number; extra: number } {
  let twice = 0;
  let extra = 0;
  const c2 = cutoff * cutoff;
  truth.forEach((t, ti) => {
    const near: number[] = [];
    pred.forEach((p, pi) => {
      if (planes.pred[pi] !== planes.truth[ti]) return;
      const dz = (p[0] - t[0]) * voxel[0];
      const dy = (p[1] - t[1]) * voxel[1];
      const dx = (p[2] - t[2]) * voxel[2];
      if (dz * dz + dy * dy + dx * dx <= c2) near.push(pi);
    });
    if (near.length >= 2) {
      twice++;
      if (near.some((pi) => !matchedPred.has(pi))) extra++;
    }
  });
  return { twice, extra };
}

interface Scores {
  f1i: number;
  precision: number;
  recall: number;
  f1Vox: number;
  rmse: [number, number, number];
  crlbZ: number;
  /** Median over the matched pairs of |Δz| / √CRLB_z (0.674 for errors at the bound, Gaussian). */
  zMed: number;
  /** z RMSE / mean √CRLB_z over the matched true spots whose nearest true neighbour is > ISOLATED voxels away (the CRLB is a one-spot bound). */
  zIsolated: number;
  isolatedPairs: number;
  twice: number;
  extra: number;
  found: number;
  truth: number;
}

/** Nearest-neighbour distance (voxels, isotropic) above which a true spot counts as isolated. */
const ISOLATED = 6;

/** z RMSE ÷ mean √CRLB_z over matched true spots with no other true spot within ISOLATED voxels (same stack). */
function isolatedZ(
  pred: Point3[],
  truth: Point3[],
  planes: number[],
  ti: number[],
  pi: number[],
  crlb: number[],
): { zIsolated: number; isolatedPairs: number } {
  let se = 0;
  let cr = 0;
  let n = 0;
  ti.forEach((i, k) => {
    for (let j = 0; j < truth.length; j++) {
      if (j !== i && planes[j] === planes[i] && Math.hypot(truth[j][0] - truth[i][0], truth[j][1] - truth[i][1], truth[j][2] - truth[i][2]) <= ISOLATED) return;
    }
    se += (pred[pi[k]][0] - truth[i][0]) ** 2;
    cr += crlb[i];
    n++;
  });
  return { zIsolated: n ? Math.sqrt(se / n) / (cr / n) : NaN, isolatedPairs: n };
}

/** Metrics pooled over the test stacks (each stack its own plane id). */
function score(preds: Point3[][], sims: Sim3dResult[]): Scores {
  const pred = preds.flat();
  const truth = sims.flatMap(truthOf);
  const crlb = sims.flatMap((s) => s.spots.map((q) => q.crlbZ));
  const predPlanes = preds.flatMap((p, k) => p.map(() => k));
  const truePlanes = sims.flatMap((s, k) => s.spots.map(() => k));
  const planes = { pred: predPlanes, truth: truePlanes };
  const um = computeMetrics3d(pred, truth, { voxelSize: VOXEL, mdist: MDIST_UM, planes });
  const vox = computeMetrics3d(pred, truth, { voxelSize: [1, 1, 1], mdist: 3, planes });
  const ti = um.pairsAtMdist.trueIdx;
  const e = um.axisErrors;
  return {
    f1i: um.f1Integral,
    precision: um.precisionAtMdist,
    recall: um.recallAtMdist,
    f1Vox: vox.f1AtMdist,
    rmse: [e.z.rmseVoxels, e.y.rmseVoxels, e.x.rmseVoxels],
    crlbZ: ti.length ? ti.reduce((a, i) => a + crlb[i], 0) / ti.length : NaN,
    zMed: medianOf(ti.map((i, k) => Math.abs(pred[um.pairsAtMdist.predIdx[k]][0] - truth[i][0]) / crlb[i])),
    ...isolatedZ(pred, truth, truePlanes, ti, um.pairsAtMdist.predIdx, crlb),
    ...countedTwice(pred, truth, planes, new Set(um.pairsAtMdist.predIdx), MDIST_UM, VOXEL),
    found: pred.length,
    truth: truth.length,
  };
}

async function deepblink3d(det: PlaneDetector, sim: Sim3dResult): Promise<{ pts: Point3[]; ms: number }> {
  const raw = rawOf(sim);
  const t0 = process.hrtime.bigint();
  const res = await predictImage(raw, det, { threeD: true });
  const t = ms(t0);
  return { pts: res.volumes!.flatMap((v) => v.spots.map((s) => [s.z!, s.y, s.x] as Point3)), ms: t };
}

async function perPlane(det: PlaneDetector, sim: Sim3dResult): Promise<{ pts: Point3[]; ms: number; planeMs: number }> {
  const raw = rawOf(sim);
  const t0 = process.hrtime.bigint();
  const res = await predictImage(raw, det, { threeD: false });
  const planeMs = ms(t0);
  const pts = mergePlanes(res.planes.map((p) => ({ z: p.z, spots: p.spots })));
  return { pts, ms: ms(t0), planeMs };
}

const LOG_RADIUS = SIGMA * Math.SQRT2;
const LOG_RADIUS_Z = SIGMA_Z * Math.SQRT2;

/** The LoG threshold maximising the F1-integral on `sim` (candidates: the N-th strongest maximum's quality). */
function tuneLoG(sim: Sim3dResult): { threshold: number; f1i: number; edge: boolean } {
  const all = detectLoG3D(stackOf(sim), { radius: LOG_RADIUS, radiusZ: LOG_RADIUS_Z, threshold: -Infinity }).spots; // sorted by quality
  const truth = truthOf(sim);
  const n0 = truth.length;
  let best = { threshold: NaN, f1i: -1, edge: false };
  const steps = 41;
  for (let i = 0; i < steps; i++) {
    const n = Math.min(all.length, Math.max(1, Math.round(n0 * 0.25 * 16 ** (i / (steps - 1)))));
    const pred = all.slice(0, n).map((s) => [s.z, s.y, s.x] as Point3);
    const f1i = computeMetrics3d(pred, truth, { voxelSize: VOXEL, mdist: MDIST_UM }).f1Integral;
    // threshold halfway between the n-th and (n+1)-th quality (maxima must be strictly above it)
    const threshold = n < all.length ? (all[n - 1].score + all[n].score) / 2 : all[n - 1].score - 1e-9;
    if (f1i > best.f1i) best = { threshold, f1i, edge: i === 0 || i === steps - 1 };
  }
  return best;
}

function log3d(sim: Sim3dResult, threshold: number | 'auto'): { pts: Point3[]; ms: number } {
  const t0 = process.hrtime.bigint();
  const { spots } = detectLoG3D(stackOf(sim), { radius: LOG_RADIUS, radiusZ: LOG_RADIUS_Z, threshold });
  const t = ms(t0);
  return { pts: spots.map((s) => [s.z, s.y, s.x]), ms: t };
}

const f = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '–');

async function main(): Promise<void> {
  const threads = os.availableParallelism();
  const det = await createDetector({ threads });
  const mvox = (DEPTH * SIDE * SIDE) / 1e6;
  // warm-up (JIT, onnxruntime session), not timed
  {
    const w = simulate(4, 999);
    await deepblink3d(det, w);
    log3d(w, 'auto');
  }
  const rows: string[] = [];
  const checks: { snr: number; f1Ok: boolean; zOk: boolean; zIsoOk: boolean; twiceOk: boolean; twice: number }[] = [];
  const tuned: string[] = [];
  const planeTimes: number[] = [];
  const started = Date.now();
  for (const snr of SNRS) {
    const sims = Array.from({ length: STACKS }, (_, k) => simulate(snr, 1000 * snr + k + 1));
    const tuneSim = simulate(snr, 1000 * snr + 500);
    const tune = tuneLoG(tuneSim);
    tuned.push(
      `SNR ${snr}: threshold ${tune.threshold.toPrecision(4)} (tuning F1-integral ${tune.f1i.toFixed(3)}${tune.edge ? ', AT THE EDGE of the candidate range' : ''})`,
    );

    const db = [];
    const pp = [];
    const lt = [];
    const la = [];
    for (const s of sims) {
      db.push(await deepblink3d(det, s));
      const p = await perPlane(det, s);
      pp.push(p);
      planeTimes.push(p.planeMs);
      lt.push(log3d(s, tune.threshold));
      la.push(log3d(s, 'auto'));
    }
    const methods: [string, { pts: Point3[]; ms: number }[]][] = [
      ['deepblink 3-D', db],
      ['per plane then merge', pp],
      ['3-D LoG, tuned threshold', lt],
      ["3-D LoG 'auto'", la],
    ];
    const results = methods.map(([name, runs]) => ({
      name,
      s: score(
        runs.map((r) => r.pts),
        sims,
      ),
      t: median(runs.map((r) => r.ms)) / mvox,
    }));
    for (const { name, s, t } of results) {
      const line = `| ${snr} | ${name} | ${s.truth} / ${s.found} | **${f(s.f1i)}** | ${f(s.precision)} | ${f(s.recall)} | ${f(s.f1Vox)} | ${f(s.rmse[0])} / ${f(s.rmse[1])} / ${f(s.rmse[2])} | ${f(s.crlbZ)} | ${f(s.rmse[0] / s.crlbZ, 2)} | ${f(s.zIsolated, 2)} (${s.isolatedPairs}) | ${f(s.zMed, 2)} | ${s.twice} (${s.extra}) | ${t.toFixed(0)} ms |`;
      rows.push(line);
      process.stdout.write(line + '\n');
    }
    const d = results[0].s;
    checks.push({
      snr,
      f1Ok: d.f1i >= results[2].s.f1i,
      zOk: snr < 4 || d.rmse[0] <= 1.5 * d.crlbZ,
      zIsoOk: snr < 4 || d.zIsolated <= 1.5,
      twiceOk: d.extra === 0,
      twice: d.twice,
    });
  }
  const planeMs = median(planeTimes) / mvox;
  const yes = (b: boolean) => (b ? 'holds' : '**NOT met**');
  const f1All = checks.every((c) => c.f1Ok);
  const zAll = checks.every((c) => c.zOk);
  const twAll = checks.every((c) => c.twiceOk);
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const table = [
    `Machine: ${cpu}, ${os.cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; whole run ${((Date.now() - started) / 60000).toFixed(1)} min.`,
    `Data: per SNR row ${STACKS} test stacks of ${DEPTH}×${SIDE}×${SIDE} voxels (\`simulateStack\`, density ${DENSITY}: about ${Math.round((DENSITY * SIDE * SIDE) / 1e4)} spots per stack), voxel 0.3 µm (z) × 0.1 µm (y, x), σ_xy = ${SIGMA} px, σ_z = ${SIGMA_Z} slices, background 10 photons, read noise 1, peak SNR as in the row; 1 more stack per row (another seed) tunes the LoG threshold.`,
    `Model: default \`${DEFAULT_MODEL}\` (onnxruntime, ${threads} threads). LoG: radius ${LOG_RADIUS.toFixed(2)} px, radiusZ ${LOG_RADIUS_Z.toFixed(2)} slices (σ·√2), one thread. Tuned LoG thresholds: ${tuned.join('; ')}.`,
    '',
    `F1-int: F1-integral over 0…0.3 µm of 3-D distance in µm; P, R: precision and recall at 0.3 µm (= 3 px laterally, 1 slice axially); F1@3 vox: F1 at 3 voxels of distance in voxel units (isotropic, z slices counted like pixels); RMSE of the pairs matched at 0.3 µm, in voxels (slices / px / px); √CRLB_z: mean over the matched true spots, slices; isolated: the same ratio over matched true spots with no other true spot within ${ISOLATED} voxels (n pairs); median |Δz| / √CRLB_z: per pair, its own bound (0.67 if the z errors were Gaussian at the bound; robust to the few far pairs that dominate the RMSE); twice: true spots with ≥ 2 predictions within 0.3 µm (counted before the one-to-one matching), in brackets those where one of these predictions is left unmatched (an extra detection of the spot; the others are two close true spots each found once); time: detection per megavoxel (median stack; deepblink includes linking and the 3-D fit).`,
    '',
    '| SNR | method | true / found | F1-int | P | R | F1@3 vox | RMSE z / y / x (vox) | √CRLB_z | z RMSE / √CRLB_z | same, isolated spots (n) | median \\|Δz\\| / √CRLB_z | twice | time / Mvox |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `2-D path for comparison (the network per plane, no linking, no fit): **${planeMs.toFixed(0)} ms per megavoxel**.`,
    '',
    'Targets for deepblink 3-D:',
    `- F1-integral ≥ the tuned 3-D LoG on every row: ${yes(f1All)} (${checks.map((c) => `SNR ${c.snr} ${c.f1Ok ? 'yes' : 'no'}`).join(', ')}).`,
    `- z RMSE ≤ 1.5 × √CRLB_z at SNR ≥ 4: ${yes(zAll)} (${checks
      .filter((c) => c.snr >= 4)
      .map((c) => `SNR ${c.snr} ${c.zOk ? 'yes' : 'no'}`)
      .join(', ')}) over all matched spots; over isolated spots (no other spot within ${ISOLATED} voxels, where the one-spot bound applies): ${checks
      .filter((c) => c.snr >= 4)
      .map((c) => `SNR ${c.snr} ${c.zIsoOk ? 'yes' : 'no'}`)
      .join(
        ', ',
      )}. Crowded spots (a neighbour within ${ISOLATED} voxels) are fitted by a one-spot model and are pulled by their neighbour: they make the RMSE's tail.`,
    `- no spot counted twice (no true spot with an extra, unmatched prediction within 0.3 µm): ${yes(twAll)} (${checks.map((c) => `SNR ${c.snr} ${c.twiceOk ? 'yes' : 'no'}`).join(', ')}); by the plain count (true spots with ≥ 2 predictions within 0.3 µm) ${checks.map((c) => `SNR ${c.snr}: ${c.twice}`).join(', ')}; apart from the ones counted above, each of these predictions is matched to a true spot of its own (close pairs of true spots).`,
  ].join('\n');
  await det.close();
  process.stdout.write('\n' + table + '\n');
  const doc = writeBenchmarkBlock('3d', '3-D detection (simulated z-stacks)', 'Command: `npm run bench:3d` (source: `bench/3d.ts`).', table);
  if (doc) process.stdout.write(`(written to ${doc})\n`);
}

await main();
