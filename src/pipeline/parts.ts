/**
 * Chunk-wise runs: the I-th of N parts of an image, processed on its own (one job of a
 * cluster), and the merge of the N parts' results into exactly the whole run's result.
 *
 * A part is a rectangle of the plane made of whole units of the detector's own partition (the
 * network: its tiles' cores, so every tile is computed from the same window as in the whole run;
 * the LoG: squares of PART_UNIT px). The part reads a box of every plane: the windows of its
 * tiles (the LoG: its core + the filter's reach), plus two blocks of the noise model (its 3×3
 * median and bilinear interpolation look one block further each) and the measurement's reach (fit
 * window, intensity disk), aligned to the noise model's block grid. The noise model's plane-wide
 * quantities (NoiseGlobals: quantisation step, typical noise) are measured on the whole plane,
 * read band by band — the one thing a part reads all of. It keeps the spots of its core and, per
 * spot, the key that orders the whole run's spots; merge sorts the parts' spots by plane and key.
 *
 * z-stacks detected in 3-D: every plane is detected in the core and a ring of whole units
 * around it (RING_3D px at least), linked, fitted in 3-D and deduplicated as the whole run does,
 * and the spots whose final position lies in the core are kept; merge sorts them by z, y, x.
 *
 * Exactness: every value is bit-identical to the whole run's (tested, 2-D and 3-D): positions
 * are added to the same whole-plane origins, and the fits (2-D and 3-D) work in window
 * coordinates (FitOptions.origin), so a box gives the whole plane's arithmetic.
 *
 * Not supported (a clear error): cell masks, normalisations other than the models' 'noise', the
 * LoG's automatic threshold — each needs more of the whole image than a part reads.
 */
import path from 'node:path';
import type { Plane, PlaneData, Spot } from '../core/types.js';
import { UserError } from '../core/errors.js';
import type { ImageSource } from '../io/image/source.js';
import { dimensionLetters, planeAt, resolveAxes } from '../io/image/axes.js';
import { NOISE_BLOCK, NoiseGlobalsAccumulator, type NoiseGlobals } from '../preprocess/noise.js';
import { measureSpots } from '../measure/spots.js';
import { PART_UNIT, type PlaneDetector } from '../detect/detector.js';
import type { PlanePart } from '../detect/neural.js';
import { detectsIn3D, lowThreshold3D, volumeIntensity, volumeSpots, type PredictOptions } from './predict.js';
import type { PlaneDetections } from '../detect/link3d.js';
import { localSignal } from '../measure/intensity.js';
import type { ImageResult, PlaneResult, VolumeResult } from './result.js';

/** The I-th (1-based) of N parts. */
export interface PartRequest {
  index: number;
  count: number;
}

/** Splits `count` over a grid of bands: rows × columns of parts with rows ≤ bands of rows, columns ≤ bands of columns, the most square parts. */
export function partSplit(
  grid: { rows: [number, number][]; cols: [number, number][] },
  height: number,
  width: number,
  count: number,
): { pr: number; pc: number } {
  let best: { pr: number; pc: number; score: number } | undefined;
  for (let pr = 1; pr <= count; pr++) {
    if (count % pr !== 0) continue;
    const pc = count / pr;
    if (pr > grid.rows.length || pc > grid.cols.length) continue;
    const score = Math.abs(Math.log(height / pr / (width / pc)));
    if (!best || score < best.score) best = { pr, pc, score };
  }
  if (!best) {
    throw new UserError(
      `cannot cut this image into ${count} parts: its plane (${height}×${width}) is ${grid.rows.length}×${grid.cols.length} units ` +
        `(the network's tiles; the LoG's squares of ${PART_UNIT} px) and a part is a rectangle of them; ` +
        `use fewer parts or a count that fits (network: a smaller --tile makes more tiles)`,
      undefined,
      'invalid-option',
    );
  }
  return { pr: best.pr, pc: best.pc };
}

/** Bands [0, n) split into k runs of consecutive bands as evenly as possible; run i. */
function run<T>(bands: T[], k: number, i: number): T[] {
  const a = Math.floor((i * bands.length) / k);
  const b = Math.floor(((i + 1) * bands.length) / k);
  return bands.slice(a, b);
}

