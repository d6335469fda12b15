/**
 * `npm run bench:gallery` — a gallery of detections on real images for docs/real-images.md.
 *
 * Images (from ../shared/data, never copied into the repository): the 2-D images of
 * real-images/ (a selection of the smFISH cells), the three images of real-demo-unlabelled/ and
 * the two expert-labelled images of insta-smfish-expert/ (labels drawn in green and scored:
 * deepBlink F1-integral, precision and recall at 3 px). Stacks: their first plane.
 *
 * Models: GALLERY_MODELS="label=file;label=file" (a file path or a bundled model name), by
 * default `before=.bench/general-before.onnx` (when that file exists) and `now=` the bundled
 * default model. Each model's detections (red rings) are drawn on a copy of the image, the
 * copies side by side in one PNG (4 px white gap), docs/gallery/NAME.png, scaled so the longer
 * side is at most about 400 px (block averages for big images, integer up-scaling for small ones).
 *
 * The doc keeps what a person wrote: a "Seen: …" paragraph after an image's
 * `<!-- comment:NAME -->` placeholder is carried over into the rewritten doc.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readImage } from '../src/io/image/read.js';
import { resolveAxes, iteratePlanes } from '../src/io/image/axes.js';
import { readLabels } from '../src/io/labels.js';
import { computeMetrics } from '../src/evaluate/metrics.js';
import { createDetector, type PlaneDetector } from '../src/pipeline/predict.js';
import { DEFAULT_MODEL, bundledPath, resolveModel } from '../src/model/bundled.js';
import { loadModel } from '../src/model/model.js';
import { renderSpots, type Layer, type Rendered } from '../src/visualize/render.js';
import { encodePng } from '../src/io/image/write.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { packageRoot } from '../src/model/bundled.js';
import { modelList } from './doc.js';
import type { Plane, Point } from '../src/core/types.js';

const repoRoot = packageRoot;
const MAX_SIDE = 400;
const GAP = 4;
const RED: [number, number, number] = [255, 40, 40];
const GREEN: [number, number, number] = [40, 220, 40];

interface Entry {
  /** Short name: PNG file stem and placeholder key. */
  name: string;
  /** Path under shared/data. */
  file: string;
  /** Label CSV under shared/data (columns y,x), for the expert-labelled images. */
  labels?: string;
  what: string;
}

const EXPERT = 'insta-smfish-expert';
const EXPERT_STEM = 'C2-ISP_293T_TFRC_InSituPrep_20180712_1_MMStack_Pos0_';

