/**
 * Writing OME-Zarr images (for tests, benchmarks, and converting data): OME-Zarr 0.4 (Zarr v2)
 * or 0.5 (Zarr v3), chunk by chunk through zarrita, so that an image of any size can be written
 * from a callback that fills one chunk at a time without ever being in memory as a whole.
 * Optional pyramid levels are made from the level before, 2×2 means in y and x, again chunk by
 * chunk (each level's chunks are read back from the store).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import * as zarr from 'zarrita';
import { UserError } from '../../core/errors.js';
import type { PixelSize } from '../../core/types.js';
import { dtypeOf, type PixelArray } from './format.js';
import { copyBox } from './source.js';
import { installZarrCodecs } from './zarr-codecs.js';
import { isZarrFolder } from './zarr.js';

/** The compressor of the chunks written. */
export type ZarrCodec = 'blosc' | 'zstd' | 'gzip' | 'none';

/** Data types writeOmeZarr writes (those of RawImage). */
export type ZarrDtype = 'uint8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

/**
 * Fills one chunk: the pixels of the box [start, stop) (one pair per dimension) in C order,
 * `stop − start` in shape, in the array's data type (another typed array is converted).
 */
export type ChunkFiller = (start: number[], stop: number[]) => PixelArray | Promise<PixelArray>;

/** Options of writeOmeZarr. */
export interface WriteOmeZarrOptions {
  /** The array's shape; the last two dimensions are rows and columns. */
  shape: number[];
  /** Data type (default: that of a given array, else 'uint16'). */
  dtype?: ZarrDtype;
  /** Axis letters from 'tczyx', in that order (OME-Zarr's rule), one per dimension (default: 'yx', 'zyx', 'czyx', 'tczyx' by rank). */
  axes?: string;
  /** Chunk shape (default: 1 for each dimension before the plane, min(1024, size) for y and x). */
  chunks?: number[];
  /** µm per pixel {y, x}: written as the scale of y and x with unit micrometer. */
  pixelSize?: PixelSize;
  /** µm per slice: the scale of z with unit micrometer. */
  zStep?: number;
  /** Zarr format: 2 (OME-Zarr 0.4, the default) or 3 (OME-Zarr 0.5). */
  version?: 2 | 3;
  /** Chunk compressor (default 'blosc': lz4 with byte shuffle, as ome-zarr-py writes). */
  codec?: ZarrCodec;
  /** Compression level (codec's own default when absent). */
  codecLevel?: number;
  /** Pyramid levels, 1 (default: full resolution only) or more, each 2× smaller in y and x. */
  levels?: number;
  /** The multiscale's name. */
  name?: string;
  /** Called after each chunk written: (chunks done, chunks in all levels). */
  onProgress?: (done: number, total: number) => void;
}

const V2_DTYPE: Record<ZarrDtype, string> = {
  uint8: '|u1',
  uint16: '<u2',
  int16: '<i2',
  uint32: '<u4',
  int32: '<i4',
  float32: '<f4',
  float64: '<f8',
};

const CTOR: Record<ZarrDtype, { new (n: number): PixelArray; readonly BYTES_PER_ELEMENT: number }> = {
  uint8: Uint8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
};

/** The store writeOmeZarr writes through: files under a folder, keys as zarrita gives them ('/0/c/0/0'). */
class WriteStore {
  constructor(readonly root: string) {}
  private file(key: string): string {
    const rel = key.replace(/^\/+/, '');
    if (rel.split('/').some((p) => p === '..')) throw new Error(`bad key ${key}`);
    return path.join(this.root, ...rel.split('/'));
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const b = await fsp.readFile(this.file(key));
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }
  async set(key: string, value: Uint8Array): Promise<void> {
    const f = this.file(key);
    await fsp.mkdir(path.dirname(f), { recursive: true });
    await fsp.writeFile(f, value);
  }
}

/** JSON with non-ASCII characters escaped (zarr-python 2 reads metadata as ASCII). */
const json = (v: unknown) =>
  new TextEncoder().encode(JSON.stringify(v, null, 2).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));

