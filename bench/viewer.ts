/**
 * `npm run bench:viewer` — the viewer in headless Chromium (Debian's, driven by playwright-core)
 * on simulated 16-bit TIFFs of 2048² and 4096² (SNR 3–10, 8 cell-like structures, gradient):
 * time to the first picture and to the spots after navigation, the model's load and the network
 * in the page (onnxruntime-web, wasm) against the same detection in Node (onnxruntime-node, one
 * thread, as `deepblink predict` runs it; the median of 3 after a warm-up), and how smoothly a
 * continuous zoom with pan draws (animation frames per second). Written to docs/benchmarks.md
 * between the "viewer" markers, and printed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simulateImage, simToPlane } from '../src/simulate/simulate.js';
import { tiffOf } from '../src/simulate/files.js';
import { createDetector, predictPlane } from '../src/pipeline/predict.js';
import { startViewer } from '../src/view/server.js';
import { launchChromium, CHROMIUM, type PageGlobals } from '../src/testutil/browser.js';
import { writeBenchmarkBlock } from './doc.js';

const SIZES = (process.env.BENCH_VIEWER_SIZES ?? '2048,4096').split(',').map(Number);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

interface Row {
  size: number;
  spots: number;
  firstPicture: number;
  spotsShown: number;
  modelLoad: number;
  pageNetwork: number;
  nodeDetect: number;
  fps: number;
  p95: number;
  threads: string;
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'deepblink-bench-viewer-'));
  const browser = await launchChromium();
  const rows: Row[] = [];
  try {
    for (const size of SIZES) {
      const sim = simulateImage(
        { height: size, width: size, snr: [3, 10], density: 10, structures: 8, gradient: 0.3, readNoise: 2, gain: 2, offset: 100 },
        size,
      );
      const file = path.join(tmp, `sim${size}.tif`);
      writeFileSync(file, tiffOf(sim));

      // Node: the CLI's detection of the plane in memory
      const plane = simToPlane(sim);
      const det = await createDetector({ method: 'deepblink' });
      await predictPlane(plane, det, {});
      const times: number[] = [];
      for (let k = 0; k < 3; k++) {
        const t0 = performance.now();
        await predictPlane(plane, det, {});
        times.push(performance.now() - t0);
      }
      await det.close();

      const v = await startViewer({ images: [file], port: 0 });
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(v.url);
      await page.waitForFunction(() => ['ready', 'error'].includes((globalThis as unknown as PageGlobals).document.body.dataset.state ?? ''), null, {
        timeout: 180_000,
      });
      const got = await page.evaluate(async () => {
        const d = (globalThis as unknown as PageGlobals).deepblink;
        return { timings: { ...d.timings }, state: d.state() as { count: number; runtime?: string }, frames: await d.zoomFrames(120) };
      });
      await page.close();
      await v.close();
      const t = got.timings;
      rows.push({
        size,
        spots: got.state.count,
        firstPicture: t.firstPicture,
        spotsShown: t.detected,
        modelLoad: t.modelLoad,
        pageNetwork: t.network,
        nodeDetect: median(times),
        fps: got.frames.fps,
        p95: got.frames.p95,
        threads: got.state.runtime ?? '',
      });
      console.error(`${size}²: done`);
    }
  } finally {
    await browser.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  const r0 = (v: number) => String(Math.round(v));
  const table = [
    `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}; Chromium ${CHROMIUM}, headless, no GPU. ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '| image (uint16 TIFF) | spots | first picture [ms] | spots shown [ms] | model load in page [ms] | detection in page [ms] | detection in Node [ms] | page ÷ Node | zoom+pan [frames/s] | slowest 5 % frame [ms] |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.size}² | ${r.spots} | ${r0(r.firstPicture)} | ${r0(r.spotsShown)} | ${r0(r.modelLoad)} | ${r0(r.pageNetwork)} | ${r0(r.nodeDetect)} | ${(r.pageNetwork / r.nodeDetect).toFixed(1)}× | ${r.fps.toFixed(0)} | ${r.p95.toFixed(0)} |`,
    ),
    '',
    `Page runtime: ${rows[0]?.threads}. "first picture" and "spots shown" are milliseconds after navigation (page load, the server reading the TIFF, the plane's transfer, contrast, drawing; then the model's load and the network). "detection" = normalise → network → decode → refine of the whole plane (page: onnxruntime-web; Node: onnxruntime-node, 1 thread, as \`deepblink predict\`). Command: \`npm run bench:viewer\`.`,
  ].join('\n');
  const doc = writeBenchmarkBlock(
    'viewer',
    'Viewer: time to picture, detection in the page, smoothness',
    'The viewer (`deepblink view`) in headless Chromium on simulated 16-bit TIFFs.',
    table,
  );
  console.log(table);
  if (doc) console.error(`written to ${doc}`);
}

await main();
