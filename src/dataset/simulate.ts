/**
 * Simulated image sets with exact ground truth, the library side of `deepblink simulate`:
 *  - simulateFiles: a flat folder of <prefix>_NNNN.tif (uint16) + .csv (truth) + simulation.json;
 *  - simulateDataset: the same images as a training dataset (train/valid/test, see dataset.ts);
 *  - simulateScenesDataset: realistic training scenes (src/simulate/scenes.ts) as a dataset.
 * The same options and seed give byte-identical files.
 */
import path from 'node:path';
import { resolveSimParams, simulateImage, simToPlane, type SimParams } from '../simulate/simulate.js';
import { imageSeed, stackTiffOf, stackTruthTable, tiffOf, truthTable } from '../simulate/files.js';
import { resolveSim3dParams, simulateStack, type Sim3dParams } from '../simulate/simulate3d.js';
import { formatCsv } from '../io/csv.js';
import { RunRecord } from '../io/provenance.js';
import { CATEGORIES, TEST_SEED_BASE, trainingParams } from '../simulate/presets.js';
import { simulateScene, scenePoints, SCENES_DESCRIPTION } from '../simulate/scenes.js';
import { writeDataset, type DatasetEntry, type DatasetEvent, type DatasetManifest } from './dataset.js';
import { splitItems } from './crops.js';
import { readImage } from '../io/image/read.js';
import { resolveAxes, iteratePlanes } from '../io/image/axes.js';
import { ensureOutputDir } from '../io/files.js';
import { forEachItem, type ItemFailure } from '../core/progress.js';
import { Rng } from '../math/rng.js';
import type { PixelSize, Plane } from '../core/types.js';
import { UserError } from '../core/errors.js';
import { VERSION } from '../core/version.js';

/** The images of a simulated set. */
export interface SimulateOptions {
  /** Output folder (simulateFiles: created if missing; the datasets: must not exist unless `force`). */
  output: string;
  /** Number of images. */
  number: number;
  /** Base seed (image k uses imageSeed(seed, k)). Default 0. */
  seed?: number;
  /** Simulator settings of every image (unset ones keep the simulator's defaults); over the preset's draw. */
  params?: Partial<SimParams>;
  /** Draw each image's settings from a training design: a category of CATEGORIES or 'general'. */
  preset?: string;
  /** Image name prefix: <prefix>_NNNN. Default 'sim'. */
  prefix?: string;
  /** simulateFiles: replace files in `output` that deepblink did not write (default: refuse). */
  force?: boolean;
  /** simulateFiles: the command line to record in the run's provenance file. */
  command?: string;
  /** Progress (one item per image) and warnings. */
  onEvent?: (e: DatasetEvent) => void;
}

/** Options of simulateDataset: the images as a training dataset. */
export interface SimulateDatasetOptions extends SimulateOptions {
  /** Fraction of the images for validation. Default 0.2. */
  valid?: number;
  /** Fraction of the images for testing. Default 0.2. */
  test?: number;
  /** Replace an existing dataset folder. */
  force?: boolean;
}

/** Options of simulateScenesDataset. */
export interface SimulateScenesOptions {
  /** Dataset folder to create. */
  output: string;
  /** Number of images. */
  number: number;
  /** Image size in px (square). */
  size: number;
  /** Base seed. Default 0. */
  seed?: number;
  /** This fraction of the images drawn from the category designs (as preset 'general') instead. Default 0. */
  categories?: number;
  /** Images without spots (every plane is used) to cut real background templates from. */
  backgrounds?: string[];
  /** Fraction of the images for validation. Default 0.2. */
  valid?: number;
  /** Fraction of the images for testing. Default 0.2. */
  test?: number;
  /** Replace an existing dataset folder. */
  force?: boolean;
  /** Progress (one item per image). */
  onEvent?: (e: DatasetEvent) => void;
}

/** What simulateFiles wrote. */
export interface SimulateFilesResult {
  /** Images written. */
  images: number;
  /** Spots in the images written. */
  spots: number;
  /** Images not written, and why. */
  failures: ItemFailure[];
}

/** The per-image settings of a set, validated before anything is written; and the base settings resolved. */
function plan(opts: SimulateOptions) {
  const { number, seed = 0, params = {}, preset, prefix = 'sim', onEvent } = opts;
  const resolved = resolveSimParams(params);
  if (preset !== undefined && preset !== 'general' && !(preset in CATEGORIES)) {
    throw new UserError(`unknown preset '${preset}' (known: ${[...Object.keys(CATEGORIES), 'general'].join(', ')})`);
  }
  const names = Array.from({ length: number }, (_, k) => `${prefix}_${String(k).padStart(4, '0')}`);
  if (preset && seed >= TEST_SEED_BASE) onEvent?.({ type: 'warn', message: `seeds ≥ ${TEST_SEED_BASE} are reserved for benchmark test sets` });
  // per image: the preset's draw, then the explicit settings on top
  const paramsOf = (k: number): Partial<SimParams> => (preset ? { ...trainingParams(preset, seed, k), ...params } : params);
  if (preset) for (let k = 0; k < number; k++) resolveSimParams(paramsOf(k));
  return { seed, preset, prefix, names, resolved, paramsOf };
}

