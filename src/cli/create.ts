import { Command } from 'commander';
import { batchReporter, makeLog, maxPixelsOption, parseFraction, parseInteger, parsePixelSize, parsePositiveInt, withCommon } from './common.js';
import { CROP_MULTIPLE, createDataset } from '../dataset/create.js';
import type { PixelSize } from '../core/types.js';

export function createCommand(): Command {
  return withCommon(new Command('create'))
    .description(
      'Make a training dataset from images and label CSVs (paired by name: cells.tif ↔ cells.csv): ' +
        'square crops, seeded train/valid/test splits, written as a folder of TIFF crops + CSVs + dataset.json.',
    )
    .requiredOption('-i, --input <path>', 'image file or folder of images')
    .option('-l, --labels <dir>', "folder of label CSVs (default: the images' folder)")
    .requiredOption('-o, --output <dir>', 'dataset folder to create')
    .option('-s, --size <px>', `crop size (square; a multiple of ${CROP_MULTIPLE} to train on, e.g. 64, 128, 256)`, parsePositiveInt, 256)
    .option('-m, --min-spots <n>', 'drop crops with fewer spots', parsePositiveInt, 1)
    .option('--valid <fraction>', 'fraction of all crops for validation', parseFraction, 0.2)
    .option('--test <fraction>', 'fraction of all crops for testing (the rest trains: 60/20/20 by default)', parseFraction, 0.2)
    .option('--seed <n>', 'random seed of the split', parseInteger, 0)
    .option('--pixel-size <um>', 'µm per pixel, for labels in µm (default: image metadata)', parsePixelSize)
    .option('-f, --force', 'replace an existing dataset folder', false)
    .addOption(maxPixelsOption())
    .action(
      async (o: {
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
        maxPixels?: number;
        verbose: boolean;
      }) => {
        const log = makeLog(o.verbose);
        const res = await createDataset({
          input: o.input,
          labels: o.labels,
          output: o.output,
          size: o.size,
          minSpots: o.minSpots,
          valid: o.valid,
          test: o.test,
          seed: o.seed,
          pixelSize: o.pixelSize,
          force: o.force,
          maxPixels: o.maxPixels,
          onEvent: batchReporter(log, 'images'),
        });
        const n = res.manifest.splits;
        process.stdout.write(`${o.output}: ${n.train.length} train, ${n.valid.length} valid, ${n.test.length} test crops of ${o.size}×${o.size}\n`);
        if (res.failures.length > 0) process.exitCode = 1;
      },
    );
}
