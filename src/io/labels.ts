/**
 * Import of spot coordinates (ground-truth labels or other tools' detections) from CSV files
 * (and TrackMate XML files),
 * returned in this package's convention: [row, col] in pixels, 0-based, with the CENTRE of
 * pixel (r, c) at (r, c).
 *
 * Accepted formats (detected from the header row; a file starting with `<` is TrackMate XML):
 *
 *  | format      | columns                                   | conversion                        |
 *  |-------------|-------------------------------------------|-----------------------------------|
 *  | deepblink   | `y [px]`,`x [px]` (or `[µm]`, per axis)   | r = y, c = x (µm ÷ pixel size)    |
 *  | trackmate   | `POSITION_X`,`POSITION_Y` (+ other cols)  | r = Y·u/ps.y, c = X·u/ps.x        |
 *  | napari      | `index`,`axis-0`,`axis-1`[,`axis-2`…]     | r = second-to-last, c = last axis |
 *  | fiji        | `X`,`Y` (Measure export, ` ` index col)   | r = Y, c = X                      |
 *  | plain       | `y,x` / `row,col` / `r,c` (any case)      | r = y, c = x                      |
 *  | trackmate-xml | TrackMate `.xml` (AllSpots; FRAME → t)  | r = Y/pixelheight, c = X/pixelwidth (its ImageData) |
 *
 * Pixel-centre conventions (established from the sources; none of the formats needs a ±0.5
 * shift to reach ours):
 *
 *  - ImageJ/Fiji "Measure" on point selections writes X = cal.getX(x) = (x - xOrigin) ×
 *    pixelWidth and Y likewise (imagej/ImageJ ij/plugin/filter/Analyzer.java, savePoints();
 *    ij/measure/Calibration.java, getX/getY). The point coordinates x, y are set by
 *    ij/gui/PointRoi.java makeXorYArray(): `offScreenXD(sx) - 0.5` with the comment "offset 0.5
 *    converts from area to pixel center coordinates", rounded to whole pixels unless the view is
 *    zoomed in far enough for sub-pixel placement. So an uncalibrated image reports the pixel
 *    index with the pixel centre at the integer (our convention), and sub-pixel clicks use the
 *    same centre-at-integer convention; a calibrated image reports x × pixelWidth (no +0.5).
 *    (Older ImageJ 1.x, whose PointRoi.makeXArray() had no −0.5, also gave the integer pixel
 *    index at zoom ≤ 1, but zoomed-in sub-pixel clicks were in area coordinates, centre at
 *    +0.5; such files cannot be told apart and are read like current ones.) The Fiji macro
 *    shipped with deepBlink (extras/fiji_export_labels.ijm) removes the scale before
 *    measuring, so X/Y are pixels; we assume that, and warn when a pixel size is known (the
 *    image is calibrated), because then a Measure export made without removing the scale
 *    would be in µm.
 *  - TrackMate positions are calibrated: POSITION_X = imglib2 position × pixel width, where an
 *    imglib2 integer position is a pixel centre (trackmate-sc/TrackMate
 *    fiji/plugin/trackmate/detection/DetectionUtils.java, findLocalMaxima(): `x =
 *    refinedPeak.getDoublePosition(0) * calibration[0]`). So pixel = POSITION / pixel size with
 *    no offset. The spot-table CSV export (visualization/table/TablePanel.exportToCsv, TrackMate
 *    ≥ 7) writes the feature keys, then up to two rows of names/short names and a last header
 *    row of units in parentheses, e.g. `(micron)` or `(pixel)`; the rows before the first
 *    numeric row are skipped and the units row decides: pixel → used as is; a length unit → needs
 *    the pixel size (UserError asking for --pixel-size otherwise). Files without a units row
 *    (TrackMate < 7 "Spots in tracks statistics") are ambiguous: with a pixel size they are
 *    taken as µm, without one as pixels — both with a warning naming the assumption.
 *  - napari: data coordinates put the centre of pixel [0, 0] at [0, 0] (napari/napari issue
 *    #310 "the coordinates at the center of pixel [0, 0] should be [0, 0]"; PR #1660 and #3381
 *    keep the world origin at a pixel centre). The builtin points writer (napari_builtins
 *    napari_write_points) writes `index`, `axis-0` … `axis-(D-1)` then property columns; the
 *    last two axes are rows and columns. These are the points layer's data coordinates, i.e.
 *    pixels of the image unless the points layer itself had a scale (warned when a pixel size
 *    is known).
 *  - deepblink output: `y [px]` is the row, `x [px]` the column (this package). NB: the Python
 *    deepBlink 0.1.4 swapped them for 2-D images predicted without --shape (behaviour notes
 *    §1.1, "axis-naming trap"); such files read here come out transposed.
 *  - plain y,x / row,col / r,c: already our convention (e.g. shared/data insta-semisynthetic).
 *
 *  - TrackMate XML (a file saved by TrackMate, or written by `--format trackmate`): the spots
 *    of AllSpots that TrackMate shows (VISIBILITY ≠ 0), positions divided by the file's own
 *    ImageData pixel width / height / voxel depth (io/export/trackmate.ts). Their frame is the
 *    plane column `t`, deepblink's CHANNEL feature `c`, and a whole-number slice `z` (spots with
 *    sub-slice z are 3-D: z is then used only with `zAsCoordinate`, in slices).
 *
 * Plane columns: `c`, `t` and `z` (as `deepblink predict` writes for stacks; any case) are read
 * as whole numbers into `planes` when the table has them (besides its coordinate columns: in a
 * plain `r,c` table `c` is the column coordinate), so that evaluation can match spots plane by
 * plane.
 *
 * 3-D (`zAsCoordinate`): the z column is read as a coordinate (slices, sub-slice allowed) instead
 * of a plane index, and `points3d` holds [z, row, col]: deepblink `z [px]` / `z [µm]` (÷ the
 * voxel depth) or `z` (the slice index predict writes for stacks), TrackMate `POSITION_Z` (in the units row's unit, as X and Y, ÷ the voxel
 * depth), napari `axis-(N-3)`, Fiji `Z`, plain `z`. A table without one is a UserError.
 *
 * Parsing: UTF-8 with or without BOM, CRLF or LF, quoted fields, comma / semicolon / tab
 * separators (with a semicolon separator a decimal comma is accepted, as European Excel
 * writes). Empty file → UserError; header only → zero points; a non-numeric, empty or NaN value
 * in a coordinate column → UserError naming the row (the file's line number, header = 1).
 * Files without quotes are split into lines directly (a million rows in about a second, rows
 * parsed only when read); files with quotes go through csv-parse.
 */
