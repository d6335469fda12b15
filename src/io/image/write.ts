/**
 * Image writers: a baseline multi-page TIFF in the layout ImageJ itself writes, and PNG (via
 * fast-png) for visualisations.
 *
 * geotiff's writeArrayBuffer is not used for TIFF: it writes a single page, reserves a fixed
 * 1000-byte header, stores rationals with a fixed denominator of 10 000 and adds GeoTIFF keys
 * (a WGS 84 model) to every file — none of which suits ImageJ stacks. The container written
 * here is small and plain:
 *
 *   header (8 bytes, little-endian "II*") | IFD 0 + its values (incl. ImageDescription) |
 *   pixel data of all pages, contiguous | IFD 1 … IFD n-1 + their values
 *
 * ImageJ relies on the pixel data being contiguous (it may read only IFD 0 and step through
 * the planes), hence this order. One uncompressed strip per page.
 *
 * ImageDescription (ImageJ hyperstack metadata):
 *   ImageJ=1.11a / images=N / channels=C / slices=Z / frames=T / hyperstack=true /
 *   mode=grayscale / unit=micron / loop=false / min=… / max=…
 * X/YResolution = pixels per micron (1 / pixel size) with ResolutionUnit 1 (none), as ImageJ.
 */
import { encode as encodePngLib } from 'fast-png';
import type { PixelSize } from '../../core/types.js';
import type { PixelArray } from './read.js';

/** Any pixel array the reader returns can be written. */
export type TiffPixelArray = PixelArray;

export interface TiffPlane {
  data: TiffPixelArray;
  height: number;
  width: number;
}

export interface EncodeTiffOptions {
  /** µm per pixel; written as X/YResolution with ImageJ `unit=micron`. */
  pixelSize?: PixelSize;
  /** µm per slice: written as ImageJ `spacing` (with `unit=micron`; needs `pixelSize`). */
  zStep?: number;
  /**
   * Axis letters of the stack, ending in 'yx' (e.g. 'zyx', 'tyx', 'czyx'). Default: 'yx' for one
   * plane, 'zyx' for several. With two or more leading letters, `shape` gives their sizes.
   */
  axes?: string;
  /** Sizes of the leading (non-yx) axes, in the order of `axes`; planes are in C order over them. */
  shape?: number[];
}

interface SampleInfo {
  bits: number;
  format: 1 | 2 | 3;
  bytes: number;
}

function sampleInfo(a: TiffPixelArray): SampleInfo {
  if (a instanceof Uint8Array) return { bits: 8, format: 1, bytes: 1 };
  if (a instanceof Uint16Array) return { bits: 16, format: 1, bytes: 2 };
  if (a instanceof Int16Array) return { bits: 16, format: 2, bytes: 2 };
  if (a instanceof Uint32Array) return { bits: 32, format: 1, bytes: 4 };
  if (a instanceof Int32Array) return { bits: 32, format: 2, bytes: 4 };
  if (a instanceof Float32Array) return { bits: 32, format: 3, bytes: 4 };
  if (a instanceof Float64Array) return { bits: 64, format: 3, bytes: 8 };
  throw new Error('encodeTiff: unsupported pixel array type');
}

/** Best rational approximation p/q of v with p, q < 2^32 (continued fractions). */
export function toRational(v: number): [number, number] {
  if (!(v > 0) || !Number.isFinite(v)) return [0, 1];
  const MAX = 0xffffffff;
  let [h0, h1] = [0, 1];
  let [k0, k1] = [1, 0];
  let x = v;
  for (let i = 0; i < 64; i++) {
    const a = Math.floor(x);
    const h2 = a * h1 + h0;
    const k2 = a * k1 + k0;
    if (h2 > MAX || k2 > MAX) break;
    [h0, h1, k0, k1] = [h1, h2, k1, k2];
    const frac = x - a;
    if (frac < 1e-12 || Math.abs(h1 / k1 - v) <= v * 1e-15) break;
    x = 1 / frac;
  }
  if (k1 === 0 || h1 === 0) {
    // v too large or too small for a 32-bit rational: clamp.
    return v > 1 ? [MAX, 1] : [1, MAX];
  }
  return [h1, k1];
}

/** ImageJ order of the leading axes: frames, slices, channels (channel varies fastest). */
const IJ_ORDER = ['t', 'z', 'c'] as const;

interface Entry {
  tag: number;
  type: number; // 2 ASCII, 3 SHORT, 4 LONG, 5 RATIONAL
  values: number[] | Uint8Array;
}

const TYPE_BYTES: Record<number, number> = { 2: 1, 3: 2, 4: 4, 5: 8 };

/**
 * Encodes planes (all the same size and type) as a multi-page, ImageJ-compatible TIFF.
 * Throws a plain Error on inconsistent input (a programming error, not a user error).
 */
