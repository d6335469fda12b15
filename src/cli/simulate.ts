import { Command, InvalidArgumentError, Option } from 'commander';
import path from 'node:path';
import {
  ensureOutputDir,
  makeLog,
  parseFraction,
  parseInteger,
  parseNonNegative,
  parsePositive,
  parsePositiveInt,
  parseRange,
  runBatch,
  withCommon,
} from './common.js';
import { resolveSimParams, simulateImage, simToPlane, type SimParams } from '../simulate/simulate.js';
import { imageSeed, writeSimulated } from '../simulate/files.js';
import { writeDataset, type DatasetEntry } from '../dataset/dataset.js';
import { splitItems } from '../dataset/crops.js';
import { Rng } from '../math/rng.js';
import { CATEGORIES, TEST_SEED_BASE, trainingParams } from '../simulate/presets.js';
import { simulateScene, scenePoints, SCENES_DESCRIPTION } from '../simulate/scenes.js';
import { readImage } from '../io/image/read.js';
import { resolveAxes, iteratePlanes } from '../io/image/axes.js';
import type { Plane } from '../core/types.js';
import { writeFileAtomic } from '../io/atomic.js';
import { VERSION } from '../core/version.js';

function parseSize(s: string): [number, number] {
  const parts = s.split(/[,x×]/).map((p) => Number(p.trim()));
  if (parts.length > 2 || parts.some((v) => !Number.isInteger(v) || v < 8)) {
    throw new InvalidArgumentError('expected a size in px ≥ 8, "SIZE" or "HEIGHT,WIDTH"');
  }
  return parts.length === 1 ? [parts[0], parts[0]] : [parts[0], parts[1]];
}

interface SimOpts {
  output: string;
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
    .option('--categories <fraction>', 'with --preset scenes: this fraction of the images drawn from the category designs instead (as --preset general)', parseFraction, 0)
    .option('--backgrounds <files>', "with --preset scenes: comma-separated images WITHOUT spots (every plane) to cut real background templates from", (v: string) => v.split(',').filter(Boolean))
    .option('--dataset', 'write a training dataset (train/valid/test folders + dataset.json) instead of a flat folder', false)
    .option('--valid <fraction>', 'with --dataset: fraction of images for validation', parseFraction, 0.2)
    .option('--test <fraction>', 'with --dataset: fraction of images for testing', parseFraction, 0.2)
    .action(async (o: SimOpts) => {
      const log = makeLog(o.verbose);
      const params = simParamsFrom(o);
      // --snr alone means ISBI-style ideal Poisson images unless camera options are given
      if (o.snr) {
        params.readNoise ??= 0;
        params.offset ??= 0;
        params.gain ??= 1;
      }
      const resolved = resolveSimParams(params); // validates before anything is written
      if (o.preset === 'scenes') {
        await simulateScenes(o);
        return;
      }
      if (o.backgrounds) throw new InvalidArgumentError('--backgrounds is for --preset scenes');
      const names = Array.from({ length: o.number }, (_, k) => `${o.prefix}_${String(k).padStart(4, '0')}`);
      if (o.preset && o.seed >= TEST_SEED_BASE) log.warn(`seeds ≥ ${TEST_SEED_BASE} are reserved for benchmark test sets`);
      // per image: the preset's draw, then the explicit options on top
      const paramsOf = (k: number): Partial<SimParams> => (o.preset ? { ...trainingParams(o.preset, o.seed, k), ...params } : params);
      if (o.preset) for (let k = 0; k < o.number; k++) resolveSimParams(paramsOf(k));
      if (o.dataset) {
        const entries: DatasetEntry[] = names.map((name, k) => {
          const sim = simulateImage(paramsOf(k), imageSeed(o.seed, k));
          return { plane: simToPlane(sim), points: sim.spots.map((s) => [s.y, s.x]), source: name };
        });
        if (entries.length < 3) log.warn('fewer than 3 images: some splits will be empty');
        const rng = new Rng(o.seed, 7);
        const splits = splitItems(entries, o.valid, o.test, () => rng.uniform());
        await writeDataset(o.output, splits, {
          size: o.size[0],
          seed: o.seed,
          description: o.preset
            ? `simulated (deepblink ${VERSION}), design '${o.preset}': ${o.preset === 'general' ? 'one of the designs per image' : CATEGORIES[o.preset].description}`
            : `simulated (deepblink ${VERSION})`,
          params: { ...resolved, preset: o.preset, seed: o.seed, number: o.number },
        });
        process.stdout.write(`${o.output}: ${splits.train.length} train, ${splits.valid.length} valid, ${splits.test.length} test images\n`);
        return;
      }
      ensureOutputDir(o.output);
      let spots = 0;
      const failures = await runBatch(
        names.map((n, k) => ({ n, k })),
        ({ n }) => path.join(o.output, n),
        async ({ n, k }) => {
          const sim = await writeSimulated(o.output, n, paramsOf(k), imageSeed(o.seed, k));
          spots += sim.spots.length;
        },
        log,
        'images',
      );
      await writeFileAtomic(
        path.join(o.output, 'simulation.json'),
        JSON.stringify({ tool: `deepblink ${VERSION}`, seed: o.seed, number: o.number, prefix: o.prefix, preset: o.preset, params: resolved }, null, 1) + '\n',
      );
      process.stdout.write(`${o.output}: ${o.number - failures} images, ${spots} spots\n`);
      if (failures) process.exitCode = 1;
    });
}

