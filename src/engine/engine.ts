/**
 * The one seam between our code and the ML frameworks. Training runs on TensorFlow.js
 * (src/engine/tfjs.ts, wasm backend); prediction runs on onnxruntime-node from an ONNX export
 * (src/engine/onnx-format.ts, run by src/engine/onnxruntime.ts). Both are driven by the framework-neutral NetworkSpec
 * (src/network/spec.ts); nothing outside src/engine imports a framework.
 */
import type { NetworkSpec } from '../network/spec.js';
import type { WeightMap } from '../network/weights.js';

export type { WeightMap };

/**
 * A batch in plain arrays. x: N×H×W (one channel, already normalised);
 * y: N×(H/cell)×(W/cell)×3 grid targets (p, relative row, relative col), channel last.
 */
export interface Batch {
  x: Float32Array;
  y: Float32Array;
  n: number;
  height: number;
  width: number;
}

export interface OptimizerSettings {
  /** 'amsgrad' (default, as the original), 'adam' or 'rmsprop'. */
  name: 'amsgrad' | 'adam' | 'rmsprop';
  learningRate: number;
}

/**
 * Training loss: 'combined_dice_rmse' = the paper's dice + 2·RMSE; 'combined_bce_rmse' =
 * binary cross-entropy summed over cells ÷ (spot cells + 1), + 2·RMSE (a calibrated p).
 */
export type LossName = 'combined_dice_rmse' | 'combined_bce_rmse';

/** Optimiser state as named arrays, for checkpoints (resume after a stop). */
export interface OptimizerState {
  name: string;
  step: number;
  slots: Map<string, Float32Array>;
}

export interface LossParts {
  /** Total loss used for the gradient: detection term + 2·rmse + l2 penalty. */
  loss: number;
  /** The detection term: dice loss, or the normalised cross-entropy with combined_bce_rmse. */
  dice: number;
  rmse: number;
  l2: number;
}

export interface TrainEngine {
  readonly backend: string;
  /** One optimiser step on a batch (training mode: dropout on). */
  trainStep(batch: Batch): Promise<LossParts>;
  /** Loss and network output without dropout or update. Output: N×(H/cell)×(W/cell)×3. */
  evaluate(batch: Batch): Promise<LossParts & { output: Float32Array }>;
  /** Network output for N×H×W inputs (inference mode). */
  predict(x: Float32Array, n: number, height: number, width: number): Promise<Float32Array>;
  getWeights(): WeightMap;
  setWeights(w: WeightMap): void;
  getOptimizerState(): OptimizerState;
  /** Changes the learning rate for the next steps (learning-rate schedules). */
  setLearningRate(lr: number): void;
  setOptimizerState(s: OptimizerState): void;
  dispose(): void;
}

export interface TrainEngineOptions {
  optimizer: OptimizerSettings;
  /** Seed of the weight initialisation and dropout masks. */
  seed: number;
  /** Start from these weights instead of a fresh initialisation. */
  weights?: WeightMap;
  /** Default 'combined_dice_rmse'. */
  loss?: LossName;
}

/** Inference on an exported model. */
export interface Predictor {
  /** Input: H×W normalised plane (H, W multiples of the network's input multiple). Output: (H/cell)×(W/cell)×3. */
  run(x: Float32Array, height: number, width: number): Promise<Float32Array>;
  dispose(): Promise<void>;
  /** What runs it: 'onnxruntime' (native, the default) or 'tfjs-wasm' (the fallback). */
  readonly runtime?: 'onnxruntime' | 'tfjs-wasm' | 'onnxruntime-web';
}

export type { NetworkSpec };
