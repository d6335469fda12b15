/**
 * An image opened for reading box by box (ImageSource), whatever its format: OME-Zarr is read
 * lazily (each box fetches only the chunks it touches, zarr.ts); the whole-file formats (TIFF,
 * PNG, JPEG) are decoded once on open (bounded by `maxPixels` as readImage is) and each box is
 * a copy out of the decoded pixels.
 */
import type { PixelSize } from '../../core/types.js';
import type { PixelArray, RawImage, ReadImageOptions } from './format.js';
import { readImageFile } from './read.js';
import { isFolderImagePath } from './registry.js';
import { checkBox, isRemotePath, isZarrFolder, openOmeZarr, remoteError, type ZarrInfo } from './zarr.js';

/**
 * An opened image whose pixels are read box by box with `read`. Shape, data type, axes and
 * pixel size are known on open, without reading the pixels of a lazily read format.
 */
export interface ImageSource {
  /** The file (or folder, for OME-Zarr) it was opened from. */
  readonly path: string;
  /** 'TIFF', 'PNG', 'JPEG', 'OME-Zarr' (or 'Zarr' for a bare Zarr array), or a registered format's name. */
  readonly format: string;
  /** As RawImage.shape: the last two dimensions are the rows and columns of each plane. */
  readonly shape: number[];
  /** As RawImage.dtype: 'uint8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64'. */
  readonly dtype: string;
  /** Axis letters ('ctzyx') from the metadata, one per dimension of `shape`. */
  readonly axes?: string;
  /** µm per pixel {y, x} from the metadata. */
  readonly pixelSize?: PixelSize;
  /** µm per slice from the metadata. */
  readonly zStep?: number;
  /** The storage chunk shape per dimension (Zarr); undefined for whole-file formats. */
  readonly chunks?: number[];
  /** What the reader noticed on open (ignored metadata, ...). */
  readonly warnings: string[];
  /** For Zarr: the store's versions, pyramid levels and compressor. */
  readonly zarr?: ZarrInfo;
  /**
   * The pixels of the box [start, stop) (one pair of indices per dimension), C order, shape
   * stop − start, as a RawImage (path, dtype, axes, pixelSize, zStep carried). A box larger than
   * `maxPixels` is refused (UserError 'bad-image') before anything is read; a box outside the
   * image is a RangeError.
   */
  read(start: number[], stop: number[]): Promise<RawImage>;
}

/** Copies the box [start, stop) out of a C-ordered image (a new array of the same type). */
export function copyBox(raw: Pick<RawImage, 'data' | 'shape'>, start: readonly number[], stop: readonly number[]): PixelArray {
  const dims = checkBox(raw.shape, start, stop);
  const n = dims.reduce((a, b) => a * b, 1);
  const Ctor = raw.data.constructor as new (len: number) => PixelArray;
  const out = new Ctor(n);
  if (n === 0) return out;
  const nd = raw.shape.length;
  const strides = new Array<number>(nd).fill(1);
  for (let i = nd - 2; i >= 0; i--) strides[i] = (strides[i + 1] as number) * (raw.shape[i + 1] as number);
  const row = dims[nd - 1] as number;
  const idx = new Array<number>(nd).fill(0); // position inside the box, last dimension unused
  for (let o = 0; o < n; o += row) {
    let src = 0;
    for (let i = 0; i < nd; i++) src += ((start[i] as number) + (i === nd - 1 ? 0 : (idx[i] as number))) * (strides[i] as number);
    out.set(raw.data.subarray(src, src + row), o);
    for (let i = nd - 2; i >= 0; i--) {
      idx[i] = (idx[i] as number) + 1;
      if ((idx[i] as number) < (dims[i] as number)) break;
      idx[i] = 0;
    }
  }
  return out;
}

/** An ImageSource over an image already in memory (format: the name shown, e.g. 'TIFF'). */
export function memorySource(raw: RawImage, format: string): ImageSource {
  const src: ImageSource = {
    path: raw.path,
    format,
    shape: [...raw.shape],
    dtype: raw.dtype,
    warnings: raw.warnings,
    async read(start: number[], stop: number[]): Promise<RawImage> {
      const data = copyBox(raw, start, stop);
      const img: RawImage = { path: raw.path, data, shape: stop.map((b, i) => b - (start[i] as number)), dtype: raw.dtype, warnings: [...raw.warnings] };
      if (raw.axes !== undefined) img.axes = raw.axes;
      if (raw.pixelSize !== undefined) img.pixelSize = { ...raw.pixelSize };
      if (raw.zStep !== undefined) img.zStep = raw.zStep;
      return img;
    },
  };
  return Object.assign(
    src,
    raw.axes !== undefined ? { axes: raw.axes } : {},
    raw.pixelSize !== undefined ? { pixelSize: raw.pixelSize } : {},
    raw.zStep !== undefined ? { zStep: raw.zStep } : {},
  );
}

/**
 * Opens an image for reading box by box. An OME-Zarr folder (`.zarr`, `.ome.zarr`, or any folder
 * with Zarr metadata) is opened from its metadata alone: nothing of the array's size is
 * allocated, each `read` fetches only the chunks its box touches and `maxPixels` bounds each
 * read; `level` picks a level of its multiscale pyramid (0, full resolution, by default). A
 * TIFF, PNG or JPEG file is decoded once here (refused when larger than `maxPixels`) and each
 * `read` copies its box. All problems with the image are UserErrors naming `file`; remote
 * stores (s3://, https://) are not supported yet.
 */
export async function openImage(file: string, options: ReadImageOptions = {}): Promise<ImageSource> {
  if (isRemotePath(file)) throw remoteError(file);
  if (isFolderImagePath(file) || isZarrFolder(file)) return openOmeZarr(file, options);
  const { image, format } = await readImageFile(file, options);
  return memorySource(image, format);
}
