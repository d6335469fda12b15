import os from 'node:os';
import type { PlaneDetector } from '../detect/detector.js';
import { type Command, InvalidArgumentError, Option } from 'commander';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { PixelSize } from '../core/types.js';
import { UserError, describeError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { forEachItem, type ItemEvent, type MessageEvent } from '../core/progress.js';

import { EXPORT_FORMATS, parseExportFormats, type ExportFormat } from '../io/export/format.js';

export { listInputs, ensureOutputDir, stem } from '../io/files.js';

/** Logging that honours -v/--verbose; all diagnostics go to stderr, results to stdout. */
export interface Log {
  verbose: boolean;
  info(msg: string): void;
  /** Progress worth showing without --verbose (e.g. one line per training epoch). */
  progress(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function makeLog(verbose: boolean): Log {
  return {
    verbose,
    info: (m) => {
      if (verbose) process.stderr.write(`deepblink: ${m}\n`);
    },
    progress: (m) => process.stderr.write(`deepblink: ${m}\n`),
    warn: (m) => process.stderr.write(`deepblink: warning: ${m}\n`),
    error: (m) => process.stderr.write(`deepblink: error: ${m}\n`),
  };
}

/** Adds the options every verb has: -V/--version, -v/--verbose. */
export function withCommon(cmd: Command): Command {
  return cmd
    .version(`deepblink ${cmd.name()} ${VERSION}`, '-V, --version', 'print the version and exit')
    .option('-v, --verbose', 'print progress details and full error traces', false)
    .helpOption('-h, --help', 'show help for this command');
}

/** "0.1" → {y: 0.1, x: 0.1}; "0.2,0.1" → {y: 0.2, x: 0.1} (y = row spacing first). */
export function parsePixelSize(s: string): PixelSize {
  const parts = s.split(',').map((p) => Number(p.trim()));
  if ((parts.length !== 1 && parts.length !== 2) || parts.some((v) => !Number.isFinite(v) || v <= 0)) {
    throw new InvalidArgumentError('expected a positive number (µm per pixel) or "Y,X" (row spacing, column spacing)');
  }
  return parts.length === 1 ? { y: parts[0], x: parts[0] } : { y: parts[0], x: parts[1] };
}

/** "Z,Y,X" µm per voxel (z step, row spacing, column spacing). */
export function parseVoxelSize(s: string): { z: number; y: number; x: number } {
  const parts = s.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 3 || parts.some((v) => !Number.isFinite(v) || v <= 0))
    throw new InvalidArgumentError('expected "Z,Y,X": three positive numbers, µm per voxel');
  return { z: parts[0], y: parts[1], x: parts[2] };
}

export function parsePositive(s: string): number {
  const v = Number(s);
  if (!Number.isFinite(v) || v <= 0) throw new InvalidArgumentError('expected a positive number');
  return v;
}

export function parseNonNegative(s: string): number {
  const v = Number(s);
  if (!Number.isFinite(v) || v < 0) throw new InvalidArgumentError('expected a number ≥ 0');
  return v;
}

export function parseInteger(s: string): number {
  const v = Number(s);
  if (!Number.isInteger(v)) throw new InvalidArgumentError('expected an integer');
  return v;
}

export function parsePositiveInt(s: string): number {
  const v = Number(s);
  if (!Number.isInteger(v) || v <= 0) throw new InvalidArgumentError('expected a positive integer');
  return v;
}

export function parseNonNegativeInt(s: string): number {
  const v = Number(s);
  if (!Number.isInteger(v) || v < 0) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return v;
}

/** A detection threshold: a number, or "auto" (the LoG's automatic one). */
export function parseThreshold(s: string): number | 'auto' {
  if (s === 'auto') return 'auto';
  const v = Number(s);
  if (!Number.isFinite(v)) throw new InvalidArgumentError('expected a number or "auto"');
  return v;
}

/** The network's CPU threads unless told: every core, at most 8. */
export const defaultThreads = () => Math.max(1, Math.min(os.availableParallelism(), 8));

/** What loading the model found (an uncalibrated threshold, ...), as warnings / --verbose lines. */
export function logDetectorNotes(log: Log, detector: PlaneDetector, hint: string): void {
  for (const n of detector.notes ?? []) {
    if (n.level === 'info') log.info(`${n.file}: ${n.message}`);
    else log.warn(`${n.file}: ${n.message}${n.code === 'uncalibrated-threshold' ? hint : ''}`);
  }
}

export function parseFraction(s: string): number {
  const v = Number(s);
  if (!Number.isFinite(v) || v < 0 || v >= 1) throw new InvalidArgumentError('expected a fraction in [0, 1)');
  return v;
}

/** A positive integer, also written as a power ("2^30") or in exponent form ("1e9"). */
export function parseMaxPixels(s: string): number {
  const pow = /^\s*(\d+)\s*\^\s*(\d+)\s*$/.exec(s);
  const v = pow ? Number(pow[1]) ** Number(pow[2]) : Number(s);
  if (!Number.isSafeInteger(v) || v <= 0) throw new InvalidArgumentError('expected a positive whole number of pixel values (e.g. 2e9 or 2^31)');
  return v;
}

/** --level N: the level of an OME-Zarr multiscale pyramid to read (readImage's `level`). */
export function levelOption(): Option {
  return new Option('--level <n>', 'OME-Zarr: level of the multiscale pyramid to read (0 = full resolution, the default; 1 = the next smaller, ...)').argParser(
    (s: string) => {
      const v = Number(s);
      if (!Number.isInteger(v) || v < 0) throw new InvalidArgumentError('expected a level number ≥ 0');
      return v;
    },
  );
}

/**
 * --max-pixels N: the size limit of the image readers (readImage's maxPixels), for the verbs
 * that read images. Absent: DEEPBLINK_MAX_PIXELS, else 2^30.
 */
export function maxPixelsOption(): Option {
  return new Option(
    '--max-pixels <n>',
    'largest image to read, in pixel values (width × height × planes × channels); bigger files are refused before decoding ' +
      '(default: $DEEPBLINK_MAX_PIXELS, else 2^30 ≈ 1.07e9)',
  ).argParser(parseMaxPixels);
}

/** Range "a,b" (or one number "a" = "a,a"). */
export function parseRange(s: string): [number, number] {
  const parts = s.split(',').map((p) => Number(p.trim()));
  if (parts.length < 1 || parts.length > 2 || parts.some((v) => !Number.isFinite(v))) {
    throw new InvalidArgumentError('expected a number or a range "MIN,MAX"');
  }
  const lo = parts[0];
  const hi = parts.length === 2 ? parts[1] : parts[0];
  if (hi < lo) throw new InvalidArgumentError(`range "${s}" has MAX < MIN`);
  return [lo, hi];
}

/**
 * Shows ItemEvents on the terminal: a progress bar (on a terminal, when there is more than one
 * item) naming the current item, and one line per failing item ("deepblink: error: ITEM:
 * problem", with the stack trace of an unexpected error under --verbose). Messages go to `log`.
 */
export function batchReporter(log: Log, label = 'files'): (e: ItemEvent | MessageEvent) => void {
  let bar: cliProgress.SingleBar | undefined;
  let finished = 0; // items done or failed (with several at a time they finish in any order)
  return (e) => {
    if (e.type === 'info' || e.type === 'warn') {
      logMessage(log, e);
      return;
    }
    if (e.type === 'item') {
      if (e.index === 0 && e.total > 1 && process.stderr.isTTY) {
        bar = new cliProgress.SingleBar(
          { format: `{bar} {value}/{total} ${label} | {file}`, stream: process.stderr, clearOnComplete: true, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(e.total, 0, { file: '' });
      }
      bar?.update({ file: path.basename(e.name) });
      return;
    }
    if (e.type === 'itemFailed') {
      if (bar) process.stderr.write('\n');
      log.error(errorLine(e.error, e.name, log.verbose));
      if (log.verbose && !(e.error instanceof UserError) && e.error instanceof Error && e.error.stack) {
        process.stderr.write(e.error.stack + '\n');
      }
    }
    bar?.increment();
    if (++finished === e.total) {
      bar?.stop();
      bar = undefined;
    }
  };
}

/**
 * The one line a user sees for an error: a UserError's own message; for anything else (a bug)
 * its text only under --verbose, else a hint to rerun with it.
 */
export function errorLine(err: unknown, file: string | undefined, verbose: boolean): string {
  if (err instanceof UserError || verbose) return describeError(err, file);
  const what = err instanceof Error ? err.name : typeof err;
  return describeError(new UserError(`internal error (${what}); rerun with --verbose for details, and please report it`), file);
}

/**
 * A progress bar for one long piece of work reporting `(done, total)`, drawn on a terminal only
 * and only when `total` reaches `minTotal` (small jobs finish before a bar would help). The bar
 * closes when done = total.
 */
export function workBar(label: string, minTotal = 0): ((done: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let bar: cliProgress.SingleBar | undefined;
  return (done, total) => {
    if (total < minTotal) return;
    if (!bar) {
      bar = new cliProgress.SingleBar(
        { format: `{bar} {percentage}% ${label}`, stream: process.stderr, clearOnComplete: true, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0);
    }
    bar.update(done);
    if (done >= total) {
      bar.stop();
      bar = undefined;
    }
  };
}

/** Shows info and warning events through `log`. */
export function logMessage(log: Log, e: MessageEvent): void {
  if (e.type === 'info') log.info(e.message);
  else log.warn(e.message);
}

/**
 * Runs `work` on each file, one after another (or `concurrency` at a time). A failing file
 * prints one line ("deepblink: error: FILE: problem") and the batch goes on. Shows a progress
 * bar on a terminal when there is more than one file. Returns the number of failures.
 */
export async function runBatch<T>(
  files: T[],
  name: (f: T) => string,
  work: (f: T) => Promise<void>,
  log: Log,
  label = 'files',
  signal?: AbortSignal,
  concurrency = 1,
): Promise<number> {
  return (await forEachItem(files, name, work, batchReporter(log, label), signal, concurrency)).length;
}

/**
 * An AbortSignal raised by the first Ctrl-C (SIGINT) while `fn` runs (saying `what` happens
 * next); a second Ctrl-C ends the process at once. The handler is removed afterwards.
 */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>, what = 'finishing the current item'): Promise<T> {
  const ctl = new AbortController();
  const onSigint = () => {
    if (ctl.signal.aborted) process.exit(130);
    process.stderr.write(`\ndeepblink: interrupted: ${what} (Ctrl-C again to quit at once)\n`);
    ctl.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    return await fn(ctl.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** --format LIST: output formats, comma-separated (an unknown name lists the choices). */
export function parseFormats(s: string): ExportFormat[] {
  try {
    return parseExportFormats(s);
  } catch (err) {
    if (err instanceof UserError) throw new InvalidArgumentError(err.message);
    throw err;
  }
}

/**
 * --format LIST (default csv), with its --help: the formats and their files. `base` is the
 * output's name (`NAME`, `NAME-tracks`); `extra` is appended to the help text.
 */
export function formatOption(base: string, extra = ''): Option {
  return new Option(
    '--format <list>',
    `output formats, comma-separated (${EXPORT_FORMATS.join(', ')}): csv = ${base}.csv (deepblink's table); ` +
      `trackmate = ${base}.xml (TrackMate XML: Fiji > TrackMate > Load a TrackMate file); napari = ${base}-napari.csv (napari points: index, axis-0…, properties); ` +
      `tsv = ${base}.tsv (x, y, z, gene, tab-separated; x = column, y = row, z = 0 in 2-D; in µm when the pixel size is known, else px)${extra}`,
  )
    .argParser(parseFormats)
    .default(['csv'], 'csv');
}

/** --gene NAME[,NAME…]: one gene (target) name per channel, for the TSV's gene column. */
export function parseGenes(s: string): string[] {
  const names = s.split(',').map((n) => n.trim());
  if (names.some((n) => n === '' || /[\t\r\n]/.test(n)))
    throw new InvalidArgumentError('expected gene names separated by commas (one per channel, channel 0 first)');
  return names;
}
