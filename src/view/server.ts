/**
 * The local web server behind `deepblink view`: serves the viewer's page (built into
 * dist/viewer/) and, through a small read-only JSON/bytes API, the images, spot tables and
 * model files named on the command line, so that the page can show spots on the image and run
 * a model in the browser.
 *
 * Safety: the server listens on 127.0.0.1 only; every path starts with a random token
 * (anything else is a bare 404); the Host header must name 127.0.0.1 or localhost with the
 * server's port (a page on another site that rebinds its DNS name to 127.0.0.1 gets 403);
 * only GET and HEAD; page files are served only from inside the assets folder (no `..`, no
 * encoded separators, no symbolic link out of it); the only files served besides are the ones
 * given at start-up. Nothing is fetched from the internet and nothing is written.
 *
 * Images are decoded when the page asks for them (the last two stay cached), not at start-up.
 */
import http from 'node:http';
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { constants as fsConstants, createReadStream, existsSync, promises as fsp, statSync } from 'node:fs';
import { UserError, fsCode } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { listInputs, stem } from '../io/files.js';
import { readImage } from '../io/image/read.js';
import { dtypeOf, type RawImage } from '../io/image/format.js';
import { resolveAxes } from '../io/image/axes.js';
import { readLabels, type PlaneColumns } from '../io/labels.js';
import type { PixelSize, PlaneData, Point } from '../core/types.js';
import { DEFAULT_MODEL, bundledNames, bundledPath, packageRoot, resolveModel } from '../model/bundled.js';
import { planeAt, planeSizes, type PlaneSizes } from '../io/image/axes.js';
import { rawTable } from './table.js';

/** Options of {@link startViewer}. */
export interface ViewerOptions {
  /** Image files or folders of images (a folder's images, not recursive); at least one. */
  images: string[];
  /** CSV files or folders of CSVs: detections to show, paired with the images by name (stem). */
  spots?: string[];
  /** CSV files or folders of CSVs: ground truth, paired with the images by name (stem). */
  truth?: string[];
  /** Model file or bundled model name offered to the page (default: the bundled default). */
  model?: string;
  /** Port on 127.0.0.1 (default 0: any free port). */
  port?: number;
  /** Axis order of the images, as predict's `--axes` (default: metadata, else guessed). */
  axes?: string;
  /** Largest image to decode, in pixel values (readImage's `maxPixels`). */
  maxPixels?: number;
  /**
   * Folder of the viewer's page (index.html and its assets). Default: $DEEPBLINK_VIEWER_DIR,
   * else `dist/viewer` of the installed package.
   */
  assetsDir?: string;
  /** The secret first path segment of every URL (letters, digits, `-`, `_`). Default: 32 random hex digits. */
  token?: string;
}

/** A running viewer server, from {@link startViewer}. */
export interface RunningViewer {
  /** The page's address: `http://127.0.0.1:PORT/TOKEN/`. */
  url: string;
  /** The port listened on (127.0.0.1 only). */
  port: number;
  /** The secret path segment. */
  token: string;
  /** The image files served, in the order of their ids (folders expanded). */
  images: string[];
  /** Problems worth telling the user that did not stop the start (e.g. a CSV paired with no image). */
  warnings: string[];
  /** Stops the server and closes its connections. */
  close(): Promise<void>;
}

interface ImageItem {
  file: string;
  spots?: string;
  truth?: string;
}

interface LoadedImage {
  raw: RawImage;
  axes: string;
  shape: number[];
  sizes: PlaneSizes;
}

interface ModelItem {
  id: string;
  label: string;
  bundled: boolean;
  file: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; img-src 'self' data: blob:; " +
  "style-src 'self' 'unsafe-inline'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** Headers of every response. */
const COMMON_HEADERS: Record<string, string> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': CSP,
};

/** How many decoded images stay in memory. */
const CACHED_IMAGES = 2;

/** The default page folder: $DEEPBLINK_VIEWER_DIR, else dist/viewer of the package. */
export function defaultAssetsDir(): string {
  return process.env.DEEPBLINK_VIEWER_DIR ?? path.join(packageRoot, 'dist', 'viewer');
}

/** The files named by `inputs` (files, or folders' files with one of `exts`); a missing one is a 'not-found' error. */
function collect(inputs: readonly string[], exts?: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of inputs) {
    if (!existsSync(p)) throw new UserError('no such file or folder', p, 'not-found');
    out.push(...listInputs(p, exts));
  }
  return out;
}

/**
 * Pairs CSVs with images: one image and one CSV go together; otherwise by equal stems
 * (`cells.tif` ↔ `cells.csv`). Returns the CSV per image index and warnings for the rest.
 */
