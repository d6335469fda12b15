/**
 * The model file's content, without any file system (so it also runs in a browser). A model is
 * one ONNX file (runs in onnxruntime-node, and in browsers via onnxruntime-web) whose metadata
 * entry "deepblink" holds the model card as JSON — architecture, probability
 * threshold, normalisation, the data it was trained on and its validation scores. Parameter
 * names in the file are our NetworkSpec names, so a model file is also a fine-tuning start.
 */
import { networkSpec, validateNetworkConfig, type NetworkConfig, type NetworkSpec } from '../network/spec.js';
import { exportOnnx, onnxGraphDifference, OnnxFormatError, quoted, readOnnx } from '../engine/onnx-format.js';
import { checkWeights, weightsSha256, type WeightMap } from '../network/weights.js';
import { UserError, type ErrorCode } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import type { Normalization } from '../preprocess/normalize.js';

/** A user-facing error of this stage (code 'bad-model' unless given). */
export const modelError = (message: string, file?: string, code: ErrorCode = 'bad-model') => new UserError(message, file, code);

export type { Normalization };

export const MODEL_FORMAT = 'deepblink-model';
export const MODEL_VERSION = 1;
export const METADATA_KEY = 'deepblink';

export interface ModelScores {
  /** Validation scores at the stored threshold (deepBlink F1-integral etc., per-image means; rmse null when nothing matched). */
  valid?: { images: number; f1Integral: number; f1At3: number; rmse: number | null; loss?: number };
  /** F1-integral on the validation split for each threshold tried. */
  thresholdSearch?: { threshold: number; f1Integral: number }[];
  /** False spots per megapixel on noise-only images per threshold, when the threshold was limited by them. */
  noiseOnly?: { threshold: number; falsePerMP: number }[];
  /** The limit on false spots per megapixel that chose the threshold. */
  maxFalsePerMP?: number;
}

/**
 * How the stored threshold was chosen: 'validation-f1' = the best validation F1-integral at the
 * end of training; 'noise-limit' = raised above that to a limit on false spots per megapixel on
 * noise-only images; 'default' = never calibrated (0.5: a model saved during training, before
 * the threshold search).
 */
export type ThresholdSource = 'validation-f1' | 'noise-limit' | 'default';
export const THRESHOLD_SOURCES: readonly ThresholdSource[] = ['validation-f1', 'noise-limit', 'default'];

export interface ModelCard {
  format: typeof MODEL_FORMAT;
  version: number;
  name: string;
  description: string;
  created: string;
  tool: string;
  network: NetworkConfig;
  /** Probability threshold: a cell is a spot when p > threshold. */
  threshold: number;
  /** How `threshold` was chosen (absent in files made before it was recorded). */
  thresholdSource?: ThresholdSource;
  normalization: Normalization;
  training?: {
    dataset: string;
    datasetDescription?: string;
    epochs: number;
    bestEpoch: number;
    steps: number;
    seconds: number;
    config?: unknown;
  };
  scores?: ModelScores;
  /**
   * SHA-256 of the weights (weightsSha256 in network/weights.ts: every parameter in paramList
   * order, float32 little-endian), written by encodeModel and verified when the model is read.
   * Absent in files made before it was recorded (their weights cannot be verified).
   */
  weightsSha256?: string;
}

/**
 * A card for a model with `p` (name and network required). Without a threshold, the threshold is
 * 0.5 and recorded as never calibrated (`thresholdSource: 'default'`).
 */
export function makeCard(p: Partial<ModelCard> & { name: string; network: NetworkConfig }): ModelCard {
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    description: '',
    created: new Date().toISOString(),
    tool: `deepblink ${VERSION}`,
    threshold: 0.5,
    ...(p.threshold === undefined ? { thresholdSource: 'default' as const } : {}),
    normalization: { method: 'zscore' },
    ...p,
  };
}

/** The model file's bytes: the network with its weights, and the card with the weights' checksum (replacing any it had). */
export function encodeModel(spec: NetworkSpec, weights: WeightMap, card: ModelCard): Uint8Array {
  checkWeights(spec, weights);
  return exportOnnx(spec, weights, { [METADATA_KEY]: JSON.stringify({ ...card, weightsSha256: weightsSha256(spec, weights) }) });
}