import { promises as fsp } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { PixelSize, Point, Point3 } from '../core/types.js';
import { UserError, fsCode, type ErrorCode } from '../core/errors.js';
import { micronsPerUnit } from './image/metadata.js';
import { parseTrackMateXml, type TrackMateData } from './export/trackmate.js';

/** A user-facing error of this stage (code 'bad-labels' unless given). */
const labelsError = (message: string, file?: string, code: ErrorCode = 'bad-labels') => new UserError(message, file, code);

export interface ReadLabelsOptions {
  /** µm per pixel, needed for coordinates given in physical units. */
  pixelSize?: PixelSize;
  /**
   * Read z as a coordinate (3-D points in `points3d`, see the module comment) rather than as a
   * plane index: `c` and `t` stay plane columns. Default false.
   */
  zAsCoordinate?: boolean;
  /** µm per slice, needed for z given in physical units (with zAsCoordinate). */
  voxelDepth?: number;
}

/** The plane of every point, from the `c`, `t`, `z` columns the table has (whole numbers). */
export interface PlaneColumns {
  c?: number[];
  t?: number[];
  z?: number[];
}

export interface LabelsResult {
  /** [row, col] of every spot, in pixels. */
  points: Point[];
  /** With `zAsCoordinate`: [z, row, col] of every spot (the same spots as `points`), in voxels. */
  points3d?: Point3[];
  /** The `c`, `t`, `z` columns, one value per point, when the table has any of them. */
  planes?: PlaneColumns;
  /** 'deepblink' | 'trackmate' | 'trackmate-xml' | 'napari' | 'fiji' | 'plain' */
  format: string;
  warnings: string[];
}

