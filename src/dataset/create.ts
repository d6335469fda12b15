/**
 * Building a training dataset from images and their label CSVs (paired by name: cells.tif ↔
 * cells.csv): square crops, seeded train/valid/test splits, written as a dataset folder
 * (see dataset.ts). The library side of `deepblink create`.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { readImage } from '../io/image/read.js';
import { resolveAxes, iteratePlanes } from '../io/image/axes.js';
import { readLabels } from '../io/labels.js';
import { listInputs, stem } from '../io/files.js';
import { checkPlane } from '../preprocess/check.js';
import { cropImage, splitItems } from './crops.js';
import { writeDataset, type DatasetEntry, type DatasetEvent, type DatasetManifest } from './dataset.js';
import { Rng } from '../math/rng.js';
import { forEachItem, type ItemFailure } from '../core/progress.js';
import type { PixelSize, Point } from '../core/types.js';
import { UserError } from '../core/errors.js';
import { BUNDLED_NETWORK, deepblinkSpec, inputMultiple, networkSpec } from '../network/spec.js';

/** What `createDataset` makes, and from what. */
export interface CreateDatasetOptions {
  /** An image file or a folder of images (.tif, .tiff, .png, .jpg, .jpeg; not recursive). */
  input: string;
  /** Folder of the label CSVs, named as the images (default: the images' folder). */
  labels?: string;
  /** Dataset folder to create. */
  output: string;
  /** Crop size in px (square; a multiple of CROP_MULTIPLE, 8, for training). Default 256. */
  size?: number;
  /** Crops with fewer spots are dropped. Default 1. */
  minSpots?: number;
  /** Fraction of all crops for validation (splitSizes). Default 0.2. */
  valid?: number;
  /** Fraction of all crops for testing. Default 0.2. */
  test?: number;
  /** Seed of the split. Default 0. */
  seed?: number;
  /** µm per pixel, for labels in µm (default: the image's metadata). */
  pixelSize?: PixelSize;
  /** Replace an existing dataset folder. */
  force?: boolean;
  /** Largest image to read, in pixel values (see readImage; default DEEPBLINK_MAX_PIXELS, else 2^30). */
  maxPixels?: number;
  /** Progress (one item per image; a failing image is reported and skipped) and warnings. */
  onEvent?: (e: DatasetEvent) => void;
}

/** The dataset written by `createDataset`. */
export interface CreateDatasetResult {
  manifest: DatasetManifest;
  /** Images that gave crops (or none, having too few spots). */
  images: number;
  /** Images skipped because they could not be read or paired with labels. */
  failures: ItemFailure[];
}

/**
 * Cuts each image (2-D) and its labels into size×size crops with at least `minSpots` spots,
 * splits the crops (seeded; `valid` and `test` are fractions of all crops, see splitSizes) into
 * train/valid/test and writes the dataset folder. A crop size the networks cannot take
 * (checkCropSize) is refused before anything is read. An image that fails is reported
 * ('itemFailed') and skipped; fewer than 3 crops in all is an error.
 */
/**
 * Crop sizes must be multiples of this to train: the input multiple (src/network/spec.ts
 * inputMultiple) of the bundled models' network (the default of `deepblink config`: 8) and of
 * the paper's network (4).
 */
export const CROP_MULTIPLE = Math.max(inputMultiple(networkSpec(BUNDLED_NETWORK)), inputMultiple(deepblinkSpec()));

/** Refuses a crop size the networks cannot take, saying which sizes work. */
export function checkCropSize(size: number): void {
  const m = CROP_MULTIPLE;
  if (Number.isInteger(size) && size >= m && size % m === 0) return;
  const lo = Math.floor(size / m) * m;
  const near = [lo, lo + m].filter((v) => v >= m);
  throw new UserError(
    `crop size ${size} cannot be trained on: the networks need a multiple of ${m} px (${near.join(' or ')} would do; 64, 128 and 256 are usual)`,
    undefined,
    'invalid-option',
  );
}

