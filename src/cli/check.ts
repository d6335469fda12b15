import { Command } from 'commander';
import { makeLog, parsePixelSize, withCommon } from './common.js';
import { readImage } from '../io/image/read.js';
import { resolveAxes, iteratePlanes } from '../io/image/axes.js';
import { planeStats } from '../preprocess/check.js';
import type { PixelSize } from '../core/types.js';
import { UserError } from '../core/errors.js';

const AXIS_NAMES: Record<string, string> = { c: 'channel', t: 'time', z: 'z-slice', y: 'row (vertical)', x: 'column (horizontal)' };

export function checkCommand(): Command {
  return withCommon(new Command('check'))
    .description('Show how deepblink reads an image: shape, data type, axes, pixel size, value range.')
    .argument('<image>', 'image file')
    .option('-a, --axes <letters>', 'axis order to check instead of the metadata/guess (e.g. zyx)')
    .option('--pixel-size <um>', 'µm per pixel to assume ("0.1" or "Y,X")', parsePixelSize)
    .option('--json', 'print JSON instead of text', false)
    .action(async (file: string, o: { axes?: string; pixelSize?: PixelSize; json: boolean; verbose: boolean }) => {
      const log = makeLog(o.verbose);
      const raw = await readImage(file);
      const { axes, shape, source } = resolveAxes(raw, o.axes);
      let min = Infinity;
      let max = -Infinity;
      let sum = 0;
      let n = 0;
      let nonFinite = 0;
      const constantPlanes: string[] = [];
      for (const { c, t, z, plane } of iteratePlanes(raw, axes)) {
        const s = planeStats(plane);
        min = Math.min(min, s.min);
        max = Math.max(max, s.max);
        sum += s.mean * (plane.data.length - s.nonFinite);
        n += plane.data.length - s.nonFinite;
        nonFinite += s.nonFinite;
        if (!(s.max > s.min)) constantPlanes.push(shape.length > 2 ? `c=${c} t=${t} z=${z}` : 'the image');
      }
      const ps = o.pixelSize ?? raw.pixelSize;
      const psSource = o.pixelSize ? 'option' : raw.pixelSize ? 'metadata' : 'none: coordinates in px only';
      const problems: string[] = [];
      if (nonFinite) problems.push(`${nonFinite} NaN/infinite pixel(s)`);
      if (constantPlanes.length) problems.push(`constant plane(s): ${constantPlanes.slice(0, 5).join(', ')}${constantPlanes.length > 5 ? ', …' : ''}`);
      const info = {
        file,
        dtype: raw.dtype,
        storedShape: raw.shape,
        shape,
        axes,
        axesSource: source,
        planes: shape.slice(0, -2).reduce((a, b) => a * b, 1),
        height: shape[axes.indexOf('y')],
        width: shape[axes.indexOf('x')],
        pixelSize: ps ?? null,
        pixelSizeSource: psSource,
        min,
        max,
        mean: n ? sum / n : NaN,
        warnings: raw.warnings,
        problems,
      };
      if (o.json) {
        process.stdout.write(JSON.stringify(info, null, 2) + '\n');
      } else {
        const lines = [
          `file:        ${file}`,
          `data type:   ${raw.dtype}`,
          `shape:       (${shape.join(', ')})${raw.shape.length !== shape.length ? `  [stored as (${raw.shape.join(', ')})]` : ''}`,
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
          `values:      min ${min}, max ${max}, mean ${info.mean.toPrecision(6)}`,
          ...raw.warnings.map((w) => `warning:     ${w}`),
          ...problems.map((p) => `problem:     ${p}`),
        ];
        process.stdout.write(lines.join('\n') + '\n');
      }
      log.info(`checked ${file}`);
      if (problems.length) throw new UserError(`cannot be used for detection: ${problems.join('; ')}`, file);
    });
}
