/**
 * Simulated images as files: `<name>.tif` (uint16 camera counts) and `<name>.csv` (ground truth:
 * y, x, photons, sigma, crlb_y, crlb_x, peak_snr, background). dataset/simulate.ts writes them,
 * as a flat folder (with simulation.json) or as a dataset (train/valid/test).
 */
import { simToPlane, type SimResult } from './simulate.js';
import { encodeTiff } from '../io/image/write.js';
import type { Table } from '../io/csv.js';

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

export { simToPlane };
