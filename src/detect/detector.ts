/**
 * Every detector behind one interface: a PlaneDetector is created once per run (a model is
 * loaded once) and finds the spots of one 2-D plane at a time. `log` = the TrackMate LoG
 * (detect/log.ts); `deepblink` = the network (detect/neural.ts) with a bundled or file model.
 */
import type { Plane, Spot } from '../core/types.js';
import { UserError } from '../core/errors.js';
import type { PlaneStats } from '../preprocess/check.js';
import type { Normalization } from '../preprocess/normalize.js';
import { tilingFor } from '../preprocess/tiles.js';
import type { LoadedModel, ModelNote } from '../model/model.js';
import { sha256 } from '../io/provenance.js';
import { modelName, resolveModel } from '../model/bundled.js';
import { detectLoGPart, detectLoGWithThreshold, logKernel } from './log.js';
import { detectNeural, detectNeuralPart, partTiles, type PartSpots, type PlanePart } from './neural.js';
import { planTiles, tileCores } from '../preprocess/tiles.js';
import { inputMultiple } from '../network/spec.js';

export type Method = 'deepblink' | 'log';

export const DEFAULT_LOG_RADIUS = 2;

export interface DetectorOptions {
  /** 'deepblink' (the network, default) or 'log'. */
  method?: Method;
  /** deepblink: model file or bundled model name (default: the bundled 'general'). */
  model?: string;
  /** Spot radius in px: the LoG scale (default 2). */
  radius?: number;
  /** LoG: quality threshold or 'auto' (default); deepblink: probability threshold (default: the model's). */
  threshold?: number | 'auto';
  /** deepblink: normalisation override (default: the model's). */
  normalization?: Normalization;
  /** deepblink: tile edge and overlap in px (default: by architecture, preprocess/tiles.ts). */
  tileSize?: number;
  overlap?: number;
  /** deepblink: onnxruntime threads per session (default 1). */
  threads?: number;
  /** deepblink: refine positions by a Gaussian-mask centroid (default: with 'noise' normalisation). */
  refine?: boolean;
  /** deepblink: called after each tile of a tiled plane (tiles done, tiles in the plane). */
  progress?: (done: number, total: number) => void;
}

/** A detector for single planes, created once per run. */
export interface PlaneDetector {
  /** Name of the score column: 'p' (network probability) or 'quality' (LoG response). */
  scoreColumn: 'p' | 'quality';
  /** Spots of one plane; `stats` (from checkPlane) saves a pass over the plane. */
  detect(plane: Plane, stats?: PlaneStats): Promise<{ spots: Spot[]; threshold: number }>;
  /** Releases the inference session. */
  close(): Promise<void>;
  /**
   * How an H×W plane is cut into parts that give exactly the whole plane's spots
   * (pipeline/parts.ts): the bands of rows and of columns a part's core is made of (network: its
   * tiles' cores; LoG: squares of PART_UNIT px), and, for a core, the box of the plane the
   * detector reads to find the core's spots.
   */
  partGrid(height: number, width: number): { rows: [number, number][]; cols: [number, number][] };
  partBox(part: Omit<PlanePart, 'y0' | 'x0' | 'globals'>): { r0: number; r1: number; c0: number; c1: number };
  /** The spots of a part's core from its box (see PlanePart); `order`: how the whole run orders them (by key, or by descending score then key). */
  detectPart(box: Plane, part: PlanePart, threshold?: number): Promise<PartSpots & { threshold: number }>;
  /** How the whole run orders a plane's spots, given the keys of detectPart. */
  partOrder: 'key' | 'score-then-key';
  /**
   * Network only: the spots of one plane at another probability threshold than the detector's
   * (3-D detection looks at every plane with a lower one and keeps what several planes confirm).
   */
  detectAt?(plane: Plane, threshold: number, stats?: PlaneStats): Promise<Spot[]>;
  /** Network only: the probability threshold the detector applies. */
  threshold?: number;
  /**
   * What loading the model found that does not stop it from being used (network only): e.g.
   * a 'warn' that its threshold was never calibrated (left out when a threshold is given).
   */
  notes?: readonly ModelNote[];
  /** What detects: method, settings and (network) the model file with its SHA-256, for provenance records. */
  describe(): DetectorDescription;
}

/** A detector's identity and settings, as recorded beside results. */
export interface DetectorDescription {
  method: Method;
  /** LoG: radius and threshold; network: threshold, normalisation, tiling. */
  settings: Record<string, unknown>;
  /** Network: the model file, name and SHA-256 of its bytes, and what its card says. */
  model?: {
    file: string;
    name: string;
    sha256: string;
    card: { name: string; created: string; tool: string; threshold: number; thresholdSource?: string; weightsSha256?: string };
  };
  /** Network: what runs it ('onnxruntime', or the 'tfjs-wasm' fallback when onnxruntime-node is not installed). */
  runtime?: string;
}

/** LoG parts are made of squares of this many px (the filter needs no tiles; any size would do). */
export const PART_UNIT = 256;

