/**
 * Particle tracking: TrackMate-style linear assignment (LAP, Jaqaman et al., Nat. Methods 5,
 * 2008) without splitting or merging. Spots of consecutive frames are linked by an optimal
 * assignment (cost = squared distance, no link beyond `maxDistance`), then the ends of the
 * resulting segments are joined to later segment starts across at most `maxGap` missing frames
 * (gap closing, an optimal assignment too).
 */
import { LinearSumAssignmentSolver } from '../evaluate/assignment.js';

/** One spot to track: frame index `t` (integer), row `y` and column `x` (px). */
export interface TrackPoint {
  t: number;
  y: number;
  x: number;
}

/** Spots of one frame, as [row, col] pairs (px). */
export interface TrackFrame {
  t: number;
  points: readonly (readonly [number, number])[];
}

/** Options of {@link linkTracks}. */
export interface TrackLinkOptions {
  /** Largest distance (px) of a frame-to-frame link. Default 5. */
  maxDistance?: number;
  /**
   * Most consecutive frames a particle may be missing and still be one track (gap closing
   * joins a segment ending at t to one starting at t + 2 … t + 1 + maxGap); 0 turns gap
   * closing off. Default 2.
   */
  maxGap?: number;
  /** Largest distance (px) bridged by gap closing. Default `maxDistance`. */
  gapDistance?: number;
}

/** The cost of leaving a spot unlinked, relative to the largest allowed link cost (TrackMate's 1.05). */
const ALTERNATIVE_COST_FACTOR = 1.05;

function resolve(opts: TrackLinkOptions): Required<TrackLinkOptions> {
  const maxDistance = opts.maxDistance ?? 5;
  const maxGap = opts.maxGap ?? 2;
  const gapDistance = opts.gapDistance ?? maxDistance;
  if (!(maxDistance > 0) || !Number.isFinite(maxDistance)) throw new RangeError(`maxDistance must be a positive number, got ${maxDistance}`);
  if (!Number.isInteger(maxGap) || maxGap < 0) throw new RangeError(`maxGap must be a non-negative integer, got ${maxGap}`);
  if (!(gapDistance > 0) || !Number.isFinite(gapDistance)) throw new RangeError(`gapDistance must be a positive number, got ${gapDistance}`);
  return { maxDistance, maxGap, gapDistance };
}

/**
 * Optimal links from `n` rows to `m` columns, as pairs [row, col]: the augmented LAP of
 * Jaqaman et al. ((n+m)² matrix: link block with `cost`, or blocked (+∞) above `maxCost`;
 * "no link" diagonals at 1.05·maxCost; the lower-right block the transposed link block at 0),
 * so that a spot stays unlinked when that is cheaper overall. The problem splits exactly into
 * the connected components of the allowed links (a blocked pair costs +∞ and each spot's
 * "no link" is its own), which are solved one by one: memory and time follow the largest
 * cluster of mutually reachable spots, not the frame.
 */
export function assignLinks(
  n: number,
  m: number,
  cost: (i: number, j: number) => number,
  maxCost: number,
  solver = new LinearSumAssignmentSolver(),
): [number, number][] {
  const edges: LinkEdges = { i: [], j: [], cost: [] };
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const v = cost(i, j);
      if (v <= maxCost) addEdge(edges, i, j, v);
    }
  }
  return assignEdges(n, m, edges, maxCost, solver);
}

/** Allowed links (row i, column j, cost), parallel arrays. */
interface LinkEdges {
  i: number[];
  j: number[];
  cost: number[];
}

const addEdge = (e: LinkEdges, i: number, j: number, c: number) => {
  e.i.push(i);
  e.j.push(j);
  e.cost.push(c);
};

/** assignLinks on the allowed links alone (each with cost ≤ maxCost), e.g. the pairs a spatial grid found. */
function assignEdges(n: number, m: number, edges: LinkEdges, maxCost: number, solver: LinearSumAssignmentSolver): [number, number][] {
  // the components the links connect (union-find over rows 0…n−1, columns n…n+m−1)
  const { i: ei, j: ej, cost: ec } = edges;
  const parent = Int32Array.from({ length: n + m }, (_, k) => k);
  const root = (k: number): number => {
    while (parent[k] !== k) k = parent[k] = parent[parent[k]];
    return k;
  };
  for (let e = 0; e < ei.length; e++) {
    const a = root(ei[e]);
    const b = root(n + ej[e]);
    if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
  }
  if (ei.length === 0) return [];
  // members of each component with links, in index order
  const comp = new Map<number, { rows: number[]; cols: number[]; edges: number[] }>();
  for (let e = 0; e < ei.length; e++) {
    const r = root(ei[e]);
    let c = comp.get(r);
    if (!c) comp.set(r, (c = { rows: [], cols: [], edges: [] }));
    c.edges.push(e);
  }
  for (let i = 0; i < n; i++) comp.get(root(i))?.rows.push(i);
  for (let j = 0; j < m; j++) comp.get(root(n + j))?.cols.push(j);
  const alt = ALTERNATIVE_COST_FACTOR * maxCost;
  const links: [number, number][] = [];
  const rowAt = new Int32Array(n);
  const colAt = new Int32Array(m);
  for (const { rows, cols, edges } of comp.values()) {
    const a = rows.length;
    const b = cols.length;
    const size = a + b;
    rows.forEach((r, k) => (rowAt[r] = k));
    cols.forEach((c, k) => (colAt[c] = k));
    const c = new Float64Array(size * size).fill(Infinity);
    for (const e of edges) {
      const i = rowAt[ei[e]];
      const j = colAt[ej[e]];
      c[i * size + j] = ec[e];
      c[(a + j) * size + b + i] = 0; // lower right: the transposed link block
    }
    for (let i = 0; i < a; i++) c[i * size + b + i] = alt; // upper right: row i not linked
    for (let j = 0; j < b; j++) c[(a + j) * size + j] = alt; // lower left: column j not linked
    const res = solver.solve(c, size, size);
    for (let k = 0; k < res.rows.length; k++) if (res.rows[k] < a && res.cols[k] < b) links.push([rows[res.rows[k]], cols[res.cols[k]]]);
  }
  return links.sort((p, q) => p[0] - q[0]);
}

