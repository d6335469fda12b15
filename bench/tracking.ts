/**
 * `npm run bench:tracking` — tracking from images: simulated movies of moving particles
 * (src/track/simulate.ts: Brownian motion, D = 1 px²/frame, blinking 5 %; every frame rendered
 * by the image simulator at an ISBI peak SNR of 2, 4 or 7 — background 10 photons/px, Poisson
 * noise only, PSF σ uniform in [1, 2] px), at two densities. Each frame is detected with the
 * default bundled model and with the LoG (radius 2, automatic threshold), the detections linked
 * with the LAP (`linkTracks`) and with greedy nearest neighbour (bench/linking.ts), both with
 * maxDistance 5 px and maxGap 2.
 *
 * Scores: detection recall/precision (optimal matching within 3 px per frame); link recall =
 * predicted links joining two detections of the same particle / true links (consecutive visible
 * observations of a particle), link precision = the same / predicted links (a detection is a
 * particle's when matched to it within 3 px; a gap-closing link over a missed detection of the
 * particle counts as correct); ISBI 2012 α and β (src/track/score.ts, gate ε = 5 px) of the
 * tracks against the true tracks. Writes docs/benchmarks.md ("tracking" block).
 */
import { createDetector, predictPlane, type PlaneDetector } from '../src/pipeline/predict.js';
import { pointsMatching } from '../src/evaluate/metrics.js';
import { snrPresets, simToPlane } from '../src/simulate/simulate.js';
import { simulateTracks } from '../src/track/simulate.js';
import { linkTracks, type TrackPoint } from '../src/track/track.js';
import { groupTracks, scoreTracks } from '../src/track/score.js';
import { DEFAULT_MODEL } from '../src/model/bundled.js';
import { writeBenchmarkBlock } from './doc.js';
import { greedyTrackIds, linksOf } from './linking.js';

const SIZE = 256;
const FRAMES = 30;
const D = 1;
const BLINK = 0.05;
const SNRS = [2, 4, 7] as const;
const DENSITIES = [10, 30]; // particles per 100×100 px
const SEEDS = [1, 2, 3, 4];
const MAX_DISTANCE = 5;
const MAX_GAP = 2;
const MATCH = 3; // px: a detection is a particle's within this distance
const GATE = 5; // ISBI ε, px

interface Row {
  detRecall: number;
  detPrecision: number;
  linkRecall: number;
  linkPrecision: number;
  alpha: number;
  beta: number;
}

const started = performance.now();
const detectors: [string, PlaneDetector][] = [
  [`model \`${DEFAULT_MODEL}\``, await createDetector({ threads: 2 })],
  ['LoG (auto threshold)', await createDetector({ method: 'log' })],
];
const linkers: [string, (spots: TrackPoint[]) => number[]][] = [
  ['LAP', (spots) => linkTracks(spots, { maxDistance: MAX_DISTANCE, maxGap: MAX_GAP })],
  ['greedy', (spots) => greedyTrackIds(spots, MAX_DISTANCE, MAX_GAP)],
];

