/**
 * TIFF (plain, multi-page, ImageJ hyperstack, OME-TIFF), decoded via geotiff.
 *
 * TIFF structure is first checked by tiff-scan.ts (IFD loops, tags/strips past the end of the
 * file, header sizes the stored bytes cannot hold, > 2^31 samples) and the size limits
 * (checkPageData) so that corrupt files fail before anything large is allocated; geotiff then
 * decodes the pixels of the pages in use, with the bounded strip/tile decoders of
 * tiff-decoders.ts (LZW, Deflate, PackBits, a size check before JPEG).
 * Stack layout comes from the first page's ImageDescription: ImageJ hyperstacks (pages in
 * c, z, t order, channel fastest → axes t z c y x, singleton dims left out), OME-XML (pages in
 * DimensionOrder, TiffData IFD mapping of the first series), tifffile's JSON {"shape": [...]};
 * otherwise all full-resolution pages (reduced-resolution ones are skipped) form an N×H×W
 * stack without axis letters. All pages used must share size and sample type.
 *
 * Pixel size (µm per pixel) comes from, in this order: ImageJ description `unit=` plus
 * X/YResolution; OME-XML PhysicalSizeX/Y (+ units); plain TIFF X/YResolution with
 * ResolutionUnit 2 (inch, 25 400 µm) or 3 (cm, 10 000 µm) — the Python original multiplied by
 * the unit enum instead, which we do not copy. ResolutionUnit 1 ("none") or absent, or an
 * ImageJ unit of "pixel", gives no pixel size.
 */
import type { fromArrayBuffer as FromArrayBuffer } from 'geotiff';
import type { PixelSize } from '../../../core/types.js';
import {
  micronsPerUnit,
  isPixelUnit,
  parseImageJDescription,
  parseOmeXml,
  parseShapedDescription,
  type ShapedMeta,
  type ImageJMeta,
  type OmeMeta,
} from '../metadata.js';
import {
  scanTiff,
  TiffStructureError,
  isTiffSignature,
  uncompressedPageBytes,
  expectedBlocks,
  blockBytes,
  type TiffPageInfo,
  type TiffScan,
} from './tiff-scan.js';
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
  type Channels,
  type DecodeLimits,
  type DecodedImage,
  type ImageFormat,
  type PixelArray,
  imageError,
} from '../format.js';

/**
 * geotiff with our bounded decoders registered, loaded on the first TIFF that needs it: it is
 * the slowest module to load (~0.1 s), and contiguous uncompressed stacks, PNG/JPEG inputs and
 * commands that read no image never do.
 */
let geotiff: Promise<typeof FromArrayBuffer> | undefined;
function loadGeotiff(): Promise<typeof FromArrayBuffer> {
  geotiff ??= Promise.all([import('geotiff'), import('./tiff-decoders.js')]).then(([g, d]) => {
    d.registerBoundedDecoders();
    return g.fromArrayBuffer;
  });
  return geotiff;
}

/** TIFF and BigTIFF: '.tif', '.tiff'. */
export const tiffFormat: ImageFormat = {
  name: 'TIFF',
  extensions: ['.tif', '.tiff'],
  sniff: isTiffSignature,
  decode: decodeTiff,
};

interface TiffLayout {
  /** IFD indices holding the planes, in C order over leadShape. */
  pageIndices: number[];
  /** Sizes of the dimensions in front of (rows, cols); only those > 1. */
  leadShape: number[];
  /** Axis letters for leadShape (undefined when unknown). */
  leadAxes?: string;
  /** ImageJ files over 4 GiB keep only the first IFD; their planes follow each other. */
  contiguous?: { count: number };
}

const TIFF_DTYPE_NAME = (p: TiffPageInfo): string => {
  const bps = p.bitsPerSample[0] ?? 0;
  const sf = p.sampleFormat[0] ?? 1;
  const kind = sf === 3 ? 'float' : sf === 2 ? 'int' : 'uint';
  return `${kind}${bps}${p.samplesPerPixel > 1 ? `×${p.samplesPerPixel}` : ''}`;
};

