/**
 * JPEG via jpeg-js; colour images become grey (see format.ts).
 *
 * Bounded: jpeg-js allocates what the frame headers (SOF) claim before it reads any scan data,
 * so they are checked first: against the hard limit, against what the file's size can hold
 * (in a Huffman-coded JPEG every component is coded in a scan that includes the DC
 * coefficients, and there every 8×8 block of the component costs at least one bit: the file
 * must have at least that many bits) and against the size limits (format.ts); jpeg-js's own
 * maxResolutionInMP / maxMemoryUsageInMB are set from the limits too.
 */
import jpeg from 'jpeg-js';
import {
  MAX_SAMPLES,
  checkDecodedSize,
  claimError,
  decodeLimits,
  formatBytes,
  deinterleave,
  describeDecodeError,
  dtypeOf,
  rgbPagesToGrey,
  type DecodeLimits,
  type DecodedImage,
  type ImageFormat,
  type PixelArray,
  imageError,
} from '../format.js';

/** JPEG: '.jpg', '.jpeg'. */
export const jpegFormat: ImageFormat = {
  name: 'JPEG',
  extensions: ['.jpg', '.jpeg'],
  sniff: isJpegSignature,
  decode: decodeJpeg,
};

/** True when the bytes start with a JPEG start-of-image marker (FF D8 FF). */
export function isJpegSignature(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

/** A frame header (SOFn) of a JPEG, with what its scans code. */
export interface JpegFrame {
  /** The SOFn marker's second byte (0xc0 baseline, 0xc2 progressive, 0xc9 arithmetic, ...). */
  marker: number;
  width: number;
  height: number;
  /** Component ids with their sampling factors. */
  components: { id: number; h: number; v: number }[];
  /** Ids of the components coded in a scan that includes the DC coefficients (Ss = 0). */
  dcCoded: Set<number>;
}

const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/**
 * All frame headers (SOFn) of a JPEG stream, in order, with the components their scans (SOS)
 * code. Walks the marker segments by their lengths and the entropy-coded data byte by byte
 * (stuffed zeros and restart markers skipped).
 */
export function jpegFrames(b: Uint8Array): JpegFrame[] {
  const frames: JpegFrame[] = [];
  let i = 0;
  while (i + 1 < b.length) {
    if (b[i] !== 0xff) {
      i++;
      continue;
    }
    const m = b[i + 1] as number;
    if (m === 0xff) {
      i++; // fill byte
      continue;
    }
    if (m === 0 || m === 1 || (m >= 0xd0 && m <= 0xd9)) {
      i += 2; // stuffed zero, TEM, RSTn, SOI, EOI: no length
      continue;
    }
    if (i + 3 >= b.length) break;
    const len = ((b[i + 2] as number) << 8) | (b[i + 3] as number);
    if (isSof(m) && i + 9 < b.length) {
      const n = b[i + 9] as number;
      const components: JpegFrame['components'] = [];
      for (let k = 0, p = i + 10; k < n && p + 1 < b.length; k++, p += 3) {
        components.push({ id: b[p] as number, h: (b[p + 1] as number) >> 4, v: (b[p + 1] as number) & 15 });
      }
      frames.push({
        marker: m,
        height: ((b[i + 5] as number) << 8) | (b[i + 6] as number),
        width: ((b[i + 7] as number) << 8) | (b[i + 8] as number),
        components,
        dcCoded: new Set(),
      });
    } else if (m === 0xda && i + 4 < b.length) {
      const ns = b[i + 4] as number;
      const ss = b[i + 5 + 2 * ns];
      const frame = frames[frames.length - 1];
      if (frame && ss === 0) for (let k = 0; k < ns; k++) frame.dcCoded.add(b[i + 5 + 2 * k] as number);
    }
    i += 2 + len;
  }
  return frames;
}

/** Pixel values (width × height × components) a frame decodes to. */
export function frameValues(f: JpegFrame): number {
  return f.width * Math.max(1, f.height) * Math.max(1, f.components.length);
}

/** The fewest bits a Huffman-coded frame's scans can take: one per 8×8 block of each component. */
function frameMinBits(f: JpegFrame): number {
  const hMax = Math.max(1, ...f.components.map((c) => c.h));
  const vMax = Math.max(1, ...f.components.map((c) => c.v));
  let bits = 0;
  for (const c of f.components) {
    bits += Math.ceil((Math.ceil(f.width / 8) * Math.max(1, c.h)) / hMax) * Math.ceil((Math.ceil(Math.max(1, f.height) / 8) * Math.max(1, c.v)) / vMax);
  }
  return bits;
}

/** jpeg-js's working memory per pixel value: 256-byte coefficient blocks per 64 values, lines, output. */
const JPEG_BYTES_PER_VALUE = 6;

function decodeJpeg(bytes: Uint8Array, limits: DecodeLimits = decodeLimits()): DecodedImage {
  const warnings: string[] = [];
  const frames = jpegFrames(bytes);
  const info = frames[0];
  if (!info) throw imageError('not a readable JPEG: no frame header (truncated or corrupt)');
  if (info.width === 0 || info.height === 0) throw imageError('not a readable JPEG: zero width or height');
  // jpeg-js allocates every frame it meets (and then refuses more than one): count them all
  const pixels = frames.reduce((s, f) => s + f.width * Math.max(1, f.height), 0);
  const values = frames.reduce((s, f) => s + frameValues(f), 0);
  const dims = frames.length === 1 ? [info.width, info.height, 1] : [info.width, info.height, frames.length];
  if (pixels * 3 > MAX_SAMPLES) throw claimError(dims, '2^31 samples');
  // Huffman-coded frames (SOF0-3, 5-7; jpeg-js reads no arithmetic coding): at least a bit per block
  const huffman = frames.filter((f) => f.marker < 0xc8);
  for (const f of huffman) {
    const missing = f.components.find((c) => !f.dcCoded.has(c.id));
    if (missing) throw imageError(`not a readable JPEG: component ${missing.id} is never coded (corrupt or incomplete file)`);
  }
  if (huffman.reduce((s, f) => s + frameMinBits(f), 0) > bytes.length * 8) throw claimError(dims, `the ${bytes.length}-byte file can hold`);
  checkDecodedSize(dims, values, values * JPEG_BYTES_PER_VALUE, limits);
  if (!hasJpegEnd(bytes)) throw imageError('not a readable JPEG: no end-of-image marker (truncated file?)');
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxResolutionInMP: Math.max(1, limits.maxPixels / 1e6),
      maxMemoryUsageInMB: Math.max(16, Math.ceil(limits.maxBytes / 2 ** 20)),
    });
  } catch (err) {
    const msg = err instanceof Error ? err.message : '';
    if (/maxMemoryUsageInMB|maxResolutionInMP/.test(msg)) {
      throw imageError(
        `not a readable JPEG: decoding it needs more memory than the limit of ${formatBytes(limits.maxBytes)}; ` +
          'if the file is genuine, raise the limit with --max-pixels N (library: the maxPixels option; or DEEPBLINK_MAX_PIXELS)',
      );
    }
    throw imageError(`not a readable JPEG: ${describeDecodeError(err)}`);
  }
  const n = img.width * img.height;
  if (img.data.length < n * 3) throw imageError('not a readable JPEG: decoded data too short');
  let grey: PixelArray;
  if (info.components.length === 1) {
    grey = deinterleave(img.data, n, 3, [0], Uint8Array)[0] as PixelArray;
  } else {
    grey = rgbPagesToGrey([{ planes: deinterleave(img.data, n, 3, [0, 1, 2], Uint8Array) }], warnings)[0] as PixelArray;
  }
  return { data: grey, shape: [img.height, img.width], dtype: dtypeOf(grey), axes: 'yx', warnings };
}

/** True when the end-of-image marker FF D9 appears near the end (trailing padding allowed). */
function hasJpegEnd(b: Uint8Array): boolean {
  const from = Math.max(0, b.length - 4096);
  for (let i = b.length - 2; i >= from; i--) if (b[i] === 0xff && b[i + 1] === 0xd9) return true;
  return false;
}
