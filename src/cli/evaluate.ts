import { statSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { batchReporter, makeLog, parsePixelSize, parsePositive, withCommon, workBar } from './common.js';
import type { VoxelSize } from '../evaluate/metrics.js';
import { UserError } from '../core/errors.js';
import { formatScoreTable } from '../evaluate/evaluate.js';
import { evaluateFiles, scoreTable } from '../evaluate/files.js';
import type { PixelSize } from '../core/types.js';
import { writeCsv } from '../io/csv.js';
import { checkReplace } from '../io/provenance.js';

export function evaluateCommand(): Command {
  return withCommon(new Command('evaluate'))
    .description('Score predicted spots against ground truth (CSV files, or folders of CSVs paired by name).')
    .requiredOption('-p, --pred <path>', 'predicted CSV or folder (e.g. the output of predict)')
    .requiredOption('-t, --true <path>', 'ground-truth CSV or folder (any supported label format)')
    .option('-d, --mdist <px>', 'largest matching distance in px (cutoffs 0…mdist); with --3d in µm given --voxel-size, else in voxels', parsePositive, 3)
    .option('--pixel-size <um>', 'µm per pixel, for CSVs holding µm only', parsePixelSize)
    .option('--3d', 'match in 3-D: z columns (z [px], z [µm], z, POSITION_Z) are coordinates, not plane indices; prints per-axis errors', false)
    .option('--voxel-size <z,y,x>', 'with --3d: µm per voxel (slice, row, column spacing); distances then in µm (default 1,1,1: in voxels)', parseVoxelSize)
    .option('--json', 'print JSON (per image and summary) instead of the table', false)
    .option('-o, --output <csv>', 'also write the per-image table as CSV')
    .option('-f, --force', 'replace an existing --output file (default: refuse)', false)
    .action(
      async (o: {
        pred: string;
        true: string;
        mdist: number;
        pixelSize?: PixelSize;
        '3d': boolean;
        voxelSize?: VoxelSize;
        json: boolean;
        output?: string;
        force: boolean;
        verbose: boolean;
      }) => {
        const log = makeLog(o.verbose);
        if (o.voxelSize && !o['3d']) throw new UserError('--voxel-size is for 3-D evaluation: add --3d', undefined, 'invalid-input');
        if (o.voxelSize && o.pixelSize) throw new UserError('give --voxel-size (z,y,x) or --pixel-size, not both', undefined, 'invalid-input');
        if (o.output) checkReplace(o.output, o.force); // before the work, not after it
        // two files: a bar over the matching of large tables (folders get the per-pair bar instead)
        const isFile = (f: string) => statSync(f, { throwIfNoEntry: false })?.isFile() === true;
        const { images, summary, failures } = await evaluateFiles(o.pred, o.true, {
          mdist: o.mdist,
          pixelSize: o.pixelSize,
          threeD: o['3d'],
          voxelSize: o.voxelSize,
          onEvent: batchReporter(log, 'pairs'),
          onProgress: isFile(o.pred) && isFile(o.true) ? workBar('matching spots', 200_000) : undefined,
        });
        if (!summary) {
          process.exitCode = 1; // every pair failed and said why
          return;
        }
        if (o.json) process.stdout.write(JSON.stringify({ images, summary }, null, 2) + '\n');
        else process.stdout.write(formatScoreTable(images, summary));
        if (o.output) await writeCsv(o.output, scoreTable(images));
        if (failures.length > 0) process.exitCode = 1;
      },
    );
}

/** "Z,Y,X" µm per voxel (three positive numbers). */
export function parseVoxelSize(s: string): VoxelSize {
  const parts = s.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 3 || parts.some((v) => !Number.isFinite(v) || v <= 0)) {
    throw new InvalidArgumentError('expected "Z,Y,X": three positive numbers, µm per voxel (slice, row and column spacing)');
  }
  return [parts[0], parts[1], parts[2]];
}
