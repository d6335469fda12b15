/**
 * OME-Zarr input, read lazily: an image stored as a folder of chunks (`cells.ome.zarr/`), opened
 * from its metadata alone and read box by box, each box fetching and decoding only the chunks
 * it touches (zarrita's `get` with slices). Nothing of the array's size is allocated on open.
 *
 * What is read:
 * - OME-Zarr 0.4 (Zarr v2: `.zattrs` with `multiscales`, arrays with `.zarray`) and 0.5 (Zarr
 *   v3: `zarr.json` with `attributes.ome.multiscales`); older 0.1–0.3 metadata too (axes as
 *   names, or none). The bioformats2raw layout (images in numbered sub-groups) opens series 0.
 *   A bare Zarr array (a folder with `.zarray`, or a `zarr.json` of node_type array) is read as
 *   it is, without OME metadata (format 'Zarr').
 * - One level of the multiscale pyramid: level 0 (full resolution) unless `level` says another.
 * - Axes from `multiscales[0].axes` (names t, c, z, y, x, or types time/channel → our letters),
 *   pixel size and z step from the level's `coordinateTransformations` scale (times the
 *   multiscale's own, when it has one), only for axes whose unit is a length unit.
 * - Chunks compressed with blosc, zstd, gzip, zlib (bounded: zarr-codecs.ts) or lz4, with the
 *   filters zarrita knows; data types uint8, uint16, int16, uint32, int32, float32, float64.
 * - Missing chunk files read as the array's fill value (Zarr's rule for regions never
 *   written); a read that met some says so in its warnings.
 * Remote stores (s3://, https://) are not read yet.
 *
 * Bounds: a read is refused before anything is fetched when its box holds more than `maxPixels`
 * values (the limit of decodeLimits, as for every image); chunks larger than that are refused
 * on open; a chunk file larger than its chunk could ever compress to is not read; every
 * decompressor is bounded by the chunk's size (zarr-codecs.ts). A read decodes at most
 * READ_CONCURRENCY chunks at a time.
 */
import { promises as fsp, statSync } from 'node:fs';
import path from 'node:path';
import * as zarr from 'zarrita';
import { UserError } from '../../core/errors.js';
import type { PixelSize } from '../../core/types.js';
import {
  checkDecodedSize,
  decodeLimits,
  describeDecodeError,
  imageError,
  plausiblePixelSize,
  type DecodeLimits,
  type PixelArray,
  type RawImage,
} from './format.js';
import { micronsPerUnit } from './metadata.js';
import { BYTES_PER_VALUE, chunkByteBound, installZarrCodecs, isKnownCodec } from './zarr-codecs.js';
import type { ImageSource } from './source.js';

