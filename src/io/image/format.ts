/**
 * The contract between the image reader (read.ts) and the file formats it can decode
 * (formats/*.ts, listed in registry.ts), with the types and helpers several formats share.
 *
 * A format decodes a whole file's bytes into one C-ordered array whose last two dimensions are
 * the rows and columns of each plane. Every problem with the file is reported as a UserError
 * with a one-line message that does not repeat the file name (read.ts adds it).
 *
 * Pixel sizes (µm per pixel) taken from a file's metadata go through plausiblePixelSize:
 * values above MAX_PLAUSIBLE_UM_PER_PX (typically 72/96/300 dpi display or print defaults) are
 * ignored with a warning: they are not microscope calibrations; values below
 * MIN_PLAUSIBLE_UM_PER_PX are overflow artefacts.
 *
 * RGB(A) data (PNG, JPEG, TIFF with 3/4 samples) becomes grey with skimage's rgb2gray weights
 * 0.2125 R + 0.7154 G + 0.0721 B, in the original intensity scale (skimage would rescale to
 * [0, 1] first; we keep the raw scale so that intensities stay comparable), as float32, with a
 * warning. When R = G = B everywhere one channel is kept unchanged (original dtype).
 *
 * Size limits (DecodeLimits): every format checks the size its header claims against
 * `maxPixels` (pixel values: width × height × planes × samples per pixel) and `maxBytes` (the
 * decoded data) BEFORE allocating anything of that size, and bounds its decompressors by the
 * size the header implies, so that no file, however crafted, can make the reader allocate more
 * than the limits allow or run away. The default, DEFAULT_MAX_PIXELS = 2^30 (1.07 G values,
 * e.g. 32768² 2-D or 20000² with 2 planes), lets a 20000×20000 uint16 image (0.4 G values,
 * 800 MB) through; `maxBytes` is BYTES_PER_PIXEL_VALUE (4) bytes per allowed value (4 GiB by
 * default), so only 64-bit images meet it first. Raise the limit with the readImage /
 * decodeImageBytes option `maxPixels`, the environment variable DEEPBLINK_MAX_PIXELS or the
 * CLI's --max-pixels; MAX_SAMPLES (2^31) stays the hard upper bound.
 */
import type { PixelSize } from '../../core/types.js';
import { UserError, type ErrorCode } from '../../core/errors.js';

/** A user-facing error of this stage (code 'bad-image' unless given). */
export const imageError = (message: string, file?: string, code: ErrorCode = 'bad-image') => new UserError(message, file, code);

/** The typed arrays an image's pixels may come in. */
export type PixelArray = Uint8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

/** An image as read from a file. */
export interface RawImage {
  path: string;
  /** C-order data over `shape`; the last two dimensions are the rows and columns of each plane. */
  data: PixelArray;
  shape: number[];
  /** 'uint8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64' (the type of `data`). */
  dtype: string;
  /** Axis letters from the file's metadata ('ctzyx'), one per `shape` dimension. */
  axes?: string;
  /** µm per pixel from the file's metadata. */
  pixelSize?: PixelSize;
  /** µm per slice (z step) from the file's metadata (ImageJ `spacing`, OME PhysicalSizeZ), when given in a length unit. */
  zStep?: number;
  warnings: string[];
}

/** Decoded pixels and metadata of an image, without the file path. */
export type DecodedImage = Omit<RawImage, 'path'>;

/**
 * One image file format. Formats are listed in registry.ts; the reader picks one by the file's
 * extension and then checks (and, when they disagree, trusts) the content's signature.
 */
export interface ImageFormat {
  /** Name shown in messages ('TIFF', 'PNG', ...). */
  readonly name: string;
  /** File extensions, lower case with the dot ('.tif'). */
  readonly extensions: readonly string[];
  /** True when the bytes start with this format's signature (magic number). */
  sniff(bytes: Uint8Array): boolean;
  /**
   * Decodes a whole file; problems are UserErrors with one-line messages. A format should check
   * the image size its header claims against `limits` (see checkDecodedSize) before allocating
   * anything of that size; the reader always passes them.
   */
  decode(bytes: Uint8Array, limits?: DecodeLimits): Promise<DecodedImage> | DecodedImage;
}

/** How large a decoded image may be (see decodeLimits). */
export interface DecodeLimits {
  /** The most pixel values (width × height × planes × samples per pixel) one image may have. */
  readonly maxPixels: number;
  /** The most bytes its decoded data (and a decoder's working memory) may take. */
  readonly maxBytes: number;
}