async function decodeTiff(bytes: Uint8Array, limits: DecodeLimits = decodeLimits()): Promise<DecodedImage> {
  const warnings: string[] = [];
  let scan: TiffScan;
  try {
    scan = scanTiff(bytes);
  } catch (err) {
    if (err instanceof TiffStructureError) {
      throw imageError(err.truncated ? `truncated TIFF: ${err.message}` : `not a readable TIFF: ${err.message}`);
    }
    throw err;
  }
  const first = scan.pages[0] as TiffPageInfo;
  const ij = parseImageJDescription(first.description);
  const ome = ij ? undefined : parseOmeXml(first.description);

  const shaped = ij || ome ? undefined : parseShapedDescription(first.description);

  let layout: TiffLayout | undefined;
  if (ij) layout = imagejLayout(ij, scan, warnings);
  else if (ome) layout = omeLayout(ome, scan, warnings);
  if (!layout) layout = plainLayout(scan, warnings);
  if (shaped && !ij && !ome) layout = shapedLayout(shaped, layout, scan.pages[0] as TiffPageInfo) ?? layout;

  const pages = layout.contiguous ? [first] : layout.pageIndices.map((i) => scan.pages[i] as TiffPageInfo);
  checkPagesConsistent(pages);
  const nPlanes = layout.contiguous ? layout.contiguous.count : pages.length;
  checkPageData(pages, scan, nPlanes, !!layout.contiguous, limits);

  // Pixel size.
  let pixelSize: PixelSize | undefined;
  if (ij) pixelSize = imagejPixelSize(ij, first, warnings);
  else if (ome) pixelSize = omePixelSize(ome, warnings);
  else pixelSize = tiffResolutionPixelSize(first, warnings);

  const { planes, channelAxis } = layout.contiguous
    ? { planes: readContiguous(bytes, scan, first, layout.contiguous.count), channelAxis: 0 }
    : await readTiffPlanes(bytes, scan, pages, warnings);

  // Samples as channels (minisblack with several non-alpha samples) add a dimension after the
  // page dimensions.
  const lead = [...layout.leadShape];
  let axes = layout.leadAxes;
  if (channelAxis > 1) {
    lead.push(channelAxis);
    axes = axes !== undefined && !axes.includes('c') ? `${axes}c` : pages.length === 1 ? 'c' : undefined;
  }
  const data = concatPlanes(planes);
  const shape = [...lead, first.height, first.width];
  const result: DecodedImage = { data, shape, dtype: dtypeOf(data), warnings };
  if (axes !== undefined) result.axes = `${axes}yx`;
  else if (shape.length === 2) result.axes = 'yx';
  if (pixelSize) result.pixelSize = pixelSize;
  const zStep = ij ? imagejZStep(ij) : ome ? omeZStep(ome) : undefined;
  if (zStep !== undefined) result.zStep = zStep;
  return result;
}

/** µm per slice from ImageJ's `spacing` in its length unit (none when the unit is pixels or unknown). */
function imagejZStep(ij: ImageJMeta): number | undefined {
  if (ij.spacing === undefined || !(ij.spacing > 0) || ij.unit === undefined || isPixelUnit(ij.unit)) return undefined;
  const f = micronsPerUnit(ij.unit);
  return f === undefined ? undefined : ij.spacing * f;
}

/** µm per slice from OME PhysicalSizeZ (default unit µm). */
function omeZStep(ome: OmeMeta): number | undefined {
  if (ome.physicalSizeZ === undefined || !(ome.physicalSizeZ > 0)) return undefined;
  const f = ome.physicalSizeZUnit === undefined ? 1 : micronsPerUnit(ome.physicalSizeZUnit);
  return f === undefined ? undefined : ome.physicalSizeZ * f;
}

/** Full-resolution pages (NewSubfileType bit 0 marks reduced-resolution copies, e.g. thumbnails). */
function plainLayout(scan: TiffScan, warnings: string[]): TiffLayout {
  const full = scan.pages.filter((p) => (p.newSubfileType & 1) === 0);
  const used = full.length > 0 ? full : scan.pages;
  if (used.length < scan.pages.length) {
    warnings.push(`skipped ${scan.pages.length - used.length} reduced-resolution page(s) (thumbnails/previews)`);
  }
  return { pageIndices: used.map((p) => p.index), leadShape: used.length > 1 ? [used.length] : [] };
}