function pairCsvs(images: readonly string[], csvs: readonly string[], what: string): { byImage: (string | undefined)[]; warnings: string[] } {
  const byImage: (string | undefined)[] = images.map(() => undefined);
  const warnings: string[] = [];
  if (images.length === 1 && csvs.length === 1) {
    byImage[0] = csvs[0];
    return { byImage, warnings };
  }
  for (const csv of csvs) {
    const s = stem(csv);
    const matches = images.map((img, i) => (stem(img) === s ? i : -1)).filter((i) => i >= 0);
    if (matches.length === 0) {
      warnings.push(`${csv}: no image named ${s}.* to show these ${what} on; ignored`);
      continue;
    }
    for (const i of matches) {
      if (byImage[i] !== undefined) warnings.push(`${csv}: ${images[i]} already has ${what} (${byImage[i]}); ignored`);
      else byImage[i] = csv;
    }
  }
  return { byImage, warnings };
}

/** The models offered to the page and the default one. */
async function modelList(arg: string | undefined): Promise<{ models: ModelItem[]; defaultModel: string }> {
  const models: ModelItem[] = bundledNames()
    .map((name) => ({ id: name, label: name, bundled: true, file: bundledPath(name) ?? '' }))
    .filter((m) => m.file !== '');
  if (arg === undefined) {
    const def = models.find((m) => m.id === DEFAULT_MODEL) ?? models[0];
    return { models, defaultModel: def?.id ?? '' };
  }
  const file = resolveModel(arg);
  try {
    const st = await fsp.stat(file);
    if (!st.isFile()) throw new UserError('is not a model file', file, 'unreadable');
    await fsp.access(file, fsConstants.R_OK);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot read the model file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, file, fsCode(err));
  }
  const same = models.find((m) => path.resolve(m.file) === path.resolve(file));
  if (same) return { models, defaultModel: same.id };
  models.push({ id: 'file', label: path.basename(file), bundled: false, file });
  return { models, defaultModel: 'file' };
}

/** The bytes of a typed array, little-endian. */
function littleEndian(data: PlaneData): Buffer {
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (os.endianness() === 'LE' || data.BYTES_PER_ELEMENT === 1) return view;
  const copy = Buffer.from(view);
  if (data.BYTES_PER_ELEMENT === 2) return copy.swap16();
  if (data.BYTES_PER_ELEMENT === 4) return copy.swap32();
  return copy.swap64();
}

/** A failed request: status and a short message (sent as JSON for the API, as text otherwise). */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Starts the viewer's server on 127.0.0.1 and resolves once it listens. Checks first that every
 * image path exists, that the model resolves to a readable file and that the page is installed
 * (all UserErrors); images themselves are decoded only when the page asks for them.
 *
 * ```ts
 * const viewer = await startViewer({ images: ['cells.tif'], spots: ['results/cells.csv'] });
 * console.log(viewer.url);          // http://127.0.0.1:PORT/TOKEN/
 * await viewer.close();
 * ```
 */
