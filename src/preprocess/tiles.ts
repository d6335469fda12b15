/**
 * Tiles: the overlapping windows a large plane is cut into for the network, so that memory
 * stays bounded for images of any size (the original padded the whole image to a power of two
 * and ran one pass, which ran out of memory on large images). "Tile" means this, and only this,
 * in the package (training crops are "crops", dataset/crops.ts).
 *
 * A tile is aligned to the network's input multiple, reads `overlap` px of context on each
 * side of its core, and keeps only the spots whose centre falls in its core, so every spot is
 * reported once. Lean networks are local: with an overlap at least their receptive field,
 * tiled and untiled outputs are identical.
 */
import type { NetworkSpec } from '../network/spec.js';

/** Tile edge and overlap of the paper's network (its activations are large). */
export const DEFAULT_TILE = 512;
export const DEFAULT_OVERLAP = 32;
/**
 * Lean networks: their activations are 16× smaller, so tiles can be larger, and the 64 px
 * overlap covers the receptive field of the bundled design (15 cells of 4 px plus the cell's
 * own 3 px: 63 px), so tiling changes nothing.
 */
export const LEAN_TILE = 1024;
export const LEAN_OVERLAP = 64;

/** Default tile edge and overlap for a network. */
export function tilingFor(spec: NetworkSpec): { tileSize: number; overlap: number } {
  return spec.config.architecture === 'lean' ? { tileSize: LEAN_TILE, overlap: LEAN_OVERLAP } : { tileSize: DEFAULT_TILE, overlap: DEFAULT_OVERLAP };
}

/** Tile cores along one axis: [start, end) pairs. */
export function tileCores(n: number, core: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += core) out.push([s, Math.min(n, s + core)]);
  return out;
}

/** One tile: the window [r0, r0+h) × [c0, c0+w) read, and the core [rs, re) × [cs, ce) it reports. */
export interface Tile {
  r0: number;
  c0: number;
  h: number;
  w: number;
  rs: number;
  re: number;
  cs: number;
  ce: number;
}

const roundUp = (v: number, m: number) => Math.ceil(v / m) * m;

/**
 * The tiles of an H×W plane for a network whose input must be a multiple of `multiple` px.
 * A plane no larger than the tile is one tile (its window rounded up to the multiple and
 * reflect-padded by the normaliser); otherwise cores of tile − 2·overlap px with `overlap` px
 * of context (both rounded up to the multiple), clipped at the image edges.
 */
export function planTiles(H: number, W: number, tileSize: number, overlapPx: number, multiple: number): Tile[] {
  const overlap = roundUp(overlapPx, multiple);
  const tile = Math.max(roundUp(tileSize, multiple), 2 * overlap + multiple);
  if (H <= tile && W <= tile) return [{ r0: 0, c0: 0, h: roundUp(H, multiple), w: roundUp(W, multiple), rs: 0, re: H, cs: 0, ce: W }];
  const core = tile - 2 * overlap;
  const tiles: Tile[] = [];
  for (const [rs, re] of tileCores(H, core)) {
    for (const [cs, ce] of tileCores(W, core)) {
      const r0 = Math.max(0, rs - overlap);
      const c0 = Math.max(0, cs - overlap);
      const h = roundUp(Math.min(H, re + overlap) - r0, multiple);
      const w = roundUp(Math.min(W, ce + overlap) - c0, multiple);
      tiles.push({ r0, c0, h, w, rs, re, cs, ce });
    }
  }
  return tiles;
}