/**
 * tifffile's JSON description gives the array shape of the pages that follow (for a plain
 * stack, one entry per page plus the plane, possibly with a trailing samples axis).
 */
function shapedLayout(meta: ShapedMeta, plain: TiffLayout, page: TiffPageInfo): TiffLayout | undefined {
  let shape = [...meta.shape];
  let axes = meta.axes?.toUpperCase();
  if (page.samplesPerPixel > 1 && shape[shape.length - 1] === page.samplesPerPixel) {
    shape = shape.slice(0, -1);
    axes = axes?.slice(0, -1);
  }
  if (shape.length < 2 || shape[shape.length - 2] !== page.height || shape[shape.length - 1] !== page.width) return undefined;
  const lead = shape.slice(0, -2);
  const nPlanes = lead.reduce((a, b) => a * b, 1);
  if (nPlanes !== plain.pageIndices.length) return undefined;
  const keep = lead.map((n) => n > 1);
  const leadShape = lead.filter((_, i) => keep[i]);
  const out: TiffLayout = { pageIndices: plain.pageIndices, leadShape };
  if (axes !== undefined && axes.endsWith('YX')) {
    const letters = axes
      .slice(0, -2)
      .split('')
      .filter((_, i) => keep[i])
      .map((l) => l.toLowerCase());
    if (letters.every((l) => 'ctz'.includes(l)) && new Set(letters).size === letters.length) out.leadAxes = letters.join('');
  }
  return out;
}

function imagejLayout(ij: ImageJMeta, scan: TiffScan, warnings: string[]): TiffLayout | undefined {
  const c = ij.channels || 1;
  let z = ij.slices || 1;
  const t = ij.frames || 1;
  const images = ij.images || c * z * t;
  if (c * z * t === 1 && images > 1) z = images; // a plain ImageJ stack: slices
  const total = c * z * t;
  if (total !== images) {
    warnings.push(`ImageJ metadata is inconsistent (images=${images} but channels×slices×frames=${total}); ignoring its stack layout`);
    return undefined;
  }
  const nPages = scan.pages.length;
  const lead: number[] = [];
  let axes = '';
  // ImageJ stores planes with the channel varying fastest, then slice, then frame.
  for (const [n, a] of [
    [t, 't'],
    [z, 'z'],
    [c, 'c'],
  ] as const) {
    if (n > 1) {
      lead.push(n);
      axes += a;
    }
  }
  if (nPages >= total) {
    if (nPages > total) warnings.push(`file has ${nPages} pages but its ImageJ metadata describes ${total}; read the first ${total}`);
    return { pageIndices: Array.from({ length: total }, (_, i) => i), leadShape: lead, leadAxes: axes };
  }
  if (nPages === 1 && total > 1) {
    // ImageJ writes only the first IFD of stacks over 4 GiB; the planes follow each other.
    return { pageIndices: [0], leadShape: lead, leadAxes: axes, contiguous: { count: total } };
  }
  warnings.push(`ImageJ metadata describes ${total} images but the file has ${nPages} pages; ignoring its stack layout`);
  return undefined;
}

