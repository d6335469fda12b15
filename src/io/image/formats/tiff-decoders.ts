/**
 * Bounded decoders for TIFF strips and tiles, registered with geotiff (its `addDecoder`) in
 * place of its own: no strip or tile, however crafted, can make them allocate more than the
 * strip or tile itself needs (its width × rows × bytes per pixel, from the page's tags), or loop.
 *
 *   LZW (5)               our own decoder: a fixed 4096-entry code table whose entries only
 *                         point at earlier ones (geotiff 3's grows without bound on a corrupt
 *                         stream: a 176-byte file killed Node), output into a buffer of the
 *                         block's size; a code not yet in the table, or output past the
 *                         block's size, is an error
 *   Deflate (8, 32946)    node:zlib inflateSync with maxOutputLength = the block's size (geotiff
 *                         uses pako without a limit)
 *   PackBits (32773)      our own decoder into a buffer of the block's size (geotiff's collects
 *                         into a JS array without a limit; -128 is a no-op as TIFF 6.0 says)
 *   JPEG (7)              geotiff's decoder, behind a check that the frame headers in the
 *                         block (and JPEGTables) claim no more pixels than the block holds
 *                         (geotiff allocates what the frame header says)
 *
 * The geotiff registry is global: once this module is loaded, every geotiff user in the process
 * gets these decoders (same results on valid data). Other codecs (zstd, LERC, WebP) are left to
 * geotiff.
 */
import zlib from 'node:zlib';
import { BaseDecoder, addDecoder, getDecoder } from 'geotiff';
import { frameValues, jpegFrames } from './jpeg.js';
import { blockBytes } from './tiff-scan.js';

type DecoderParameters = ConstructorParameters<typeof BaseDecoder>[0];
type ParameterFn = NonNullable<Parameters<typeof addDecoder>[2]>;
type FileDirectory = Parameters<ParameterFn>[0];
type DecoderClass = new (p: DecoderParameters) => BaseDecoder;

/** geotiff's decoder parameters plus the decoded size of one block. */
export interface BlockParameters extends DecoderParameters {
  /** Bytes one strip or tile decodes to at most (full rows; the last strip may be shorter). */
  maxBlockBytes: number;
  JPEGTables?: Uint8Array;
}

/** geotiff's default decoder parameters (same values), plus maxBlockBytes. */
async function blockParameters(fd: FileDirectory): Promise<BlockParameters> {
  const tiled = !fd.hasTag('StripOffsets');
  const width = Number(await fd.loadValue('ImageWidth'));
  const height = Number(await fd.loadValue('ImageLength'));
  const tileWidth = tiled ? Number(await fd.loadValue('TileWidth')) : width;
  const tileHeight = tiled ? Number(await fd.loadValue('TileLength')) : Number(await fd.loadValue('RowsPerStrip')) || height;
  const planarConfiguration = (await fd.loadValue('PlanarConfiguration')) as number;
  const bitsPerSample = (await fd.loadValue('BitsPerSample')) as DecoderParameters['bitsPerSample'];
  const predictor = Number(await fd.loadValue('Predictor')) || 1;
  const bits = typeof bitsPerSample === 'number' ? [bitsPerSample] : Array.from(bitsPerSample ?? [1], Number);
  const rows = tiled ? tileHeight : Math.min(tileHeight, height);
  return { tileWidth, tileHeight, planarConfiguration, bitsPerSample, predictor, maxBlockBytes: blockBytes(tileWidth, rows, bits, planarConfiguration) };
}

function limitOf(p: DecoderParameters): number {
  const n = (p as Partial<BlockParameters>).maxBlockBytes;
  if (n === undefined || !Number.isSafeInteger(n) || n < 0) throw new Error('invalid strip or tile size');
  return n;
}

/** A Uint8Array's bytes as an ArrayBuffer of exactly its length (what geotiff expects). */
function exactBuffer(a: Uint8Array): ArrayBuffer {
  if (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer) return a.buffer;
  return a.slice().buffer;
}

