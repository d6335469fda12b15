import { Command, InvalidArgumentError, Option } from 'commander';
import path from 'node:path';
import cliProgress from 'cli-progress';
import {
  defaultThreads,
  logDetectorNotes,
  parseThreshold,
  ensureOutputDir,
  listInputs,
  makeLog,
  maxPixelsOption,
  parseNonNegative,
  parsePixelSize,
  parseVoxelSize,
  parsePositive,
  parsePositiveInt,
  runBatch,
  stem,
  withCommon,
  withInterrupt,
  errorLine,
  formatOption,
  parseGenes,
  levelOption,
} from './common.js';
import { createDetector, type Method, type PredictOptions } from '../pipeline/predict.js';
import type { Normalization } from '../preprocess/normalize.js';
import { DEFAULT_OVERLAP, DEFAULT_TILE, LEAN_OVERLAP, LEAN_TILE } from '../preprocess/tiles.js';
import { DEFAULT_MODEL } from '../model/bundled.js';
import { RunRecord } from '../io/provenance.js';
import { UserError } from '../core/errors.js';
import { existsSync, statSync } from 'node:fs';
import { imageExtensions } from '../io/image/registry.js';
import type { PixelSize } from '../core/types.js';
import type { PartRequest } from '../pipeline/parts.js';
import { openImage } from '../io/image/read.js';
import { computeImage, writeImageGlobals, type ImageJob } from './predict-image.js';
import { PredictPool } from './predict-jobs.js';

/** `--part I/N`: the I-th (1-based) of N parts. */
export function parsePart(s: string): PartRequest {
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  if (!m) throw new InvalidArgumentError('expected I/N, e.g. 3/16 (the third of 16 parts)');
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!(count >= 1 && index >= 1 && index <= count)) throw new InvalidArgumentError('expected 1 ≤ I ≤ N');
  return { index, count };
}

/** The name of part I of N of an image's results. */
export const partFileName = (image: string, p: PartRequest) => `${stem(image)}.part-${p.index}-of-${p.count}.json`;

import { EXPORT_SUFFIXES, type ExportFormat } from '../io/export/format.js';

function parseNormalization(s: string): Normalization {
  if (s === 'zscore') return { method: 'zscore' };
  if (s === 'noise') return { method: 'noise' };
  const m = /^percentile(?::([\d.]+),([\d.]+))?$/.exec(s);
  if (m) {
    const low = m[1] ? Number(m[1]) : 1;
    const high = m[2] ? Number(m[2]) : 99.8;
    if (!(low >= 0 && high <= 100 && low < high)) throw new InvalidArgumentError('percentiles must satisfy 0 ≤ LOW < HIGH ≤ 100');
    return { method: 'percentile', low, high };
  }
  throw new InvalidArgumentError('expected "noise", "zscore" or "percentile[:LOW,HIGH]" (default percentiles 1,99.8)');
}

/** Output names: <stem>.csv, or <basename>.csv where two inputs share a stem (a.tif, a.png). */
export function outputNames(files: string[]): Map<string, string> {
  const count = new Map<string, number>();
  for (const f of files) count.set(stem(f), (count.get(stem(f)) ?? 0) + 1);
  return new Map(files.map((f) => [f, (count.get(stem(f))! > 1 ? path.basename(f) : stem(f)) + '.csv']));
}

