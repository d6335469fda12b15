#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { VERSION } from '../core/version.js';
import { UserError } from '../core/errors.js';
import { errorLine } from './common.js';
import { checkCommand } from './check.js';
import { configCommand } from './config.js';
import { predictCommand } from './predict.js';
import { simulateCommand } from './simulate.js';
import { evaluateCommand } from './evaluate.js';
import { createCommand } from './create.js';
import { trainCommand } from './train.js';
import { visualizeCommand } from './visualize.js';
import { colocalizeCommand } from './colocalize.js';
import { downloadCommand } from './download.js';
import { viewCommand } from './view.js';
import { mergeCommand } from './merge.js';
import { trackCommand } from './track.js';

export function buildProgram(): Command {
  const program = new Command('deepblink')
    .description('Detect and localise diffraction-limited spots in fluorescence microscopy images.')
    .version(`deepblink ${VERSION}`, '-V, --version', 'print the version and exit')
    .option('-v, --verbose', 'print progress details', false)
    .showHelpAfterError('(add --help for usage)')
    .enablePositionalOptions();
  for (const cmd of [
    predictCommand(),
    checkCommand(),
    configCommand(),
    createCommand(),
    simulateCommand(),
    evaluateCommand(),
    trainCommand(),
    visualizeCommand(),
    colocalizeCommand(),
    trackCommand(),
    mergeCommand(),
    viewCommand(),
    downloadCommand(),
  ]) {
    program.addCommand(cmd);
  }
  return program;
}

async function main(): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help, version and usage errors: commander has already printed its message
      process.exitCode = err.exitCode;
      return;
    }
    const verbose = process.argv.includes('-v') || process.argv.includes('--verbose');
    process.stderr.write(`deepblink: error: ${errorLine(err, undefined, verbose)}\n`);
    if (verbose && !(err instanceof UserError) && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
    // a user-facing error may carry the technical detail behind it (e.g. a decoder's message)
    const cause = err instanceof UserError ? (err as Error & { cause?: unknown }).cause : undefined;
    if (verbose && cause !== undefined) process.stderr.write(`cause: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}\n`);
    process.exitCode = 1;
  }
}

await main();
