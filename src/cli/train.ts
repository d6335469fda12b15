import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { logMessage, makeLog, parsePositiveInt, withCommon, withInterrupt, type Log } from './common.js';
import { loadConfigFile } from '../train/config.js';
import type { TrainEvent } from '../train/train.js';

/** A duration for a person: "~40 s", "~4 min", "~2.5 h". */
export function aboutTime(seconds: number): string {
  if (seconds < 59.5) return `~${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 90 * 60) return `~${Math.round(seconds / 60)} min`;
  return `~${(seconds / 3600).toFixed(1)} h`;
}

/** Where a run stands, as the reporter saw it (for the message after Ctrl-C). */
export interface TrainProgress {
  /** Last epoch whose checkpoint was written (0: none). */
  lastEpoch: number;
  epochs: number;
  checkpointFile?: string;
  modelFile?: string;
}

/** Steps of the first epoch after which a first estimate of the whole run is printed (when an epoch is slow). */
const FIRST_ESTIMATE_AFTER_S = 30;

/**
 * Shows training events on the terminal: setup messages through `log`, a progress bar per
 * epoch (when `bar`), one line per epoch with the time left, an early estimate when the first
 * epoch is slow, and the chosen threshold. Records the run's progress in `progress`.
 */
export function trainReporter(log: Log, bar: boolean, progress: TrainProgress = { lastEpoch: 0, epochs: 0 }): (e: TrainEvent) => void {
  let pbar: cliProgress.SingleBar | undefined;
  let estimated = false;
  let sessionEpochs = 0;
  return (e) => {
    switch (e.type) {
      case 'info':
      case 'warn':
        logMessage(log, e);
        break;
      case 'start':
        progress.lastEpoch = e.firstEpoch - 1;
        progress.epochs = e.epochs;
        progress.checkpointFile = e.checkpointFile;
        progress.modelFile = e.modelFile;
        break;
      case 'epochStart':
        if (!bar) break;
        pbar = new cliProgress.SingleBar(
          {
            format: `epoch ${e.epoch}/${e.epochs} {bar} {value}/{total} loss {loss} | epoch {eta_formatted} left`,
            stream: process.stderr,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        pbar.start(e.steps, 0, { loss: '—' });
        break;
      case 'step':
        pbar?.update(e.step, { loss: e.loss.toFixed(4) });
        if (e.step === e.steps) {
          pbar?.stop();
          pbar = undefined;
        }
        // a slow first epoch: say early what the whole run will take (training steps only)
        if (sessionEpochs === 0 && !estimated && e.seconds >= FIRST_ESTIMATE_AFTER_S && e.step < e.steps) {
          estimated = true;
          const perEpoch = (e.seconds / e.step) * e.steps;
          const left = perEpoch * (e.epochs - e.epoch + 1) - e.seconds;
          if (pbar) process.stderr.write('\n');
          log.progress(
            `first estimate: ${(e.seconds / e.step).toFixed(2)} s per step, ${aboutTime(perEpoch)} per epoch, ${aboutTime(left)} left for ${e.epochs - e.epoch + 1} epoch(s) (without validation)`,
          );
        }
        break;
      case 'epoch': {
        sessionEpochs++;
        const r = e.row;
        progress.lastEpoch = r.epoch;
        const left = r.epoch < e.epochs ? `, ${aboutTime(e.secondsLeft)} left` : '';
        log.progress(
          `epoch ${r.epoch}/${e.epochs}${left}: loss ${r.train_loss.toFixed(4)}, val loss ${r.val_loss.toFixed(4)}, ` +
            `val F1-integral ${r.val_f1_integral.toFixed(3)}, ${e.seconds.toFixed(1)} s${e.best ? ' (best, saved)' : ''}`,
        );
        break;
      }
      case 'threshold':
        log.progress(`threshold ${e.threshold} (validation F1-integral ${e.f1Integral.toFixed(3)}) → ${e.modelFile}`);
        break;
    }
  };
}

/** A shell word as typed (quoted when it holds anything but safe characters). */
const shellWord = (s: string) => (/^[\w./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);

export function trainCommand(): Command {
  return withCommon(new Command('train'))
    .description(
      'Train a network on a dataset (from `deepblink create` or `deepblink simulate --dataset`) as set in a ' +
        'configuration file (from `deepblink config`). Writes SAVEDIR/RUN.onnx (best by validation loss, with the ' +
        'threshold that maximises validation F1-integral), RUN.log.csv and RUN.ckpt (for --resume). ' +
        'Ctrl-C stops after the current step: the last full epoch stays saved (exit code 130; continue with --resume).',
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
      // Ctrl-C: stop after the current step (the last full epoch is checkpointed); twice: at once
      const progress: TrainProgress = { lastEpoch: 0, epochs: cfg.train.epochs };
      let res;
      let stopped = false;
      try {
        res = await withInterrupt(async (signal) => {
          signal.addEventListener('abort', () => (stopped = true));
          return train(cfg, { resume: o.resume, force: o.force, signal, onEvent: trainReporter(log, process.stderr.isTTY, progress) });
        }, 'stopping after the current step');
      } catch (err) {
        if (!stopped) throw err;
        const resume = [
          'deepblink',
          'train',
          '-c',
          o.config,
          '--resume',
          ...(o.epochs ? ['--epochs', String(o.epochs)] : []),
          ...(o.dataset ? ['--dataset', o.dataset] : []),
        ];
        if (progress.lastEpoch === 0) {
          log.progress(`interrupted during epoch 1/${progress.epochs}: no epoch finished, nothing saved`);
        } else {
          const done =
            progress.lastEpoch >= progress.epochs
              ? 'all epochs done, the threshold search not'
              : `epoch ${progress.lastEpoch + 1}/${progress.epochs} not finished`;
          log.progress(
            `interrupted (${done}): ${progress.lastEpoch === 1 ? 'epoch 1 is' : `epochs 1–${progress.lastEpoch} are`} saved in ${progress.checkpointFile}; ` +
              `${progress.modelFile} (best so far) has the uncalibrated threshold 0.5 until the run finishes`,
          );
          log.progress(`resume with: ${resume.map(shellWord).join(' ')}`);
        }
        process.exitCode = 130;
        return;
      }
      const v = res.card.scores?.valid;
      process.stdout.write(
        `${res.modelFile}: threshold ${res.card.threshold}, validation F1-integral ${v ? v.f1Integral.toFixed(3) : '—'} ` +
          `(${v?.images ?? 0} crops), ${res.log.length} epochs logged\n`,
      );
    });
}
