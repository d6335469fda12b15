/**
 * The Nextflow modules (workflows/nextflow/modules/deepblink/): Nextflow cannot run here, so
 * this reads each main.nf as text — process name, inputs, outputs, the `when:` guard, `ext.args`,
 * a stub — and runs the command lines its `script:` blocks build (Groovy's `${…}` filled in the
 * way Nextflow would for one task) with the built CLI: predict's part files must match the
 * module's output glob, and merge's table must be `deepblink predict`'s on the whole image.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from './testutil/shared.js';
import { simulateImage } from './simulate/simulate.js';
import { encodeTiff } from './io/image/write.js';
import { VERSION } from './core/version.js';

const BIN = path.join(repoRoot, 'dist', 'cli', 'main.js');
const MODULES = path.join(repoRoot, 'workflows', 'nextflow', 'modules', 'deepblink');

/** The text of a section (`input:`, `output:`, `script:`, …) of a process, up to the next one. */
function section(nf: string, name: string): string {
  const m = new RegExp(`^\\s*${name}:\\s*$([\\s\\S]*?)(?=^\\s*(?:input|output|when|script|stub):\\s*$|^}\\s*$)`, 'm').exec(nf);
  assert.ok(m, `no ${name}: section`);
  return m[1];
}

/** The shell text of a `"""…"""` block, Groovy escapes undone and `${…}` replaced from `vars`. */
function shell(block: string, vars: Record<string, string>): string {
  const m = /"""\n([\s\S]*?)"""/.exec(block);
  assert.ok(m, 'no """ block');
  return m[1]
    .replace(/\$\{([^}]+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => {
      const key = (a ?? b)!.trim();
      assert.ok(key in vars, `unexpected \${${key}} in the script`);
      return vars[key];
    })
    .replace(/\\\\/g, '\\')
    .replace(/\\\$/g, '$');
}

/** The shell text with `deepblink` being the built CLI, run in `cwd`. */
function runShell(script: string, cwd: string) {
  const r = spawnSync('bash', ['-euo', 'pipefail', '-c', `deepblink() { "${process.execPath}" "${BIN}" "$@"; }\n${script}`], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `${script}\n${r.stderr}`);
  return r.stdout;
}

/** Files of `dir` matching a Nextflow output glob (`*` within a name). */
const glob = (dir: string, pattern: string) =>
  readdirSync(dir).filter((f) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`).test(f));

test('Nextflow modules: nf-core layout, process names, inputs and outputs, when/ext.args/stub, versions topic; meta.yml names every channel', () => {
  for (const [dir, proc] of [
    ['predict', 'DEEPBLINK_PREDICT'],
    ['merge', 'DEEPBLINK_MERGE'],
  ]) {
    const nf = readFileSync(path.join(MODULES, dir, 'main.nf'), 'utf8');
    assert.match(nf, new RegExp(`^process ${proc} \\{`, 'm'));
    assert.match(section(nf, 'when'), /task\.ext\.when == null \|\| task\.ext\.when/);
    assert.match(section(nf, 'script'), /def args = task\.ext\.args \?: ''/);
    assert.match(section(nf, 'stub'), /touch /);
    const output = section(nf, 'output');
    assert.match(output, /emit: versions_deepblink, topic: versions/);
    const meta = parseYaml(readFileSync(path.join(MODULES, dir, 'meta.yml'), 'utf8'));
    assert.equal(meta.name, `deepblink_${dir}`);
    for (const key of ['description', 'keywords', 'tools', 'input', 'output', 'authors']) assert.ok(meta[key], `meta.yml: ${key}`);
    const emits = [...output.matchAll(/emit: (\w+)/g)].map((m) => m[1]);
    assert.deepEqual(Object.keys(meta.output), emits, `${dir}: meta.yml output channels = main.nf emits`);
    assert.ok(readFileSync(path.join(MODULES, dir, 'tests', 'main.nf.test'), 'utf8').includes(`process "${proc}"`));
  }
  const predict = readFileSync(path.join(MODULES, 'predict', 'main.nf'), 'utf8');
  assert.match(section(predict, 'input'), /tuple val\(meta\), path\(image\), val\(part\), val\(parts\)\s+path\(model\)/);
  assert.match(section(predict, 'output'), /tuple val\(meta\), path\("\*\.part-\*-of-\*\.json"\), emit: parts/);
  const merge = readFileSync(path.join(MODULES, 'merge', 'main.nf'), 'utf8');
  assert.match(section(merge, 'input'), /tuple val\(meta\), path\(parts, stageAs: 'parts\/\*'\)/);
  assert.match(section(merge, 'output'), /tuple val\(meta\), path\("\$\{prefix\}\.csv"\), emit: spots/);
});

test("Nextflow modules: the command lines of predict (2 parts) and merge, run with the built CLI, give predict's table; the version eval gives the version", () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'deepblink-nextflow-'));
  const sim = simulateImage({ height: 200, width: 520, snr: [3, 10], density: 10, offset: 100 }, 7);
  const data = Uint16Array.from(sim.image, (v) => Math.min(65535, Math.max(0, Math.round(v))));
  writeFileSync(path.join(work, 'cells.tif'), encodeTiff([{ data, height: 200, width: 520 }]));

  const predictNf = readFileSync(path.join(MODULES, 'predict', 'main.nf'), 'utf8');
  const outGlob = /path\("([^"]+)"\), emit: parts/.exec(predictNf)![1];
  const mergeDir = path.join(work, 'merge');
  mkdirSync(path.join(mergeDir, 'parts'), { recursive: true });
  const staged: string[] = [];
  for (const part of [1, 2]) {
    // one task's work folder: the image staged in it (Nextflow links it)
    const task = path.join(work, `task${part}`);
    mkdirSync(task);
    writeFileSync(path.join(task, 'cells.tif'), readFileSync(path.join(work, 'cells.tif')));
    runShell(
      shell(section(predictNf, 'script'), { image: 'cells.tif', part: String(part), parts: '2', 'task.cpus': '1', model_arg: '', args: '--tile 256' }),
      task,
    );
    const outs = glob(task, outGlob);
    assert.deepEqual(outs, [`cells.part-${part}-of-2.json`]);
    // what the stub would touch, for the same task
    assert.match(section(predictNf, 'stub'), /touch \$\{stem\}\.part-\$\{part\}-of-\$\{parts\}\.json/);
    writeFileSync(path.join(mergeDir, 'parts', outs[0]), readFileSync(path.join(task, outs[0])));
    staged.push(`parts/${outs[0]}`);
  }
  const mergeNf = readFileSync(path.join(MODULES, 'merge', 'main.nf'), 'utf8');
  runShell(shell(section(mergeNf, 'script'), { parts: staged.join(' '), prefix: 'cells', args: '' }), mergeDir);
  const whole = spawnSync(process.execPath, [BIN, 'predict', 'cells.tif', '-o', 'whole', '--tile', '256'], { cwd: work, encoding: 'utf8' });
  assert.equal(whole.status, 0, whole.stderr);
  const expected = readFileSync(path.join(work, 'whole', 'cells.csv'), 'utf8');
  assert.ok(expected.split('\n').length > 20);
  assert.equal(readFileSync(path.join(mergeDir, 'cells.csv'), 'utf8'), expected);

  const evalCmd = /eval\("([^"]+)"\)/.exec(predictNf)![1];
  assert.equal(runShell(evalCmd, work).trim(), VERSION);
});
