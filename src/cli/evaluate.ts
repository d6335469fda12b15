import { Command } from 'commander';
import { statSync } from 'node:fs';
import path from 'node:path';
import { listInputs, makeLog, parsePixelSize, parsePositive, runBatch, stem, withCommon } from './common.js';
import { readLabels } from '../io/labels.js';
import { formatScoreTable, scoreImage, summarise, type ImageScore } from '../evaluate/evaluate.js';
import type { PixelSize, Point } from '../core/types.js';
import { UserError } from '../core/errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { formatCsv } from '../io/csv.js';

/** Pairs prediction and truth CSVs by file name (stem); single files pair with each other. */
export function pairFiles(pred: string, truth: string): { pairs: [string, string][]; unpaired: string[] } {
  const pIsDir = statSync(pred).isDirectory();
  const tIsDir = statSync(truth).isDirectory();
  if (!pIsDir && !tIsDir) return { pairs: [[pred, truth]], unpaired: [] };
  if (pIsDir !== tIsDir) throw new UserError('give two files or two folders', pIsDir ? truth : pred);
  const ps = listInputs(pred, ['.csv']);
  const ts = new Map(listInputs(truth, ['.csv']).map((f) => [stem(f), f]));
  const pairs: [string, string][] = [];
  const unpaired: string[] = [];
  for (const p of ps) {
    const t = ts.get(stem(p));
    if (t) {
      pairs.push([p, t]);
      ts.delete(stem(p));
    } else unpaired.push(p);
  }
  unpaired.push(...ts.values());
  if (pairs.length === 0) throw new UserError(`no file names in common with ${truth}`, pred);
  return { pairs, unpaired };
}

export function evaluateCommand(): Command {
  return withCommon(new Command('evaluate'))
    .description('Score predicted spots against ground truth (CSV files, or folders of CSVs paired by name).')
    .requiredOption('-p, --pred <path>', 'predicted CSV or folder (e.g. the output of predict)')
    .requiredOption('-t, --true <path>', 'ground-truth CSV or folder (any supported label format)')
    .option('-d, --mdist <px>', 'largest matching distance in px (cutoffs 0…mdist)', parsePositive, 3)
    .option('--pixel-size <um>', 'µm per pixel, for CSVs holding µm only', parsePixelSize)
    .option('--json', 'print JSON (per image and summary) instead of the table', false)
    .option('-o, --output <csv>', 'also write the per-image table as CSV')
    .action(async (o: { pred: string; true: string; mdist: number; pixelSize?: PixelSize; json: boolean; output?: string; verbose: boolean }) => {
      const log = makeLog(o.verbose);
      for (const p of [o.pred, o.true]) listInputs(p, ['.csv']);
      const { pairs, unpaired } = pairFiles(o.pred, o.true);
      for (const u of unpaired) log.warn(`${u}: no partner with the same name; skipped`);
      const scores: ImageScore[] = [];
      const sets: { pred: Point[]; truth: Point[] }[] = [];
      const failures = await runBatch(
        pairs,
        ([p]) => p,
        async ([p, t]) => {
          const pred = await readLabels(p, { pixelSize: o.pixelSize });
          let truth;
          try {
            truth = await readLabels(t, { pixelSize: o.pixelSize });
          } catch (err) {
            if (err instanceof UserError && !err.file) throw new UserError(err.message, t);
            throw err;
          }
          scores.push(scoreImage(pairs.length > 1 ? stem(p) : path.basename(p), pred.points, truth.points, o.mdist));
          sets.push({ pred: pred.points, truth: truth.points });
        },
        log,
        'pairs',
      );
      if (scores.length === 0) {
        process.exitCode = 1; // every pair failed and said why
        return;
      }
      const summary = summarise(scores, sets, o.mdist);
      if (o.json) process.stdout.write(JSON.stringify({ images: scores, summary }, null, 2) + '\n');
      else process.stdout.write(formatScoreTable(scores, summary));
      if (o.output) {
        const cols = ['image', 'n_true', 'n_pred', 'f1_integral', 'f1_at_mdist', 'precision', 'recall', 'mean_euclidean', 'rmse'];
        await writeFileAtomic(
          o.output,
          formatCsv({
            columns: cols,
            rows: scores.map((s) => [s.name, s.nTrue, s.nPred, s.f1Integral, s.f1At3, s.precision, s.recall, s.meanEuclidean, s.rmse]),
            decimals: Object.fromEntries(cols.map((c) => [c, 6])),
          }),
        );
      }
      if (failures > 0) process.exitCode = 1;
    });
}
