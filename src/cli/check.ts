import { Command } from 'commander';
import { levelOption, makeLog, maxPixelsOption, parsePixelSize, withCommon } from './common.js';
import { openImage } from '../io/image/read.js';
import { inspectSource, type ImageInfo } from '../preprocess/inspect.js';
import type { PixelSize } from '../core/types.js';
import { UserError } from '../core/errors.js';

const AXIS_NAMES: Record<string, string> = { c: 'channel', t: 'time', z: 'z-slice', y: 'row (vertical)', x: 'column (horizontal)' };

const PIXEL_SIZE_SOURCES: Record<ImageInfo['pixelSizeSource'], string> = {
  option: 'option',
  metadata: 'metadata',
  none: 'none: coordinates in px only',
};

export function checkCommand(): Command {
  return withCommon(new Command('check'))
    .description(
      'Show how deepblink reads an image: format, shape, data type, axes, pixel size, value range; for OME-Zarr also the versions, pyramid levels, chunks and compressor.',
    )
    .argument('<image>', 'image file, or OME-Zarr folder (.zarr)')
    .option('-a, --axes <letters>', 'axis order to check instead of the metadata/guess (e.g. zyx)')
    .option('--pixel-size <um>', 'µm per pixel to assume ("0.1" or "Y,X")', parsePixelSize)
    .option('--json', 'print JSON instead of text', false)
    .addOption(levelOption())
    .addOption(maxPixelsOption())
    .action(async (file: string, o: { axes?: string; pixelSize?: PixelSize; json: boolean; maxPixels?: number; level?: number; verbose: boolean }) => {
      const log = makeLog(o.verbose);
      const src = await openImage(file, { maxPixels: o.maxPixels, level: o.level });
      const info = await inspectSource(src, { axes: o.axes, pixelSize: o.pixelSize, maxPixels: o.maxPixels });
      const { axes, shape, axesSource: source, pixelSize: ps, problems, zarr } = info;
      const psSource = PIXEL_SIZE_SOURCES[info.pixelSizeSource];
      if (o.json) {
        process.stdout.write(JSON.stringify({ ...info, pixelSizeSource: psSource }, null, 2) + '\n');
      } else {
        const lines = [
          `file:        ${file}`,
          `format:      ${info.format}${zarr ? `${zarr.omeVersion ? ` ${zarr.omeVersion}` : ''} (Zarr v${zarr.zarrVersion}${zarr.image ? `, image '${zarr.image}'` : ''})` : ''}`,
          ...(zarr
            ? [
                `levels:      ${zarr.levels.map((l, i) => `${i}: ${l.shape.length ? `(${l.shape.join(', ')})` : 'missing'}${i === zarr.level ? ' ← read' : ''}`).join(', ')}`,
                `chunks:      (${info.chunks?.join(', ')})`,
                `compressor:  ${zarr.compressor}`,
              ]
            : []),
          `data type:   ${info.dtype}`,
          `shape:       (${shape.join(', ')})${info.storedShape.length !== shape.length ? `  [stored as (${info.storedShape.join(', ')})]` : ''}`,
          `axes:        ${axes} (${
            source === 'option'
              ? 'from --axes'
              : shape.length === 2
                ? '2-D image'
                : source === 'guessed'
                  ? 'guessed from the shape; set --axes if wrong'
                  : 'from metadata'
          })`,
          ...[...axes].map((a, i) => `  ${a} = ${AXIS_NAMES[a]}, ${shape[i]}`),
          `planes:      ${info.planes} of ${info.height} rows × ${info.width} columns`,
          `pixel size:  ${ps ? `${ps.y} × ${ps.x} µm (y × x)` : '1 px'} (${psSource})`,
          `values:      ${info.valuesSkipped ?? `min ${info.min}, max ${info.max}, mean ${info.mean.toPrecision(6)}`}`,
          ...info.warnings.map((w) => `warning:     ${w}`),
          ...problems.map((p) => `problem:     ${p}`),
        ];
        process.stdout.write(lines.join('\n') + '\n');
      }
      log.info(`checked ${file}`);
      if (problems.length) throw new UserError(`cannot be used for detection: ${problems.join('; ')}`, file);
    });
}