const ACCEPTED =
  'X,Y (Fiji Measure); POSITION_X,POSITION_Y (TrackMate); axis-0,axis-1 (napari); ' +
  "'y [px]','x [px]' or 'y [µm]','x [µm]' (deepblink); y,x or row,col or r,c";

/** Reads a label CSV; every problem with the file is a UserError naming `csvPath`. */
export async function readLabels(csvPath: string, opts: ReadLabelsOptions = {}): Promise<LabelsResult> {
  let buf: Buffer;
  try {
    buf = await fsp.readFile(csvPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const msg =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EISDIR'
          ? 'is a directory, not a CSV file'
          : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied'
            : `cannot read file: ${(err as Error).message}`;
    throw labelsError(msg, csvPath, fsCode(err));
  }
  try {
    return parseLabels(buf.toString('utf8'), opts);
  } catch (err) {
    if (err instanceof UserError) throw labelsError(err.message, csvPath, err.code === 'invalid-input' ? 'bad-labels' : err.code);
    throw err;
  }
}

/** A record: its cells (trimmed) and the file's line number (header = 1). */
export type Row = { cells: string[]; line: number };

/** The records of a CSV file after the header, parsed when read. */
export interface Rows {
  header: string[];
  length: number;
  get(k: number): Row;
}

/** The separator of a CSV file from its first non-empty line: tab, semicolon or comma (the most frequent outside quotes). */
export function detectDelimiter(text: string): string {
  const firstLine = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  const count = (ch: string) => {
    let n = 0;
    let quoted = false;
    for (const c of firstLine) {
      if (c === '"') quoted = !quoted;
      else if (!quoted && c === ch) n++;
    }
    return n;
  };
  const comma = count(',');
  const semi = count(';');
  const tab = count('\t');
  if (tab > comma && tab > semi) return '\t';
  if (semi > comma) return ';';
  return ',';
}

function parseRows(text: string, delimiter: string): Rows | undefined {
  return splitLines(text, delimiter) ?? parseQuoted(text, delimiter);
}

/** csv-parse, for files with quotes (every record materialised). Exported for the tests. */
export function parseQuoted(text: string, delimiter: string): Rows | undefined {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      delimiter,
      bom: true,
      info: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      skip_records_with_empty_values: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const msg = (err as Error).message.replace(/\s*\n\s*/g, ' ');
    throw labelsError(`not a readable CSV file: ${msg.length > 120 ? `${msg.slice(0, 117)}...` : msg}`);
  }
  if (records.length === 0) return undefined;
  const rows = records.map((r) => ({ cells: r.record.map((c) => c.trim()), line: r.info.lines }));
  return { header: rows[0].cells, length: rows.length - 1, get: (k) => rows[k + 1] };
}

/**
 * The records of a file without quotes, split at line ends ('\n' throughout or '\r\n'
 * throughout; undefined otherwise, for csv-parse to read): what csv-parse gives for such a
 * file (empty lines and records of blank fields skipped, line numbers of the file), with only
 * the line offsets kept. Exported for the tests.
 */
