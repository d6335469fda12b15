/**
 * Our dataset format: a folder anyone can open in Fiji or a spreadsheet.
 *
 *   DATASET/
 *     dataset.json          manifest: format, version, crop size, seed, splits, provenance
 *     train/NAME.tif        float32 crop, raw intensities (no normalisation stored)
 *     train/NAME.csv        its spots: y,x (row, col in px relative to the crop, pixel centre at integers)
 *     valid/…  test/…
 *
 * It is written to a temporary folder and renamed into place, so a failed `create` leaves
 * nothing half-written.
 */
import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import type { Plane, Point } from '../core/types.js';
import { encodeTiff } from '../io/image/write.js';
import { readImage } from '../io/image/read.js';
import { resolveAxes, iteratePlanes } from '../io/image/axes.js';
import { formatCsv } from '../io/csv.js';
import { readLabels } from '../io/labels.js';
import { UserError, fsCode, type ErrorCode } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import type { ItemEvent, MessageEvent } from '../core/progress.js';

/** A user-facing error of this stage (code 'bad-dataset' unless given). */
const datasetError = (message: string, file?: string, code: ErrorCode = 'bad-dataset') => new UserError(message, file, code);

export const DATASET_FORMAT = 'deepblink-dataset';
export const DATASET_VERSION = 1;
/** A split of a dataset. */
export type SplitName = 'train' | 'valid' | 'test';
export const SPLITS = ['train', 'valid', 'test'] as const satisfies readonly SplitName[];

/** One crop of a dataset, as listed in its manifest. */
export interface DatasetItem {
  /** Paths relative to the dataset folder. */
  image: string;
  /** The crop's label CSV, relative to the dataset folder. */
  labels: string;
  /** Number of spots in the crop. */
  spots: number;
  /** Where the crop came from (source image and crop origin), if known. */
  source?: string;
  row0?: number;
  col0?: number;
}

export interface DatasetManifest {
  format: typeof DATASET_FORMAT;
  version: number;
  created: string;
  tool: string;
  /** Crop height = width in px. */
  size: number;
  seed: number;
  description: string;
  params: Record<string, unknown>;
  splits: Record<SplitName, DatasetItem[]>;
}

/** Progress of dataset building (createDataset, simulateDataset, …): one item per image, and messages. */
export type DatasetEvent = ItemEvent | MessageEvent;

export interface DatasetEntry {
  plane: Plane;
  points: Point[];
  source?: string;
  row0?: number;
  col0?: number;
}

function labelsCsv(points: Point[]): string {
  return formatCsv({ columns: ['y', 'x'], rows: points.map(([r, c]) => [r, c]), decimals: { y: 6, x: 6 } });
}

/** Writes a dataset folder atomically. Refuses to overwrite an existing folder unless `force`. */
export async function writeDataset(
  dir: string,
  splits: Record<SplitName, DatasetEntry[]>,
  meta: { size: number; seed: number; description: string; params: Record<string, unknown>; force?: boolean },
): Promise<DatasetManifest> {
  if (existsSync(dir) && !meta.force) throw datasetError('already exists; choose another name or use --force', dir, 'exists');
  const parent = path.dirname(path.resolve(dir));
  const tmp = path.join(parent, `.${path.basename(dir)}.tmp-${process.pid}-${Date.now().toString(36)}`);
  const manifest: DatasetManifest = {
    format: DATASET_FORMAT,
    version: DATASET_VERSION,
    created: new Date().toISOString(),
    tool: `deepblink ${VERSION}`,
    size: meta.size,
    seed: meta.seed,
    description: meta.description,
    params: meta.params,
    splits: { train: [], valid: [], test: [] },
  };
  try {
    await fs.mkdir(tmp, { recursive: true });
    for (const split of SPLITS) {
      await fs.mkdir(path.join(tmp, split));
      const entries = splits[split];
      const width = Math.max(4, String(entries.length).length);
      for (let k = 0; k < entries.length; k++) {
        const e = entries[k];
        const name = String(k).padStart(width, '0');
        const image = `${split}/${name}.tif`;
        const labels = `${split}/${name}.csv`;
        await fs.writeFile(path.join(tmp, image), encodeTiff([e.plane], {}));
        await fs.writeFile(path.join(tmp, labels), labelsCsv(e.points));
        manifest.splits[split].push({ image, labels, spots: e.points.length, source: e.source, row0: e.row0, col0: e.col0 });
      }
    }
    await fs.writeFile(path.join(tmp, 'dataset.json'), JSON.stringify(manifest, null, 1) + '\n');
    if (existsSync(dir)) await fs.rm(dir, { recursive: true, force: true });
    await fs.rename(tmp, dir);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw datasetError(`cannot write the dataset (${code ?? (err as Error).message})`, dir);
  }
  return manifest;
}

/** Reads and validates a dataset manifest. */
export async function readManifest(dir: string): Promise<DatasetManifest> {
  const file = path.join(dir, 'dataset.json');
  let m: DatasetManifest;
  try {
    m = JSON.parse(await fs.readFile(file, 'utf8')) as DatasetManifest;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw datasetError(code === 'ENOENT' ? 'not a dataset folder (no dataset.json)' : `unreadable dataset.json (${(err as Error).message})`, dir, fsCode(err));
  }
  if (m.format !== DATASET_FORMAT) throw datasetError(`dataset.json is not a ${DATASET_FORMAT} manifest`, dir);
  if (m.version > DATASET_VERSION)
    throw datasetError(`dataset format version ${m.version} is newer than this deepblink supports (${DATASET_VERSION}); update deepblink`, dir);
  for (const s of SPLITS) if (!Array.isArray(m.splits?.[s])) throw datasetError(`dataset.json has no '${s}' split`, dir);
  return m;
}

/** Loads one split of a dataset into memory. */
export async function loadSplit(dir: string, split: SplitName): Promise<DatasetEntry[]> {
  const m = await readManifest(dir);
  const out: DatasetEntry[] = [];
  for (const item of m.splits[split]) {
    const raw = await readImage(path.join(dir, item.image));
    const { axes } = resolveAxes(raw, 'yx');
    const planes = [...iteratePlanes(raw, axes)];
    const { points } = await readLabels(path.join(dir, item.labels));
    out.push({ plane: planes[0].plane, points, source: item.source, row0: item.row0, col0: item.col0 });
  }
  return out;
}
