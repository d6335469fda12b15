/** The export formats by name: the files `deepblink predict` and `deepblink track` write with `--format`. */
import { UserError } from '../../core/errors.js';
import { exportUnits, type ExportSet } from './set.js';
import { formatNapariPoints, formatSpotTsv, type SpotTsvOptions } from './tables.js';
import { formatTrackMateXml, type TrackMateWriteOptions } from './trackmate.js';

/** Output formats: `csv` (deepblink's own table), `trackmate` (TrackMate XML), `napari` (points CSV), `tsv` (x, y, z, gene). */
export const EXPORT_FORMATS = ['csv', 'trackmate', 'napari', 'tsv'] as const;

/** One of {@link EXPORT_FORMATS}. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** What each format's file name ends with after the output's base name (`cells` → `cells.xml`, `cells-napari.csv`, …). */
export const EXPORT_SUFFIXES: Readonly<Record<ExportFormat, string>> = { csv: '.csv', trackmate: '.xml', napari: '-napari.csv', tsv: '.tsv' };

/** Options of {@link formatSpots}: those of the TrackMate writer and of the TSV. */
export interface ExportOptions extends TrackMateWriteOptions, SpotTsvOptions {}

/**
 * Parses a comma-separated list of format names (`"csv,trackmate"`; case and blanks ignored,
 * repeats dropped, order kept). An unknown or missing name is a UserError (code
 * 'invalid-option') listing the choices.
 */
export function parseExportFormats(list: string): ExportFormat[] {
  const out: ExportFormat[] = [];
  for (const raw of list.split(',')) {
    const name = raw.trim().toLowerCase();
    if (!(EXPORT_FORMATS as readonly string[]).includes(name)) {
      throw new UserError(
        `${name === '' ? 'empty format name' : `unknown format '${raw.trim()}'`}: choose from ${EXPORT_FORMATS.join(', ')} (several separated by commas, e.g. csv,trackmate)`,
        undefined,
        'invalid-option',
      );
    }
    if (!out.includes(name as ExportFormat)) out.push(name as ExportFormat);
  }
  return out;
}

/**
 * What to tell the user about the units of `set` written in `formats`: the note of exportUnits
 * when a format with physical units (TrackMate XML, the TSV) falls back to pixels; else undefined.
 */
export function exportNote(set: ExportSet | undefined, formats: readonly ExportFormat[]): string | undefined {
  return set && formats.some((f) => f === 'trackmate' || f === 'tsv') ? exportUnits(set).note : undefined;
}

/**
 * The text of `set` in one of the formats other tools read: TrackMate XML
 * ({@link formatTrackMateXml}), a napari points CSV ({@link formatNapariPoints}) or the
 * x/y/z/gene TSV ({@link formatSpotTsv}). (deepblink's own CSV is the spot table: `spotTable`.)
 */
export function formatSpots(set: ExportSet, format: Exclude<ExportFormat, 'csv'>, opts: ExportOptions = {}): string {
  if (format === 'trackmate') return formatTrackMateXml(set, opts);
  if (format === 'napari') return formatNapariPoints(set);
  return formatSpotTsv(set, opts);
}
