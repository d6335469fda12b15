/**
 * PNG via fast-png: grey, grey + alpha, RGB(A) and palette images at any bit depth. Pixel size
 * comes from the pHYs chunk (pixels per metre).
 */
import { decode as decodePngLib, convertIndexedToRgb, type DecodedPng } from 'fast-png';
import { UserError, type ErrorCode } from '../../../core/errors.js';
import {
  MAX_SAMPLES,
  claimError,
  copyInto,
  deinterleave,
  describeDecodeError,
  dtypeOf,
  plausiblePixelSize,
  rgbPagesToGrey,
  type DecodedImage,
  type ImageFormat,
  type PixelArray,
} from '../format.js';

/** A user-facing error of this stage (code 'bad-image' unless given). */
const imageError = (message: string, file?: string, code: ErrorCode = 'bad-image') => new UserError(message, file, code);

/** PNG: '.png'. */
export const pngFormat: ImageFormat = {
  name: 'PNG',
  extensions: ['.png'],
  sniff: isPngSignature,
  decode: decodePng,
};

/** True when the bytes start with the 8-byte PNG signature. */
export function isPngSignature(b: Uint8Array): boolean {
  return b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a;
}

function decodePng(bytes: Uint8Array): DecodedImage {
  const warnings: string[] = [];
  if (bytes.length < 33) throw imageError('not a readable PNG: file too short (truncated?)');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const w = dv.getUint32(16);
  const h = dv.getUint32(20);
  const depth = bytes[24] ?? 8;
  const colorType = bytes[25] ?? 0;
  const channels = colorType === 0 ? 1 : colorType === 2 ? 3 : colorType === 3 ? 1 : colorType === 4 ? 2 : 4;
  if (w === 0 || h === 0) throw imageError('not a readable PNG: zero width or height');
  const rawBytes = (w * h * channels * depth) / 8;
  if (w * h * channels > MAX_SAMPLES) throw claimError([w, h, 1], '2^31 samples');
  if (rawBytes > bytes.length * 1100) throw claimError([w, h, 1], `the ${bytes.length}-byte file can hold`);
  if (!hasPngEnd(bytes)) throw imageError('not a readable PNG: no IEND chunk (truncated file?)');
  let png: DecodedPng;
  try {
    png = decodePngLib(bytes);
  } catch (err) {
    throw imageError(`not a readable PNG: ${describeDecodeError(err)}`);
  }
  const n = png.width * png.height;
  let grey: PixelArray;
  if (png.palette) {
    let rgb: Uint8Array;
    try {
      rgb = convertIndexedToRgb(png);
    } catch (err) {
      throw imageError(`not a readable PNG: ${describeDecodeError(err)}`);
    }
    const per = rgb.length / n;
    grey = rgbPagesToGrey([{ planes: deinterleave(rgb, n, per, [0, 1, 2], Uint8Array) }], warnings)[0] as PixelArray;
  } else {
    let data: PixelArray = png.data instanceof Uint16Array ? png.data : new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
    if (png.depth < 8) data = unpackBits(data as Uint8Array, png.width, png.height, png.depth);
    const ch = png.channels;
    if (data.length < n * ch) throw imageError('not a readable PNG: decoded data too short (truncated?)');
    const ctor = data.constructor as new (len: number) => PixelArray;
    if (ch === 1) grey = data.length === n ? data : copyInto(data, n, ctor);
    else if (ch === 2) {
      grey = deinterleave(data, n, 2, [0], ctor)[0] as PixelArray;
      noteAlpha(data, n, 2, png.depth, warnings);
    } else {
      if (ch === 4) noteAlpha(data, n, 4, png.depth, warnings);
      grey = rgbPagesToGrey([{ planes: deinterleave(data, n, ch, [0, 1, 2], ctor) }], warnings)[0] as PixelArray;
    }
  }
  const out: DecodedImage = { data: grey, shape: [png.height, png.width], dtype: dtypeOf(grey), axes: 'yx', warnings };
  const res = png.resolution;
  if (res && res.unit === 1 && res.x > 0 && res.y > 0) {
    const ps = plausiblePixelSize({ x: 1e6 / res.x, y: 1e6 / res.y }, 'PNG pHYs chunk', warnings);
    if (ps) out.pixelSize = ps;
  }
  return out;
}

/** True when the IEND chunk type appears near the end (trailing bytes after it are allowed). */
function hasPngEnd(b: Uint8Array): boolean {
  const from = Math.max(8, b.length - 4096);
  for (let i = b.length - 4; i >= from; i--) {
    if (b[i] === 0x49 && b[i + 1] === 0x45 && b[i + 2] === 0x4e && b[i + 3] === 0x44) return true;
  }
  return false;
}

function noteAlpha(data: PixelArray, n: number, ch: number, depth: number, warnings: string[]): void {
  const max = 2 ** depth - 1;
  for (let i = ch - 1, k = 0; k < n; k++, i += ch) {
    if (data[i] !== max) {
      warnings.push('dropped a non-opaque alpha channel');
      return;
    }
  }
}

/** Unpacks 1/2/4-bit grey samples (rows padded to whole bytes) to one byte per pixel. */
function unpackBits(src: Uint8Array, w: number, h: number, depth: number): Uint8Array {
  const out = new Uint8Array(w * h);
  const rowBytes = Math.ceil((w * depth) / 8);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const bit = x * depth;
      const byte = src[y * rowBytes + (bit >> 3)] ?? 0;
      out[y * w + x] = (byte >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}