const ENTRIES: Entry[] = [
  {
    name: 'airlocalize-smfish-human-cells',
    file: 'real-images/airlocalize/smfish_human_cells_2d.tif',
    what: 'smFISH in three human cells of uneven brightness, PSF σ ≈ 1 px (AIRLOCALIZE example, 319×507 uint16)',
  },
  {
    name: 'smfish-detector-raw-cell-1',
    file: 'real-images/smfish-detector/cKO_004_Project_001_1_Cell_1_opn4.tif',
    what: 'opn4 smFISH of one cell, raw projection (smfish-detector, 512² uint8)',
  },
  {
    name: 'smfish-detector-cell-01-enhanced',
    file: 'real-images/smfish-detector/cell_01_opn4_enhanced.tif',
    what: 'opn4 smFISH of one cell, "enhanced": background clipped to 0 (smfish-detector, 512² uint8)',
  },
  {
    name: 'smfish-detector-cell-02-enhanced',
    file: 'real-images/smfish-detector/cell_02_opn4_enhanced.tif',
    what: 'opn4 smFISH of one cell, "enhanced": background clipped to 0 (smfish-detector, 512² uint8)',
  },
  {
    name: 'nanopyx-beads-green',
    file: 'real-images/nanopyx-beads/beads_green.ome.tif',
    what: 'about 15 fluorescent beads, nearly noise-free (NanoPyx, 128² uint16, shown ×3)',
  },
  {
    name: 'nanopyx-beads-red',
    file: 'real-images/nanopyx-beads/beads_red.ome.tif',
    what: 'about 15 fluorescent beads, nearly noise-free (NanoPyx, 128² uint16, shown ×3)',
  },
  {
    name: 'neubias-autophagosomes',
    file: 'real-images/neubias/autophagosomes_16bit.tif',
    what: 'autophagosome puncta in a cell (NEUBIAS, 182×148 uint16, shown ×2)',
  },
  {
    name: 'neubias-pcna-foci',
    file: 'real-images/neubias/pcna_foci_8bit.tif',
    what: 'PCNA replication foci in nuclei, some larger than the PSF (NEUBIAS, 201×312 uint8)',
  },
  {
    name: 'neubias-nuclear-pores',
    file: 'real-images/neubias/nuclear_pores_8bit.tif',
    what: 'nuclear pore staining: rim texture, no isolated spots (NEUBIAS, 512² uint8)',
  },
  {
    name: 'neubias-nuclei-with-background',
    file: 'real-images/neubias/nuclei_with_background_16bit.tif',
    what: 'nuclei on an uneven background, no spots (NEUBIAS, 249×212 uint16)',
  },
  { name: 'stardist-nuclei', file: 'real-images/stardist/nuclei_2d.tif', what: 'fluorescent nuclei, no spots: a real spot-free image (StarDist, 512² uint16)' },
  {
    name: 'spotiflow-hybiss',
    file: 'real-demo-unlabelled/spotiflow_img_hybiss_2d.tif',
    what: 'HybISS in situ sequencing spots (Spotiflow sample, 512² uint16)',
  },
  {
    name: 'spotiflow-terra',
    file: 'real-demo-unlabelled/spotiflow_img_terra_2d.tif',
    what: 'TERRA RNA foci (Spotiflow sample, 1024² uint16, shown averaged over blocks)',
  },
  { name: 'insta-rca-cy3', file: 'real-demo-unlabelled/insta_rca_cy3_500pxroi.png', what: 'RCA amplicons, Cy3 (INSTA, 500² 16-bit PNG)' },
  {
    name: 'insta-expert-300',
    file: `${EXPERT}/images/${EXPERT_STEM}300.png`,
    labels: `${EXPERT}/labels/${EXPERT_STEM}300.csv`,
    what: 'smFISH (INSTA, 8-bit) with expert labels',
  },
  {
    name: 'insta-expert-500',
    file: `${EXPERT}/images/${EXPERT_STEM}500.png`,
    labels: `${EXPERT}/labels/${EXPERT_STEM}500.csv`,
    what: 'smFISH (INSTA, 8-bit) with expert labels',
  },
];

const log = (msg: string) => process.stderr.write(`${msg}\n`);

/** [label, model] pairs: GALLERY_MODELS="label=file;…", else before (if present) + now (bundled default). */
function galleryModels(): [string, string][] {
  const out = modelList('GALLERY_MODELS');
  if (out.length) return out;
  const before = path.join(repoRoot, '.bench', 'general-before.onnx');
  if (existsSync(before)) out.push(['before', before]);
  const now = bundledPath(DEFAULT_MODEL);
  if (now) out.push(['now', now]);
  return out;
}

/**
 * A plane for display whose longer side is at most about MAX_SIDE: big planes are averaged over
 * blocks (output pixel i covers input pixels [⌊i/s⌋, ⌊(i+1)/s⌋)), small ones are left for
 * renderSpots to up-scale by an integer factor. `map` takes a point of the input to the
 * returned plane's coordinates (pixel centres at integers).
 */
