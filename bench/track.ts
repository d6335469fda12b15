/**
 * `npm run bench:track` — linking accuracy on simulated tracks (src/track/simulate.ts, positions
 * only: no images, no detection), at two densities: Brownian particles (D = 1 px²/frame, i.e.
 * 2 px rms displacement per frame) in a 256 × 256 px field for 30 frames, each spot missing
 * from a frame with probability 0.05, positions with Gaussian localisation noise (σ = 0.1 px).
 * Link recall = true links recovered / true links (a true link joins two consecutive
 * observations of one particle, across blinks too); link precision = predicted links that
 * are true / predicted links (consecutive spots of a predicted track). The LAP of
 * `linkTracks` against nearest-neighbour greedy linking (closest pair first, same distance and
 * gap rules), both with maxDistance 5 px, maxGap 2. Writes docs/benchmarks.md ("track" block).
 */
import { Rng } from '../src/math/rng.js';
import { linkTracks, type TrackPoint } from '../src/track/track.js';
import { simulateTracks } from '../src/track/simulate.js';
import { writeBenchmarkBlock } from './doc.js';

const SIZE = 256;
const FRAMES = 30;
const D = 1;
const BLINK = 0.05;
const NOISE = 0.1;
const MAX_DISTANCE = 5;
const MAX_GAP = 2;
const SEEDS = [1, 2, 3];
const DENSITIES = [100, 400]; // particles in the field

/** Greedy nearest-neighbour linking: all allowed pairs by distance, closest first. */
function greedyLinks(n: number, m: number, cost: (i: number, j: number) => number, maxCost: number): [number, number][] {
  const pairs: [number, number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) if (cost(i, j) <= maxCost) pairs.push([cost(i, j), i, j]);
  pairs.sort((a, b) => a[0] - b[0]);
  const usedI = new Set<number>();
  const usedJ = new Set<number>();
  const links: [number, number][] = [];
  for (const [, i, j] of pairs) {
    if (usedI.has(i) || usedJ.has(j)) continue;
    usedI.add(i);
    usedJ.add(j);
    links.push([i, j]);
  }
  return links;
}

/** The same two passes as linkTracks (frame to frame, then gap closing), greedily. Returns next[] per spot. */
function greedyNext(spots: TrackPoint[]): Int32Array {
  const byFrame = new Map<number, number[]>();
  spots.forEach((s, i) => (byFrame.get(s.t) ?? byFrame.set(s.t, []).get(s.t)!).push(i));
  const d2 = (a: number, b: number) => (spots[a].y - spots[b].y) ** 2 + (spots[a].x - spots[b].x) ** 2;
  const next = new Int32Array(spots.length).fill(-1);
  const prev = new Int32Array(spots.length).fill(-1);
  for (const [t, a] of byFrame) {
    const b = byFrame.get(t + 1);
    if (!b) continue;
    for (const [i, j] of greedyLinks(a.length, b.length, (i, j) => d2(a[i], b[j]), MAX_DISTANCE ** 2)) {
      next[a[i]] = b[j];
      prev[b[j]] = a[i];
    }
  }
  const ends = spots.map((_, i) => i).filter((i) => next[i] < 0);
  const starts = spots.map((_, i) => i).filter((i) => prev[i] < 0);
  const cost = (i: number, j: number) => {
    const dt = spots[starts[j]].t - spots[ends[i]].t;
    return dt >= 2 && dt <= MAX_GAP + 1 ? d2(ends[i], starts[j]) : Infinity;
  };
  for (const [i, j] of greedyLinks(ends.length, starts.length, cost, MAX_DISTANCE ** 2)) next[ends[i]] = starts[j];
  return next;
}

/** Links (spot → next spot of its track) from track ids. */
function linksOf(spots: TrackPoint[], ids: number[]): Set<string> {
  const byTrack = new Map<number, number[]>();
  ids.forEach((id, i) => (byTrack.get(id) ?? byTrack.set(id, []).get(id)!).push(i));
  const links = new Set<string>();
  for (const members of byTrack.values()) {
    members.sort((a, b) => spots[a].t - spots[b].t);
    for (let k = 1; k < members.length; k++) links.add(`${members[k - 1]}>${members[k]}`);
  }
  return links;
}

interface Score {
  recall: number;
  precision: number;
  ms: number;
}

function score(truth: Set<string>, pred: Set<string>, ms: number): Score {
  let tp = 0;
  for (const l of pred) if (truth.has(l)) tp++;
  return { recall: tp / truth.size, precision: tp / pred.size, ms };
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
    const truth = linksOf(
      spots,
      sim.truth.map((s) => s.particle),
    );
    let t0 = performance.now();
    const ids = linkTracks(spots, { maxDistance: MAX_DISTANCE, maxGap: MAX_GAP });
    acc.lap.push(score(truth, linksOf(spots, ids), performance.now() - t0));
    t0 = performance.now();
    const next = greedyNext(spots);
    const greedy = new Set<string>();
    next.forEach((j, i) => {
      if (j >= 0) greedy.add(`${i}>${j}`);
    });
    acc.greedy.push(score(truth, greedy, performance.now() - t0));
  }
  const density = (particles / (SIZE * SIZE)) * 1e4;
  for (const [name, s] of [
    ['LAP (linkTracks)', acc.lap],
    ['greedy nearest neighbour', acc.greedy],
  ] as const) {
    const mean = (f: (x: Score) => number) => s.reduce((a, x) => a + f(x), 0) / s.length;
    rows.push(
      `| ${density.toFixed(1)} (${particles}, ${spotsPerFrame.toFixed(0)} spots/frame) | ${name} | ${mean((x) => x.recall).toFixed(4)} | ${mean((x) => x.precision).toFixed(4)} | ${mean((x) => x.ms).toFixed(0)} |`,
    );
  }
}

const table = [
  `Simulated tracks: ${SIZE}×${SIZE} px, ${FRAMES} frames, D = ${D} px²/frame, blink probability ${BLINK}, localisation noise σ = ${NOISE} px; ` +
    `maxDistance ${MAX_DISTANCE} px, maxGap ${MAX_GAP}; mean over seeds ${SEEDS.join(', ')}.`,
  '',
  '| particles per 100×100 px | linking | link recall | link precision | ms (all frames) |',
  '|---|---|---|---|---|',
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