/** The data types an OME-Zarr image may have (those of RawImage). */
export const ZARR_DTYPES: readonly string[] = ['uint8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'float64'];

/** Chunks one read decodes at the same time (memory: this many chunks beside the box). */
export const READ_CONCURRENCY = 4;

/** The largest metadata file (zarr.json, .zattrs, ...) read, in bytes. */
const MAX_METADATA_BYTES = 16 * 1024 * 1024;

/** One level of a multiscale pyramid. */
export interface ZarrLevel {
  /** The array's path inside the store ('0', 's1', ...). */
  path: string;
  /** Its shape (empty when its metadata is missing). */
  shape: number[];
  /** Its chunk shape (empty when its metadata is missing). */
  chunks: number[];
}

/** What an OME-Zarr store holds, beyond ImageSource's fields (for `deepblink check`). */
export interface ZarrInfo {
  /** Zarr format: 2 (`.zarray`) or 3 (`zarr.json`). */
  zarrVersion: 2 | 3;
  /** OME-Zarr (NGFF) version of the multiscales metadata ('0.4', '0.5'), absent for a bare array. */
  omeVersion?: string;
  /** The multiscale's name, when it has one. */
  name?: string;
  /** The level read (index into `levels`). */
  level: number;
  /** Every level of the pyramid, full resolution first. */
  levels: ZarrLevel[];
  /** The chunks' codecs in words ('blosc (zstd, level 5, shuffle)', 'gzip (level 6)', 'none'). */
  compressor: string;
  /** The value of chunks that are not stored. */
  fillValue: number;
  /** Where the image is inside the store ('' = the root; '0' for series 0 of a bioformats2raw store). */
  image: string;
}

/** A store as zarr.ts reads it: bytes by key ('/0/c/0/0'), undefined for a missing key. */
export interface ZarrReadStore {
  get(key: string): Promise<Uint8Array | undefined>;
}

/** Options of openOmeZarr. */
export interface OpenZarrOptions {
  /** The most pixel values one read may return (default: decodeLimits' default). */
  maxPixels?: number;
  /** Level of the multiscale pyramid (0 = full resolution, the default). */
  level?: number;
  /** Wraps the folder store (tests count the chunk reads with it). */
  wrapStore?: (store: ZarrReadStore) => ZarrReadStore;
}

/** True for a path that names a remote store or file (s3://, https://, gs://, ...). */
export function isRemotePath(p: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(p);
}

/** The error for a remote path. */
export function remoteError(p: string): UserError {
  return imageError('remote stores are not supported yet (s3://, http(s)://, ...): copy the image to a local folder first', p, 'unreadable');
}

const METADATA_FILES = ['zarr.json', '.zattrs', '.zgroup', '.zarray'];

/** True when `dir` is a folder holding Zarr metadata (zarr.json, .zattrs, .zgroup or .zarray). */
export function isZarrFolder(dir: string): boolean {
  try {
    if (!statSync(dir).isDirectory()) return false;
    return METADATA_FILES.some((f) => {
      try {
        return statSync(path.join(dir, f)).isFile();
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** The local folder store, counting the chunk files that are missing. */
class FolderStore implements ZarrReadStore {
  /** How many chunk files asked for were missing. */
  missingChunks = 0;
  /** The largest chunk file read (set once the array is known). */
  maxFileBytes = MAX_METADATA_BYTES;
  constructor(readonly root: string) {}
  async get(key: string): Promise<Uint8Array | undefined> {
    const rel = key.replace(/^\/+/, '');
    const isMeta = METADATA_FILES.includes(path.posix.basename(rel)) || rel.endsWith('.zmetadata');
    if (rel.split('/').some((p) => p === '..')) return undefined;
    const file = path.join(this.root, ...rel.split('/'));
    let handle;
    try {
      handle = await fsp.open(file, 'r');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        if (!isMeta) this.missingChunks++;
        return undefined;
      }
      throw imageError(
        `cannot read ${rel} (${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? (err as Error).message)})`,
        this.root,
        'unreadable',
      );
    }
    try {
      const st = await handle.stat();
      if (st.isDirectory()) throw imageError(`${rel} is a folder where a ${isMeta ? 'metadata file' : 'chunk file'} was expected`, this.root);
      const limit = isMeta ? MAX_METADATA_BYTES : this.maxFileBytes;
      if (st.size > limit)
        throw imageError(`${rel} is ${st.size} bytes, more than a ${isMeta ? 'metadata file' : 'chunk of this array'} can be (${limit})`, this.root);
      const buf = await handle.readFile();
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } finally {
      await handle.close();
    }
  }
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

async function readJson(store: ZarrReadStore, key: string, file: string): Promise<Json | undefined> {
  const bytes = await store.get(key);
  if (bytes === undefined) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw imageError(`corrupt Zarr metadata: ${key.replace(/^\//, '')} is not valid JSON`, file);
  }
  if (!isObject(doc)) throw imageError(`corrupt Zarr metadata: ${key.replace(/^\//, '')} is not a JSON object`, file);
  return doc;
}

const join = (prefix: string, name: string) => (prefix === '' ? `/${name}` : `/${prefix}/${name}`);

/** A node of the store: a group (with its attributes) or an array (with its metadata). */
type ZarrNode = { version: 2 | 3; kind: 'group'; attrs: Json } | { version: 2 | 3; kind: 'array'; meta: Json; attrs: Json };

async function readNode(store: ZarrReadStore, prefix: string, file: string): Promise<ZarrNode | undefined> {
  const v3 = await readJson(store, join(prefix, 'zarr.json'), file);
  if (v3) {
    if (v3.zarr_format !== 3)
      throw imageError(`corrupt Zarr metadata: ${join(prefix, 'zarr.json').slice(1)} has zarr_format ${JSON.stringify(v3.zarr_format)}, not 3`, file);
    const attrs = isObject(v3.attributes) ? v3.attributes : {};
    if (v3.node_type === 'array') return { version: 3, kind: 'array', meta: v3, attrs };
    if (v3.node_type === 'group') return { version: 3, kind: 'group', attrs };
    throw imageError(`corrupt Zarr metadata: ${join(prefix, 'zarr.json').slice(1)} has node_type ${JSON.stringify(v3.node_type)}`, file);
  }
  const zarray = await readJson(store, join(prefix, '.zarray'), file);
  const zattrs = await readJson(store, join(prefix, '.zattrs'), file);
  if (zarray) return { version: 2, kind: 'array', meta: zarray, attrs: zattrs ?? {} };
  const zgroup = zattrs ? undefined : await readJson(store, join(prefix, '.zgroup'), file);
  if (zattrs || zgroup) return { version: 2, kind: 'group', attrs: zattrs ?? {} };
  return undefined;
}

/** Shape and chunk shape from array metadata (v2 `.zarray` or v3 `zarr.json`). */
function arrayGeometry(meta: Json, version: 2 | 3): { shape: number[]; chunks: number[] } {
  const ints = (v: unknown) => (Array.isArray(v) && v.every((n) => Number.isSafeInteger(n) && (n as number) >= 0) ? (v as number[]) : undefined);
  const shape = ints(meta.shape);
  let chunks: number[] | undefined;
  if (version === 2) chunks = ints(meta.chunks);
  else {
    const grid = meta.chunk_grid as { configuration?: { chunk_shape?: unknown } } | undefined;
    chunks = ints(grid?.configuration?.chunk_shape);
  }
  if (!shape || !chunks || chunks.length !== shape.length || chunks.some((c) => c < 1)) throw new Error('bad geometry');
  return { shape, chunks };
}

/** The codec names of array metadata, for the check against the registry and for describing them. */
function codecList(meta: Json, version: 2 | 3): { name: string; config: Json }[] {
  const out: { name: string; config: Json }[] = [];
  if (version === 2) {
    for (const f of Array.isArray(meta.filters) ? meta.filters : []) if (isObject(f)) out.push({ name: String(f.id), config: f });
    if (isObject(meta.compressor)) out.push({ name: String(meta.compressor.id), config: meta.compressor });
    return out;
  }
  const visit = (list: unknown) => {
    for (const c of Array.isArray(list) ? list : []) {
      if (!isObject(c)) continue;
      const config = isObject(c.configuration) ? c.configuration : {};
      out.push({ name: String(c.name), config });
      if (c.name === 'sharding_indexed') {
        visit(config.codecs);
        visit(config.index_codecs);
      }
    }
  };
  visit(meta.codecs);
  return out;
}

const NOT_COMPRESSORS = new Set(['bytes', 'transpose', 'crc32c', 'sharding_indexed', 'endian']);

function describeCodecs(list: { name: string; config: Json }[], meta: Json): string {
  const parts: string[] = [];
  for (const { name, config } of list) {
    if (NOT_COMPRESSORS.has(name)) continue;
    const level = config.clevel ?? config.level;
    const bits: string[] = [];
    if (name === 'blosc' && config.cname !== undefined) bits.push(String(config.cname));
    if (level !== undefined) bits.push(`level ${String(level)}`);
    if (name === 'blosc' && config.shuffle !== undefined) {
      const s = config.shuffle;
      bits.push(s === 0 || s === 'noshuffle' ? 'no shuffle' : s === 2 || s === 'bitshuffle' ? 'bit shuffle' : 'shuffle');
    }
    parts.push(bits.length ? `${name} (${bits.join(', ')})` : name);
  }
  let out = parts.length ? parts.join(' + ') : 'none';
  const shard = list.find((c) => c.name === 'sharding_indexed');
  if (shard && Array.isArray(shard.config.chunk_shape)) out += `; sharded, inner chunks ${(shard.config.chunk_shape as number[]).join('×')}`;
  if (meta.order === 'F') out += '; Fortran order';
  return out;
}

/** The first `scale` of a coordinateTransformations list, when it is a list of numbers of length n. */
function scaleOf(list: unknown, n: number): number[] | undefined {
  if (!Array.isArray(list)) return undefined;
  for (const t of list) {
    if (
      isObject(t) &&
      t.type === 'scale' &&
      Array.isArray(t.scale) &&
      t.scale.length === n &&
      t.scale.every((v) => typeof v === 'number' && Number.isFinite(v))
    ) {
      return t.scale as number[];
    }
  }
  return undefined;
}

/** Axis letters (and units) from multiscales[0].axes; undefined when the metadata has none. */
function omeAxes(ms: Json, ndim: number, omeVersion: string | undefined, file: string, warnings: string[]): { axes?: string; units: (string | undefined)[] } {
  const list = ms.axes;
  if (list === undefined) {
    // OME-Zarr 0.1 and 0.2 have no axes: their arrays are always 5-D t, c, z, y, x.
    if (ndim === 5 && omeVersion !== undefined && /^0\.[12]\b/.test(omeVersion)) return { axes: 'tczyx', units: [] };
    warnings.push('no axes in the OME-Zarr metadata: guessed from the shape (set --axes if wrong)');
    return { units: [] };
  }
  if (!Array.isArray(list)) throw imageError("corrupt OME-Zarr metadata: 'axes' is not a list", file);
  if (list.length !== ndim) throw imageError(`OME-Zarr metadata lists ${list.length} axes but the array has ${ndim} dimensions`, file);
  let axes = '';
  const units: (string | undefined)[] = [];
  for (const a of list) {
    const name = typeof a === 'string' ? a : isObject(a) ? a.name : undefined;
    const type = isObject(a) && typeof a.type === 'string' ? a.type.toLowerCase() : undefined;
    const lower = typeof name === 'string' ? name.toLowerCase() : '';
    let letter: string | undefined;
    if (lower.length === 1 && 'tczyx'.includes(lower)) letter = lower;
    else if (type === 'time') letter = 't';
    else if (type === 'channel') letter = 'c';
    if (!letter) {
      throw imageError(`OME-Zarr axis '${String(name)}'${type ? ` (type ${type})` : ''} is not supported: axes must be named t, c, z, y or x`, file);
    }
    if (axes.includes(letter)) throw imageError(`OME-Zarr metadata names axis '${letter}' twice`, file);
    axes += letter;
    units.push(isObject(a) && typeof a.unit === 'string' ? a.unit : undefined);
  }
  if (!axes.endsWith('yx')) throw imageError(`OME-Zarr axes '${axes}': the last two must be y and x (rows, columns)`, file);
  return { axes, units };
}

/** Axis letters of a bare array from its dimension names (v3 dimension_names, v2 xarray's _ARRAY_DIMENSIONS), when they are t/c/z/y/x. */
function bareAxes(node: ZarrNode & { kind: 'array' }): string | undefined {
  const names = node.meta.dimension_names ?? node.attrs._ARRAY_DIMENSIONS;
  if (!Array.isArray(names)) return undefined;
  const axes = names.map((n) => (typeof n === 'string' ? n.toLowerCase() : '')).join('');
  if (axes.length !== names.length || !/^[tczyx]*yx$/.test(axes) || new Set(axes).size !== axes.length) return undefined;
  return axes;
}

/** Pixel size and z step from a level's scale and the axes' units (length units only). */
function physical(
  axes: string | undefined,
  units: (string | undefined)[],
  scale: number[] | undefined,
  warnings: string[],
): { pixelSize?: PixelSize; zStep?: number } {
  if (!axes || !scale) return {};
  const um = (letter: string): number | undefined => {
    const i = axes.indexOf(letter);
    if (i < 0) return undefined;
    const f = micronsPerUnit(units[i]);
    const v = (scale[i] as number) * (f ?? NaN);
    return Number.isFinite(v) && v > 0 ? v : undefined;
  };
  const y = um('y');
  const x = um('x');
  const out: { pixelSize?: PixelSize; zStep?: number } = {};
  const ps = y !== undefined && x !== undefined ? plausiblePixelSize({ y, x }, 'OME-Zarr metadata', warnings) : undefined;
  if (ps) out.pixelSize = ps;
  const z = um('z');
  if (z !== undefined) out.zStep = z;
  return out;
}

/** Why a level cannot be read as a RawImage's data type, or undefined. */
function dtypeProblem(dtype: string): string | undefined {
  if (ZARR_DTYPES.includes(dtype)) return undefined;
  return `data type ${dtype} is not supported (expected ${ZARR_DTYPES.join(', ')})`;
}

/** A ChunkQueue (zarrita) running at most `limit` tasks at a time. */
function limitedQueue(limit: number) {
  const waiting: (() => void)[] = [];
  let active = 0;
  const all: Promise<void>[] = [];
  return {
    add(fn: () => Promise<void>) {
      all.push(
        (async () => {
          if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
          else active++;
          try {
            await fn();
          } finally {
            const next = waiting.shift();
            if (next) next();
            else active--;
          }
        })(),
      );
    },
    onIdle: () => Promise.all(all),
  };
}

/** Checks a box against a shape; a misuse of `read` is a RangeError (a bug in the caller). */
export function checkBox(shape: readonly number[], start: readonly number[], stop: readonly number[]): number[] {
  if (start.length !== shape.length || stop.length !== shape.length) {
    throw new RangeError(`read: start and stop need ${shape.length} values (one per dimension), got ${start.length} and ${stop.length}`);
  }
  return shape.map((n, i) => {
    const a = start[i] as number;
    const b = stop[i] as number;
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || a < 0 || b > n || a > b) {
      throw new RangeError(`read: box [${start.join(', ')}) – [${stop.join(', ')}) is not inside the image of shape (${shape.join(', ')})`);
    }
    return b - a;
  });
}

/** An OME-Zarr image opened lazily (see the module comment). */
export class ZarrSource implements ImageSource {
  readonly format: string;
  readonly shape: number[];
  readonly dtype: string;
  readonly axes?: string;
  readonly pixelSize?: PixelSize;
  readonly zStep?: number;
  readonly chunks: number[];
  readonly warnings: string[];
  /** The store's description (versions, levels, compressor). */
  readonly zarr: ZarrInfo;

  /** @internal */
  constructor(
    readonly path: string,
    init: {
      format: string;
      shape: number[];
      dtype: string;
      axes?: string;
      pixelSize?: PixelSize;
      zStep?: number;
      chunks: number[];
      warnings: string[];
      zarr: ZarrInfo;
    },
    private readonly array: zarr.Array<zarr.DataType, ZarrReadStore>,
    private readonly store: FolderStore,
    private readonly limits: DecodeLimits,
  ) {
    this.format = init.format;
    this.shape = init.shape;
    this.dtype = init.dtype;
    if (init.axes !== undefined) this.axes = init.axes;
    if (init.pixelSize !== undefined) this.pixelSize = init.pixelSize;
    if (init.zStep !== undefined) this.zStep = init.zStep;
    this.chunks = init.chunks;
    this.warnings = init.warnings;
    this.zarr = init.zarr;
  }

  async read(start: number[], stop: number[]): Promise<RawImage> {
    const dims = checkBox(this.shape, start, stop);
    const values = dims.reduce((a, b) => a * b, 1);
    try {
      checkDecodedSize(dims, values, values * (BYTES_PER_VALUE[this.dtype] as number), this.limits);
    } catch (err) {
      if (err instanceof UserError) throw imageError(err.message, this.path, err.code);
      throw err;
    }
    const missingBefore = this.store.missingChunks;
    let data: PixelArray;
    if (values === 0) {
      data = new (ctorOf(this.dtype))(0);
    } else {
      try {
        const sel = start.map((a, i) => zarr.slice(a, stop[i] as number));
        const out = await zarr.get(this.array, sel, { createQueue: () => limitedQueue(READ_CONCURRENCY) });
        data = out.data as unknown as PixelArray;
      } catch (err) {
        throw this.readError(err);
      }
    }
    const warnings = [...this.warnings];
    const missing = this.store.missingChunks - missingBefore;
    if (missing > 0) {
      warnings.push(
        `${missing} chunk file(s) of level ${this.zarr.level} are missing: read as the fill value ${this.zarr.fillValue} (Zarr's rule for regions never written)`,
      );
    }
    const img: RawImage = { path: this.path, data, shape: dims, dtype: this.dtype, warnings };
    if (this.axes !== undefined) img.axes = this.axes;
    if (this.pixelSize !== undefined) img.pixelSize = { ...this.pixelSize };
    if (this.zStep !== undefined) img.zStep = this.zStep;
    return img;
  }

  private readError(err: unknown): UserError {
    if (err instanceof UserError) return err.file ? err : imageError(err.message, this.path, err.code);
    const level = this.zarr.levels[this.zarr.level]?.path ?? '';
    if (zarr.isZarritaError(err, 'UnknownCodecError')) return imageError(`unsupported codec '${err.codec}'`, this.path);
    if (zarr.isZarritaError(err, 'CodecPipelineError')) {
      const where = err.chunkPath ? ` ${err.chunkPath.replace(/^\//, '')}` : ` of level ${this.zarr.level}${level ? ` ('${level}')` : ''}`;
      const e = imageError(`corrupt chunk${where}: ${err.codec ? `${err.codec}: ` : ''}${describeDecodeError(err.cause)}`, this.path);
      (e as Error & { cause?: unknown }).cause = err;
      return e;
    }
    const e = imageError(`cannot read level ${this.zarr.level}: ${describeDecodeError(err)}`, this.path);
    (e as Error & { cause?: unknown }).cause = err;
    return e;
  }
}

function ctorOf(dtype: string): new (n: number) => PixelArray {
  switch (dtype) {
    case 'uint8':
      return Uint8Array;
    case 'uint16':
      return Uint16Array;
    case 'int16':
      return Int16Array;
    case 'uint32':
      return Uint32Array;
    case 'int32':
      return Int32Array;
    case 'float32':
      return Float32Array;
    default:
      return Float64Array;
  }
}

/**
 * Opens an OME-Zarr image (or a bare Zarr array) in the local folder `file` for reading box by
 * box: reads its metadata only. Every problem is a one-line UserError naming `file` (code
 * 'bad-image', 'not-found', 'unreadable', or 'invalid-option' for a level that does not exist).
 */
export async function openOmeZarr(file: string, options: OpenZarrOptions = {}): Promise<ZarrSource> {
  const limits = decodeLimits(options.maxPixels);
  if (isRemotePath(file)) throw remoteError(file);
  let st;
  try {
    st = await fsp.stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw imageError('no such folder (an OME-Zarr image is a folder)', file, 'not-found');
    throw imageError(`cannot read it (${code ?? (err as Error).message})`, file, 'unreadable');
  }
  if (!st.isDirectory()) throw imageError('not a Zarr store: a .zarr image is a folder (with zarr.json, or .zattrs/.zgroup/.zarray), this is a file', file);
  installZarrCodecs();
  const folder = new FolderStore(file);
  const store = options.wrapStore ? options.wrapStore(folder) : folder;
  const warnings: string[] = [];

  let prefix = '';
  let node = await readNode(store, prefix, file);
  if (!node) throw imageError('not a Zarr store: the folder holds no zarr.json, .zattrs, .zgroup or .zarray', file);

  // the OME attributes: attributes.ome (0.5) or the attributes themselves (≤ 0.4)
  const omeOf = (n: ZarrNode): Json => (n.version === 3 && isObject(n.attrs.ome) ? n.attrs.ome : n.attrs);
  if (node.kind === 'group' && omeOf(node).multiscales === undefined && omeOf(node)['bioformats2raw.layout'] !== undefined) {
    const series = await readNode(store, '0', file);
    if (series && series.kind === 'group' && omeOf(series).multiscales !== undefined) {
      prefix = '0';
      node = series;
      warnings.push('bioformats2raw layout: read series 0');
    }
  }

  let omeVersion: string | undefined;
  let name: string | undefined;
  let ms: Json | undefined;
  let datasets: { path: string; transforms?: unknown }[];
  if (node.kind === 'group') {
    const ome = omeOf(node);
    const list = ome.multiscales;
    if (list === undefined) {
      if (ome.plate !== undefined || ome.well !== undefined) {
        throw imageError(
          `an OME-Zarr ${ome.plate !== undefined ? 'plate' : 'well'} (high-content screening), not one image: open one of its images (e.g. ${path.join(file, 'A', '1', '0')})`,
          file,
        );
      }
      throw imageError("no OME-Zarr 'multiscales' metadata in the group's attributes (not an OME-Zarr image)", file);
    }
    if (!Array.isArray(list) || !isObject(list[0])) throw imageError("corrupt OME-Zarr metadata: 'multiscales' is not a list of objects", file);
    ms = list[0];
    if (list.length > 1) warnings.push(`the store holds ${list.length} multiscale images: read the first`);
    omeVersion = typeof ome.version === 'string' ? ome.version : typeof ms.version === 'string' ? ms.version : undefined;
    if (typeof ms.name === 'string') name = ms.name;
    const ds = ms.datasets;
    if (!Array.isArray(ds) || ds.length === 0) throw imageError("corrupt OME-Zarr metadata: 'multiscales' lists no datasets (levels)", file);
    datasets = ds.map((d, i) => {
      if (!isObject(d) || typeof d.path !== 'string' || d.path === '') throw imageError(`corrupt OME-Zarr metadata: dataset ${i} has no path`, file);
      if (path.isAbsolute(d.path) || d.path.split('/').some((p) => p === '..' || p === '.')) {
        throw imageError(`corrupt OME-Zarr metadata: dataset path '${d.path}' leaves the store`, file);
      }
      return { path: prefix ? `${prefix}/${d.path}` : d.path, transforms: d.coordinateTransformations };
    });
  } else {
    datasets = [{ path: prefix }];
  }

  // every level's geometry (small metadata reads), the chosen one's metadata in full
  const levelNodes: (ZarrNode | undefined)[] = [];
  const levels: ZarrLevel[] = [];
  for (const d of datasets) {
    const n = node.kind === 'array' ? node : await readNode(store, d.path, file);
    levelNodes.push(n);
    if (n?.kind === 'array') {
      try {
        levels.push({ path: d.path, ...arrayGeometry(n.meta, n.version) });
        continue;
      } catch {
        // reported below when it is the level read
      }
    }
    levels.push({ path: d.path, shape: [], chunks: [] });
  }
  const level = options.level ?? 0;
  if (!Number.isSafeInteger(level) || level < 0 || level >= levels.length) {
    const listed = levels.map((l, i) => `${i} (${l.shape.length ? l.shape.join('×') : 'missing'})`).join(', ');
    throw new UserError(`level ${level} does not exist: the image has ${levels.length === 1 ? 'one level, 0' : `levels ${listed}`}`, file, 'invalid-option');
  }
  const lv = levels[level] as ZarrLevel;
  const lnode = levelNodes[level];
  const shown = lv.path === '' ? 'the array' : `level ${level} ('${lv.path}')`;
  if (!lnode) throw imageError(`${shown} is missing: no ${lv.path ? `${lv.path}/` : ''}zarr.json or .zarray`, file);
  if (lnode.kind !== 'array') throw imageError(`${shown} is a group, not an array`, file);
  if (lv.shape.length === 0) throw imageError(`corrupt Zarr metadata: ${shown} has no valid shape and chunk shape`, file);
  if (node.kind === 'group' && lnode.version !== node.version) warnings.push(`level ${level} is a Zarr v${lnode.version} array in a v${node.version} group`);
  for (let i = 0; i < levels.length; i++)
    if (i !== level && levels[i]?.shape.length === 0) warnings.push(`level ${i} ('${levels[i]?.path}') is missing or corrupt`);

  const codecs = codecList(lnode.meta, lnode.version);
  for (const c of codecs) {
    if (!isKnownCodec(c.name, lnode.version)) {
      throw imageError(`unsupported codec '${c.name}' in ${shown} (readable: blosc, zstd, gzip, zlib, lz4, and the filters zarrita knows)`, file);
    }
  }
  const chunkValues = lv.chunks.reduce((a, b) => a * b, 1);
  if (chunkValues > limits.maxPixels) {
    throw imageError(
      `${shown} has chunks of ${lv.chunks.join('×')} (${chunkValues} values), more than the limit of ${limits.maxPixels} pixel values per read; ` +
        'raise it with --max-pixels N (library: maxPixels) if the store is genuine',
      file,
    );
  }

  let arr: zarr.Array<zarr.DataType, ZarrReadStore>;
  try {
    const loc = zarr.root(store).resolve(lv.path === '' ? '/' : lv.path);
    arr = lnode.version === 2 ? await zarr.open.v2(loc, { kind: 'array', attrs: false }) : await zarr.open.v3(loc, { kind: 'array' });
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw imageError(`corrupt Zarr metadata in ${shown}: ${describeDecodeError(err)}`, file);
  }
  const problem = dtypeProblem(arr.dtype);
  if (problem) throw imageError(`${problem}${lv.path ? ` (${shown})` : ''}`, file);
  // a chunk file may be its chunk's size twice (incompressible data, headers) plus some
  folder.maxFileBytes = Math.max(MAX_METADATA_BYTES, chunkByteBound({ shape: lv.chunks, dataType: arr.dtype }));

  let axes: string | undefined;
  let units: (string | undefined)[] = [];
  let scale: number[] | undefined;
  if (ms) {
    ({ axes, units } = omeAxes(ms, arr.shape.length, omeVersion, file, warnings));
    scale = scaleOf(datasets[level]?.transforms, arr.shape.length);
    const outer = scaleOf(ms.coordinateTransformations, arr.shape.length);
    if (scale && outer) scale = scale.map((s, i) => s * (outer[i] as number));
  } else if (lnode.kind === 'array') {
    axes = bareAxes(lnode);
  }
  const { pixelSize, zStep } = physical(axes, units, scale, warnings);
  const fill = Number(arr.fillValue ?? 0); // NaN stays NaN (float arrays)
  const info: ZarrInfo = {
    zarrVersion: lnode.version,
    level,
    levels,
    compressor: describeCodecs(codecs, lnode.meta),
    fillValue: fill,
    image: prefix,
  };
  if (omeVersion !== undefined) info.omeVersion = omeVersion;
  if (name !== undefined) info.name = name;
  if (arr.shape.length < 2) throw imageError(`${shown} has ${arr.shape.length} dimension(s): an image needs at least 2 (rows, columns)`, file);
  return new ZarrSource(
    file,
    {
      format: ms ? 'OME-Zarr' : 'Zarr',
      shape: [...arr.shape],
      dtype: arr.dtype,
      axes,
      pixelSize,
      zStep,
      chunks: [...arr.chunks],
      warnings,
      zarr: info,
    },
    arr,
    folder,
    limits,
  );
}