export function predictCommand(): Command {
  return withCommon(new Command('predict'))
    .description(
      'Detect spots in an image or a folder of images; writes OUTDIR/<name>.csv per image with ' +
        'columns y [px], x [px] (row, column; 0-based; the centre of pixel (r, c) is at (r, c)), ' +
        'and/or the formats other tools read (--format: TrackMate XML, napari points, x/y/z/gene TSV).',
    )
    .argument('[input]', `image file or folder of images (${imageExtensions().join(' ')}); or -i`)
    .option('-i, --input <path>', 'image file or folder of images (same as the argument)')
    .option('-o, --output <dir>', 'output folder (created if missing; default: a new folder NAME-spots beside the input, never the input folder itself)')
    .option('-f, --force', 'replace existing files that deepblink did not write (default: refuse)', false)
    .option('-m, --model <file|name>', `model file (.onnx made by deepblink train) or bundled model name (see download --list; default: ${DEFAULT_MODEL})`)
    .addOption(
      new Option('--method <name>', 'deepblink = the neural network (needs a model); log = Laplacian-of-Gaussian')
        .choices(['deepblink', 'log'])
        .default('deepblink'),
    )
    .option(
      '-r, --radius <px>',
      'spot radius in px: the LoG scale (default 2) and, when given, an extra column i = sum of raw intensities in a disk of this radius',
      parsePositive,
    )
    .option('-t, --threshold <value>', 'network: probability threshold 0–1 (default: the model\'s); log: quality threshold or "auto" (default)', parseThreshold)
    .option('-p, --probability <p>', "network: same as --threshold (the original deepblink's -p)", parseThreshold)
    .option(
      '--normalize <how>',
      'network: "noise" (local contrast in local noise units, the bundled models\' own), "zscore" (per plane, as the original) or "percentile[:LOW,HIGH]" (default 1,99.8); default: the model\'s',
      parseNormalization,
    )
    .option(
      '--tile <px>',
      `network: largest tile edge; bigger images are processed in overlapping tiles (default ${LEAN_TILE} for lean models, ${DEFAULT_TILE} for the paper's network)`,
      parsePositive,
    )
    .option('--overlap <px>', `network: context around each tile (default ${LEAN_OVERLAP} / ${DEFAULT_OVERLAP})`, parseNonNegative)
    .option('--threads <n>', 'network: CPU threads (shared out among the --jobs)', parsePositiveInt, defaultThreads())
    .option(
      '-j, --jobs <n>',
      'images processed at a time (a folder of images): N worker threads, each with --threads/N CPU threads for the network; ' +
        'the outputs, the record and the exit code are those of --jobs 1',
      parsePositiveInt,
      1,
    )
    .option('--no-refine', "network: keep the grid decoder's positions (default: refined by a Gaussian-mask centroid on the noise-unit input)")
    .option('--fit', 'refine every spot by a maximum-likelihood Gaussian fit and add photons, background, sigma, FWHM, SNR, CRLB columns', false)
    .option('--fit-window <px>', 'fit window half-width (window = 2·px+1 square)', parsePositiveInt, 3)
    .option('--fit-sigma <px>', 'fix the PSF σ of the fit instead of fitting it', parsePositive)
    .option('--gain <counts>', 'camera counts per photon (fit: photons and Poisson weights in photons)', parsePositive)
    .option('--offset <counts>', 'camera offset in counts, subtracted before the fit', parseNonNegative)
    .option('-a, --axes <letters>', 'axis order of the input, from c t z y x (e.g. zyx, tczyx); default: from metadata, else guessed')
    .option('--pixel-size <um>', 'µm per pixel ("0.1" or "Y,X"); default: from metadata; adds µm columns', parsePixelSize)
    .option('--3d', 'z-stacks: one row per spot with z at sub-slice precision (the default for stacks of ≥ 3 slices)')
    .option('--per-plane', 'z-stacks: one row per detection in each plane (columns c, t, z), as 2-D images')
    .option('--voxel-size <um>', 'µm per voxel "Z,Y,X" (z step and pixel size; adds µm columns)', parseVoxelSize)
    .option('--link-radius <px>', '3-D: largest x/y distance between the detections of neighbouring planes that are one spot (default 2)', parsePositive)
    .option(
      '--mask <file|folder>',
      'cell mask (label image: 0 = background, k = cell k; 2-D, or z,y,x for z-stacks) or a folder of them paired by name ' +
        '(cells.tif ↔ cells.tif, cells_mask.*, cells.mask.*): adds a column cell and writes <name>-cells.csv (spots per cell)',
    )
    .option(
      '--part <I/N>',
      'process only the I-th of N parts of each image (blocks of whole tiles; a cluster job each) and write <name>.part-I-of-N.json; ' +
        "`deepblink merge` gathers the N parts into exactly the whole run's table",
      parsePart,
    )
    .addOption(formatOption('NAME'))
    .option('--gene <names>', "tsv: the gene column's name for each channel, comma-separated, channel 0 first (default: the channel index)", parseGenes)
    .addOption(levelOption())
    .option(
      '--globals <file.json>',
      'with --part: the plane-wide numbers of the noise normalisation, measured once for all N parts — read from FILE, or measured and written to FILE ' +
        "when it does not exist (else every part reads the whole image for them); without --part: only measure and write FILE (a workflow's first step)",
    )
    .addOption(maxPixelsOption())
    .action(
      async (
        inputArg: string | undefined,
        o: {
          input?: string;
          output?: string;
          force: boolean;
          model?: string;
          method: Method;
          radius?: number;
          threshold?: number | 'auto';
          probability?: number | 'auto';
          normalize?: Normalization;
          refine: boolean;
          tile?: number;
          overlap?: number;
          threads: number;
          jobs: number;
          axes?: string;
          pixelSize?: PixelSize;
          fit: boolean;
          fitWindow: number;
          fitSigma?: number;
          gain?: number;
          offset?: number;
          maxPixels?: number;
          level?: number;
          '3d'?: boolean;
          perPlane?: boolean;
          voxelSize?: { z: number; y: number; x: number };
          linkRadius?: number;
          mask?: string;
          part?: PartRequest;
          globals?: string;
          format: ExportFormat[];
          gene?: string[];
          verbose: boolean;
        },
      ) => {
        if (o['3d'] && o.perPlane) throw new UserError('--3d and --per-plane exclude each other', undefined, 'invalid-option');
        if (o.voxelSize && o.pixelSize) throw new UserError('give the pixel size once: --voxel-size Z,Y,X or --pixel-size', undefined, 'invalid-option');
        const log = makeLog(o.verbose);
        if (o.gene && !o.format.includes('tsv')) log.warn('--gene names the channels of the TSV only (--format tsv); ignored');
        if (inputArg && o.input && inputArg !== o.input) throw new UserError('give the input once (as the argument or with -i)', undefined, 'invalid-option');
        const input = inputArg ?? o.input;
        if (!input) throw new UserError('no input: deepblink predict IMAGE|FOLDER [-o OUTDIR] (see --help)', undefined, 'invalid-option');
        const files = listInputs(input);
        if (o.globals !== undefined && files.length > 1)
          throw new UserError('--globals FILE is for one image (a workflow gives each image its own)', undefined, 'invalid-option');
        if (o.globals !== undefined && !o.part) {
          // a workflow's first step: the plane-wide numbers the parts share, and nothing else
          if (existsSync(o.globals) && !o.force)
            throw new UserError('exists; the globals of an image are measured once (--force measures them again)', o.globals, 'exists');
          const source = await openImage(files[0], { maxPixels: o.maxPixels, level: o.level });
          const g = await writeImageGlobals(o.globals, source, { axes: o.axes });
          const bad = g.planes.filter((p) => p.problem !== undefined).length;
          process.stdout.write(
            `${files[0]}: plane-wide numbers of ${g.planes.length} plane(s)${bad ? ` (${bad} cannot be detected in)` : ''} → ${o.globals}\n`,
          );
          return;
        }
        const outDir = o.output ?? defaultOutputDir(input);
        ensureOutputDir(outDir);
        const names = outputNames(files);
        if (o.mask !== undefined && !existsSync(o.mask)) throw new UserError('mask not found', o.mask, 'not-found');
        const maskDir = o.mask !== undefined && statSync(o.mask).isDirectory();
        // several images at a time: worker threads, each with its share of the CPU threads
        const jobs = Math.min(o.jobs, files.length);
        const threads = jobs > 1 ? Math.max(1, Math.floor(o.threads / jobs)) : o.threads;
        const opts: PredictOptions = {
          method: o.method,
          model: o.model,
          radius: o.radius,
          threshold: o.threshold ?? o.probability,
          normalization: o.normalize,
          refine: o.refine ? undefined : false,
          tileSize: o.tile,
          overlap: o.overlap,
          threads,
          axes: o.axes,
          pixelSize: o.pixelSize ?? (o.voxelSize && { y: o.voxelSize.y, x: o.voxelSize.x }),
          threeD: o['3d'] ? true : o.perPlane ? false : 'auto',
          zStep: o.voxelSize?.z,
          link: o.linkRadius !== undefined ? { radius: o.linkRadius } : undefined,
          fit: o.fit ? { halfWidth: o.fitWindow, sigma: o.fitSigma, gain: o.gain, offset: o.offset } : undefined,
          maxPixels: o.maxPixels,
          level: o.level,
        };
        // one big image on a terminal: a bar over its tiles (a batch gets the per-file bar instead)
        let tileBar: cliProgress.SingleBar | undefined;
        if (files.length === 1 && process.stderr.isTTY) {
          opts.progress = (done, total) => {
            if (total < 16) return;
            if (!tileBar) {
              tileBar = new cliProgress.SingleBar(
                { format: '{bar} {value}/{total} tiles', stream: process.stderr, clearOnComplete: true, hideCursor: true },
                cliProgress.Presets.shades_classic,
              );
              tileBar.start(total, 0);
            }
            tileBar.update(done);
            if (done === total) {
              tileBar.stop();
              tileBar = undefined;
            }
          };
        }
        const detector = await createDetector(opts);
        logDetectorNotes(log, detector, '; pass -t or finish training');
        const desc = detector.describe();
        if (desc.runtime === 'tfjs-wasm') {
          log.warn(
            'the network runs on TensorFlow.js (wasm), about 15× slower: onnxruntime-node is not installed (e.g. installed without network) or DEEPBLINK_RUNTIME=tfjs',
          );
        }
        const record = await RunRecord.start(outDir, {
          command: ['deepblink', ...process.argv.slice(2)].join(' '),
          options: {
            ...opts,
            progress: undefined,
            ...(jobs > 1 ? { jobs } : {}),
            method: desc.method,
            ...desc.settings,
            mask: o.mask === undefined ? undefined : path.resolve(o.mask),
            format: o.format,
            gene: o.gene,
          },
          inputs: files.map((f) => path.resolve(f)),
          model: desc.model,
          force: o.force,
        });
        let total = 0;
        let done = 0;
        // with a progress bar on the terminal, per-file lines would break it: summary only
        const quietBar = files.length > 1 && process.stderr.isTTY;
        // --jobs N: the images go to worker threads with detectors of their own; this one only described the run
        const pool = jobs > 1 ? new PredictPool(jobs, opts) : undefined;
        if (pool) await detector.close();
        const { failures, interrupted } = await withInterrupt(async (signal) => {
          try {
            const failures = await runBatch(
              files,
              (f) => f,
              async (f) => {
                let job: ImageJob;
                if (o.part) job = { kind: 'part', name: partFileName(f, o.part), part: o.part, globals: o.globals };
                else {
                  const base = names.get(f)!.replace(/\.csv$/, '');
                  const outputs = o.format.map((format) => ({ format, name: base + EXPORT_SUFFIXES[format] }));
                  job = { kind: 'table', outputs, cellsName: `${base}-cells.csv`, genes: o.gene };
                }
                // refuse early (before the work) when an output may not be replaced
                if (job.kind === 'part') record.target(job.name);
                else for (const out of job.outputs) record.target(out.name);
                if (job.kind === 'table' && o.mask !== undefined) record.target(job.cellsName);
                let res;
                try {
                  if (job.kind === 'table' && o.mask !== undefined) job.mask = maskDir ? maskFor(f, o.mask) : o.mask;
                  res = pool ? await pool.run(f, job) : await computeImage(f, detector, opts, job);
                } catch (err) {
                  await record.failed(path.resolve(f), errorLine(err, undefined, log.verbose));
                  throw err;
                }
                for (const w of res.warnings) log.warn(w);
                const shown: string[] = [];
                for (const [i, file] of res.files.entries()) {
                  const written = await record.write(file.name, file.text, file.facts);
                  if (i < res.shown) shown.push(written);
                }
                const out = shown.join(', ');
                total += res.spots;
                done++;
                if (!quietBar) process.stdout.write(`${res.line} → ${out}\n`);
                if (res.info) log.info(`${res.info} → ${out}`);
              },
              log,
              'images',
              signal,
              jobs,
            );
            return { failures, interrupted: signal.aborted };
          } finally {
            if (pool) await pool.close();
            else await detector.close();
          }
        });
        await record.finish(interrupted ? 'interrupted' : failures > 0 ? 'failed' : 'done');
        if (interrupted) {
          process.stdout.write(`interrupted: ${done}/${files.length} images done, ${total} spots → ${outDir} (record: ${path.basename(record.file)})\n`);
          process.exitCode = 130;
          return;
        }
        if (files.length > 1) process.stdout.write(`${files.length - failures}/${files.length} images done, ${total} spots → ${outDir}\n`);
        if (failures > 0) process.exitCode = 1;
      },
    );
}