export function logDetector(opts: DetectorOptions): PlaneDetector {
  const radius = opts.radius ?? DEFAULT_LOG_RADIUS;
  const threshold = opts.threshold ?? 'auto';
  // the filter's kernel half-width + 2: the maxima's 3×3 test and the sub-pixel refinement's moves
  const reach = logKernel(radius).half + 12;
  return {
    scoreColumn: 'quality',
    detect: async (plane) => detectLoGWithThreshold(plane, { radius, threshold }),
    partGrid: (h, w) => ({ rows: tileCores(h, PART_UNIT), cols: tileCores(w, PART_UNIT) }),
    partBox: (p) => ({
      r0: Math.max(0, p.rs - reach),
      r1: Math.min(p.height, p.re + reach),
      c0: Math.max(0, p.cs - reach),
      c1: Math.min(p.width, p.ce + reach),
    }),
    detectPart: async (box, part) => ({ ...detectLoGPart(box, part, { radius, threshold }), threshold: threshold as number }),
    partOrder: 'score-then-key',
    close: async () => undefined,
    describe: () => ({ method: 'log', settings: { radius, threshold } }),
  };
}

export async function neuralDetector(model: LoadedModel, opts: DetectorOptions): Promise<PlaneDetector> {
  if (opts.threshold === 'auto') throw new UserError('--threshold auto is for --method log; the network uses a probability (0–1)', undefined, 'invalid-option');
  const threshold = opts.threshold ?? model.card.threshold;
  if (!(threshold >= 0 && threshold < 1)) throw new UserError(`probability threshold ${threshold} is not in [0, 1)`, undefined, 'invalid-option');
  // the ML runtime is loaded only when a network is used (keeps `--method log` and the CLI fast)
  const { modelPredictor } = await import('../model/model.js');
  const predictor = await modelPredictor(model, opts.threads ?? 1);
  const tiling = tilingFor(model.spec);
  const nopts = {
    threshold,
    normalization: opts.normalization ?? model.card.normalization,
    tileSize: opts.tileSize ?? tiling.tileSize,
    overlap: opts.overlap ?? tiling.overlap,
    progress: opts.progress,
    refine: opts.refine,
  };
  // a threshold given by the caller makes the model's own (calibrated or not) irrelevant
  const notes = model.notes.filter((n) => !(n.code === 'uncalibrated-threshold' && opts.threshold !== undefined));
  return {
    scoreColumn: 'p',
    detect: async (plane, stats) => ({ spots: await detectNeural(plane, model.spec, predictor, nopts, stats), threshold }),
    detectAt: (plane, t, stats) => detectNeural(plane, model.spec, predictor, { ...nopts, threshold: t }, stats),
    partGrid: (h, w) => {
      const tiles = planTiles(h, w, nopts.tileSize, nopts.overlap, inputMultiple(model.spec));
      const uniq = (pairs: [number, number][]) => [...new Map(pairs.map((p) => [p[0], p])).values()];
      return { rows: uniq(tiles.map((t) => [t.rs, t.re])), cols: uniq(tiles.map((t) => [t.cs, t.ce])) };
    },
    partBox: (p) => {
      const tiles = partTiles(p, model.spec, nopts).map((t) => t.tile);
      return {
        r0: Math.min(...tiles.map((t) => t.r0)),
        r1: Math.max(...tiles.map((t) => t.r0 + t.h)),
        c0: Math.min(...tiles.map((t) => t.c0)),
        c1: Math.max(...tiles.map((t) => t.c0 + t.w)),
      };
    },
    detectPart: async (box, part, t) => {
      if (nopts.normalization.method !== 'noise') {
        throw new UserError(
          `parts of an image need the model's "noise" normalisation (its other normalisations are computed from the whole plane)`,
          undefined,
          'invalid-option',
        );
      }
      return { ...(await detectNeuralPart(box, part, model.spec, predictor, t === undefined ? nopts : { ...nopts, threshold: t })), threshold };
    },
    partOrder: 'key',
    threshold,
    close: () => predictor.dispose(),
    notes,
    describe: () => ({
      method: 'deepblink',
      runtime: predictor.runtime ?? 'onnxruntime',
      settings: { threshold, normalization: nopts.normalization, tileSize: nopts.tileSize, overlap: nopts.overlap, refine: opts.refine ?? 'default' },
      model: {
        file: model.file,
        name: modelName(model.file),
        sha256: sha256(model.bytes),
        card: {
          name: model.card.name,
          created: model.card.created,
          tool: model.card.tool,
          threshold: model.card.threshold,
          thresholdSource: model.card.thresholdSource,
          weightsSha256: model.card.weightsSha256,
        },
      },
    }),
  };
}

/** The detector `opts` describe; for the network, the model is loaded here. */
export async function createDetector(opts: DetectorOptions): Promise<PlaneDetector> {
  if (opts.method === 'log') return logDetector(opts);
  const { loadModel } = await import('../model/model.js');
  return neuralDetector(await loadModel(resolveModel(opts.model)), opts);
}
