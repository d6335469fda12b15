import { type Command, InvalidArgumentError } from 'commander';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { PixelSize } from '../core/types.js';
import { UserError, describeError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { imageExtensions } from '../io/image/registry.js';

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

export function parseFraction(s: string): number {
  const v = Number(s);
  if (!Number.isFinite(v) || v < 0 || v >= 1) throw new InvalidArgumentError('expected a fraction in [0, 1)');
  return v;
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

function hasExtension(file: string, exts: readonly string[]): boolean {
  const e = path.extname(file).toLowerCase();
  return exts.includes(e);
}

/**
 * Files named by `input`: the file itself, or the files of a folder (not recursive) whose
 * extension is in `exts` (by default those of the registered image formats), sorted by name. A
 * single file is returned whatever its extension (the reader then says why it cannot read it).
 */
export function listInputs(input: string, exts: readonly string[] = imageExtensions()): string[] {
  if (!existsSync(input)) throw new UserError('no such file or folder', input);
  const st = statSync(input);
  if (st.isDirectory()) {
    const files = readdirSync(input)
      .filter((f) => !f.startsWith('.') && hasExtension(f, exts))
      .map((f) => path.join(input, f))
      .filter((f) => statSync(f).isFile())
      .sort();
    if (files.length === 0) throw new UserError(`folder holds no ${exts.join('/')} files`, input);
    return files;
  }
  return [input];
}

/** Ensures `dir` is a writable folder (creating it if needed). */
export function ensureOutputDir(dir: string): void {
  try {
    if (existsSync(dir)) {
      if (!statSync(dir).isDirectory()) throw new UserError('output path exists and is not a folder', dir);
    } else {
      mkdirSync(dir, { recursive: true });
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot create the output folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, dir);
  }
}

/** basename without extension: "/a/b/cells.ome.tif" → "cells.ome". */
export function stem(file: string): string {
  const b = path.basename(file);
  const e = path.extname(b);
  return e ? b.slice(0, -e.length) : b;
}

/**
 * Runs `work` on each file, one after another. A failing file prints one line
 * ("deepblink: error: FILE: problem") and the batch goes on. Shows a progress bar on a
 * terminal when there is more than one file. Returns the number of failures.
 */
export async function runBatch<T>(
  files: T[],
  name: (f: T) => string,
  work: (f: T) => Promise<void>,
  log: Log,
  label = 'files',
): Promise<number> {
  let failures = 0;
  const bar =
    files.length > 1 && process.stderr.isTTY
      ? new cliProgress.SingleBar(
          { format: `{bar} {value}/{total} ${label} | {file}`, stream: process.stderr, clearOnComplete: true, hideCursor: true },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  bar?.start(files.length, 0, { file: '' });
  for (const f of files) {
    bar?.update({ file: path.basename(name(f)) });
    try {
      await work(f);
    } catch (err) {
      failures++;
      if (bar) process.stderr.write('\n');
      log.error(describeError(err, name(f)));
      if (log.verbose && !(err instanceof UserError) && err instanceof Error && err.stack) {
        process.stderr.write(err.stack + '\n');
      }
    }
    bar?.increment();
  }
  bar?.stop();
  return failures;
}
