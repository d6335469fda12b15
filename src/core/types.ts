/**
 * Shared types of the deepblink pipeline.
 *
 * Coordinate convention (used everywhere in this package): a position is (row, col),
 * 0-based, in pixels, and the CENTRE of pixel (r, c) is at (r, c). Pixel (r, c) therefore
 * covers [r - 0.5, r + 0.5) x [c - 0.5, c + 0.5). Row = y = vertical, col = x = horizontal.
 */

/** A position [row, col] in pixels. */
export type Point = [number, number];

/** Pixel values of a plane: float32 for computed planes, or a view on the file's own samples. */
export type PlaneData = Float32Array | Float64Array | Uint8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

/**
 * One 2-D grey image plane, row-major. Read-only for every consumer: a plane read from a file
 * may be a view on the decoded samples (no float copy of a 20000² image).
 */
export interface Plane {
  data: PlaneData;
  height: number;
  width: number;
}

/** A plane of computed float32 values (normalised images, filter outputs). */
export interface FloatPlane extends Plane {
  data: Float32Array;
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
