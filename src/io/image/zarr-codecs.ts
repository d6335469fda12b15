/**
 * The compressors of Zarr chunks, installed into zarrita's codec registry with bounds: a chunk
 * never decodes to more than its chunk's size allows, however it was crafted (the Zarr
 * counterpart of the TIFF decoders' bounds, formats/tiff-decoders.ts).
 *
 * - gzip and zlib: Node's zlib with `maxOutputLength` (zarrita's own gzip codec can only decode,
 *   and without a bound), so they can be written too.
 * - blosc and zstd: numcodecs' WebAssembly builds (the .wasm is inlined in the package: nothing
 *   is fetched), after a check of the decoded size their header declares (blosc's `nbytes`,
 *   zstd's frame content size) against the bound. v3 blosc names its shuffle ('shuffle',
 *   'bitshuffle'); numcodecs wants the number.
 *
 * The bound of one chunk: its values × bytes per value (the chunk shape zarrita passes to the
 * codec), doubled plus 64 KiB for filters and checksums that change the size a little.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { registry } from 'zarrita';

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const gzip = promisify(zlib.gzip);
const deflate = promisify(zlib.deflate);

/** What zarrita passes to a codec's fromConfig: the chunk's shape and data type. */
interface ChunkMeta {
  shape: number[];
  dataType: string;
}

/** A bytes-to-bytes codec as zarrita's pipeline calls it. */
interface BytesCodec {
  kind: 'bytes_to_bytes';
  encode(bytes: Uint8Array): Promise<Uint8Array>;
  decode(bytes: Uint8Array): Promise<Uint8Array>;
}

interface CodecEntry {
  fromConfig(config: unknown, meta: ChunkMeta): BytesCodec;
  kind?: 'bytes_to_bytes';
}

/** Bytes per value of every Zarr data type (also those deepblink refuses, so their chunks can be bounded first). */
export const BYTES_PER_VALUE: Record<string, number> = {
  bool: 1,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  float16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  int64: 8,
  uint64: 8,
  float64: 8,
};

/** The most bytes one chunk of `meta` may decode to (Infinity for types without a fixed size). */
export function chunkByteBound(meta: ChunkMeta): number {
  const per = BYTES_PER_VALUE[meta.dataType];
  if (per === undefined) return Infinity;
  const values = meta.shape.reduce((a, b) => a * b, 1);
  return 2 * values * per + 65536;
}

function tooLarge(codec: string, claimed: number, bound: number): Error {
  return new Error(`corrupt chunk: its ${codec} header claims ${claimed} bytes, more than the ${bound} a chunk of this array can hold`);
}

function zlibCodec(name: 'gzip' | 'zlib'): CodecEntry {
  return {
    kind: 'bytes_to_bytes',
    fromConfig(config: unknown, meta: ChunkMeta): BytesCodec {
      const level = (config as { level?: unknown } | null)?.level;
      const opts = typeof level === 'number' && Number.isInteger(level) && level >= 0 && level <= 9 ? { level } : {};
      const bound = chunkByteBound(meta);
      const maxOutputLength = Number.isFinite(bound) ? Math.min(bound, 2 ** 31 - 1) : undefined;
      return {
        kind: 'bytes_to_bytes',
        async encode(bytes) {
          const out = name === 'gzip' ? await gzip(bytes, opts) : await deflate(bytes, opts);
          return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
        },
        async decode(bytes) {
          let out: Buffer;
          try {
            out = name === 'gzip' ? await gunzip(bytes, { maxOutputLength }) : await inflate(bytes, { maxOutputLength });
          } catch (err) {
            if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
              throw new Error(`corrupt chunk: its ${name} data inflates to more than the ${bound} bytes a chunk of this array can hold`);
            }
            throw new Error(`corrupt ${name} data (${(err as Error).message})`);
          }
          return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
        },
      };
    },
  };
}

const SHUFFLE: Record<string, number> = { noshuffle: 0, shuffle: 1, bitshuffle: 2 };

/** The decoded size a blosc header declares (bytes 4–7, little-endian), or undefined for a short buffer. */
function bloscSize(b: Uint8Array): number | undefined {
  if (b.length < 16) return undefined;
  return (b[4] as number) + (b[5] as number) * 256 + (b[6] as number) * 65536 + (b[7] as number) * 16777216;
}

/** The frame content size a zstd frame header declares, or undefined when it does not say (or the data is no zstd frame). */
export function zstdContentSize(b: Uint8Array): number | undefined {
  if (b.length < 5 || b[0] !== 0x28 || b[1] !== 0xb5 || b[2] !== 0x2f || b[3] !== 0xfd) return undefined;
  const fhd = b[4] as number;
  const fcsFlag = fhd >> 6;
  const single = (fhd >> 5) & 1;
  const didFlag = fhd & 3;
  const fcsSize = [single ? 1 : 0, 2, 4, 8][fcsFlag] as number;
  if (fcsSize === 0) return undefined;
  const at = 5 + (single ? 0 : 1) + ([0, 1, 2, 4][didFlag] as number);
  if (b.length < at + fcsSize) return undefined;
  let v = 0;
  for (let i = fcsSize - 1; i >= 0; i--) v = v * 256 + (b[at + i] as number);
  return fcsSize === 2 ? v + 256 : v;
}

function boundedWasmCodec(name: 'blosc' | 'zstd', load: () => Promise<CodecEntry>): () => Promise<CodecEntry> {
  return async () => {
    const inner = await load();
    return {
      kind: 'bytes_to_bytes',
      fromConfig(config: unknown, meta: ChunkMeta): BytesCodec {
        let cfg = config;
        if (name === 'blosc' && config && typeof config === 'object') {
          const c = config as { shuffle?: unknown };
          if (typeof c.shuffle === 'string') cfg = { ...c, shuffle: SHUFFLE[c.shuffle] ?? 1 };
        }
        const codec = inner.fromConfig(cfg, meta);
        const bound = chunkByteBound(meta);
        return {
          kind: 'bytes_to_bytes',
          encode: (bytes) => codec.encode(bytes),
          async decode(bytes) {
            const claimed = name === 'blosc' ? bloscSize(bytes) : zstdContentSize(bytes);
            if (name === 'blosc' && claimed === undefined) throw new Error('corrupt chunk: shorter than a blosc header');
            if (claimed !== undefined && claimed > bound) throw tooLarge(name, claimed, bound);
            return codec.decode(bytes);
          },
        };
      },
    };
  };
}

let installed = false;

/**
 * Installs the bounded codecs into zarrita's registry (once; the v3 names and the v2
 * `numcodecs.` ones). Called before any Zarr array is opened or written.
 */
export function installZarrCodecs(): void {
  if (installed) return;
  installed = true;
  const reg = registry as unknown as Map<string, () => Promise<CodecEntry>>;
  for (const name of ['gzip', 'zlib'] as const) {
    const entry = zlibCodec(name);
    reg.set(name, async () => entry);
    reg.set(`numcodecs.${name}`, async () => entry);
  }
  for (const name of ['blosc', 'zstd'] as const) {
    const original = reg.get(name);
    if (!original) continue;
    const wrapped = boundedWasmCodec(name, original);
    reg.set(name, wrapped);
    reg.set(`numcodecs.${name}`, wrapped);
  }
}

/** True when zarrita can decode chunks written with this codec (a v3 name, or a v2 compressor/filter id). */
export function isKnownCodec(name: string, zarrVersion: 2 | 3): boolean {
  installZarrCodecs();
  return registry.has(zarrVersion === 2 ? `numcodecs.${name}` : name);
}
