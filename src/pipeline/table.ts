/** The write step's table: one row per Spot record, the columns the README documents. */
import type { Table } from '../io/table.js';
import type { MeasureOptions } from '../measure/spots.js';
import { resultSpots, type ImageResult } from './result.js';
import { cellTable } from '../measure/cells.js';

/** Columns added by --fit to the 3-D table (the 3-D fit, measure/fit3d.ts; σ_z and crlb_z in slices). */
export const FIT3D_COLUMNS = [
  'z_det [px]',
  'y_det [px]',
  'x_det [px]',
  'photons',
  'background',
  'sigma [px]',
  'sigma_z [px]',
  'snr',
  'crlb_z [px]',
  'crlb_y [px]',
  'crlb_x [px]',
  'fit',
];

/** Columns added by --fit (see README "Per-spot measurements"). */
export const FIT_COLUMNS = [
  'y_det [px]',
  'x_det [px]',
  'photons',
  'background',
  'sigma [px]',
  'fwhm [px]',
  'amplitude',
  'snr',
  'crlb_y [px]',
  'crlb_x [px]',
  'fit',
];

/**
 * The output table. Columns: `y [px]`, `x [px]` (row, column; 0-based; pixel centre at
 * integers — with --fit the fitted position, else the detector's), then `y [µm]`, `x [µm]` when
 * a pixel size is known, the detector's score (`quality` for LoG, `p` for the network), `i`
 * when a radius was given, the fit columns with --fit, `c`, `t`, `z` for stacks, and `cell` (the
 * label of the cell mask at the spot, 0 outside) when the result has a mask. Columns are
 * never dropped, whatever their values (the original drops constant columns, so a one-spot
 * image lost every column).
 */
export function resultTable(res: ImageResult, opts: MeasureOptions): Table {
  if (res.volumes) return volumeTable(res, opts);
  const um = res.pixelSize !== undefined && !(res.pixelSize.x === 1 && res.pixelSize.y === 1);
  const withI = opts.radius !== undefined;
  const withFit = opts.fit !== undefined;
  const stack = res.shape.length > 2;
  const columns = ['y [px]', 'x [px]'];
  if (um) columns.push('y [µm]', 'x [µm]');
  columns.push(res.scoreColumn);
  if (withI) columns.push('i');
  if (withFit) columns.push(...FIT_COLUMNS);
  if (stack) columns.push('c', 't', 'z');
  if (res.mask) columns.push('cell');
  const rows: (number | string)[][] = [];
  for (const p of res.planes) {
    for (const s of p.spots) {
      const row: (number | string)[] = [s.y, s.x];
      if (um) row.push(s.y * res.pixelSize!.y, s.x * res.pixelSize!.x);
      row.push(s.score);
      if (withI) row.push(s.intensity!);
      const f = s.fit;
      if (f) row.push(s.detected!.y, s.detected!.x, f.photons, f.background, f.sigma, f.fwhm, f.amplitude, f.snr, f.crlbY, f.crlbX, f.status);
      if (stack) row.push(p.c, p.t, p.z);
      if (res.mask) row.push(s.cell ?? 0);
      rows.push(row);
    }
  }
  return { columns, rows, decimals: { 'y [µm]': 5, 'x [µm]': 5, 'crlb_y [px]': 5, 'crlb_x [px]': 5 } };
}

/**
 * The 3-D output table (one row per spot of a z-stack): `z [px]`, `y [px]`, `x [px]` (slice,
 * row, column; 0-based; centres at integers; z at sub-slice precision), `z [µm]` when the z step
 * is known and `y [µm]`, `x [µm]` when the pixel size is, the score, `i` with a radius,
 * `planes` (the planes the spot was detected in), the 3-D fit's columns with --fit (positions
 * are always the fit's where it was accepted; `*_det` the linked detection's), and `c`, `t`
 * when the image has them, `cell` with a mask.
 */
function volumeTable(res: ImageResult, opts: MeasureOptions): Table {
  const um = res.pixelSize !== undefined && !(res.pixelSize.x === 1 && res.pixelSize.y === 1);
  const zum = res.zStep !== undefined;
  const withI = opts.radius !== undefined;
  const withFit = opts.fit !== undefined;
  const ct = res.axes.includes('c') || res.axes.includes('t');
  const columns = ['z [px]', 'y [px]', 'x [px]'];
  if (zum) columns.push('z [µm]');
  if (um) columns.push('y [µm]', 'x [µm]');
  columns.push(res.scoreColumn);
  if (withI) columns.push('i');
  columns.push('planes');
  if (withFit) columns.push(...FIT3D_COLUMNS);
  if (ct) columns.push('c', 't');
  if (res.mask) columns.push('cell');
  const rows: (number | string)[][] = [];
  for (const v of res.volumes ?? []) {
    for (const s of v.spots) {
      const row: (number | string)[] = [s.z!, s.y, s.x];
      if (zum) row.push(s.z! * res.zStep!);
      if (um) row.push(s.y * res.pixelSize!.y, s.x * res.pixelSize!.x);
      row.push(s.score);
      if (withI) row.push(s.intensity!);
      row.push(s.planes ?? 1);
      const f = s.fit3d;
      if (withFit) {
        const d = s.detected ?? s;
        row.push(d.z ?? s.z!, d.y, d.x);
        if (f) row.push(f.photons, f.background, f.sigma, f.sigmaZ, f.snr, f.crlbZ, f.crlbY, f.crlbX, f.status);
        else row.push(NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, 'none');
      }
      if (ct) row.push(v.c, v.t);
      if (res.mask) row.push(s.cell ?? 0);
      rows.push(row);
    }
  }
  return { columns, rows, decimals: { 'z [µm]': 5, 'y [µm]': 5, 'x [µm]': 5, 'crlb_z [px]': 5, 'crlb_y [px]': 5, 'crlb_x [px]': 5 } };
}

/**
 * The per-cell table of a result predicted with a cell mask (`PredictOptions.mask`): cell 0
 * (outside every cell) first, then one row per cell with `spots`, `area`, the centroid and, for
 * images with channels, `spots_c0`, `spots_c1`, … (see measure/cells.ts `cellTable`).
 * Undefined without a mask.
 */
export function resultCellTable(res: ImageResult): Table | undefined {
  if (!res.mask) return undefined;
  const ci = res.axes.indexOf('c');
  return cellTable(res.mask, resultSpots(res), { channels: ci < 0 ? 1 : res.shape[ci] });
}