// ---------------------------------------------------------------------------------------------
// LZW

const CLEAR = 256;
const EOI = 257;

function tooLong(kind: string, limit: number): Error {
  return new Error(`${kind} data expands to more than the ${limit} bytes of its strip or tile (corrupt file or decompression bomb)`);
}

/**
 * Decodes a TIFF LZW stream (MSB-first codes of 9 to 12 bits, "early change", Clear 256,
 * EOI 257) into at most `limit` bytes. A stream that ends without EOI ends the data (as in
 * libtiff and geotiff). Throws on codes not (yet) in the table and on output past `limit`.
 */
export function lzwDecode(src: Uint8Array, limit: number): Uint8Array {
  const prefix = new Uint16Array(4096);
  const suffix = new Uint8Array(4096);
  const length = new Uint16Array(4096);
  const first = new Uint8Array(4096);
  for (let i = 0; i < 256; i++) {
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
  }
  const out = new Uint8Array(limit);
  const nBits = src.length * 8;
  let pos = 0;
  let bit = 0;
  let width = 9;
  let free = 258;
  let old = -1;
  while (bit + width <= nBits) {
    const at = bit >>> 3;
    const window = ((src[at] as number) << 16) | ((src[at + 1] ?? 0) << 8) | (src[at + 2] ?? 0);
    const code = (window >>> (24 - (bit & 7) - width)) & ((1 << width) - 1);
    bit += width;
    if (code === EOI) break;
    if (code === CLEAR) {
      free = 258;
      width = 9;
      old = -1;
      continue;
    }
    if (old < 0) {
      if (code > 255) throw new Error(`corrupt LZW data: code ${code} at the start of a table`);
      if (pos >= limit) throw tooLong('LZW', limit);
      out[pos++] = code;
      old = code;
      continue;
    }
    let len: number;
    let head: number; // the first byte of this code's string
    if (code < free) {
      len = length[code] as number;
      head = first[code] as number;
      if (pos + len > limit) throw tooLong('LZW', limit);
      for (let k = pos + len - 1, c = code; k >= pos; k--) {
        out[k] = suffix[c] as number;
        c = prefix[c] as number;
      }
    } else if (code === free && free < 4096) {
      // the entry being defined: old's string + its own first byte
      len = (length[old] as number) + 1;
      head = first[old] as number;
      if (pos + len > limit) throw tooLong('LZW', limit);
      out[pos + len - 1] = head;
      for (let k = pos + len - 2, c = old; k >= pos; k--) {
        out[k] = suffix[c] as number;
        c = prefix[c] as number;
      }
    } else {
      throw new Error(`corrupt LZW data: code ${code} is not in the table (${free} entries)`);
    }
    pos += len;
    if (free < 4096) {
      prefix[free] = old;
      suffix[free] = head;
      length[free] = (length[old] as number) + 1;
      first[free] = first[old] as number;
      free++;
    }
    if (free + 1 >= 1 << width && width < 12) width++;
    old = code;
  }
  return pos === limit ? out : out.slice(0, pos);
}

// ---------------------------------------------------------------------------------------------
// Deflate, PackBits

/** Inflates a zlib stream into at most `limit` bytes (a truncated stream gives what it holds). */
export function inflateBounded(src: Uint8Array, limit: number): Uint8Array {
  try {
    return zlib.inflateSync(src, { maxOutputLength: Math.max(1, limit), finishFlush: zlib.constants.Z_SYNC_FLUSH });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLong('deflate', limit);
    throw new Error(`corrupt deflate data (${(err as Error).message})`);
  }
}

/** Decodes PackBits into at most `limit` bytes (-128 is a no-op; runs cut by the end of the data end it). */
export function unpackBits(src: Uint8Array, limit: number): Uint8Array {
  const out = new Uint8Array(limit);
  let o = 0;
  let i = 0;
  while (i < src.length) {
    const n = ((src[i++] as number) << 24) >> 24;
    if (n >= 0) {
      const len = Math.min(n + 1, src.length - i);
      if (o + len > limit) throw tooLong('PackBits', limit);
      out.set(src.subarray(i, i + len), o);
      o += len;
      i += n + 1;
    } else if (n !== -128) {
      if (i >= src.length) break;
      const len = 1 - n;
      if (o + len > limit) throw tooLong('PackBits', limit);
      out.fill(src[i++] as number, o, o + len);
      o += len;
    }
  }
  return o === limit ? out : out.slice(0, o);
}

