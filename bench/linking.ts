/**
 * Shared by bench/track.ts and bench/tracking.ts: the greedy nearest-neighbour linker the LAP is
 * compared with, and links as sets for link recall/precision.
 */
import type { TrackPoint } from '../src/track/track.js';

/** Greedy nearest-neighbour matching: all allowed pairs by cost, cheapest first. */
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

/**
 * The same two passes as linkTracks (frame to frame, then gap closing up to `maxGap` missing
 * frames), each matched greedily (closest pair first) instead of by an optimal assignment.
 * Returns the track id of every spot (tracks numbered by their first spot's index).
 */
export function greedyTrackIds(spots: readonly TrackPoint[], maxDistance: number, maxGap: number): number[] {
  const byFrame = new Map<number, number[]>();
  spots.forEach((s, i) => (byFrame.get(s.t) ?? byFrame.set(s.t, []).get(s.t)!).push(i));
  const d2 = (a: number, b: number) => (spots[a].y - spots[b].y) ** 2 + (spots[a].x - spots[b].x) ** 2;
  const next = new Int32Array(spots.length).fill(-1);
  const prev = new Int32Array(spots.length).fill(-1);
  for (const [t, a] of byFrame) {
    const b = byFrame.get(t + 1);
    if (!b) continue;
    for (const [i, j] of greedyLinks(a.length, b.length, (i, j) => d2(a[i], b[j]), maxDistance ** 2)) {
      next[a[i]] = b[j];
      prev[b[j]] = a[i];
    }
  }
  const ends = spots.map((_, i) => i).filter((i) => next[i] < 0);
  const starts = spots.map((_, i) => i).filter((i) => prev[i] < 0);
  const cost = (i: number, j: number) => {
    const dt = spots[starts[j]].t - spots[ends[i]].t;
    return dt >= 2 && dt <= maxGap + 1 ? d2(ends[i], starts[j]) : Infinity;
  };
  for (const [i, j] of greedyLinks(ends.length, starts.length, cost, maxDistance ** 2)) {
    next[ends[i]] = starts[j];
    prev[starts[j]] = ends[i];
  }
  const ids = new Array<number>(spots.length).fill(-1);
  let id = 0;
  for (let h = 0; h < spots.length; h++) {
    if (prev[h] >= 0) continue;
    for (let k = h; k >= 0; k = next[k]) ids[k] = id;
    id++;
  }
  return ids;
}

/** Links (spot index → next spot index of its track, as "i>j") from track ids. */
export function linksOf(spots: readonly TrackPoint[], ids: readonly number[]): Set<string> {
  const byTrack = new Map<number, number[]>();
  ids.forEach((id, i) => (byTrack.get(id) ?? byTrack.set(id, []).get(id)!).push(i));
  const links = new Set<string>();
  for (const members of byTrack.values()) {
    members.sort((a, b) => spots[a].t - spots[b].t);
    for (let k = 1; k < members.length; k++) links.add(`${members[k - 1]}>${members[k]}`);
  }
  return links;
}
