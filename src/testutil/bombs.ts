/**
 * Hostile image files ("decompression bombs") for the bounded-decoding tests and for
 * scripts/bombs.mjs, which writes them at full size and measures the reader's peak memory.
 * Each builder takes its size as parameters, so a test can make a small one (kilobytes) and the
 * script a large one (megabytes that claim or expand to gigabytes).
 *
 *   lzwRunawayTiff    a 64×64 LZW TIFF whose code stream references table entries before they
 *                     exist, building a cycle in the code table (geotiff 3's decoder then loops
 *                     forever, growing an array until V8 dies)
 *   sharedStripTiff   N strips that all point at one deflate block of zeros
 *   deflateZerosTiff  N distinct deflate strips of zeros claiming a large image
 *   deflateStripBomb  a small image whose one deflate strip expands far beyond its size
 *   packbitsStripBomb the same with PackBits runs
 *   pngHugeHeader     a PNG whose IHDR claims a huge image, with a small zlib stream of zeros
 *   pngZlibBomb       a small PNG whose IDAT stream expands far beyond the image
 *   jpegHugeHeader    a tiny JPEG whose frame header claims a huge image
 */
import zlib from 'node:zlib';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';

// ---------------------------------------------------------------------------------------------
// a minimal little-endian TIFF writer whose strips may share data blocks

export interface BombTiffSpec {
  width: number;
  height: number;
  /** Bits per sample. Default 8. */
  bits?: number;
  /** Samples per pixel (chunky). Default 1. */
  spp?: number;
  /** PhotometricInterpretation. Default 1 (BlackIsZero). */
  photometric?: number;
  /** SampleFormat (1 unsigned, 2 signed, 3 float); written when given. */
  sampleFormat?: number;
  compression: number;
  rowsPerStrip: number;
  /** The data blocks stored in the file. */
  blocks: Uint8Array[];
  /** For each strip, the index of its block in `blocks` (strips may share a block). */
  strips: number[];
}