const lines: string[] = [];
for (const snr of SNRS) {
  for (const density of DENSITIES) {
    const particles = Math.round((density * SIZE * SIZE) / 1e4);
    const acc = new Map<string, Row[]>();
    for (const seed of SEEDS) {
      const sim = simulateTracks(
        { height: SIZE, width: SIZE, frames: FRAMES, particles, D, blinkProbability: BLINK, margin: 4, image: { ...snrPresets[snr] } },
        1000 * snr + 100 * density + seed,
      );
      const truthTracks = groupTracks(
        sim.truth,
        sim.truth.map((s) => s.particle),
      );
      const trueLinks = truthTracks.reduce((a, tr) => a + tr.length - 1, 0);
      const truthByFrame = Array.from({ length: FRAMES }, (_, t) => sim.truth.filter((s) => s.t === t));
      for (const [dname, detector] of detectors) {
        // detect every frame; each detection gets the particle it matches (or −1)
        const spots: TrackPoint[] = [];
        const particleOf: number[] = [];
        let tp = 0;
        for (let t = 0; t < FRAMES; t++) {
          const found = (await predictPlane(simToPlane(sim.frames[t]), detector, {})).spots;
          const m = pointsMatching(
            found.map((s) => [s.y, s.x]),
            truthByFrame[t].map((s) => [s.y, s.x]),
            { cutoff: MATCH },
          );
          const match = new Int32Array(found.length).fill(-1);
          m.predIdx.forEach((p, k) => (match[p] = truthByFrame[t][m.trueIdx[k]].particle));
          tp += m.predIdx.length;
          found.forEach((s, k) => {
            spots.push({ t, y: s.y, x: s.x });
            particleOf.push(match[k]);
          });
        }
        for (const [lname, link] of linkers) {
          const ids = link(spots);
          const links = linksOf(spots, ids);
          let correct = 0;
          for (const l of links) {
            const [a, b] = l.split('>').map(Number);
            if (particleOf[a] >= 0 && particleOf[a] === particleOf[b]) correct++;
          }
          const isbi = scoreTracks(truthTracks, groupTracks(spots, ids), { gate: GATE });
          const key = `${dname}|${lname}`;
          if (!acc.has(key)) acc.set(key, []);
          acc.get(key)!.push({
            detRecall: tp / sim.truth.length,
            detPrecision: tp / spots.length,
            linkRecall: correct / trueLinks,
            linkPrecision: correct / links.size,
            alpha: isbi.alpha,
            beta: isbi.beta,
          });
        }
      }
    }
    for (const [key, rows] of acc) {
      const [dname, lname] = key.split('|');
      const mean = (f: (r: Row) => number) => (rows.reduce((a, r) => a + f(r), 0) / rows.length).toFixed(3);
      lines.push(
        `| ${snr} | ${density} (${particles}) | ${dname} | ${mean((r) => r.detRecall)} / ${mean((r) => r.detPrecision)} | ${lname} | ` +
          `${mean((r) => r.linkRecall)} | ${mean((r) => r.linkPrecision)} | ${mean((r) => r.alpha)} | ${mean((r) => r.beta)} |`,
      );
    }
    process.stderr.write(`SNR ${snr}, ${density} per 100² px done (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
  }
}
for (const [, d] of detectors) await d.close();
const seconds = (performance.now() - started) / 1000;

const table = [
  `Simulated movies: ${SIZE}×${SIZE} px, ${FRAMES} frames, Brownian particles (D = ${D} px²/frame), blink probability ${BLINK}; ` +
    `frames rendered at ISBI peak SNR 2, 4, 7 (background 10 photons/px, Poisson noise, PSF σ ∈ [1, 2] px); seeds ${SEEDS.length} per row. ` +
    `Linking: maxDistance ${MAX_DISTANCE} px, maxGap ${MAX_GAP}. Detection recall / precision at ${MATCH} px; ` +
    `link recall / precision against the true links; ISBI α, β with gate ε = ${GATE} px. Total run time ${seconds.toFixed(0)} s (2 cores).`,
  '',
  '| SNR | particles per 100×100 px (in field) | detector | detection recall / precision | linking | link recall | link precision | ISBI α | ISBI β |',
  '|---|---|---|---|---|---|---|---|---|',
  ...lines,
].join('\n');
process.stdout.write(table + '\n');
const doc = writeBenchmarkBlock(
  'tracking',
  'Tracking from images: detection + linking (simulated movies)',
  'Command: `npm run bench:tracking` (source: `bench/tracking.ts`). Every frame detected (default model or LoG), then linked ' +
    '(LAP or greedy nearest neighbour), scored against the true tracks; the positions-only table above isolates the linking step.',
  table,
);
if (doc) process.stdout.write(`written: ${doc}\n`);
