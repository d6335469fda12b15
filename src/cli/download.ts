import { Command } from 'commander';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic.js';
import { ensureOutputDir, errorLine, makeLog, withCommon } from './common.js';
import { bundledNames, bundledPath, bundledDir, DEFAULT_MODEL } from '../model/bundled.js';
import { UserError } from '../core/errors.js';
import { insideFolder } from '../io/provenance.js';

export function downloadCommand(): Command {
  return withCommon(new Command('download'))
    .description(
      'List the models bundled with deepblink, or copy one to a folder. Nothing is fetched from the internet: ' +
        'the models ship inside the package (use them directly with predict -m NAME).',
    )
    .argument('[names...]', 'bundled model names to copy')
    .option('-l, --list', 'list the bundled models with their model cards', false)
    .option('-a, --all', 'copy every bundled model', false)
    .option('-o, --output <dir>', 'folder to copy into', '.')
    .option('-f, --force', 'overwrite existing files', false)
    .action(async (names: string[], o: { list: boolean; all: boolean; output: string; force: boolean; verbose: boolean }) => {
      const log = makeLog(o.verbose);
      const all = bundledNames();
      if (o.list || (names.length === 0 && !o.all)) {
        if (all.length === 0) {
          process.stdout.write(`no bundled models in ${bundledDir()}\n`);
          return;
        }
        const { loadModel, thresholdCalibrated } = await import('../model/model.js'); // loads the ML runtime
        const rows: string[][] = [['name', 'threshold', 'network', 'valid F1-integral', 'weights', 'size', 'description']];
        for (const n of all) {
          const file = bundledPath(n)!;
          const m = await loadModel(file);
          const c = m.card;
          rows.push([
            n + (n === DEFAULT_MODEL ? ' (default)' : ''),
            String(c.threshold) + (thresholdCalibrated(c) ? '' : ' (uncalibrated)'),
            `f${c.network.filters}/d${c.network.ndown}/cell ${c.network.cellSize}`,
            c.scores?.valid ? c.scores.valid.f1Integral.toFixed(3) : '—',
            c.weightsSha256 ? 'checksum ok' : 'no checksum',
            `${(statSync(file).size / 2 ** 20).toFixed(1)} MB`,
            c.description,
          ]);
        }
        const w = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
        process.stdout.write(
          rows
            .map((r) =>
              r
                .map((v, j) => v.padEnd(w[j]))
                .join('  ')
                .trimEnd(),
            )
            .join('\n') + '\n',
        );
        return;
      }
      const wanted = o.all ? all : names.map((n) => n.toLowerCase());
      ensureOutputDir(o.output);
      let failures = 0;
      for (const n of wanted) {
        const src = all.includes(n) ? bundledPath(n) : undefined;
        try {
          if (!src) throw new UserError(`no bundled model '${n}' (bundled: ${all.join(', ') || 'none'})`, undefined, 'not-found');
          const dst = insideFolder(o.output, `${n}.onnx`);
          if (existsSync(dst) && !o.force) throw new UserError('already exists; use --force to overwrite', dst, 'exists');
          await writeFileAtomic(dst, readFileSync(src));
          process.stdout.write(`${dst}\n`);
        } catch (err) {
          failures++;
          log.error(errorLine(err, undefined, log.verbose));
        }
      }
      if (failures) process.exitCode = 1;
    });
}
