/** Spots of every frame of a time series (an image with a t axis), ready to be linked into tracks. */
import type { PixelSize } from '../core/types.js';
import { UserError } from '../core/errors.js';
import type { RawImage } from '../io/image/read.js';
import { resolveAxes, planeSizes, type ResolvedAxes } from '../io/image/axes.js';
import { predictImage, type ImageResult, type PlaneDetector } from '../pipeline/predict.js';
import { resultSpots } from '../pipeline/result.js';
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
  timeSeriesAxes(raw, opts.axes);
  // predict's plane-by-plane run: a blank frame is skipped with a warning, all blank is an error
  let result: ImageResult;
  try {
    result = await predictImage(raw, detector, { axes: opts.axes, pixelSize: opts.pixelSize, radius: opts.radius, threeD: false, planeProgress: opts.onFrame });
  } catch (err) {
    if (err instanceof UserError && err.file === undefined) throw new UserError(err.message, raw.path, err.code);
    throw err;
  }
  return { result, points: resultSpots(result).map((s) => ({ t: s.frame!, y: s.y, x: s.x })) };
}
