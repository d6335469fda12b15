/**
 * The viewer in a real browser: Debian's Chromium, headless, driven by playwright-core, against
 * `deepblink view`'s server (startViewer). The model runs in the page (onnxruntime-web); its
 * spots must be the CLI's (`deepblink predict`, onnxruntime-node): same count, positions within
 * 1e-3 px, at the model's threshold and at a threshold moved with the slider.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { repoRoot } from '../testutil/shared.js';
import { browserSkip, launchChromium, type PageGlobals } from '../testutil/browser.js';
import { bundledNames } from '../model/bundled.js';
import { simulateImage } from '../simulate/simulate.js';
import { tiffOf } from '../simulate/files.js';
import { encodeTiff } from '../io/image/write.js';
import { readLabels } from '../io/labels.js';
import { computeMetrics } from '../evaluate/metrics.js';
import { startViewer, type RunningViewer } from './server.js';

const run = promisify(execFile);
const skip = browserSkip;
const cli = path.join(repoRoot, 'dist', 'cli', 'main.js');
const demo = path.join(repoRoot, 'examples', 'demo.tif');
const demoTruth = path.join(repoRoot, 'examples', 'demo_truth.csv');
/** Screenshots go here (DEEPBLINK_SCREENSHOTS, else a temporary folder removed at the end). */
const shots = process.env.DEEPBLINK_SCREENSHOTS;

let tmp: string;
let browser: Browser | undefined;
const viewers: RunningViewer[] = [];

before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'deepblink-browser-'));
  if (!skip) browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  for (const v of viewers) await v.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function viewer(opts: Parameters<typeof startViewer>[0]): Promise<RunningViewer> {
  const v = await startViewer(opts);
  viewers.push(v);
  return v;
}

interface PageState {
  source: string;
  threshold: number;
  count: number;
  spots: [number, number, number][];
  plane: { c: number; t: number; z: number };
  metrics?: { f1: number; f1Integral: number; precision: number; recall: number };
}

const state = (page: Page): Promise<PageState> => page.evaluate(() => (globalThis as unknown as PageGlobals).deepblink.state() as PageState);

/** Waits until the page is idle and shows what `want` says (source, plane z). */
async function ready(page: Page, want: { source?: string; z?: number } = {}): Promise<PageState> {
  await page.waitForFunction(
    (w) => {
      const g = globalThis as unknown as PageGlobals;
      const s = g.document.body.dataset.state;
      if (s === 'error') throw new Error(g.document.getElementById('error')?.textContent ?? 'error');
      const st = g.deepblink.state() as PageState;
      return s === 'ready' && (w.source === undefined || st.source === w.source) && (w.z === undefined || st.plane.z === w.z);
    },
    want,
    { timeout: 60_000 },
  );
  return state(page);
}

async function open(v: RunningViewer): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(v.url) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) problems.push(`request outside the viewer: ${r.url()}`);
  });
  (page as Page & { problems: string[] }).problems = problems;
  await page.goto(v.url);
  return page;
}

const problemsOf = (page: Page) => (page as Page & { problems: string[] }).problems;

/** `deepblink predict` on one image: rows of the CSV it writes (numbers). */
async function cliRows(image: string, args: string[]): Promise<{ columns: string[]; rows: number[][] }> {
  const out = mkdtempSync(path.join(tmp, 'cli-'));
  await run(process.execPath, [cli, 'predict', image, '-o', out, ...args]);
  const name = path.basename(image).replace(/\.[^.]+$/, '');
  const [head, ...lines] = readFileSync(path.join(out, `${name}.csv`), 'utf8')
    .trim()
    .split('\n');
  return { columns: head.split(','), rows: lines.map((l) => l.split(',').map(Number)) };
}

const byPos = (a: number[], b: number[]) => a[0] - b[0] || a[1] - b[1];