/** The core [rs, re) × [cs, ce) of part `index` (1-based, row-major over the pr × pc grid of parts). */
export function partCore(
  grid: { rows: [number, number][]; cols: [number, number][] },
  height: number,
  width: number,
  req: PartRequest,
): { rs: number; re: number; cs: number; ce: number; pr: number; pc: number } {
  if (!(Number.isInteger(req.count) && req.count >= 1 && Number.isInteger(req.index) && req.index >= 1 && req.index <= req.count)) {
    throw new UserError(`part ${req.index}/${req.count}: expected I/N with 1 ≤ I ≤ N`, undefined, 'invalid-option');
  }
  const { pr, pc } = partSplit(grid, height, width, req.count);
  const i = Math.floor((req.index - 1) / pc);
  const j = (req.index - 1) % pc;
  const rows = run(grid.rows, pr, i);
  const cols = run(grid.cols, pc, j);
  return { rs: rows[0][0], re: rows[rows.length - 1][1], cs: cols[0][0], ce: cols[cols.length - 1][1], pr, pc };
}

/** How far beyond the detector's box the measurement reads (fit window, intensity disk), px. */
function measureReach(opts: PredictOptions): number {
  return Math.max(opts.fit ? (opts.fit.halfWidth ?? 3) + 2 : 0, opts.radius !== undefined ? Math.ceil(opts.radius) + 2 : 0);
}

/** A part's result: the whole run's spots in the part's core, each plane's spots with their keys. */
export interface PartResult {
  result: ImageResult;
  /** Per plane of result.planes, per spot: the key that orders the whole run's spots (see PlaneDetector.partOrder). */
  keys: number[][];
  part: PartRequest & { rs: number; re: number; cs: number; ce: number; box: { r0: number; r1: number; c0: number; c1: number } };
}

/** Rows a band of the whole plane holds while the noise model's plane-wide quantities are measured (about 16 M values). */
const bandRows = (width: number) => Math.max(NOISE_BLOCK, Math.floor((1 << 24) / width / NOISE_BLOCK) * NOISE_BLOCK);

/** An image's planes as a part reads them: its axes, plane size, and any box of any plane. */
interface PlaneReader {
  axes: string;
  shape: number[];
  axesSource: ImageResult['axesSource'];
  H: number;
  W: number;
  sizeOf: (l: string) => number;
  /** One plane's rows [r0, r1) × columns [c0, c1) as a Plane (rows = y, columns = x). */
  readPlane: (c: number, t: number, z: number, r0: number, r1: number, c0: number, c1: number) => Promise<Plane>;
}

function planeReader(source: ImageSource, userAxes?: string): PlaneReader {
  const resolved = resolveAxes(source, userAxes);
  const { axes, shape, source: axesSource } = resolved;
  const letters = dimensionLetters(source, resolved);
  const dim = (l: string) => letters.indexOf(l);
  const readPlane = async (c: number, t: number, z: number, r0: number, r1: number, c0: number, c1: number): Promise<Plane> => {
    const at: Record<string, [number, number]> = { c: [c, c + 1], t: [t, t + 1], z: [z, z + 1], y: [r0, r1], x: [c0, c1] };
    const start = letters.map((l) => (l === undefined ? 0 : at[l][0]));
    const stop = letters.map((l) => (l === undefined ? 1 : at[l][1]));
    const got = await source.read(start, stop);
    const yx = dim('y') < dim('x') ? 'yx' : 'xy';
    const two = yx === 'yx' ? [r1 - r0, c1 - c0] : [c1 - c0, r1 - r0];
    return planeAt({ ...got, shape: two }, yx, 0, 0, 0);
  };
  return {
    axes,
    shape,
    axesSource,
    H: shape[axes.indexOf('y')],
    W: shape[axes.indexOf('x')],
    sizeOf: (l) => (axes.includes(l) ? shape[axes.indexOf(l)] : 1),
    readPlane,
  };
}

/**
 * The plane-wide numbers every part of an image needs (the noise model's NoiseGlobals, or why a
 * plane cannot be detected in), measured once (`measureImageGlobals`, `predict --globals FILE`)
 * so that the N parts need not each read the whole image for them.
 */
export interface ImageGlobals {
  format: 'deepblink-globals';
  version: 1;
  /** The image: file name, shape and data type (a part refuses the numbers of another image). */
  image: { name: string; shape: number[]; dtype: string };
  /** One entry per plane, c, t, z nested as the planes are read. */
  planes: { c: number; t: number; z: number; globals?: NoiseGlobals; problem?: string }[];
}

