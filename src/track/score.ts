/**
 * Tracking accuracy as scored in the ISBI 2012 Particle Tracking Challenge (Chenouard et al.,
 * "Objective comparison of particle tracking methods", Nat. Methods 11, 2014): ground-truth and
 * estimated tracks are paired one-to-one by an optimal assignment that minimises the summed
 * gated distance between paired tracks, then α, β and the Jaccard indices of tracks and of
 * detections are read off the pairing.
 */
import { LinearSumAssignmentSolver } from '../evaluate/assignment.js';
import type { TrackPoint } from './track.js';

/** Options of {@link scoreTracks}. */
export interface TrackScoreOptions {
  /**
   * The gate ε (px): a distance between two points of the same frame counts as min(d, ε), a point
   * without a partner in that frame as ε, and two points match (a recovered detection) when
   * d < ε. Default 5 (the challenge's value).
   */
  gate?: number;
}

/** One pair of a ground-truth track and an estimated track (see {@link TrackScores.pairs}). */
export interface TrackPair {
  /** Index into the ground-truth tracks. */
  truth: number;
  /** Index into the estimated tracks. */
  estimate: number;
  /** The gated distance d(θ, θ') of the two tracks, px. */
  distance: number;
}

/** Result of {@link scoreTracks}. */
export interface TrackScores {
  /** The gate ε used, px. */
  gate: number;
  /**
   * α = 1 − d(X, Y) / d(X, ∅) ∈ [0, 1]: how well the ground truth X is covered by the paired
   * estimated tracks Y, spurious estimated tracks not counted. 1 = every true point recovered
   * exactly. NaN without ground-truth points.
   */
  alpha: number;
  /**
   * β = (d(X, ∅) − d(X, Y)) / (d(X, ∅) + d(Ȳ, ∅)) ∈ [0, α]: α with the points of the unpaired
   * (spurious) estimated tracks Ȳ as a penalty. NaN when there are no points at all.
   */
  beta: number;
  /** Jaccard index of tracks: paired / (paired + missed ground-truth tracks + spurious estimated tracks). NaN when both sets are empty. */
  jaccardTracks: number;
  /**
   * Jaccard index of detections: TP / (TP + FN + FP), TP = points of paired tracks in the same
   * frame closer than ε, FN = ground-truth points − TP, FP = estimated points − TP. NaN without points.
   */
  jaccardDetections: number;
  /** Root-mean-square distance of the TP point pairs, px (NaN without any). */
  rmse: number;
  /** d(X, Y): the summed distance of the optimal pairing (a ground-truth track paired with nothing counts ε per point). */
  distance: number;
  /** d(X, ∅) = ε × ground-truth points. */
  truthDistance: number;
  /** d(Ȳ, ∅) = ε × points of the unpaired estimated tracks. */
  spuriousDistance: number;
  /** The pairs, ground-truth index ascending (a ground-truth track paired with nothing is left out). */
  pairs: TrackPair[];
  /** Ground-truth tracks paired with nothing. */
  missedTracks: number;
  /** Estimated tracks paired with nothing. */
  spuriousTracks: number;
  /** Recovered detections (TP above). */
  matchedPoints: number;
  /** Ground-truth points. */
  truthPoints: number;
  /** Estimated points. */
  estimatePoints: number;
}

interface Sorted {
  t: Int32Array;
  y: Float64Array;
  x: Float64Array;
}

function sortTrack(track: readonly TrackPoint[], what: string): Sorted {
  const order = track.map((_, i) => i).sort((a, b) => track[a].t - track[b].t);
  const t = new Int32Array(track.length);
  const y = new Float64Array(track.length);
  const x = new Float64Array(track.length);
  order.forEach((i, k) => {
    const p = track[i];
    if (!Number.isInteger(p.t)) throw new RangeError(`${what}: frame index t must be an integer, got ${p.t}`);
    if (!Number.isFinite(p.y) || !Number.isFinite(p.x)) throw new RangeError(`${what}: positions must be finite`);
    if (k > 0 && t[k - 1] === p.t) throw new RangeError(`${what}: two points in frame ${p.t} (a track has at most one point per frame)`);
    t[k] = p.t;
    y[k] = p.y;
    x[k] = p.x;
  });
  return { t, y, x };
}

