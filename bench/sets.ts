/**
 * Shared pieces of the accuracy benchmarks: simulated test sets and the LoG tuned on a split.
 */
import { simulateImage, simToPlane } from '../src/simulate/simulate.js';
import { simulateScene, scenePoints, type SceneKnobs } from '../src/simulate/scenes.js';
import type { TestSet } from '../src/simulate/presets.js';
import { detectLoGWithThreshold } from '../src/detect/log.js';
import { computeMetrics } from '../src/evaluate/metrics.js';
import { meanStd } from '../src/evaluate/evaluate.js';
import type { Plane, Point } from '../src/core/types.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readImage } from '../src/io/image/read.js';
import { iteratePlanes, resolveAxes } from '../src/io/image/axes.js';
import { parseLabels } from '../src/io/labels.js';

const RADII = [1, 1.5, 2, 2.5, 3, 4];
const mean = (v: number[]) => meanStd(v)[0];

/** A labelled test image. */
export interface Img {
  plane: Plane;
  truth: Point[];
  /** Per true spot: CRLB_y² + CRLB_x² (px²), when known (simulator images). */
  crlb?: number[];
}

/** `n` images of size² px of a test set, seeds seedBase, seedBase+1, … */
export function makeSet(set: TestSet, seedBase: number, n: number, size: number): Img[] {
  return Array.from({ length: n }, (_, k) => {
    const sim = simulateImage({ height: size, width: size, ...set.params }, seedBase + k);
    return { plane: simToPlane(sim), truth: sim.spots.map((s) => [s.y, s.x] as Point), crlb: sim.spots.map((s) => s.crlbY ** 2 + s.crlbX ** 2) };
  });
}

/**
 * Benchmark rows made of realistic scenes (src/simulate/scenes.ts) with fixed knobs. `real`:
 * the background templates are real spot-free images NOT used in training (held out).
 */
export interface SceneSet {
  name: string;
  description: string;
  knobs: Partial<SceneKnobs>;
  size: number;
  images: number;
  /** Noise only: scored as false spots per megapixel instead of F1. */
  empty?: boolean;
}

const cellsSparse = (snr: number): SceneSet => ({
  name: `cells + texture, sparse, SNR ${snr}`,
  description: `4 spots/100² mostly in cells, cell-like background + texture 1σ, Gaussian σ 1–2, SNR ${snr}, sCMOS`,
  knobs: {
    background: 'cells',
    level: 30,
    texture: 1,
    density: 4,
    snr,
    psf: 'gaussian',
    sigma: [1, 2],
    distractors: false,
    insideCells: true,
    camera: 1,
    processing: 'none',
  },
  size: 256,
  images: 8,
});

export const SCENE_SETS: SceneSet[] = [
  cellsSparse(2),
  cellsSparse(4),
  cellsSparse(7),
  {
    name: 'real spot-free background (held out), SNR 4',
    description: 'spots 10/100² on crops of a real nuclei image not used in training, Gaussian σ 1–2, SNR 4',
    knobs: {
      background: 'real',
      level: 50,
      texture: 0,
      density: 10,
      snr: 4,
      psf: 'gaussian',
      sigma: [1, 2],
      distractors: false,
      camera: 1,
      processing: 'none',
    },
    size: 192,
    images: 8,
  },
  {
    name: 'distractors (blobs, haze, stripes, hot pixels), SNR 5',
    description: 'cells + unlabelled wide blobs, haze, stripes, hot pixels, saturation; 6 spots/100², σ 1–2, SNR 5',
    knobs: {
      background: 'cells',
      level: 30,
      texture: 0.5,
      density: 6,
      snr: 5,
      psf: 'gaussian',
      sigma: [1, 2],
      distractors: true,
      camera: 1,
      processing: 'none',
    },
    size: 256,
    images: 8,
  },
  {
    name: 'bead PSF (real, NanoPyx beads), SNR 5',
    description: 'the mean PSF of the real bead image nanopyx-beads/beads_green (FWHM ≈ 3 px), 10/100², flat background, SNR 5',
    knobs: { background: 'flat', level: 20, texture: 0, density: 10, snr: 5, psf: 'bead', distractors: false, camera: 1, processing: 'none' },
    size: 256,
    images: 8,
  },
  {
    name: 'Airy PSF, SNR 5',
    description: 'Airy pattern (first zero 2.9σ), σ 1–2, 10/100², flat background, SNR 5',
    knobs: { background: 'flat', level: 20, texture: 0, density: 10, snr: 5, psf: 'airy', sigma: [1, 2], distractors: false, camera: 1, processing: 'none' },
    size: 256,
    images: 8,
  },
  ...(
    [
      ['flat, 2 photons/px, 8-bit', { background: 'flat', level: 2, texture: 0, camera: 0 }],
      ['flat + gradient, 1000 photons/px, sCMOS', { background: 'flat', level: 1000, texture: 0, camera: 1 }],
      ['cells, 30 photons/px, sCMOS', { background: 'cells', level: 30, texture: 0, camera: 1 }],
      ['cells + texture 1σ, 100 photons/px, EMCCD', { background: 'cells', level: 100, texture: 1, camera: 2 }],
      ['texture 1.5σ, 10 photons/px, 8-bit', { background: 'flat', level: 10, texture: 1.5, camera: 0 }],
    ] as [string, Partial<SceneKnobs>][]
  ).map(([name, k]) => ({
    name: `noise only: ${name}`,
    description: `no spots; ${name}; Poisson + camera`,
    knobs: { ...k, density: 0, distractors: false, processing: 'none' as const },
    size: 512,
    images: 4,
    empty: true,
  })),
];