/**
 * The candidate links from spots `rows` to spots `cols` (indices into `spots`): every pair within
 * `radius` (squared distance ≤ radius², the cost) that `accept`s, found through a grid of
 * radius-sized cells instead of all pairs; by row, then column (as the dense scan lists them).
 */
function pairsWithin(
  spots: readonly TrackPoint[],
  rows: readonly number[],
  cols: readonly number[],
  radius: number,
  accept: (row: number, col: number) => boolean,
): LinkEdges {
  const cell = (v: number) => Math.floor(v / radius);
  const key = (cy: number, cx: number) => cy * 4194304 + cx; // unique while a cell index stays below 2^21 (radius × 2 million px)
  const grid = new Map<number, number[]>();
  cols.forEach((s, j) => {
    const k = key(cell(spots[s].y), cell(spots[s].x));
    const list = grid.get(k);
    if (list) list.push(j);
    else grid.set(k, [j]);
  });
  const r2 = radius * radius;
  const edges: LinkEdges = { i: [], j: [], cost: [] };
  const near: number[] = [];
  rows.forEach((a, i) => {
    const cy = cell(spots[a].y);
    const cx = cell(spots[a].x);
    near.length = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) for (const j of grid.get(key(cy + dy, cx + dx)) ?? []) near.push(j);
    near.sort((p, q) => p - q);
    for (const j of near) {
      const b = cols[j];
      const d = (spots[a].y - spots[b].y) ** 2 + (spots[a].x - spots[b].x) ** 2;
      if (d <= r2 && accept(a, b)) addEdge(edges, i, j, d);
    }
  });
  return edges;
}

function isFrames(input: readonly TrackPoint[] | readonly TrackFrame[]): input is readonly TrackFrame[] {
  return input.length > 0 && 'points' in input[0];
}

/**
 * Links spots into tracks. Returns a track id per spot (0, 1, …, numbered in order of the
 * tracks' first frame, then of their first spot's position in the input): for an array of
 * {@link TrackPoint}, one id per point; for an array of {@link TrackFrame}, one array per frame.
 *
 * Frame-to-frame links join frames t and t + 1 only; a particle missing from up to `maxGap`
 * frames is bridged by gap closing. Every track has at most one spot per frame (no splitting
 * or merging). Frame indices must be integers.
 */
export function linkTracks(spots: readonly TrackPoint[], opts?: TrackLinkOptions): number[];
export function linkTracks(frames: readonly TrackFrame[], opts?: TrackLinkOptions): number[][];
export function linkTracks(input: readonly TrackPoint[] | readonly TrackFrame[], opts: TrackLinkOptions = {}): number[] | number[][] {
  if (isFrames(input)) {
    const flat: TrackPoint[] = input.flatMap((f) => f.points.map(([y, x]) => ({ t: f.t, y, x })));
    const ids = linkPoints(flat, opts);
    let k = 0;
    return input.map((f) => f.points.map(() => ids[k++]));
  }
  return linkPoints(input as readonly TrackPoint[], opts);
}