function displayPlane(plane: Plane): { plane: Plane; map: (p: Point) => Point; up: number } {
  const { height: H, width: W } = plane;
  const long = Math.max(H, W);
  if (long <= MAX_SIDE) {
    return { plane, map: (p) => p, up: Math.max(1, Math.floor(MAX_SIDE / long)) };
  }
  const s = MAX_SIDE / long;
  const h = Math.max(1, Math.round(H * s));
  const w = Math.max(1, Math.round(W * s));
  const sy = h / H;
  const sx = w / W;
  const bound = (i: number, sc: number, n: number) => Math.min(n, Math.floor(i / sc + 1e-9));
  const out = new Float32Array(h * w);
  for (let r = 0; r < h; r++) {
    const r0 = bound(r, sy, H);
    const r1 = Math.max(r0 + 1, bound(r + 1, sy, H));
    for (let c = 0; c < w; c++) {
      const c0 = bound(c, sx, W);
      const c1 = Math.max(c0 + 1, bound(c + 1, sx, W));
      let sum = 0;
      for (let y = r0; y < r1; y++) for (let x = c0; x < c1; x++) sum += plane.data[y * W + x] as number;
      out[r * w + c] = sum / ((r1 - r0) * (c1 - c0));
    }
  }
  return { plane: { data: out, height: h, width: w }, map: ([r, c]) => [(r + 0.5) * sy - 0.5, (c + 0.5) * sx - 0.5], up: 1 };
}

/** Panels side by side with a GAP px white gap. */
function concat(panels: Rendered[]): { rgb: Uint8Array; width: number; height: number } {
  const height = Math.max(...panels.map((p) => p.height));
  const width = panels.reduce((n, p) => n + p.width, 0) + GAP * (panels.length - 1);
  const rgb = new Uint8Array(width * height * 3).fill(255);
  let x0 = 0;
  for (const p of panels) {
    for (let r = 0; r < p.height; r++) rgb.set(p.rgb.subarray(r * p.width * 3, (r + 1) * p.width * 3), (r * width + x0) * 3);
    x0 += p.width + GAP;
  }
  return { rgb, width, height };
}

