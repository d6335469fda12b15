import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../src/model/bundled.js';

/**
 * Puts `table` into docs/benchmarks.md between `<!-- NAME:begin … -->` and `<!-- NAME:end -->`
 * (replacing the previous table), or appends a new section with `heading` and `intro`.
 */
export function writeBenchmarkBlock(name: string, heading: string, intro: string, table: string): string | undefined {
  const doc = path.join(packageRoot, 'docs', 'benchmarks.md');
  if (!existsSync(doc)) return undefined;
  const begin = `<!-- ${name}:begin (written by npm run bench:${name}) -->`;
  const end = `<!-- ${name}:end -->`;
  const text = readFileSync(doc, 'utf8');
  const block = `${begin}\n${table}\n${end}`;
  const i = text.indexOf(begin);
  const j = i < 0 ? -1 : text.indexOf(end, i);
  const next = i >= 0 && j >= 0 ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n## ${heading}\n\n${intro}\n\n${block}\n`;
  writeFileSync(doc, next);
  return doc;
}

/** The [label, file] pairs of an environment variable "label=file;label=file" (empty when unset). */
export function modelList(variable: string): [string, string][] {
  const out: [string, string][] = [];
  for (const spec of (process.env[variable] ?? '')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = spec.indexOf('=');
    if (eq < 1 || eq === spec.length - 1) throw new Error(`${variable} entry '${spec}' is not LABEL=FILE (entries separated by ';')`);
    out.push([spec.slice(0, eq), spec.slice(eq + 1)]);
  }
  return out;
}

/** Bundled models plus BENCH_MODELS="label=file;…" (entries separated by ';'), as [label, file]. */
export function benchModels(bundled: [string, string][]): [string, string][] {
  return [...bundled, ...modelList('BENCH_MODELS')];
}
