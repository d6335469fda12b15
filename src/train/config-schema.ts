/**
 * The training configuration: every key with its default and a one-line description.
 * `deepblink config` writes it as YAML (descriptions as comments, or wrapped as the original's
 * {description, value} pairs); `deepblink train` reads it back with `loadConfig`.
 * Structure follows the original deepBlink config (§2 of the behaviour notes), minus the
 * wandb/class-name plumbing that only made sense in Python. The defaults are the recipe of the
 * bundled models (training/README.md) — the lean network in noise units, cross-entropy + RMSE,
 * AMSGrad at 2e-3 with a cosine decay, batch 8 — for 40 epochs, not the paper's network and
 * its 200 epochs (hours per run on a laptop's CPU).
 */
import { BUNDLED_NETWORK } from '../network/spec.js';

export interface ConfigEntry {
  value: unknown;
  description: string;
}
export type ConfigSection = Record<string, ConfigEntry>;

export const CONFIG_SCHEMA: Record<string, ConfigEntry | ConfigSection> = {
  name: { value: 'deepblink', description: 'Model name (stored in the model file)' },
  run_name: { value: 'run', description: 'Name of this training run (prefix of the output files)' },
  dataset: {
    value: 'PATH/TO/DATASET',
    description: "Dataset folder made by `deepblink create` or `deepblink simulate --dataset` (relative paths: to this file's folder)",
  },
  savedir: { value: 'models', description: "Folder where the model, checkpoints and training log are written (relative to this file's folder)" },
  seed: { value: 0, description: 'Random seed (weights, shuffling, augmentation)' },
  network: {
    architecture: {
      value: BUNDLED_NETWORK.architecture,
      description:
        "Network architecture: lean (ours and the bundled models': everything at grid resolution, ~125x fewer multiply-adds) or deepblink (the paper's U-Net + grid encoder: filters 5, ndown 2, dropout 0.3, block convolutional; hours per run on a laptop)",
    },
    filters: { value: BUNDLED_NETWORK.filters, description: '2 ** filters channels in the first layer' },
    ndown: { value: BUNDLED_NETWORK.ndown, description: 'Network depth (encoding steps; lean: context levels below the grid)' },
    cell_size: { value: BUNDLED_NETWORK.cellSize, description: 'Size of one grid cell in px (power of 2); at most one spot per cell' },
    dropout: { value: BUNDLED_NETWORK.dropout, description: 'Fraction of feature maps dropped (spatial dropout) during training' },
    block: { value: BUNDLED_NETWORK.block, description: 'Basic architectural block (convolutional | residual)' },
    l2: { value: BUNDLED_NETWORK.l2, description: 'L2 regularisation factor on convolution weights' },
  },
  loss: {
    value: 'combined_bce_rmse',
    description:
      'Loss: combined_dice_rmse (the paper: dice on the probability channel + 2 × RMSE of the in-cell offsets) or combined_bce_rmse (binary cross-entropy per cell instead of dice: a calibrated probability)',
  },
  normalization: {
    value: 'noise',
    description:
      "Network input normalisation: noise (local contrast in local noise units, the bundled models') or zscore (per crop, as the original); stored in the model and used by predict",
  },
  optimizer: { value: 'amsgrad', description: 'Optimiser (adam | amsgrad | rmsprop)' },
  train: {
    batch_size: { value: 8, description: 'Samples per mini-batch' },
    epochs: { value: 40, description: 'Total rounds of training (train prints the time left after each)' },
    learning_rate: { value: 2e-3, description: 'Learning rate' },
    lr_schedule: { value: 'cosine', description: 'constant, or cosine: decays from learning_rate to learning_rate/100 over the epochs' },
    smooth_factor: { value: 1, description: 'Label smoothing of the probability channel (1 = none)' },
    overfit: { value: false, description: 'Train on a single batch (debugging)' },
    pre_train: {
      value: null,
      description: "Model file (relative to this file's folder) or bundled model name to fine-tune from; null = train from scratch",
    },
  },
  augmentation: {
    flip: { value: true, description: 'Random horizontal/vertical flips (labels follow)' },
    rotate: { value: true, description: 'Random 90° rotations (labels follow)' },
    illuminate: { value: false, description: 'Random intensity scaling by 1 ± 0.75' },
    gaussian_noise: { value: false, description: 'Additive Gaussian noise on the normalised image' },
    translate: { value: false, description: 'Random cyclic translation by whole grid cells' },
  },
};

function isEntry(x: ConfigEntry | ConfigSection): x is ConfigEntry {
  return typeof (x as ConfigEntry).description === 'string' && 'value' in x;
}

/** The default configuration as plain values. */
export function defaultConfig(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(CONFIG_SCHEMA)) {
    if (isEntry(v)) out[k] = v.value;
    else out[k] = Object.fromEntries(Object.entries(v).map(([kk, e]) => [kk, e.value]));
  }
  return out;
}

function yamlScalar(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return /^[\w./-]+$/.test(v) && !/^(true|false|null|yes|no|~)$/i.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'number') return Math.abs(v) > 0 && Math.abs(v) < 1e-3 ? v.toExponential() : String(v);
  return String(v);
}

/**
 * YAML text of the default configuration. `raw` = bare values with descriptions as comments;
 * otherwise each leaf is written as {description, value} like the original's non-raw form.
 */
export function configYaml(opts: { raw: boolean; header: string }): string {
  const lines = [`# ${opts.header}`];
  const leaf = (indent: string, key: string, e: ConfigEntry) => {
    if (opts.raw) {
      lines.push(`${indent}# ${e.description}`);
      lines.push(`${indent}${key}: ${yamlScalar(e.value)}`);
    } else {
      lines.push(`${indent}${key}:`);
      lines.push(`${indent}  description: ${JSON.stringify(e.description)}`);
      lines.push(`${indent}  value: ${yamlScalar(e.value)}`);
    }
  };
  for (const [k, v] of Object.entries(CONFIG_SCHEMA)) {
    if (isEntry(v)) leaf('', k, v);
    else {
      lines.push(`${k}:`);
      for (const [kk, e] of Object.entries(v)) leaf('  ', kk, e);
    }
  }
  return lines.join('\n') + '\n';
}

/** Strips {description, value} wrappers (so raw and described files load the same). */
export function unwrapConfig(x: unknown): unknown {
  if (x && typeof x === 'object' && !Array.isArray(x)) {
    const o = x as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.includes('value') && keys.every((k) => k === 'value' || k === 'description')) return unwrapConfig(o.value);
    return Object.fromEntries(keys.map((k) => [k, unwrapConfig(o[k])]));
  }
  return x;
}