/** Same count; each position within `tol` px (both sorted by position). */
function assertSameSpots(page: number[][], cliSpots: number[][], what: string, tol = 1e-3): void {
  assert.equal(page.length, cliSpots.length, `${what}: ${page.length} spots in the page, ${cliSpots.length} from the CLI`);
  const a = [...page].sort(byPos);
  const b = [...cliSpots].sort(byPos);
  let worst = 0;
  a.forEach((p, i) => (worst = Math.max(worst, Math.abs(p[0] - b[i][0]), Math.abs(p[1] - b[i][1]))));
  assert.ok(worst < tol, `${what}: positions differ by up to ${worst} px`);
}

test(
  'demo.tif: every bundled model run in the page finds the CLI’s spots; the threshold slider, counts, CSV export and truth scores follow',
  { skip, timeout: 180_000 },
  async (t) => {
    const v = await viewer({ images: [demo], truth: [demoTruth], port: 0 });
    assert.match(v.url, /^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}\/$/);
    const page = await open(v);
    let s = await ready(page);
    const models = bundledNames();
    assert.ok(models.length >= 4, models.join(','));
    for (const model of models) {
      await page.selectOption('#source', `model:${model}`);
      s = await ready(page, { source: `model:${model}` });
      const ref = await cliRows(demo, ['-m', model]);
      assertSameSpots(s.spots, ref.rows, model);
      assert.equal(await page.textContent('#count'), String(ref.rows.length));
      t.diagnostic(`${model}: ${s.count} spots in the page and from the CLI (threshold ${s.threshold})`);
    }

    // the default model again, threshold moved with the slider: the page re-decodes, the CLI runs with --threshold
    await page.selectOption('#source', 'model:general');
    s = await ready(page, { source: 'model:general' });
    const atModel = s.count;
    await page.locator('#threshold').fill('0.2');
    s = await state(page);
    assert.equal(s.threshold, 0.2);
    const low = await cliRows(demo, ['-m', 'general', '--threshold', '0.2']);
    assertSameSpots(s.spots, low.rows, 'general at 0.2');
    assert.ok(s.count >= atModel, `lower threshold: ${s.count} < ${atModel} spots`);
    assert.equal(await page.textContent('#count'), String(low.rows.length));

    // the truth scores are those of the metrics on the CLI's spots
    const truth = (await readLabels(demoTruth)).points;
    const m = computeMetrics(
      low.rows.map((r) => [r[0], r[1]]),
      truth,
      { mdist: 3 },
    );
    assert.ok(s.metrics, 'no truth scores in the page');
    assert.ok(Math.abs(s.metrics.f1 - m.f1AtMdist) < 1e-9, `F1 ${s.metrics.f1} vs ${m.f1AtMdist}`);
    assert.ok(Math.abs(s.metrics.f1Integral - m.f1Integral) < 1e-3, `F1 integral ${s.metrics.f1Integral} vs ${m.f1Integral}`);
    assert.match((await page.textContent('#scores')) ?? '', new RegExp(`F1 @ 3 px${m.f1AtMdist.toFixed(3)}`));

    // export: the columns of `deepblink predict`, the spots at the slider's threshold
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    assert.equal(download.suggestedFilename(), 'demo.csv');
    const text = readFileSync((await download.path())!, 'utf8');
    const [head, ...lines] = text.trim().split('\n');
    assert.deepEqual(head.split(','), low.columns);
    assertSameSpots(
      lines.map((l) => l.split(',').map(Number)),
      low.rows,
      'exported CSV',
    );

    // a spot's columns on click, with the fit
    await page.check('#fit');
    const spot = (await state(page)).spots[0];
    const box = (await page.locator('#canvas').boundingBox())!;
    const at = await page.evaluate(([y, x]) => (globalThis as unknown as PageGlobals).deepblink.canvasPoint(y, x), spot);
    await page.mouse.click(box.x + at[0], box.y + at[1]);
    const info = (await page.textContent('#info')) ?? '';
    for (const col of ['photons', 'σ [px]', 'SNR', 'CRLB y [px]']) assert.ok(info.includes(col), `spot info lacks ${col}: ${info}`);

    // the PNG snapshot: the view as drawn (canvas size, PNG signature)
    const [snap] = await Promise.all([page.waitForEvent('download'), page.click('#export-png')]);
    assert.equal(snap.suggestedFilename(), 'demo-view.png');
    const snapBytes = readFileSync((await snap.path())!);
    assert.equal(snapBytes.subarray(1, 4).toString('latin1'), 'PNG');
    const canvasSize = await page.evaluate(() => (globalThis as unknown as PageGlobals).deepblink.canvasSize());
    assert.deepEqual([snapBytes.readUInt32BE(16), snapBytes.readUInt32BE(20)], canvasSize);

    await page.evaluate(() => (((globalThis as unknown as PageGlobals).document.getElementById('panel') as unknown as { scrollTop: number }).scrollTop = 0));
    const png = path.join(shots ?? tmp, 'viewer-demo.png');
    await page.screenshot({ path: png });
    assert.ok(readFileSync(png).length > 50_000, 'screenshot too small to show anything');
    assert.deepEqual(problemsOf(page), []);
    await page.close();
  },
);