/** Something a caller should know about a model that loaded: 'warn' = worth the user's attention, 'info' = a detail. */
export interface ModelNote {
  level: 'warn' | 'info';
  /** 'uncalibrated-threshold': the stored threshold was never chosen on data; 'no-checksum': the weights could not be verified. */
  code: 'uncalibrated-threshold' | 'no-checksum';
  message: string;
  /** The model file. */
  file: string;
}

export interface LoadedModel {
  file: string;
  card: ModelCard;
  spec: NetworkSpec;
  weights: WeightMap;
  /** The file's bytes as read. */
  bytes: Uint8Array;
  /**
   * The ONNX model that runs: rebuilt by exportOnnx from the card's network and the file's
   * weights (never the file's own graph, which was checked to be the same).
   */
  onnx: Uint8Array;
  /** What the checks found that does not stop the model from being used (see ModelNote). */
  notes: ModelNote[];
}

/**
 * Whether the card's threshold was chosen on data. Files made before `thresholdSource` was
 * recorded: calibrated unless they come from a training run that never reached the threshold
 * search (a training record without a threshold search).
 */
export function thresholdCalibrated(card: ModelCard): boolean {
  if (card.thresholdSource !== undefined) return card.thresholdSource !== 'default';
  return !(card.training && !card.scores?.thresholdSearch);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => {
  if (v === undefined) return 'missing';
  const s = typeof v === 'string' ? `'${v}'` : (JSON.stringify(v) ?? String(v));
  return quoted(s.length > 40 ? `${s.slice(0, 37)}...` : s, false);
};
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown, min = 0): v is number => Number.isInteger(v) && (v as number) >= min;
const NETWORK_KEYS: (keyof NetworkConfig)[] = ['architecture', 'filters', 'ndown', 'cellSize', 'dropout', 'block', 'l2'];

/**
 * Checks every field of a parsed card (types and ranges); throws a one-line 'bad-model' error
 * naming the first bad field ("model card: 'threshold' must be a number in [0, 1), not 1.5").
 */
