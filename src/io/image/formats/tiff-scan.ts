/**
 * A structural scanner for TIFF / BigTIFF containers: walks the IFD chain and reads the
 * handful of tags the reader needs (sizes, sample layout, strip/tile byte ranges,
 * resolution, ImageDescription). It decodes no pixel data (geotiff does that); it exists so
 * that corrupt files fail with a clear message before geotiff sees them:
 *   - IFD chains that loop (geotiff would walk them forever),
 *   - tags and strips that point past the end of the file (truncated files),
 *   - absurd header dimensions (checked by the caller against the byte ranges found here).
 */

export class TiffStructureError extends Error {
  /** True when the problem is data missing at the end of the file. */
  readonly truncated: boolean;
  constructor(message: string, truncated = false) {
    super(message);
    this.name = 'TiffStructureError';
    this.truncated = truncated;
  }
}

export interface TiffPageInfo {
  /** Position in the main IFD chain (0-based), i.e. the index geotiff's getImage() takes. */
  index: number;
  ifdOffset: number;
  width: number;
  height: number;
  bitsPerSample: number[];
  samplesPerPixel: number;
  /** 1 unsigned int, 2 signed int, 3 IEEE float (per sample; default 1). */
  sampleFormat: number[];
  compression: number;
  photometric: number | undefined;
  planarConfig: number;
  newSubfileType: number;
  extraSamples: number[];
  tiled: boolean;
  tileWidth: number;
  tileHeight: number;
  rowsPerStrip: number;
  /** StripOffsets or TileOffsets. */
  offsets: number[];
  /** StripByteCounts or TileByteCounts (undefined when the tag is missing). */
  byteCounts: number[] | undefined;
  xResolution?: number;
  yResolution?: number;
  resolutionUnit?: number;
  description?: string;
}

export interface TiffScan {
  littleEndian: boolean;
  bigTiff: boolean;
  fileSize: number;
  pages: TiffPageInfo[];
}

const TYPE_SIZE: Record<number, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  10: 8,
  11: 4,
  12: 8,
  13: 4,
  16: 8,
  17: 8,
  18: 8,
};

/** Tags read by the scanner (others are skipped without touching their values). */
const WANTED = new Set([254, 256, 257, 258, 259, 262, 270, 273, 277, 278, 279, 282, 283, 284, 296, 322, 323, 324, 325, 338, 339]);

export function isTiffSignature(b: Uint8Array): boolean {
  if (b.length < 4) return false;
  return (
    (b[0] === 0x49 && b[1] === 0x49 && b[2] === 42 && b[3] === 0) ||
    (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 42) ||
    (b[0] === 0x49 && b[1] === 0x49 && b[2] === 43 && b[3] === 0) ||
    (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 43)
  );
}

/**
 * Scans the IFD chain of a TIFF held in memory. Throws TiffStructureError with a short reason
 * on anything malformed. `maxPages` bounds the walk (a safety net against absurd chains).
 */
