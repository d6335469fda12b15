/** Spot tables for tracking: a predict CSV with a `t` column in, the same rows with `track_id` and per-track statistics out. */
import { readFile } from 'node:fs/promises';
import { UserError, fsCode } from '../core/errors.js';
import { detectDelimiter, parseQuoted, splitLines, type Rows } from '../io/labels.js';
import type { Table } from '../io/table.js';
import type { ExportSet, ExportSpot } from '../io/export/set.js';
import type { PixelSize } from '../core/types.js';
import type { TrackPoint, TrackStats } from './track.js';

/** A spot table read for tracking: its columns and cells as written, and each row's t, y, x. */
export interface TrackTable {
  columns: string[];
  /** The cells of each row, as in the file. */
  cells: string[][];
  points: TrackPoint[];
}

const Y_NAMES = ['y [px]', 'y', 'POSITION_Y'];
const X_NAMES = ['x [px]', 'x', 'POSITION_X'];
const T_NAMES = ['t', 'frame', 'FRAME'];

/**
 * Parses a spot table (comma, semicolon or tab separated) with a frame column (`t`, as
 * `deepblink predict` writes for a time series, or `frame`/`FRAME`) and positions in px
 * (`y [px]`/`x [px]`, `y`/`x` or TrackMate's `POSITION_Y`/`POSITION_X`). Every problem is a
 * one-line error naming `file`, code 'bad-labels'.
 */
export function parseTrackTable(text: string, file: string): TrackTable {
  const bad = (msg: string): never => {
    throw new UserError(msg, file, 'bad-labels');
  };
  let rows: Rows | undefined;
  try {
    const delimiter = detectDelimiter(text);
    rows = splitLines(text, delimiter) ?? parseQuoted(text, delimiter);
  } catch (err) {
    if (err instanceof UserError) bad(err.message);
    throw err;
  }
  if (!rows) return bad('empty file: expected a header line with t, y [px] and x [px] columns');
  const header = rows.header.map((h) => h.replace(/^\uFEFF/, ''));
  const find = (names: string[]) => names.map((n) => header.indexOf(n)).find((i) => i >= 0) ?? -1;
  const shown = header.length > 12 ? `${header.slice(0, 12).join(', ')}, …` : header.join(', ');
  const ti = find(T_NAMES);
  if (ti < 0) bad(`no 't' column (the frame index; predict writes it for a time series): columns are ${shown}`);
  const yi = find(Y_NAMES);
  const xi = find(X_NAMES);
  if (yi < 0 || xi < 0) bad(`no ${yi < 0 ? "'y [px]'" : "'x [px]'"} column (positions in px): columns are ${shown}`);
  const cells: string[][] = [];
  const points: TrackPoint[] = [];
  for (let k = 0; k < rows.length; k++) {
    const r = rows.get(k);
    const num = (i: number, what: string) => {
      const v = Number(r.cells[i]);
      if (r.cells[i] === undefined || r.cells[i] === '' || !Number.isFinite(v)) bad(`line ${r.line}: ${what} '${r.cells[i] ?? ''}' is not a number`);
      return v;
    };
    const t = num(ti, header[ti]);
    if (!Number.isInteger(t)) bad(`line ${r.line}: frame index ${header[ti]} = ${r.cells[ti]} is not an integer`);
    points.push({ t, y: num(yi, header[yi]), x: num(xi, header[xi]) });
    const row = r.cells.slice(0, header.length);
    while (row.length < header.length) row.push('');
    cells.push(row);
  }
  return { columns: header, cells, points };
}

/** Reads a spot table for tracking (see {@link parseTrackTable}). */
export async function readTrackTable(file: string): Promise<TrackTable> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a CSV file' : 'cannot read file', file, fsCode(err));
  }
  return parseTrackTable(text, file);
}

/** The input rows with a `track_id` column appended (replacing one already there). */
export function tracksTable(table: TrackTable, trackIds: readonly number[]): Table {
  const keep = table.columns.map((_, i) => i).filter((i) => table.columns[i] !== 'track_id');
  return {
    columns: [...keep.map((i) => table.columns[i]), 'track_id'],
    rows: table.cells.map((row, k) => [...keep.map((i) => row[i]), trackIds[k]]),
  };
}