/**
 * Writes simulated items into `output`: <name>.tif and <name>.csv per item, then
 * simulation.json, under a provenance record (every name checked before anything is written;
 * an item that cannot be written is reported and skipped).
 */
async function writeSimulated(
  output: string,
  names: string[],
  run: { command: string; options: Record<string, unknown>; force?: boolean; onEvent?: (e: DatasetEvent) => void },
  make: (k: number) => { tif: Uint8Array; csv: string; spots: number },
): Promise<SimulateFilesResult> {
  ensureOutputDir(output);
  const settings = JSON.stringify({ tool: `deepblink ${VERSION}`, ...run.options }, null, 1) + '\n';
  const record = await RunRecord.start(output, { command: run.command, options: run.options, inputs: [], force: run.force });
  try {
    for (const n of [...names.flatMap((x) => [`${x}.tif`, `${x}.csv`]), 'simulation.json']) record.target(n);
  } catch (err) {
    await record.finish('failed');
    throw err;
  }
  let spots = 0;
  const failures = await forEachItem(
    names.map((n, k) => ({ n, k })),
    ({ n }) => path.join(output, n),
    async ({ n, k }) => {
      const item = make(k);
      await record.write(`${n}.tif`, item.tif);
      await record.write(`${n}.csv`, item.csv, { spots: item.spots });
      spots += item.spots;
    },
    run.onEvent,
  );
  await record.write('simulation.json', settings);
  await record.finish(failures.length ? 'failed' : 'done');
  return { images: names.length - failures.length, spots, failures };
}

/**
 * Simulates `number` images into the folder `output` (created if missing): <prefix>_NNNN.tif
 * (uint16 camera counts) and <prefix>_NNNN.csv (truth), and simulation.json (the settings),
 * with a provenance record (io/provenance.ts). Files deepblink did not write are never
 * replaced unless `force` (checked for every name before anything is written). An image that
 * cannot be written is reported ('itemFailed') and skipped.
 */
export async function simulateFiles(opts: SimulateOptions): Promise<SimulateFilesResult> {
  const { seed, preset, prefix, names, resolved, paramsOf } = plan(opts);
  const options = { seed, number: opts.number, prefix, preset, params: resolved };
  return writeSimulated(opts.output, names, { command: opts.command ?? 'simulateFiles', options, force: opts.force, onEvent: opts.onEvent }, (k) => {
    const sim = simulateImage(paramsOf(k), imageSeed(seed, k));
    return { tif: tiffOf(sim), csv: formatCsv(truthTable(sim)), spots: sim.spots.length };
  });
}

/** The z-stacks of a simulated set (see {@link simulateStackFiles}). */
export interface SimulateStackOptions {
  /** Output folder (created if missing). */
  output: string;
  /** Number of stacks. */
  number: number;
  /** Base seed (stack k uses imageSeed(seed, k)). Default 0. */
  seed?: number;
  /** Simulator settings of every stack (unset ones keep the 3-D simulator's defaults). */
  params?: Partial<Sim3dParams>;
  /** Stack name prefix: <prefix>_NNNN. Default 'sim'. */
  prefix?: string;
  /** Lateral pixel size, µm, written to the TIFFs (X/YResolution) and simulation.json. */
  pixelSize?: PixelSize;
  /** z step, µm: written to the TIFFs (ImageJ `spacing`, with a pixel size) and simulation.json. */
  zStep?: number;
  /** Replace files in `output` that deepblink did not write (default: refuse). */
  force?: boolean;
  /** The command line to record in the run's provenance file. */
  command?: string;
  /** Progress (one item per stack) and warnings. */
  onEvent?: (e: DatasetEvent) => void;
}

/**
 * Simulates `number` z-stacks ({@link simulateStack}) into the folder `output`: <prefix>_NNNN.tif
 * (uint16, ImageJ axes 'zyx'), <prefix>_NNNN.csv (truth: z, y, x, photons, sigma_xy, sigma_z,
 * crlb_z, crlb_y, crlb_x, background) and simulation.json, with a provenance record, under the
 * same overwrite rules as {@link simulateFiles}.
 */
