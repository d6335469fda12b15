import { Command, InvalidArgumentError } from 'commander';
import path from 'node:path';
import { makeLog, maxPixelsOption, parseNonNegative, parsePositiveInt, withCommon } from './common.js';
import { readImage } from '../io/image/read.js';
import { resolveAxes, iteratePlanes, stackAt } from '../io/image/axes.js';
import { readLabels } from '../io/labels.js';
import { loadSplit, SPLITS, type SplitName } from '../dataset/dataset.js';
import { renderSpots, type Layer } from '../visualize/render.js';
import { renderMaxProjection } from '../visualize/project.js';
import { encodePng } from '../io/image/write.js';
import { writeFileAtomic } from '../io/atomic.js';
import { checkReplace } from '../io/provenance.js';
import { UserError } from '../core/errors.js';
import type { Plane, Point } from '../core/types.js';

function parseSplit(s: string): SplitName {
  if (!(SPLITS as readonly string[]).includes(s)) throw new InvalidArgumentError(`expected one of ${SPLITS.join(', ')}`);
  return s as SplitName;
}

export function visualizeCommand(): Command {
  return withCommon(new Command('visualize'))
    .description(
      'Draw spots on an image and write a PNG: red rings = spots of --spots (e.g. predict output), green = --truth. ' +
        'Or show a dataset crop with its labels (--dataset).',
    )
    .option('-i, --image <file>', 'image file (2-D; a z-stack is shown as its maximum projection with spots coloured by z)')
    .option('-s, --spots <csv>', 'spots to draw in red (e.g. the CSV written by predict)')
    .option('-t, --truth <csv>', 'spots to draw in green (e.g. ground truth)')
    .option('-d, --dataset <dir>', 'a dataset folder: draw crop --index of --split with its labels in green')
    .option('--split <name>', 'dataset split', parseSplit, 'train' as SplitName)
    .option('--index <n>', 'dataset crop index', parseNonNegative, 0)
    .option('--scale <k>', 'up-scaling factor (default: so the picture is about 1024 px)', parsePositiveInt)
    .requiredOption('-o, --output <png>', 'PNG file to write')
    .option('-f, --force', 'replace an existing output file (default: refuse)', false)
    .addOption(maxPixelsOption())
    .action(
      async (o: {
        image?: string;
        spots?: string;
        truth?: string;
        dataset?: string;
        split: SplitName;
        index: number;
        scale?: number;
        output: string;
        force: boolean;
        maxPixels?: number;
        verbose: boolean;
      }) => {
        const log = makeLog(o.verbose);
        checkReplace(o.output, o.force);
        let plane: Plane;
        const layers: Layer[] = [];
        if (o.dataset) {
          const entries = await loadSplit(o.dataset, o.split);
          if (!Number.isInteger(o.index) || o.index >= entries.length) {
            throw new UserError(`--index ${o.index} is out of range: the '${o.split}' split has ${entries.length} crops`, o.dataset);
          }
          plane = entries[o.index].plane;
          layers.push({ points: entries[o.index].points, color: [40, 220, 40] });
        } else {
          if (!o.image) throw new UserError('give --image (with --spots/--truth) or --dataset');
          const raw = await readImage(o.image, { maxPixels: o.maxPixels });
          const { axes, shape } = resolveAxes(raw);
          if (axes.includes('z') && shape[axes.indexOf('z')] > 1) {
            // a z-stack: its maximum projection, spots coloured by z (blue = first slice … red = last), truth as white crosses
            const stack = stackAt(raw, axes, 0, 0);
            if (axes.includes('c') || axes.includes('t')) log.warn(`${o.image}: ${axes}: showing the z-stack of c = 0, t = 0`);
            const points3 = async (csv: string | undefined): Promise<[number, number, number][]> => {
              if (!csv) return [];
              const l = await readLabels(csv, { pixelSize: raw.pixelSize, zAsCoordinate: true, voxelDepth: raw.zStep });
              for (const w of l.warnings) log.warn(`${csv}: ${w}`);
              return l.points3d ?? [];
            };
            const spots = await points3(o.spots);
            const truth = await points3(o.truth);
            const r = renderMaxProjection(stack, spots, { scale: o.scale, reference: truth });
            await writeFileAtomic(o.output, encodePng(r.rgb, r.width, r.height, 3));
            process.stdout.write(
              `${o.output}: maximum projection of ${stack.depth} slices, ${r.width}×${r.height}, ${spots.length} spots coloured by z (blue = slice 0 … red = ${stack.depth - 1})${truth.length ? `, ${truth.length} truth crosses` : ''}\n`,
            );
            return;
          }
          if (shape.length > 2) log.warn(`${o.image}: a stack (${axes}); showing its first plane with all spots`);
          plane = iteratePlanes(raw, axes).next().value!.plane;
          const add = async (csv: string | undefined, color: [number, number, number]) => {
            if (!csv) return;
            const l = await readLabels(csv, { pixelSize: raw.pixelSize });
            for (const w of l.warnings) log.warn(`${csv}: ${w}`);
            layers.push({ points: l.points as Point[], color });
          };
          await add(o.truth, [40, 220, 40]);
          await add(o.spots, [255, 40, 40]);
          if (layers.length === 0) log.warn('no --spots or --truth given: drawing the image only');
        }
        const r = renderSpots(plane, layers, { scale: o.scale });
        await writeFileAtomic(o.output, encodePng(r.rgb, r.width, r.height, 3));
        process.stdout.write(`${o.output}: ${r.width}×${r.height} (×${r.scale}), ${layers.map((l) => l.points.length).join(' + ')} spots\n`);
        log.info(`wrote ${path.resolve(o.output)}`);
      },
    );
}