export function encodeTiff(planes: TiffPlane[], opts: EncodeTiffOptions = {}): Uint8Array {
  if (planes.length === 0) throw new Error('encodeTiff: no planes');
  const p0 = planes[0] as TiffPlane;
  const { width, height } = p0;
  if (!(width > 0 && height > 0 && Number.isInteger(width) && Number.isInteger(height))) {
    throw new Error(`encodeTiff: bad plane size ${width}×${height}`);
  }
  const info = sampleInfo(p0.data);
  for (const [i, p] of planes.entries()) {
    if (p.width !== width || p.height !== height) throw new Error(`encodeTiff: plane ${i} is ${p.width}×${p.height}, expected ${width}×${height}`);
    if (p.data.constructor !== p0.data.constructor) throw new Error(`encodeTiff: plane ${i} has a different pixel type`);
    if (p.data.length !== width * height) throw new Error(`encodeTiff: plane ${i} holds ${p.data.length} values, expected ${width * height}`);
  }

  // Stack layout → ImageJ page order and counts.
  const n = planes.length;
  const axes = opts.axes ?? (n === 1 ? 'yx' : 'zyx');
  if (!axes.endsWith('yx')) throw new Error(`encodeTiff: axes '${axes}' must end in 'yx'`);
  const lead = axes.slice(0, -2);
  if ([...lead].some((l) => !'ctz'.includes(l)) || new Set(lead).size !== lead.length) {
    throw new Error(`encodeTiff: bad axes '${axes}'`);
  }
  const sizes = opts.shape ?? (lead.length <= 1 ? (lead.length === 1 ? [n] : []) : undefined);
  if (!sizes || sizes.length !== lead.length) throw new Error(`encodeTiff: give opts.shape for the axes '${lead}'`);
  if (sizes.reduce((a, b) => a * b, 1) !== n) throw new Error(`encodeTiff: shape (${sizes.join(', ')}) does not match ${n} planes`);
  const count: Record<string, number> = { c: 1, z: 1, t: 1 };
  lead.split('').forEach((l, i) => (count[l] = sizes[i] as number));
  // Strides of the caller's C-order planes.
  const stride: Record<string, number> = { c: 0, z: 0, t: 0 };
  let acc = 1;
  for (let i = lead.length - 1; i >= 0; i--) {
    stride[lead[i] as string] = acc;
    acc *= sizes[i] as number;
  }
  const order: TiffPlane[] = [];
  for (let t = 0; t < (count.t as number); t++)
    for (let z = 0; z < (count.z as number); z++)
      for (let c = 0; c < (count.c as number); c++)
        order.push(planes[t * (stride.t as number) + z * (stride.z as number) + c * (stride.c as number)] as TiffPlane);

  // ImageJ description.
  let min = Infinity;
  let max = -Infinity;
  for (const p of order) {
    const d = p.data;
    for (let i = 0; i < d.length; i++) {
      const v = d[i] as number;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const lines = ['ImageJ=1.11a', `images=${n}`];
  if ((count.c as number) > 1) lines.push(`channels=${count.c}`);
  if ((count.z as number) > 1) lines.push(`slices=${count.z}`);
  if ((count.t as number) > 1) lines.push(`frames=${count.t}`);
  const nontrivial = IJ_ORDER.filter((l) => (count[l] as number) > 1).length;
  if (nontrivial > 1) lines.push('hyperstack=true');
  if ((count.c as number) > 1) lines.push('mode=grayscale');
  if (opts.pixelSize) lines.push('unit=micron');
  if (opts.pixelSize && opts.zStep !== undefined && opts.zStep > 0 && Number.isFinite(opts.zStep)) lines.push(`spacing=${opts.zStep}`);
  lines.push('loop=false');
  if (Number.isFinite(min) && Number.isFinite(max) && info.bits > 8) lines.push(`min=${min}`, `max=${max}`);
  const description = `${lines.join('\n')}\n`;

  let xres: [number, number] | undefined;
  let yres: [number, number] | undefined;
  if (opts.pixelSize) {
    const { x, y } = opts.pixelSize;
    if (!(x > 0 && y > 0 && Number.isFinite(x) && Number.isFinite(y))) throw new Error('encodeTiff: pixel size must be positive');
    xres = toRational(1 / x);
    yres = toRational(1 / y);
  }

  const planeBytes = width * height * info.bytes;
  const entriesFor = (pageNo: number, dataOffset: number): Entry[] => {
    const e: Entry[] = [
      { tag: 254, type: 4, values: [0] },
      { tag: 256, type: 4, values: [width] },
      { tag: 257, type: 4, values: [height] },
      { tag: 258, type: 3, values: [info.bits] },
      { tag: 259, type: 3, values: [1] },
      { tag: 262, type: 3, values: [1] },
    ];
    if (pageNo === 0) e.push({ tag: 270, type: 2, values: asciiz(description) });
    e.push(
      { tag: 273, type: 4, values: [dataOffset] },
      { tag: 277, type: 3, values: [1] },
      { tag: 278, type: 4, values: [height] },
      { tag: 279, type: 4, values: [planeBytes] },
    );
    if (xres && yres) {
      e.push({ tag: 282, type: 5, values: xres }, { tag: 283, type: 5, values: yres }, { tag: 296, type: 3, values: [1] });
    }
    e.push({ tag: 339, type: 3, values: [info.format] });
    return e;
  };
  const ifdSize = (entries: Entry[]): number => {
    let s = 2 + entries.length * 12 + 4;
    for (const en of entries) {
      const len = entryBytes(en);
      if (len > 4) s += len + (len & 1);
    }
    return s;
  };

  // Layout: header, IFD 0, data, IFDs 1..n-1.
  const ifd0Size = ifdSize(entriesFor(0, 0));
  const dataStart = 8 + ifd0Size + ((8 + ifd0Size) & 1);
  const dataEnd = dataStart + planeBytes * n;
  const restStart = dataEnd + (dataEnd & 1);
  const otherSize = n > 1 ? ifdSize(entriesFor(1, 0)) : 0;
  const total = restStart + otherSize * (n - 1);
  if (total > 0xffffffff) throw new Error('encodeTiff: stack too large for a classic TIFF (over 4 GiB)');

  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out[0] = 0x49;
  out[1] = 0x49;
  dv.setUint16(2, 42, true);
  dv.setUint32(4, 8, true);

  const ifdOffsets = [8, ...Array.from({ length: n - 1 }, (_, i) => restStart + i * otherSize)];
  for (let k = 0; k < n; k++) {
    const entries = entriesFor(k, dataStart + k * planeBytes);
    const at = ifdOffsets[k] as number;
    const next = k + 1 < n ? (ifdOffsets[k + 1] as number) : 0;
    writeIfd(dv, out, at, entries, next);
  }

  // Pixel data, little-endian.
  let off = dataStart;
  for (const p of order) {
    const d = p.data;
    switch (info.format === 3 ? `f${info.bits}` : `${info.format === 2 ? 'i' : 'u'}${info.bits}`) {
      case 'u8':
        out.set(d as Uint8Array, off);
        off += d.length;
        break;
      case 'u16':
        for (let i = 0; i < d.length; i++, off += 2) dv.setUint16(off, d[i] as number, true);
        break;
      case 'i16':
        for (let i = 0; i < d.length; i++, off += 2) dv.setInt16(off, d[i] as number, true);
        break;
      case 'u32':
        for (let i = 0; i < d.length; i++, off += 4) dv.setUint32(off, d[i] as number, true);
        break;
      case 'i32':
        for (let i = 0; i < d.length; i++, off += 4) dv.setInt32(off, d[i] as number, true);
        break;
      case 'f32':
        for (let i = 0; i < d.length; i++, off += 4) dv.setFloat32(off, d[i] as number, true);
        break;
      case 'f64':
        for (let i = 0; i < d.length; i++, off += 8) dv.setFloat64(off, d[i] as number, true);
        break;
    }
  }
  return out;
}

/** Bytes of an entry's values (a RATIONAL is stored as two numbers in `values`). */
function entryBytes(en: Entry): number {
  const count = en.type === 5 ? en.values.length / 2 : en.values.length;
  return count * (TYPE_BYTES[en.type] as number);
}

function asciiz(s: string): Uint8Array {
  const b = new Uint8Array(s.length + 1);
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    b[i] = code < 128 ? code : 0x3f; // '?' for non-ASCII (TIFF ASCII is 7-bit)
  }
  return b;
}

function writeIfd(dv: DataView, out: Uint8Array, at: number, entries: Entry[], next: number): void {
  entries.sort((a, b) => a.tag - b.tag);
  dv.setUint16(at, entries.length, true);
  let extra = at + 2 + entries.length * 12 + 4;
  entries.forEach((en, i) => {
    const p = at + 2 + i * 12;
    const count = en.type === 5 ? en.values.length / 2 : en.values.length;
    dv.setUint16(p, en.tag, true);
    dv.setUint16(p + 2, en.type, true);
    dv.setUint32(p + 4, count, true);
    const len = entryBytes(en);
    let vAt = p + 8;
    if (len > 4) {
      dv.setUint32(p + 8, extra, true);
      vAt = extra;
      extra += len + (len & 1);
    }
    if (en.type === 2) out.set(en.values as Uint8Array, vAt);
    else {
      const vals = en.values as number[];
      for (let j = 0; j < vals.length; j++) {
        if (en.type === 3) dv.setUint16(vAt + 2 * j, vals[j] as number, true);
        else dv.setUint32(vAt + 4 * j, vals[j] as number, true); // LONG, and RATIONAL as 2 LONGs
      }
    }
  });
  dv.setUint32(at + 2 + entries.length * 12, next, true);
}

/**
 * Encodes 8-bit pixels as PNG: grey (1 value per pixel), RGB (3) or RGBA (4); the channel count
 * is taken from `channels` or inferred from the data length.
 */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels?: 1 | 3 | 4): Uint8Array {
  const ch = channels ?? pixels.length / (width * height);
  if (ch !== 1 && ch !== 3 && ch !== 4) throw new Error(`encodePng: ${pixels.length} bytes do not fit ${width}×${height} grey/RGB/RGBA`);
  if (pixels.length !== width * height * ch) throw new Error(`encodePng: expected ${width * height * ch} bytes, got ${pixels.length}`);
  return encodePngLib({ width, height, data: pixels, channels: ch, depth: 8 });
}
