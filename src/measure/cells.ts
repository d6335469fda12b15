/**
 * Counts per cell: a label image (Cellpose, StarDist: 0 = background, k = cell k; 2-D (y, x) or
 * 3-D (z, y, x)) gives every spot the label at its rounded position, and one row per cell with
 * its spot count, area and centroid. Pure data (no file system): the pipeline reads the file.
 */
import { UserError } from '../core/errors.js';
import type { Spot } from '../core/types.js';
import type { Table } from '../io/table.js';

/** A label image: integer labels in C order over `shape` ([y, x] or [z, y, x]); 0 = background. */
export interface LabelImage {
  data: ArrayLike<number>;
  /** [rows, columns] (2-D) or [slices, rows, columns] (3-D). */
  shape: number[];
  /** The file it was read from (named in errors). */
  path?: string;
}

const fmt = (shape: number[]) => shape.join('×');

/**
 * A label image from decoded pixels (e.g. `readImage`): leading axes of length 1 are dropped;
 * what remains must be 2-D or 3-D and hold non-negative integers (a one-line error naming
 * `path` otherwise).
 */
export function toLabelImage(img: { data: ArrayLike<number>; shape: number[]; dtype?: string; path?: string }): LabelImage {
  const shape = [...img.shape];
  while (shape.length > 2 && shape[0] === 1) shape.shift();
  if (shape.length < 2 || shape.length > 3) throw new UserError(`mask must be 2-D (y, x) or 3-D (z, y, x), got ${fmt(img.shape)}`, img.path);
  if (img.dtype !== undefined && img.dtype.startsWith('float')) {
    throw new UserError(`mask must hold integer labels (uint8/16/32), got ${img.dtype}`, img.path);
  }
  for (let i = 0; i < img.data.length; i++) {
    const v = img.data[i];
    if (!(v >= 0) || !Number.isInteger(v)) throw new UserError(`mask must hold labels ≥ 0, found ${v}`, img.path);
  }
  return { data: img.data, shape, path: img.path };
}

/**
 * Checks a label image against an image's size: rows and columns must match, and a 3-D mask
 * needs a z-stack of the same depth (`depth` undefined: the image has no z). A 2-D mask serves
 * every plane of a stack. The error names the mask file: "mask is 512×512, image is 256×256".
 */
export function checkMask(mask: LabelImage, height: number, width: number, depth?: number): void {
  const [my, mx] = mask.shape.slice(-2);
  const ok = my === height && mx === width && (mask.shape.length === 2 || mask.shape[0] === depth);
  if (ok) return;
  const image = mask.shape.length === 3 ? (depth === undefined ? `${height}×${width} (no z)` : fmt([depth, height, width])) : `${height}×${width}`;
  throw new UserError(`mask is ${fmt(mask.shape)}, image is ${image}`, mask.path);
}

/**
 * The label at a spot's rounded position: (y, x) for a 2-D mask, (z, y, x) for a 3-D one (a
 * spot without z, or outside the mask: 0).
 */
export function cellOf(mask: LabelImage, spot: Pick<Spot, 'y' | 'x' | 'z'>): number {
  const h = mask.shape[mask.shape.length - 2];
  const w = mask.shape[mask.shape.length - 1];
  const y = Math.round(spot.y);
  const x = Math.round(spot.x);
  if (!(y >= 0 && y < h && x >= 0 && x < w)) return 0;
  let k = y * w + x;
  if (mask.shape.length === 3) {
    if (spot.z === undefined) return 0;
    const z = Math.round(spot.z);
    if (!(z >= 0 && z < mask.shape[0])) return 0;
    k += z * h * w;
  }
  return mask.data[k];
}

/** Sets `cell` on every spot (see {@link cellOf}). */
export function assignCells(mask: LabelImage, spots: Spot[]): void {
  for (const s of spots) s.cell = cellOf(mask, s);
}

/**
 * The per-cell table: one row per label of the mask, cell 0 ("outside", the background) first,
 * then the cells in label order. Columns: `cell`, `spots` (count; spots without `cell` are
 * looked up), `area` (px, voxels for a 3-D mask), `centroid_z` (3-D masks), `centroid_y`,
 * `centroid_x` (px, of the label's pixels), and with `channels` > 1 the count per channel
 * `spots_c0`, `spots_c1`, … (by each spot's `channel`). Spots of every time point are counted
 * together.
 */
export function cellTable(mask: LabelImage, spots: Spot[], opts: { channels?: number } = {}): Table {
  const three = mask.shape.length === 3;
  const n = mask.shape.length;
  const h = mask.shape[n - 2];
  const w = mask.shape[n - 1];
  const depth = three ? mask.shape[0] : 1;
  const stats = new Map<number, { area: number; z: number; y: number; x: number }>([[0, { area: 0, z: 0, y: 0, x: 0 }]]);
  // coordinates from the loop counters; labels come in runs, so the last label's record is kept at hand
  const { data } = mask;
  let last = NaN;
  let s = stats.get(0)!;
  for (let z = 0, k = 0; z < depth; z++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++, k++) {
        const label = data[k];
        if (label !== last) {
          last = label;
          let t = stats.get(label);
          if (!t) stats.set(label, (t = { area: 0, z: 0, y: 0, x: 0 }));
          s = t;
        }
        s.area++;
        s.x += x;
        s.y += y;
        s.z += z;
      }
    }
  }
  const channels = opts.channels !== undefined && opts.channels > 1 ? opts.channels : 0;
  const counts = new Map<number, number[]>();
  for (const s of spots) {
    const cell = s.cell ?? cellOf(mask, s);
    let c = counts.get(cell);
    if (!c) counts.set(cell, (c = new Array<number>(channels + 1).fill(0)));
    c[0]++;
    if (channels) c[1 + (s.channel ?? 0)]++;
  }
  const columns = ['cell', 'spots', 'area'];
  if (three) columns.push('centroid_z');
  columns.push('centroid_y', 'centroid_x');
  for (let c = 0; c < channels; c++) columns.push(`spots_c${c}`);
  const rows: number[][] = [];
  for (const label of [...stats.keys()].sort((a, b) => a - b)) {
    const s = stats.get(label)!;
    const c = counts.get(label) ?? new Array<number>(channels + 1).fill(0);
    const row = [label, c[0], s.area];
    const mean = (v: number) => (s.area ? v / s.area : NaN);
    if (three) row.push(mean(s.z));
    row.push(mean(s.y), mean(s.x), ...c.slice(1));
    rows.push(row);
  }
  return { columns, rows, decimals: { centroid_z: 2, centroid_y: 2, centroid_x: 2 } };
}