export function scanTiff(bytes: Uint8Array, maxPages = 1_000_000): TiffScan {
  const size = bytes.length;
  if (size < 8) throw new TiffStructureError('file too short for a TIFF header');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let le: boolean;
  if (bytes[0] === 0x49 && bytes[1] === 0x49) le = true;
  else if (bytes[0] === 0x4d && bytes[1] === 0x4d) le = false;
  else throw new TiffStructureError('bad byte-order mark (not a TIFF file)');
  const magic = dv.getUint16(2, le);
  let big: boolean;
  if (magic === 42) big = false;
  else if (magic === 43) big = true;
  else throw new TiffStructureError(`bad TIFF magic number ${magic}`);

  const u16 = (o: number) => dv.getUint16(o, le);
  const u32 = (o: number) => dv.getUint32(o, le);
  const u64 = (o: number) => {
    const lo = dv.getUint32(o + (le ? 0 : 4), le);
    const hi = dv.getUint32(o + (le ? 4 : 0), le);
    return hi * 2 ** 32 + lo;
  };
  const need = (o: number, n: number, what: string) => {
    if (o < 0 || o + n > size) throw new TiffStructureError(`${what} lies past the end of the file`, true);
  };

  let first: number;
  if (big) {
    need(4, 12, 'BigTIFF header');
    if (u16(4) !== 8) throw new TiffStructureError('unsupported BigTIFF offset size');
    first = u64(8);
  } else {
    first = u32(4);
  }

  const readValues = (type: number, count: number, at: number): number[] => {
    const out: number[] = new Array(count);
    for (let i = 0; i < count; i++) {
      switch (type) {
        case 1:
        case 2:
        case 7:
          out[i] = dv.getUint8(at + i);
          break;
        case 6:
          out[i] = dv.getInt8(at + i);
          break;
        case 3:
          out[i] = u16(at + 2 * i);
          break;
        case 8:
          out[i] = dv.getInt16(at + 2 * i, le);
          break;
        case 4:
        case 13:
          out[i] = u32(at + 4 * i);
          break;
        case 9:
          out[i] = dv.getInt32(at + 4 * i, le);
          break;
        case 5: {
          const n = u32(at + 8 * i),
            d = u32(at + 8 * i + 4);
          out[i] = d === 0 ? NaN : n / d;
          break;
        }
        case 10: {
          const n = dv.getInt32(at + 8 * i, le),
            d = dv.getInt32(at + 8 * i + 4, le);
          out[i] = d === 0 ? NaN : n / d;
          break;
        }
        case 11:
          out[i] = dv.getFloat32(at + 4 * i, le);
          break;
        case 12:
          out[i] = dv.getFloat64(at + 8 * i, le);
          break;
        case 16:
        case 18:
          out[i] = u64(at + 8 * i);
          break;
        case 17:
          out[i] = u64(at + 8 * i);
          break;
        default:
          out[i] = NaN;
      }
    }
    return out;
  };

  const pages: TiffPageInfo[] = [];
  const visited = new Set<number>();
  let offset = first;
  while (offset !== 0) {
    if (visited.has(offset)) throw new TiffStructureError(`IFD chain loops back to byte ${offset} (corrupt file)`);
    if (pages.length >= maxPages) throw new TiffStructureError(`more than ${maxPages} pages (corrupt IFD chain?)`);
    visited.add(offset);
    const pageNo = pages.length + 1;
    need(offset, big ? 8 : 2, `directory (IFD) of page ${pageNo}`);
    const nEntries = big ? u64(offset) : u16(offset);
    const entrySize = big ? 20 : 12;
    const head = big ? 8 : 2;
    need(offset, head + nEntries * entrySize + (big ? 8 : 4), `directory (IFD) of page ${pageNo}`);
    const tags = new Map<number, { values?: number[]; bytes?: Uint8Array }>();
    for (let e = 0; e < nEntries; e++) {
      const p = offset + head + e * entrySize;
      const tag = u16(p);
      if (!WANTED.has(tag)) continue;
      const type = u16(p + 2);
      const count = big ? u64(p + 4) : u32(p + 4);
      const tsize = TYPE_SIZE[type];
      if (tsize === undefined) continue; // unknown type: ignore the tag (TIFF 6.0 says readers should)
      const nbytes = tsize * count;
      const inline = big ? 8 : 4;
      let at: number;
      if (nbytes <= inline) at = p + (big ? 12 : 8);
      else {
        at = big ? u64(p + 12) : u32(p + 8);
        need(at, nbytes, `tag ${tag} of page ${pageNo}`);
      }
      if (tag === 270) tags.set(tag, { bytes: bytes.subarray(at, at + nbytes) });
      else tags.set(tag, { values: readValues(type, count, at) });
    }
    const nextAt = offset + head + nEntries * entrySize;
    const next = big ? u64(nextAt) : u32(nextAt);

    const num = (tag: number, dflt: number): number => {
      const v = tags.get(tag)?.values;
      return v && v.length > 0 && Number.isFinite(v[0]) ? (v[0] as number) : dflt;
    };
    const arr = (tag: number): number[] | undefined => tags.get(tag)?.values;
    const spp = num(277, 1);
    const width = num(256, 0);
    const height = num(257, 0);
    const bpsRaw = arr(258) ?? [1];
    const bitsPerSample = Array.from({ length: spp }, (_, i) => bpsRaw[Math.min(i, bpsRaw.length - 1)] as number);
    const sfRaw = arr(339) ?? [1];
    const sampleFormat = Array.from({ length: spp }, (_, i) => sfRaw[Math.min(i, sfRaw.length - 1)] as number);
    const tiled = tags.has(324) || (tags.has(322) && !tags.has(273));
    const descBytes = tags.get(270)?.bytes;
    const page: TiffPageInfo = {
      index: pages.length,
      ifdOffset: offset,
      width,
      height,
      bitsPerSample,
      samplesPerPixel: spp,
      sampleFormat,
      compression: num(259, 1),
      photometric: tags.has(262) ? num(262, 1) : undefined,
      planarConfig: num(284, 1),
      newSubfileType: num(254, 0),
      extraSamples: arr(338) ?? [],
      tiled,
      tileWidth: tiled ? num(322, 0) : width,
      tileHeight: tiled ? num(323, 0) : Math.min(num(278, height), height),
      rowsPerStrip: Math.min(num(278, height), height),
      offsets: (tiled ? arr(324) : arr(273)) ?? [],
      byteCounts: tiled ? arr(325) : arr(279),
    };
    if (tags.has(282)) page.xResolution = num(282, NaN);
    if (tags.has(283)) page.yResolution = num(283, NaN);
    if (tags.has(296)) page.resolutionUnit = num(296, 2);
    if (descBytes) page.description = decodeText(descBytes);
    pages.push(page);
    // A next-IFD pointer past the end of the file means the file was cut short: the `need`
    // check at the top of the loop reports it.
    offset = next;
  }
  if (pages.length === 0) throw new TiffStructureError('no image directory (IFD) in the file');
  return { littleEndian: le, bigTiff: big, fileSize: size, pages };
}