function v2Compressor(codec: ZarrCodec, level: number | undefined): Record<string, unknown> | null {
  switch (codec) {
    case 'blosc':
      return { id: 'blosc', cname: 'lz4', clevel: level ?? 5, shuffle: 1, blocksize: 0 };
    case 'zstd':
      return { id: 'zstd', level: level ?? 3 };
    case 'gzip':
      return { id: 'gzip', level: level ?? 6 };
    default:
      return null;
  }
}

function v3Codecs(codec: ZarrCodec, level: number | undefined, itemsize: number): zarr.CodecMetadata[] {
  const bytes: zarr.CodecMetadata = { name: 'bytes', configuration: { endian: 'little' } };
  switch (codec) {
    case 'blosc':
      return [bytes, { name: 'blosc', configuration: { cname: 'lz4', clevel: level ?? 5, shuffle: 'shuffle', typesize: itemsize, blocksize: 0 } }];
    case 'zstd':
      return [bytes, { name: 'zstd', configuration: { level: level ?? 3, checksum: false } }];
    case 'gzip':
      return [bytes, { name: 'gzip', configuration: { level: level ?? 6 } }];
    default:
      return [bytes];
  }
}

const AXIS_META: Record<string, { name: string; type: string }> = {
  t: { name: 't', type: 'time' },
  c: { name: 'c', type: 'channel' },
  z: { name: 'z', type: 'space' },
  y: { name: 'y', type: 'space' },
  x: { name: 'x', type: 'space' },
};

/** Every chunk's box of an array, in C order of the chunk grid. */
function* chunkBoxes(shape: number[], chunks: number[]): Generator<{ start: number[]; stop: number[] }> {
  const grid = shape.map((n, i) => Math.ceil(n / (chunks[i] as number)));
  if (grid.some((g) => g === 0)) return;
  const idx = grid.map(() => 0);
  while (true) {
    const start = idx.map((k, i) => k * (chunks[i] as number));
    const stop = start.map((a, i) => Math.min(a + (chunks[i] as number), shape[i] as number));
    yield { start, stop };
    let i = grid.length - 1;
    for (; i >= 0; i--) {
      idx[i] = (idx[i] as number) + 1;
      if ((idx[i] as number) < (grid[i] as number)) break;
      idx[i] = 0;
    }
    if (i < 0) return;
  }
}

/** 2×2 means in the last two dimensions of a C-ordered block of shape `dims` (odd edges: the mean of what is there), into `out` of the half shape. */
function downsample(src: PixelArray, dims: number[], out: PixelArray, outDims: number[], integer: boolean): void {
  const nd = dims.length;
  const h = dims[nd - 2] as number;
  const w = dims[nd - 1] as number;
  const oh = outDims[nd - 2] as number;
  const ow = outDims[nd - 1] as number;
  const planes = dims.slice(0, -2).reduce((a, b) => a * b, 1);
  for (let p = 0; p < planes; p++) {
    const sb = p * h * w;
    const ob = p * oh * ow;
    for (let r = 0; r < oh; r++) {
      for (let c = 0; c < ow; c++) {
        let sum = 0;
        let k = 0;
        for (let dr = 0; dr < 2; dr++) {
          const rr = 2 * r + dr;
          if (rr >= h) continue;
          for (let dc = 0; dc < 2; dc++) {
            const cc = 2 * c + dc;
            if (cc >= w) continue;
            sum += src[sb + rr * w + cc] as number;
            k++;
          }
        }
        const m = sum / k;
        out[ob + r * ow + c] = integer ? Math.round(m) : m;
      }
    }
  }
}

/**
 * Writes an OME-Zarr image into the new folder `dir` (refused with code 'exists' when it exists)
 * from a whole C-ordered array or from a ChunkFiller called once per chunk (in chunk-grid order),
 * so that only one chunk is in memory at a time. Writes OME-Zarr 0.4 (`version` 2: `.zgroup`,
 * `.zattrs` with `multiscales`, `N/.zarray`, chunk keys `N/i/j` ) or 0.5 (`version` 3:
 * `zarr.json` with `attributes.ome`, chunk keys `N/c/i/j`), with axes, the pixel size (and z
 * step) as each level's scale in micrometer, and `levels` pyramid levels (2×2 means).
 */
