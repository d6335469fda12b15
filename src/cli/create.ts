import { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  listInputs,
  makeLog,
  parseFraction,
  parseInteger,
  parsePixelSize,
  parsePositiveInt,
  runBatch,
  stem,
  withCommon,
} from './common.js';
import { readImage } from '../io/image/read.js';
import { resolveAxes, iteratePlanes } from '../io/image/axes.js';
import { readLabels } from '../io/labels.js';
import { checkPlane } from '../preprocess/check.js';
import { cropImage, splitItems } from '../dataset/crops.js';
import { writeDataset, type DatasetEntry } from '../dataset/dataset.js';
import { Rng } from '../math/rng.js';
import type { PixelSize, Point } from '../core/types.js';
import { UserError } from '../core/errors.js';

export function createCommand(): Command {
  return withCommon(new Command('create'))
    .description(
      'Make a training dataset from images and label CSVs (paired by name: cells.tif ↔ cells.csv): ' +
        'square crops, seeded train/valid/test splits, written as a folder of TIFF crops + CSVs + dataset.json.',
    )
    .requiredOption('-i, --input <path>', 'image file or folder of images')
    .option('-l, --labels <dir>', 'folder of label CSVs (default: the images\' folder)')
    .requiredOption('-o, --output <dir>', 'dataset folder to create')
    .option('-s, --size <px>', 'crop size (square; a power of two for training)', parsePositiveInt, 256)
    .option('-m, --min-spots <n>', 'drop crops with fewer spots', parsePositiveInt, 1)
    .option('--valid <fraction>', 'fraction of crops for validation', parseFraction, 0.2)
    .option('--test <fraction>', 'fraction of crops for testing', parseFraction, 0.2)
    .option('--seed <n>', 'random seed of the split', parseInteger, 0)
    .option('--pixel-size <um>', 'µm per pixel, for labels in µm (default: image metadata)', parsePixelSize)
    .option('-f, --force', 'replace an existing dataset folder', false)
    .action(async (o: {
      input: string;
      labels?: string;
      output: string;
      size: number;
      minSpots: number;
      valid: number;
      test: number;
      seed: number;
      pixelSize?: PixelSize;
      force: boolean;
      verbose: boolean;
    }) => {
      const log = makeLog(o.verbose);
      if (existsSync(o.output) && !o.force) throw new UserError('already exists; choose another name or use --force', o.output);
      const images = listInputs(o.input);
      const labelDir = o.labels ?? (statSync(o.input).isDirectory() ? o.input : path.dirname(o.input));
      if (!existsSync(labelDir) || !statSync(labelDir).isDirectory()) throw new UserError('labels folder not found', labelDir);
      const entries: DatasetEntry[] = [];
      const failures = await runBatch(
        images,
        (f) => f,
        async (f) => {
          const csv = path.join(labelDir, `${stem(f)}.csv`);
          if (!existsSync(csv)) throw new UserError(`no label file ${csv} (labels are paired by name)`);
          const raw = await readImage(f);
          const { axes, shape } = resolveAxes(raw);
          if (shape.length !== 2) throw new UserError(`create needs 2-D images; this one has axes '${axes}' (${shape.join('×')})`);
          const plane = [...iteratePlanes(raw, axes)][0].plane;
          checkPlane(plane);
          if (plane.height < o.size || plane.width < o.size) {
            throw new UserError(`image is ${plane.height}×${plane.width}, smaller than --size ${o.size}`);
          }
          const labels = await readLabels(csv, { pixelSize: o.pixelSize ?? raw.pixelSize });
          for (const w of labels.warnings) log.warn(`${csv}: ${w}`);
          const inside: Point[] = labels.points.filter(
            ([r, c]) => r >= -0.5 && r < plane.height - 0.5 && c >= -0.5 && c < plane.width - 0.5,
          );
          if (inside.length < labels.points.length) {
            log.warn(`${csv}: ${labels.points.length - inside.length} spot(s) outside the ${plane.height}×${plane.width} image ignored`);
          }
          const crops = cropImage(plane, inside, o.size, o.minSpots);
          for (const c of crops) entries.push({ plane: c.plane, points: c.points, source: path.basename(f), row0: c.row0, col0: c.col0 });
          log.info(`${f}: ${labels.format} labels, ${inside.length} spots, ${crops.length} crop(s)`);
        },
        log,
        'images',
      );
      if (entries.length < 3) {
        throw new UserError(`only ${entries.length} crop(s) with ≥ ${o.minSpots} spot(s); need at least 3 for train/valid/test`, o.output);
      }
      const rng = new Rng(o.seed);
      const splits = splitItems(entries, o.valid, o.test, () => rng.uniform());
      await writeDataset(o.output, splits, {
        size: o.size,
        seed: o.seed,
        force: o.force,
        description: `created from ${images.length - failures} image(s) in ${o.input}`,
        params: { input: o.input, labels: labelDir, size: o.size, minSpots: o.minSpots, valid: o.valid, test: o.test },
      });
      process.stdout.write(
        `${o.output}: ${splits.train.length} train, ${splits.valid.length} valid, ${splits.test.length} test crops of ${o.size}×${o.size}\n`,
      );
      if (failures > 0) process.exitCode = 1;
    });
}
