/**
 * The layout's rule, checked: a module imports only from its own folder and from folders
 * lower in the pipeline's order below (shared maths and types at the bottom, the CLI at the
 * top). Tests and src/testutil are exempt (a test may use anything). See CONTRIBUTING.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './testutil/shared.js';

/** Lowest first. A folder may import from any folder before it. */
export const LAYERS = [
  'core', // types, errors, version
  'math', // shared maths: order statistics, PSF integrals, linear algebra, RNG
  'io', // read and write files: images (format registry), labels, CSV, atomic writes
  'network', // architectures as data, weights, the grid codec
  'preprocess', // plane checks, normalisation, tiles
  'engine', // ML frameworks: ONNX format, onnxruntime, tfjs, the float64 reference
  'model', // model files (ONNX + card), bundled models
  'evaluate', // metrics and matching
  'measure', // fit, intensity, centroid, SNR, CRLB
  'detect', // every detector: LoG, network
  'pipeline', // read → preprocess → detect → measure → table, the SpotDetector facade
  'simulate', // simulated images and scenes
  'dataset', // training datasets: crops, splits, building
  'train', // training loop, config, checkpoints
  'visualize', // overlays
  'colocalize', // pairs of two spot sets, chance level, chromatic shift
  'track', // linking spots over time into tracks, simulated tracks
  'view', // the local server behind `deepblink view` (the page itself is built separately)
  'index.ts', // the public API
  'cli', // parse options, print
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

test('no import against the layering (src/ folders in pipeline order)', () => {
  const src = path.join(repoRoot, 'src');
  const layerOf = (file: string): string => path.relative(src, file).split(path.sep)[0];
  const violations: string[] = [];
  const files = sources(src).filter((f) => layerOf(f) !== 'testutil');
  assert.ok(files.length > 50, `found ${files.length} source files`);
  for (const file of files) {
    const from = layerOf(file);
    const rank = LAYERS.indexOf(from);
    assert.ok(rank >= 0, `${path.relative(src, file)}: folder '${from}' is not in LAYERS (add it where it belongs)`);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = layerOf(path.resolve(path.dirname(file), m[1]));
      const trank = LAYERS.indexOf(target);
      if (target === 'testutil' || trank < 0 || trank > rank) violations.push(`${path.relative(src, file)} (${from}) imports ${m[1]} (${target})`);
    }
  }
  assert.deepEqual(violations, []);
});

/** Relative imports of a module and of everything it imports (transitively), and its package imports. */
function closure(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    // static imports only: a dynamic import() is loaded on first use (e.g. onnxruntime-node by modelPredictor)
    for (const m of text.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gm)) {
      if (m[1].startsWith('.')) visit(path.resolve(path.dirname(file), m[1]).replace(/\.js$/, '.ts'));
      else packages.add(m[1]);
    }
  };
  visit(entry);
  return { files, packages };
}

test('the viewer page and the in-page path (model bytes → card → normalise → tiles → decode → spots → table) need no Node built-in', () => {
  const src = path.join(repoRoot, 'src');
  const page = readdirSync(path.join(repoRoot, 'viewer', 'src'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(repoRoot, 'viewer', 'src', f));
  assert.ok(page.length >= 4, `viewer/src has ${page.length} modules`);
  const entries = [
    'detect/neural.ts',
    'model/card.ts',
    'engine/onnx-format.ts',
    'engine/onnxruntime-web.ts',
    'measure/spots.ts',
    'pipeline/table.ts',
    'io/table.ts',
    'evaluate/metrics.ts',
  ];
  for (const entry of [...entries.map((e) => path.join(src, e)), ...page]) {
    const { files, packages } = closure(entry);
    const node = [...packages].filter((p) => p.startsWith('node:') || p === 'onnxruntime-node' || p === 'cli-progress');
    assert.deepEqual(node, [], `${entry} (${files.size} modules) imports ${node.join(', ')}`);
  }
});
