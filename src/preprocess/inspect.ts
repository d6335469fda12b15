/**
 * What deepblink makes of an image before detection: shape, axes, pixel size, value range, and
 * the problems that would stop detection (NaN/Inf pixels, constant planes). The library side
 * of `deepblink check`; inspectSource adds how the image is stored (format, OME-Zarr chunks,
 * levels and compressor).
 */
import { decodeLimits, type RawImage } from '../io/image/format.js';
import type { ImageSource } from '../io/image/source.js';
import type { ZarrInfo } from '../io/image/zarr.js';
import { resolveAxes, iteratePlanes, type ResolvedAxes } from '../io/image/axes.js';
import type { PixelSize } from '../core/types.js';
import { planeStats } from './check.js';

/** How inspectImage reads the image. */
export interface InspectOptions {
  /** Axis order to use instead of the metadata or the guess (e.g. 'zyx'; see resolveAxes). */
  axes?: string;
  /** µm per pixel to assume instead of the metadata. */
  pixelSize?: PixelSize;
}

/** A summary of an image as deepblink reads it (plain data, ready for JSON). */
export interface ImageInfo {
  /** The image's file. */
  file: string;
  /** The pixel type, e.g. 'uint16'. */
  dtype: string;
  /** The shape as stored in the file. */
  storedShape: number[];
  /** The shape with singleton dimensions dropped (y and x kept). */
  shape: number[];
  /** One letter per dimension of `shape`, from 'ctzyx'. */
  axes: string;
  /** Where the axes come from. */
  axesSource: ResolvedAxes['source'];
  /** Number of planes (the product of the dimensions other than y and x). */
  planes: number;
  /** Rows of a plane. */
  height: number;
  /** Columns of a plane. */
  width: number;
  /** µm per pixel, or null when unknown (coordinates in px only). */
  pixelSize: PixelSize | null;
  /** Where the pixel size comes from: the options, the file's metadata, or nowhere. */
  pixelSizeSource: 'option' | 'metadata' | 'none';
  /** Smallest finite pixel value over all planes. */
  min: number;
  /** Largest finite pixel value over all planes. */
  max: number;
  /** Mean of the finite pixel values (NaN when there are none). */
  mean: number;
  /** The reader's warnings (e.g. about metadata it ignored). */
  warnings: string[];
  /** What stops detection, one line each (none: the image can be used). */
  problems: string[];
  /** The file format ('TIFF', 'OME-Zarr', ...; set by inspectSource). */
  format?: string;
  /** The storage chunk shape (Zarr; set by inspectSource). */
  chunks?: number[];
  /** OME-Zarr: versions, pyramid levels, compressor (set by inspectSource). */
  zarr?: ZarrInfo;
  /** Why min, max and mean are NaN and no problems were looked for: the pixels were not read (an OME-Zarr level larger than maxPixels). */
  valuesSkipped?: string;
}

/** Options of inspectSource. */
export interface InspectSourceOptions extends InspectOptions {
  /** The most pixel values read for the value range (default: decodeLimits' default); a larger lazily read image is described from its metadata alone. */
  maxPixels?: number;
}

/**
 * inspectImage for an opened image (openImage), with its format and, for OME-Zarr, its chunks,
 * levels and compressor. The pixels are read whole for the value range and the problems; an
 * OME-Zarr level with more than `maxPixels` values is described from its metadata alone (min,
 * max and mean NaN, `valuesSkipped` says why).
 */
export async function inspectSource(source: ImageSource, opts: InspectSourceOptions = {}): Promise<ImageInfo> {
  const values = source.shape.reduce((a, b) => a * b, 1);
  const limit = decodeLimits(opts.maxPixels).maxPixels;
  let info: ImageInfo;
  if (source.chunks !== undefined && values > limit) {
    const { axes, shape, source: axesSource } = resolveAxes(source, opts.axes);
    const ps = opts.pixelSize ?? source.pixelSize;
    info = {
      file: source.path,
      dtype: source.dtype,
      storedShape: source.shape,
      shape,
      axes,
      axesSource,
      planes: shape.slice(0, -2).reduce((a, b) => a * b, 1),
      height: shape[axes.indexOf('y')] as number,
      width: shape[axes.indexOf('x')] as number,
      pixelSize: ps ?? null,
      pixelSizeSource: opts.pixelSize ? 'option' : source.pixelSize ? 'metadata' : 'none',
      min: NaN,
      max: NaN,
      mean: NaN,
      warnings: [...source.warnings],
      problems: [],
      valuesSkipped: `not read: ${values} pixel values, more than the limit of ${limit} (--max-pixels N reads them; --level N picks a smaller level)`,
    };
  } else {
    info = inspectImage(
      await source.read(
        source.shape.map(() => 0),
        source.shape,
      ),
      opts,
    );
  }
  info.format = source.format;
  if (source.chunks !== undefined) info.chunks = source.chunks;
  if (source.zarr !== undefined) info.zarr = source.zarr;
  return info;
}

/**
 * Summarises an image as deepblink reads it: axes (as resolveAxes resolves them; an invalid
 * `opts.axes` is an error), pixel size, the range and mean of the values over all planes, and
 * the problems that would make detection fail: NaN/Inf pixels and constant planes (the first 5
 * named, as "c=… t=… z=…").
 */
export function inspectImage(raw: RawImage, opts: InspectOptions = {}): ImageInfo {
  const { axes, shape, source } = resolveAxes(raw, opts.axes);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  let nonFinite = 0;
  const constantPlanes: string[] = [];
  for (const { c, t, z, plane } of iteratePlanes(raw, axes)) {
    const s = planeStats(plane);
    min = Math.min(min, s.min);
    max = Math.max(max, s.max);
    sum += s.mean * (plane.data.length - s.nonFinite);
    n += plane.data.length - s.nonFinite;
    nonFinite += s.nonFinite;
    if (!(s.max > s.min)) constantPlanes.push(shape.length > 2 ? `c=${c} t=${t} z=${z}` : 'the image');
  }
  const ps = opts.pixelSize ?? raw.pixelSize;
  const problems: string[] = [];
  if (nonFinite) problems.push(`${nonFinite} NaN/infinite pixel(s)`);
  if (constantPlanes.length) problems.push(`constant plane(s): ${constantPlanes.slice(0, 5).join(', ')}${constantPlanes.length > 5 ? ', …' : ''}`);
  return {
    file: raw.path,
    dtype: raw.dtype,
    storedShape: raw.shape,
    shape,
    axes,
    axesSource: source,
    planes: shape.slice(0, -2).reduce((a, b) => a * b, 1),
    height: shape[axes.indexOf('y')],
    width: shape[axes.indexOf('x')],
    pixelSize: ps ?? null,
    pixelSizeSource: opts.pixelSize ? 'option' : raw.pixelSize ? 'metadata' : 'none',
    min,
    max,
    mean: n ? sum / n : NaN,
    warnings: raw.warnings,
    problems,
  };
}