/** Frames two sorted tracks share, and the gated distance sum and matches over them. */
function compare(a: Sorted, b: Sorted, gate: number): { common: number; gated: number; matched: number; sq: number } {
  let i = 0;
  let j = 0;
  let common = 0;
  let gated = 0;
  let matched = 0;
  let sq = 0;
  while (i < a.t.length && j < b.t.length) {
    if (a.t[i] < b.t[j]) i++;
    else if (a.t[i] > b.t[j]) j++;
    else {
      const d = Math.hypot(a.y[i] - b.y[j], a.x[i] - b.x[j]);
      common++;
      if (d < gate) {
        gated += d;
        matched++;
        sq += d * d;
      } else gated += gate;
      i++;
      j++;
    }
  }
  return { common, gated, matched, sq };
}

/**
 * The gated distance of two tracks (ISBI 2012): Σ over the frames where either has a point of
 * min(‖θ(t) − θ'(t)‖, ε), a frame where only one of them has a point counting ε.
 */
export function trackDistance(a: readonly TrackPoint[], b: readonly TrackPoint[], gate = 5): number {
  checkGate(gate);
  const sa = sortTrack(a, 'track a');
  const sb = sortTrack(b, 'track b');
  const c = compare(sa, sb, gate);
  return c.gated + gate * (sa.t.length + sb.t.length - 2 * c.common);
}

function checkGate(gate: number): void {
  if (!(gate > 0) || !Number.isFinite(gate)) throw new RangeError(`gate must be a positive number, got ${gate}`);
}

/**
 * Groups points into tracks by id (e.g. {@link linkTracks}' output, or the particle index of
 * simulated truth): track k holds the points with the k-th smallest id, in input order. Points
 * with a negative id are left out.
 */
export function groupTracks<P extends TrackPoint>(points: readonly P[], ids: readonly number[]): P[][] {
  if (ids.length !== points.length) throw new RangeError(`${points.length} points but ${ids.length} track ids`);
  const groups = new Map<number, P[]>();
  points.forEach((p, i) => {
    if (ids[i] < 0) return;
    const g = groups.get(ids[i]);
    if (g) g.push(p);
    else groups.set(ids[i], [p]);
  });
  return [...groups.keys()].sort((a, b) => a - b).map((id) => groups.get(id)!);
}

/**
 * Scores estimated tracks against ground-truth tracks with the measures of the ISBI 2012
 * Particle Tracking Challenge (Chenouard et al., Nat. Methods 11, 2014).
 *
 * The distance of two tracks is Σ over the frames where either has a point of min(d, ε), a
 * point without a partner in its frame counting ε ({@link trackDistance}); a ground-truth track
 * paired with nothing costs ε per point. The pairing (each ground-truth track with at most one
 * estimated track and vice versa) minimises the total distance d(X, Y) by an optimal
 * assignment; a pair that is no cheaper than leaving the ground-truth track unpaired is not
 * made. Then α = 1 − d(X, Y)/d(X, ∅) and β = (d(X, ∅) − d(X, Y)) / (d(X, ∅) + d(Ȳ, ∅)), where
 * d(·, ∅) = ε × points and Ȳ are the unpaired estimated tracks.
 *
 * Differences from the challenge's Java tool: a frame inside a track where its particle was
 * not observed (a gap) is no point of the track (the tool fills gaps with virtual points), and a
 * ground-truth track is paired only when that lowers the distance (the tool may pair two tracks
 * at the same distance as no pairing). Tracks are arrays of points, at most one per frame
 * (a RangeError otherwise), positions in px.
 */