/** Measures an image's plane-wide numbers (every plane read once, band by band). */
export async function measureImageGlobals(source: ImageSource, opts: Pick<PredictOptions, 'axes'> = {}): Promise<ImageGlobals> {
  const r = planeReader(source, opts.axes);
  const planes: ImageGlobals['planes'] = [];
  const multi = r.shape.length > 2;
  for (let c = 0; c < r.sizeOf('c'); c++) {
    for (let t = 0; t < r.sizeOf('t'); t++) {
      for (let z = 0; z < r.sizeOf('z'); z++) {
        const where = multi ? `plane c=${c} t=${t} z=${z}` : 'image';
        try {
          planes.push({ c, t, z, globals: await planeGlobals((r0, r1) => r.readPlane(c, t, z, r0, r1, 0, r.W), r.H, r.W, where) });
        } catch (err) {
          if (!(err instanceof UserError && err.code === 'bad-plane')) throw err;
          planes.push({ c, t, z, problem: err.message });
        }
      }
    }
  }
  return { format: 'deepblink-globals', version: 1, image: { name: path.basename(source.path), shape: source.shape, dtype: source.dtype }, planes };
}

/** An ImageGlobals file's contents checked against the image it is for (UserErrors naming `file`). */
export function parseImageGlobals(text: string, file: string, source: ImageSource): ImageGlobals {
  let g: ImageGlobals;
  try {
    g = JSON.parse(text) as ImageGlobals;
  } catch {
    throw new UserError('not a deepblink globals file (not JSON)', file, 'invalid-input');
  }
  if (g?.format !== 'deepblink-globals' || g.version !== 1 || !Array.isArray(g.planes))
    throw new UserError('not a deepblink globals file', file, 'invalid-input');
  const want = { name: path.basename(source.path), shape: source.shape, dtype: source.dtype };
  if (JSON.stringify(g.image) !== JSON.stringify(want)) {
    throw new UserError(
      `made for another image (${g.image?.name} ${g.image?.shape?.join('×')} ${g.image?.dtype}, not ${want.name} ${want.shape.join('×')} ${want.dtype})`,
      file,
      'invalid-input',
    );
  }
  return g;
}

/**
 * The I-th of N parts of an image: every plane's spots whose position lies in the part's core,
 * as the whole run (predictImage) finds and measures them, with their ordering keys. `globals`
 * (measureImageGlobals, for this image) saves reading every whole plane for its plane-wide numbers.
 */
