/**
 * The model file's content, without any file system (so it also runs in a browser). A model is
 * one ONNX file (runs in onnxruntime-node, and in browsers via onnxruntime-web) whose metadata
 * entry "deepblink" holds the model card as JSON — architecture, probability
 * threshold, normalisation, the data it was trained on and its validation scores. Parameter
 * names in the file are our NetworkSpec names, so a model file is also a fine-tuning start.
 */
import { networkSpec, validateNetworkConfig, type NetworkConfig, type NetworkSpec } from '../network/spec.js';
import { exportOnnx, readOnnx } from '../engine/onnx-format.js';
import { checkWeights, type WeightMap } from '../network/weights.js';
import { UserError, type ErrorCode } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import type { Normalization } from '../preprocess/normalize.js';

/** A user-facing error of this stage (code 'bad-model' unless given). */
const modelError = (message: string, file?: string, code: ErrorCode = 'bad-model') => new UserError(message, file, code);

export type { Normalization };

export const MODEL_FORMAT = 'deepblink-model';
export const MODEL_VERSION = 1;
export const METADATA_KEY = 'deepblink';

export interface ModelScores {
  /** Validation scores at the stored threshold (deepBlink F1-integral etc., per-image means). */
  valid?: { images: number; f1Integral: number; f1At3: number; rmse: number; loss?: number };
  /** F1-integral on the validation split for each threshold tried. */
  thresholdSearch?: { threshold: number; f1Integral: number }[];
  /** False spots per megapixel on noise-only images per threshold, when the threshold was limited by them. */
  noiseOnly?: { threshold: number; falsePerMP: number }[];
  /** The limit on false spots per megapixel that chose the threshold. */
  maxFalsePerMP?: number;
}

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
}

export function makeCard(p: Partial<ModelCard> & { name: string; network: NetworkConfig }): ModelCard {
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    description: '',
    created: new Date().toISOString(),
    tool: `deepblink ${VERSION}`,
    threshold: 0.5,
    normalization: { method: 'zscore' },
    ...p,
  };
}

export function encodeModel(spec: NetworkSpec, weights: WeightMap, card: ModelCard): Uint8Array {
  return exportOnnx(spec, weights, { [METADATA_KEY]: JSON.stringify(card) });
}

export interface LoadedModel {
  file: string;
  card: ModelCard;
  spec: NetworkSpec;
  weights: WeightMap;
  bytes: Uint8Array;
}

function parseCard(json: string | undefined, file: string): ModelCard {
  if (json === undefined) throw modelError('ONNX file without deepblink metadata (not a deepblink model)', file);
  let card: ModelCard;
  try {
    card = JSON.parse(json) as ModelCard;
  } catch {
    throw modelError('model metadata is not valid JSON (corrupt model file)', file);
  }
  if (card.format !== MODEL_FORMAT) throw modelError(`model metadata has format '${String(card.format)}', expected '${MODEL_FORMAT}'`, file);
  if (!Number.isInteger(card.version) || card.version < 1) throw modelError('model metadata has no valid version', file);
  if (card.version > MODEL_VERSION) {
    throw modelError(`model format version ${card.version} is newer than this deepblink supports (${MODEL_VERSION}); update deepblink`, file);
  }
  if (!(card.threshold >= 0 && card.threshold < 1)) throw modelError(`model threshold ${card.threshold} is not in [0, 1)`, file);
  const norm = card.normalization as { method?: unknown } | undefined;
  if (!norm || !['zscore', 'percentile', 'noise'].includes(String(norm.method))) {
    throw modelError(`model normalisation '${String(norm?.method)}' is unknown to this deepblink (known: noise, zscore, percentile); update deepblink`, file);
  }
  try {
    validateNetworkConfig(card.network);
  } catch (err) {
    throw modelError((err as Error).message, file);
  }
  return card;
}

/** Parses model bytes: card, spec and weights (no inference session yet). */
export function decodeModel(bytes: Uint8Array, file: string): LoadedModel {
  if (bytes.length === 0) throw modelError('empty model file (0 bytes)', file);
  let parsed;
  try {
    parsed = readOnnx(bytes);
  } catch (err) {
    throw modelError(`not a readable model file: ${(err as Error).message}`, file);
  }
  const card = parseCard(parsed.metadata[METADATA_KEY], file);
  const spec = networkSpec(card.network);
  try {
    checkWeights(spec, parsed.weights);
  } catch (err) {
    throw modelError(`model weights do not match its architecture: ${(err as Error).message}`, file);
  }
  return { file, card, spec, weights: parsed.weights, bytes };
}
