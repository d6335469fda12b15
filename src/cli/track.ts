import path from 'node:path';
import { Command } from 'commander';
import {
  ensureOutputDir,
  formatOption,
  makeLog,
  parseGenes,
  parseNonNegativeInt,
  parsePixelSize,
  parsePositive,
  parseVoxelSize,
  stem,
  withCommon,
} from './common.js';
import { UserError } from '../core/errors.js';
import { formatCsv } from '../io/csv.js';
import { EXPORT_SUFFIXES, exportNote, formatSpots, type ExportFormat } from '../io/export/format.js';
import { RunRecord } from '../io/provenance.js';
import { linkTracks, trackStats } from '../track/track.js';
import { readTrackTable, trackExportSet, trackStatsTable, tracksTable } from '../track/table.js';
import { isImagePath } from '../io/image/read.js';
import { addTrackImageOptions, movieTracker, type TrackImageCliOptions } from './track-image.js';

export function trackCommand(): Command {
  return addTrackImageOptions(withCommon(new Command('track')))
    .description(
      'Link spots over time into tracks (linear assignment frame to frame, then gap closing; no splitting or merging). ' +
        'INPUT is a spot table with a t column (frame index), e.g. the output of predict on a time series. ' +
        'Writes <name>-tracks.csv (the input rows with track_id) and <name>-track-stats.csv ' +
        '(track_id, length [frames], start, end, mean_speed [px/frame], D [px²/frame, from MSD(τ) = 4Dτ over lags 1–4], n); ' +
        'with --format also the tracks as TrackMate XML (spots and tracks), napari points (track_id a property) or a TSV. ' +
        'INPUT may also be a time-series image (axes with t, e.g. tyx): its spots are detected frame by frame first (options -m … --max-pixels, as predict).',
    )
    .argument('<input>', 'spot table CSV with t, y [px], x [px] columns, or an image with a t axis')
    .requiredOption('-o, --output <dir>', 'output folder (created if missing)')
    .option('--max-distance <px>', 'largest distance of a link between consecutive frames, px', parsePositive, 5)
    .option('--max-gap <n>', 'most consecutive frames a spot may be missing within one track (0: no gap closing)', parseNonNegativeInt, 2)
    .option('--gap-distance <px>', 'largest distance bridged across a gap, px (default: --max-distance)', parsePositive)
    .addOption(formatOption('NAME-tracks', '; NAME-track-stats.csv is written with any of them'))
    .option(
      '--pixel-size <um>',
      'µm per pixel ("0.1" or "Y,X"): an image input\'s µm columns and the trackmate/tsv units (default: the image\'s metadata, or the table\'s y [µm] and x [µm] columns, else pixels)',
      parsePixelSize,
    )
    .option('--voxel-size <um>', 'trackmate, tsv: µm per voxel "Z,Y,X" for 3-D tables (default: from the µm columns)', parseVoxelSize)
    .option('--gene <names>', "tsv: the gene column's name for each channel (the table's c column), comma-separated, channel 0 first", parseGenes)
    .option('-f, --force', 'replace files deepblink did not write (default: refuse)', false)
    .action(
      async (
        input: string,
        o: TrackImageCliOptions & {
          output: string;
          maxDistance: number;
          maxGap: number;
          gapDistance?: number;
          format: ExportFormat[];
          voxelSize?: { z: number; y: number; x: number };
          gene?: string[];
          force: boolean;
          verbose: boolean;
        },
      ) => {
        const log = makeLog(o.verbose);
        if (o.voxelSize && o.pixelSize) throw new UserError('give the pixel size once: --voxel-size Z,Y,X or --pixel-size', undefined, 'invalid-option');
        if (o.gene && !o.format.includes('tsv')) log.warn('--gene names the channels of the TSV only (--format tsv); ignored');
        // an image: read and checked now, its spots detected after the output checks below
        const movie = isImagePath(input) ? await movieTracker(input, o, log) : undefined;
        const read = movie ? undefined : await readTrackTable(input);
        ensureOutputDir(o.output);
        const name = stem(input);
        const opts = { maxDistance: o.maxDistance, maxGap: o.maxGap, gapDistance: o.gapDistance ?? o.maxDistance };
        const record = await RunRecord.start(o.output, {
          command: ['deepblink', ...process.argv.slice(2)].join(' '),
          options: {
            ...opts,
            format: o.format,
            pixelSize: o.pixelSize,
            voxelSize: o.voxelSize,
            gene: o.gene,
            ...(movie ? { detection: movie.describe().options } : {}),
          },
          inputs: [path.resolve(input)],
          model: movie?.describe().model,
          force: o.force,
        });
        const outputs = o.format.map((format) => ({ format, name: `${name}-tracks${EXPORT_SUFFIXES[format]}` }));
        const statsName = `${name}-track-stats.csv`;
        try {
          for (const out of outputs) record.target(out.name); // refuse before the work and before writing any file
          record.target(statsName);
          const table = read ?? (await movie!.detect());
          log.info(`${input}: ${table.points.length} spots in ${new Set(table.points.map((p) => p.t)).size} frames`);
          const ids = linkTracks(table.points, opts);
          const stats = trackStats(table.points, ids);
          const inputPath = path.resolve(input);
          const set = o.format.some((f) => f !== 'csv')
            ? trackExportSet(table, ids, {
                pixelSize: o.pixelSize ?? (o.voxelSize && { y: o.voxelSize.y, x: o.voxelSize.x }),
                zStep: o.voxelSize?.z,
              })
            : undefined;
          const note = exportNote(set, o.format);
          if (note) log.warn(`${input}: ${note}`);
          // every text first: a problem (e.g. --gene against the channels) stops before anything is written
          const texts = outputs.map(({ format }) => (format === 'csv' ? formatCsv(tracksTable(table, ids)) : formatSpots(set!, format, { genes: o.gene })));
          const written: string[] = [];
          for (let k = 0; k < outputs.length; k++) {
            const { format, name: file } = outputs[k];
            await record.write(file, texts[k], { input: inputPath, spots: ids.length, ...(format === 'csv' ? {} : { format }) });
            written.push(path.join(o.output, file));
          }
          await record.write(statsName, formatCsv(trackStatsTable(stats)), { input: inputPath });
          await record.finish('done');
          process.stdout.write(`${input}: ${stats.length} track${stats.length === 1 ? '' : 's'} from ${ids.length} spots → ${written.join(', ')}\n`);
        } catch (err) {
          await record.finish('failed');
          throw err;
        } finally {
          await movie?.close();
        }
      },
    );
}
