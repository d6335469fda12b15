/**
 * The training configuration: every key with its default and a one-line description.
 * `deepblink config` writes it as YAML (descriptions as comments, or wrapped as the original's
 * {description, value} pairs); `deepblink train` reads it back with `loadConfig`.
 * Structure follows the original deepBlink config (§2 of the behaviour notes), minus the
 * wandb/class-name plumbing that only made sense in Python.
 */
export interface ConfigEntry {
  value: unknown;
  description: string;
}
export type ConfigSection = Record<string, ConfigEntry>;

export const CONFIG_SCHEMA: Record<string, ConfigEntry | ConfigSection> = {
  name: { value: 'deepblink', description: 'Model name (stored in the model file)' },
  run_name: { value: 'run', description: 'Name of this training run (prefix of the output files)' },
  dataset: { value: 'PATH/TO/DATASET', description: 'Dataset folder made by `deepblink create` or `deepblink simulate --dataset`' },
  savedir: { value: 'models', description: 'Folder where the model, checkpoints and training log are written' },
  seed: { value: 0, description: 'Random seed (weights, shuffling, augmentation)' },
  network: {
    architecture: {
      value: 'deepblink',
      description:
        "Network architecture: deepblink (the paper's U-Net + grid encoder) or lean (ours: everything at grid resolution, ~200x fewer multiply-adds)",
    },
    filters: { value: 5, description: '2 ** filters channels in the first layer' },
    ndown: { value: 2, description: 'Network depth (encoding steps; lean: context levels below the grid)' },
    cell_size: { value: 4, description: 'Size of one grid cell in px (power of 2); at most one spot per cell' },
    dropout: { value: 0.3, description: 'Fraction of feature maps dropped (spatial dropout) during training' },
    block: { value: 'convolutional', description: 'Basic architectural block (convolutional | residual | inception)' },
    l2: { value: 1e-6, description: 'L2 regularisation factor on convolution weights' },
  },
  loss: {
    value: 'combined_dice_rmse',
    description:
      'Loss: combined_dice_rmse (the paper: dice on the probability channel + 2 × RMSE of the in-cell offsets) or combined_bce_rmse (binary cross-entropy per cell instead of dice: a calibrated probability)',
  },
  normalization: {
    value: 'zscore',
    description:
      'Network input normalisation: zscore (per crop, as the original) or noise (local contrast in local noise units; stored in the model and used by predict)',
  },
  optimizer: { value: 'amsgrad', description: 'Optimiser (adam | amsgrad | rmsprop)' },
  train: {
    batch_size: { value: 2, description: 'Samples per mini-batch' },
    epochs: { value: 200, description: 'Total rounds of training' },
    learning_rate: { value: 1e-4, description: 'Learning rate' },
    lr_schedule: { value: 'constant', description: 'constant, or cosine: decays from learning_rate to learning_rate/100 over the epochs' },
    smooth_factor: { value: 1, description: 'Label smoothing of the probability channel (1 = none)' },
    overfit: { value: false, description: 'Train on a single batch (debugging)' },
    pre_train: { value: null, description: 'Model file (or bundled model name) to fine-tune from; null = train from scratch' },
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
