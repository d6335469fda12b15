/**
 * JPEG via jpeg-js; colour images become grey (see format.ts).
 */
import jpeg from 'jpeg-js';
import { UserError, type ErrorCode } from '../../../core/errors.js';
import {
  MAX_SAMPLES,
  claimError,
  deinterleave,
  describeDecodeError,
  dtypeOf,
  rgbPagesToGrey,
  type DecodedImage,
  type ImageFormat,
  type PixelArray,
} from '../format.js';

/** A user-facing error of this stage (code 'bad-image' unless given). */
const imageError = (message: string, file?: string, code: ErrorCode = 'bad-image') => new UserError(message, file, code);

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

/** Reads the frame header (SOFn) of a JPEG: width, height, number of components. */
function jpegFrameInfo(b: Uint8Array): { width: number; height: number; components: number } | undefined {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) {
      i++;
      continue;
    }
    const marker = b[i + 1] as number;
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined;
    const len = ((b[i + 2] as number) << 8) | (b[i + 3] as number);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof && i + 9 < b.length) {
      const height = ((b[i + 5] as number) << 8) | (b[i + 6] as number);
      const width = ((b[i + 7] as number) << 8) | (b[i + 8] as number);
      return { width, height, components: b[i + 9] as number };
    }
    i += 2 + len;
  }
  return undefined;
}

function decodeJpeg(bytes: Uint8Array): DecodedImage {
  const warnings: string[] = [];
  const info = jpegFrameInfo(bytes);
  if (!info) throw imageError('not a readable JPEG: no frame header (truncated or corrupt)');
  if (info.width === 0 || info.height === 0) throw imageError('not a readable JPEG: zero width or height');
  if (info.width * info.height * 3 > MAX_SAMPLES) throw claimError([info.width, info.height, 1], '2^31 samples');
  if (!hasJpegEnd(bytes)) throw imageError('not a readable JPEG: no end-of-image marker (truncated file?)');
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxResolutionInMP: 700,
      maxMemoryUsageInMB: 4096,
    });
  } catch (err) {
    throw imageError(`not a readable JPEG: ${describeDecodeError(err)}`);
  }
  const n = img.width * img.height;
  if (img.data.length < n * 3) throw imageError('not a readable JPEG: decoded data too short');
  let grey: PixelArray;
  if (info.components === 1) {
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
