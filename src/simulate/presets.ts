/**
 * Simulated data designs: what users image, as simulator settings. Each category has a
 * training generator (parameters drawn per image, so a training set covers a range) and fixed
 * test settings for the accuracy benchmark. Training seeds and test seeds never overlap:
 * training images use seeds below TEST_SEED_BASE, benchmark images at or above it.
 */
import type { SimParams } from './simulate.js';
import { Rng } from '../math/rng.js';

export const TEST_SEED_BASE = 9_000_000;

export interface Category {
  name: string;
  description: string;
  /** Parameters of training image k, drawn with `rng`. */
  train: (rng: Rng) => Partial<SimParams>;
}

/** A camera drawn per image: 8-bit-like (gain ≥ 1 count/e⁻, small offset) to 16-bit sCMOS-like. */
function camera(rng: Rng): Partial<SimParams> {
  const kind = rng.int(3);
  if (kind === 0) return { gain: rng.uniformRange(0.5, 1.5), offset: rng.uniformRange(0, 20), readNoise: rng.uniformRange(0, 2) }; // 8-bit range
  if (kind === 1) return { gain: rng.uniformRange(1, 4), offset: rng.uniformRange(90, 110), readNoise: rng.uniformRange(1, 3) }; // sCMOS
  return { gain: rng.uniformRange(5, 20), offset: rng.uniformRange(400, 1000), readNoise: rng.uniformRange(0.5, 2) }; // EMCCD-like scale
}

const range = (rng: Rng, lo: number, hi: number) => rng.uniformRange(lo, hi);

export const CATEGORIES: Record<string, Category> = {
  particle: {
    name: 'particle',
    description: 'isolated particles: σ 1–2 px, peak SNR 2–15, 2–10 spots per 100×100 px, flat background 5–50 photons',
    train: (rng) => ({
      sigma: [1, 2],
      snr: [2, 15],
      density: range(rng, 2, 10),
      minDistance: 4,
      background: range(rng, 5, 50),
      ...camera(rng),
    }),
  },
  smfish: {
    name: 'smfish',
    description: 'smFISH-like cells: dense spots (10–40 per 100×100 px) on cell-shaped, uneven background, σ 1.2–1.8 px, SNR 3–12, gradients',
    train: (rng) => ({
      sigma: [1.2, 1.8],
      snr: [3, 12],
      density: range(rng, 10, 40),
      background: range(rng, 10, 80),
      structures: 2 + rng.int(8),
      structureAmplitude: range(rng, 0.3, 2),
      gradient: range(rng, 0, 0.5),
      ...camera(rng),
    }),
  },
  lowsnr: {
    name: 'lowsnr',
    description: 'low-SNR live-cell / ISBI-like frames: peak SNR 1–4, σ 1–2 px, 5–20 spots per 100×100 px (vesicle/receptor densities)',
    train: (rng) => ({
      sigma: [1, 2],
      snr: [1, 4],
      density: range(rng, 5, 20),
      background: range(rng, 5, 30),
      gradient: range(rng, 0, 0.2),
      ...camera(rng),
    }),
  },
  mixed: {
    name: 'mixed',
    description: 'mixed spot sizes σ 0.8–3 px, SNR 3–12, uniform or clustered placement',
    train: (rng) => ({
      sigma: [0.8, 3],
      snr: [3, 12],
      density: range(rng, 5, 20),
      placement: rng.int(2) === 0 ? 'uniform' : 'clustered',
      background: range(rng, 5, 50),
      ...camera(rng),
    }),
  },
};

/** The `general` training mix: the union of the categories, one drawn per image. */
export function generalTrain(rng: Rng): Partial<SimParams> {
  const names = Object.keys(CATEGORIES);
  return CATEGORIES[names[rng.int(names.length)]].train(rng);
}

/** Benchmark test sets: fixed settings per row (Poisson noise, ideal camera unless stated). */
export interface TestSet {
  name: string;
  description: string;
  params: Partial<SimParams>;
  /** Training category whose model is the category-specific one for this row. */
  category: string;
}

const ideal = { readNoise: 0, gain: 1, offset: 0 } as const;

export const TEST_SETS: TestSet[] = [
  {
    name: 'particle SNR 2',
    category: 'particle',
    description: 'σ 1–2, 5/100², SNR 2',
    params: { sigma: [1, 2], snr: 2, density: 5, minDistance: 4, background: 10, ...ideal },
  },
  {
    name: 'particle SNR 4',
    category: 'particle',
    description: 'σ 1–2, 5/100², SNR 4',
    params: { sigma: [1, 2], snr: 4, density: 5, minDistance: 4, background: 10, ...ideal },
  },
  {
    name: 'particle SNR 7',
    category: 'particle',
    description: 'σ 1–2, 5/100², SNR 7',
    params: { sigma: [1, 2], snr: 7, density: 5, minDistance: 4, background: 10, ...ideal },
  },
  {
    name: 'smFISH-like',
    category: 'smfish',
    description: 'σ 1.2–1.8, 25/100², SNR 3–12, 6 cells, gradient 0.3, sCMOS',
    params: {
      sigma: [1.2, 1.8],
      snr: [3, 12],
      density: 25,
      background: 30,
      structures: 6,
      structureAmplitude: 1,
      gradient: 0.3,
      readNoise: 2,
      gain: 2,
      offset: 100,
    },
  },
  { name: 'low SNR 1', category: 'lowsnr', description: 'σ 1–2, 10/100², SNR 1', params: { sigma: [1, 2], snr: 1, density: 10, background: 10, ...ideal } },
  { name: 'low SNR 2', category: 'lowsnr', description: 'σ 1–2, 10/100², SNR 2', params: { sigma: [1, 2], snr: 2, density: 10, background: 10, ...ideal } },
  {
    name: 'dense',
    category: 'smfish',
    description: 'σ 1–1.5, 50/100², SNR 5–10',
    params: { sigma: [1, 1.5], snr: [5, 10], density: 50, background: 20, ...ideal },
  },
  {
    name: 'clustered pairs',
    category: 'mixed',
    description: 'pairs 1.5–6 px apart, σ 1–1.5, SNR 5–10, 10/100²',
    params: { sigma: [1, 1.5], snr: [5, 10], density: 10, placement: 'clustered', singletonFraction: 0, background: 20, ...ideal },
  },
  {
    name: 'mixed sizes',
    category: 'mixed',
    description: 'σ 0.8–3, SNR 4–10, 10/100²',
    params: { sigma: [0.8, 3], snr: [4, 10], density: 10, background: 20, ...ideal },
  },
];

/** Parameters of training image k of a category (or 'general'), reproducible from the seed. */
export function trainingParams(category: string, seed: number, k: number): Partial<SimParams> {
  const rng = new Rng(seed, 5000 + k);
  if (category === 'general') return generalTrain(rng);
  const c = CATEGORIES[category];
  if (!c) throw new Error(`unknown category '${category}' (known: ${[...Object.keys(CATEGORIES), 'general'].join(', ')})`);
  return c.train(rng);
}
