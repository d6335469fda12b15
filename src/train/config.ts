import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { defaultConfig, unwrapConfig, CONFIG_SCHEMA } from './config-schema.js';
import { UserError, fsCode, type ErrorCode } from '../core/errors.js';
import type { AugmentOptions } from './augment.js';
import type { NetworkConfig } from '../network/spec.js';
import type { LossName, OptimizerSettings } from '../engine/engine.js';

/** A user-facing error of this stage (code 'bad-config' unless given). */
const configError = (message: string, file?: string, code: ErrorCode = 'bad-config') => new UserError(message, file, code);

/** The training configuration, typed and validated. */
export interface TrainConfig {
  name: string;
  run_name: string;
  dataset: string;
  savedir: string;
  seed: number;
  network: NetworkConfig;
  loss: LossName;
  normalization: 'zscore' | 'noise';
  optimizer: OptimizerSettings['name'];
  train: {
    batch_size: number;
    epochs: number;
    learning_rate: number;
    lr_schedule: 'constant' | 'cosine';
    smooth_factor: number;
    overfit: boolean;
    pre_train: string | null;
  };
  augmentation: AugmentOptions;
}

type Obj = Record<string, unknown>;

/** Merges `user` over the defaults, rejecting unknown keys and wrong types. */
export function resolveConfig(user: unknown, file = 'config'): TrainConfig {
  const defaults = defaultConfig() as Obj;
  if (user === null || user === undefined) user = {};
  if (typeof user !== 'object' || Array.isArray(user)) throw configError('the configuration must be a YAML mapping', file);
  const u = unwrapConfig(user) as Obj;
  const out: Obj = {};
  for (const [k, v] of Object.entries(u)) {
    if (!(k in defaults)) throw configError(`unknown key '${k}' (known: ${Object.keys(defaults).join(', ')})`, file);
    const d = defaults[k];
    if (d && typeof d === 'object') {
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw configError(`'${k}' must be a mapping`, file);
      for (const kk of Object.keys(v as Obj)) {
        if (!(kk in (d as Obj))) throw configError(`unknown key '${k}.${kk}' (known: ${Object.keys(d as Obj).join(', ')})`, file);
      }
    }
  }
  for (const [k, d] of Object.entries(defaults)) {
    if (d && typeof d === 'object') out[k] = { ...(d as Obj), ...((u[k] as Obj) ?? {}) };
    else out[k] = k in u ? u[k] : d;
  }
  const c = out as unknown as Omit<TrainConfig, 'network'> & { network: Obj };
  const check = (ok: boolean, key: string, want: string) => {
    if (!ok) throw configError(`'${key}' must be ${want}`, file);
  };
  const isInt = (v: unknown, min: number) => Number.isInteger(v) && (v as number) >= min;
  check(typeof c.name === 'string', 'name', 'a string');
  check(typeof c.run_name === 'string' && /^[\w.-]+$/.test(c.run_name), 'run_name', 'a file-name-safe string');
  check(typeof c.dataset === 'string', 'dataset', 'a path');
  check(typeof c.savedir === 'string', 'savedir', 'a path');
  check(isInt(c.seed, 0), 'seed', 'an integer ≥ 0');
  check(c.loss === 'combined_dice_rmse' || c.loss === 'combined_bce_rmse', 'loss', "'combined_dice_rmse' or 'combined_bce_rmse'");
  check(c.normalization === 'zscore' || c.normalization === 'noise', 'normalization', "'zscore' or 'noise'");
  check(['amsgrad', 'adam', 'rmsprop'].includes(c.optimizer), 'optimizer', 'amsgrad, adam or rmsprop');
  const t = c.train;
  check(isInt(t.batch_size, 1), 'train.batch_size', 'an integer ≥ 1');
  check(isInt(t.epochs, 1), 'train.epochs', 'an integer ≥ 1');
  check(typeof t.learning_rate === 'number' && t.learning_rate > 0, 'train.learning_rate', 'a positive number');
  check(t.lr_schedule === 'constant' || t.lr_schedule === 'cosine', 'train.lr_schedule', "'constant' or 'cosine'");
  check(typeof t.smooth_factor === 'number' && t.smooth_factor > 0.5 && t.smooth_factor <= 1, 'train.smooth_factor', 'in (0.5, 1]');
  check(typeof t.overfit === 'boolean', 'train.overfit', 'true or false');
  check(t.pre_train === null || typeof t.pre_train === 'string', 'train.pre_train', 'a model file or null');
  for (const [k, v] of Object.entries(c.augmentation)) check(typeof v === 'boolean', `augmentation.${k}`, 'true or false');
  const n = c.network;
  const network: NetworkConfig = {
    architecture: n.architecture as NetworkConfig['architecture'],
    filters: n.filters as number,
    ndown: n.ndown as number,
    cellSize: n.cell_size as number,
    dropout: n.dropout as number,
    block: n.block as NetworkConfig['block'],
    l2: n.l2 as number,
  };
  // every path in the file is relative to the file's folder (the current folder for a config made in code)
  const base = file === 'config' ? process.cwd() : path.dirname(path.resolve(file));
  const abs = (p: string) => (path.isAbsolute(p) ? p : path.resolve(base, p));
  return {
    ...(c as unknown as TrainConfig),
    dataset: abs(c.dataset),
    savedir: abs(c.savedir),
    train: { ...t, pre_train: t.pre_train === null ? null : preTrained(t.pre_train, abs) },
    network,
  };
}

/**
 * `train.pre_train` → a model file (resolved by `abs`, against the config's folder) or a bundled
 * model name: a file that exists wins; a bare name (no folder, no .onnx) stays a name, for
 * resolveModel; anything else is a path (a missing file is reported when training starts).
 */
function preTrained(p: string, abs: (p: string) => string): string {
  const file = abs(p);
  if (existsSync(file)) return file;
  return /[\\/]|\.onnx$/i.test(p) ? file : p;
}

export function loadConfigFile(file: string): TrainConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw configError(code === 'ENOENT' ? 'configuration file not found' : `cannot read (${code})`, file, fsCode(err));
  }
  let doc: unknown;
  try {
    // warnings (unknown tags, …) become errors here instead of Node process warnings on stderr
    const parsed = parseDocument(text, { logLevel: 'silent' });
    const problem = parsed.errors[0] ?? parsed.warnings[0];
    if (problem) throw problem;
    doc = parsed.toJS();
  } catch (err) {
    throw configError(`not valid YAML: ${(err as Error).message.split('\n')[0]}`, file);
  }
  return resolveConfig(doc, file);
}

export { CONFIG_SCHEMA };
