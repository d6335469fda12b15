/**
 * The image formats the reader knows, and the lookups by file name and by content. This list is
 * the single source of the accepted image extensions (the CLI's folder listing and help texts
 * use it too), so a new format is added here (or, by library users, with registerImageFormat)
 * and nowhere else. Images stored as a folder (OME-Zarr: `cells.ome.zarr/`) are not byte
 * formats; their extensions are listed in FOLDER_IMAGE_EXTENSIONS and read by zarr.ts.
 */
import path from 'node:path';
import type { ImageFormat } from './format.js';
import { tiffFormat } from './formats/tiff.js';
import { pngFormat } from './formats/png.js';
import { jpegFormat } from './formats/jpeg.js';

const formats: ImageFormat[] = [tiffFormat, pngFormat, jpegFormat];

/**
 * The registered formats in registration order: the built-in TIFF, PNG and JPEG, then any added
 * with registerImageFormat (a live view; do not modify it, use registerImageFormat).
 */
export const IMAGE_FORMATS: readonly ImageFormat[] = formats;

/**
 * Extensions of the images that are a folder rather than a file (OME-Zarr: `.zarr`, which
 * covers `.ome.zarr`), lower case with the dot. Such a folder is one image: the folder listing
 * never descends into it.
 */
export const FOLDER_IMAGE_EXTENSIONS: readonly string[] = ['.zarr'];

/**
 * The extensions of all registered formats ('.tif', ...), lower case, in registration order,
 * then those of the folder images ('.zarr').
 */
export function imageExtensions(): string[] {
  const out: string[] = [];
  for (const f of formats) for (const e of f.extensions) if (!out.includes(e)) out.push(e);
  for (const e of FOLDER_IMAGE_EXTENSIONS) if (!out.includes(e)) out.push(e);
  return out;
}

/** True when the path names a folder image by its extension ('cells.ome.zarr', 'x.zarr/'; case-insensitive). */
export function isFolderImagePath(p: string): boolean {
  return FOLDER_IMAGE_EXTENSIONS.includes(path.extname(p).toLowerCase());
}

/**
 * The format a file name suggests (by its extension, case-insensitive), or undefined. When
 * several formats claim an extension, the one registered last wins.
 */
export function formatForPath(p: string): ImageFormat | undefined {
  const ext = path.extname(p).toLowerCase();
  if (ext === '') return undefined;
  for (let i = formats.length - 1; i >= 0; i--) {
    const f = formats[i] as ImageFormat;
    if (f.extensions.includes(ext)) return f;
  }
  return undefined;
}

/** The format whose signature the bytes carry (the one registered last, if several), or undefined. */
export function formatForBytes(bytes: Uint8Array): ImageFormat | undefined {
  for (let i = formats.length - 1; i >= 0; i--) {
    const f = formats[i] as ImageFormat;
    if (f.sniff(bytes)) return f;
  }
  return undefined;
}

/** The registered format with this name (case-insensitive: 'tiff' or 'TIFF'), or undefined. */
export function formatByName(name: string): ImageFormat | undefined {
  const want = name.toLowerCase();
  for (let i = formats.length - 1; i >= 0; i--) {
    const f = formats[i] as ImageFormat;
    if (f.name.toLowerCase() === want) return f;
  }
  return undefined;
}

/** True when the path ends in one of the accepted image extensions (case-insensitive), `.zarr` included. */
export function isImagePath(p: string): boolean {
  return formatForPath(p) !== undefined || isFolderImagePath(p);
}

/**
 * Adds a format for readImage, decodeImageBytes and the CLI's folder listing. Its extensions
 * (lower case, with the dot) take precedence over those of formats registered before it.
 * Returns a function that removes it again.
 */
export function registerImageFormat(format: ImageFormat): () => void {
  for (const e of format.extensions) {
    if (!/^\.[^./\\]+$/.test(e) || e !== e.toLowerCase()) {
      throw new Error(`image format ${format.name}: extension '${e}' must be lower case and start with a dot`);
    }
  }
  formats.push(format);
  return () => {
    const i = formats.lastIndexOf(format);
    if (i >= 0) formats.splice(i, 1);
  };
}
