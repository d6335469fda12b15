/**
 * deepBlink's coordinate <-> grid codec (`deepblink/data.py`: `next_power`,
 * `get_prediction_matrix`, `get_coordinate_list`; `deepblink/inference.py`: the post-processing
 * of `predict` and `get_probabilities`), see deepblink-behaviour.md sections 1.1.1, 4.2, 4.3.
 *
 * A grid has `nrow x ncol` cells of `cellSize x cellSize` px and 3 channels per cell, stored
 * row-major with the channel last: index `(cr * ncol + cc) * 3 + ch`, channels
 * 0 = p (spot probability), 1 = relative row, 2 = relative column, relative values in [0, 1).
 *
 * Coordinate convention: the package puts the centre of pixel (r, c) at (r, c). The codec is a
 * pure mapping between coordinates and cells and keeps the original's maths unchanged: cell
 * (cr, cc) covers the coordinate square [cr*cell, (cr+1)*cell) x [cc*cell, (cc+1)*cell), and a
 * coordinate is decoded as `cr*cell + rel*cell` with no half-pixel offset. Whatever convention
 * the coordinates follow, decode(encode(x)) = x; the network learnt this exact mapping, so the
 * convention only matters where coordinates meet pixels (label creation, intensity sampling),
 * not here.
 */
import type { Point } from '../core/types.js';

/** A grid of cells, `nrow x ncol x 3`, row-major, channel last (p, relative row, relative col). */
export interface Grid {
  data: Float32Array | Float64Array;
  nrow: number;
  ncol: number;
}

/** Coordinates decoded from a grid, with the p value of each source cell. */
export interface DecodedSpots {
  points: Point[];
  /** p channel of the cell each point was decoded from. */
  probabilities: number[];
}

/**
 * `next_power(n)`: the smallest 2^k with k >= 1 and 2^k >= n; 0 for n <= 0
 * (0 -> 0, 1 -> 2, 249 -> 256, 300 -> 512, 513 -> 1024).
 */
export function nextPower(n: number): number {
  if (Number.isNaN(n)) return 0; // `while y < nan` never runs
  if (!Number.isFinite(n) && n > 0) throw new RangeError('nextPower: n must be finite');
  let y = 0;
  let power = 1;
  while (y < n) {
    y = 2 ** power;
    power += 1;
  }
  return y;
}

/** Options of {@link encodeGrid}. */
export interface EncodeOptions {
  /** Cell edge in px (default 4). */
  cellSize?: number;
  /** Extent along columns when the image is not square (`size_c`); default = imageSize. */
  sizeC?: number;
  /** Label smoothing: p = smoothFactor in spot cells, 1 - smoothFactor elsewhere (default 1). */
  smoothFactor?: number;
  /** Storage type (default float64, as the original's `np.zeros`). */
  dtype?: 'float32' | 'float64';
}

/** Python's `int(np.floor(x)) // cell`, clamped to [0, n - 1]. */
function cellIndex(x: number, cell: number, n: number): number {
  const k = Math.floor(Math.floor(x) / cell);
  // Upstream clamps only the upper end; a negative index would wrap around in numpy.
  // We clamp at 0 as well (documented deviation for coordinates < 0).
  return k < 0 ? 0 : k > n - 1 ? n - 1 : k;
}

/**
 * `get_prediction_matrix(coords, image_size, cell_size, size_c)`: encode [row, col] points into
 * a grid of `ceil(imageSize / cellSize) x ceil(sizeC / cellSize)` cells. For each point,
 * `cr = min(nrow-1, floor(r) // cell)`, `cc = min(ncol-1, floor(c) // cell)` and the cell is set
 * to (1, (r - cr*cell)/cell, (c - cc*cell)/cell); a later point in the same cell overwrites an
 * earlier one. Finally p = smoothFactor where p != 0, else 1 - smoothFactor.
 */
export function encodeGrid(coords: readonly Point[], imageSize: number, options: EncodeOptions = {}): Grid {
  const cell = options.cellSize ?? 4;
  const smooth = options.smoothFactor ?? 1;
  if (!(cell > 0) || !Number.isInteger(cell)) throw new RangeError(`cellSize must be a positive integer, got ${cell}`);
  if (!(imageSize >= 0)) throw new RangeError(`imageSize must be >= 0, got ${imageSize}`);
  const nrow = Math.ceil(imageSize / cell);
  const ncol = options.sizeC === undefined ? nrow : Math.ceil(options.sizeC / cell);
  const size = nrow * ncol * 3;
  const data = options.dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
  if (nrow === 0 || ncol === 0) {
    if (coords.length) throw new RangeError('cannot encode points into an empty grid');
    return { data, nrow, ncol };
  }
  for (let k = 0; k < coords.length; k++) {
    const [r, c] = coords[k];
    if (!Number.isFinite(r) || !Number.isFinite(c)) throw new RangeError(`coords[${k}] is not finite: ${JSON.stringify(coords[k])}`);
    const cr = cellIndex(r, cell, nrow);
    const cc = cellIndex(c, cell, ncol);
    const o = (cr * ncol + cc) * 3;
    data[o] = 1;
    data[o + 1] = (r - cr * cell) / cell;
    data[o + 2] = (c - cc * cell) / cell;
  }
  if (smooth !== 1) {
    for (let o = 0; o < size; o += 3) data[o] = data[o] !== 0 ? smooth : 1 - smooth;
  }
  return { data, nrow, ncol };
}