/** Options of readImage and decodeImageBytes. */
export interface ReadImageOptions {
  /**
   * The most pixel values (width × height × planes × samples per pixel) an image may decode
   * to; larger images are refused with a 'bad-image' error before anything of their size is
   * allocated. Default: the environment variable DEEPBLINK_MAX_PIXELS, else
   * DEFAULT_MAX_PIXELS (2^30). Decoded data may take at most 4 bytes per allowed value. For
   * an OME-Zarr image opened with openImage it bounds each read (the box), not the array.
   */
  maxPixels?: number;
  /**
   * The level of an OME-Zarr multiscale pyramid to read: 0 (full resolution, the default), 1
   * (the next smaller), ... A level the image does not have is an 'invalid-option' error that
   * lists the levels; the whole-file formats have only level 0.
   */
  level?: number;
}

/** Largest pixel size (µm/px) taken from metadata; larger values are display/print DPI defaults. */
export const MAX_PLAUSIBLE_UM_PER_PX = 10;

/** Smallest pixel size (µm/px) taken from metadata (1 nm); smaller values are overflow artefacts. */
export const MIN_PLAUSIBLE_UM_PER_PX = 1e-3;

/** Upper bound on the number of samples one image may hold (guards against corrupt headers). */
export const MAX_SAMPLES = 2 ** 31;

/**
 * Default cap on the pixel values of one image: 2^30 (1 073 741 824), e.g. 32768×32768, or a
 * 20000×20000 image with two planes; a 20000×20000 uint16 image (400 M values, 800 MB) is well
 * inside it.
 */
export const DEFAULT_MAX_PIXELS = 2 ** 30;

/** Decoded bytes allowed per allowed pixel value (float32's size): maxBytes = 4 × maxPixels. */
export const BYTES_PER_PIXEL_VALUE = 4;

/** The environment variable that sets the default cap (a positive number, e.g. 1e6). */
export const MAX_PIXELS_ENV = 'DEEPBLINK_MAX_PIXELS';

/**
 * The limits for one image: `maxPixels` if given, else the environment variable
 * DEEPBLINK_MAX_PIXELS, else DEFAULT_MAX_PIXELS. An invalid value is a UserError
 * ('invalid-option').
 */
export function decodeLimits(maxPixels?: number): DecodeLimits {
  let n = maxPixels;
  let shown = `maxPixels ${String(n)}`;
  if (n === undefined) {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[MAX_PIXELS_ENV];
    if (env !== undefined && env.trim() !== '') {
      n = Number(env.trim());
      shown = `${MAX_PIXELS_ENV}='${env}'`;
    }
  }
  if (n === undefined) n = DEFAULT_MAX_PIXELS;
  if (!Number.isFinite(n) || n < 1) throw new UserError(`${shown}: expected a positive number of pixel values`, undefined, 'invalid-option');
  n = Math.floor(n);
  return { maxPixels: n, maxBytes: n * BYTES_PER_PIXEL_VALUE };
}

/** 1234567 → "1,234,567" (for messages). */
function groupDigits(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 3.2e9 → "3.2 GB". */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${Number((n / 1e9).toPrecision(3))} GB`;
  if (n >= 1e6) return `${Number((n / 1e6).toPrecision(3))} MB`;
  if (n >= 1e3) return `${Number((n / 1e3).toPrecision(3))} kB`;
  return `${n} bytes`;
}

/** How to raise the limit (the tail of the size-limit messages). */
const RAISE_HINT = `raise the limit with --max-pixels N (library: the maxPixels option; or the environment variable ${MAX_PIXELS_ENV})`;

/**
 * Checks an image's size, as its header claims it, against the limits before anything of that
 * size is allocated: `dims` as shown in the message (e.g. [width, height, planes]), `values`
 * the pixel values (samples) it decodes to, `bytes` the bytes of its decoded data (or of the
 * decoder's working memory, when larger).
 */
export function checkDecodedSize(dims: number[], values: number, bytes: number, limits: DecodeLimits): void {
  if (values > limits.maxPixels) {
    throw imageError(
      `image is ${formatDims(dims)} (${groupDigits(values)} pixel values), more than the limit of ${groupDigits(limits.maxPixels)}; ` +
        `if the file is genuine, ${RAISE_HINT}`,
    );
  }
  if (bytes > limits.maxBytes) {
    throw imageError(
      `image is ${formatDims(dims)} and decodes to ${formatBytes(bytes)}, more than the limit of ${formatBytes(limits.maxBytes)} ` +
        `(${BYTES_PER_PIXEL_VALUE} bytes per allowed pixel value); if the file is genuine, ${RAISE_HINT}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// helpers shared by the decoders

/** The dtype name of a pixel array ('uint8', 'float32', ...). */
export function dtypeOf(a: PixelArray): string {
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Uint16Array) return 'uint16';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Uint32Array) return 'uint32';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Float32Array) return 'float32';
  return 'float64';
}

function formatDims(dims: number[]): string {
  return dims.join('×');
}