/** NAME → the "Seen: …" paragraph a person wrote after `<!-- comment:NAME -->` in the existing doc. */
function keptComments(doc: string): Map<string, string> {
  const kept = new Map<string, string>();
  if (!existsSync(doc)) return kept;
  const lines = readFileSync(doc, 'utf8').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = /^<!-- comment:(\S+) -->\s*$/.exec(lines[i]);
    if (!m) continue;
    let j = i + 1;
    while (j < lines.length && lines[j].trim() === '') j++;
    if (j >= lines.length || !lines[j].startsWith('Seen:')) continue;
    const para: string[] = [];
    for (; j < lines.length && lines[j].trim() !== '' && !/^(#|<!--|!\[)/.test(lines[j]); j++) para.push(lines[j]);
    kept.set(m[1], para.join('\n'));
  }
  return kept;
}

const f3 = (x: number) => x.toFixed(3);

async function main(): Promise<void> {
  const t0 = performance.now();
  const shared = path.resolve(repoRoot, '../shared/data');
  if (!existsSync(shared)) {
    log(`bench:gallery: ${shared} not found; nothing to do`);
    return;
  }
  const models = galleryModels();
  if (models.length === 0) {
    log('bench:gallery: no models (set GALLERY_MODELS="label=file;…")');
    return;
  }
  const detectors: { label: string; file: string; card: string; det: PlaneDetector }[] = [];
  for (const [label, spec] of models) {
    const file = resolveModel(spec);
    const card = (await loadModel(file)).card.name;
    detectors.push({ label, file, card, det: await createDetector({ method: 'deepblink', model: file, threads: 1 }) });
  }
  const docFile = path.join(repoRoot, 'docs', 'real-images.md');
  const galleryDir = path.join(repoRoot, 'docs', 'gallery');
  mkdirSync(galleryDir, { recursive: true });
  const kept = keptComments(docFile);
  const labels = detectors.map((d) => `\`${d.label}\``).join(', ');
  const rel = (f: string) => (path.isAbsolute(f) && f.startsWith(repoRoot + path.sep) ? path.relative(repoRoot, f) : f);
  const compared = detectors.map((d) => `\`${d.label}\` = \`${rel(d.file)}\` (card name \`${d.card}\`)`).join(', ');
  const out: string[] = [
    '# Detections on real images',
    '',
    'Real fluorescence images from public projects (`../shared/data`: `real-images/`, `real-demo-unlabelled/`, ' +
      'and the two expert-labelled smFISH images of `insta-smfish-expert/`; the images themselves are not in this ' +
      'repository, only these overlays). None but the last two has spot labels, so for the others this is a look, ' +
      `not a score. Models compared: ${compared}. ` +
      `Each picture shows the models side by side, left to right ${labels}: red rings = detections ` +
      "(the model's own threshold), green rings = expert labels; contrast stretched 0.5–99.5 %; big images are averaged " +
      'over blocks to at most 400 px, small ones enlarged. For the labelled images: deepBlink F1-integral and ' +
      'precision / recall at 3 px.',
    '',
    'Made by `npm run bench:gallery` (models: `GALLERY_MODELS="label=file;…"`). ' +
      'The "Seen:" line under each picture is a person\'s description of what is right and wrong; the script keeps it.',
    '',
  ];
  for (const e of ENTRIES) {
    const file = path.join(shared, e.file);
    if (!existsSync(file)) {
      log(`${e.name}: ${e.file} not found, skipped`);
      continue;
    }
    const ti = performance.now();
    const raw = await readImage(file);
    const { axes, shape } = resolveAxes(raw);
    const plane = iteratePlanes(raw, axes).next().value!.plane;
    const truth = e.labels ? ((await readLabels(path.join(shared, e.labels))).points as Point[]) : undefined;
    const disp = displayPlane(plane);
    const radius = disp.up > 1 ? 4 * disp.up : 3;
    const panels: Rendered[] = [];
    const lines: string[] = [];
    for (const d of detectors) {
      let detected: Point[] = [];
      let failed: string | undefined;
      try {
        detected = (await d.det.detect(plane)).spots.map((x): Point => [x.y, x.x]);
      } catch (err) {
        failed = (err as Error).message;
        log(`${e.name} / ${d.label}: ${failed}`);
      }
      const layers: Layer[] = [];
      if (truth) layers.push({ points: truth.map(disp.map), color: GREEN });
      layers.push({ points: detected.map(disp.map), color: RED });
      panels.push(renderSpots(disp.plane, layers, { scale: disp.up, radius }));
      let line = failed ? `- \`${d.label}\`: failed (${failed})` : `- \`${d.label}\`: ${detected.length} spots`;
      if (truth && !failed) {
        const m = computeMetrics(detected, truth, { mdist: 3 });
        line += ` — F1-integral ${f3(m.f1Integral)}, precision ${f3(m.precisionAtMdist)}, recall ${f3(m.recallAtMdist)} @3px (expert: ${truth.length} spots)`;
      }
      lines.push(line);
    }
    const pic = concat(panels);
    await writeFileAtomic(path.join(galleryDir, `${e.name}.png`), encodePng(pic.rgb, pic.width, pic.height, 3));
    const stack = shape.length > 2 ? ` — a stack (${axes} ${shape.join('×')}), first plane shown` : '';
    out.push(
      `## ${e.name}`,
      '',
      `\`${e.file}\`: ${e.what}${stack}.`,
      '',
      `![${e.name}: ${detectors.map((d) => d.label).join(' | ')}](gallery/${e.name}.png)`,
      '',
      ...lines,
      '',
      `<!-- comment:${e.name} -->`,
    );
    const seen = kept.get(e.name);
    if (seen) out.push(seen);
    out.push('');
    log(
      `${e.name}: ${plane.height}×${plane.width} → ${pic.width}×${pic.height}, ${lines.map((l) => l.slice(2)).join('; ')} (${((performance.now() - ti) / 1000).toFixed(1)} s)`,
    );
  }
  for (const d of detectors) await d.det.close();
  await writeFileAtomic(docFile, out.join('\n'));
  log(`wrote ${docFile} and ${galleryDir}/*.png in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

await main();
