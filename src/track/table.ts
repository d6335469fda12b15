/** Spot tables for tracking: a predict CSV with a `t` column in, the same rows with `track_id` and per-track statistics out. */
import { readFile } from 'node:fs/promises';
import { UserError, fsCode } from '../core/errors.js';
import { detectDelimiter, parseQuoted, splitLines, type Rows } from '../io/labels.js';
import type { Table } from '../io/table.js';
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