export async function predictPart(
  source: ImageSource,
  detector: PlaneDetector,
  opts: PredictOptions,
  req: PartRequest,
  globals?: ImageGlobals,
): Promise<PartResult> {
  if (opts.mask !== undefined) throw new UserError('--mask is not supported with --part yet (run the mask on the merged table)', undefined, 'invalid-option');
  const { axes, shape, axesSource, H, W, sizeOf, readPlane } = planeReader(source, opts.axes);
  const grid = detector.partGrid(H, W);
  const core = partCore(grid, H, W, req);
  const in3D = detectsIn3D(axes, shape, opts.threeD);
  // 3-D: the planes are detected in a ring of whole units around the core as well, so that every
  // chain of detections and every pair the deduplication compares near the core is there
  const det3d = in3D ? ringAround(grid, core, RING_3D) : core;
  const det = detector.partBox({ height: H, width: W, rs: det3d.rs, re: det3d.re, cs: det3d.cs, ce: det3d.ce });
  const reach = 2 * NOISE_BLOCK + (in3D ? Math.max(FIT3D_REACH, measureReach(opts)) : measureReach(opts));
  const box = {
    r0: Math.max(0, Math.floor((det.r0 - reach) / NOISE_BLOCK) * NOISE_BLOCK),
    r1: Math.min(H, Math.ceil((det.r1 + reach) / NOISE_BLOCK) * NOISE_BLOCK),
    c0: Math.max(0, Math.floor((det.c0 - reach) / NOISE_BLOCK) * NOISE_BLOCK),
    c1: Math.min(W, Math.ceil((det.c1 + reach) / NOISE_BLOCK) * NOISE_BLOCK),
  };
  const multi = shape.length > 2;
  const warnings = [...source.warnings];
  const globalsOf = async (c: number, t: number, z: number, where: string): Promise<NoiseGlobals> => {
    if (!globals) return planeGlobals((r0, r1) => readPlane(c, t, z, r0, r1, 0, W), H, W, where);
    const e = globals.planes.find((p) => p.c === c && p.t === t && p.z === z);
    if (!e) throw new UserError(`the globals file has no plane c=${c} t=${t} z=${z}`, undefined, 'invalid-input');
    if (e.problem !== undefined) throw new UserError(e.problem, undefined, 'bad-plane');
    return e.globals!;
  };
  if (in3D) {
    const volumes = await partVolumes(
      detector,
      opts,
      { H, W, box, core, det: det3d, sizes: { c: sizeOf('c'), t: sizeOf('t'), z: sizeOf('z') } },
      readPlane,
      globalsOf,
      warnings,
    );
    return {
      result: { ...resultHead(source, opts, axes, axesSource, shape, detector), planes: [], volumes, zStep: opts.zStep ?? source.zStep, warnings },
      keys: volumes.map(() => []),
      part: { ...req, rs: core.rs, re: core.re, cs: core.cs, ce: core.ce, box },
    };
  }
  const planes: PlaneResult[] = [];
  const keys: number[][] = [];
  for (let c = 0; c < sizeOf('c'); c++) {
    for (let t = 0; t < sizeOf('t'); t++) {
      for (let z = 0; z < sizeOf('z'); z++) {
        const where = multi ? `plane c=${c} t=${t} z=${z}` : 'image';
        let globals: NoiseGlobals;
        try {
          globals = await globalsOf(c, t, z, where);
        } catch (err) {
          // as the whole run: one bad plane (blank, NaN) does not cost the stack's other planes
          if (!multi || !(err instanceof UserError && err.code === 'bad-plane')) throw err;
          warnings.push(`${err.message}; skipped`);
          continue;
        }
        const plane = await readPlane(c, t, z, box.r0, box.r1, box.c0, box.c1);
        const part: PlanePart = { y0: box.r0, x0: box.c0, height: H, width: W, rs: core.rs, re: core.re, cs: core.cs, ce: core.ce, globals };
        const found = await detector.detectPart(plane, part);
        measureSpots(plane, found.spots, opts, { y: box.r0, x: box.c0 });
        if (multi) for (const s of found.spots) Object.assign(s, { channel: c, frame: t, z });
        planes.push({ c, t, z, spots: found.spots, threshold: found.threshold });
        keys.push(found.keys);
      }
    }
  }
  if (multi && planes.length === 0) throw new UserError(`every plane of the stack is blank or has NaN pixels; nothing to detect`, undefined, 'bad-plane');
  return {
    result: { ...resultHead(source, opts, axes, axesSource, shape, detector), planes, warnings },
    keys,
    part: { ...req, rs: core.rs, re: core.re, cs: core.cs, ce: core.ce, box },
  };
}

/** The result's description of the image (as predictImage's). */
function resultHead(source: ImageSource, opts: PredictOptions, axes: string, axesSource: ImageResult['axesSource'], shape: number[], detector: PlaneDetector) {
  return {
    file: source.path,
    axes,
    axesSource,
    shape,
    pixelSize: opts.pixelSize ?? source.pixelSize,
    pixelSizeSource: opts.pixelSize ? 'option' : source.pixelSize ? 'metadata' : 'none',
    scoreColumn: detector.scoreColumn,
  } as const;
}

/** 3-D parts: px of whole units detected around the core (at least; the units are whole tiles). */
export const RING_3D = 24;
/** 3-D parts: how far the 3-D fit (±3 px) and the signal measure (±3 px) read beyond a detection. */
const FIT3D_REACH = 8;

/** The core grown by `ring` px on every side, to whole units of the grid (clipped to the plane). */
function ringAround(grid: { rows: [number, number][]; cols: [number, number][] }, core: { rs: number; re: number; cs: number; ce: number }, ring: number) {
  const rows = grid.rows.filter(([a, b]) => b > core.rs - ring && a < core.re + ring);
  const cols = grid.cols.filter(([a, b]) => b > core.cs - ring && a < core.ce + ring);
  return { rs: rows[0][0], re: rows[rows.length - 1][1], cs: cols[0][0], ce: cols[cols.length - 1][1] };
}

/**
 * 3-D detection of a part, as predictVolumes does it on the whole stack: every plane's
 * detections in the core and a ring around it (at the 3-D per-plane threshold), linked, kept,
 * refined by the 3-D fit on the box (window coordinates: the whole run's values), deduplicated;
 * then the spots whose position lies in the core.
 */
