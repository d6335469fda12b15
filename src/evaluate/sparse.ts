/**
 * Matching many spots without a dense distance matrix.
 *
 * Both matchings of metrics.ts solve one assignment problem per image (per plane) on a cost
 * matrix in which every pair farther apart than the largest cutoff costs the same penalty. Such
 * a pair is never kept, so only pairs within the cutoff ("candidate pairs") matter:
 *
 * 1. Candidate pairs from a uniform grid of cells slightly larger than the cutoff: a spot's
 *    partners lie in its own cell or one of the 8 around it. Both point sets are sorted by
 *    cell number (plane-major, then row, then column); a predicted spot's 3 cell rows are then
 *    runs of the sorted true spots, found by 3 pointers that only move forward. Memory: linear
 *    in the number of spots; no pair list is kept.
 * 2. Connected components of the bipartite graph of candidate pairs (union-find), found while
 *    the pairs are enumerated. Spots of different planes are never paired.
 * 3. The optimal assignment per component (scipy's algorithm, assignment.ts) on the
 *    component's dense matrix: every pair of the component with the original's cost rules, the
 *    penalty being the plane's largest distance (from the convex hulls of both point sets).
 *    deepBlink's 50 cutoffs need one solve per distinct matrix of a component only (a lone
 *    pair: none).
 *
 * Why this is the dense result: the penalty entries make an optimal assignment of the dense
 * matrix a maximum-weight matching of the candidate graph (weight = penalty − cost of each
 * pair) completed with penalty pairs, and a maximum-weight matching is the union of those of
 * the components. So the pairs kept are the same whenever the optimal matching is unique:
 * always, except on exact ties (e.g. two true spots at the same place, one prediction near
 * both). On ties the dense solver's choice depends on rows processed before in other parts of
 * the image (a far spot takes the first of two identical predictions as its penalty column);
 * the counts, hence every F1, precision and recall, are the same, the pairs and the order in
 * which distances are summed can differ. A component taller than wide gets penalty-only
 * columns (as many as the rest of the plane has) before its own, as the dense matrix offers.
 * Spotiflow's penalty 1e10·(1 + max d²) also leaves the dense solver a precision of only
 * ~ulp(penalty) on d² (0.06 px² for a 250 px image): there the number of pairs is exact, which
 * pairs is the component's optimum.
 *
 * So that results are bit for bit the original's, ties included, an image whose planes hold at
 * most {@link DEFAULT_WHOLE_PLANE_PAIRS} predicted × true pairs in all has each plane solved
 * whole, as one component: exactly the dense computation (the largest distance then from all
 * pairs). Larger images, where the dense matrix was the problem, are split (a stack of many
 * planes too: 2000 planes of 500 spots would take minutes whole, seconds split).
 *
 * 3-D (`dims: 3`, points `[z, row, col]` in one physical unit): the same steps with cubic
 * cells (27 around a spot, 9 runs of the sorted true spots), a 3-D Euclidean distance
 * (dr² + dc² + dz², in that order) and the plane's largest distance found exactly by a
 * branch-and-bound over boxes of spots ({@link maxSquaredDistance3}). 2-D points go through
 * the same code with z = 0 (adding 0² changes no squared distance: 2-D results stay bit for bit).
 *
 * Components are capped ({@link DEFAULT_MAX_COMPONENT_PAIRS} matrix entries): a larger cluster
 * of spots all chained within the cutoff (e.g. a million spots on one place) is a UserError
 * rather than hours of work and gigabytes; so is an unbounded number of close-but-not-candidate
 * pairs to examine in the grid.
 */
import { UserError } from '../core/errors.js';
import { LinearSumAssignmentSolver } from './assignment.js';
import { pairwiseSum } from '../math/numpy.js';

/**
 * The plane of every spot (one number per point, e.g. an index of the (c, t, z) plane): spots
 * are matched only with spots of the same plane. Without it every spot is in one plane.
 */
export interface PlaneIds {
  pred: ArrayLike<number>;
  truth: ArrayLike<number>;
}

/** Largest component (predicted × true spots) solved by default: 2^24 entries, 128 MiB of float64. */
export const DEFAULT_MAX_COMPONENT_PAIRS = 2 ** 24;

/**
 * Images of up to 2^20 predicted × true pairs (e.g. 1024 × 1024 spots; summed over the planes)
 * are solved plane by plane whole: the result is then the original's also on exact ties (see
 * the module comment), in well under a second.
 */
export const DEFAULT_WHOLE_PLANE_PAIRS = 2 ** 20;

/** Progress of a long matching: `done` of `total` work units (monotone; the last call has done = total). */
export type MatchProgress = (done: number, total: number) => void;

/**
 * Points given to the matchers: `[row, col]` (2-D) or `[z, row, col]` (3-D, see
 * {@link SparseOptions.dims}), all in one unit (3-D points already scaled to physical units).
 */
export type Coordinates = readonly number[];

/** The two point sets as flat arrays, with dense plane indices. */
interface Layout {
  nP: number;
  nT: number;
  pr: Float64Array;
  pc: Float64Array;
  tr: Float64Array;
  tc: Float64Array;
  /** z of every point; all 0 in 2-D (adding 0² leaves every squared distance bit for bit). */
  pz: Float64Array;
  tz: Float64Array;
  dims: 2 | 3;
  pPlane: Int32Array;
  tPlane: Int32Array;
  nPlanes: number;
  /** Number of predicted / true spots per plane. */
  planePred: Int32Array;
  planeTruth: Int32Array;
}