/**
 * The default output folder: a new folder beside the input named after it (`cells.tif` →
 * `cells-spots/`, `images/` → `images-spots/`), so results never land in an input folder.
 */
export function defaultOutputDir(input: string): string {
  const resolved = path.resolve(input);
  const base = statSync(resolved).isDirectory() ? path.basename(resolved) : stem(resolved);
  return path.join(path.dirname(resolved), `${base}-spots`);
}

/** Mask file names tried for an image `cells.tif` in a mask folder, in order (any image extension for the suffixed ones). */
export const MASK_SUFFIXES = ['', '_mask', '.mask'];

/**
 * The mask of `image` in the folder `dir`: a file of the same name (`cells.tif`), else
 * `cells_mask.EXT` or `cells.mask.EXT` with any image extension. A UserError naming the image when none is there.
 */
export function maskFor(image: string, dir: string): string {
  const same = path.join(dir, path.basename(image));
  if (existsSync(same)) return same;
  for (const suffix of MASK_SUFFIXES.slice(1)) {
    for (const ext of imageExtensions()) {
      const f = path.join(dir, stem(image) + suffix + ext);
      if (existsSync(f)) return f;
    }
  }
  throw new UserError(`no mask in ${dir} (looked for ${path.basename(image)}, ${stem(image)}_mask.*, ${stem(image)}.mask.*)`, image, 'not-found');
}