export function validateCard(card: unknown, file?: string): asserts card is ModelCard {
  const bad = (key: string, want: string, v: unknown): never => {
    throw modelError(`model card: '${key}' must be ${want}, not ${show(v)}`, file);
  };
  if (!isObj(card)) throw modelError(`model metadata is not a model card (a JSON ${Array.isArray(card) ? 'array' : show(card)})`, file);
  const c = card;
  if (c.format === undefined) throw modelError(`model metadata has no 'format' (not a deepblink model card)`, file);
  if (c.format !== MODEL_FORMAT) throw modelError(`model metadata has format ${show(c.format)}, expected '${MODEL_FORMAT}' (not a deepblink model card)`, file);
  if (!isInt(c.version, 1)) throw modelError('model metadata has no valid version', file);
  if ((c.version as number) > MODEL_VERSION) {
    throw modelError(`model format version ${String(c.version)} is newer than this deepblink supports (${MODEL_VERSION}); update deepblink`, file);
  }
  for (const k of ['name', 'description', 'created', 'tool']) if (typeof c[k] !== 'string') bad(k, 'a string', c[k]);
  if ((c.name as string).trim() === '') bad('name', 'a non-empty string', c.name);
  if (!isNum(c.threshold) || c.threshold < 0 || c.threshold >= 1) bad('threshold', 'a number in [0, 1)', c.threshold);
  if (c.thresholdSource !== undefined && !THRESHOLD_SOURCES.includes(c.thresholdSource as ThresholdSource)) {
    bad(
      'thresholdSource',
      THRESHOLD_SOURCES.map((s) => `'${s}'`)
        .join(', ')
        .replace(/, ([^,]*)$/, ' or $1'),
      c.thresholdSource,
    );
  }
  const norm = c.normalization;
  if (!isObj(norm)) bad('normalization', 'an object with a method', norm);
  const n = norm as Obj;
  if (n.method === undefined) bad('normalization.method', 'noise, zscore or percentile', undefined);
  if (!['zscore', 'percentile', 'noise'].includes(String(n.method))) {
    throw modelError(`model normalisation ${show(n.method)} is unknown to this deepblink (known: noise, zscore, percentile); update deepblink`, file);
  }
  if (n.method === 'percentile') {
    if (!isNum(n.low) || n.low < 0 || n.low > 100) bad('normalization.low', 'a percentile in [0, 100]', n.low);
    if (!isNum(n.high) || n.high < 0 || n.high > 100) bad('normalization.high', 'a percentile in [0, 100]', n.high);
    if ((n.low as number) >= (n.high as number)) bad('normalization', `low < high (percentiles)`, `low ${String(n.low)}, high ${String(n.high)}`);
  }
  const net = c.network;
  if (!isObj(net)) bad('network', 'an object (the architecture)', net);
  const nw = net as Obj;
  for (const k of Object.keys(nw)) {
    if (!NETWORK_KEYS.includes(k as keyof NetworkConfig)) throw modelError(`model card: unknown network setting ${show(k)}; update deepblink`, file);
  }
  if (!['deepblink', 'lean'].includes(nw.architecture as string)) {
    throw modelError(`model card: unknown architecture ${show(nw.architecture)} (known: deepblink, lean); update deepblink`, file);
  }
  if (!['convolutional', 'residual'].includes(nw.block as string)) {
    throw modelError(`model card: unknown network block ${show(nw.block)} (known: convolutional, residual); update deepblink`, file);
  }
  for (const k of ['filters', 'ndown', 'cellSize']) if (!isInt(nw[k])) bad(`network.${k}`, 'an integer ≥ 0', nw[k]);
  for (const k of ['dropout', 'l2']) if (!isNum(nw[k])) bad(`network.${k}`, 'a number', nw[k]);
  try {
    validateNetworkConfig(nw as unknown as NetworkConfig);
  } catch (err) {
    throw modelError(`model card: ${(err as Error).message}`, file);
  }
  if (c.training !== undefined) {
    const t = c.training;
    if (!isObj(t)) bad('training', 'an object', t);
    const tr = t as Obj;
    if (typeof tr.dataset !== 'string') bad('training.dataset', 'a string', tr.dataset);
    if (tr.datasetDescription !== undefined && typeof tr.datasetDescription !== 'string') bad('training.datasetDescription', 'a string', tr.datasetDescription);
    for (const k of ['epochs', 'bestEpoch', 'steps']) if (!isInt(tr[k])) bad(`training.${k}`, 'an integer ≥ 0', tr[k]);
    if ((tr.bestEpoch as number) > (tr.epochs as number)) bad('training.bestEpoch', `at most training.epochs (${String(tr.epochs)})`, tr.bestEpoch);
    if (!isNum(tr.seconds) || tr.seconds < 0) bad('training.seconds', 'a number ≥ 0', tr.seconds);
  }
  if (c.scores !== undefined) {
    const s = c.scores;
    if (!isObj(s)) bad('scores', 'an object', s);
    const sc = s as Obj;
    const frac = (v: unknown) => isNum(v) && v >= 0 && v <= 1;
    if (sc.valid !== undefined) {
      const v = sc.valid;
      if (!isObj(v)) bad('scores.valid', 'an object', v);
      const va = v as Obj;
      if (!isInt(va.images)) bad('scores.valid.images', 'an integer ≥ 0', va.images);
      for (const k of ['f1Integral', 'f1At3']) if (!frac(va[k])) bad(`scores.valid.${k}`, 'a number in [0, 1]', va[k]);
      if (va.rmse !== null && !(isNum(va.rmse) && va.rmse >= 0)) bad('scores.valid.rmse', 'a number ≥ 0 or null', va.rmse);
      if (va.loss !== undefined && !isNum(va.loss)) bad('scores.valid.loss', 'a number', va.loss);
    }
    const table = (key: string, value: string, ok: (v: unknown) => boolean, want: string) => {
      const rows = sc[key];
      if (rows === undefined) return;
      if (!Array.isArray(rows)) bad(`scores.${key}`, 'a list', rows);
      for (const [i, r] of (rows as unknown[]).entries()) {
        if (!isObj(r)) bad(`scores.${key}[${i}]`, 'an object', r);
        const o = r as Obj;
        if (!frac(o.threshold)) bad(`scores.${key}[${i}].threshold`, 'a number in [0, 1]', o.threshold);
        if (!ok(o[value])) bad(`scores.${key}[${i}].${value}`, want, o[value]);
      }
    };
    table('thresholdSearch', 'f1Integral', frac, 'a number in [0, 1]');
    table('noiseOnly', 'falsePerMP', (v) => isNum(v) && v >= 0, 'a number ≥ 0');
    if (sc.maxFalsePerMP !== undefined && !(isNum(sc.maxFalsePerMP) && sc.maxFalsePerMP >= 0)) bad('scores.maxFalsePerMP', 'a number ≥ 0', sc.maxFalsePerMP);
  }
  if (c.weightsSha256 !== undefined && !(typeof c.weightsSha256 === 'string' && /^[0-9a-f]{64}$/.test(c.weightsSha256))) {
    bad('weightsSha256', '64 lowercase hex digits', c.weightsSha256);
  }
}

