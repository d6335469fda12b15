/**
 * `npm run bench:track` — linking accuracy on simulated tracks (src/track/simulate.ts, positions
 * only: no images, no detection), at two densities: Brownian particles (D = 1 px²/frame, i.e.
 * 2 px rms displacement per frame) in a 256 × 256 px field for 30 frames, each spot missing
 * from a frame with probability 0.05, positions with Gaussian localisation noise (σ = 0.1 px).
 * Link recall = true links recovered / true links (a true link joins two consecutive
 * observations of one particle, across blinks too); link precision = predicted links that
 * are true / predicted links (consecutive spots of a predicted track); ISBI 2012 α and β
 * (src/track/score.ts, gate 5 px) score whole tracks. The LAP of
 * `linkTracks` against nearest-neighbour greedy linking (closest pair first, same distance and
 * gap rules), both with maxDistance 5 px, maxGap 2. Writes docs/benchmarks.md ("track" block).
 */
import { Rng } from '../src/math/rng.js';
import { linkTracks, type TrackPoint } from '../src/track/track.js';
import { simulateTracks } from '../src/track/simulate.js';
import { groupTracks, scoreTracks } from '../src/track/score.js';
import { writeBenchmarkBlock } from './doc.js';
import { greedyTrackIds, linksOf } from './linking.js';

const SIZE = 256;
const FRAMES = 30;
const D = 1;
const BLINK = 0.05;
const NOISE = 0.1;
const MAX_DISTANCE = 5;
const MAX_GAP = 2;
const SEEDS = [1, 2, 3];
const DENSITIES = [100, 400]; // particles in the field
const GATE = 5; // ISBI gate ε, px

interface Score {
  recall: number;
  precision: number;
  alpha: number;
  beta: number;
  ms: number;
}

function score(spots: TrackPoint[], truthIds: number[], ids: number[], ms: number): Score {
  const truth = linksOf(spots, truthIds);
  const pred = linksOf(spots, ids);
  let tp = 0;
  for (const l of pred) if (truth.has(l)) tp++;
  const isbi = scoreTracks(groupTracks(spots, truthIds), groupTracks(spots, ids), { gate: GATE });
  return { recall: tp / truth.size, precision: tp / pred.size, alpha: isbi.alpha, beta: isbi.beta, ms };
}

const rows: string[] = [];
for (const particles of DENSITIES) {
  const acc = { lap: [] as Score[], greedy: [] as Score[] };
  let spotsPerFrame = 0;
  for (const seed of SEEDS) {
    const sim = simulateTracks({ height: SIZE, width: SIZE, frames: FRAMES, particles, D, blinkProbability: BLINK, images: false }, seed);
    const noise = new Rng(seed, 99);
    const spots: TrackPoint[] = sim.truth.map((s) => ({ t: s.t, y: s.y + NOISE * noise.normal(), x: s.x + NOISE * noise.normal() }));
    spotsPerFrame += spots.length / FRAMES / SEEDS.length;
    const truthIds = sim.truth.map((s) => s.particle);
    let t0 = performance.now();
    const ids = linkTracks(spots, { maxDistance: MAX_DISTANCE, maxGap: MAX_GAP });
    const lapMs = performance.now() - t0;
    acc.lap.push(score(spots, truthIds, ids, lapMs));
    t0 = performance.now();
    const greedy = greedyTrackIds(spots, MAX_DISTANCE, MAX_GAP);
    const greedyMs = performance.now() - t0;
    acc.greedy.push(score(spots, truthIds, greedy, greedyMs));
  }
  const density = (particles / (SIZE * SIZE)) * 1e4;
  for (const [name, s] of [
    ['LAP (linkTracks)', acc.lap],
    ['greedy nearest neighbour', acc.greedy],
  ] as const) {
    const mean = (f: (x: Score) => number) => s.reduce((a, x) => a + f(x), 0) / s.length;
    rows.push(
      `| ${density.toFixed(1)} (${particles}, ${spotsPerFrame.toFixed(0)} spots/frame) | ${name} | ${mean((x) => x.recall).toFixed(4)} | ${mean((x) => x.precision).toFixed(4)} | ${mean((x) => x.alpha).toFixed(4)} | ${mean((x) => x.beta).toFixed(4)} | ${mean((x) => x.ms).toFixed(0)} |`,
    );
  }
}

const table = [
  `Simulated tracks: ${SIZE}×${SIZE} px, ${FRAMES} frames, D = ${D} px²/frame, blink probability ${BLINK}, localisation noise σ = ${NOISE} px; ` +
    `maxDistance ${MAX_DISTANCE} px, maxGap ${MAX_GAP}; ISBI 2012 α, β (scoreTracks, gate ε = ${GATE} px); mean over seeds ${SEEDS.join(', ')}.`,
  '',
  '| particles per 100×100 px | linking | link recall | link precision | ISBI α | ISBI β | ms (all frames) |',
  '|---|---|---|---|---|---|---|',
  ...rows,
].join('\n');
process.stdout.write(table + '\n');
const doc = writeBenchmarkBlock(
  'track',
  'Tracking: link recall and precision (simulated tracks)',
  'Command: `npm run bench:track` (source: `bench/track.ts`). Positions only (no detection): the linking step alone.',
  table,
);
if (doc) process.stdout.write(`written: ${doc}\n`);