function layout(pred: readonly Coordinates[], truth: readonly Coordinates[], planes: PlaneIds | undefined, dims: 2 | 3 = 2): Layout {
  const nP = pred.length;
  const nT = truth.length;
  const pr = new Float64Array(nP);
  const pc = new Float64Array(nP);
  const tr = new Float64Array(nT);
  const tc = new Float64Array(nT);
  const pz = new Float64Array(nP);
  const tz = new Float64Array(nT);
  const o = dims - 2;
  for (let i = 0; i < nP; i++) {
    if (o) pz[i] = pred[i][0];
    pr[i] = pred[i][o];
    pc[i] = pred[i][o + 1];
  }
  for (let i = 0; i < nT; i++) {
    if (o) tz[i] = truth[i][0];
    tr[i] = truth[i][o];
    tc[i] = truth[i][o + 1];
  }
  const pPlane = new Int32Array(nP);
  const tPlane = new Int32Array(nT);
  let nPlanes = 1;
  if (planes) {
    if (planes.pred.length !== nP || planes.truth.length !== nT) {
      throw new RangeError(`planes: ${planes.pred.length} and ${planes.truth.length} plane ids for ${nP} predicted and ${nT} true spots`);
    }
    const ids = new Map<number, number>();
    const map = (src: ArrayLike<number>, dst: Int32Array, name: string) => {
      for (let i = 0; i < dst.length; i++) {
        const v = src[i];
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`planes.${name}[${i}] is not a finite number: ${String(v)}`);
        let id = ids.get(v);
        if (id === undefined) ids.set(v, (id = ids.size));
        dst[i] = id;
      }
    };
    map(planes.pred, pPlane, 'pred');
    map(planes.truth, tPlane, 'truth');
    nPlanes = Math.max(1, ids.size);
  }
  const planePred = new Int32Array(nPlanes);
  const planeTruth = new Int32Array(nPlanes);
  for (let i = 0; i < nP; i++) planePred[pPlane[i]]++;
  for (let i = 0; i < nT; i++) planeTruth[tPlane[i]]++;
  return { nP, nT, pr, pc, tr, tc, pz, tz, dims, pPlane, tPlane, nPlanes, planePred, planeTruth };
}

// ---------------------------------------------------------------------------------------------
// Largest distance per plane (the penalty of the original's cost rules)
// ---------------------------------------------------------------------------------------------

/** A double as an exact integer: x * 2^1074. */
function exact(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const e = Number((bits >> 52n) & 0x7ffn);
  const m = bits & 0xfffffffffffffn;
  const v = e === 0 ? m : (m | 0x10000000000000n) << BigInt(e - 1);
  return bits >> 63n ? -v : v;
}

/**
 * Sign of (a1 - a0) × (b1 - b0) (the cross product of two differences of points), exact: the
 * floating-point value when its error bound (Shewchuk's orient2d filter) proves the sign, else
 * computed in integers. Exact signs keep the hulls convex and the walk below correct on nearly
 * collinear points.
 */
function crossSign(a0x: number, a0y: number, a1x: number, a1y: number, b0x: number, b0y: number, b1x: number, b1y: number): number {
  const l = (a1x - a0x) * (b1y - b0y);
  const r = (a1y - a0y) * (b1x - b0x);
  const det = l - r;
  const bound = 3.3306690738754716e-16 * (Math.abs(l) + Math.abs(r));
  if (det > bound) return 1;
  if (det < -bound) return -1;
  const d = (exact(a1x) - exact(a0x)) * (exact(b1y) - exact(b0y)) - (exact(a1y) - exact(a0y)) * (exact(b1x) - exact(b0x));
  return d > 0n ? 1 : d < 0n ? -1 : 0;
}

/** Vertices of the convex hull (counter-clockwise in (x = row, y = col)) of the points `idx`. */
export function convexHull(x: Float64Array, y: Float64Array, idx: Int32Array): Int32Array {
  let cand = idx;
  if (idx.length > 64) cand = aklToussaint(x, y, idx);
  const pts = Array.from(cand).sort((a, b) => x[a] - x[b] || y[a] - y[b]);
  if (pts.length <= 2) return Int32Array.from(pts);
  // orientation of o -> a -> b
  const turn = (o: number, a: number, b: number) => crossSign(x[o], y[o], x[a], y[a], x[o], y[o], x[b], y[b]);
  const hull: number[] = [];
  for (const p of pts) {
    while (hull.length >= 2 && turn(hull[hull.length - 2], hull[hull.length - 1], p) <= 0) hull.pop();
    hull.push(p);
  }
  const lower = hull.length + 1;
  for (let k = pts.length - 2; k >= 0; k--) {
    const p = pts[k];
    while (hull.length >= lower && turn(hull[hull.length - 2], hull[hull.length - 1], p) <= 0) hull.pop();
    hull.push(p);
  }
  hull.pop();
  return Int32Array.from(hull);
}

/** Drops the points strictly inside the polygon of the extreme points in 8 directions. */
function aklToussaint(x: Float64Array, y: Float64Array, idx: Int32Array): Int32Array {
  // extremes in counter-clockwise order of their directions: -y, x-y, x, x+y, y, y-x, -x, -x-y
  const score = [
    (i: number) => -y[i],
    (i: number) => x[i] - y[i],
    (i: number) => x[i],
    (i: number) => x[i] + y[i],
    (i: number) => y[i],
    (i: number) => y[i] - x[i],
    (i: number) => -x[i],
    (i: number) => -x[i] - y[i],
  ];
  const ext = score.map((f) => {
    let best = idx[0];
    let bv = f(best);
    for (let k = 1; k < idx.length; k++) {
      const v = f(idx[k]);
      if (v > bv) {
        bv = v;
        best = idx[k];
      }
    }
    return best;
  });
  const poly: number[] = [];
  for (const e of ext) {
    const last = poly[poly.length - 1];
    if (last === undefined || x[last] !== x[e] || y[last] !== y[e]) poly.push(e);
  }
  while (poly.length > 1 && x[poly[0]] === x[poly[poly.length - 1]] && y[poly[0]] === y[poly[poly.length - 1]]) poly.pop();
  if (poly.length < 3) return idx;
  // a point strictly left of every edge has a positive winding number: inside the hull of the
  // polygon's vertices, so not a hull vertex
  const out: number[] = [];
  for (let k = 0; k < idx.length; k++) {
    const p = idx[k];
    let inside = true;
    for (let e = 0; e < poly.length && inside; e++) {
      const a = poly[e];
      const b = poly[(e + 1) % poly.length];
      if (crossSign(x[a], y[a], x[b], y[b], x[a], y[a], x[p], y[p]) <= 0) inside = false;
    }
    if (!inside) out.push(p);
  }
  return Int32Array.from(out);
}

