/** What the pipeline returns for one image (no file system here: the viewer's page builds these too). */
import type { PixelSize, Spot } from '../core/types.js';
import type { LabelImage } from '../measure/cells.js';

export interface PlaneResult {
  c: number;
  t: number;
  z: number;
  /** The spots of this plane (each also carries channel, frame and z for stacks). */
  spots: Spot[];
  /** The threshold the detector used on this plane. */
  threshold: number;
}

/** The spots of one z-stack (a (c, t) volume) found in 3-D: one spot per spot, z at sub-slice precision. */
export interface VolumeResult {
  c: number;
  t: number;
  /** Slices of the stack. */
  depth: number;
  /** The 3-D spots (each has z; channel and frame when the image has them). */
  spots: Spot[];
  /** The threshold the detector used on the planes. */
  threshold: number;
}

export interface ImageResult {
  file: string;
  axes: string;
  axesSource: 'option' | 'metadata' | 'guessed';
  shape: number[];
  pixelSize?: PixelSize;
  pixelSizeSource: 'option' | 'metadata' | 'none';
  /** Per-plane results (2-D, or a stack detected plane by plane); empty in 3-D mode. */
  planes: PlaneResult[];
  /** 3-D mode (a z-stack detected as volumes): one entry per (c, t) volume. */
  volumes?: VolumeResult[];
  /** z step, µm per slice, when known (z-stacks; the 3-D table's `z [µm]` column, the export formats' z). */
  zStep?: number;
  scoreColumn: 'p' | 'quality';
  warnings: string[];
  /** The cell mask (label image) the spots were looked up in, when one was given: every spot then has `cell`. */
  mask?: LabelImage;
}

/** Every spot of a result: the planes' (2-D) or the volumes' (3-D), in order. */
export function resultSpots(res: Pick<ImageResult, 'planes' | 'volumes'>): Spot[] {
  const out: Spot[] = [];
  for (const p of res.volumes ?? res.planes) for (const s of p.spots) out.push(s);
  return out;
}