export async function startViewer(opts: ViewerOptions): Promise<RunningViewer> {
  if (!opts.images || opts.images.length === 0) throw new UserError('give at least one image file or folder', undefined, 'invalid-option');
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`invalid port ${port} (expected 0–65535)`, undefined, 'invalid-option');
  const token = opts.token ?? crypto.randomBytes(16).toString('hex');
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new UserError('the token may only hold letters, digits, - and _', undefined, 'invalid-option');

  const files = collect(opts.images);
  const spots = pairCsvs(files, collect(opts.spots ?? [], ['.csv']), 'spots');
  const truth = pairCsvs(files, collect(opts.truth ?? [], ['.csv']), 'ground truth');
  const images: ImageItem[] = files.map((file, i) => ({ file, spots: spots.byImage[i], truth: truth.byImage[i] }));
  const warnings = [...spots.warnings, ...truth.warnings];
  const { models, defaultModel } = await modelList(opts.model);

  const assetsDir = path.resolve(opts.assetsDir ?? defaultAssetsDir());
  const indexHtml = path.join(assetsDir, 'index.html');
  if (!existsSync(indexHtml) || !statSync(indexHtml).isFile()) {
    throw new UserError(`the viewer's page is missing from this installation (${assetsDir}); run \`npm run build\``, undefined, 'not-found');
  }
  const assetsRoot = await fsp.realpath(assetsDir);

  // decoded images, most recently used last; promises, so concurrent requests share one decoding
  const cache = new Map<number, Promise<LoadedImage>>();
  const load = (id: number): Promise<LoadedImage> => {
    const hit = cache.get(id);
    if (hit) {
      cache.delete(id);
      cache.set(id, hit);
      return hit;
    }
    const p = (async () => {
      const raw = await readImage(images[id].file, { maxPixels: opts.maxPixels });
      const { axes, shape } = resolveAxes(raw, opts.axes);
      return { raw, axes, shape, sizes: planeSizes(raw, axes) };
    })();
    cache.set(id, p);
    p.catch(() => {
      if (cache.get(id) === p) cache.delete(id);
    });
    while (cache.size > CACHED_IMAGES) cache.delete(cache.keys().next().value as number);
    return p;
  };

  let listeningPort = port;
  const prefix = `/${token}/`;
  const prefixBytes = Buffer.from(prefix);

  const send = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    status: number,
    type: string,
    body: Buffer | string,
    extra: Record<string, string> = {},
  ) => {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': type, 'Content-Length': String(bytes.length), ...extra });
    if (req.method === 'HEAD') res.end();
    else res.end(bytes);
  };
  const sendJson = (req: http.IncomingMessage, res: http.ServerResponse, status: number, value: unknown) =>
    send(req, res, status, 'application/json; charset=utf-8', JSON.stringify(value));
  const notFound = (req: http.IncomingMessage, res: http.ServerResponse) => send(req, res, 404, 'text/plain; charset=utf-8', 'not found\n');

  const imageId = (s: string | undefined): number => {
    if (s === undefined || !/^\d+$/.test(s) || Number(s) >= images.length) throw new HttpError(404, 'no such image');
    return Number(s);
  };

  /** Loads an image; a problem with the file becomes a 422 with its one-line message. */
  const loadOrFail = async (id: number): Promise<LoadedImage> => {
    try {
      return await load(id);
    } catch (err) {
      if (err instanceof UserError) throw new HttpError(422, err.message.replace(/\s*\n\s*/g, ' '));
      throw err;
    }
  };

  const session = () => ({
    version: VERSION,
    images: images.map((im, id) => ({ id, name: path.basename(im.file), hasSpots: im.spots !== undefined, hasTruth: im.truth !== undefined })),
    models: models.map((m) => ({ id: m.id, label: m.label, bundled: m.bundled })),
    defaultModel,
  });

  const imageInfo = async (id: number) => {
    const { raw, axes, shape, sizes } = await loadOrFail(id);
    const pixelSize: PixelSize | undefined = raw.pixelSize;
    return {
      name: path.basename(images[id].file),
      axes,
      shape,
      sizes,
      height: shape[axes.indexOf('y')],
      width: shape[axes.indexOf('x')],
      dtype: raw.dtype,
      ...(pixelSize ? { pixelSize: { y: pixelSize.y, x: pixelSize.x } } : {}),
      warnings: raw.warnings,
    };
  };

  const labels = async (id: number, kind: 'spots' | 'truth') => {
    const csv = images[id][kind];
    if (csv === undefined) throw new HttpError(404, `no ${kind === 'spots' ? 'spots' : 'ground truth'} for this image`);
    const { raw, sizes } = await loadOrFail(id);
    try {
      const text = await fsp.readFile(csv, 'utf8');
      const header = text.slice(0, text.indexOf('\n') >>> 0).toLowerCase();
      // a 3-D table (predict on a z-stack, simulate --3d): z is a coordinate, not a plane index
      const threeD =
        sizes.z > 1 &&
        (/z \[(px|µm)\]/.test(header) ||
          !(await readLabels(csv, { pixelSize: raw.pixelSize }).then(
            () => true,
            () => false,
          )));
      const l = await readLabels(csv, { pixelSize: raw.pixelSize, ...(threeD ? { zAsCoordinate: true, voxelDepth: raw.zStep } : {}) });
      const out: {
        file: string;
        points: Point[];
        planes?: PlaneColumns;
        z?: number[];
        columns?: string[];
        rows?: (number | string)[][];
        warnings: string[];
      } = {
        file: path.basename(csv),
        points: l.points,
        warnings: l.warnings,
      };
      if (l.planes) out.planes = l.planes;
      if (threeD && l.points3d) {
        out.z = l.points3d.map((p) => p[0]);
        if (out.planes) delete out.planes.z;
      }
      const table = rawTable(text);
      if (table && table.rows.length === l.points.length) {
        out.columns = table.columns;
        out.rows = table.rows;
      }
      return out;
    } catch (err) {
      if (err instanceof UserError) throw new HttpError(422, err.message.replace(/\s*\n\s*/g, ' '));
      throw err;
    }
  };

  const plane = async (req: http.IncomingMessage, res: http.ServerResponse, id: number, query: string) => {
    const { raw, axes, sizes } = await loadOrFail(id);
    const q = new URLSearchParams(query);
    const index = (l: 'c' | 't' | 'z'): number => {
      const v = q.get(l);
      if (v === null) return 0;
      if (!/^\d+$/.test(v) || Number(v) >= sizes[l])
        throw new HttpError(400, `${l}=${v} is out of range (the image has ${sizes[l]} ${l} index${sizes[l] === 1 ? '' : 'es'})`);
      return Number(v);
    };
    const p = planeAt(raw, axes, index('c'), index('t'), index('z'));
    send(req, res, 200, 'application/octet-stream', littleEndian(p.data), {
      'X-Dtype': dtypeOf(p.data),
      'X-Height': String(p.height),
      'X-Width': String(p.width),
      'Access-Control-Expose-Headers': 'X-Dtype, X-Height, X-Width',
    });
  };

  const model = async (req: http.IncomingMessage, res: http.ServerResponse, id: string) => {
    const m = models.find((x) => x.id === id);
    if (!m) throw new HttpError(404, 'no such model');
    send(req, res, 200, 'application/octet-stream', await fsp.readFile(m.file));
  };

  /** A file of the page: `segments` checked (no '', '.', '..'), then resolved inside the assets folder. */
  const asset = async (req: http.IncomingMessage, res: http.ServerResponse, segments: string[]) => {
    let real: string;
    try {
      real = await fsp.realpath(path.join(assetsRoot, ...segments));
    } catch {
      return notFound(req, res);
    }
    if (!real.startsWith(assetsRoot + path.sep)) return notFound(req, res);
    const st = await fsp.stat(real).catch(() => undefined);
    if (!st?.isFile()) return notFound(req, res);
    const type = CONTENT_TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream';
    res.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': type, 'Content-Length': String(st.size) });
    if (req.method === 'HEAD') return void res.end();
    await new Promise<void>((resolve) => {
      const stream = createReadStream(real);
      stream.on('error', () => {
        res.destroy();
        resolve();
      });
      stream.on('end', resolve);
      stream.pipe(res);
    });
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const host = (req.headers.host ?? '').toLowerCase();
    if (host !== `127.0.0.1:${listeningPort}` && host !== `localhost:${listeningPort}`) {
      return send(req, res, 403, 'text/plain; charset=utf-8', 'forbidden\n');
    }
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const rawPath = q >= 0 ? url.slice(0, q) : url;
    const query = q >= 0 ? url.slice(q + 1) : '';
    // the token, compared in constant time
    const head = Buffer.from(rawPath.slice(0, prefix.length));
    if (head.length !== prefixBytes.length || !crypto.timingSafeEqual(head, prefixBytes)) return notFound(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(req, res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { Allow: 'GET, HEAD' });
    }
    const rest = rawPath.slice(prefix.length);
    if (/%2f|%5c|\\|\0/i.test(rest)) return notFound(req, res);
    let decoded: string;
    try {
      decoded = decodeURIComponent(rest);
    } catch {
      return send(req, res, 400, 'text/plain; charset=utf-8', 'bad request\n');
    }
    if (decoded === '') return asset(req, res, ['index.html']);
    const segments = decoded.split('/');
    if (decoded.includes('\0') || decoded.includes('\\') || segments.some((s) => s === '' || s === '.' || s === '..')) return notFound(req, res);
    if (segments[0] !== 'api') return asset(req, res, segments);
    try {
      const [, what, id, sub, ...more] = segments;
      if (what === 'session' && id === undefined) return sendJson(req, res, 200, session());
      if (what === 'model' && id !== undefined && sub === undefined) return await model(req, res, id);
      if (what === 'image' && more.length === 0) {
        const n = imageId(id);
        if (sub === undefined) return sendJson(req, res, 200, await imageInfo(n));
        if (sub === 'plane') return await plane(req, res, n, query);
        if (sub === 'spots' || sub === 'truth') return sendJson(req, res, 200, await labels(n, sub));
      }
      throw new HttpError(404, 'not found');
    } catch (err) {
      if (err instanceof HttpError) return sendJson(req, res, err.status, { error: err.message });
      throw err;
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(req, res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE')
        reject(new UserError(`port ${port} is in use (choose another with --port, or 0 for any free port)`, undefined, 'invalid-option'));
      else if (err.code === 'EACCES')
        reject(
          new UserError(`port ${port} may not be used (permission denied; choose another with --port, or 0 for any free port)`, undefined, 'invalid-option'),
        );
      else reject(err);
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address();
  listeningPort = typeof address === 'object' && address ? address.port : port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${listeningPort}${prefix}`,
    port: listeningPort,
    token,
    images: [...files],
    warnings,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        cache.clear();
      });
      return closing;
    },
  };
}
