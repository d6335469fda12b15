/**
 * Writing simulated images to disk: `<name>.tif` (uint16 camera counts) and `<name>.csv`
 * (ground truth: y, x, photons, sigma, crlb_y, crlb_x, peak_snr, background), either as a
 * flat folder (with simulation.json) or as a dataset (train/valid/test, see dataset/).
 */
import path from 'node:path';
import { simulateImage, simToPlane, type SimParams, type SimResult } from './simulate.js';
import { encodeTiff } from '../io/image/write.js';
import { formatCsv, type Table } from '../io/csv.js';
import { writeFileAtomic } from '../io/atomic.js';

export const TRUTH_COLUMNS = ['y', 'x', 'photons', 'sigma', 'crlb_y', 'crlb_x', 'peak_snr', 'background'];

export function truthTable(sim: SimResult): Table {
  return {
    columns: TRUTH_COLUMNS,
    rows: sim.spots.map((s) => [s.y, s.x, s.photons, s.sigma, s.crlbY, s.crlbX, s.peakSnr, s.background]),
    decimals: { y: 6, x: 6, photons: 2, sigma: 4, crlb_y: 5, crlb_x: 5, peak_snr: 3, background: 3 },
  };
}

export function tiffOf(sim: SimResult): Uint8Array {
  const u16 = new Uint16Array(sim.image.length);
  for (let i = 0; i < u16.length; i++) u16[i] = sim.image[i];
  return encodeTiff([{ data: u16, height: sim.height, width: sim.width }], {});
}

/** Seed of image k of a run with base seed s: distinct and reproducible per image. */
export function imageSeed(seed: number, k: number): number {
  return (Math.imul(seed, 1000003) + k) >>> 0;
}

/** Simulates image k and writes <dir>/<prefix>_<k>.tif and .csv (atomically). */
export async function writeSimulated(dir: string, name: string, params: Partial<SimParams>, seed: number): Promise<SimResult> {
  const sim = simulateImage(params, seed);
  await writeFileAtomic(path.join(dir, `${name}.tif`), tiffOf(sim));
  await writeFileAtomic(path.join(dir, `${name}.csv`), formatCsv(truthTable(sim)));
  return sim;
}

export { simToPlane };
