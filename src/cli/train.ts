import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { logMessage, makeLog, parsePositiveInt, withCommon, type Log } from './common.js';
import { loadConfigFile } from '../train/config.js';
import type { TrainEvent } from '../train/train.js';

/**
 * Shows training events on the terminal: setup messages through `log`, a progress bar per
 * epoch (when `bar`), one line per epoch and the chosen threshold.
 */
export function trainReporter(log: Log, bar: boolean): (e: TrainEvent) => void {
  let progress: cliProgress.SingleBar | undefined;
  return (e) => {
    switch (e.type) {
      case 'info':
      case 'warn':
        logMessage(log, e);
        break;
      case 'epochStart':
        if (!bar) break;
        progress = new cliProgress.SingleBar(
          { format: `epoch ${e.epoch}/${e.epochs} {bar} {value}/{total} loss {loss}`, stream: process.stderr, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        );
        progress.start(e.steps, 0, { loss: '—' });
        break;
      case 'step':
        progress?.update(e.step, { loss: e.loss.toFixed(4) });
        if (e.step === e.steps) {
          progress?.stop();
          progress = undefined;
        }
        break;
      case 'epoch': {
        const r = e.row;
        log.progress(
          `epoch ${r.epoch}/${e.epochs}: loss ${r.train_loss.toFixed(4)}, val loss ${r.val_loss.toFixed(4)}, ` +
            `val F1-integral ${r.val_f1_integral.toFixed(3)}, ${r.seconds.toFixed(1)} s${e.best ? ' (best, saved)' : ''}`,
        );
        break;
      }
      case 'threshold':
        log.progress(`threshold ${e.threshold} (validation F1-integral ${e.f1Integral.toFixed(3)}) → ${e.modelFile}`);
        break;
    }
  };
}

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
      const res = await train(cfg, { resume: o.resume, force: o.force, onEvent: trainReporter(log, process.stderr.isTTY) });
      const v = res.card.scores?.valid;
      process.stdout.write(
        `${res.modelFile}: threshold ${res.card.threshold}, validation F1-integral ${v ? v.f1Integral.toFixed(3) : '—'} ` +
          `(${v?.images ?? 0} crops), ${res.log.length} epochs logged\n`,
      );
    });
}