export async function simulateStackFiles(opts: SimulateStackOptions): Promise<SimulateFilesResult> {
  const { output, number, seed = 0, params = {}, prefix = 'sim', pixelSize, zStep, onEvent } = opts;
  const resolved = resolveSim3dParams(params);
  if (zStep !== undefined && !(zStep > 0 && Number.isFinite(zStep))) throw new UserError(`z step must be > 0, got ${zStep}`);
  const names = Array.from({ length: number }, (_, k) => `${prefix}_${String(k).padStart(4, '0')}`);
  const options = { seed, number, prefix, threeD: true, pixelSize, zStep, params: resolved };
  return writeSimulated(output, names, { command: opts.command ?? 'simulateStackFiles', options, force: opts.force, onEvent }, (k) => {
    const sim = simulateStack(params, imageSeed(seed, k));
    return { tif: stackTiffOf(sim, pixelSize, zStep), csv: formatCsv(stackTruthTable(sim)), spots: sim.spots.length };
  });
}

/**
 * Simulates `number` images as a training dataset in `output`: the images are split (seeded)
 * into train/valid/test. Warns when there are fewer than 3 images (some splits stay empty).
 */
export async function simulateDataset(opts: SimulateDatasetOptions): Promise<DatasetManifest> {
  const { seed, preset, names, resolved, paramsOf } = plan(opts);
  const { output, number, valid = 0.2, test = 0.2, force = false, onEvent } = opts;
  const entries: DatasetEntry[] = [];
  for (const [k, name] of names.entries()) {
    onEvent?.({ type: 'item', name, index: k, total: number });
    const sim = simulateImage(paramsOf(k), imageSeed(seed, k));
    entries.push({ plane: simToPlane(sim), points: sim.spots.map((s) => [s.y, s.x]), source: name });
    onEvent?.({ type: 'itemDone', name, index: k, total: number });
  }
  if (entries.length < 3) onEvent?.({ type: 'warn', message: 'fewer than 3 images: some splits will be empty' });
  const rng = new Rng(seed, 7);
  const splits = splitItems(entries, valid, test, () => rng.uniform());
  return writeDataset(output, splits, {
    size: resolved.height,
    seed,
    force,
    description: preset
      ? `simulated (deepblink ${VERSION}), design '${preset}': ${preset === 'general' ? 'one of the designs per image' : CATEGORIES[preset].description}`
      : `simulated (deepblink ${VERSION})`,
    params: { ...resolved, preset, seed, number },
  });
}

/**
 * Simulates `number` realistic training scenes (src/simulate/scenes.ts) of size×size as a
 * training dataset in `output`; a fraction `categories` of them drawn from the category designs
 * instead, and real background templates cut from `backgrounds`.
 */
export async function simulateScenesDataset(opts: SimulateScenesOptions): Promise<DatasetManifest> {
  const { output, number, size, seed = 0, categories = 0, backgrounds: files = [], valid = 0.2, test = 0.2, force = false, onEvent } = opts;
  const backgrounds: Plane[] = [];
  for (const f of files) {
    const raw = await readImage(f);
    for (const { plane } of iteratePlanes(raw, resolveAxes(raw).axes)) backgrounds.push(plane);
  }
  const entries: DatasetEntry[] = [];
  const pick = new Rng(seed, 8);
  for (let k = 0; k < number; k++) {
    const fromCategories = pick.uniform() < categories;
    const name = `${fromCategories ? 'category' : 'scene'}_${String(k).padStart(5, '0')}`;
    onEvent?.({ type: 'item', name, index: k, total: number });
    if (fromCategories) {
      const sim = simulateImage({ ...trainingParams('general', seed, k), height: size, width: size }, imageSeed(seed, k));
      entries.push({ plane: simToPlane(sim), points: sim.spots.map((q) => [q.y, q.x]), source: name });
    } else {
      const s = simulateScene(seed, k, size, backgrounds);
      entries.push({ plane: { data: s.image, height: size, width: size }, points: scenePoints(s), source: `${name}: ${s.description}` });
    }
    onEvent?.({ type: 'itemDone', name, index: k, total: number });
  }
  const rng = new Rng(seed, 7);
  const splits = splitItems(entries, valid, test, () => rng.uniform());
  return writeDataset(output, splits, {
    size,
    seed,
    force,
    description:
      `simulated (deepblink ${VERSION}), design 'scenes': ${SCENES_DESCRIPTION}; real background templates: ${files.map((f) => path.basename(f)).join(', ') || 'none'}` +
      (categories > 0 ? `; ${Math.round(categories * 100)} % of the images from the category designs (general)` : ''),
    params: { preset: 'scenes', seed, number, size, categories, backgrounds: files.map((f) => path.basename(f)) },
  });
}