export function scoreTracks(
  truth: readonly (readonly TrackPoint[])[],
  estimate: readonly (readonly TrackPoint[])[],
  opts: TrackScoreOptions = {},
): TrackScores {
  const gate = opts.gate ?? 5;
  checkGate(gate);
  const X = truth.map((tr, k) => sortTrack(tr, `ground-truth track ${k}`));
  const Y = estimate.map((tr, l) => sortTrack(tr, `estimated track ${l}`));
  const truthPoints = X.reduce((a, s) => a + s.t.length, 0);
  const estimatePoints = Y.reduce((a, s) => a + s.t.length, 0);

  // candidate pairs: tracks with at least one pair of points in one frame closer than ε (any
  // other pair is never cheaper than leaving the ground-truth track unpaired)
  const byFrame = new Map<number, { l: number; y: number; x: number }[]>();
  Y.forEach((s, l) => {
    for (let k = 0; k < s.t.length; k++) {
      const list = byFrame.get(s.t[k]);
      const e = { l, y: s.y[k], x: s.x[k] };
      if (list) list.push(e);
      else byFrame.set(s.t[k], [e]);
    }
  });
  // a grid of ε cells per frame keeps the search local in dense frames
  const cell = (v: number) => Math.floor(v / gate);
  const grids = new Map<number, Map<string, number[]>>();
  for (const [t, list] of byFrame) {
    const g = new Map<string, number[]>();
    list.forEach((e, i) => {
      const key = `${cell(e.y)},${cell(e.x)}`;
      const c = g.get(key);
      if (c) c.push(i);
      else g.set(key, [i]);
    });
    grids.set(t, g);
  }
  const edges: { k: number; l: number; saving: number; d: number }[] = [];
  X.forEach((s, k) => {
    const seen = new Set<number>();
    for (let q = 0; q < s.t.length; q++) {
      const list = byFrame.get(s.t[q]);
      if (!list) continue;
      const g = grids.get(s.t[q])!;
      const cy = cell(s.y[q]);
      const cx = cell(s.x[q]);
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          for (const i of g.get(`${cy + dy},${cx + dx}`) ?? []) {
            const e = list[i];
            if (seen.has(e.l) || Math.hypot(e.y - s.y[q], e.x - s.x[q]) >= gate) continue;
            seen.add(e.l);
          }
        }
      }
    }
    for (const l of seen) {
      const c = compare(s, Y[l], gate);
      const d = c.gated + gate * (s.t.length + Y[l].t.length - 2 * c.common);
      const saving = gate * s.t.length - d;
      if (saving > 0) edges.push({ k, l, saving, d });
    }
  });

  // optimal pairing: maximise the total saving over one-to-one pairs, component by component
  const n = X.length;
  const parent = Int32Array.from({ length: n + Y.length }, (_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  for (const e of edges) {
    const a = root(e.k);
    const b = root(n + e.l);
    if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
  }
  const comps = new Map<number, typeof edges>();
  for (const e of edges) {
    const r = root(e.k);
    const c = comps.get(r);
    if (c) c.push(e);
    else comps.set(r, [e]);
  }
  const solver = new LinearSumAssignmentSolver();
  const pairs: TrackPair[] = [];
  for (const list of comps.values()) {
    const rows = [...new Set(list.map((e) => e.k))];
    const cols = [...new Set(list.map((e) => e.l))];
    const ri = new Map(rows.map((k, i) => [k, i]));
    const ci = new Map(cols.map((l, j) => [l, j]));
    // cost = −saving for a candidate pair, 0 (= no pair) elsewhere; min(rows, cols) pairs are
    // assigned and those at cost 0 dropped, which leaves the best partial matching
    const cost = new Float64Array(rows.length * cols.length);
    const dist = new Float64Array(rows.length * cols.length);
    for (const e of list) {
      const at = ri.get(e.k)! * cols.length + ci.get(e.l)!;
      cost[at] = -e.saving;
      dist[at] = e.d;
    }
    const res = solver.solve(cost, rows.length, cols.length);
    for (let q = 0; q < res.rows.length; q++) {
      const at = res.rows[q] * cols.length + res.cols[q];
      if (cost[at] < 0) pairs.push({ truth: rows[res.rows[q]], estimate: cols[res.cols[q]], distance: dist[at] });
    }
  }
  pairs.sort((a, b) => a.truth - b.truth);

  const pairedTruth = new Set(pairs.map((p) => p.truth));
  const pairedEstimate = new Set(pairs.map((p) => p.estimate));
  let distance = 0;
  let matchedPoints = 0;
  let sq = 0;
  for (const p of pairs) {
    distance += p.distance;
    const c = compare(X[p.truth], Y[p.estimate], gate);
    matchedPoints += c.matched;
    sq += c.sq;
  }
  X.forEach((s, k) => {
    if (!pairedTruth.has(k)) distance += gate * s.t.length;
  });
  let spuriousPoints = 0;
  Y.forEach((s, l) => {
    if (!pairedEstimate.has(l)) spuriousPoints += s.t.length;
  });
  const truthDistance = gate * truthPoints;
  const spuriousDistance = gate * spuriousPoints;
  const ratio = (a: number, b: number) => (b > 0 ? a / b : NaN);
  const missedTracks = n - pairs.length;
  const spuriousTracks = Y.length - pairs.length;
  return {
    gate,
    alpha: truthPoints > 0 ? 1 - distance / truthDistance : NaN,
    beta: ratio(truthDistance - distance, truthDistance + spuriousDistance),
    jaccardTracks: ratio(pairs.length, pairs.length + missedTracks + spuriousTracks),
    jaccardDetections: ratio(matchedPoints, truthPoints + estimatePoints - matchedPoints),
    rmse: matchedPoints > 0 ? Math.sqrt(sq / matchedPoints) : NaN,
    distance,
    truthDistance,
    spuriousDistance,
    pairs,
    missedTracks,
    spuriousTracks,
    matchedPoints,
    truthPoints,
    estimatePoints,
  };
}