/** Decodes an ASCII/UTF-8 tag value, dropping trailing NULs; falls back to Latin-1. */
function decodeText(b: Uint8Array): string {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  const slice = b.subarray(0, end);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(slice);
  } catch {
    return new TextDecoder('latin1').decode(slice);
  }
}

/** Bytes one page needs when stored uncompressed (rows padded to whole bytes). */
export function uncompressedPageBytes(p: TiffPageInfo): number {
  const bitsPerPixel = p.bitsPerSample.reduce((a, b) => a + b, 0);
  if (p.planarConfig === 2) {
    let total = 0;
    for (const bps of p.bitsPerSample) total += Math.ceil((p.width * bps) / 8) * p.height;
    return total;
  }
  return Math.ceil((p.width * bitsPerPixel) / 8) * p.height;
}

/** Number of strips or tiles the page must have. */
export function expectedBlocks(p: TiffPageInfo): number {
  const per = p.planarConfig === 2 ? p.samplesPerPixel : 1;
  if (p.tiled) {
    if (p.tileWidth <= 0 || p.tileHeight <= 0) return NaN;
    return Math.ceil(p.width / p.tileWidth) * Math.ceil(p.height / p.tileHeight) * per;
  }
  const rps = p.rowsPerStrip > 0 ? p.rowsPerStrip : p.height;
  return Math.ceil(p.height / rps) * per;
}

/** Decoded size of one block: tileWidth × rows × bits per pixel (per sample when planar). */
export function blockBytes(tileWidth: number, rows: number, bitsPerSample: number[], planar: number): number {
  const bits = planar === 2 ? Math.max(...bitsPerSample) : bitsPerSample.reduce((a, b) => a + b, 0);
  return Math.ceil((tileWidth * bits) / 8) * rows;
}