/** A one-page TIFF with the given strips (tags: size, bits, compression, strips). */
export function bombTiff(spec: BombTiffSpec): Uint8Array {
  const parts: Uint8Array[] = [];
  let cursor = 8;
  const put = (b: Uint8Array): number => {
    const at = cursor;
    parts.push(b);
    cursor += b.length;
    if (b.length & 1) {
      parts.push(new Uint8Array(1));
      cursor += 1;
    }
    return at;
  };
  const blockAt = spec.blocks.map(put);
  const u32s = (v: number[]) => {
    const b = new Uint8Array(4 * v.length);
    const dv = new DataView(b.buffer);
    v.forEach((x, i) => dv.setUint32(4 * i, x, true));
    return b;
  };
  const offsets = spec.strips.map((i) => blockAt[i] as number);
  const counts = spec.strips.map((i) => (spec.blocks[i] as Uint8Array).length);
  const many = spec.strips.length > 1;
  const offAt = many ? put(u32s(offsets)) : (offsets[0] as number);
  const cntAt = many ? put(u32s(counts)) : (counts[0] as number);
  const spp = spec.spp ?? 1;
  const bitsArray = new Uint8Array(2 * spp);
  for (let i = 0; i < spp; i++) new DataView(bitsArray.buffer).setUint16(2 * i, spec.bits ?? 8, true);
  const bitsAt = spp > 2 ? put(bitsArray) : spp === 2 ? new DataView(bitsArray.buffer).getUint32(0, true) : (spec.bits ?? 8);
  // tag, type (3 SHORT, 4 LONG), count, value (inline) or offset
  const entries: [number, number, number, number][] = [
    [256, 4, 1, spec.width],
    [257, 4, 1, spec.height],
    [258, 3, spp, bitsAt],
    [259, 3, 1, spec.compression],
    [262, 3, 1, spec.photometric ?? 1],
    [273, 4, spec.strips.length, offAt],
    [277, 3, 1, spp],
    [278, 4, 1, spec.rowsPerStrip],
    [279, 4, spec.strips.length, cntAt],
  ];
  if (spec.sampleFormat !== undefined) entries.push([339, 3, 1, spec.sampleFormat]);
  const ifd = new Uint8Array(2 + 12 * entries.length + 4);
  const dv = new DataView(ifd.buffer);
  dv.setUint16(0, entries.length, true);
  entries.forEach(([tag, type, count, value], k) => {
    const p = 2 + 12 * k;
    dv.setUint16(p, tag, true);
    dv.setUint16(p + 2, type, true);
    dv.setUint32(p + 4, count, true);
    if (type === 3 && count === 1) dv.setUint16(p + 8, value, true);
    else dv.setUint32(p + 8, value, true);
  });
  const ifdAt = put(ifd);
  const out = new Uint8Array(cursor);
  out.set([0x49, 0x49, 42, 0]);
  new DataView(out.buffer).setUint32(4, ifdAt, true);
  let at = 8;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// compressed streams

/**
 * A zlib stream that inflates to `total` zero bytes without holding them: one chunk of
 * `chunk` zeros is deflated (ending on a byte boundary with a sync flush) and repeated, then a
 * final empty block and the Adler-32 of the whole are appended.
 */
export function zlibZeros(total: number, chunk = 1 << 20): Uint8Array {
  const n = Math.ceil(total / chunk);
  const last = total - (n - 1) * chunk;
  const body = zlib.deflateRawSync(new Uint8Array(chunk), { level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const tail = zlib.deflateRawSync(new Uint8Array(last), { level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const end = zlib.deflateRawSync(new Uint8Array(0)); // a final empty block
  const out = new Uint8Array(2 + body.length * (n - 1) + tail.length + end.length + 4);
  out.set([0x78, 0xda]);
  let at = 2;
  for (let i = 0; i < n - 1; i++, at += body.length) out.set(body, at);
  out.set(tail, at);
  at += tail.length;
  out.set(end, at);
  at += end.length;
  // Adler-32 of `total` zeros: a = 1, b = total (mod 65521)
  new DataView(out.buffer).setUint32(at, ((total % 65521) << 16) | 1, false);
  return out;
}

/** A TIFF LZW code stream (MSB first, early change) of the given codes, with the code widths the decoder expects. */
export function lzwCodes(codes: number[]): Uint8Array {
  const bytes: number[] = [];
  let acc = 0;
  let nacc = 0;
  let width = 9;
  let free = 258;
  let prev = -1;
  for (const code of codes) {
    acc = (acc << width) | code;
    nacc += width;
    while (nacc >= 8) {
      bytes.push((acc >>> (nacc - 8)) & 0xff);
      nacc -= 8;
      acc &= (1 << nacc) - 1;
    }
    if (code === 256) {
      width = 9;
      free = 258;
      prev = -1;
      continue;
    }
    if (prev >= 0 && free < 4096) free++;
    prev = code;
    if (free + 1 >= 1 << width && width < 12) width++;
  }
  if (nacc > 0) bytes.push((acc << (8 - nacc)) & 0xff);
  return Uint8Array.from(bytes);
}

/**
 * A TIFF LZW encoder (libtiff-compatible: MSB first, early change, a Clear code when the table
 * fills). For round-trip tests of the decoder.
 */
export function lzwEncode(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let acc = 0;
  let nacc = 0;
  let width = 9;
  const emit = (code: number) => {
    acc = (acc << width) | code;
    nacc += width;
    while (nacc >= 8) {
      out.push((acc >>> (nacc - 8)) & 0xff);
      nacc -= 8;
      acc &= (1 << nacc) - 1;
    }
  };
  let table = new Map<number, number>(); // (prefix code << 8 | byte) → code
  let free = 258;
  emit(256);
  let w = -1;
  for (const c of data) {
    if (w < 0) {
      w = c;
      continue;
    }
    const key = (w << 8) | c;
    const hit = table.get(key);
    if (hit !== undefined) {
      w = hit;
      continue;
    }
    emit(w);
    table.set(key, free++);
    if (free >= 1 << width && width < 12) width++;
    if (free >= 4093) {
      emit(256);
      table = new Map();
      free = 258;
      width = 9;
    }
    w = c;
  }
  if (w >= 0) {
    emit(w);
    free++;
    if (free >= 1 << width && width < 12) width++;
  }
  emit(257);
  if (nacc > 0) out.push((acc << (8 - nacc)) & 0xff);
  return Uint8Array.from(out);
}

/** A PackBits encoding (runs of equal bytes as replicate runs, the rest as literal runs). */
export function packbitsEncode(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < data.length) {
    let run = 1;
    while (i + run < data.length && run < 128 && data[i + run] === data[i]) run++;
    if (run >= 2) {
      out.push(257 - run, data[i] as number);
      i += run;
      continue;
    }
    let lit = 1;
    while (i + lit < data.length && lit < 128 && !(i + lit + 1 < data.length && data[i + lit] === data[i + lit + 1])) lit++;
    out.push(lit - 1, ...data.subarray(i, i + lit));
    i += lit;
  }
  return Uint8Array.from(out);
}

// ---------------------------------------------------------------------------------------------
// the bombs

/**
 * A 64×64 uint8 LZW TIFF whose code stream is corrupt: code 300 is used before the table has
 * it, then the table is filled so that entries 259 and 300 point at each other, then 300 is
 * used. A decoder that does not check codes against the table walks the cycle forever.
 */
export function lzwRunawayTiff(): Uint8Array {
  const codes = [256, 65, 300, 66];
  // entries 260..298 (one per literal), then 259 (adds entry 299), then a literal (entry 300 → 259)
  for (let i = 0; i < 39; i++) codes.push(67);
  codes.push(259, 65, 300, 300, 257);
  const stream = lzwCodes(codes);
  return bombTiff({ width: 64, height: 64, compression: 5, rowsPerStrip: 64, blocks: [stream], strips: [0] });
}

/** `strips` strips of `width`×`rowsPerStrip` uint8 zeros that all point at one deflate block. */
export function sharedStripTiff(width: number, rowsPerStrip: number, strips: number): Uint8Array {
  const block = zlibZeros(width * rowsPerStrip);
  return bombTiff({ width, height: rowsPerStrip * strips, compression: 8, rowsPerStrip, blocks: [block], strips: new Array<number>(strips).fill(0) });
}

/** A `width`×`rowsPerStrip·strips` uint8 deflate TIFF of zeros, each strip its own (identical) block. */
export function deflateZerosTiff(width: number, rowsPerStrip: number, strips: number): Uint8Array {
  const block = zlibZeros(width * rowsPerStrip);
  return bombTiff({
    width,
    height: rowsPerStrip * strips,
    compression: 8,
    rowsPerStrip,
    blocks: new Array<Uint8Array>(strips).fill(block),
    strips: Array.from({ length: strips }, (_, i) => i),
  });
}

/** A `side`×`side` uint8 deflate TIFF whose single strip inflates to `inflated` bytes. */
export function deflateStripBomb(side: number, inflated: number): Uint8Array {
  return bombTiff({ width: side, height: side, compression: 8, rowsPerStrip: side, blocks: [zlibZeros(inflated)], strips: [0] });
}

/** A `side`×`side` uint8 PackBits TIFF whose single strip expands to about `expanded` bytes. */
export function packbitsStripBomb(side: number, expanded: number): Uint8Array {
  const pairs = Math.ceil(expanded / 128);
  const data = new Uint8Array(2 * pairs);
  for (let i = 0; i < pairs; i++) data[2 * i] = 0x81; // -127: repeat the next byte 128 times
  return bombTiff({ width: side, height: side, compression: 32773, rowsPerStrip: side, blocks: [data], strips: [0] });
}

/** PNG chunk: length, type, data, CRC. */
function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function crc32(b: Uint8Array): number {
  let c = ~0;
  for (const v of b) {
    c ^= v;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A grey 8-bit PNG with the given header size and an IDAT that inflates to `inflated` zeros. */
export function pngWithStream(width: number, height: number, inflated: number): Uint8Array {
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 8; // depth
  ihdr[9] = 0; // grey
  const sig = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return concat([sig, pngChunk('IHDR', ihdr), pngChunk('IDAT', zlibZeros(inflated)), pngChunk('IEND', new Uint8Array(0))]);
}

/** A PNG whose IHDR claims `width`×`height` grey pixels, with a zlib stream of `inflated` zeros (fewer than needed). */
export function pngHugeHeader(width: number, height: number, inflated: number): Uint8Array {
  return pngWithStream(width, height, inflated);
}

/** A `side`×`side` grey PNG whose IDAT inflates to `inflated` bytes (far more than the image). */
export function pngZlibBomb(side: number, inflated: number): Uint8Array {
  return pngWithStream(side, side, inflated);
}

/** An 8×8 JPEG (grey or colour) whose frame header is patched to claim `width`×`height`. */
export function jpegHugeHeader(width: number, height: number, colour = false): Uint8Array {
  const rgba = new Uint8Array(8 * 8 * 4).fill(255);
  if (colour) for (let i = 0; i < rgba.length; i += 4) rgba[i] = 0;
  const b = Uint8Array.from(jpeg.encode({ width: 8, height: 8, data: rgba }, 90).data);
  for (let i = 2; i + 9 < b.length; i++) {
    if (b[i] === 0xff && (b[i + 1] === 0xc0 || b[i + 1] === 0xc2)) {
      b[i + 5] = height >> 8;
      b[i + 6] = height & 0xff;
      b[i + 7] = width >> 8;
      b[i + 8] = width & 0xff;
      return b;
    }
  }
  throw new Error('no SOF in the encoded JPEG');
}

/** A small valid PNG (for folder tests). */
export function smallPng(side: number, fill: (i: number) => number): Uint8Array {
  const data = new Uint8Array(side * side);
  for (let i = 0; i < data.length; i++) data[i] = fill(i);
  return encodePng({ width: side, height: side, data, channels: 1, depth: 8 });
}
