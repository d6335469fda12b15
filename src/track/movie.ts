/** Spots of every frame of a time series (an image with a t axis), ready to be linked into tracks. */
import type { PixelSize } from '../core/types.js';
import { UserError } from '../core/errors.js';
import type { RawImage } from '../io/image/read.js';
import { resolveAxes, planeAt, planeSizes, type ResolvedAxes } from '../io/image/axes.js';
import { predictPlane, type ImageResult, type PlaneDetector, type PlaneResult } from '../pipeline/predict.js';
import type { TrackPoint } from './track.js';

/** Options of {@link detectFrames}. */
export interface FrameDetectionOptions {
  /** Axis letters of the input (e.g. 'tyx'); otherwise from metadata, otherwise guessed. */
  axes?: string;
  /** µm per pixel; otherwise from metadata. */
  pixelSize?: PixelSize;
  /** Spot radius (px): adds each spot's disk intensity (`intensity`). */
  radius?: number;
  /** Called after each frame (frames done, frames in the series). */
  onFrame?: (done: number, total: number) => void;
}

/** Result of {@link detectFrames}: the per-frame result (one plane per frame) and the spots as track points in the same order. */
export interface FrameDetections {
  result: ImageResult;
  /** One point per spot (frame t, row y, column x), frame by frame, in the order of `result.planes`' spots. */
  points: TrackPoint[];
}

/**
 * The axes of a time series (see {@link detectFrames}) and its number of frames; a UserError
 * naming the file (code 'invalid-input') when the image has no t axis, a single frame, or more
 * than one plane per frame.
 */
export function timeSeriesAxes(raw: RawImage, userAxes?: string): ResolvedAxes & { frames: number } {
  const resolved = resolveAxes(raw, userAxes);
  const { axes, shape, source } = resolved;
  const shown = `axes '${axes}' (${source}), shape (${shape.join(', ')})`;
  const bad = (msg: string): never => {
    throw new UserError(msg, raw.path, 'invalid-input');
  };
  const sizes = planeSizes(raw, axes);
  if (!axes.includes('t')) bad(`no t axis (${shown}): tracking needs a time series; pass --axes (e.g. tyx) if the frames are stored along another axis`);
  if (sizes.t < 2) bad(`a single frame (${shown}): tracking needs at least 2`);
  if (sizes.c > 1 || sizes.z > 1)
    bad(`${sizes.c > 1 ? `${sizes.c} channels` : `${sizes.z} z planes`} per frame (${shown}): tracking takes one 2-D plane per frame`);
  return { ...resolved, frames: sizes.t };
}

/**
 * Detects the spots of every frame of a time series with `detector` (one 2-D plane per frame),
 * for {@link linkTracks}. The image must have a t axis with at least 2 frames and one plane per
 * frame (no channels, no z): otherwise the UserError of {@link timeSeriesAxes}. A blank frame is skipped with a warning, as `predict` does.
 */
export async function detectFrames(raw: RawImage, detector: PlaneDetector, opts: FrameDetectionOptions = {}): Promise<FrameDetections> {
  const { axes, shape, source, frames } = timeSeriesAxes(raw, opts.axes);
  const planes: PlaneResult[] = [];
  const points: TrackPoint[] = [];
  const warnings = [...raw.warnings];
  for (let t = 0; t < frames; t++) {
    const plane = planeAt(raw, axes, 0, t, 0);
    try {
      const { spots, threshold } = await predictPlane(plane, detector, { radius: opts.radius }, `frame t=${t}`);
      for (const s of spots) {
        Object.assign(s, { channel: 0, frame: t, z: 0 });
        points.push({ t, y: s.y, x: s.x });
      }
      planes.push({ c: 0, t, z: 0, spots, threshold });
    } catch (err) {
      if (!(err instanceof UserError && err.code === 'bad-plane')) throw err;
      warnings.push(`${err.message}; skipped`);
    }
    opts.onFrame?.(t + 1, frames);
  }
  if (planes.length === 0) throw new UserError(`every frame (${frames}) is blank or has NaN pixels; nothing to track`, raw.path, 'bad-plane');
  const pixelSize = opts.pixelSize ?? raw.pixelSize;
  return {
    result: {
      file: raw.path,
      axes,
      axesSource: source,
      shape,
      pixelSize,
      pixelSizeSource: opts.pixelSize ? 'option' : raw.pixelSize ? 'metadata' : 'none',
      planes,
      scoreColumn: detector.scoreColumn,
      warnings,
    },
    points,
  };
}
