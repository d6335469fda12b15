/**
 * From plane-by-plane detections to 3-D spots: a diffraction-limited spot in a z-stack is seen
 * in several neighbouring planes (its axial PSF spans 3–8 slices in smFISH), so the 2-D
 * detector finds it once per plane. Linking joins the detections of consecutive planes that lie
 * within `radius` px of each other into one chain (one spot); its z comes from the axial
 * intensity profile (a Gaussian through the brightest plane and its two neighbours: a parabola
 * in log intensity, the standard three-point estimator), its y, x from the detections of the
 * planes around that peak, and its score is the highest score of the chain.
 *
 * Each chain is one spot: a spot is never counted once per plane. Two spots closer than
 * `radius` in x/y and touching in z are joined (they are not resolvable by this step); the 3-D
 * fit that follows (measure/fit3d.ts) refines the position.
 */
import type { Spot } from '../core/types.js';

/** One plane's detections, each with the signal used to weigh it (background-subtracted intensity). */
export interface PlaneDetections {
  z: number;
  spots: readonly Spot[];
  /** One value per spot: its signal in this plane (e.g. measure/intensity.ts localSignal). */
  signal: ArrayLike<number>;
}

export interface LinkOptions {
  /** Largest x/y distance (px) between detections of neighbouring planes that are one spot. Default 2. */
  radius?: number;
  /** Planes a chain may skip (a dim plane in the middle of a spot). Default 1. */
  maxGap?: number;
}

/** A 3-D spot made of linked detections. */
export interface LinkedSpot extends Spot {
  z: number;
  /** The planes the spot was detected in (first, last). */
  zFirst: number;
  zLast: number;
  /** Number of detections joined. */
  planes: number;
}

/** One detection of a chain: its plane, position, score and signal. */
export interface Member {
  z: number;
  y: number;
  x: number;
  score: number;
  signal: number;
}

/** The sub-slice z of a chain: three-point Gaussian (log-parabola) through its brightest plane; the peak plane when not defined. */
export function axialPeak(members: readonly Member[]): number {
  let m = 0;
  for (let k = 1; k < members.length; k++) if (members[k].signal > members[m].signal) m = k;
  const zm = members[m].z;
  const at = (z: number) => members.find((q) => q.z === z)?.signal;
  const below = at(zm - 1);
  const above = at(zm + 1);
  const im = members[m].signal;
  if (below === undefined || above === undefined || !(im > 0) || !(below > 0) || !(above > 0)) {
    // one side missing (a stack edge or a gap): the signal-weighted mean of the planes present around the peak
    let w = 0;
    let s = 0;
    for (const q of members) {
      if (Math.abs(q.z - zm) > 1 || !(q.signal > 0)) continue;
      w += q.signal;
      s += q.signal * q.z;
    }
    return w > 0 ? s / w : zm;
  }
  const a = Math.log(below);
  const b = Math.log(im);
  const c = Math.log(above);
  const den = a - 2 * b + c;
  if (!(den < 0)) return zm;
  const dz = (0.5 * (a - c)) / den;
  return zm + Math.max(-0.5, Math.min(0.5, dz));
}

/**
 * Links the detections of consecutive planes into 3-D spots (see the module comment). Planes
 * must come in increasing z. Matching between a plane and the chains still open is greedy by
 * distance (closest pairs first), one detection per chain.
 */
