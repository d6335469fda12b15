/**
 * Where our pixel-centre convention meets the grid codec.
 *
 * Our coordinates put the centre of pixel (r, c) at (r, c), so an S×S image spans
 * [−0.5, S − 0.5). The codec (codec.ts, the original's maths) assumes cell k covers
 * [k·cell, (k+1)·cell). Shifting by +0.5 before encoding (and −0.5 after decoding) makes grid
 * cell k cover exactly the pixels k·cell … (k+1)·cell − 1, keeps the relative offsets in
 * [0, 1) for every position inside the image, and is undone exactly by decoding.
 */
import type { Point } from '../types.js';
import { decodeGrid, encodeGrid, type Grid } from './codec.js';

export const PIXEL_EDGE_OFFSET = 0.5;

/** Encodes spots of an H×W image (H, W multiples of cellSize) into its grid. */
export function encodeSpots(points: readonly Point[], height: number, width: number, cellSize: number): Grid {
  const shifted: Point[] = [];
  for (const [r, c] of points) {
    if (r < -0.5 || r >= height - 0.5 || c < -0.5 || c >= width - 0.5) continue; // outside the image
    shifted.push([r + PIXEL_EDGE_OFFSET, c + PIXEL_EDGE_OFFSET]);
  }
  return encodeGrid(shifted, height, { cellSize, sizeC: width, dtype: 'float32' });
}

/** Decodes a grid (any shape) with strict p > threshold; returns points in our convention. */
export function decodeSpots(grid: Grid, cellSize: number, threshold: number): { points: Point[]; probabilities: number[] } {
  // decodeGrid derives the cell size as imageSize // max(nrow, ncol, 3)
  const imageSize = cellSize * Math.max(grid.nrow, grid.ncol, 3);
  const d = decodeGrid(grid, imageSize, threshold);
  return { points: d.points.map(([r, c]) => [r - PIXEL_EDGE_OFFSET, c - PIXEL_EDGE_OFFSET]), probabilities: d.probabilities };
}
