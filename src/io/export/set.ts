/**
 * Spots for other tools: one neutral record set that every export format (TrackMate XML,
 * napari points CSV, spatial-transcriptomics TSV) is written from. `deepblink predict` builds it
 * from an image result (pipeline/export.ts), `deepblink track` from a tracked table
 * (track/table.ts). Positions follow the package convention: row `y`, column `x` (and slice `z`)
 * in pixels, 0-based, the centre of pixel (r, c) at (r, c).
 */
import type { PixelSize } from '../../core/types.js';

/** One spot to export. */
export interface ExportSpot {
  /** Row, px. */
  y: number;
  /** Column, px. */
  x: number;
  /** Slice, px (sub-slice for spots found in 3-D, the plane index for spots found plane by plane); absent in 2-D. */
  z?: number;
  /** Time point (frame index); absent for images without time. */
  t?: number;
  /** Channel index; absent for images without channels. */
  c?: number;
  /** The detector's score (the network's probability `p` or the LoG `quality`). */
  score?: number;
  /** The cell (label of a cell mask) the spot lies in, 0 outside every cell. */
  cell?: number;
  /** The track the spot belongs to (`deepblink track`). */
  trackId?: number;
}

/** A set of spots with what the formats need to know about their image. */
export interface ExportSet {
  /** The spots, in the order of the CSV table (TrackMate spot IDs and napari indices are these positions). */
  spots: ExportSpot[];
  /**
   * The axis letters of the image, in its order, from `t c z y x` (e.g. `yx`, `tyx`, `czyx`):
   * napari's `axis-N` columns follow it (without `c`).
   */
  axes: string;
  /** µm per pixel, when known. */
  pixelSize?: PixelSize;
  /** µm per slice (z step), when known. */
  zStep?: number;
  /** Image width and height, px; default: from the spots' extent. */
  width?: number;
  height?: number;
  /** Slices of the image (z size), default 1 or the spots' extent. */
  depth?: number;
  /** Frames of the image (t size), default the spots' extent. */
  frames?: number;
  /** Channels of the image (c size), when it has a channel axis. */
  channels?: number;
  /** The image the spots were found in (TrackMate opens it with the file when it is still there). */
  image?: string;
  /** Name of the score column (`p` or `quality`); default `score`. */
  scoreName?: string;
  /** Spot radius, px (TrackMate's RADIUS; default 2). */
  radius?: number;
}

/**
 * Physical units of an export: µm ("micron") when the pixel size is known (not the 1 × 1 of an
 * uncalibrated image) and, for a set with z, the z step too; else pixels throughout (so a
 * format never mixes µm in x, y with slices in z). `x`, `y`, `z`: units per pixel / slice.
 */
export interface ExportUnits {
  unit: 'micron' | 'pixel';
  x: number;
  y: number;
  z: number;
  /** Why a known pixel size was not used (a z-stack without its z step), for a warning. */
  note?: string;
}

/** Whether the set has a z axis (or spots with z). */
export function hasZ(set: Pick<ExportSet, 'axes' | 'spots'>): boolean {
  return set.axes.includes('z') || set.spots.some((s) => s.z !== undefined);
}

/** The units an export of `set` is written in (see {@link ExportUnits}). */
export function exportUnits(set: Pick<ExportSet, 'axes' | 'spots' | 'pixelSize' | 'zStep'>): ExportUnits {
  const ps = set.pixelSize;
  const calibrated = ps !== undefined && !(ps.x === 1 && ps.y === 1) && ps.x > 0 && ps.y > 0;
  if (!calibrated) return { unit: 'pixel', x: 1, y: 1, z: 1 };
  if (hasZ(set) && !(set.zStep !== undefined && set.zStep > 0)) {
    return { unit: 'pixel', x: 1, y: 1, z: 1, note: 'the z step is not known (give --voxel-size Z,Y,X): coordinates written in pixels and slices' };
  }
  return { unit: 'micron', x: ps.x, y: ps.y, z: hasZ(set) ? (set.zStep as number) : ps.x };
}

/** Index lists of the spots of each track (tracks in order of id, spots in order of frame, then of position). */
export function trackMembers(spots: readonly ExportSpot[]): Map<number, number[]> {
  const byTrack = new Map<number, number[]>();
  spots.forEach((s, i) => {
    if (s.trackId === undefined) return;
    const list = byTrack.get(s.trackId);
    if (list) list.push(i);
    else byTrack.set(s.trackId, [i]);
  });
  const out = new Map<number, number[]>();
  for (const id of [...byTrack.keys()].sort((a, b) => a - b)) {
    out.set(
      id,
      byTrack.get(id)!.sort((a, b) => (spots[a].t ?? 0) - (spots[b].t ?? 0) || a - b),
    );
  }
  return out;
}