function parseCard(json: string | undefined, file: string): ModelCard {
  if (json === undefined) throw modelError('ONNX file without deepblink metadata (not a deepblink model)', file);
  let card: unknown;
  try {
    card = JSON.parse(json);
  } catch {
    throw modelError('model metadata is not valid JSON (corrupt model file)', file);
  }
  validateCard(card, file);
  return card;
}

/** What a caller should know about a model that passed the checks. */
function notesOf(card: ModelCard, file: string): ModelNote[] {
  const notes: ModelNote[] = [];
  if (!thresholdCalibrated(card)) {
    notes.push({
      level: 'warn',
      code: 'uncalibrated-threshold',
      message: `threshold ${card.threshold} was never calibrated (training stopped before the threshold search)`,
      file,
    });
  }
  if (card.weightsSha256 === undefined) {
    notes.push({ level: 'info', code: 'no-checksum', message: 'the model file has no weights checksum (an older file): its weights were not verified', file });
  }
  return notes;
}

/**
 * Parses and checks model bytes (no inference session yet): the card (every field), the weights
 * (shapes against the card's network, then their checksum), and the graph (it must be the one
 * the card's network gives; the graph that runs is rebuilt from the card and the weights).
 * Every problem is a one-line 'bad-model' error naming `file`.
 */
export function decodeModel(bytes: Uint8Array, file: string): LoadedModel {
  if (bytes.length === 0) throw modelError('empty model file (0 bytes)', file);
  let parsed;
  try {
    parsed = readOnnx(bytes);
  } catch (err) {
    if (err instanceof OnnxFormatError) throw withCause(modelError(`not a readable model file: ${err.message}`, file), err);
    throw withCause(modelError('not a readable model file: corrupt ONNX model file (it cannot be decoded)', file), err);
  }
  const card = parseCard(parsed.metadata[METADATA_KEY], file);
  const spec = networkSpec(card.network);
  try {
    checkWeights(spec, parsed.weights);
  } catch (err) {
    throw modelError(`model weights do not match its architecture: ${(err as Error).message}`, file);
  }
  if (card.weightsSha256 !== undefined && weightsSha256(spec, parsed.weights) !== card.weightsSha256) {
    throw modelError('weights do not match their checksum (corrupt file?)', file);
  }
  const onnx = exportOnnx(spec, parsed.weights, { [METADATA_KEY]: parsed.metadata[METADATA_KEY] });
  let difference: string | undefined;
  try {
    difference = onnxGraphDifference(bytes, onnx);
  } catch (err) {
    throw withCause(modelError('not a readable model file: corrupt ONNX model file (it cannot be decoded)', file), err);
  }
  if (difference !== undefined) {
    throw modelError(`the ONNX graph is not the one the card's network gives (${difference}); model graphs cannot be edited`, file);
  }
  return { file, card, spec, weights: parsed.weights, bytes, onnx, notes: notesOf(card, file) };
}

/** `err` with `cause` attached (shown with --verbose; never in the message). */
function withCause(err: UserError, cause: unknown): UserError {
  Object.defineProperty(err, 'cause', { value: cause, enumerable: false, configurable: true, writable: true });
  return err;
}