export async function createDataset(opts: CreateDatasetOptions): Promise<CreateDatasetResult> {
  const { input, output, size = 256, minSpots = 1, valid = 0.2, test = 0.2, seed = 0, pixelSize, force = false, onEvent, maxPixels } = opts;
  checkCropSize(size);
  if (!(valid >= 0 && test >= 0 && valid + test < 1)) {
    throw new UserError(`valid ${valid} + test ${test} must be below 1 (fractions of all crops; the rest trains)`, undefined, 'invalid-option');
  }
  if (existsSync(output) && !force) throw new UserError('already exists; choose another name or use --force', output);
  const images = listInputs(input);
  const labelDir = opts.labels ?? (statSync(input).isDirectory() ? input : path.dirname(input));
  if (!existsSync(labelDir) || !statSync(labelDir).isDirectory()) throw new UserError('labels folder not found', labelDir);
  const entries: DatasetEntry[] = [];
  const failures = await forEachItem(
    images,
    (f) => f,
    async (f) => {
      entries.push(...(await cropsOf(f, labelDir, size, minSpots, pixelSize, onEvent, maxPixels)));
    },
    onEvent,
  );
  if (entries.length < 3) {
    throw new UserError(`only ${entries.length} crop(s) with ≥ ${minSpots} spot(s); need at least 3 for train/valid/test`, output);
  }
  const rng = new Rng(seed);
  const splits = splitItems(entries, valid, test, () => rng.uniform());
  const manifest = await writeDataset(output, splits, {
    size,
    seed,
    force,
    description: `created from ${images.length - failures.length} image(s) in ${input}`,
    params: { input, labels: labelDir, size, minSpots, valid, test },
  });
  return { manifest, images: images.length - failures.length, failures };
}

/** The crops of one image and its label file (LABELDIR/STEM.csv, else LABELDIR/STEM.xml from TrackMate). */
async function cropsOf(
  f: string,
  labelDir: string,
  size: number,
  minSpots: number,
  pixelSize: PixelSize | undefined,
  onEvent: ((e: DatasetEvent) => void) | undefined,
  maxPixels: number | undefined,
): Promise<DatasetEntry[]> {
  // STEM.csv, else a TrackMate file STEM.xml
  const csvFile = path.join(labelDir, `${stem(f)}.csv`);
  const xmlFile = path.join(labelDir, `${stem(f)}.xml`);
  const csv = existsSync(csvFile) || !existsSync(xmlFile) ? csvFile : xmlFile;
  if (!existsSync(csv)) throw new UserError(`no label file ${csvFile} (labels are paired by name)`);
  const raw = await readImage(f, { maxPixels });
  const { axes, shape } = resolveAxes(raw);
  if (shape.length !== 2) throw new UserError(`create needs 2-D images; this one has axes '${axes}' (${shape.join('×')})`);
  const plane = [...iteratePlanes(raw, axes)][0].plane;
  checkPlane(plane);
  if (plane.height < size || plane.width < size) {
    throw new UserError(`image is ${plane.height}×${plane.width}, smaller than --size ${size}`);
  }
  const labels = await readLabels(csv, { pixelSize: pixelSize ?? raw.pixelSize });
  for (const w of labels.warnings) onEvent?.({ type: 'warn', message: `${csv}: ${w}` });
  const inside: Point[] = labels.points.filter(([r, c]) => r >= -0.5 && r < plane.height - 0.5 && c >= -0.5 && c < plane.width - 0.5);
  if (inside.length < labels.points.length) {
    onEvent?.({ type: 'warn', message: `${csv}: ${labels.points.length - inside.length} spot(s) outside the ${plane.height}×${plane.width} image ignored` });
  }
  const crops = cropImage(plane, inside, size, minSpots);
  onEvent?.({ type: 'info', message: `${f}: ${labels.format} labels, ${inside.length} spots, ${crops.length} crop(s)` });
  return crops.map((c) => ({ plane: c.plane, points: c.points, source: path.basename(f), row0: c.row0, col0: c.col0 }));
}
