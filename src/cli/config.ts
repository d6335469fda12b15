import { Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { makeLog, withCommon } from './common.js';
import { configYaml } from '../train/config-schema.js';
import { writeFileAtomic } from '../io/atomic.js';
import { UserError } from '../core/errors.js';
import { VERSION } from '../core/version.js';

/** Keeps letters, digits, '_' and '-'; everything else becomes '_' (as the original). */
export function secureName(name: string): string {
  return name.replace(/[^\w-]/g, '_');
}

export function configCommand(): Command {
  return withCommon(new Command('config'))
    .description('Write the default training configuration (YAML, every key described) for `deepblink train`.')
    .option('-n, --name <name>', 'file name without extension', 'config')
    .option('-o, --output <dir>', 'folder to write into', '.')
    .option('-r, --raw', 'bare values with the descriptions as comments (default: {description, value} pairs as the original)', false)
    .option('-f, --force', 'overwrite an existing file', false)
    .action(async (o: { name: string; output: string; raw: boolean; force: boolean; verbose: boolean }) => {
      const log = makeLog(o.verbose);
      const base = o.name.replace(/\.ya?ml$/i, '');
      const file = path.join(o.output, `${secureName(base)}.yaml`);
      if (existsSync(file) && !o.force) throw new UserError('already exists; use --force to overwrite', file);
      await writeFileAtomic(file, configYaml({ raw: o.raw, header: `deepblink ${VERSION} training configuration` }));
      process.stdout.write(`${file}\n`);
      log.info(`wrote ${file}`);
    });
}
