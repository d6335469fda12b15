/** What the pipeline returns for one image (no file system here: the viewer's page builds these too). */
import type { PixelSize, Spot } from '../core/types.js';

export interface PlaneResult {
  c: number;
  t: number;
  z: number;
  /** The spots of this plane (each also carries channel, frame and z for stacks). */
  spots: Spot[];
  /** The threshold the detector used on this plane. */
  threshold: number;
}

export interface ImageResult {
  file: string;
  axes: string;
  axesSource: 'option' | 'metadata' | 'guessed';
  shape: number[];
  pixelSize?: PixelSize;
  pixelSizeSource: 'option' | 'metadata' | 'none';
  planes: PlaneResult[];
  scoreColumn: 'p' | 'quality';
  warnings: string[];
}
