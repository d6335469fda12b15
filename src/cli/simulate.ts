import { Command, InvalidArgumentError, Option } from 'commander';
import { UserError } from '../core/errors.js';
import {
  batchReporter,
  logMessage,
  makeLog,
  parseFraction,
  parseInteger,
  parseNonNegative,
  parsePixelSize,
  parsePositive,
  parsePositiveInt,
  parseRange,
  withCommon,
} from './common.js';
import { resolveSimParams, type SimParams } from '../simulate/simulate.js';
import { CATEGORIES } from '../simulate/presets.js';
import { simulateDataset, simulateFiles, simulateScenesDataset, simulateStackFiles } from '../dataset/simulate.js';
import { resolveSim3dParams, type Sim3dParams } from '../simulate/simulate3d.js';
import type { PixelSize } from '../core/types.js';
import type { DatasetEvent, DatasetManifest } from '../dataset/dataset.js';

function parseSize(s: string): [number, number] {
  const parts = s.split(/[,x×]/).map((p) => Number(p.trim()));
  if (parts.length > 2 || parts.some((v) => !Number.isInteger(v) || v < 8)) {
    throw new InvalidArgumentError('expected a size in px ≥ 8, "SIZE" or "HEIGHT,WIDTH"');
  }
  return parts.length === 1 ? [parts[0], parts[0]] : [parts[0], parts[1]];
}

interface SimOpts {
  output: string;
  force: boolean;
  number: number;
  size: [number, number];
  seed: number;
  prefix: string;
  snr?: [number, number];
  photons?: [number, number];
  density?: number;
  count?: number;
  placement: 'uniform' | 'clustered';
  pairSeparation?: [number, number];
  sigma?: [number, number];
  background?: number;
  gradient?: number;
  structures?: number;
  readNoise?: number;
  gain?: number;
  offset?: number;
  preset?: string;
  backgrounds?: string[];
  categories: number;
  dataset: boolean;
  valid: number;
  test: number;
  verbose: boolean;
  '3d': boolean;
  depth?: number;
  sigmaZ?: [number, number];
  zStep?: number;
  pixelSize?: PixelSize;
}

/** Command-line options → 3-D simulator parameters (unset options keep its defaults). */
export function sim3dParamsFrom(o: SimOpts): Partial<Sim3dParams> {
  const p: Partial<Sim3dParams> = { height: o.size[0], width: o.size[1] };
  if (o.depth !== undefined) p.depth = o.depth;
  if (o.sigmaZ) p.sigmaZ = o.sigmaZ;
  if (o.snr) p.snr = o.snr[0] === o.snr[1] ? o.snr[0] : o.snr;
  for (const k of ['photons', 'density', 'count', 'sigma', 'background', 'gradient', 'structures', 'readNoise', 'gain', 'offset'] as const) {
    if (o[k] !== undefined) (p as Record<string, unknown>)[k] = o[k];
  }
  return p;
}

/** `simulate --3d`: z-stacks with their truth tables. */
async function simulate3d(o: SimOpts): Promise<void> {
  const clash = (flag: string): never => {
    throw new UserError(`${flag} is not available with --3d (z-stacks are written as a flat folder)`, undefined, 'invalid-option');
  };
  if (o.dataset) clash('--dataset');
  if (o.preset) clash('--preset');
  if (o.backgrounds) clash('--backgrounds');
  if (o.placement !== 'uniform') clash('--placement clustered');
  if (o.pairSeparation) clash('--pair-separation');
  const params = sim3dParamsFrom(o);
  if (o.snr) {
    params.readNoise ??= 0;
    params.offset ??= 0;
    params.gain ??= 1;
  }
  resolveSim3dParams(params); // validates before anything is written
  const log = makeLog(o.verbose);
  const res = await simulateStackFiles({
    output: o.output,
    number: o.number,
    seed: o.seed,
    params,
    prefix: o.prefix,
    pixelSize: o.pixelSize,
    zStep: o.zStep,
    force: o.force,
    command: ['deepblink', ...process.argv.slice(2)].join(' '),
    onEvent: batchReporter(log, 'stacks'),
  });
  process.stdout.write(`${o.output}: ${res.images} stack${res.images === 1 ? '' : 's'}, ${res.spots} spots\n`);
  if (res.failures.length) process.exitCode = 1;
}

