/**
 * Spot tables for other tools: napari's points CSV and a plain tab-separated table for
 * spatial-transcriptomics pipelines (x, y, z, gene).
 *
 * napari: the builtin points writer (napari/napari src/napari_builtins/io/_write.py,
 * `napari_write_points`) writes `index`, `axis-0` … `axis-(D-1)` (the points layer's data
 * coordinates, in the layer's axis order) and then one column per property; its reader
 * (`_read.py`, `csv_to_layer_data` → `_points_csv_to_layerdata`) recognises a points file by the
 * columns `axis-0` and `axis-1`, takes every `axis-*` column as a coordinate in the order of the
 * file, skips a first column `index` and reads every other column as a property (int, else
 * float, else text). Data coordinates put the centre of pixel [0, 0] at [0, 0], as ours.
 */
import { UserError } from '../../core/errors.js';
import { formatCsv, formatNumber, type Cell } from '../table.js';
import { exportUnits, type ExportSet } from './set.js';

/**
 * The napari axis letters of a set: the image's axes in its order without `c` (channels are a
 * property, `channel`, since napari opens the channels of an image as separate layers), with
 * `t` or `z` added in front when spots have them but the axes do not.
 */
export function napariAxes(set: Pick<ExportSet, 'axes' | 'spots'>): string {
  const lead = set.axes.split('').filter((a) => a === 't' || a === 'z');
  if (!lead.includes('z') && set.spots.some((s) => s.z !== undefined)) lead.push('z');
  if (!lead.includes('t') && set.spots.some((s) => s.t !== undefined)) lead.unshift('t');
  return [...lead, 'y', 'x'].join('');
}

/**
 * A napari points CSV of `set` (what napari's own points writer produces, and its reader opens
 * as a points layer): `index`, then `axis-0` … one column per axis of {@link napariAxes} (frame,
 * slice, row, column: pixels, napari's data coordinates), then the properties: the score (named
 * `set.scoreName`), `channel` (images with channels), `cell` (with a cell mask) and `track_id`
 * (tracked spots), each when the spots have it.
 */
export function formatNapariPoints(set: ExportSet): string {
  const axes = napariAxes(set).split('');
  const spots = set.spots;
  const columns = ['index', ...axes.map((_, i) => `axis-${i}`)];
  const scoreName = set.scoreName ?? 'score';
  const withScore = spots.some((s) => s.score !== undefined);
  const withC = set.axes.includes('c') || spots.some((s) => s.c !== undefined);
  const withCell = spots.some((s) => s.cell !== undefined);
  const withTrack = spots.some((s) => s.trackId !== undefined);
  if (withScore) columns.push(scoreName);
  if (withC) columns.push('channel');
  if (withCell) columns.push('cell');
  if (withTrack) columns.push('track_id');
  const rows = spots.map((s, i) => {
    const row: Cell[] = [i];
    for (const a of axes) row.push(a === 't' ? (s.t ?? 0) : a === 'z' ? (s.z ?? 0) : a === 'y' ? s.y : s.x);
    if (withScore) row.push(s.score ?? NaN);
    if (withC) row.push(s.c ?? 0);
    if (withCell) row.push(s.cell ?? 0);
    if (withTrack) row.push(s.trackId ?? -1);
    return row;
  });
  return formatCsv({ columns, rows });
}

/** Options of {@link formatSpotTsv}. */
export interface SpotTsvOptions {
  /** A gene (target) name per channel, channel 0 first; default: the channel index. */
  genes?: readonly string[];
}

/**
 * A tab-separated spot table for spatial-transcriptomics tools: `x`, `y`, `z`, `gene`, then
 * `t` (time series), `cell` (with a cell mask) and `track_id` (tracked spots) when the spots
 * have them. x is the column and y the row (as in Fiji and TrackMate), z the slice; all three in
 * µm when the pixel size (and for z-stacks the z step) is known, else in pixels (see
 * exportUnits); z = 0 for 2-D images. `gene` is the name given for the spot's channel, else
 * the channel index (0 for images without channels). Wrong `genes` (fewer or more names than
 * the image has channels, a name with a tab or line break) are a UserError, code 'invalid-option'.
 */
export function formatSpotTsv(set: ExportSet, opts: SpotTsvOptions = {}): string {
  const units = exportUnits(set);
  const spots = set.spots;
  const genes = opts.genes;
  if (genes) {
    const channels = set.channels ?? spots.reduce((m, s) => Math.max(m, (s.c ?? 0) + 1), 1);
    if (genes.length !== channels) {
      throw new UserError(
        `--gene gives ${genes.length} name${genes.length === 1 ? '' : 's'} but the image has ${channels} channel${channels === 1 ? '' : 's'}: give one name per channel`,
        undefined,
        'invalid-option',
      );
    }
    const badName = genes.find((g) => g === '' || /[\t\r\n]/.test(g));
    if (badName !== undefined) throw new UserError(`gene name '${badName}' is empty or holds a tab or line break`, undefined, 'invalid-option');
  }
  const withT = set.axes.includes('t') || spots.some((s) => s.t !== undefined);
  const withCell = spots.some((s) => s.cell !== undefined);
  const withTrack = spots.some((s) => s.trackId !== undefined);
  const columns = ['x', 'y', 'z', 'gene'];
  if (withT) columns.push('t');
  if (withCell) columns.push('cell');
  if (withTrack) columns.push('track_id');
  const dec = units.unit === 'micron' ? 5 : 4;
  const lines = [columns.join('\t')];
  for (const s of spots) {
    const c = s.c ?? 0;
    const cells = [formatNumber(s.x * units.x, dec), formatNumber(s.y * units.y, dec), formatNumber((s.z ?? 0) * units.z, dec), genes ? genes[c] : String(c)];
    if (withT) cells.push(String(s.t ?? 0));
    if (withCell) cells.push(String(s.cell ?? 0));
    if (withTrack) cells.push(String(s.trackId ?? -1));
    lines.push(cells.join('\t'));
  }
  return lines.join('\n') + '\n';
}