async function partVolumes(
  detector: PlaneDetector,
  opts: PredictOptions,
  g: {
    H: number;
    W: number;
    box: { r0: number; r1: number; c0: number; c1: number };
    core: { rs: number; re: number; cs: number; ce: number };
    det: { rs: number; re: number; cs: number; ce: number };
    sizes: { c: number; t: number; z: number };
  },
  readPlane: (c: number, t: number, z: number, r0: number, r1: number, c0: number, c1: number) => Promise<Plane>,
  globalsOf: (c: number, t: number, z: number, where: string) => Promise<NoiseGlobals>,
  warnings: string[],
): Promise<VolumeResult[]> {
  const { box, core, det, sizes } = g;
  const low = lowThreshold3D(detector);
  const n = (box.r1 - box.r0) * (box.c1 - box.c0);
  const origin = { y: box.r0, x: box.c0 };
  const volumes: VolumeResult[] = [];
  let skipped = 0;
  for (let c = 0; c < sizes.c; c++) {
    for (let t = 0; t < sizes.t; t++) {
      const found: PlaneDetections[] = [];
      // the box of every plane, held once: in one stack of the file's data type, the planes views on it
      let stack: PlaneData | undefined;
      const planes: Plane[] = [];
      let threshold = NaN;
      for (let z = 0; z < sizes.z; z++) {
        const where = `plane c=${c} t=${t} z=${z}`;
        const read = await readPlane(c, t, z, box.r0, box.r1, box.c0, box.c1);
        stack ??= new (read.data.constructor as new (n: number) => PlaneData)(sizes.z * n);
        stack.set(read.data, z * n);
        const plane = { ...read, data: stack.subarray(z * n, (z + 1) * n) };
        planes.push(plane);
        let globals;
        try {
          globals = await globalsOf(c, t, z, where);
        } catch (err) {
          if (!(err instanceof UserError && err.code === 'bad-plane')) throw err;
          warnings.push(`${err.message}; skipped`);
          skipped++;
          continue;
        }
        const part: PlanePart = { y0: box.r0, x0: box.c0, height: g.H, width: g.W, ...det, globals };
        const res = await detector.detectPart(plane, part, low);
        threshold = detector.threshold ?? res.threshold;
        found.push({ z, spots: res.spots, signal: res.spots.map((s) => localSignal(plane, s.y - box.r0, s.x - box.c0)) });
      }
      const stackBox = { data: stack!, depth: sizes.z, height: box.r1 - box.r0, width: box.c1 - box.c0 };
      const kept = volumeSpots(found, stackBox, detector, low, opts, origin).filter(
        (s) => s.y >= core.rs - 0.5 && s.y < core.re - 0.5 && s.x >= core.cs - 0.5 && s.x < core.ce - 0.5,
      );
      if (opts.radius !== undefined) volumeIntensity(kept, (z) => planes[z], sizes.z, opts.radius, origin);
      if (sizes.c > 1 || sizes.t > 1) for (const s of kept) Object.assign(s, { channel: c, frame: t });
      volumes.push({ c, t, depth: sizes.z, spots: kept, threshold });
    }
  }
  if (skipped === sizes.c * sizes.t * sizes.z)
    throw new UserError(`every plane of the stack (${skipped}) is blank or has NaN pixels; nothing to detect`, undefined, 'bad-plane');
  return volumes;
}

/**
 * The noise model's plane-wide quantities of a whole plane, read in bands; the whole run's
 * check too (NaN pixels, a constant plane: a 'bad-plane' UserError naming `where`).
 */
async function planeGlobals(read: (r0: number, r1: number) => Promise<Plane>, H: number, W: number, where: string): Promise<NoiseGlobals> {
  const acc = new NoiseGlobalsAccumulator(H, W);
  const rows = bandRows(W);
  for (let r = 0; r < H; r += rows) acc.add((await read(r, Math.min(H, r + rows))).data, r);
  if (acc.nonFinite > 0) throw new UserError(`${where} has ${acc.nonFinite} NaN/infinite pixel(s); replace them before detection`, undefined, 'bad-plane');
  if (!(acc.max > acc.min)) throw new UserError(`${where} is constant (every pixel = ${acc.min}); there is nothing to detect`, undefined, 'bad-plane');
  return acc.result();
}

/**
 * The whole run's result from all N parts' results (any order): every plane's spots sorted by
 * the whole run's order. Refuses parts of different images or settings, a missing or repeated
 * part (UserErrors).
 */