/** Above this many hull vertex pairs, the farthest pair comes from the Minkowski sum instead. */
const HULL_PAIRS_BRUTE_FORCE = 1 << 22;

/**
 * The largest squared distance `dr*dr + dc*dc` (dr, dc = differences of the coordinates, as
 * the dense matrices compute them) between a point of `a` and one of `b`; -Infinity when
 * either is empty. The farthest pair joins two hull vertices: all hull vertex pairs are tried,
 * or (for huge hulls) the pairs of support points in each direction, from the Minkowski sum
 * of one hull and the other's reflection.
 */
export function maxSquaredDistance(
  ax: Float64Array,
  ay: Float64Array,
  aIdx: Int32Array,
  bx: Float64Array,
  by: Float64Array,
  bIdx: Int32Array,
  bruteForceLimit = HULL_PAIRS_BRUTE_FORCE,
): number {
  if (aIdx.length === 0 || bIdx.length === 0) return -Infinity;
  const ha = convexHull(ax, ay, aIdx);
  const hb = convexHull(bx, by, bIdx);
  const d2 = (i: number, j: number) => {
    const dr = ax[i] - bx[j];
    const dc = ay[i] - by[j];
    return dr * dr + dc * dc;
  };
  let best = -Infinity;
  if (ha.length * hb.length <= bruteForceLimit || ha.length < 3 || hb.length < 3) {
    for (const i of ha) for (const j of hb) best = Math.max(best, d2(i, j));
    return best;
  }
  // Minkowski sum of hull(a) and -hull(b): start both at their lowest (then leftmost) vertex
  // (for -b: the highest of b), merge the edges by angle; each step pairs the support points
  // of one direction.
  const n = ha.length;
  const m = hb.length;
  let i0 = 0;
  for (let k = 1; k < n; k++) if (ay[ha[k]] < ay[ha[i0]] || (ay[ha[k]] === ay[ha[i0]] && ax[ha[k]] < ax[ha[i0]])) i0 = k;
  let j0 = 0;
  for (let k = 1; k < m; k++) if (by[hb[k]] > by[hb[j0]] || (by[hb[k]] === by[hb[j0]] && bx[hb[k]] > bx[hb[j0]])) j0 = k;
  const A = (k: number) => ha[(i0 + k) % n];
  const B = (k: number) => hb[(j0 + k) % m];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    best = Math.max(best, d2(A(i), B(j)));
    // edge of a: A(i) -> A(i+1); edge of -b: B(j) - B(j+1)
    const cr = crossSign(ax[A(i)], ay[A(i)], ax[A(i + 1)], ay[A(i + 1)], bx[B(j + 1)], by[B(j + 1)], bx[B(j)], by[B(j)]);
    // every step moves on at least one hull (at most n + m steps)
    if (i >= n) j++;
    else if (j >= m) i++;
    else {
      if (!(cr < 0)) i++;
      if (!(cr > 0)) j++;
    }
  }
  return best;
}

/**
 * The largest squared distance `dr*dr + dc*dc + dz*dz` between a predicted spot of `pIdx` and a
 * true spot of `tIdx` in 3-D, exact: both sets binned into at most 8³ boxes each; box pairs in
 * descending order of their largest possible distance (from the boxes' corners, computed with
 * the same monotone operations, so a bound) are searched pair by pair until the next bound is
 * below the best found. Typically a few box pairs; all pairs at worst.
 */
export function maxSquaredDistance3(L: Pick<Layout, 'pr' | 'pc' | 'pz' | 'tr' | 'tc' | 'tz'>, pIdx: Int32Array, tIdx: Int32Array): number {
  if (pIdx.length === 0 || tIdx.length === 0) return -Infinity;
  interface Box {
    idx: number[];
    lo: [number, number, number];
    hi: [number, number, number];
  }
  const boxes = (r: Float64Array, c: Float64Array, z: Float64Array, idx: Int32Array): Box[] => {
    const lo = [Infinity, Infinity, Infinity];
    const hi = [-Infinity, -Infinity, -Infinity];
    for (const i of idx) {
      const v = [r[i], c[i], z[i]];
      for (let a = 0; a < 3; a++) {
        if (v[a] < lo[a]) lo[a] = v[a];
        if (v[a] > hi[a]) hi[a] = v[a];
      }
    }
    const g = 8;
    const cellOf = (x: number, a: number) => (hi[a] > lo[a] ? Math.min(g - 1, Math.floor(((x - lo[a]) / (hi[a] - lo[a])) * g)) : 0);
    const map = new Map<number, Box>();
    for (const i of idx) {
      const v: [number, number, number] = [r[i], c[i], z[i]];
      const key = (cellOf(v[0], 0) * g + cellOf(v[1], 1)) * g + cellOf(v[2], 2);
      let b = map.get(key);
      if (!b) map.set(key, (b = { idx: [], lo: [...v], hi: [...v] }));
      b.idx.push(i);
      for (let a = 0; a < 3; a++) {
        if (v[a] < b.lo[a]) b.lo[a] = v[a];
        if (v[a] > b.hi[a]) b.hi[a] = v[a];
      }
    }
    return [...map.values()];
  };
  const pb = boxes(L.pr, L.pc, L.pz, pIdx);
  const tb = boxes(L.tr, L.tc, L.tz, tIdx);
  const far = (a: number, b: number, c: number, d: number) => Math.max(Math.abs(a - d), Math.abs(b - c));
  const pairs: { ub: number; p: Box; t: Box }[] = [];
  for (const p of pb) {
    for (const t of tb) {
      const a = far(p.lo[0], p.hi[0], t.lo[0], t.hi[0]);
      const b = far(p.lo[1], p.hi[1], t.lo[1], t.hi[1]);
      const e = far(p.lo[2], p.hi[2], t.lo[2], t.hi[2]);
      pairs.push({ ub: a * a + b * b + e * e, p, t });
    }
  }
  pairs.sort((x, y) => y.ub - x.ub);
  let best = -Infinity;
  for (const { ub, p, t } of pairs) {
    if (ub <= best) break;
    for (const i of p.idx) {
      for (const j of t.idx) {
        const a = L.pr[i] - L.tr[j];
        const b = L.pc[i] - L.tc[j];
        const e = L.pz[i] - L.tz[j];
        const v = a * a + b * b + e * e;
        if (v > best) best = v;
      }
    }
  }
  return best;
}

