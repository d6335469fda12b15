/**
 * Shared types of the deepblink pipeline.
 *
 * Coordinate convention (used everywhere in this package): a position is (row, col),
 * 0-based, in pixels, and the CENTRE of pixel (r, c) is at (r, c). Pixel (r, c) therefore
 * covers [r - 0.5, r + 0.5) x [c - 0.5, c + 0.5). Row = y = vertical, col = x = horizontal.
 */

/** A position [row, col] in pixels. */
export type Point = [number, number];

/** One 2-D grey image plane, row-major, float32. */
export interface Plane {
  data: Float32Array;
  height: number;
  width: number;
}

/** A detected spot. `score` is the detector's confidence (probability or LoG quality). */
export interface Detection {
  r: number;
  c: number;
  score: number;
}

/** Pixel size in micrometres per pixel along rows (y) and columns (x). */
export interface PixelSize {
  y: number;
  x: number;
}