/** Per-track statistics as a table: track_id, length, start, end, mean_speed (px/frame), D (px²/frame), n. */
export function trackStatsTable(stats: readonly TrackStats[]): Table {
  return {
    columns: ['track_id', 'length', 'start', 'end', 'mean_speed', 'D', 'n'],
    rows: stats.map((s) => [s.trackId, s.length, s.start, s.end, s.meanSpeed, s.D, s.n]),
    decimals: { mean_speed: 4, D: 5 },
  };
}

/** Options of {@link trackExportSet}. */
export interface TrackExportOptions {
  /** µm per pixel; default: from the table's µm columns (`y [µm]` ÷ `y [px]`, as predict writes them), else none (pixels). */
  pixelSize?: PixelSize;
  /** µm per slice; default: from `z [µm]` ÷ `z [px]` when the table has both. */
  zStep?: number;
  /** Spot radius, px, for TrackMate (default 2). */
  radius?: number;
}

/**
 * The ratio of a µm column to its px column (least squares through the origin over the rows,
 * 6 significant digits): the pixel size predict used. Undefined without both columns or
 * without a non-zero px value.
 */
function columnScale(table: TrackTable, um: string, px: string): number | undefined {
  const iu = table.columns.indexOf(um);
  const ip = table.columns.indexOf(px);
  if (iu < 0 || ip < 0) return undefined;
  let sxy = 0;
  let sxx = 0;
  for (const row of table.cells) {
    const u = Number(row[iu]);
    const p = Number(row[ip]);
    if (row[iu] === '' || row[ip] === '' || !Number.isFinite(u) || !Number.isFinite(p)) continue;
    sxy += u * p;
    sxx += p * p;
  }
  if (!(sxx > 0)) return undefined;
  const r = sxy / sxx;
  return r > 0 ? Number(r.toPrecision(6)) : undefined;
}

/**
 * The tracked spots as a set for the export formats (io/export): frame, row, column of every
 * row, in the table's order, with its `trackIds[k]`; the slice from a `z [px]` (3-D) or `z`
 * (plane index, unless all 0) column, the channel from `c`, the score from `p` or `quality` and the cell from
 * `cell`, where the table has them.
 */
export function trackExportSet(table: TrackTable, trackIds: readonly number[], opts: TrackExportOptions = {}): ExportSet {
  const col = (...names: string[]) => names.map((n) => table.columns.indexOf(n)).find((i) => i >= 0) ?? -1;
  // predict writes a `z` plane index for every stack: a column of zeros is no z axis
  const zPlane = col('z');
  const zi = col('z [px]') >= 0 ? col('z [px]') : zPlane >= 0 && table.cells.some((r) => r[zPlane] !== '' && Number(r[zPlane]) !== 0) ? zPlane : -1;
  const ci = col('c');
  const si = col('p', 'quality');
  const celli = col('cell');
  const value = (row: string[], i: number) => {
    const v = Number(row[i]);
    return row[i] === undefined || row[i] === '' || !Number.isFinite(v) ? undefined : v;
  };
  const spots: ExportSpot[] = table.points.map((p, k) => {
    const row = table.cells[k];
    const s: ExportSpot = { y: p.y, x: p.x, t: p.t, trackId: trackIds[k] };
    if (zi >= 0) s.z = value(row, zi) ?? 0;
    if (ci >= 0) s.c = value(row, ci) ?? 0;
    if (si >= 0) s.score = value(row, si);
    if (celli >= 0) s.cell = value(row, celli) ?? 0;
    return s;
  });
  let pixelSize = opts.pixelSize;
  if (!pixelSize) {
    const y = columnScale(table, 'y [µm]', 'y [px]');
    const x = columnScale(table, 'x [µm]', 'x [px]');
    if (y !== undefined && x !== undefined) pixelSize = { y, x };
  }
  const zStep = opts.zStep ?? columnScale(table, 'z [µm]', 'z [px]');
  const set: ExportSet = {
    spots,
    axes: `t${ci >= 0 ? 'c' : ''}${zi >= 0 ? 'z' : ''}yx`,
    scoreName: si >= 0 ? table.columns[si] : undefined,
    radius: opts.radius,
  };
  if (pixelSize) set.pixelSize = pixelSize;
  if (zStep !== undefined) set.zStep = zStep;
  return set;
}