/** Command-line options → simulator parameters (unset options keep the simulator's defaults). */
export function simParamsFrom(o: SimOpts): Partial<SimParams> {
  const p: Partial<SimParams> = { height: o.size[0], width: o.size[1], placement: o.placement };
  if (o.snr) p.snr = o.snr[0] === o.snr[1] ? o.snr[0] : o.snr;
  if (o.photons) p.photons = o.photons;
  if (o.density !== undefined) p.density = o.density;
  if (o.count !== undefined) p.count = o.count;
  if (o.pairSeparation) p.pairSeparation = o.pairSeparation;
  if (o.sigma) p.sigma = o.sigma;
  if (o.background !== undefined) p.background = o.background;
  if (o.gradient !== undefined) p.gradient = o.gradient;
  if (o.structures !== undefined) p.structures = o.structures;
  if (o.readNoise !== undefined) p.readNoise = o.readNoise;
  if (o.gain !== undefined) p.gain = o.gain;
  if (o.offset !== undefined) p.offset = o.offset;
  return p;
}

export function simulateCommand(): Command {
  return withCommon(new Command('simulate'))
    .description(
      'Simulate fluorescence-spot images with exact ground truth: <prefix>_NNNN.tif (uint16) + <prefix>_NNNN.csv ' +
        '(y, x, photons, sigma, crlb_y, crlb_x, peak_snr, background; row/column px, pixel centres at integers).',
    )
    .requiredOption('-o, --output <dir>', 'output folder (created if missing)')
    .option('-n, --number <n>', 'number of images', parsePositiveInt, 10)
    .option('-s, --size <px>', 'image size "SIZE" or "HEIGHT,WIDTH"', parseSize, [512, 512] as [number, number])
    .option('--seed <n>', 'random seed (same seed and options → identical files)', parseInteger, 0)
    .option('--prefix <name>', 'file name prefix', 'sim')
    .option('--snr <value>', 'peak SNR (I_peak − I_bg)/√I_peak (ISBI), a value (1, 2, 4, 7) or a range "MIN,MAX"; sets the photons', parseRange)
    .option('--photons <range>', 'photons per spot "MIN,MAX" (when --snr is not given; default 300,3000)', parseRange)
    .option('--density <n>', 'spots per 100×100 px (default 10)', parseNonNegative)
    .option('--count <n>', 'exact number of spots per image (overrides --density)', parseInteger)
    .addOption(new Option('--placement <mode>', 'spot placement').choices(['uniform', 'clustered']).default('uniform'))
    .option('--pair-separation <range>', 'clustered: pair distance range in px (default 1.5,6)', parseRange)
    .option('--sigma <range>', 'PSF σ in px, a value or "MIN,MAX" (default 1,2)', parseRange)
    .option('--background <photons>', 'background photons per pixel (default 10)', parseNonNegative)
    .option('--gradient <fraction>', 'smooth background gradient amplitude, fraction of the background (0–1)', parseNonNegative)
    .option('--structures <n>', 'number of blurred cell-like background structures', parseInteger)
    .option('--read-noise <e>', 'Gaussian read noise rms in photo-electrons (default 1; 0 with --snr presets)', parseNonNegative)
    .option('--gain <counts>', 'camera counts per photo-electron (default 1)', parsePositive)
    .option('--offset <counts>', 'camera offset in counts (default 100)', parseNonNegative)
    .addOption(
      new Option('--preset <category>', 'draw the settings of each image from a training design (docs/models.md); explicit options override it').choices([
        ...Object.keys(CATEGORIES),
        'general',
        'scenes',
      ]),
    )
    .option(
      '--categories <fraction>',
      'with --preset scenes: this fraction of the images drawn from the category designs instead (as --preset general)',
      parseFraction,
      0,
    )
    .option(
      '--backgrounds <files>',
      'with --preset scenes: comma-separated images WITHOUT spots (every plane) to cut real background templates from',
      (v: string) => v.split(',').filter(Boolean),
    )
    .option('--dataset', 'write a training dataset (train/valid/test folders + dataset.json) instead of a flat folder', false)
    .option('--valid <fraction>', 'with --dataset: fraction of all images for validation', parseFraction, 0.2)
    .option('--test <fraction>', 'with --dataset: fraction of all images for testing', parseFraction, 0.2)
    .option(
      '--3d',
      'write z-stacks instead: <prefix>_NNNN.tif (uint16, axes zyx) + .csv (z, y, x, photons, sigma_xy, sigma_z, crlb_z, crlb_y, crlb_x, background)',
      false,
    )
    .option('--depth <n>', 'with --3d: slices per stack (default 16)', parsePositiveInt)
    .option('--sigma-z <range>', 'with --3d: axial PSF σ in slices, a value or "MIN,MAX" (default 1.5; --sigma defaults to 1.3)', parseRange)
    .option('--z-step <um>', 'with --3d: z step in µm, written to the TIFF (ImageJ spacing, with --pixel-size) and simulation.json', parsePositive)
    .option('--pixel-size <um>', 'with --3d: µm per pixel written to the TIFFs ("0.1" or "Y,X")', parsePixelSize)
    .option('-f, --force', 'replace files (or a dataset folder) that deepblink did not write (default: refuse)', false)
    .action(async (o: SimOpts) => {
      if (o['3d']) return simulate3d(o);
      for (const [v, flag] of [
        [o.depth, '--depth'],
        [o.sigmaZ, '--sigma-z'],
        [o.zStep, '--z-step'],
        [o.pixelSize, '--pixel-size'],
      ] as const) {
        if (v !== undefined) throw new UserError(`${flag} is for --3d`, undefined, 'invalid-option');
      }
      const log = makeLog(o.verbose);
      const params = simParamsFrom(o);
      // --snr alone means ISBI-style ideal Poisson images unless camera options are given
      if (o.snr) {
        params.readNoise ??= 0;
        params.offset ??= 0;
        params.gain ??= 1;
      }
      resolveSimParams(params); // validates before anything is written
      // the datasets are written without a progress bar; their warnings are shown
      const messages = (e: DatasetEvent) => {
        if (e.type === 'info' || e.type === 'warn') logMessage(log, e);
      };
      const splits = (m: DatasetManifest) =>
        `${o.output}: ${m.splits.train.length} train, ${m.splits.valid.length} valid, ${m.splits.test.length} test images\n`;
      if (o.preset === 'scenes') {
        if (!o.dataset) throw new UserError('--preset scenes writes a training dataset: add --dataset', undefined, 'invalid-option');
        if (o.size[0] !== o.size[1]) throw new UserError('--preset scenes makes square crops: give one --size', undefined, 'invalid-option');
        const m = await simulateScenesDataset({
          output: o.output,
          number: o.number,
          size: o.size[0],
          seed: o.seed,
          categories: o.categories,
          backgrounds: o.backgrounds,
          valid: o.valid,
          test: o.test,
          force: o.force,
          onEvent: messages,
        });
        process.stdout.write(splits(m));
        return;
      }
      if (o.backgrounds) throw new UserError('--backgrounds is for --preset scenes', undefined, 'invalid-option');
      const set = { output: o.output, number: o.number, seed: o.seed, params, preset: o.preset, prefix: o.prefix };
      if (o.dataset) {
        const m = await simulateDataset({
          ...set,
          valid: o.valid,
          test: o.test,
          force: o.force,
          onEvent: messages,
        });
        process.stdout.write(splits(m));
        return;
      }
      const res = await simulateFiles({
        ...set,
        force: o.force,
        command: ['deepblink', ...process.argv.slice(2)].join(' '),
        onEvent: batchReporter(log, 'images'),
      });
      process.stdout.write(`${o.output}: ${res.images} images, ${res.spots} spots\n`);
      if (res.failures.length) process.exitCode = 1;
    });
}
