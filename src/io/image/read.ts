/**
 * Image file reading: TIFF (plain, multi-page, ImageJ hyperstack, OME-TIFF) via geotiff,
 * PNG via fast-png, JPEG via jpeg-js, into one C-ordered array whose last two dimensions are
 * the rows and columns of each plane. The formats live in formats/*.ts and are listed in
 * registry.ts; this module picks one by the file's extension, checks it against the content's
 * signature (the signature wins, with a warning) and hands the bytes to it. format.ts holds the
 * shared types and the conventions every format follows (pixel sizes, RGB to grey).
 *
 * Every problem with the file is reported as a UserError with a one-line message (the file
 * name travels in UserError.file, the message itself does not repeat it); whatever else a
 * decoder throws becomes a 'bad-image' UserError too ("corrupt or unsupported ..."), so no
 * file can end a batch. Images larger than the size limit (option `maxPixels`, environment
 * variable DEEPBLINK_MAX_PIXELS, default 2^30 pixel values; see format.ts) are refused before
 * anything of their size is allocated, and the decompressors are bounded by the size the
 * header implies.
 *
 * OME-Zarr images are folders (`cells.ome.zarr/`), read by zarr.ts: readImage reads the whole
 * array (of `options.level`), openImage (source.ts) opens it for reading box by box.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { UserError, fsCode } from '../../core/errors.js';
import { decodeLimits, describeDecodeError, type DecodedImage, type ImageFormat, type RawImage, type ReadImageOptions, imageError } from './format.js';
import { IMAGE_FORMATS, formatByName, formatForBytes, formatForPath, imageExtensions, isFolderImagePath, FOLDER_IMAGE_EXTENSIONS } from './registry.js';
import { isRemotePath, isZarrFolder, openOmeZarr, remoteError } from './zarr.js';

export type { PixelArray, RawImage, DecodedImage, ImageFormat, DecodeLimits, ReadImageOptions } from './format.js';
export { MAX_PLAUSIBLE_UM_PER_PX, MIN_PLAUSIBLE_UM_PER_PX, MAX_SAMPLES, DEFAULT_MAX_PIXELS, MAX_PIXELS_ENV, decodeLimits } from './format.js';
export { IMAGE_FORMATS, imageExtensions, formatForPath, formatForBytes, formatByName, isImagePath, registerImageFormat } from './registry.js';
export { openImage, type ImageSource } from './source.js';

/**
 * Reads an image file, or the whole of an OME-Zarr folder (its level `options.level`, 0 by
 * default). All problems with it are UserErrors naming `filePath`; images over the size limit
 * (`options.maxPixels`) are refused before they are decoded.
 */
export async function readImage(filePath: string, options: ReadImageOptions = {}): Promise<RawImage> {
  if (isRemotePath(filePath)) throw remoteError(filePath);
  if (isFolderImagePath(filePath) || isZarrFolder(filePath)) {
    const src = await openOmeZarr(filePath, options);
    return src.read(
      src.shape.map(() => 0),
      src.shape,
    );
  }
  return (await readImageFile(filePath, options)).image;
}

/** readImage for the whole-file formats, with the name of the format the content turned out to be. */
export async function readImageFile(filePath: string, options: ReadImageOptions = {}): Promise<{ image: RawImage; format: string }> {
  const limits = decodeLimits(options.maxPixels);
  const ext = path.extname(filePath).toLowerCase();
  const format = formatForPath(filePath);
  if (!format) {
    const shown = ext === '' ? 'no extension' : `'${path.extname(filePath)}'`;
    const files = imageExtensions().filter((e) => !FOLDER_IMAGE_EXTENSIONS.includes(e));
    throw imageError(`unsupported file type ${shown} (expected ${files.join(', ')}, or an OME-Zarr folder ${FOLDER_IMAGE_EXTENSIONS.join(', ')})`, filePath);
  }
  if (options.level !== undefined && options.level !== 0) {
    throw new UserError(`level ${options.level} does not exist: a ${format.name} image has one level, 0`, filePath, 'invalid-option');
  }
  let st;
  try {
    st = await fsp.stat(filePath);
  } catch (err) {
    throw imageError(fsErrorMessage(err), filePath, fsCode(err));
  }
  if (st.isDirectory()) throw imageError('is a directory, not an image file', filePath, 'unreadable');
  if (st.size === 0) throw imageError('empty file (0 bytes)', filePath);
  let buf: Buffer;
  try {
    buf = await fsp.readFile(filePath);
  } catch (err) {
    throw imageError(fsErrorMessage(err), filePath, fsCode(err));
  }
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  try {
    const { image, format: actual } = await decodeAs(bytes, format, { maxPixels: limits.maxPixels });
    return { image: { path: filePath, ...image }, format: actual.name };
  } catch (err) {
    if (err instanceof UserError) throw imageError(err.message, filePath, err.code === 'invalid-input' ? 'bad-image' : err.code);
    throw err;
  }
}

function fsErrorMessage(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not an image file';
    case 'ERR_FS_FILE_TOO_LARGE':
      return 'file too large to read (over 2 GiB)';
    default:
      return `cannot read file: ${(err as Error)?.message ?? String(err)}`;
  }
}

/**
 * Decodes image bytes. `expected` is the format (or format name, e.g. 'tiff') the file name
 * suggests; the content's signature wins when it is recognisable (with a warning when the two
 * disagree). Without `expected` the signature alone decides. Images over the size limit
 * (`options.maxPixels`) are refused before they are decoded; anything a decoder throws becomes
 * a 'bad-image' UserError.
 */
export async function decodeImageBytes(bytes: Uint8Array, expected?: ImageFormat | string, options: ReadImageOptions = {}): Promise<DecodedImage> {
  return (await decodeAs(bytes, expected, options)).image;
}

async function decodeAs(
  bytes: Uint8Array,
  expected?: ImageFormat | string,
  options: ReadImageOptions = {},
): Promise<{ image: DecodedImage; format: ImageFormat }> {
  const limits = decodeLimits(options.maxPixels);
  const want = typeof expected === 'string' ? formatByName(expected) : expected;
  if (typeof expected === 'string' && !want) throw new Error(`unknown image format '${expected}'`);
  if (bytes.length === 0) throw imageError('empty file (0 bytes)');
  const sig = want?.sniff(bytes) ? want : formatForBytes(bytes);
  const warnings: string[] = [];
  if (sig === undefined) {
    if (!want) {
      throw imageError(`not a readable image: unrecognised file signature (not a ${IMAGE_FORMATS.map((f) => f.name).join(', ')} file?)`);
    }
    throw imageError(`not a readable ${want.name}: unrecognised file signature (not a ${want.name} file?)`);
  }
  if (want && sig !== want) {
    warnings.push(`file content is ${sig.name} although the name suggests ${want.name}; read as ${sig.name}`);
  }
  let out: DecodedImage;
  try {
    out = await sig.decode(bytes, limits);
  } catch (err) {
    if (err instanceof UserError) throw err;
    // A decoder's own failure on bad data (or a format added by a library user throwing a
    // plain Error): one line, code 'bad-image'; the original stays as `cause`.
    const e = imageError(`not a readable ${sig.name}: ${describeDecodeError(err)}`);
    (e as Error & { cause?: unknown }).cause = err;
    throw e;
  }
  out.warnings.unshift(...warnings);
  return { image: out, format: sig };
}