test('a 2048² 16-bit TIFF: the first picture in under 2 s; in-page detection vs the CLI', { skip, timeout: 120_000 }, async (t) => {
  const sim = simulateImage({ height: 2048, width: 2048, snr: [3, 10], density: 10, structures: 8, gradient: 0.3, readNoise: 2, gain: 2, offset: 100 }, 2048);
  const file = path.join(tmp, 'big.tif');
  writeFileSync(file, tiffOf(sim));
  const v = await viewer({ images: [file], port: 0 });
  const page = await open(v);
  const s = await ready(page);
  const timings = await page.evaluate(() => (globalThis as unknown as PageGlobals).deepblink.timings);
  t.diagnostic(
    `first picture ${Math.round(timings.firstPicture)} ms after navigation; network in the page ${Math.round(timings.network)} ms; ${s.count} spots`,
  );
  assert.ok(timings.firstPicture < 2000, `first picture after ${timings.firstPicture} ms`);
  const ref = await cliRows(file, []);
  assertSameSpots(s.spots, ref.rows, '2048² image');
  await page.screenshot({ path: path.join(shots ?? tmp, 'viewer-2048.png') });
  assert.deepEqual(problemsOf(page), []);
  await page.close();
});

test(
  'a z-stack: the z slider shows each plane with its own spots (the CLI’s for that plane); a CSV is a source of spots',
  { skip, timeout: 120_000 },
  async () => {
    const planes = [0, 1, 2].map((k) => {
      const sim = simulateImage({ height: 160, width: 192, snr: [4, 10], density: 6 + 4 * k, readNoise: 1, gain: 1, offset: 100 }, 700 + k);
      return { data: Uint16Array.from(sim.image), height: 160, width: 192 };
    });
    const file = path.join(tmp, 'stack.tif');
    writeFileSync(file, encodeTiff(planes, { axes: 'zyx' }));
    const ref = await cliRows(file, ['--per-plane']);
    const zCol = ref.columns.indexOf('z');
    assert.ok(zCol > 0, ref.columns.join(','));
    const csvDir = mkdtempSync(path.join(tmp, 'csv-'));
    await run(process.execPath, [cli, 'predict', file, '-o', csvDir, '--per-plane']);
    const v = await viewer({ images: [file], spots: [path.join(csvDir, 'stack.csv')], port: 0 });
    const page = await open(v);
    let s = await ready(page);
    assert.equal(s.source, 'csv', 'a CSV given with --spots is shown first');
    assert.equal(s.count, ref.rows.filter((r) => r[zCol] === 0).length);
    await page.selectOption('#source', 'model:general');
    for (const z of [2, 1]) {
      await page.locator('#plane-z').fill(String(z));
      s = await ready(page, { source: 'model:general', z });
      assertSameSpots(
        s.spots,
        ref.rows.filter((r) => r[zCol] === z),
        `plane z=${z}`,
      );
    }
    // the export holds every plane, as predict writes a stack (c, t, z columns)
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    const [head, ...lines] = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n');
    assert.deepEqual(head.split(','), ref.columns);
    const rows = lines.map((l) => l.split(',').map(Number));
    for (const z of [0, 1, 2]) {
      assertSameSpots(
        rows.filter((r) => r[zCol] === z),
        ref.rows.filter((r) => r[zCol] === z),
        `exported plane z=${z}`,
      );
    }
    assert.deepEqual(
      rows.map((r) => r[zCol]),
      ref.rows.map((r) => r[zCol]),
      'planes in predict’s order',
    );
    assert.deepEqual(problemsOf(page), []);
    await page.close();
  },
);