function omeLayout(ome: OmeMeta, scan: TiffScan, warnings: string[]): TiffLayout | undefined {
  const first = scan.pages[0] as TiffPageInfo;
  if (ome.imageCount > 1) warnings.push(`OME-TIFF holds ${ome.imageCount} images (series); only the first is read`);
  if ((ome.sizeX && ome.sizeX !== first.width) || (ome.sizeY && ome.sizeY !== first.height)) {
    warnings.push(`OME-XML size ${ome.sizeX}×${ome.sizeY} does not match the first page (${first.width}×${first.height}); ignoring the OME layout`);
    return undefined;
  }
  const order = ome.dimensionOrder;
  if (!/^XY[ZCT]{3}$/.test(order) || new Set(order.slice(2)).size !== 3) {
    warnings.push(`unsupported OME DimensionOrder '${order}'; ignoring the OME layout`);
    return undefined;
  }
  const spp = first.samplesPerPixel;
  let sizeC = ome.sizeC;
  if (spp > 1 && sizeC % spp === 0) sizeC /= spp; // RGB samples count as channels in OME
  const sizes: Record<string, number> = { Z: ome.sizeZ, C: sizeC, T: ome.sizeT };
  const letters = order.slice(2).split(''); // fastest first
  const nPlanes = ome.sizeZ * sizeC * ome.sizeT;
  const linear = (zz: number, cc: number, tt: number) => {
    const pos: Record<string, number> = { Z: zz, C: cc, T: tt };
    let idx = 0;
    let stride = 1;
    for (const l of letters) {
      idx += (pos[l] as number) * stride;
      stride *= sizes[l] as number;
    }
    return idx;
  };
  const map: (number | undefined)[] = new Array(nPlanes).fill(undefined);
  let otherFiles = false;
  if (ome.tiffData.length === 0) {
    for (let p = 0; p < nPlanes; p++) map[p] = p;
  } else {
    for (const td of ome.tiffData) {
      const ifd0 = td.ifd ?? 0;
      const count = td.planeCount ?? (td.ifd === undefined && ome.tiffData.length === 1 ? nPlanes : 1);
      const p0 = linear(td.firstZ, td.firstC, td.firstT);
      for (let k = 0; k < count && p0 + k < nPlanes; k++) map[p0 + k] = ifd0 + k;
      if (td.fileName !== undefined) otherFiles = true;
    }
  }
  const missing = map.findIndex((v) => v === undefined || v >= scan.pages.length);
  if (missing >= 0) {
    if (otherFiles) {
      throw imageError('OME-TIFF planes are spread over several files (multi-file dataset); save it as a single TIFF (e.g. with Fiji) first');
    }
    warnings.push(`OME-XML describes ${nPlanes} planes but the file has ${scan.pages.length} pages; ignoring the OME layout`);
    return undefined;
  }
  const lead: number[] = [];
  let axes = '';
  for (const l of [...letters].reverse()) {
    const n = sizes[l] as number;
    if (n > 1) {
      lead.push(n);
      axes += l.toLowerCase();
    }
  }
  return { pageIndices: map as number[], leadShape: lead, leadAxes: axes };
}

function imagejPixelSize(ij: ImageJMeta, page: TiffPageInfo, warnings: string[]): PixelSize | undefined {
  if (isPixelUnit(ij.unit)) return undefined;
  const fx = micronsPerUnit(ij.unit);
  if (fx === undefined) {
    warnings.push(`unknown length unit '${ij.unit}' in the ImageJ metadata; no pixel size taken from the file`);
    return undefined;
  }
  const fy = ij.yunit !== undefined && !isPixelUnit(ij.yunit) ? (micronsPerUnit(ij.yunit) ?? fx) : fx;
  const xr = page.xResolution;
  const yr = page.yResolution ?? xr;
  if (!xr || !yr || !Number.isFinite(xr) || !Number.isFinite(yr) || xr <= 0 || yr <= 0) return undefined;
  return plausiblePixelSize({ x: fx / xr, y: fy / yr }, 'ImageJ metadata', warnings);
}

function omePixelSize(ome: OmeMeta, warnings: string[]): PixelSize | undefined {
  if (ome.physicalSizeX === undefined && ome.physicalSizeY === undefined) return undefined;
  const px = ome.physicalSizeX ?? ome.physicalSizeY;
  const py = ome.physicalSizeY ?? ome.physicalSizeX;
  const ux = ome.physicalSizeX !== undefined ? ome.physicalSizeXUnit : ome.physicalSizeYUnit;
  const uy = ome.physicalSizeY !== undefined ? ome.physicalSizeYUnit : ome.physicalSizeXUnit;
  const fx = ux === undefined ? 1 : micronsPerUnit(ux); // OME's default unit is µm
  const fy = uy === undefined ? 1 : micronsPerUnit(uy);
  if (fx === undefined || fy === undefined || px === undefined || py === undefined) {
    warnings.push(`unknown length unit in the OME-XML (${ux ?? uy}); no pixel size taken from the file`);
    return undefined;
  }
  return plausiblePixelSize({ x: px * fx, y: py * fy }, 'OME-XML metadata', warnings);
}

