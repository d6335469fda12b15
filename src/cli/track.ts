import path from 'node:path';
import { Command } from 'commander';
import { ensureOutputDir, makeLog, parseInteger, parsePositive, stem, withCommon } from './common.js';
import { UserError } from '../core/errors.js';
import { formatCsv } from '../io/csv.js';
import { RunRecord } from '../io/provenance.js';
import { linkTracks, trackStats } from '../track/track.js';
import { readTrackTable, trackStatsTable, tracksTable } from '../track/table.js';
import { isImagePath } from '../io/image/read.js';
import { addTrackImageOptions, movieTracker, type TrackImageCliOptions } from './track-image.js';

type TrackCliOptions = TrackImageCliOptions & { output: string; maxDistance: number; maxGap: number; gapDistance?: number; force: boolean; verbose: boolean };

export function trackCommand(): Command {
  return addTrackImageOptions(withCommon(new Command('track')))
    .description(
      'Link spots over time into tracks (linear assignment frame to frame, then gap closing; no splitting or merging). ' +
        'INPUT is a spot table with a t column (frame index), e.g. the output of predict on a time series. ' +
        'Writes <name>-tracks.csv (the input rows with track_id) and <name>-track-stats.csv ' +
        '(track_id, length [frames], start, end, mean_speed [px/frame], D [px²/frame, from MSD(τ) = 4Dτ over lags 1–4], n). ' +
        'INPUT may also be a time-series image (axes with t, e.g. tyx): its spots are detected frame by frame first (options -m … --pixel-size, as predict).',
    )
    .argument('<input>', 'spot table CSV with t, y [px], x [px] columns, or an image with a t axis')
    .requiredOption('-o, --output <dir>', 'output folder (created if missing)')
    .option('--max-distance <px>', 'largest distance of a link between consecutive frames, px', parsePositive, 5)
    .option('--max-gap <n>', 'most consecutive frames a spot may be missing within one track (0: no gap closing)', parseInteger, 2)
    .option('--gap-distance <px>', 'largest distance bridged across a gap, px (default: --max-distance)', parsePositive)
    .option('-f, --force', 'replace files deepblink did not write (default: refuse)', false)
    .action(async (input: string, o: TrackCliOptions) => {
      const log = makeLog(o.verbose);
      if (o.maxGap < 0) throw new UserError(`--max-gap must be ≥ 0, got ${o.maxGap}`, undefined, 'invalid-option');
      // an image: read and checked now, its spots detected after the output checks below
      const movie = isImagePath(input) ? await movieTracker(input, o, log) : undefined;
      const read = movie ? undefined : await readTrackTable(input);
      ensureOutputDir(o.output);
      const name = stem(input);
      const opts = { maxDistance: o.maxDistance, maxGap: o.maxGap, gapDistance: o.gapDistance ?? o.maxDistance };
      const record = await RunRecord.start(o.output, {
        command: ['deepblink', ...process.argv.slice(2)].join(' '),
        options: movie ? { ...opts, detection: movie.describe().options } : opts,
        inputs: [path.resolve(input)],
        model: movie?.describe().model,
        force: o.force,
      });
      const tracksName = `${name}-tracks.csv`;
      const statsName = `${name}-track-stats.csv`;
      try {
        record.target(tracksName); // refuse before the work and before writing either file
        record.target(statsName);
        const table = read ?? (await movie!.detect());
        log.info(`${input}: ${table.points.length} spots in ${new Set(table.points.map((p) => p.t)).size} frames`);
        const ids = linkTracks(table.points, opts);
        const stats = trackStats(table.points, ids);
        const inputPath = path.resolve(input);
        await record.write(tracksName, formatCsv(tracksTable(table, ids)), { input: inputPath, spots: ids.length });
        await record.write(statsName, formatCsv(trackStatsTable(stats)), { input: inputPath });
        await record.finish('done');
        process.stdout.write(`${input}: ${stats.length} track${stats.length === 1 ? '' : 's'} from ${ids.length} spots → ${path.join(o.output, tracksName)}\n`);
      } catch (err) {
        await record.finish('failed');
        throw err;
      } finally {
        await movie?.close();
      }
    });
}