test('a file that is not an image: one line naming it in the page; the next image still shows', { skip, timeout: 60_000 }, async () => {
  const bad = path.join(tmp, 'broken.tif');
  writeFileSync(bad, 'not a tiff at all');
  const v = await viewer({ images: [bad, demo], port: 0 });
  const page = await open(v);
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.body.dataset.state === 'error', null, { timeout: 30_000 });
  const message = (await page.textContent('#error')) ?? '';
  assert.match(message, /^broken\.tif: .*TIFF/);
  assert.ok(!message.includes('\n') && !/at |Error:/.test(message), message);
  await page.selectOption('#image', '1');
  const s = await ready(page, { source: 'model:general' });
  assert.equal(s.count, 52);
  assert.equal(await page.isHidden('#error'), true);
  assert.deepEqual(problemsOf(page), []);
  await page.close();
});

test(
  '3-D results: the spots of `predict` on a z-stack (sub-slice z) are marked on the planes within ±1 slice; a 3-D truth scores them',
  { skip, timeout: 120_000 },
  async () => {
    const { simulateStack } = await import('../simulate/simulate3d.js');
    const { stackTiffOf, stackTruthTable } = await import('../simulate/files.js');
    const { formatCsv } = await import('../io/table.js');
    const sim = simulateStack({ depth: 10, height: 96, width: 112, snr: 8, density: 6 }, 31);
    const file = path.join(tmp, 'vol.tif');
    writeFileSync(file, stackTiffOf(sim));
    const truthCsv = path.join(tmp, 'vol_truth.csv');
    writeFileSync(truthCsv, formatCsv(stackTruthTable(sim)));
    const out = mkdtempSync(path.join(tmp, 'vol-'));
    await run(process.execPath, [cli, 'predict', file, '-o', out]);
    const ref = await cliRows(file, []);
    assert.deepEqual(ref.columns.slice(0, 3), ['z [px]', 'y [px]', 'x [px]']);
    const v = await viewer({ images: [file], spots: [path.join(out, 'vol.csv')], truth: [truthCsv], port: 0 });
    const page = await open(v);
    let s = await ready(page);
    assert.equal(s.source, 'csv');
    for (const z of [4, 7]) {
      await page.locator('#plane-z').fill(String(z));
      s = await ready(page, { source: 'csv', z });
      const expected = ref.rows.filter((r) => Math.abs(r[0] - z) <= 1);
      assert.ok(expected.length > 0, `no spots near plane ${z}`);
      assertSameSpots(
        s.spots.map((p) => [p[0], p[1]]),
        expected.map((r) => [r[1], r[2]]),
        `plane ${z}`,
      );
      assert.ok(s.metrics && s.metrics.f1 > 0.5, `truth scores on plane ${z}: ${JSON.stringify(s.metrics)}`);
    }
    assert.match((await page.textContent('#timing')) ?? '', /3-D: marked on the planes within ±1 slice/);
    assert.deepEqual(problemsOf(page), []);
    await page.close();
  },
);
