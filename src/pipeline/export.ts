/** A prediction as the neutral spot set the export formats are written from (io/export). */
import type { ExportSet, ExportSpot } from '../io/export/set.js';
import { DEFAULT_LOG_RADIUS } from '../detect/detector.js';
import type { ImageResult } from './result.js';

/**
 * The spots of `res` for export, in the order of its CSV table (`spotTable`), so that TrackMate
 * spot IDs and napari indices are the table's row numbers: row, column (and slice: sub-slice
 * for 3-D spots, the plane index for a stack detected plane by plane), frame and channel when
 * the image has those axes, the score, the cell with a mask; the image's axes, size, pixel size
 * and z step. `radius` (px) is the spot radius TrackMate draws (default: the LoG's, 2 px).
 */
export function resultExportSet(res: ImageResult, opts: { radius?: number } = {}): ExportSet {
  const { axes, shape } = res;
  const size = (a: string) => (axes.includes(a) ? shape[axes.indexOf(a)] : undefined);
  const hasC = axes.includes('c');
  const hasT = axes.includes('t');
  const hasZ = axes.includes('z');
  const spots: ExportSpot[] = [];
  const add = (s: ExportSpot, part: { c: number; t: number }, z: number | undefined) => {
    if (z !== undefined) s.z = z;
    if (hasT) s.t = part.t;
    if (hasC) s.c = part.c;
    spots.push(s);
  };
  if (res.volumes) {
    for (const v of res.volumes) for (const s of v.spots) add(cellOf({ y: s.y, x: s.x, score: s.score }, s.cell, res), v, s.z);
  } else {
    for (const p of res.planes) for (const s of p.spots) add(cellOf({ y: s.y, x: s.x, score: s.score }, s.cell, res), p, hasZ ? p.z : undefined);
  }
  const set: ExportSet = {
    spots,
    axes,
    width: size('x'),
    height: size('y'),
    depth: size('z'),
    frames: size('t'),
    channels: size('c'),
    image: res.file,
    scoreName: res.scoreColumn,
    radius: opts.radius ?? DEFAULT_LOG_RADIUS,
  };
  if (res.pixelSize) set.pixelSize = res.pixelSize;
  if (res.zStep !== undefined) set.zStep = res.zStep;
  return set;
}

function cellOf(s: ExportSpot, cell: number | undefined, res: ImageResult): ExportSpot {
  if (res.mask) s.cell = cell ?? 0;
  return s;
}
