/**
 * PNG via fast-png: grey, grey + alpha, RGB(A) and palette images at any bit depth. Pixel size
 * comes from the pHYs chunk (pixels per metre).
 *
 * Bounded: the IHDR size is checked against the hard limit, the size the file can plausibly
 * expand to and the size limits (format.ts) before anything is decoded; then the image data
 * (IDAT) is inflated once with node:zlib, streaming, counting bytes without keeping them, and
 * a stream that does not expand to exactly what the image needs is refused before fast-png
 * (which inflates without a limit) sees it. iCCP chunks (colour profiles, compressed, unused here)
 * are dropped for the same reason.
 */
import zlib from 'node:zlib';
import { decode as decodePngLib, convertIndexedToRgb, type DecodedPng } from 'fast-png';
import {
  MAX_SAMPLES,
  checkDecodedSize,
  claimError,
  decodeLimits,
  copyInto,
  deinterleave,
  describeDecodeError,
  dtypeOf,
  plausiblePixelSize,
  rgbPagesToGrey,
  type DecodeLimits,
  type DecodedImage,
  type ImageFormat,
  type PixelArray,
  imageError,
} from '../format.js';

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

async function decodePng(bytes: Uint8Array, limits: DecodeLimits = decodeLimits()): Promise<DecodedImage> {
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
  checkDecodedSize([w, h, 1], w * h * channels, w * h * channels * (depth > 8 ? 2 : 1), limits);
  if (!hasPngEnd(bytes)) throw imageError('not a readable PNG: no IEND chunk (truncated file?)');
  const { idat, iccp } = pngChunks(bytes);
  const need = filteredSize(w, h, channels, depth, bytes[28] === 1);
  const got = await inflatedSize(idat, need);
  if (got > need) {
    throw imageError(`not a readable PNG: its image data expands to more than the ${need} bytes a ${w}×${h} image needs (corrupt file or decompression bomb)`);
  }
  if (got < need) {
    throw imageError(`not a readable PNG: its image data ends early (${got} of the ${need} bytes a ${w}×${h} image needs; truncated or corrupt file?)`);
  }
  const input = iccp.length > 0 ? withoutChunks(bytes, iccp) : bytes;
  let png: DecodedPng;
  try {
    png = decodePngLib(input);
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

interface Span {
  start: number;
  end: number;
}

/** The data of the IDAT chunks, and the spans of the iCCP chunks, up to IEND or the first malformed chunk. */
function pngChunks(b: Uint8Array): { idat: Uint8Array[]; iccp: Span[] } {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const idat: Uint8Array[] = [];
  const iccp: Span[] = [];
  let at = 8;
  while (at + 12 <= b.length) {
    const len = dv.getUint32(at);
    const type = String.fromCharCode(b[at + 4] as number, b[at + 5] as number, b[at + 6] as number, b[at + 7] as number);
    const end = at + 12 + len;
    if (end > b.length) break; // fast-png reports it
    if (type === 'IDAT') idat.push(b.subarray(at + 8, at + 8 + len));
    else if (type === 'iCCP') iccp.push({ start: at, end });
    else if (type === 'IEND') break;
    at = end;
  }
  return { idat, iccp };
}

/** The bytes without the given chunks. */
function withoutChunks(b: Uint8Array, spans: Span[]): Uint8Array {
  const out = new Uint8Array(b.length - spans.reduce((s, c) => s + c.end - c.start, 0));
  let from = 0;
  let to = 0;
  for (const c of spans) {
    out.set(b.subarray(from, c.start), to);
    to += c.start - from;
    from = c.end;
  }
  out.set(b.subarray(from), to);
  return out;
}

/** Bytes of the filtered scanlines (a filter byte per row, of each Adam7 pass when interlaced). */
function filteredSize(w: number, h: number, channels: number, depth: number, interlaced: boolean): number {
  const row = (width: number) => (width === 0 ? 0 : 1 + Math.ceil((width * channels * depth) / 8));
  if (!interlaced) return row(w) * h;
  let total = 0;
  for (const [x0, y0, dx, dy] of [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ] as const) {
    const pw = Math.ceil((w - x0) / dx);
    const ph = Math.ceil((h - y0) / dy);
    if (pw > 0 && ph > 0) total += row(pw) * ph;
  }
  return total;
}

/**
 * How many bytes the zlib stream split over `parts` inflates to, counted without keeping them;
 * stops once past `limit` (and returns a number above it). A truncated stream, or one whose
 * only fault is its checksum, returns what it gave (the caller compares that with what the
 * image needs); other corrupt data is an error here, so that fast-png never inflates anything
 * node:zlib has not counted.
 */
function inflatedSize(parts: Uint8Array[], limit: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const inf = zlib.createInflate({ chunkSize: 1 << 20 });
    let n = 0;
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      if (err && !/unexpected end of file|incorrect data check/i.test(err.message)) {
        reject(imageError(`not a readable PNG: corrupt image data (${describeDecodeError(err)})`));
      } else resolve(n);
    };
    inf.on('data', (chunk: Buffer) => {
      n += chunk.length;
      if (n > limit) {
        finish();
        inf.destroy();
      }
    });
    inf.on('end', () => finish());
    inf.on('error', (err) => finish(err));
    inf.on('close', () => finish());
    for (const p of parts) inf.write(p);
    inf.end();
  });
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