/** The error for header dimensions larger than `limit` allows (a corrupt header, usually). */
export function claimError(dims: number[], limit: string): UserError {
  return imageError(`image header claims ${formatDims(dims)} pixels, larger than ${limit} (corrupt header?)`);
}

/** Checks a pixel size read from metadata; returns it or undefined (with a warning). */
export function plausiblePixelSize(ps: PixelSize | undefined, source: string, warnings: string[]): PixelSize | undefined {
  if (!ps) return undefined;
  if (!(Number.isFinite(ps.x) && Number.isFinite(ps.y) && ps.x > 0 && ps.y > 0)) return undefined;
  const worst = Math.max(ps.x, ps.y);
  const least = Math.min(ps.x, ps.y);
  if (least < MIN_PLAUSIBLE_UM_PER_PX) {
    warnings.push(
      `ignoring the pixel size in the ${source} (${roundSig(least)} µm per pixel is implausibly small; ` +
        'corrupt or overflowed calibration); use --pixel-size to set one',
    );
    return undefined;
  }
  if (worst > MAX_PLAUSIBLE_UM_PER_PX) {
    const dpi = 25400 / worst;
    warnings.push(
      `ignoring the pixel size in the ${source} (${roundSig(worst)} µm per pixel = ${roundSig(dpi)} dpi, ` +
        'a display/print setting rather than a microscope calibration); use --pixel-size to set one',
    );
    return undefined;
  }
  return ps;
}

function roundSig(v: number): string {
  return Number(v.toPrecision(4)).toString();
}

/** The channel planes of one page (or image). */
export interface Channels {
  /** One array per channel (R, G, B or a single grey channel), each width*height. */
  planes: PixelArray[];
}

/** Splits interleaved samples into per-sample planes. */
export function deinterleave(src: ArrayLike<number>, n: number, samples: number, keep: number[], ctor: new (len: number) => PixelArray): PixelArray[] {
  const out = keep.map(() => new ctor(n));
  for (let k = 0; k < keep.length; k++) {
    const s = keep[k] as number;
    const dst = out[k] as PixelArray;
    for (let i = 0, j = s; i < n; i++, j += samples) dst[i] = src[j] as number;
  }
  return out;
}

/** rgb2gray (skimage weights) of R, G, B planes into a float32 plane. */
function luminance(r: PixelArray, g: PixelArray, b: PixelArray): Float32Array {
  const n = r.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 0.2125 * (r[i] as number) + 0.7154 * (g[i] as number) + 0.0721 * (b[i] as number);
  return out;
}

function channelsIdentical(list: Channels[]): boolean {
  for (const c of list) {
    const [r, g, b] = c.planes as [PixelArray, PixelArray, PixelArray];
    for (let i = 0; i < r.length; i++) if (r[i] !== g[i] || r[i] !== b[i]) return false;
  }
  return true;
}

/** Turns a list of RGB page planes into grey planes, warning as appropriate. */
export function rgbPagesToGrey(pages: Channels[], warnings: string[]): PixelArray[] {
  if (channelsIdentical(pages)) {
    warnings.push('RGB image with identical R, G and B channels: used one channel as the grey image');
    return pages.map((p) => p.planes[0] as PixelArray);
  }
  warnings.push('RGB image converted to grey (0.2125 R + 0.7154 G + 0.0721 B, as skimage rgb2gray)');
  return pages.map((p) => luminance(p.planes[0] as PixelArray, p.planes[1] as PixelArray, p.planes[2] as PixelArray));
}

/**
 * A decoder library's error as one line of at most 120 characters. Errors that are the
 * decoder's own bugs tripping over bad data (TypeError, RangeError, ...) have messages about
 * the decoder's internals, not the file: those become a plain "corrupt or unsupported data".
 */
export function describeDecodeError(err: unknown): string {
  if (err instanceof RangeError && /allocation failed|invalid (typed )?array length|array buffer allocation|out of memory/i.test(err.message)) {
    return 'not enough memory to decode it';
  }
  if (err instanceof RangeError && /outside the bounds|out of bounds|offset is out/i.test(err.message)) {
    return 'corrupt data: the decoded data is shorter than the image (corrupt or truncated file?)';
  }
  if (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError || err instanceof SyntaxError) {
    return `corrupt or unsupported data (the decoder failed with a ${err.name})`;
  }
  const msg = err instanceof Error ? err.message : String(err);
  const one = msg.replace(/\s*\n\s*/g, ' ').trim();
  return one.length > 120 ? `${one.slice(0, 117)}...` : one || 'unknown error';
}

/** Copies the first `n` values of `src` into a new array of type `ctor`. */
export function copyInto(src: ArrayLike<number>, n: number, ctor: new (len: number) => PixelArray): PixelArray {
  const out = new ctor(n);
  for (let i = 0; i < n; i++) out[i] = src[i] as number;
  return out;
}
