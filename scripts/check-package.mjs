#!/usr/bin/env node
/**
 * `npm run test:package` — uses the package as a user would: `npm pack`, checks what the tarball
 * holds (the library, the CLI, the models, the Snakemake workflow; no benchmarks, tests, test
 * helpers, training checkpoints or Nextflow modules), installs it into a fresh temporary project, imports the API from ESM, runs a
 * detection, type-checks a TypeScript consumer against the shipped .d.ts, runs the bin, and
 * starts the viewer (its page, WebAssembly runtime and an image are served).
 * Needs a built dist/ (npm test builds it). The install runs with the network unusable: npm
 * --offline (dependencies from the npm cache that `npm ci` filled) and every proxy variable
 * pointing at a closed port, so an install step that tries to download (onnxruntime-node's GPU
 * libraries) fails — and must not fail the install. The run checks that nothing is written
 * under the home folder's cache (onnxruntime's telemetry database).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'deepblink-pack-'));
const env = { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' };
delete env.ONNXRUNTIME_NODE_INSTALL; // a user has no such variable set
const dead = 'http://127.0.0.1:9';
const offline = { ...env, HTTP_PROXY: dead, HTTPS_PROXY: dead, http_proxy: dead, https_proxy: dead, npm_config_proxy: dead, npm_config_https_proxy: dead };
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
let failures = 0;
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
};

try {
  if (!existsSync(path.join(root, 'dist', 'index.js'))) throw new Error('dist/ is not built (run npm run build)');
  // 1. the tarball and what it holds
  const [info] = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], root));
  const files = info.files.map((f) => f.path);
  const tarball = path.join(tmp, info.filename);
  console.log(`${info.filename}: ${files.length} files, ${(info.size / 1024).toFixed(0)} kB packed`);
  for (const f of [
    'dist/index.js',
    'dist/index.d.ts',
    'dist/cli/main.js',
    'dist/viewer/index.html',
    'models/general.onnx',
    'examples/demo.tif',
    'README.md',
    'package.json',
    'workflows/snakemake/Snakefile',
    'workflows/snakemake/config.yaml',
    'workflows/snakemake/profiles/slurm/config.yaml',
  ]) {
    check(files.includes(f), `tarball holds ${f}`);
  }
  const wasm = files.filter((f) => f.startsWith('dist/viewer/') && f.endsWith('.wasm'));
  check(wasm.length === 1, `the viewer's page ships one WebAssembly runtime (${wasm.join(', ') || 'none'})`);
  // workflows/: the Snakemake workflow ships (a few kB, runs against the installed CLI); the Nextflow modules are copied into pipelines from the repository
  const banned = [
    /^bench\//,
    /^src\//,
    /^training\//,
    /^scripts\//,
    /\.test\./,
    /testutil/,
    /\.ckpt$/,
    /\.map$/,
    /\.tsbuildinfo$/,
    /^\.ci\//,
    /^workflows\/nextflow\//,
  ];
  const bad = files.filter((f) => banned.some((b) => b.test(f)));
  check(
    bad.length === 0,
    `no benchmarks, sources, tests, test helpers, checkpoints or Nextflow modules in the tarball${bad.length ? ` (found ${bad.slice(0, 5).join(', ')})` : ''}`,
  );

  // 2. a fresh project that installs the tarball
  const proj = path.join(tmp, 'user-project');
  run('mkdir', ['-p', proj]);
  writeFileSync(path.join(proj, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }, null, 2));
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], {
    cwd: proj,
    env: offline,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  check(existsSync(path.join(proj, 'node_modules', 'deepblink', 'dist', 'index.js')), 'npm install of the tarball with the network unusable');
  const nativeRuntime = existsSync(path.join(proj, 'node_modules', 'onnxruntime-node', 'package.json'));
  console.log(`     onnxruntime-node ${nativeRuntime ? 'installed' : 'not installed (its download failed offline): the fallback runtime is used'}`);

  // 3. the API from ESM, as a user writes it
  writeFileSync(
    path.join(proj, 'use.mjs'),
    `import { detect, SpotDetector, simulateImage, simToPlane, computeMetrics, DeepblinkError, VERSION, bundledModels } from 'deepblink';
import { createRequire } from 'node:module';
const out = { version: VERSION, models: bundledModels() };
const sim = simulateImage({ height: 96, width: 96, snr: 8, density: 10 }, 42);
const plane = await detect(simToPlane(sim));
out.planeSpots = plane.spots.length;
out.truth = sim.spots.length;
out.f1 = computeMetrics(plane.spots.map((s) => [s.y, s.x]), sim.spots.map((s) => [s.y, s.x])).f1Integral;
const demo = new URL('./node_modules/deepblink/examples/demo.tif', import.meta.url);
const d = await SpotDetector.create({ method: 'log' });
out.demoLog = (await d.detectFile(demo.pathname)).spots.length;
await d.close();
try { await detect('/no/such/file.tif'); out.error = 'none'; } catch (e) { out.error = e instanceof DeepblinkError ? e.code : String(e); }
try { await import('deepblink/dist/detect/log.js'); out.deep = 'importable'; } catch (e) { out.deep = e.code; }
console.log(JSON.stringify(out));
`,
  );
  const home = path.join(tmp, 'home');
  run('mkdir', ['-p', home]);
  const userEnv = { ...offline, HOME: home, XDG_CACHE_HOME: path.join(home, '.cache') };
  const out = JSON.parse(execFileSync('node', ['use.mjs'], { cwd: proj, env: userEnv, encoding: 'utf8' }).trim().split('\n').pop());
  console.log(JSON.stringify(out));
  check(out.version === JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version, 'VERSION equals package.json version');
  check(out.models.includes('general'), 'bundled models are found from the installed package');
  check(out.planeSpots > 0 && out.f1 > 0.6, `detect(plane) finds the simulated spots (F1-integral ${out.f1?.toFixed(3)})`);
  check(out.demoLog > 0, 'SpotDetector (LoG) on the shipped demo image');
  check(out.error === 'not-found', `a missing file is a DeepblinkError with code 'not-found' (got ${out.error})`);
  check(out.deep === 'ERR_PACKAGE_PATH_NOT_EXPORTED', 'internal modules are not importable (exports map)');

  // 4. a TypeScript consumer type-checks against the shipped declarations
  writeFileSync(
    path.join(proj, 'use.ts'),
    `import { detect, type Spot, type ImageSpots, DeepblinkError, type ErrorCode } from 'deepblink';
const r: ImageSpots = await detect('cells.tif', { threshold: 0.5, fit: {} });
const s: Spot | undefined = r.spots[0];
const y: number | undefined = s?.fit?.photons;
const c: ErrorCode = new DeepblinkError('x', undefined, 'bad-image').code;
export { y, c };
`,
  );
  writeFileSync(
    path.join(proj, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: [] },
      files: ['use.ts'],
    }),
  );
  let tsOk = true;
  try {
    run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], proj);
  } catch (e) {
    tsOk = false;
    console.log(String(e.stdout ?? e));
  }
  check(tsOk, 'a TypeScript consumer type-checks against the shipped .d.ts (strict, NodeNext)');

  // 5. the bin
  const csvDir = path.join(tmp, 'out');
  execFileSync(
    path.join(proj, 'node_modules', '.bin', 'deepblink'),
    ['predict', path.join(proj, 'node_modules', 'deepblink', 'examples', 'demo.tif'), '-o', csvDir],
    {
      cwd: proj,
      env: userEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const csv = readFileSync(path.join(csvDir, 'demo.csv'), 'utf8').trim().split('\n');
  check(csv[0].startsWith('y [px],x [px]') && csv.length > 10, `the installed bin predicts on the demo image offline (${csv.length - 1} spots)`);

  // 6. the installed viewer: its server starts, serves the page, its runtime and the demo image
  const view = spawn(path.join(proj, 'node_modules', '.bin', 'deepblink'), ['view', path.join(proj, 'node_modules', 'deepblink', 'examples', 'demo.tif')], {
    cwd: proj,
    env: userEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`view printed no address: ${out}`)), 20_000);
    view.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]+\//);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
    view.on('exit', (code) => reject(new Error(`view exited (${code}): ${out}`)));
  });
  const page = await fetch(url);
  const html = await page.text();
  const session = await (await fetch(url + 'api/session')).json();
  const plane = await fetch(url + 'api/image/0/plane');
  const wasmRes = await fetch(url + wasm[0].slice('dist/viewer/'.length), { method: 'HEAD' });
  view.kill('SIGINT');
  const code = await new Promise((resolve) => view.on('exit', resolve));
  check(
    page.ok &&
      html.includes('deepblink') &&
      session.images[0]?.name === 'demo.tif' &&
      plane.headers.get('x-dtype') === 'uint16' &&
      wasmRes.headers.get('content-type') === 'application/wasm',
    'the installed `deepblink view` serves its page, the demo image and the WebAssembly runtime',
  );
  check(code === 0, `view stops on Ctrl-C with exit 0 (got ${code})`);
  const written = existsSync(home) ? execFileSync('find', [home, '-type', 'f'], { encoding: 'utf8' }).trim() : '';
  check(
    !/Microsoft|onnxruntime/.test(written),
    `nothing written to the user's cache (no telemetry database)${written ? `: ${written.split('\n').length} files` : ''}`,
  );
} catch (e) {
  failures++;
  console.log(`FAIL ${e.message}\n${e.stderr ?? ''}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
if (failures) {
  console.log(`${failures} check(s) failed`);
  process.exit(1);
}
console.log('package check passed');
