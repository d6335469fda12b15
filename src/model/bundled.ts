/**
 * Bundled models: the `.onnx` files in the package's `models/` folder (shipped in the
 * repository and the npm package — nothing is ever downloaded). `-m NAME` accepts a bundled
 * name or a path; `predict` without `-m` uses DEFAULT_MODEL.
 * DEEPBLINK_MODEL_DIR overrides the folder (tests, custom installations).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../core/errors.js';

/** Root of the installed package (the folder holding package.json and models/), from src/ or dist/. */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const DEFAULT_MODEL = 'general';

export function bundledDir(): string {
  return process.env.DEEPBLINK_MODEL_DIR ?? path.join(packageRoot, 'models');
}

/** Bundled model names (file stems), sorted. */
export function bundledNames(): string[] {
  const dir = bundledDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.toLowerCase().endsWith('.onnx'))
    .map((f) => f.slice(0, -5))
    .sort();
}

export function bundledPath(name: string): string | undefined {
  // bundled names are plain file stems: nothing that could reach outside the models folder
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) || name.includes('..')) return undefined;
  const file = path.join(bundledDir(), `${name.toLowerCase()}.onnx`);
  return existsSync(file) ? file : undefined;
}

/**
 * `-m` argument → model file: an existing file path wins; otherwise a bundled name
 * (case-insensitive); otherwise an error listing the bundled names. Undefined → the default.
 */
export function resolveModel(arg: string | undefined): string {
  const name = arg ?? DEFAULT_MODEL;
  if (arg !== undefined && existsSync(arg) && statSync(arg).isFile()) return arg;
  const bundled = bundledPath(name);
  if (bundled) return bundled;
  const names = bundledNames();
  const list = names.length ? `bundled models: ${names.join(', ')}` : 'no bundled models are installed';
  if (arg === undefined)
    throw new UserError(
      `no model given and the default model '${DEFAULT_MODEL}' is not bundled (${list}); use -m MODEL.onnx or --method log`,
      undefined,
      'not-found',
    );
  throw new UserError(`no such model file or bundled model (${list})`, arg, 'not-found');
}

export function modelName(file: string): string {
  return path.basename(file).replace(/\.onnx$/i, '');
}