export function splitLines(text: string, delimiter: string): Rows | undefined {
  if (text.includes('"')) return undefined;
  const crlf = text.includes('\r');
  if (crlf && (/\r(?!\n)/.test(text) || /(^|[^\r])\n/.test(text))) return undefined;
  const blank = new RegExp(`^[\\s${delimiter === '\t' ? '\\t' : delimiter}]*$`);
  let starts = new Int32Array(1024);
  let ends = new Int32Array(1024);
  let lines = new Int32Array(1024);
  let n = 0;
  let line = 0;
  for (let pos = 0; pos < text.length;) {
    let next = text.indexOf('\n', pos);
    if (next < 0) next = text.length;
    const end = crlf && next < text.length ? next - 1 : next;
    line++;
    if (end > pos && !blank.test(text.slice(pos, end))) {
      if (n === starts.length) {
        const grow = (a: Int32Array) => {
          const b = new Int32Array(a.length * 2);
          b.set(a);
          return b;
        };
        starts = grow(starts);
        ends = grow(ends);
        lines = grow(lines);
      }
      starts[n] = pos;
      ends[n] = end;
      lines[n++] = line;
    }
    pos = next + 1;
  }
  if (n === 0) return undefined;
  const row = (k: number): Row => ({
    cells: text
      .slice(starts[k], ends[k])
      .split(delimiter)
      .map((c) => c.trim()),
    line: lines[k],
  });
  return { header: row(0).cells, length: n - 1, get: (k) => row(k + 1) };
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses label CSV text (see the module comment). Throws UserErrors without a file name. */
export function parseLabels(textIn: string, opts: ReadLabelsOptions = {}): LabelsResult {
  const text = textIn.replace(/^\uFEFF/, '');
  if (text.trim() === '') throw labelsError('empty file (no header row)');
  if (text.trimStart().startsWith('<')) return trackMateLabels(parseTrackMateXml(text, { pixelSize: opts.pixelSize, voxelDepth: opts.voxelDepth }), opts);
  const delimiter = detectDelimiter(text);
  const data = parseRows(text, delimiter);
  if (!data) throw labelsError('empty file (no header row)');
  const header = data.header.map((h) => h.replace(/^\uFEFF/, ''));
  const warnings: string[] = [];
  const decimalComma = delimiter === ';';

  const num = (row: Row, col: number, name: string): number => {
    const raw = (row.cells[col] ?? '').trim();
    const s = decimalComma ? raw.replace(',', '.') : raw;
    if (raw === '') throw labelsError(`row ${row.line}: empty ${name} value`);
    if (!NUMBER_RE.test(s)) throw labelsError(`row ${row.line}: ${name} value '${raw}' is not a number`);
    return Number(s);
  };
  const isNum = (row: Row, col: number): boolean => {
    const raw = (row.cells[col] ?? '').trim();
    return NUMBER_RE.test(decimalComma ? raw.replace(',', '.') : raw);
  };
  const lower = header.map((h) => h.toLowerCase());
  const ps = opts.pixelSize;
  const psIsOne = !ps || (ps.x === 1 && ps.y === 1);

  const z3 = opts.zAsCoordinate === true;
  /** The z coordinate column of a format (3-D) and its factor to slices. */
  const zColumn = (format: string, zFactor: number): { col: number; f: number } => {
    let col = -1;
    let f = 1;
    if (format === 'deepblink') {
      col = lower.findIndex((h) => /^z\s*\[(px|µm|μm|um)\]$/.test(h));
      if (col >= 0 && !lower[col].endsWith('[px]')) {
        if (!(opts.voxelDepth !== undefined && opts.voxelDepth > 0))
          throw labelsError('z is in µm; pass --voxel-size (µm per voxel, z,y,x) to convert it to slices');
        f = 1 / opts.voxelDepth;
      }
      // predict's stack output: the slice index in a plain `z` column
      if (col < 0) col = lower.indexOf('z');
    } else if (format === 'trackmate') {
      col = lower.indexOf('position_z');
      f = zFactor;
    } else if (format === 'napari') {
      const axes = header.map((h) => /^axis-(\d+)$/i.exec(h)).filter((m) => m !== null).length;
      if (axes >= 3) col = header.findIndex((h) => h.toLowerCase() === `axis-${axes - 3}`);
    } else if (format === 'fiji') col = header.indexOf('Z');
    else col = lower.indexOf('z');
    if (col < 0) {
      throw labelsError(
        `no z column for 3-D: expected ${format === 'deepblink' ? "'z [px]', 'z [µm]' or 'z'" : format === 'trackmate' ? 'POSITION_Z' : format === 'napari' ? 'axis-0 of 3 axes' : format === 'fiji' ? "'Z'" : "'z'"} column (the z of every spot, in slices)`,
      );
    }
    return { col, f };
  };

  if (!z3 && (lower.includes('z [px]') || lower.includes('z [µm]'))) {
    warnings.push("has a 'z [px]' column (3-D spots): their z is not used here; use --3d to match in 3-D");
  }

  /** The points of the data rows from `from` on (those `keep` accepts), with the plane columns. */
  const finish = (format: string, point: (row: Row) => Point, coordCols: number[], from = 0, keep?: (row: Row) => boolean, zFactor = 1): LabelsResult => {
    const zc = z3 ? zColumn(format, zFactor) : undefined;
    const planeCols = (['c', 't', 'z'] as const)
      .map((key) => ({ key, col: lower.indexOf(key) }))
      .filter((e) => e.col >= 0 && !coordCols.includes(e.col) && !(zc && (e.key === 'z' || e.col === zc.col)));
    const values = planeCols.map(() => [] as number[]);
    const points: Point[] = [];
    const points3d: Point3[] = [];
    for (let k = from; k < data.length; k++) {
      const row = data.get(k);
      if (keep && !keep(row)) continue;
      const pt = point(row);
      points.push(pt);
      if (zc) points3d.push([num(row, zc.col, header[zc.col]) * zc.f, pt[0], pt[1]]);
      for (let q = 0; q < planeCols.length; q++) {
        const v = num(row, planeCols[q].col, header[planeCols[q].col]);
        if (!Number.isInteger(v))
          throw labelsError(
            `row ${row.line}: ${header[planeCols[q].col]} value '${row.cells[planeCols[q].col]}' is not a whole number (a plane index)` +
              (planeCols[q].key === 'z' ? '; for 3-D spots (z in slices) use evaluate --3d' : ''),
          );
        values[q].push(v);
      }
    }
    const res: LabelsResult = { points, format, warnings };
    if (zc) res.points3d = points3d;
    if (planeCols.length > 0) res.planes = Object.fromEntries(planeCols.map((e, q) => [e.key, values[q]])) as PlaneColumns;
    return res;
  };

  // deepblink output: "y [px]" / "x [µm]" (per axis).
  const dbY = lower.findIndex((h) => /^y\s*\[(px|µm|μm|um)\]$/.test(h));
  const dbX = lower.findIndex((h) => /^x\s*\[(px|µm|μm|um)\]$/.test(h));
  if (dbY >= 0 && dbX >= 0) {
    const yUm = !(lower[dbY] as string).endsWith('[px]');
    const xUm = !(lower[dbX] as string).endsWith('[px]');
    if ((yUm || xUm) && !ps) {
      throw labelsError('coordinates are in µm; pass --pixel-size (µm per pixel) to convert them to pixels');
    }
    return finish(
      'deepblink',
      (row): Point => {
        const y = num(row, dbY, header[dbY] as string);
        const x = num(row, dbX, header[dbX] as string);
        return [yUm ? y / (ps as PixelSize).y : y, xUm ? x / (ps as PixelSize).x : x];
      },
      [dbY, dbX],
    );
  }

  // TrackMate spot table.
  const tmX = lower.indexOf('position_x');
  const tmY = lower.indexOf('position_y');
  if (tmX >= 0 && tmY >= 0) return readTrackMate(header, data, tmX, tmY, ps, num, isNum, warnings, finish, z3, opts.voxelDepth);

  // napari points layer.
  const axisCols = header
    .map((h, i) => ({ m: /^axis-(\d+)$/i.exec(h), i }))
    .filter((e) => e.m)
    .map((e) => ({ n: Number((e.m as RegExpExecArray)[1]), i: e.i }))
    .sort((a, b) => a.n - b.n);
  if (axisCols.length >= 2) {
    const rCol = axisCols[axisCols.length - 2] as { n: number; i: number };
    const cCol = axisCols[axisCols.length - 1] as { n: number; i: number };
    if (axisCols.length > (z3 ? 3 : 2)) {
      warnings.push(`napari points with ${axisCols.length} axes: used axis-${rCol.n} as rows and axis-${cCol.n} as columns, ignored the others`);
    }
    if (!psIsOne) {
      warnings.push('napari axis-N values taken as pixel (data) coordinates; if the points layer had a scale they are in its units');
    }
    return finish('napari', (row): Point => [num(row, rCol.i, `axis-${rCol.n}`), num(row, cCol.i, `axis-${cCol.n}`)], [rCol.i, cCol.i]);
  }

  // Fiji Measure export: exact "X" and "Y".
  const fX = header.indexOf('X');
  const fY = header.indexOf('Y');
  if (fX >= 0 && fY >= 0) {
    // Skip the rows "Analyze > Summarize" appends (labelled Mean, SD, Min, Max in the first column).
    const summary = new Set(['mean', 'sd', 'min', 'max']);
    let skipped = 0;
    const keep = (row: Row) => {
      const ok = !(fX !== 0 && summary.has((row.cells[0] ?? '').toLowerCase()));
      if (!ok) skipped++;
      return ok;
    };
    const at = warnings.length;
    if (!psIsOne) {
      warnings.push(
        'Fiji X/Y taken as pixel coordinates (Measure on an image without spatial scale, as the deepBlink Fiji macro exports); ' +
          'if the scale was set in Fiji they are in its units: remove the scale and export again',
      );
    }
    const res = finish('fiji', (row): Point => [num(row, fY, 'Y'), num(row, fX, 'X')], [fX, fY], 0, keep);
    if (skipped > 0) warnings.splice(at, 0, 'skipped the Fiji summary rows (Mean, SD, Min, Max)');
    return res;
  }

  // Plain pairs.
  for (const [rn, cn] of [
    ['y', 'x'],
    ['row', 'col'],
    ['row', 'column'],
    ['r', 'c'],
  ] as const) {
    const ri = lower.indexOf(rn);
    const ci = lower.indexOf(cn);
    if (ri >= 0 && ci >= 0) {
      return finish('plain', (row): Point => [num(row, ri, header[ri] as string), num(row, ci, header[ci] as string)], [ri, ci]);
    }
  }

  const found = header.map((h) => `'${h}'`).join(', ') || '(none)';
  throw labelsError(`unrecognised label columns ${found}; expected ${ACCEPTED}`);
}

type Finish = (format: string, point: (row: Row) => Point, coordCols: number[], from?: number, keep?: (row: Row) => boolean, zFactor?: number) => LabelsResult;

function readTrackMate(
  header: string[],
  data: Rows,
  xi: number,
  yi: number,
  ps: PixelSize | undefined,
  num: (row: Row, col: number, name: string) => number,
  isNum: (row: Row, col: number) => boolean,
  warnings: string[],
  finish: Finish,
  zAsCoordinate: boolean,
  voxelDepth: number | undefined,
): LabelsResult {
  // Extra header rows below the first (TrackMate >= 7 writes up to three: names, short names,
  // units): text cells in both position columns, before the first numeric row.
  const headerLike = (s: string) => s !== '' && !NUMBER_RE.test(s) && !/^[+-]?(nan|inf|infinity)$/i.test(s) && /[A-Za-zµμ()]/.test(s);
  let k = 0;
  while (k < data.length && k < 3) {
    const row = data.get(k);
    if (isNum(row, xi) && isNum(row, yi)) break;
    if (!headerLike(row.cells[xi] ?? '') || !headerLike(row.cells[yi] ?? '')) break;
    k++;
  }
  // The units row: a position cell that names a unit, usually in parentheses, e.g. "(micron)".
  let unit: string | undefined;
  for (let q = 0; q < k; q++) {
    const row = data.get(q);
    const cell = (row.cells[xi] ?? '').trim();
    const m = /^\((.*)\)$/.exec(cell);
    const u = (m ? (m[1] as string) : cell).trim();
    if (/^pixels?$/i.test(u)) unit = 'pixel';
    else if (micronsPerUnit(u) !== undefined) unit = u;
    else if (m) throw labelsError(`row ${row.line}: unknown unit '${u}' in the TrackMate units row`);
  }
  const bodyLength = data.length - k;
  let fx = 1;
  let fy = 1;
  if (unit === 'pixel') {
    // already pixels
  } else if (unit !== undefined) {
    const f = micronsPerUnit(unit) as number;
    if (!ps) {
      throw labelsError(`TrackMate positions are in ${unit}; pass --pixel-size (µm per pixel) to convert them to pixels`);
    }
    fx = f / ps.x;
    fy = f / ps.y;
  } else if (ps) {
    fx = 1 / ps.x;
    fy = 1 / ps.y;
    if (bodyLength > 0) {
      warnings.push(
        `TrackMate CSV without a units row: POSITION_X/Y assumed in µm (the image calibration) and divided by the pixel size (y ${ps.y}, x ${ps.x} µm)`,
      );
    }
  } else if (bodyLength > 0) {
    warnings.push('TrackMate CSV without a units row and no pixel size: POSITION_X/Y taken as pixels (correct only for an uncalibrated image)');
  }
  // z (3-D): in the unit of X and Y, divided by the voxel depth when that is a length
  let fz = 1;
  const vz = voxelDepth !== undefined && voxelDepth > 0 ? voxelDepth : undefined;
  if (zAsCoordinate && unit !== 'pixel' && (unit !== undefined || ps)) {
    if (!vz) throw labelsError(`TrackMate POSITION_Z is in ${unit ?? 'µm'}; pass --voxel-size (µm per voxel, z,y,x) to convert it to slices`);
    fz = (unit !== undefined ? (micronsPerUnit(unit) as number) : 1) / vz;
  }
  return finish('trackmate', (row): Point => [num(row, yi, header[yi] as string) * fy, num(row, xi, header[xi] as string) * fx], [xi, yi], k, undefined, fz);
}

/** The spots TrackMate shows of a TrackMate XML file, as labels (see the module comment). */
function trackMateLabels(data: TrackMateData, opts: ReadLabelsOptions): LabelsResult {
  const warnings: string[] = [];
  const spots = data.spots.filter((s) => s.visible);
  if (spots.length < data.spots.length) {
    warnings.push(`${data.spots.length - spots.length} spot(s) hidden by TrackMate's filters (VISIBILITY 0) left out`);
  }
  const points: Point[] = spots.map((s) => [s.y, s.x]);
  const planes: PlaneColumns = { t: spots.map((s) => s.t) };
  if (spots.length > 0 && spots.every((s) => Number.isInteger(s.features.CHANNEL))) planes.c = spots.map((s) => s.features.CHANNEL);
  const res: LabelsResult = { points, planes, format: 'trackmate-xml', warnings };
  if (opts.zAsCoordinate) res.points3d = spots.map((s) => [s.z, s.y, s.x]);
  else if (spots.some((s) => s.z !== 0)) {
    const whole = spots.map((s) => Math.round(s.z));
    if (spots.every((s, i) => Math.abs(s.z - whole[i]) < 1e-6)) planes.z = whole;
    else warnings.push('spots have sub-slice z (3-D spots): their z is not used here; use --3d to match in 3-D');
  }
  return res;
}
