/**
 * `npm run bench:real` — recall on real smFISH backgrounds: ../shared/data/insta-semisynthetic
 * (29 images 300×300 uint8, Gaussian spots σ 1.75 px added at integer positions to real smFISH
 * max projections, peak SNR 5–20; labels y,x,snr). The backgrounds hold real, unlabelled spots,
 * so precision is meaningless and recall (matched at ≤ 3 px, Hungarian) is the metric, overall
 * and per nominal image SNR (5, 10, 15, 20, from the file names). Rows: every bundled model (+ BENCH_MODELS="label=file;…") and LoG (auto, r 2).
 */
import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { readImage } from '../image/read.js';
import { resolveAxes, iteratePlanes } from '../image/axes.js';
import { parseLabels } from '../labels/read.js';
import { pointsMatching } from '../metrics/metrics.js';
import { createDetector, type PlaneDetector } from '../predict/predict.js';
import { bundledNames, bundledPath } from '../model/bundled.js';
import { sharedPath } from '../testutil/shared.js';
import { benchModels } from './doc.js';
import { readFileSync } from 'node:fs';
import type { Plane, Point } from '../types.js';

async function main(): Promise<void> {
  const dir = sharedPath('data', 'insta-semisynthetic');
  const images = readdirSync(path.join(dir, 'images')).filter((f) => f.endsWith('.png')).sort();
  const data: { name: string; plane: Plane; truth: Point[]; snr: number[] }[] = [];
  for (const f of images) {
    const raw = await readImage(path.join(dir, 'images', f));
    const { axes } = resolveAxes(raw);
    const plane = iteratePlanes(raw, axes).next().value!.plane;
    const csv = path.join(dir, 'labels', f.replace(/\.png$/, '.csv'));
    if (!existsSync(csv)) continue;
    const { points } = parseLabels(readFileSync(csv, 'utf8'));
    // the nominal SNR of the image is in its name (…_snr10_… or …snr_10_0…); the per-spot
    // snr column of the labels is measured on the real background and varies around it
    const nominal = Number(/snr_?(\d+)/.exec(f)?.[1] ?? NaN);
    data.push({ name: f, plane, truth: points, snr: points.map(() => nominal) });
  }
  const methods: [string, PlaneDetector][] = [];
  for (const [label, file] of benchModels(bundledNames().map((n) => [n, bundledPath(n)!]))) {
    methods.push([`model \`${label}\``, await createDetector({ method: 'deepblink', model: file, threads: 2 })]);
  }
  methods.push(['LoG auto threshold (r 2)', await createDetector({ method: 'log' })]);
  methods.push(['LoG auto threshold (r 2.5 ≈ √2·1.75)', await createDetector({ method: 'log', radius: 2.5 })]);
  const snrs = [...new Set(data.flatMap((d) => d.snr))].sort((a, b) => a - b);
  const lines = [
    `insta-semisynthetic: ${data.length} images, ${data.reduce((n, d) => n + d.truth.length, 0)} labelled spots; recall at ≤ 3 px.`,
    '',
    `| method | recall (all) | ${snrs.map((s) => `SNR ${s}`).join(' | ')} | detections per image |`,
    `|---|---|${snrs.map(() => '---').join('|')}|---|`,
  ];
  for (const [label, det] of methods) {
    const found = new Map<number, [number, number]>(snrs.map((s) => [s, [0, 0]]));
    let tp = 0;
    let n = 0;
    let ndet = 0;
    for (const d of data) {
      const { detections } = await det.detect(d.plane);
      ndet += detections.length;
      const m = pointsMatching(detections.map((x) => [x.r, x.c] as Point), d.truth, { cutoff: 3 });
      const hit = new Set(m.trueIdx);
      d.snr.forEach((s, i) => {
        const f = found.get(s)!;
        f[1]++;
        if (hit.has(i)) f[0]++;
      });
      tp += hit.size;
      n += d.truth.length;
    }
    lines.push(`| ${label} | ${(tp / n).toFixed(3)} | ${snrs.map((s) => (found.get(s)![0] / found.get(s)![1]).toFixed(3)).join(' | ')} | ${(ndet / data.length).toFixed(0)} |`);
    await det.close();
  }
  process.stdout.write(lines.join('\n') + '\n');
}

await main();