/**
 * Per plane: the largest squared distance between a predicted and a true spot (from every pair
 * of a plane solved whole, as the dense matrix has it, or of a small plane; else from the hulls).
 */
function planeMaxD2(L: Layout, whole: Uint8Array): Float64Array {
  const out = new Float64Array(L.nPlanes).fill(-Infinity);
  const byPlane = (plane: Int32Array, count: Int32Array): Int32Array[] => {
    const lists = Array.from(count, (c) => new Int32Array(c));
    const fill = new Int32Array(count.length);
    for (let i = 0; i < plane.length; i++) lists[plane[i]][fill[plane[i]]++] = i;
    return lists;
  };
  const pl = byPlane(L.pPlane, L.planePred);
  const tl = byPlane(L.tPlane, L.planeTruth);
  for (let k = 0; k < L.nPlanes; k++) {
    if (!whole[k] && pl[k].length * tl[k].length > 4096) {
      out[k] = L.dims === 3 ? maxSquaredDistance3(L, pl[k], tl[k]) : maxSquaredDistance(L.pr, L.pc, pl[k], L.tr, L.tc, tl[k]);
      continue;
    }
    let m = -Infinity;
    for (const p of pl[k]) {
      for (const t of tl[k]) {
        const a = L.pr[p] - L.tr[t];
        const b = L.pc[p] - L.tc[t];
        const e = L.pz[p] - L.tz[t];
        const v = a * a + b * b + e * e;
        if (v > m) m = v;
      }
    }
    out[k] = m;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Candidate pairs and components
// ---------------------------------------------------------------------------------------------

/** Connected components of the candidate graph (only those with a pair), as index lists. */
interface Components {
  count: number;
  /** Predicted spots of component k: predIdx[predStart[k] .. predStart[k + 1]), ascending. */
  predStart: Int32Array;
  predIdx: Int32Array;
  truthStart: Int32Array;
  truthIdx: Int32Array;
  /** Plane of each component. */
  plane: Int32Array;
}

function tooDense(message: string): UserError {
  return new UserError(message);
}

/**
 * Components of the graph "predicted spot p – true spot t, same plane, `isPair(d2)`" where
 * d2 = (pr - tr)^2 + (pc - tc)^2, every pair of which is within `radius` px. Throws a
 * UserError when a component exceeds `maxPairs` entries or the grid holds too many close
 * spots to examine.
 */
function findComponents(
  L: Layout,
  radius: number,
  isPair: (d2: number) => boolean,
  maxPairs: number,
  whole: Uint8Array,
  tick: (units: number) => void,
): Components {
  const { nP, nT, pr, pc, tr, tc, pz, tz, pPlane, tPlane } = L;
  const is3 = L.dims === 3;
  // Cells slightly larger than the radius: |dr| <= radius puts two spots in the same or
  // adjacent cells despite the rounding of the division. Each true spot gets the number of its
  // cell, plane-major then row-major; the cells are made coarser when the coordinates span so
  // many that (cell number, spot index) would not fit a float64 integer.
  let rMin = Infinity;
  let rMax = -Infinity;
  let cMin = Infinity;
  let cMax = -Infinity;
  // z (3-D only): the cells are cubes, numbered plane-major, then z, row, column
  let zMin = Infinity;
  let zMax = -Infinity;
  for (let i = 0; i < nP; i++) {
    if (whole[pPlane[i]]) continue;
    rMin = Math.min(rMin, pr[i]);
    rMax = Math.max(rMax, pr[i]);
    cMin = Math.min(cMin, pc[i]);
    cMax = Math.max(cMax, pc[i]);
    if (is3) {
      zMin = Math.min(zMin, pz[i]);
      zMax = Math.max(zMax, pz[i]);
    }
  }
  for (let i = 0; i < nT; i++) {
    if (whole[tPlane[i]]) continue;
    rMin = Math.min(rMin, tr[i]);
    rMax = Math.max(rMax, tr[i]);
    cMin = Math.min(cMin, tc[i]);
    cMax = Math.max(cMax, tc[i]);
    if (is3) {
      zMin = Math.min(zMin, tz[i]);
      zMax = Math.max(zMax, tz[i]);
    }
  }
  if (!(rMin <= rMax)) rMin = rMax = cMin = cMax = 0;
  if (!(zMin <= zMax)) zMin = zMax = 0;
  let cell = radius > 0 ? radius * (1 + 1e-6) : 1;
  let r0 = 0;
  let c0 = 0;
  let z0 = 0;
  let nR = 1;
  let nC = 1;
  let nZ = 1;
  for (;;) {
    r0 = Math.floor(rMin / cell);
    c0 = Math.floor(cMin / cell);
    nR = Math.floor(rMax / cell) - r0 + 1;
    nC = Math.floor(cMax / cell) - c0 + 1;
    if (is3) {
      z0 = Math.floor(zMin / cell);
      nZ = Math.floor(zMax / cell) - z0 + 1;
    }
    if ((L.nPlanes * nZ * nR * nC + 1) * (Math.max(nP, nT) + 1) < 2 ** 52) break;
    cell *= 2;
  }
  const cellOf = (plane: number, zc: number, row: number, col: number) => ((plane * nZ + zc - z0) * nR + row - r0) * nC + col - c0;
  // spots of planes solved whole are not looked up: a number past every cell
  const keyOf = (plane: number, z: number, r: number, c: number) =>
    whole[plane] ? L.nPlanes * nZ * nR * nC : cellOf(plane, is3 ? Math.floor(z / cell) : 0, Math.floor(r / cell), Math.floor(c / cell));
  const tKey = new Float64Array(nT);
  const packed = new Float64Array(nT);
  for (let i = 0; i < nT; i++) {
    tKey[i] = keyOf(tPlane[i], tz[i], tr[i], tc[i]);
    packed[i] = tKey[i] * nT + i;
  }
  packed.sort();
  const order = new Int32Array(nT);
  const sKey = new Float64Array(nT);
  for (let k = 0; k < nT; k++) {
    const i = packed[k] % nT;
    order[k] = i;
    sKey[k] = tKey[i];
  }
  // the predicted spots in the same order: the first candidate of each of the 3 cell rows
  // (3-D: 3 × 3) around a predicted spot then only moves forward (3 or 9 pointers, no search)
  const pOrder = new Int32Array(nP);
  {
    const pPacked = new Float64Array(nP);
    for (let i = 0; i < nP; i++) pPacked[i] = keyOf(pPlane[i], pz[i], pr[i], pc[i]) * nP + i;
    pPacked.sort();
    for (let k = 0; k < nP; k++) pOrder[k] = pPacked[k] % nP;
  }

  // union-find over nodes 0..nP-1 (predicted) and nP..nP+nT-1 (true)
  const parent = new Int32Array(nP + nT);
  for (let i = 0; i < parent.length; i++) parent[i] = i;
  const nPred = new Int32Array(nP + nT);
  const nTrue = new Int32Array(nP + nT);
  nPred.fill(1, 0, nP);
  nTrue.fill(1, nP);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  let examined = 0;
  const examineLimit = 4 * maxPairs + 64 * (nP + nT);
  const first = is3 ? [0, 0, 0, 0, 0, 0, 0, 0, 0] : [0, 0, 0];
  const dzLo = is3 ? -1 : 0;
  const dzHi = is3 ? 1 : 0;
  for (let q = 0; q < nP; q++) {
    const p = pOrder[q];
    const plane = pPlane[p];
    tick(1);
    if (whole[plane]) continue;
    const r = pr[p];
    const c = pc[p];
    const zp = pz[p];
    const cr = Math.floor(r / cell);
    const cc = Math.floor(c / cell);
    const cz = is3 ? Math.floor(zp / cell) : 0;
    const colLo = Math.max(cc - 1, c0);
    const colHi = Math.min(cc + 1, c0 + nC - 1);
    for (let dz = dzLo; dz <= dzHi; dz++) {
      const zc = cz + dz;
      if (zc < z0 || zc >= z0 + nZ) continue;
      for (let dr = -1; dr <= 1; dr++) {
        const row = cr + dr;
        if (row < r0 || row >= r0 + nR) continue;
        const keyLo = cellOf(plane, zc, row, colLo);
        const keyHi = cellOf(plane, zc, row, colHi);
        const f = (dz - dzLo) * 3 + dr + 1;
        let k = first[f];
        while (k < nT && sKey[k] < keyLo) k++;
        first[f] = k;
        for (; k < nT && sKey[k] <= keyHi; k++) {
          if (++examined > examineLimit) {
            throw tooDense(
              `more than ${examineLimit} pairs of spots lie within ${(3 * radius).toPrecision(3)} px of each other; too dense to match: use a smaller distance or check the tables (many spots at one place?)`,
            );
          }
          const t = order[k];
          const a = r - tr[t];
          const b = c - tc[t];
          const e = zp - tz[t];
          if (!isPair(a * a + b * b + e * e)) continue;
          let x = find(p);
          let y = find(nP + t);
          if (x === y) continue;
          if (nPred[x] + nTrue[x] < nPred[y] + nTrue[y]) [x, y] = [y, x];
          parent[y] = x;
          nPred[x] += nPred[y];
          nTrue[x] += nTrue[y];
          if (nPred[x] * nTrue[x] > maxPairs) {
            throw tooDense(
              `${nPred[x]} predicted and ${nTrue[x]} true spots${L.nPlanes > 1 ? ' of one plane' : ''} form one cluster of spots chained within ${radius} px ` +
                `(a ${nPred[x]}×${nTrue[x]} assignment problem, more than ${maxPairs} pairs); too dense to match: use a smaller distance or check the tables (many spots at one place?)`,
            );
          }
        }
      }
    }
  }

  // a plane solved whole is one component
  const rep = new Int32Array(L.nPlanes).fill(-1);
  for (let p = 0; p < nP; p++) {
    const plane = pPlane[p];
    if (!whole[plane]) continue;
    if (rep[plane] < 0) {
      rep[plane] = p;
      nTrue[p] = L.planeTruth[plane];
      nPred[p] = L.planePred[plane];
    } else parent[p] = rep[plane];
  }
  for (let t = 0; t < nT; t++) if (whole[tPlane[t]] && rep[tPlane[t]] >= 0) parent[nP + t] = rep[tPlane[t]];

  // components with at least one pair, numbered in order of their lowest predicted spot
  const compOf = new Int32Array(nP + nT).fill(-1);
  let count = 0;
  for (let p = 0; p < nP; p++) {
    const root = find(p);
    if (nTrue[root] > 0 && compOf[root] < 0) compOf[root] = count++;
  }
  const predStart = new Int32Array(count + 1);
  const truthStart = new Int32Array(count + 1);
  const plane = new Int32Array(count);
  const cp = new Int32Array(nP);
  const ct = new Int32Array(nT);
  for (let p = 0; p < nP; p++) {
    const k = compOf[find(p)];
    cp[p] = k;
    if (k >= 0) {
      predStart[k + 1]++;
      plane[k] = pPlane[p];
    }
  }
  for (let t = 0; t < nT; t++) {
    const k = compOf[find(nP + t)];
    ct[t] = k;
    if (k >= 0) truthStart[k + 1]++;
  }
  for (let k = 0; k < count; k++) {
    predStart[k + 1] += predStart[k];
    truthStart[k + 1] += truthStart[k];
  }
  const predIdx = new Int32Array(predStart[count]);
  const truthIdx = new Int32Array(truthStart[count]);
  const fp = predStart.slice(0, count);
  const ft = truthStart.slice(0, count);
  for (let p = 0; p < nP; p++) if (cp[p] >= 0) predIdx[fp[cp[p]]++] = p;
  for (let t = 0; t < nT; t++) if (ct[t] >= 0) truthIdx[ft[ct[t]]++] = t;
  return { count, predStart, predIdx, truthStart, truthIdx, plane };
}

// ---------------------------------------------------------------------------------------------
// Solving the components
// ---------------------------------------------------------------------------------------------

/** Options of the sparse matchings. */
export interface SparseOptions {
  planes?: PlaneIds;
  /** 2 (default): points are `[row, col]`; 3: `[z, row, col]`, Euclidean distance in 3-D. */
  dims?: 2 | 3;
  /** Cap on predicted × true spots of one component (default {@link DEFAULT_MAX_COMPONENT_PAIRS}). */
  maxComponentPairs?: number;
  /**
   * When the planes' predicted × true pairs add up to at most this, every plane is solved whole,
   * as one assignment problem: the original computation bit for bit, ties included (default
   * {@link DEFAULT_WHOLE_PLANE_PAIRS}; 0 splits every plane into components).
   */
  wholePlanePairs?: number;
  onProgress?: MatchProgress;
}

/** Reports progress at most every ~1% of the work. */
function progressTicker(total: number, onProgress: MatchProgress | undefined): { tick: (units: number) => void; end: () => void } {
  if (!onProgress || total <= 0) return { tick: () => {}, end: () => {} };
  const step = Math.max(1, Math.floor(total / 100));
  let done = 0;
  let next = step;
  return {
    tick: (units) => {
      done += units;
      if (done >= next && done < total) {
        onProgress(done, total);
        next = done + step;
      }
    },
    end: () => onProgress(total, total),
  };
}

/** An append-only typed array that doubles when full. */
class Grow<T extends Int32Array | Float64Array> {
  length = 0;
  constructor(public data: T) {}
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new (this.data.constructor as new (n: number) => T)(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }
}

/**
 * Planes solved whole (1) or by components (0): all whole when their predicted × true pairs
 * add up to at most the limit (the dense work stays well under a second), else all split.
 */
function wholePlanes(L: Layout, opts: SparseOptions): Uint8Array {
  const limit = opts.wholePlanePairs ?? DEFAULT_WHOLE_PLANE_PAIRS;
  let pairs = 0;
  for (let k = 0; k < L.nPlanes; k++) pairs += L.planePred[k] * L.planeTruth[k];
  return new Uint8Array(L.nPlanes).fill(pairs <= limit ? 1 : 0);
}

/** Per cutoff: pairs kept on the true side and their distance sums; the last cutoff's pairs. */
export interface BlinkMatch {
  /** Pairs kept by the true <- pred solves, per cutoff. */
  tp: number[];
  /** Pairs kept by the pred <- true solves, per cutoff. */
  predSideMatches: number[];
  /** pairwiseSum of the kept distances in true-index order, per cutoff. */
  sums: number[];
  /** The pairs kept at the last cutoff, true index ascending. */
  trueIdx: number[];
  predIdx: number[];
  distances: number[];
}

/**
 * deepBlink's thresholded assignment at every cutoff (ascending; the last is the largest), per
 * plane, through components. Equals the dense CutoffEvaluator of the original definition (see
 * the module comment).
 */
export function blinkMatch(pred: readonly Coordinates[], truth: readonly Coordinates[], cutoffs: readonly number[], opts: SparseOptions = {}): BlinkMatch {
  const nK = cutoffs.length;
  const radius = Math.max(0, ...cutoffs);
  // cutoffs strictly ascending from 0 or above (linspace), with at most the first one 0
  const ascending = cutoffs.every((c, k) => c >= 0 && (k === 0 || c > cutoffs[k - 1]));
  const L = layout(pred, truth, opts.planes, opts.dims);
  const { nP, nT, pr, pc, tr, tc, pz, tz } = L;
  const ticker = progressTicker(2 * nP + nT, opts.onProgress);
  const whole = wholePlanes(L, opts);
  const maxD = planeMaxD2(L, whole).map(Math.sqrt);
  const comps = findComponents(L, radius, (d2) => Math.sqrt(d2) <= radius, opts.maxComponentPairs ?? DEFAULT_MAX_COMPONENT_PAIRS, whole, ticker.tick);

  // kept pairs of the true <- pred solves: (t, p, d) for the cutoffs [k0, k1)
  const recT = new Grow(new Int32Array(1024));
  const recP = new Grow(new Int32Array(1024));
  const recK0 = new Grow(new Int32Array(1024));
  const recK1 = new Grow(new Int32Array(1024));
  const recD = new Grow(new Float64Array(1024));
  const predSide = new Float64Array(nK);
  const solver = new LinearSumAssignmentSolver();
  let D = new Float64Array(0);
  let A = new Float64Array(0);
  let B = new Float64Array(0);
  /** Records a pair kept by both solves for the cutoffs [k0, k1). */
  const record = (t: number, p: number, d: number, k0: number, k1: number) => {
    recT.push(t);
    recP.push(p);
    recD.push(d);
    recK0.push(k0);
    recK1.push(k1);
    for (let q = k0; q < k1; q++) predSide[q]++;
  };

  for (let k = 0; k < comps.count; k++) {
    const ps = comps.predStart[k];
    const np = comps.predStart[k + 1] - ps;
    const ts = comps.truthStart[k];
    const nt = comps.truthStart[k + 1] - ts;
    const plane = comps.plane[k];
    const P = maxD[plane];
    const nPp = L.planePred[plane];
    const nTp = L.planeTruth[plane];
    ticker.tick(np + nt);

    if (np === 1 && nt === 1) {
      // a lone pair: kept iff M'[0, 0] <= cutoff, whatever the padding
      const p = comps.predIdx[ps];
      const t = comps.truthIdx[ts];
      const a = pr[p] - tr[t];
      const b = pc[p] - tc[t];
      const e = pz[p] - tz[t];
      const d = Math.sqrt(a * a + b * b + e * e);
      // kept at cutoff c iff M'[0, 0] <= c: d == 0 at cutoff 0, d < c or P <= c above
      if (ascending) {
        // kept for c > 0 is monotone in c: the first kept cutoff by bisection
        let lo = cutoffs[0] === 0 ? 1 : 0;
        const zeroKept = lo === 1 && d <= 0;
        let hi = nK;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (d < cutoffs[mid] || P <= cutoffs[mid]) hi = mid;
          else lo = mid + 1;
        }
        if (zeroKept && lo === 1) record(t, p, d, 0, nK);
        else {
          if (zeroKept) record(t, p, d, 0, 1);
          if (lo < nK) record(t, p, d, lo, nK);
        }
        continue;
      }
      let k0 = -1;
      for (let c = 0; c <= nK; c++) {
        const cut = cutoffs[c];
        const kept = c < nK && (cut === 0 ? d <= 0 : (d >= cut ? P : d) <= cut);
        if (kept && k0 < 0) k0 = c;
        if (!kept && k0 >= 0) {
          record(t, p, d, k0, c);
          k0 = -1;
        }
      }
      continue;
    }

    // D: np x nt, rows = pred (the dense matrix's entries)
    if (D.length < np * nt) D = new Float64Array(np * nt);
    const edges: number[] = [];
    for (let i = 0; i < np; i++) {
      const p = comps.predIdx[ps + i];
      for (let j = 0; j < nt; j++) {
        const t = comps.truthIdx[ts + j];
        const a = pr[p] - tr[t];
        const b = pc[p] - tc[t];
        const e = pz[p] - tz[t];
        const d = Math.sqrt(a * a + b * b + e * e);
        D[i * nt + j] = d;
        if (d <= radius) edges.push(d);
      }
    }
    edges.sort((x, y) => x - y);
    // orientation A gives the true-side pairs; B (square planes only) the pred-side count
    const rowsTruth = nPp >= nTp;
    const square = nPp === nTp;
    const aRows = rowsTruth ? nt : np;
    const aReal = rowsTruth ? np : nt;
    const aPads = rowsTruth ? Math.min(nt, nPp - np) : Math.min(np, nTp - nt);
    const aCols = aPads + aReal;
    if (A.length < aRows * aCols) A = new Float64Array(aRows * aCols);
    const aOff = aPads;
    for (let i = 0; i < aRows; i++) {
      for (let q = 0; q < aPads; q++) A[i * aCols + q] = P;
      for (let j = 0; j < aReal; j++) A[i * aCols + aOff + j] = rowsTruth ? D[j * nt + i] : D[i * nt + j];
    }
    const bRows = np;
    const bPads = Math.min(np, nTp - nt);
    const bCols = bPads + nt;
    const bOff = bPads;
    if (square) {
      if (B.length < bRows * bCols) B = new Float64Array(bRows * bCols);
      for (let i = 0; i < bRows; i++) {
        for (let q = 0; q < bPads; q++) B[i * bCols + q] = P;
        for (let j = 0; j < nt; j++) B[i * bCols + bOff + j] = D[i * nt + j];
      }
    }

    // one solve per distinct cost matrix: cutoff 0 (raw), P <= cutoff (raw, all kept), or the
    // number of entries below the cutoff
    let sig = NaN;
    let e = 0;
    let kStart = 0;
    const keptT: number[] = [];
    const keptP: number[] = [];
    const keptD: number[] = [];
    let keptB = 0;
    const flush = (kEnd: number) => {
      for (let q = 0; q < keptT.length; q++) {
        recT.push(keptT[q]);
        recP.push(keptP[q]);
        recD.push(keptD[q]);
        recK0.push(kStart);
        recK1.push(kEnd);
      }
      const side = square ? keptB : keptT.length;
      if (side > 0) for (let q = kStart; q < kEnd; q++) predSide[q] += side;
    };
    for (let c = 0; c < nK; c++) {
      const cut = cutoffs[c];
      while (e < edges.length && edges[e] < cut) e++;
      const s = cut === 0 ? -1 : P <= cut ? -2 : e;
      if (s === sig) continue;
      if (c > 0) flush(c);
      sig = s;
      kStart = c;
      keptT.length = 0;
      keptP.length = 0;
      keptD.length = 0;
      keptB = 0;
      const replaceAt = cut === 0 ? Infinity : cut;
      const col4row = solver.solveCore(A, aRows, aCols, replaceAt, P);
      for (let i = 0; i < aRows; i++) {
        const col = col4row[i] - aOff;
        if (col < 0 || col >= aReal) continue;
        const x = rowsTruth ? D[col * nt + i] : D[i * nt + col];
        if ((x >= replaceAt ? P : x) <= cut) {
          keptT.push(comps.truthIdx[ts + (rowsTruth ? i : col)]);
          keptP.push(comps.predIdx[ps + (rowsTruth ? col : i)]);
          keptD.push(x);
        }
      }
      if (square) {
        const c4r = solver.solveCore(B, bRows, bCols, replaceAt, P);
        for (let i = 0; i < bRows; i++) {
          const col = c4r[i] - bOff;
          if (col < 0 || col >= nt) continue;
          const x = D[i * nt + col];
          if ((x >= replaceAt ? P : x) <= cut) keptB++;
        }
      }
    }
    flush(nK);
  }

  // the records in true-index order (counting sort), then per cutoff the kept distances
  const nRec = recT.length;
  const start = new Int32Array(nT + 1);
  for (let q = 0; q < nRec; q++) start[recT.data[q] + 1]++;
  for (let t = 0; t < nT; t++) start[t + 1] += start[t];
  const sT = new Int32Array(nRec);
  const sP = new Int32Array(nRec);
  const sK0 = new Int32Array(nRec);
  const sK1 = new Int32Array(nRec);
  const sD = new Float64Array(nRec);
  for (let q = 0; q < nRec; q++) {
    const at = start[recT.data[q]]++;
    sT[at] = recT.data[q];
    sP[at] = recP.data[q];
    sK0[at] = recK0.data[q];
    sK1[at] = recK1.data[q];
    sD[at] = recD.data[q];
  }
  const tp = new Array<number>(nK).fill(0);
  const sums = new Array<number>(nK).fill(0);
  const buf = new Float64Array(nRec);
  for (let c = 0; c < nK; c++) {
    let n = 0;
    for (let q = 0; q < nRec; q++) if (sK0[q] <= c && c < sK1[q]) buf[n++] = sD[q];
    tp[c] = n;
    sums[c] = pairwiseSum(buf, 0, n);
  }
  const nLast = nK > 0 ? tp[nK - 1] : 0;
  const trueIdx = new Array<number>(nLast);
  const predIdx = new Array<number>(nLast);
  const distances = new Array<number>(nLast);
  for (let q = 0, n = 0; q < nRec; q++) {
    if (sK0[q] <= nK - 1 && nK - 1 < sK1[q]) {
      trueIdx[n] = sT[q];
      predIdx[n] = sP[q];
      distances[n++] = sD[q];
    }
  }
  ticker.end();
  return { tp, predSideMatches: Array.from(predSide), sums, trueIdx, predIdx, distances };
}

/** Pairs of the Spotiflow-style matching, true index ascending. */
export interface FlowMatch {
  trueIdx: number[];
  predIdx: number[];
  /** Distance (sqrt of the squared distance) of each pair. */
  distances: number[];
}

/**
 * Spotiflow's `points_matching` through components: cost d² (rows = true spots unless there are
 * more true than predicted spots in the plane), d² > cutoff² replaced by 1e10 (1 + max d²) of
 * the plane, pairs with d² <= cutoff² kept.
 */
export function flowMatch(pred: readonly Coordinates[], truth: readonly Coordinates[], cutoff: number, opts: SparseOptions = {}): FlowMatch {
  const L = layout(pred, truth, opts.planes, opts.dims);
  const { nP, nT, pr, pc, tr, tc, pz, tz } = L;
  const ticker = progressTicker(2 * nP + nT, opts.onProgress);
  const c2 = cutoff ** 2;
  const whole = wholePlanes(L, opts);
  const penalty = planeMaxD2(L, whole).map((m) => 1e10 * (1 + m));
  const comps = findComponents(L, Math.max(0, cutoff), (d2) => d2 <= c2, opts.maxComponentPairs ?? DEFAULT_MAX_COMPONENT_PAIRS, whole, ticker.tick);
  const pairOf = new Int32Array(nT).fill(-1);
  const distOf = new Float64Array(nT);
  const solver = new LinearSumAssignmentSolver();
  let M = new Float64Array(0);
  for (let k = 0; k < comps.count; k++) {
    const ps = comps.predStart[k];
    const np = comps.predStart[k + 1] - ps;
    const ts = comps.truthStart[k];
    const nt = comps.truthStart[k + 1] - ts;
    const plane = comps.plane[k];
    const Q = penalty[plane];
    const nPp = L.planePred[plane];
    const nTp = L.planeTruth[plane];
    ticker.tick(np + nt);
    const d2 = (p: number, t: number) => {
      const a = tr[t] - pr[p];
      const b = tc[t] - pc[p];
      const e = tz[t] - pz[p];
      return a * a + b * b + e * e;
    };
    if (np === 1 && nt === 1) {
      const p = comps.predIdx[ps];
      const t = comps.truthIdx[ts];
      const v = d2(p, t);
      if (v <= c2) {
        pairOf[t] = p;
        distOf[t] = Math.sqrt(v);
      }
      continue;
    }
    const rowsTruth = nTp <= nPp;
    const rows = rowsTruth ? nt : np;
    const real = rowsTruth ? np : nt;
    const pads = rowsTruth ? Math.min(nt, nPp - np) : Math.min(np, nTp - nt);
    const cols = pads + real;
    const off = pads;
    if (M.length < rows * cols) M = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      for (let q = 0; q < pads; q++) M[i * cols + q] = Q;
      for (let j = 0; j < real; j++) {
        const v = rowsTruth ? d2(comps.predIdx[ps + j], comps.truthIdx[ts + i]) : d2(comps.predIdx[ps + i], comps.truthIdx[ts + j]);
        M[i * cols + off + j] = v > c2 ? Q : v;
      }
    }
    const col4row = solver.solveCore(M, rows, cols);
    for (let i = 0; i < rows; i++) {
      const col = col4row[i] - off;
      if (col < 0 || col >= real) continue;
      const v = M[i * cols + off + col];
      if (v <= c2) {
        const t = comps.truthIdx[ts + (rowsTruth ? i : col)];
        pairOf[t] = comps.predIdx[ps + (rowsTruth ? col : i)];
        distOf[t] = Math.sqrt(v);
      }
    }
  }
  const trueIdx: number[] = [];
  const predIdx: number[] = [];
  const distances: number[] = [];
  for (let t = 0; t < nT; t++) {
    if (pairOf[t] >= 0) {
      trueIdx.push(t);
      predIdx.push(pairOf[t]);
      distances.push(distOf[t]);
    }
  }
  ticker.end();
  return { trueIdx, predIdx, distances };
}
