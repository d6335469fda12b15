/** `deepblink track MOVIE.tif`: detect the spots of every frame (as predict does), then link them. */
import { type Command, Option } from 'commander';
import { defaultThreads, logDetectorNotes, maxPixelsOption, parsePositive, parseThreshold, workBar, type Log } from './common.js';
import type { PixelSize } from '../core/types.js';
import { formatCsv } from '../io/csv.js';
import { readImage } from '../io/image/read.js';
import { createDetector, type Method } from '../pipeline/predict.js';
import { resultTable } from '../pipeline/table.js';
import { detectFrames, timeSeriesAxes } from '../track/movie.js';
import { parseTrackTable, type TrackTable } from '../track/table.js';

/** The options of `track` that apply to an image input. */
export interface TrackImageCliOptions {
  model?: string;
  method: Method;
  threshold?: number | 'auto';
  radius?: number;
  axes?: string;
  pixelSize?: PixelSize;
  maxPixels?: number;
}

/** Adds the detection options (as predict's) that `track` takes for an image input. */
export function addTrackImageOptions(cmd: Command): Command {
  return cmd
    .option('-m, --model <file|name>', 'image input: model file or bundled model name (as predict; default: the bundled default model)')
    .addOption(
      new Option('--method <name>', 'image input: deepblink = the network, log = Laplacian-of-Gaussian').choices(['deepblink', 'log']).default('deepblink'),
    )
    .option(
      '-t, --threshold <value>',
      'image input: network probability threshold 0–1 (default: the model\'s); log: quality threshold or "auto" (default)',
      parseThreshold,
    )
    .option('-r, --radius <px>', 'image input: spot radius (LoG scale, default 2); adds the disk intensity column i', parsePositive)
    .option('-a, --axes <letters>', 'image input: axis order with t (e.g. tyx); default: from metadata, else guessed')
    .addOption(maxPixelsOption());
}

/** A movie read and checked, and its detector, both before the output folder is touched. */
export interface MovieTracker {
  /** What the run record keeps: method, settings, model. */
  describe(): { options: Record<string, unknown>; model?: Record<string, unknown> };
  /** Detects the spots of every frame: predict's table of the series, as a track table. */
  detect(): Promise<TrackTable>;
  close(): Promise<void>;
}

/** Reads `file`, checks that it is a time series (a one-line error otherwise) and loads the detector (the model once). */
export async function movieTracker(file: string, o: TrackImageCliOptions, log: Log): Promise<MovieTracker> {
  const raw = await readImage(file, { maxPixels: o.maxPixels });
  timeSeriesAxes(raw, o.axes);
  const detector = await createDetector({
    method: o.method,
    model: o.model,
    threshold: o.threshold,
    radius: o.radius,
    threads: defaultThreads(),
  });
  logDetectorNotes(log, detector, '; pass -t');
  const desc = detector.describe();
  return {
    describe: () => ({ options: { method: desc.method, ...desc.settings, axes: o.axes, pixelSize: o.pixelSize }, model: desc.model }),
    async detect() {
      const bar = workBar('frames', 10);
      const { result, points } = await detectFrames(raw, detector, {
        axes: o.axes,
        pixelSize: o.pixelSize,
        radius: o.radius,
        onFrame: (done, total) => {
          bar?.(done, total);
          log.info(`${file}: frame ${done}/${total}`);
        },
      });
      for (const w of result.warnings) log.warn(`${file}: ${w}`);
      if (result.axesSource === 'guessed') log.warn(`${file}: axes guessed as '${result.axes}' from shape (${result.shape.join('×')}); set --axes if wrong`);
      log.info(`${file}: ${points.length} spots in ${result.planes.length} frames, axes ${result.axes} (${result.axesSource})`);
      // predict's table of the series, read back as a spot table: the same rows `predict` then `track` would give
      return parseTrackTable(formatCsv(resultTable(result, { radius: o.radius })), file);
    },
    close: () => detector.close(),
  };
}