export function linkPlanes(planes: Iterable<PlaneDetections>, opts: LinkOptions = {}): LinkedSpot[] {
  const radius = opts.radius ?? 2;
  const maxGap = opts.maxGap ?? 1;
  const r2 = radius * radius;
  const closed: Member[][] = [];
  let open: Member[][] = [];
  let lastZ = -Infinity;
  for (const plane of planes) {
    if (!(plane.z > lastZ)) throw new Error(`linkPlanes: planes must come in increasing z (got ${plane.z} after ${lastZ})`);
    lastZ = plane.z;
    // chains that can no longer continue
    const still: Member[][] = [];
    for (const ch of open) (plane.z - ch[ch.length - 1].z > maxGap + 1 ? closed : still).push(ch);
    open = still;
    // candidate pairs within the radius, closest first
    const pairs: [number, number, number][] = [];
    const grid = new Map<string, number[]>();
    const cell = (v: number) => Math.floor(v / radius);
    open.forEach((ch, i) => {
      const last = ch[ch.length - 1];
      const key = `${cell(last.y)},${cell(last.x)}`;
      const list = grid.get(key);
      if (list) list.push(i);
      else grid.set(key, [i]);
    });
    plane.spots.forEach((s, j) => {
      const cy = cell(s.y);
      const cx = cell(s.x);
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          for (const i of grid.get(`${cy + dy},${cx + dx}`) ?? []) {
            const last = open[i][open[i].length - 1];
            const d2 = (last.y - s.y) ** 2 + (last.x - s.x) ** 2;
            if (d2 <= r2) pairs.push([d2, i, j]);
          }
        }
      }
    });
    pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    const chainUsed = new Uint8Array(open.length);
    const spotUsed = new Uint8Array(plane.spots.length);
    for (const [, i, j] of pairs) {
      if (chainUsed[i] || spotUsed[j]) continue;
      chainUsed[i] = 1;
      spotUsed[j] = 1;
      const s = plane.spots[j];
      open[i].push({ z: plane.z, y: s.y, x: s.x, score: s.score, signal: plane.signal[j] });
    }
    plane.spots.forEach((s, j) => {
      if (!spotUsed[j]) open.push([{ z: plane.z, y: s.y, x: s.x, score: s.score, signal: plane.signal[j] }]);
    });
  }
  for (const ch of open) closed.push(ch);
  return closed
    .flatMap(splitStacked)
    .map(chainSpot)
    .sort((a, b) => a.z - b.z || a.y - b.y || a.x - b.x);
}

/** A chain's signal must dip below this fraction of the smaller of two peaks for them to be two spots. */
export const SPLIT_DIP = 0.6;

/**
 * Two spots above each other (within the link radius in x/y, a few slices apart in z) make one
 * chain with two peaks in its axial signal profile: the chain is cut at the lowest point between
 * two peaks when that point is below SPLIT_DIP × the smaller peak (recursively).
 */
export function splitStacked(ch: Member[]): Member[][] {
  if (ch.length < 5) return [ch];
  const v = ch.map((q) => q.signal);
  // peaks: members higher than both neighbours (the ends count against their one neighbour)
  const peaks: number[] = [];
  for (let k = 0; k < v.length; k++) if ((k === 0 || v[k] > v[k - 1]) && (k === v.length - 1 || v[k] >= v[k + 1])) peaks.push(k);
  let best: { cut: number; depth: number } | undefined;
  for (let i = 0; i + 1 < peaks.length; i++) {
    const [a, b] = [peaks[i], peaks[i + 1]];
    let cut = a;
    for (let k = a; k <= b; k++) if (v[k] < v[cut]) cut = k;
    const lower = Math.min(v[a], v[b]);
    const depth = lower > 0 ? v[cut] / lower : 1;
    if (depth < SPLIT_DIP && cut > 0 && cut < v.length - 1 && (!best || depth < best.depth)) best = { cut, depth };
  }
  if (!best) return [ch];
  // the dip plane goes with the side of its brighter neighbour
  const k = best.cut;
  const at = v[k - 1] >= v[k + 1] ? k + 1 : k;
  return [...splitStacked(ch.slice(0, at)), ...splitStacked(ch.slice(at))];
}

/** One chain → one 3-D spot. */
function chainSpot(ch: Member[]): LinkedSpot {
  const z = axialPeak(ch);
  // x/y: signal-weighted mean of the detections within one plane of the axial peak
  let w = 0;
  let sy = 0;
  let sx = 0;
  for (const q of ch) {
    if (Math.abs(q.z - z) > 1) continue;
    const wq = Math.max(q.signal, 0) + 1e-9;
    w += wq;
    sy += wq * q.y;
    sx += wq * q.x;
  }
  if (w === 0) {
    const best = ch.reduce((a, b) => (b.signal > a.signal ? b : a));
    sy = best.y;
    sx = best.x;
    w = 1;
  }
  return {
    z,
    y: sy / w,
    x: sx / w,
    score: Math.max(...ch.map((q) => q.score)),
    zFirst: ch[0].z,
    zLast: ch[ch.length - 1].z,
    planes: ch.length,
  };
}