/** `simulate --dataset --preset scenes`: realistic training scenes (src/simulate/scenes.ts). */
async function simulateScenes(o: SimOpts): Promise<void> {
  if (!o.dataset) throw new InvalidArgumentError('--preset scenes writes a training dataset: add --dataset');
  if (o.size[0] !== o.size[1]) throw new InvalidArgumentError('--preset scenes makes square crops: give one --size');
  const backgrounds: Plane[] = [];
  for (const f of o.backgrounds ?? []) {
    const raw = await readImage(f);
    for (const { plane } of iteratePlanes(raw, resolveAxes(raw).axes)) backgrounds.push(plane);
  }
  const size = o.size[0];
  const entries: DatasetEntry[] = [];
  const pick = new Rng(o.seed, 8);
  for (let k = 0; k < o.number; k++) {
    if (pick.uniform() < o.categories) {
      const sim = simulateImage({ ...trainingParams('general', o.seed, k), height: size, width: size }, imageSeed(o.seed, k));
      entries.push({ plane: simToPlane(sim), points: sim.spots.map((q) => [q.y, q.x]), source: `category_${String(k).padStart(5, '0')}` });
      continue;
    }
    const s = simulateScene(o.seed, k, size, backgrounds);
    entries.push({ plane: { data: s.image, height: size, width: size }, points: scenePoints(s), source: `scene_${String(k).padStart(5, '0')}: ${s.description}` });
  }
  const rng = new Rng(o.seed, 7);
  const splits = splitItems(entries, o.valid, o.test, () => rng.uniform());
  await writeDataset(o.output, splits, {
    size,
    seed: o.seed,
    description:
      `simulated (deepblink ${VERSION}), design 'scenes': ${SCENES_DESCRIPTION}; real background templates: ${(o.backgrounds ?? []).map((f) => path.basename(f)).join(', ') || 'none'}` +
      (o.categories > 0 ? `; ${Math.round(o.categories * 100)} % of the images from the category designs (general)` : ''),
    params: { preset: 'scenes', seed: o.seed, number: o.number, size, categories: o.categories, backgrounds: (o.backgrounds ?? []).map((f) => path.basename(f)) },
  });
  process.stdout.write(`${o.output}: ${splits.train.length} train, ${splits.valid.length} valid, ${splits.test.length} test images\n`);
}