export function mergeParts(parts: readonly PartResult[], order: 'key' | 'score-then-key'): ImageResult {
  if (parts.length === 0) throw new UserError('no parts to merge', undefined, 'invalid-option');
  const n = parts[0].part.count;
  const seen = new Map<number, number>();
  parts.forEach((p, k) => {
    if (p.part.count !== n)
      throw new UserError(`parts of different splits: ${p.part.index}/${p.part.count} and ${parts[0].part.index}/${n}`, undefined, 'invalid-option');
    if (seen.has(p.part.index)) throw new UserError(`part ${p.part.index}/${n} given twice`, undefined, 'invalid-option');
    seen.set(p.part.index, k);
  });
  const missing = Array.from({ length: n }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length)
    throw new UserError(`missing part${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${n}`).join(', ')}`, undefined, 'invalid-option');
  const first = parts[0].result;
  if (first.volumes) {
    // 3-D: the whole run lists each volume's spots by z, then y, then x
    const volumes = first.volumes.map((v, i) => {
      const all: Spot[] = [];
      for (const part of parts) {
        const q = part.result.volumes?.[i];
        if (!q || q.c !== v.c || q.t !== v.t) throw new UserError('parts of different images (their volumes differ)', undefined, 'invalid-option');
        all.push(...q.spots);
      }
      all.sort((a, b) => a.z! - b.z! || a.y - b.y || a.x - b.x);
      return { ...v, spots: all };
    });
    return { ...first, volumes, warnings: [...new Set(parts.flatMap((p) => p.result.warnings))] };
  }
  const planes: PlaneResult[] = first.planes.map((p, i) => {
    const all: { s: Spot; key: number }[] = [];
    for (const part of parts) {
      const q = part.result.planes[i];
      if (!q || q.c !== p.c || q.t !== p.t || q.z !== p.z) throw new UserError('parts of different images (their planes differ)', undefined, 'invalid-option');
      q.spots.forEach((s, k) => all.push({ s, key: part.keys[i][k] }));
    }
    all.sort(order === 'key' ? (a, b) => a.key - b.key : (a, b) => b.s.score - a.s.score || a.key - b.key);
    return { ...p, spots: all.map((e) => e.s) };
  });
  const warnings = [...new Set(parts.flatMap((p) => p.result.warnings))];
  return { ...first, planes, warnings };
}

/** The file a part's result is stored in (pipeline/parts.ts → merge). */
export interface PartFile extends PartResult {
  format: 'deepblink-part';
  version: 1;
  /** The tool that wrote it. */
  tool: string;
  /** How the whole run orders a plane's spots (PlaneDetector.partOrder). */
  order: 'key' | 'score-then-key';
  /** The image: file name, shape and data type (merge refuses parts of different images). */
  image: { name: string; shape: number[]; dtype: string };
  /** The detector's description and the table's options (merge refuses parts of different settings). */
  settings: unknown;
  table: { radius?: number; fit?: unknown };
}

export const PART_FORMAT = 'deepblink-part';

/** A part file's contents checked (a UserError naming `file` when it is not one). */
export function parsePartFile(text: string, file: string): PartFile {
  let v: PartFile;
  try {
    v = JSON.parse(text) as PartFile;
  } catch {
    throw new UserError('not a deepblink part file (not JSON)', file, 'invalid-input');
  }
  if (v?.format !== PART_FORMAT || v.version !== 1 || !v.result || !Array.isArray(v.keys) || !v.part) {
    throw new UserError('not a deepblink part file (made by predict --part)', file, 'invalid-input');
  }
  return v;
}

/** Merges part files: the same image, settings and split, every part once (UserErrors otherwise). */
export function mergePartFiles(files: readonly { file: string; part: PartFile }[]): { result: ImageResult; table: PartFile['table'] } {
  const [a] = files;
  for (const { file, part } of files) {
    if (JSON.stringify(part.image) !== JSON.stringify(a.part.image))
      throw new UserError(`a part of another image (${part.image.name}, not ${a.part.image.name})`, file, 'invalid-input');
    if (JSON.stringify(part.settings) !== JSON.stringify(a.part.settings) || JSON.stringify(part.table) !== JSON.stringify(a.part.table)) {
      throw new UserError(`made with other settings than ${path.basename(a.file)}`, file, 'invalid-input');
    }
  }
  return {
    result: mergeParts(
      files.map((f) => f.part),
      a.part.order,
    ),
    table: a.part.table,
  };
}
