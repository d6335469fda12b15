import { Command, InvalidArgumentError } from 'commander';
import { makeLog, maxPixelsOption, parseNonNegativeInt, parsePixelSize, parsePositive, withCommon, type Log } from './common.js';
import { colocalize, type ColocalizeResult } from '../colocalize/colocalize.js';
import { UserError } from '../core/errors.js';
import type { PixelSize, Point } from '../core/types.js';
import { readImage } from '../io/image/read.js';
import { readLabels, type LabelsResult } from '../io/labels.js';
import { writeCsv, type Table } from '../io/csv.js';
import { checkReplace } from '../io/provenance.js';

/** "H,W": two positive whole numbers. */
export function parseSize(s: string): { height: number; width: number } {
  const parts = s.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 2 || parts.some((v) => !Number.isInteger(v) || v <= 0)) {
    throw new InvalidArgumentError('expected "H,W": the image height and width in pixels (two positive whole numbers)');
  }
  return { height: parts[0], width: parts[1] };
}

/** "A,B": two different whole numbers ≥ 0 (channel indices of the c column). */
export function parseChannels(s: string): [number, number] {
  const parts = s.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 2 || parts.some((v) => !Number.isInteger(v) || v < 0) || parts[0] === parts[1]) {
    throw new InvalidArgumentError('expected "A,B": two different channel indices of the c column (e.g. 0,1)');
  }
  return [parts[0], parts[1]];
}

interface Options {
  distance: number;
  image?: string;
  size?: { height: number; width: number };
  mask?: string;
  channels?: [number, number];
  randomizations: number;
  seed: number;
  correctShift: boolean;
  pixelSize?: PixelSize;
  output?: string;
  force: boolean;
  maxPixels?: number;
  verbose: boolean;
}

export function colocalizeCommand(): Command {
  return withCommon(new Command('colocalize'))
    .description(
      'Colocalisation of two spot tables (e.g. two channels): one-to-one pairs within --distance, the fraction of each set ' +
        'with a partner, the fraction expected by chance (B redrawn uniformly in the image or mask) and a one-sided p-value.',
    )
    .argument('<a>', 'spots of channel A (CSV, any supported label format); with --channels: one table holding both channels')
    .argument('[b]', 'spots of channel B (CSV)')
    .option('-d, --distance <px>', 'largest distance between the spots of a pair, in px', parsePositive, 2)
    .option('-i, --image <file>', 'the image the spots come from, for its size (height, width of its planes)')
    .option('--size <H,W>', 'the image size in px, instead of --image', parseSize)
    .option('--mask <file>', 'a mask or label image (one plane; non-zero = inside): B is redrawn inside it for the chance level')
    .option('--channels <A,B>', 'read both sets from one table: the spots with c = A and c = B', parseChannels)
    .option('-n, --randomizations <n>', 'randomisations of B for the chance level and p-value (0 = none)', parseNonNegativeInt, 200)
    .option('--seed <n>', 'seed of the randomisations', parseNonNegativeInt, 1)
    .option('--correct-shift', 'estimate a constant shift of B against A (median over pairs within 2 × distance) and remove it first', false)
    .option('--pixel-size <um>', 'µm per pixel, for tables holding µm only', parsePixelSize)
    .option(
      '-o, --output <csv>',
      'write the pairs: a_index, b_index (0-based, within each set), distance, a_y, a_x, b_y, b_x (B as in its table, before any shift)',
    )
    .option('-f, --force', 'replace an existing --output file (default: refuse)', false)
    .addOption(maxPixelsOption())
    .action(async (a: string, b: string | undefined, o: Options) => {
      const log = makeLog(o.verbose);
      if (o.channels && b) throw new UserError('give one table with --channels, or two tables without it', undefined, 'invalid-option');
      if (!o.channels && !b)
        throw new UserError('give two spot tables (A and B), or one table with a c column and --channels A,B', undefined, 'invalid-option');
      if (o.image && o.size) throw new UserError('give --image or --size, not both', undefined, 'invalid-option');
      if (o.output) checkReplace(o.output, o.force); // before the work, not after it

      const { shape, mask } = await imageShape(o);
      let pa: Point[];
      let pb: Point[];
      if (o.channels) {
        const t = await readTable(a, o, log);
        const c = t.planes?.c;
        if (!c) throw new UserError('has no c column to split by --channels', a, 'bad-labels');
        const [ca, cb] = o.channels;
        pa = t.points.filter((_, i) => c[i] === ca);
        pb = t.points.filter((_, i) => c[i] === cb);
        if (pa.length + pb.length === 0) throw new UserError(`has no spots with c = ${ca} or c = ${cb}`, a, 'bad-labels');
      } else {
        pa = (await readTable(a, o, log)).points;
        pb = (await readTable(b!, o, log)).points;
      }
      warnOutside(pa, o.channels ? `${a} (c = ${o.channels[0]})` : a, shape, mask, log);
      warnOutside(pb, o.channels ? `${a} (c = ${o.channels[1]})` : b!, shape, mask, log);

      const r = colocalize(pa, pb, {
        distance: o.distance,
        shape,
        mask,
        randomizations: o.randomizations,
        seed: o.seed,
        correctShift: o.correctShift,
      });
      process.stdout.write(formatReport(r, shape, mask));
      if (o.output) await writeCsv(o.output, pairsTable(r, pa, pb));
    });
}

