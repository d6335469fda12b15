/**
 * Detection in the page: the model file's bytes → card, spec and the rebuilt ONNX graph
 * (model/card.ts, as the CLI) → onnxruntime-web → the CLI's own steps (preprocess/check,
 * detect/neural: normalise, tiles, grid decoding, centroid refinement). The network runs once
 * per plane; moving the threshold only decodes its stored output again (spotsAtThreshold), so
 * the spots at any threshold are the ones `deepblink predict --threshold T` writes.
 */
import type { Plane, Spot } from '../../src/core/types.js';
import { decodeModel, type LoadedModel } from '../../src/model/card.js';
import { checkPlane } from '../../src/preprocess/check.js';
import { tilingFor } from '../../src/preprocess/tiles.js';
import { runNetworkTiles, spotsAtThreshold, type NeuralOutput } from '../../src/detect/neural.js';
import type { Predictor } from '../../src/engine/engine.js';

export interface PageModel {
  id: string;
  model: LoadedModel;
  predictor: Predictor;
  threads: number;
}

/** Loads a model file's bytes and starts an onnxruntime-web session on its graph. */
export async function loadPageModel(id: string, bytes: Uint8Array, name: string): Promise<PageModel> {
  const model = decodeModel(bytes, name);
  // threads need SharedArrayBuffer, i.e. a cross-origin-isolated page (the server sends COOP/COEP)
  // ?threads=N in the page's address overrides the default (min(4, cores − 1): one core stays free for the page; on 2 cores, 2 threads were slower than 1)
  const asked = Number(new URLSearchParams(location.search).get('threads'));
  const threads = globalThis.crossOriginIsolated ? (asked > 0 ? asked : Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 1) - 1))) : 1;
  // a chunk of its own: onnxruntime-web starts its WebAssembly threads' workers from its own
  // script, which must not be the page's (a worker has no document)
  const { createWebPredictor } = await import('../../src/engine/onnxruntime-web.js');
  const predictor = await createWebPredictor(model.onnx, { threads, wasmPaths: new URL('ort/', location.href).href });
  return { id, model, predictor, threads };
}

/** The network's output on one plane (check → normalise → tiles → network), as the CLI computes it. */
export async function runPlane(m: PageModel, plane: Plane, progress?: (done: number, total: number) => void): Promise<NeuralOutput> {
  const stats = checkPlane(plane, 'plane');
  const tiling = tilingFor(m.model.spec);
  return runNetworkTiles(plane, m.model.spec, m.predictor, { normalization: m.model.card.normalization, ...tiling, progress }, stats);
}

/** Spots at a probability threshold (strict >), from a stored network output. */
export function spotsAt(output: NeuralOutput, threshold: number): Spot[] {
  return spotsAtThreshold(output, threshold);
}
