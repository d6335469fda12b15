/**
 * Model files on disk: load (file → card, spec, weights), save (atomic), and an inference
 * session for a loaded model. The file's content (card, encoding, checks) is model/card.ts.
 */
import { promises as fs } from 'node:fs';
import type { NetworkSpec } from '../network/spec.js';
import { weightsSha256, type WeightMap } from '../network/weights.js';
import type { Predictor } from '../engine/engine.js';
import { fsCode } from '../core/errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { decodeModel, encodeModel, modelError, type LoadedModel, type ModelCard } from './card.js';

export * from './card.js';

/** Writes a model file (atomically); returns the card as written (with the weights' checksum). */
export async function saveModel(file: string, spec: NetworkSpec, weights: WeightMap, card: ModelCard): Promise<ModelCard> {
  await writeFileAtomic(file, encodeModel(spec, weights, card));
  return { ...card, weightsSha256: weightsSha256(spec, weights) };
}

export async function loadModel(file: string): Promise<LoadedModel> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.readFile(file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw modelError(code === 'ENOENT' ? 'model file not found' : `cannot read the model file (${code ?? (err as Error).message})`, file, fsCode(err));
  }
  return decodeModel(bytes, file);
}

/** True when onnxruntime-node cannot be loaded because it is not installed. */
function missingPackage(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && /onnxruntime-node/.test(String((err as Error).message));
}

/**
 * An inference session for a loaded model: runs `model.onnx`, the graph rebuilt from its card
 * and weights (never the file's own graph), on onnxruntime-node (native). It is an optional
 * dependency — an install without network drops it, because its install step tries to
 * download GPU libraries — so when it is not installed, or when DEEPBLINK_RUNTIME=tfjs, the
 * model runs on TensorFlow.js (wasm; the same network from the same weights, about 15× slower;
 * `predictor.runtime` says which).
 */
export async function modelPredictor(model: LoadedModel, threads = 1): Promise<Predictor> {
  try {
    if (process.env.DEEPBLINK_RUNTIME !== 'tfjs') {
      try {
        // loaded here, not at import: the runtime is Node-only and heavy (the model format is not)
        const { createOnnxPredictor } = await import('../engine/onnxruntime.js');
        return await createOnnxPredictor(model.onnx, { threads });
      } catch (err) {
        if (!missingPackage(err)) throw err;
      }
    }
    const { createTfjsPredictor } = await import('../engine/tfjs.js');
    return await createTfjsPredictor(model.spec, model.weights);
  } catch (err) {
    throw modelError(`cannot run the model: ${(err as Error).message}`, model.file);
  }
}