function linkPoints(spots: readonly TrackPoint[], opts: TrackLinkOptions): number[] {
  const { maxDistance, maxGap, gapDistance } = resolve(opts);
  const n = spots.length;
  for (let i = 0; i < n; i++) {
    const s = spots[i];
    if (!Number.isInteger(s.t)) throw new RangeError(`spot ${i}: frame index t must be an integer, got ${s.t}`);
    if (!Number.isFinite(s.y) || !Number.isFinite(s.x)) throw new RangeError(`spot ${i}: position must be finite`);
  }
  // spots by frame, frames ascending, spots in input order
  const byFrame = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const list = byFrame.get(spots[i].t);
    if (list) list.push(i);
    else byFrame.set(spots[i].t, [i]);
  }
  const times = [...byFrame.keys()].sort((a, b) => a - b);
  const next = new Int32Array(n).fill(-1);
  const prev = new Int32Array(n).fill(-1);
  const solver = new LinearSumAssignmentSolver();

  // 1. frame to frame
  for (const t of times) {
    const a = byFrame.get(t)!;
    const b = byFrame.get(t + 1);
    if (!b) continue;
    const edges = pairsWithin(spots, a, b, maxDistance, () => true);
    for (const [i, j] of assignEdges(a.length, b.length, edges, maxDistance * maxDistance, solver)) {
      next[a[i]] = b[j];
      prev[b[j]] = a[i];
    }
  }

  // 2. gap closing: segment ends → later segment starts
  if (maxGap > 0) {
    const ends: number[] = [];
    const starts: number[] = [];
    for (let i = 0; i < n; i++) {
      if (next[i] < 0) ends.push(i);
      if (prev[i] < 0) starts.push(i);
    }
    const edges = pairsWithin(spots, ends, starts, gapDistance, (e, st) => {
      const dt = spots[st].t - spots[e].t;
      return dt >= 2 && dt <= maxGap + 1;
    });
    for (const [i, j] of assignEdges(ends.length, starts.length, edges, gapDistance * gapDistance, solver)) {
      next[ends[i]] = starts[j];
      prev[starts[j]] = ends[i];
    }
  }

  // 3. number the tracks by (first frame, first spot's input index)
  const heads: number[] = [];
  for (let i = 0; i < n; i++) if (prev[i] < 0) heads.push(i);
  heads.sort((a, b) => spots[a].t - spots[b].t || a - b);
  const ids = new Array<number>(n).fill(-1);
  heads.forEach((h, id) => {
    for (let k = h; k >= 0; k = next[k]) ids[k] = id;
  });
  return ids;
}

/** Summary of one track (see {@link trackStats}). */
export interface TrackStats {
  /** The track id. */
  trackId: number;
  /** Frames spanned, end − start + 1 (gaps included). */
  length: number;
  /** First frame. */
  start: number;
  /** Last frame. */
  end: number;
  /** Path length over frames spanned, px/frame (NaN for a one-spot track). */
  meanSpeed: number;
  /**
   * Diffusion coefficient, px²/frame, from MSD(τ) = 4Dτ fitted by least squares through the
   * origin over lags τ = 1 … {@link MSD_LAGS} (pairs of the track's spots exactly τ frames apart;
   * lags without such pairs are left out): D = Σ τ·MSD(τ) / (4 Σ τ²). NaN without any pair.
   * Localisation error σ per axis adds σ²/3 to D (MSD offset 4σ²), a drift of v px/frame adds 5v²/6 (MSD + v²τ²).
   */
  D: number;
  /** Number of spots. */
  n: number;
}

/** Lags (frames) of the MSD fit in {@link trackStats}. */
export const MSD_LAGS = 4;

/**
 * Per-track statistics of spots and their track ids (e.g. from {@link linkTracks}), sorted by
 * track id. Spots with a negative id are left out.
 */
export function trackStats(spots: readonly TrackPoint[], trackIds: readonly number[]): TrackStats[] {
  if (trackIds.length !== spots.length) throw new RangeError(`${spots.length} spots but ${trackIds.length} track ids`);
  const groups = new Map<number, TrackPoint[]>();
  for (let i = 0; i < spots.length; i++) {
    const id = trackIds[i];
    if (id < 0) continue;
    const g = groups.get(id);
    if (g) g.push(spots[i]);
    else groups.set(id, [spots[i]]);
  }
  return [...groups.keys()]
    .sort((a, b) => a - b)
    .map((id) => {
      const p = groups
        .get(id)!
        .slice()
        .sort((a, b) => a.t - b.t);
      const start = p[0].t;
      const end = p[p.length - 1].t;
      let path = 0;
      for (let k = 1; k < p.length; k++) path += Math.hypot(p[k].y - p[k - 1].y, p[k].x - p[k - 1].x);
      const sum = new Float64Array(MSD_LAGS + 1);
      const count = new Float64Array(MSD_LAGS + 1);
      for (let a = 0; a < p.length; a++) {
        for (let b = a + 1; b < p.length; b++) {
          const tau = p[b].t - p[a].t;
          if (tau > MSD_LAGS) break;
          sum[tau] += (p[b].y - p[a].y) ** 2 + (p[b].x - p[a].x) ** 2;
          count[tau]++;
        }
      }
      let num = 0;
      let den = 0;
      for (let tau = 1; tau <= MSD_LAGS; tau++) {
        if (count[tau] === 0) continue;
        num += tau * (sum[tau] / count[tau]);
        den += tau * tau;
      }
      return {
        trackId: id,
        length: end - start + 1,
        start,
        end,
        meanSpeed: end > start ? path / (end - start) : NaN,
        D: den > 0 ? num / (4 * den) : NaN,
        n: p.length,
      };
    });
}
