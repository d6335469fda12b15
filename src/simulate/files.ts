/**
 * Simulated images as files: `<name>.tif` (uint16 camera counts) and `<name>.csv` (ground truth:
 * y, x, photons, sigma, crlb_y, crlb_x, peak_snr, background). dataset/simulate.ts writes them,
 * as a flat folder (with simulation.json) or as a dataset (train/valid/test).
 */
import { simToPlane, type SimResult } from './simulate.js';
import type { Sim3dResult } from './simulate3d.js';
import { encodeTiff } from '../io/image/write.js';
import type { Table } from '../io/csv.js';
import type { PixelSize } from '../core/types.js';

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

export const STACK_TRUTH_COLUMNS = ['z', 'y', 'x', 'photons', 'sigma_xy', 'sigma_z', 'crlb_z', 'crlb_y', 'crlb_x', 'background'];

/** Ground truth of a simulated z-stack: one row per spot, z in slices, y/x in px. */
export function stackTruthTable(sim: Sim3dResult): Table {
  return {
    columns: STACK_TRUTH_COLUMNS,
    rows: sim.spots.map((s) => [s.z, s.y, s.x, s.photons, s.sigma, s.sigmaZ, s.crlbZ, s.crlbY, s.crlbX, s.background]),
    decimals: { z: 6, y: 6, x: 6, photons: 2, sigma_xy: 4, sigma_z: 4, crlb_z: 5, crlb_y: 5, crlb_x: 5, background: 3 },
  };
}

/** A simulated z-stack as a uint16 ImageJ TIFF with axes 'zyx' (and the pixel size, when given). */
export function stackTiffOf(sim: Sim3dResult, pixelSize?: PixelSize, zStep?: number): Uint8Array {
  const plane = sim.height * sim.width;
  const planes = Array.from({ length: sim.depth }, (_, z) => ({
    data: Uint16Array.from(sim.image.subarray(z * plane, (z + 1) * plane)),
    height: sim.height,
    width: sim.width,
  }));
  return encodeTiff(planes, { axes: 'zyx', ...(pixelSize ? { pixelSize, zStep } : {}) });
}

/** Seed of image k of a run with base seed s: distinct and reproducible per image. */
export function imageSeed(seed: number, k: number): number {
  return (Math.imul(seed, 1000003) + k) >>> 0;
}

export { simToPlane };