function tiffResolutionPixelSize(page: TiffPageInfo, warnings: string[]): PixelSize | undefined {
  const unit = page.resolutionUnit;
  if (unit !== 2 && unit !== 3) return undefined; // 1 = none; absent = no calibration stated
  const perUnit = unit === 2 ? 25400 : 10000;
  const xr = page.xResolution;
  const yr = page.yResolution ?? xr;
  if (!xr || !yr || !Number.isFinite(xr) || !Number.isFinite(yr) || xr <= 0 || yr <= 0) return undefined;
  return plausiblePixelSize({ x: perUnit / xr, y: perUnit / yr }, 'TIFF resolution tags', warnings);
}

function checkPagesConsistent(pages: TiffPageInfo[]): void {
  const a = pages[0] as TiffPageInfo;
  const sig = (p: TiffPageInfo) => `${p.width}x${p.height}|${p.samplesPerPixel}|${p.bitsPerSample.join(',')}|${p.sampleFormat.join(',')}|${p.photometric ?? 1}`;
  const sa = sig(a);
  for (const p of pages) {
    if (sig(p) !== sa) {
      throw imageError(
        `page ${p.index + 1} is ${p.width}×${p.height} ${TIFF_DTYPE_NAME(p)} but page ${a.index + 1} is ` +
          `${a.width}×${a.height} ${TIFF_DTYPE_NAME(a)}; all pages of a stack must have the same size and type`,
      );
    }
  }
}

/** Compression codes and the largest decompression ratio each can plausibly reach. */
const MAX_RATIO: Record<number, number> = { 1: 1, 32773: 130, 5: 2000, 8: 1100, 32946: 1100, 7: 10000 };

/** Bytes per value of the array geotiff decodes a sample type into (1-7 bits: Uint8; int8: widened to Int16). */
function bytesPerValue(bps: number, sf: number): number {
  if (bps <= 8) return sf === 2 ? 2 : 1;
  return bps <= 16 ? 2 : bps <= 32 ? 4 : 8;
}

/**
 * Everything that can be checked before decoding: sample type, header size against the hard
 * limit (2^31 samples), the byte ranges of the strips/tiles, the size the stored data can
 * plausibly expand to (each distinct block counted once: strips that share one block do not
 * multiply it), and the size limits (pixel values and decoded bytes, strips/tiles padded).
 */
function checkPageData(pages: TiffPageInfo[], scan: TiffScan, nPlanes: number, contiguous: boolean, limits: DecodeLimits): void {
  const p0 = pages[0] as TiffPageInfo;
  if (p0.width <= 0 || p0.height <= 0) throw imageError(`not a readable TIFF: page ${p0.index + 1} has no width or height`);
  const bps = p0.bitsPerSample[0] ?? 0;
  const sf = p0.sampleFormat[0] ?? 1;
  const okDepth =
    (sf === 1 && bps >= 1 && bps <= 32) || (sf === 2 && (bps === 8 || bps === 16 || bps === 32)) || (sf === 3 && (bps === 16 || bps === 32 || bps === 64));
  if (!okDepth || p0.bitsPerSample.some((b) => b !== bps)) {
    throw imageError(`not a readable TIFF: unsupported sample type (${TIFF_DTYPE_NAME(p0)})`);
  }
  const dims = [p0.width, p0.height, nPlanes];
  const values = p0.width * p0.height * nPlanes * p0.samplesPerPixel;
  if (values > MAX_SAMPLES) throw claimError(dims, '2^31 samples');
  const decodedBytes = values * bytesPerValue(bps, sf);
  const fileSize = scan.fileSize;
  if (contiguous) {
    if (p0.compression !== 1) {
      throw imageError('not a readable TIFF: ImageJ stack with a single directory must be uncompressed');
    }
    const need = uncompressedPageBytes(p0) * nPlanes;
    const start = p0.offsets[0] ?? 0;
    if (start + need > fileSize) {
      if (need > fileSize) throw claimError(dims, `the ${fileSize}-byte file can hold`);
      throw imageError(`truncated TIFF: image data ends at byte ${start + need} but the file has only ${fileSize} bytes`);
    }
    checkDecodedSize(dims, values, decodedBytes, limits);
    return;
  }
  const seen = new Set<string>();
  let distinctCompressed = 0;
  let blockTotal = 0;
  for (const p of pages) {
    const nBlocks = expectedBlocks(p);
    if (!Number.isFinite(nBlocks) || p.offsets.length < nBlocks) {
      throw imageError(
        `not a readable TIFF: page ${p.index + 1} lists ${p.offsets.length} ${p.tiled ? 'tiles' : 'strips'} but needs ${Number.isFinite(nBlocks) ? nBlocks : 'a valid tile size and'}`,
      );
    }
    if (!p.byteCounts || p.byteCounts.length < nBlocks) {
      throw imageError(`not a readable TIFF: page ${p.index + 1} has no ${p.tiled ? 'TileByteCounts' : 'StripByteCounts'} tag`);
    }
    let pageBytes = 0;
    for (let i = 0; i < nBlocks; i++) {
      const off = p.offsets[i] as number;
      const cnt = p.byteCounts[i] as number;
      if (off + cnt > fileSize) {
        throw imageError(`truncated TIFF: image data of page ${p.index + 1} ends at byte ${off + cnt} but the file has only ${fileSize} bytes`);
      }
      pageBytes += cnt;
      const key = `${off}:${cnt}`;
      if (!seen.has(key)) {
        seen.add(key);
        distinctCompressed += cnt;
      }
    }
    const raw = uncompressedPageBytes(p);
    if (p.compression === 1 && !p.tiled && pageBytes < raw) {
      throw claimError(dims, `the ${pageBytes} bytes of image data stored for page ${p.index + 1}`);
    }
    // what the strips/tiles decode to, with padding (tiles past the image's edge, whole last strip)
    const rows = p.tiled ? p.tileHeight : Math.min(p.rowsPerStrip > 0 ? p.rowsPerStrip : p.height, p.height);
    blockTotal += nBlocks * blockBytes(p.tiled ? p.tileWidth : p.width, rows, p.bitsPerSample, p.planarConfig);
  }
  const ratio = MAX_RATIO[p0.compression];
  if (ratio !== undefined && ratio > 1) {
    const raw = uncompressedPageBytes(p0) * pages.length;
    if (raw > distinctCompressed * ratio) throw claimError(dims, `the ${fileSize}-byte file can hold`);
  }
  checkDecodedSize(dims, values, Math.max(decodedBytes, blockTotal), limits);
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes.buffer;
  }
  return bytes.slice().buffer;
}