/** The images of a scene set, seeds seedBase, seedBase+1, … */
export function makeSceneSet(set: SceneSet, seedBase: number, backgrounds: Plane[] = [], images = set.images): Img[] {
  return Array.from({ length: images }, (_, k) => {
    const s = simulateScene(seedBase, k, set.size, backgrounds, set.knobs);
    return { plane: { data: s.image, height: s.size, width: s.size }, truth: scenePoints(s) };
  });
}

/** The LoG tuned on labelled planes: radius, quality threshold, and its mean F1-integral there. */
export interface TunedLoG {
  radius: number;
  threshold: number;
  f1: number;
}

/**
 * LoG candidates at threshold −∞ per radius (1 … 4 px), then the (radius, threshold) with the
 * best mean F1-integral per image; thresholds are the LoG qualities at the ranks that keep
 * 0.3× … 2× the true number of spots (40 candidates).
 */
export function tuneLoG(imgs: readonly { plane: Plane; truth: Point[] }[]): TunedLoG {
  let best: TunedLoG = { radius: 2, threshold: 0, f1: -1 };
  const nTrue = imgs.reduce((n, img) => n + img.truth.length, 0);
  for (const radius of RADII) {
    const all = imgs.map((img) => detectLoGWithThreshold(img.plane, { radius, threshold: -Infinity }).spots);
    const qualities = all
      .flat()
      .map((d) => d.score)
      .sort((a, b) => b - a);
    if (qualities.length === 0) continue;
    const cands = Array.from({ length: 40 }, (_, i) => qualities[Math.min(qualities.length - 1, Math.floor(nTrue * (0.3 + (1.7 * i) / 39)))]);
    for (const threshold of cands) {
      const f1 = mean(
        imgs.map(
          (img, k) =>
            computeMetrics(
              all[k].filter((d) => d.score > threshold).map((d) => [d.y, d.x] as Point),
              img.truth,
            ).f1Integral,
        ),
      );
      if (f1 > best.f1) best = { radius, threshold, f1 };
    }
  }
  return best;
}

/** A labelled real image: `images/NAME.png` with `labels/NAME.csv` (y,x) in a shared/data folder. */
export interface LabelledImage {
  name: string;
  plane: Plane;
  truth: Point[];
}

/** Every `images/*.png` of a folder that has `labels/<same name>.csv`, sorted by name. */
export async function readLabelledFolder(dir: string): Promise<LabelledImage[]> {
  const out: LabelledImage[] = [];
  for (const f of readdirSync(path.join(dir, 'images'))
    .filter((f) => f.endsWith('.png'))
    .sort()) {
    const csv = path.join(dir, 'labels', f.replace(/\.png$/, '.csv'));
    if (!existsSync(csv)) continue;
    const raw = await readImage(path.join(dir, 'images', f));
    const plane = iteratePlanes(raw, resolveAxes(raw).axes).next().value!.plane;
    out.push({ name: f, plane, truth: parseLabels(readFileSync(csv, 'utf8')).points });
  }
  return out;
}
