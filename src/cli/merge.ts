import { promises as fsp, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { ensureOutputDir, makeLog, withCommon } from './common.js';
import { UserError, fsCode } from '../core/errors.js';
import { formatCsv } from '../io/csv.js';
import { RunRecord } from '../io/provenance.js';
import { mergePartFiles, parsePartFile, type PartFile } from '../pipeline/parts.js';
import { resultTable } from '../pipeline/table.js';
import { resultSpots } from '../pipeline/result.js';
import type { MeasureOptions } from '../measure/spots.js';

/** Part files: the files given, and in each folder given its `*.part-I-of-N.json` files. */
export function listPartFiles(inputs: readonly string[]): string[] {
  const out: string[] = [];
  for (const input of inputs) {
    let st;
    try {
      st = statSync(input);
    } catch (err) {
      throw new UserError('not found', input, fsCode(err));
    }
    if (!st.isDirectory()) {
      out.push(input);
      continue;
    }
    const found = readdirParts(input);
    if (found.length === 0) throw new UserError('no part files (*.part-I-of-N.json) in this folder', input, 'not-found');
    out.push(...found);
  }
  return [...new Set(out.map((f) => path.resolve(f)))];
}

const PART_NAME = /\.part-\d+-of-\d+\.json$/;

/** A folder's part files, sorted (the same merge whatever order the file system lists them in). */
function readdirParts(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => PART_NAME.test(n))
    .sort()
    .map((n) => path.join(dir, n));
}

export function mergeCommand(): Command {
  return withCommon(new Command('merge'))
    .description(
      'Gather the part files of `predict --part I/N` into the table the whole run writes (the same spots, columns and order). ' +
        'Parts of several images go to OUTDIR/<name>.csv each.',
    )
    .argument('<parts...>', 'part files (<name>.part-I-of-N.json) or folders of them')
    .requiredOption('-o, --output <file.csv|dir>', 'the merged table (a .csv file; a folder when the parts are of several images)')
    .option('-f, --force', 'replace files deepblink did not write (default: refuse)', false)
    .action(async (inputs: string[], o: { output: string; force: boolean; verbose: boolean }) => {
      const log = makeLog(o.verbose);
      const files = listPartFiles(inputs);
      const parts: { file: string; part: PartFile }[] = [];
      for (const file of files) {
        let text;
        try {
          text = await fsp.readFile(file, 'utf8');
        } catch (err) {
          throw new UserError('cannot read', file, fsCode(err));
        }
        parts.push({ file, part: parsePartFile(text, file) });
      }
      const byImage = new Map<string, { file: string; part: PartFile }[]>();
      for (const p of parts) {
        const list = byImage.get(p.part.image.name) ?? [];
        list.push(p);
        byImage.set(p.part.image.name, list);
      }
      const toFile = o.output.toLowerCase().endsWith('.csv');
      if (toFile && byImage.size > 1) {
        throw new UserError(`the parts are of ${byImage.size} images (${[...byImage.keys()].join(', ')}); give a folder as -o`, undefined, 'invalid-option');
      }
      const dir = toFile ? path.dirname(path.resolve(o.output)) : o.output;
      ensureOutputDir(dir);
      const record = await RunRecord.start(dir, {
        command: ['deepblink', ...process.argv.slice(2)].join(' '),
        options: { output: o.output },
        inputs: files,
        force: o.force,
      });
      try {
        for (const [image, list] of byImage) {
          const name = toFile ? path.basename(o.output) : image.replace(/\.[^.]+$/, '') + '.csv';
          record.target(name);
          const { result, table } = mergePartFiles(list);
          const n = resultSpots(result).length;
          log.info(`${image}: ${list.length} parts, ${n} spots`);
          const out = await record.write(name, formatCsv(resultTable(result, table as MeasureOptions)), { input: image, spots: n });
          process.stdout.write(`${image}: ${list.length} parts, ${n} spots → ${out}\n`);
        }
        await record.finish('done');
      } catch (err) {
        await record.finish('failed');
        throw err;
      }
    });
}