async function readTable(file: string, o: Options, log: Log): Promise<LabelsResult> {
  const t = await readLabels(file, { pixelSize: o.pixelSize });
  for (const w of t.warnings) log.warn(`${file}: ${w}`);
  return t;
}

/** The size of the image (from --mask, --image or --size, which must agree) and the mask. */
async function imageShape(o: Options): Promise<{ shape: { height: number; width: number }; mask?: ArrayLike<number> }> {
  let shape = o.size;
  if (o.image) {
    const img = await readImage(o.image, { maxPixels: o.maxPixels });
    const s = img.shape;
    shape = { height: s[s.length - 2], width: s[s.length - 1] };
  }
  if (!o.mask) {
    if (!shape) throw new UserError('the image size is not known: pass --image IMG or --size H,W (or --mask)', undefined, 'invalid-option');
    return { shape };
  }
  const m = await readImage(o.mask, { maxPixels: o.maxPixels });
  const s = m.shape;
  const planes = s.slice(0, -2).reduce((p, v) => p * v, 1);
  if (s.length < 2 || planes !== 1) throw new UserError(`the mask must be one plane, got an image of shape ${s.join('×')}`, o.mask, 'invalid-input');
  const mshape = { height: s[s.length - 2], width: s[s.length - 1] };
  if (shape && (shape.height !== mshape.height || shape.width !== mshape.width)) {
    throw new UserError(`the mask is ${mshape.height}×${mshape.width}, the image ${shape.height}×${shape.width}`, o.mask, 'invalid-input');
  }
  return { shape: mshape, mask: m.data };
}

function warnOutside(points: readonly Point[], what: string, shape: { height: number; width: number }, mask: ArrayLike<number> | undefined, log: Log): void {
  const inImage = ([y, x]: Point) => y >= -0.5 && y < shape.height - 0.5 && x >= -0.5 && x < shape.width - 0.5;
  const out = points.filter((p) => !inImage(p)).length;
  if (out > 0) log.warn(`${what}: ${out} of ${points.length} spots lie outside the ${shape.height}×${shape.width} image (wrong --image or --size?)`);
  if (!mask) return;
  const outMask = points.filter((p) => inImage(p) && !mask[Math.round(p[0]) * shape.width + Math.round(p[1])]).length;
  if (outMask > 0) log.warn(`${what}: ${outMask} of ${points.length} spots lie outside the mask (they are paired all the same)`);
}

const pct = (v: number) => `${(100 * v).toFixed(1)} %`;

/** The printed report. */
export function formatReport(r: ColocalizeResult, shape: { height: number; width: number }, mask?: ArrayLike<number>): string {
  const lines: string[] = [];
  let inside = '';
  if (mask) {
    let n = 0;
    for (let k = 0; k < mask.length; k++) if (mask[k]) n++;
    inside = `, mask: ${n} px inside`;
  }
  lines.push(`spots: A ${r.nA}, B ${r.nB}; distance ${r.distance} px; image ${shape.height}×${shape.width}${inside}`);
  if (r.shift) lines.push(`shift of B against A: dy ${r.shift[0].toFixed(3)}, dx ${r.shift[1].toFixed(3)} px (removed before pairing)`);
  lines.push(`pairs: ${r.pairs.length}`);
  const chance = (c: number) => (r.randomizations > 0 ? ` (chance ${pct(c)}, p = ${r.pValue.toPrecision(3)})` : '');
  lines.push(`A colocalised with B: ${pct(r.fractionA)}${chance(r.chanceA)}`);
  lines.push(`B colocalised with A: ${pct(r.fractionB)}${chance(r.chanceB)}`);
  if (r.randomizations > 0) lines.push(`chance level and one-sided p-value over ${r.randomizations} randomisations of B`);
  return lines.join('\n') + '\n';
}

/** The pairs as a table; B's coordinates as read (before any shift). */
export function pairsTable(r: ColocalizeResult, a: readonly Point[], b: readonly Point[]): Table {
  return {
    columns: ['a_index', 'b_index', 'distance', 'a_y', 'a_x', 'b_y', 'b_x'],
    rows: r.pairs.map((p) => [p.a, p.b, p.distance, a[p.a][0], a[p.a][1], b[p.b][0], b[p.b][1]]),
  };
}