/**
 * `get_coordinate_list(matrix, image_size, probability)`: cell size = imageSize //
 * max(nrow, ncol, 3); every cell with p > threshold (strict), scanned row-major, gives the point
 * (cr*cell + relRow*cell, cc*cell + relCol*cell) in float64.
 *
 * For a Float32Array grid the comparison is done in float32 (p > fround(threshold)), as numpy
 * compares a float32 array with a Python float.
 */
export function decodeGrid(grid: Grid, imageSize: number, threshold = 0.5): DecodedSpots {
  checkGrid(grid);
  const { data, nrow, ncol } = grid;
  const cell = Math.floor(imageSize / Math.max(nrow, ncol, 3));
  const thr = data instanceof Float32Array ? Math.fround(threshold) : threshold;
  const points: Point[] = [];
  const probabilities: number[] = [];
  for (let cr = 0; cr < nrow; cr++) {
    for (let cc = 0; cc < ncol; cc++) {
      const o = (cr * ncol + cc) * 3;
      const p = data[o];
      if (p > thr) {
        points.push([cr * cell + data[o + 1] * cell, cc * cell + data[o + 2] * cell]);
        probabilities.push(p);
      }
    }
  }
  return { points, probabilities };
}

function checkGrid(grid: Grid): void {
  const { data, nrow, ncol } = grid;
  if (!Number.isInteger(nrow) || !Number.isInteger(ncol) || nrow < 0 || ncol < 0 || data.length !== nrow * ncol * 3) {
    throw new RangeError(`grid data has ${data.length} values, expected ${nrow} x ${ncol} x 3`);
  }
}

/**
 * `get_probabilities(matrix, coords, image_size)`: the p value of the cell that contains each
 * coordinate, with cell = imageSize // max(nrow, ncol, 3), n = ceil(imageSize / cell) computed
 * as if the grid were square and `cell_r = min(n - 1, floor(r) // cell)` (same for columns).
 * Indices are additionally clamped to the actual grid (upstream raises IndexError there: only
 * possible for a non-square grid and a point exactly on the padded border).
 */
export function lookupProbabilities(grid: Grid, points: readonly Point[], imageSize: number): number[] {
  checkGrid(grid);
  const { data, nrow, ncol } = grid;
  const cell = Math.floor(imageSize / Math.max(nrow, ncol, 3));
  const n = Math.ceil(imageSize / cell);
  return points.map(([r, c]) => {
    const cr = Math.min(cellIndex(r, cell, n), nrow - 1);
    const cc = Math.min(cellIndex(c, cell, n), ncol - 1);
    return data[(cr * ncol + cc) * 3];
  });
}

/** Result of {@link postprocessPrediction}. */
export interface PostprocessResult {
  /** Spots inside the original image, [row, col] float64, cell row-major order. */
  points: Point[];
  /** p of the cell containing each point (`get_probabilities`, upstream's `p` column). */
  probabilities: number[];
  /** Padded plane size (next power of two per axis) and the decoding image size max(H', W'). */
  paddedHeight: number;
  paddedWidth: number;
  imageSize: number;
}

/**
 * Steps 4-6 of `inference.predict` for one plane of `height x width` px whose reflect-padded
 * version (`nextPower` per axis) produced `grid` (the network output, (H'/cell) x (W'/cell) x 3):
 * decode with image_size = max(H', W') and the threshold (upstream: `probability` or 0.5),
 * drop points with r > height or c > width (strict: a point exactly at the border survives),
 * and look up the probability of the cell containing each kept point. Upstream adds that
 * probability as a `p` column only when a probability threshold was given.
 */
export function postprocessPrediction(grid: Grid, height: number, width: number, threshold = 0.5): PostprocessResult {
  const paddedHeight = nextPower(height);
  const paddedWidth = nextPower(width);
  const imageSize = Math.max(paddedHeight, paddedWidth);
  const decoded = decodeGrid(grid, imageSize, threshold);
  const points = decoded.points.filter(([r, c]) => !(r > height || c > width));
  const probabilities = lookupProbabilities(grid, points, imageSize);
  return { points, probabilities, paddedHeight, paddedWidth, imageSize };
}
