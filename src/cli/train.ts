import { Command } from 'commander';
import { makeLog, parsePositiveInt, withCommon } from './common.js';
import { loadConfigFile } from '../train/config.js';

export function trainCommand(): Command {
  return withCommon(new Command('train'))
    .description(
      'Train a network on a dataset (from `deepblink create` or `deepblink simulate --dataset`) as set in a ' +
        'configuration file (from `deepblink config`). Writes SAVEDIR/RUN.onnx (best by validation loss, with the ' +
        'threshold that maximises validation F1-integral), RUN.log.csv and RUN.ckpt (for --resume).',
    )
    .requiredOption('-c, --config <file>', 'YAML configuration (paths in it are relative to its folder)')
    .option('--resume', 'continue from the checkpoint of this run', false)
    .option('-f, --force', 'start over even if a checkpoint of this run exists', false)
    .option('--epochs <n>', 'override train.epochs', parsePositiveInt)
    .option('--dataset <dir>', 'override dataset')
    .action(async (o: { config: string; resume: boolean; force: boolean; epochs?: number; dataset?: string; verbose: boolean }) => {
      const log = makeLog(o.verbose);
      const cfg = loadConfigFile(o.config);
      if (o.epochs) cfg.train.epochs = o.epochs;
      if (o.dataset) cfg.dataset = o.dataset;
      const { train } = await import('../train/train.js'); // loads the ML framework
      const res = await train(cfg, { resume: o.resume, force: o.force, log });
      const v = res.card.scores?.valid;
      process.stdout.write(
        `${res.modelFile}: threshold ${res.card.threshold}, validation F1-integral ${v ? v.f1Integral.toFixed(3) : '—'} ` +
          `(${v?.images ?? 0} crops), ${res.log.length} epochs logged\n`,
      );
    });
}