/** Reads the planes of the given pages with geotiff. Returns grey planes and channels-per-page. */
async function readTiffPlanes(
  bytes: Uint8Array,
  scan: TiffScan,
  pages: TiffPageInfo[],
  warnings: string[],
): Promise<{ planes: PixelArray[]; channelAxis: number }> {
  const p0 = pages[0] as TiffPageInfo;
  const w = p0.width;
  const h = p0.height;
  const n = w * h;
  const spp = p0.samplesPerPixel;
  const photometric = p0.photometric ?? (spp >= 3 ? 2 : 1);
  const fromArrayBuffer = await loadGeotiff();
  let tiff: Awaited<ReturnType<typeof FromArrayBuffer>>;
  try {
    tiff = await fromArrayBuffer(toArrayBuffer(bytes));
    await tiff.getImageCount(); // parse the IFD chain in order (geotiff recurses otherwise)
  } catch (err) {
    throw imageError(`not a readable TIFF: ${describeDecodeError(err)}`);
  }
  const readPage = async (p: TiffPageInfo, rgb: boolean): Promise<ArrayLike<number>> => {
    if (!rgb) {
      const fast = readUncompressed(bytes, scan.littleEndian, p);
      if (fast) return fast;
    }
    try {
      const img = await tiff.getImage(p.index);
      const r = rgb ? await img.readRGB({ interleave: true }) : await img.readRasters({ interleave: true });
      return r as unknown as ArrayLike<number>;
    } catch (err) {
      throw imageError(`not a readable TIFF: page ${p.index + 1}: ${describeDecodeError(err)}`);
    }
  };

  // Colour models that geotiff converts to RGB for us.
  if (photometric === 5 || photometric === 6 || photometric === 8) {
    const list: Channels[] = [];
    for (const p of pages) {
      const r = await readPage(p, true);
      list.push({ planes: deinterleave(r, n, 3, [0, 1, 2], Uint8Array) });
    }
    return { planes: rgbPagesToGrey(list, warnings), channelAxis: 0 };
  }

  const extra = p0.extraSamples;
  const alphaCount = extra.filter((e) => e === 1 || e === 2).length;
  if (photometric === 2) {
    if (spp < 3) throw imageError(`not a readable TIFF: RGB photometric with ${spp} samples per pixel`);
    if (spp > 3) warnings.push(`dropped ${spp - 3} extra sample(s) (alpha) of the RGB image`);
    const list: Channels[] = [];
    for (const p of pages) {
      const r = await readPage(p, false);
      if (r.length < n * spp) throw imageError(`not a readable TIFF: page ${p.index + 1} decoded to too few samples`);
      const ctor = (r as unknown as PixelArray).constructor as new (len: number) => PixelArray;
      list.push({ planes: deinterleave(r, n, spp, [0, 1, 2], widen(ctor)) });
    }
    return { planes: rgbPagesToGrey(list, warnings), channelAxis: 0 };
  }

  // Grey (BlackIsZero / WhiteIsZero / palette indices), possibly with extra samples.
  const keep: number[] = [];
  for (let s = 0; s < spp; s++) {
    const e = s >= spp - extra.length ? extra[s - (spp - extra.length)] : undefined;
    if (s > 0 && (e === 1 || e === 2)) continue; // associated / unassociated alpha
    keep.push(s);
  }
  if (alphaCount > 0 && keep.length < spp) warnings.push('dropped the alpha channel');
  if (photometric === 3) warnings.push('palette (indexed-colour) TIFF: the index values are used as intensities');
  const planes: PixelArray[] = [];
  for (const p of pages) {
    const r = await readPage(p, false);
    if (r.length < n * spp) throw imageError(`not a readable TIFF: page ${p.index + 1} decoded to too few samples`);
    const ctor = widen((r as unknown as PixelArray).constructor as new (len: number) => PixelArray);
    if (spp === 1) {
      planes.push(r instanceof ctor && r.length === n ? (r as PixelArray) : copyInto(r, n, ctor));
    } else {
      planes.push(...deinterleave(r, n, spp, keep, ctor));
    }
  }
  if (photometric === 0) {
    const bps = p0.bitsPerSample[0] ?? 8;
    const sf = p0.sampleFormat[0] ?? 1;
    if (sf === 1) {
      const max = 2 ** bps - 1;
      for (const pl of planes) for (let i = 0; i < pl.length; i++) pl[i] = max - (pl[i] as number);
      warnings.push('WhiteIsZero TIFF: values inverted so that bright means high');
    } else {
      for (const pl of planes) for (let i = 0; i < pl.length; i++) pl[i] = -(pl[i] as number);
      warnings.push('WhiteIsZero TIFF: values negated so that bright means high');
    }
  }
  return { planes, channelAxis: keep.length > 1 ? keep.length : 0 };
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Fast path for the common case of uncompressed, stripped, chunky pages with whole-byte
 * samples: copies the strips straight into a typed array (byte-swapping when needed), about
 * ten times faster than going through geotiff's per-sample reader. Returns undefined when the
 * page does not qualify (geotiff then decodes it). Byte ranges were checked by checkPageData.
 */
function readUncompressed(bytes: Uint8Array, le: boolean, p: TiffPageInfo): PixelArray | undefined {
  if (p.compression !== 1 || p.tiled || (p.planarConfig !== 1 && p.samplesPerPixel > 1)) return undefined;
  const bps = p.bitsPerSample[0] ?? 0;
  const sf = p.sampleFormat[0] ?? 1;
  let ctor: (new (len: number) => PixelArray) | undefined;
  if (sf === 1) ctor = bps === 8 ? Uint8Array : bps === 16 ? Uint16Array : bps === 32 ? Uint32Array : undefined;
  else if (sf === 2) ctor = bps === 16 ? Int16Array : bps === 32 ? Int32Array : undefined;
  else if (sf === 3) ctor = bps === 32 ? Float32Array : bps === 64 ? Float64Array : undefined;
  if (!ctor || !p.byteCounts) return undefined;
  const size = bps / 8;
  const rowSamples = p.width * p.samplesPerPixel;
  const total = rowSamples * p.height;
  const rps = p.rowsPerStrip > 0 ? p.rowsPerStrip : p.height;
  // Strips back to back, aligned, in host byte order: a view on the file's bytes, no copy
  // (the common case for uncompressed microscopy TIFFs; keeps a 20000² plane at its 800 MB).
  const off0 = p.offsets[0];
  if (off0 !== undefined && (size === 1 || le === HOST_LITTLE_ENDIAN) && (bytes.byteOffset + off0) % size === 0 && off0 + total * size <= bytes.length) {
    let contiguous = true;
    for (let i = 0, row = 0; row < p.height; i++, row += rps) {
      const len = Math.min(rps, p.height - row) * rowSamples * size;
      if (p.offsets[i] !== off0 + row * rowSamples * size || (p.byteCounts[i] ?? 0) < len) {
        contiguous = false;
        break;
      }
    }
    if (contiguous) {
      const View = ctor as unknown as new (b: ArrayBufferLike, off: number, len: number) => PixelArray;
      return new View(bytes.buffer, bytes.byteOffset + off0, total);
    }
  }
  const out = new ctor(total);
  const outBytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  let dst = 0;
  for (let i = 0, row = 0; row < p.height; i++, row += rps) {
    const rows = Math.min(rps, p.height - row);
    const len = rows * rowSamples * size;
    const off = p.offsets[i];
    const cnt = p.byteCounts[i];
    if (off === undefined || cnt === undefined || cnt < len || off + len > bytes.length) return undefined;
    outBytes.set(bytes.subarray(off, off + len), dst);
    dst += len;
  }
  if (size > 1 && le !== HOST_LITTLE_ENDIAN) {
    for (let i = 0; i < outBytes.length; i += size) outBytes.subarray(i, i + size).reverse();
  }
  return out;
}

/** Int8 has no place in PixelArray: widen it to Int16. */
function widen(ctor: new (len: number) => PixelArray): new (len: number) => PixelArray {
  return (ctor as unknown) === Int8Array ? Int16Array : ctor;
}

/** Planes of an ImageJ stack stored after a single IFD (uncompressed, one sample per pixel). */
function readContiguous(bytes: Uint8Array, scan: TiffScan, p: TiffPageInfo, count: number): PixelArray[] {
  if (p.samplesPerPixel !== 1) throw imageError('not a readable TIFF: single-directory ImageJ stack with colour samples');
  const bps = p.bitsPerSample[0] ?? 8;
  const sf = p.sampleFormat[0] ?? 1;
  const n = p.width * p.height;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = scan.littleEndian;
  let ctor: new (len: number) => PixelArray;
  let get: (o: number) => number;
  let size: number;
  if (sf === 3 && bps === 32) {
    ctor = Float32Array;
    get = (o) => dv.getFloat32(o, le);
    size = 4;
  } else if (sf === 3 && bps === 64) {
    ctor = Float64Array;
    get = (o) => dv.getFloat64(o, le);
    size = 8;
  } else if (sf === 2 && bps === 16) {
    ctor = Int16Array;
    get = (o) => dv.getInt16(o, le);
    size = 2;
  } else if (sf === 2 && bps === 32) {
    ctor = Int32Array;
    get = (o) => dv.getInt32(o, le);
    size = 4;
  } else if (bps === 8) {
    ctor = sf === 2 ? Int16Array : Uint8Array;
    get = sf === 2 ? (o) => dv.getInt8(o) : (o) => dv.getUint8(o);
    size = 1;
  } else if (bps === 16) {
    ctor = Uint16Array;
    get = (o) => dv.getUint16(o, le);
    size = 2;
  } else if (bps === 32) {
    ctor = Uint32Array;
    get = (o) => dv.getUint32(o, le);
    size = 4;
  } else throw imageError(`not a readable TIFF: unsupported sample type in a single-directory ImageJ stack (${TIFF_DTYPE_NAME(p)})`);
  let off = p.offsets[0] ?? 0;
  const out: PixelArray[] = [];
  for (let k = 0; k < count; k++) {
    const a = new ctor(n);
    for (let i = 0; i < n; i++, off += size) a[i] = get(off);
    out.push(a);
  }
  return out;
}

function concatPlanes(planes: PixelArray[]): PixelArray {
  const first = planes[0] as PixelArray;
  if (planes.length === 1) return first;
  const n = first.length;
  const Ctor = first.constructor as new (len: number) => PixelArray;
  const out = new Ctor(n * planes.length);
  planes.forEach((p, i) => out.set(p as never, i * n));
  return out;
}