export async function writeOmeZarr(dir: string, data: PixelArray | ChunkFiller, options: WriteOmeZarrOptions): Promise<void> {
  const shape = options.shape;
  const nd = shape.length;
  if (nd < 2 || nd > 5 || !shape.every((n) => Number.isSafeInteger(n) && n >= 1)) {
    throw new RangeError(`writeOmeZarr: shape (${shape.join(', ')}) must have 2 to 5 dimensions of at least 1`);
  }
  const dtype: ZarrDtype = options.dtype ?? (typeof data === 'function' ? 'uint16' : (dtypeOf(data) as ZarrDtype));
  if (!(dtype in CTOR)) throw new RangeError(`writeOmeZarr: unsupported dtype ${String(dtype)}`);
  const total = shape.reduce((a, b) => a * b, 1);
  if (typeof data !== 'function' && data.length !== total) {
    throw new RangeError(`writeOmeZarr: the data has ${data.length} values, the shape (${shape.join(', ')}) needs ${total}`);
  }
  const axes = options.axes ?? 'tczyx'.slice(5 - nd);
  if (axes.length !== nd || !/^t?c?z?yx$/.test(axes)) {
    throw new RangeError(`writeOmeZarr: axes '${axes}' must be ${nd} letters of 'tczyx' in that order, ending in 'yx'`);
  }
  const chunks = options.chunks ?? shape.map((n, i) => (i >= nd - 2 ? Math.min(1024, n) : 1));
  if (chunks.length !== nd || !chunks.every((c) => Number.isSafeInteger(c) && c >= 1)) {
    throw new RangeError(`writeOmeZarr: chunks (${chunks.join(', ')}) must be ${nd} positive integers`);
  }
  const version = options.version ?? 2;
  const codec = options.codec ?? 'blosc';
  const nLevels = options.levels ?? 1;
  if (!Number.isSafeInteger(nLevels) || nLevels < 1) throw new RangeError(`writeOmeZarr: levels must be a positive integer, got ${nLevels}`);
  try {
    await fsp.stat(dir);
    throw new UserError(`already exists${isZarrFolder(dir) ? ' (a Zarr store)' : ''}: writeOmeZarr writes a new folder`, dir, 'exists');
  } catch (err) {
    if (err instanceof UserError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  installZarrCodecs();
  const store = new WriteStore(dir);
  await fsp.mkdir(dir, { recursive: true });

  // the levels' shapes and scales
  const levelShapes: number[][] = [shape];
  for (let k = 1; k < nLevels; k++) {
    const prev = levelShapes[k - 1] as number[];
    levelShapes.push(prev.map((n, i) => (i >= nd - 2 ? Math.ceil(n / 2) : n)));
  }
  const axisMeta = [...axes].map((a) => {
    const m: Record<string, string> = { ...(AXIS_META[a] as { name: string; type: string }) };
    if ((a === 'y' || a === 'x') && options.pixelSize) m.unit = 'micrometer';
    if (a === 'z' && options.zStep !== undefined) m.unit = 'micrometer';
    return m;
  });
  const scaleOf = (k: number) =>
    [...axes].map((a) => {
      const f = 2 ** k;
      if (a === 'y') return (options.pixelSize?.y ?? 1) * f;
      if (a === 'x') return (options.pixelSize?.x ?? 1) * f;
      if (a === 'z') return options.zStep ?? 1;
      return 1;
    });
  const multiscale: Record<string, unknown> = {
    ...(version === 2 ? { version: '0.4' } : {}),
    ...(options.name !== undefined ? { name: options.name } : {}),
    axes: axisMeta,
    datasets: levelShapes.map((_, k) => ({ path: String(k), coordinateTransformations: [{ type: 'scale', scale: scaleOf(k) }] })),
    ...(nLevels > 1 ? { type: 'mean', metadata: { description: '2x2 means in y and x', method: 'deepblink writeOmeZarr' } } : {}),
  };
  const levelChunks = (k: number) => (levelShapes[k] as number[]).map((n, i) => Math.min(chunks[i] as number, n));
  const arrays: zarr.Array<zarr.DataType, WriteStore>[] = [];
  const root = zarr.root(store);
  if (version === 2) {
    await store.set('/.zgroup', json({ zarr_format: 2 }));
    await store.set('/.zattrs', json({ multiscales: [multiscale] }));
    for (let k = 0; k < nLevels; k++) {
      await store.set(
        `/${k}/.zarray`,
        json({
          zarr_format: 2,
          shape: levelShapes[k],
          chunks: levelChunks(k),
          dtype: V2_DTYPE[dtype],
          compressor: v2Compressor(codec, options.codecLevel),
          fill_value: 0,
          order: 'C',
          filters: null,
          dimension_separator: '/',
        }),
      );
      arrays.push(await zarr.open.v2(root.resolve(String(k)), { kind: 'array', attrs: false }));
    }
  } else {
    await store.set('/zarr.json', json({ zarr_format: 3, node_type: 'group', attributes: { ome: { version: '0.5', multiscales: [multiscale] } } }));
    for (let k = 0; k < nLevels; k++) {
      arrays.push(
        await zarr.create(root.resolve(String(k)), {
          shape: levelShapes[k] as number[],
          chunkShape: levelChunks(k),
          dtype,
          codecs: v3Codecs(codec, options.codecLevel, CTOR[dtype].BYTES_PER_ELEMENT),
          fillValue: 0,
          dimensionNames: [...axes],
        }),
      );
    }
  }

  const Ctor = CTOR[dtype];
  const integer = !dtype.startsWith('float');
  let done = 0;
  const count = (k: number) => (levelShapes[k] as number[]).reduce((a, n, i) => a * Math.ceil(n / (levelChunks(k)[i] as number)), 1);
  let all = 0;
  for (let k = 0; k < nLevels; k++) all += count(k);
  const put = async (arr: zarr.Array<zarr.DataType, WriteStore>, start: number[], stop: number[], values: PixelArray) => {
    const dims = stop.map((b, i) => b - (start[i] as number));
    const n = dims.reduce((a, b) => a * b, 1);
    if (values.length !== n)
      throw new RangeError(`writeOmeZarr: the chunk [${start.join(', ')}) – [${stop.join(', ')}) needs ${n} values, got ${values.length}`);
    let typed = values;
    if (!(values instanceof Ctor)) {
      typed = new Ctor(n);
      typed.set(values);
    }
    const stride = dims.map((_, i) => dims.slice(i + 1).reduce((a, b) => a * b, 1));
    await zarr.set(
      arr,
      start.map((a, i) => zarr.slice(a, stop[i] as number)),
      { data: typed, shape: dims, stride } as unknown as zarr.Chunk<zarr.DataType>,
    );
    options.onProgress?.(++done, all);
  };
  for (const { start, stop } of chunkBoxes(shape, levelChunks(0))) {
    const values = typeof data === 'function' ? await data(start, stop) : copyBox({ data, shape }, start, stop);
    await put(arrays[0] as zarr.Array<zarr.DataType, WriteStore>, start, stop, values);
  }
  for (let k = 1; k < nLevels; k++) {
    const prev = arrays[k - 1] as zarr.Array<zarr.DataType, WriteStore>;
    const prevShape = levelShapes[k - 1] as number[];
    for (const { start, stop } of chunkBoxes(levelShapes[k] as number[], levelChunks(k))) {
      const s0 = start.map((a, i) => (i >= nd - 2 ? 2 * a : a));
      const s1 = stop.map((b, i) => (i >= nd - 2 ? Math.min(2 * b, prevShape[i] as number) : b));
      const src = await zarr.get(
        prev,
        s0.map((a, i) => zarr.slice(a, s1[i] as number)),
      );
      const outDims = stop.map((b, i) => b - (start[i] as number));
      const out = new Ctor(outDims.reduce((a, b) => a * b, 1));
      downsample(
        src.data as unknown as PixelArray,
        s1.map((b, i) => b - (s0[i] as number)),
        out,
        outDims,
        integer,
      );
      await put(arrays[k] as zarr.Array<zarr.DataType, WriteStore>, start, stop, out);
    }
  }
}
