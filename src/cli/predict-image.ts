/**
 * One image of `deepblink predict`, up to the text of its output files: what the command does
 * per image, shared by the run in the main thread and the `--jobs` workers (predict-jobs.ts).
 * Nothing is written or printed here: the caller writes the files through its one RunRecord and
 * prints the lines, so a run with workers leaves the same files, record and output.
 */
import path from 'node:path';
import type { PlaneDetector } from '../detect/detector.js';
import { predictFile, type PredictOptions } from '../pipeline/predict.js';
import { resultCellTable, resultTable } from '../pipeline/table.js';
import { resultSpots } from '../pipeline/result.js';
import { formatCsv } from '../io/csv.js';
import { openImage, type ImageSource } from '../io/image/read.js';
import { exportNote, formatSpots, type ExportFormat } from '../io/export/format.js';
import type { ExportSet } from '../io/export/set.js';
import { resultExportSet } from '../pipeline/export.js';
import { PART_FORMAT, measureImageGlobals, parseImageGlobals, predictPart, type ImageGlobals, type PartFile, type PartRequest } from '../pipeline/parts.js';
import { existsSync, promises as fsp } from 'node:fs';
import { writeFileAtomic } from '../io/atomic.js';
import { VERSION } from '../core/version.js';
import { UserError } from '../core/errors.js';

/** What to make of one image: its table (and cell table, with a mask), or one part of it. */
export type ImageJob =
  | { kind: 'table'; outputs: { format: ExportFormat; name: string }[]; cellsName: string; mask?: string; genes?: string[] }
  | { kind: 'part'; name: string; part: PartRequest; globals?: string };

/** What one image gives. Plain data (it crosses from a worker thread to the main thread). */
export interface ImageOutput {
  /** The files to write into the output folder, in this order; `facts` go into the run record. */
  files: { name: string; text: string; facts: Record<string, unknown> }[];
  /** Warnings, each starting with the image's path. */
  warnings: string[];
  spots: number;
  /** How many of `files` (the first ones) the line names after " → ". */
  shown: number;
  /** The line printed on stdout; " → PATHS" of the first `shown` files is appended. */
  line: string;
  /** The --verbose line; " → PATH" is appended. */
  info?: string;
}

/** Runs the pipeline on image `f` and formats its outputs (throws what the pipeline throws). */
export async function computeImage(f: string, detector: PlaneDetector, opts: PredictOptions, job: ImageJob): Promise<ImageOutput> {
  const input = path.resolve(f);
  if (job.kind === 'part') {
    const req = job.part;
    // OME-Zarr: only the chunks the part's bands and box touch are read (other formats are decoded whole)
    const source = await openImage(f, { maxPixels: opts.maxPixels, level: opts.level });
    const globals = job.globals === undefined ? undefined : await globalsFor(job.globals, source, opts);
    const res = await predictPart(source, detector, opts, req, globals);
    const file: PartFile = {
      format: PART_FORMAT,
      version: 1,
      tool: `deepblink ${VERSION}`,
      order: detector.partOrder,
      image: { name: path.basename(f), shape: res.result.shape, dtype: source.dtype },
      settings: detector.describe(),
      table: { radius: opts.radius, fit: opts.fit },
      ...res,
    };
    const n = resultSpots(res.result).length;
    const { rs, re, cs, ce } = res.part;
    return {
      files: [{ name: job.name, text: JSON.stringify(file), facts: { input, spots: n } }],
      shown: 1,
      warnings: res.result.warnings.map((w) => `${f}: ${w}`),
      spots: n,
      line: `${f}: part ${req.index}/${req.count} (rows ${rs}–${re}, columns ${cs}–${ce}): ${n} spots`,
    };
  }
  const res = await predictFile(f, detector, job.mask === undefined ? opts : { ...opts, mask: job.mask });
  const warnings = res.warnings.map((w) => `${f}: ${w}`);
  if (res.axesSource === 'guessed' && res.shape.length > 2) {
    warnings.push(`${f}: axes guessed as '${res.axes}' from shape (${res.shape.join('×')}); set --axes if wrong`);
  }
  const n = resultSpots(res).length;
  // every text first: a problem (e.g. --gene against the channels) fails the image before anything is written
  let set: ExportSet | undefined;
  const files: ImageOutput['files'] = job.outputs.map(({ format, name }) => {
    let text;
    if (format === 'csv') text = formatCsv(resultTable(res, opts));
    else {
      set ??= resultExportSet(res, { radius: opts.radius });
      text = formatSpots(set, format, { genes: job.genes });
    }
    return { name, text, facts: { input, spots: n, ...(format === 'csv' ? {} : { format }) } };
  });
  const shown = files.length;
  const note = exportNote(
    set,
    job.outputs.map((o) => o.format),
  );
  if (note) warnings.push(`${f}: ${note}`);
  const cells = resultCellTable(res);
  if (cells) files.push({ name: job.cellsName, text: formatCsv(cells), facts: { input, cells: cells.rows.length - 1 } });
  const how = res.volumes
    ? ` in 3-D (${res.volumes.length > 1 ? `${res.volumes.length} stacks of ` : ''}${res.volumes[0]?.depth} slices; --per-plane for a row per plane)`
    : '';
  const parts = res.volumes ?? res.planes;
  return {
    files,
    shown,
    warnings,
    spots: n,
    line: `${f}: ${n} spots${how}`,
    info:
      `${f}: ${n} spots in ${parts.length} ${res.volumes ? 'volume' : 'plane'}(s), axes ${res.axes} (${res.axesSource}), ` +
      `threshold ${parts.map((p) => p.threshold.toPrecision(4)).join('/')}`,
  };
}

/** An error as plain data, to cross from a worker thread (a UserError keeps its code and file). */
export interface ErrorData {
  user: boolean;
  name: string;
  message: string;
  stack?: string;
  file?: string;
  code?: string;
}

export function errorToData(err: unknown): ErrorData {
  if (err instanceof UserError) return { user: true, name: err.name, message: err.message, stack: err.stack, file: err.file, code: err.code };
  if (err instanceof Error) return { user: false, name: err.name, message: err.message, stack: err.stack };
  return { user: false, name: typeof err, message: String(err) };
}

/** The error again, on this side (so it prints exactly as if thrown here). */
export function errorFromData(d: ErrorData): Error {
  const err = d.user ? new UserError(d.message, d.file, d.code as UserError['code']) : new Error(d.message);
  if (!d.user) err.name = d.name;
  if (d.stack) err.stack = d.stack;
  return err;
}

/**
 * `--globals FILE`: the image's plane-wide numbers from FILE (checked to be this image's), or
 * measured and written to FILE (temporary name, then rename) when it does not exist yet.
 */
export async function globalsFor(file: string, source: ImageSource, opts: PredictOptions): Promise<ImageGlobals> {
  if (existsSync(file)) return parseImageGlobals(await fsp.readFile(file, 'utf8'), file, source);
  return writeImageGlobals(file, source, opts);
}

/** Measures an image's plane-wide numbers and writes them to `file` (temporary name, then rename). */
export async function writeImageGlobals(file: string, source: ImageSource, opts: Pick<PredictOptions, 'axes'>): Promise<ImageGlobals> {
  const g = await measureImageGlobals(source, opts);
  await writeFileAtomic(file, JSON.stringify(g));
  return g;
}