class BoundedLzwDecoder extends BaseDecoder {
  override decodeBlock(buffer: ArrayBufferLike): ArrayBuffer {
    return exactBuffer(lzwDecode(new Uint8Array(buffer), limitOf(this.parameters)));
  }
}

class BoundedDeflateDecoder extends BaseDecoder {
  override decodeBlock(buffer: ArrayBufferLike): ArrayBuffer {
    return exactBuffer(inflateBounded(new Uint8Array(buffer), limitOf(this.parameters)));
  }
}

class BoundedPackbitsDecoder extends BaseDecoder {
  override decodeBlock(buffer: ArrayBufferLike): ArrayBuffer {
    return exactBuffer(unpackBits(new Uint8Array(buffer), limitOf(this.parameters)));
  }
}

// ---------------------------------------------------------------------------------------------
// JPEG: a size check in front of geotiff's decoder

/** Pixel values (width × height × components) all frame headers (SOFn) in a JPEG stream claim. */
export function jpegFrameValues(b: Uint8Array): number {
  return jpegFrames(b).reduce((s, f) => s + frameValues(f), 0);
}

function checkJpegBlock(bytes: Uint8Array | undefined, limit: number, what: string): void {
  if (!bytes) return;
  const v = jpegFrameValues(bytes);
  if (v > limit) throw new Error(`JPEG ${what} claims ${v} pixel values, more than the ${limit} bytes of its strip or tile (corrupt file?)`);
}

function guardedJpeg(Original: DecoderClass): DecoderClass {
  return class GuardedJpegDecoder extends BaseDecoder {
    private readonly inner: BaseDecoder;
    constructor(p: DecoderParameters) {
      super(p);
      checkJpegBlock((p as BlockParameters).JPEGTables, limitOf(p), 'tables (JPEGTables)');
      this.inner = new Original(p);
    }
    override decodeBlock(buffer: ArrayBufferLike): Promise<ArrayBufferLike> | ArrayBufferLike {
      checkJpegBlock(new Uint8Array(buffer), limitOf(this.parameters), 'data');
      return this.inner.decodeBlock(buffer);
    }
  };
}

// ---------------------------------------------------------------------------------------------

let registered = false;

/** Registers the bounded decoders with geotiff (once; later calls do nothing). */
export function registerBoundedDecoders(): void {
  if (registered) return;
  registered = true;
  // geotiff's own JPEG decoder class, fetched before it is replaced (getDecoder looks the
  // compression up synchronously, then imports and instantiates).
  const originalJpeg = getDecoder(7, { tileWidth: 8, tileHeight: 8, predictor: 1, bitsPerSample: [8], planarConfiguration: 1 }).then(
    (d) => d.constructor as DecoderClass,
  );
  originalJpeg.catch(() => undefined); // reported when a JPEG-compressed TIFF is read
  const params = blockParameters as unknown as ParameterFn;
  addDecoder(5, () => Promise.resolve(BoundedLzwDecoder), params, false);
  addDecoder([8, 32946], () => Promise.resolve(BoundedDeflateDecoder), params, false);
  addDecoder(32773, () => Promise.resolve(BoundedPackbitsDecoder), params, false);
  let jpegClass: Promise<DecoderClass> | undefined;
  addDecoder(
    7,
    () => (jpegClass ??= originalJpeg.then(guardedJpeg)),
    (async (fd: FileDirectory) => ({
      ...(await blockParameters(fd)),
      JPEGTables: (await fd.loadValue('JPEGTables')) as Uint8Array | undefined,
    })) as unknown as ParameterFn,
    false,
  );
}
