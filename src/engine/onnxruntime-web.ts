/**
 * Prediction in a web page with onnxruntime-web (WebAssembly), on the same ONNX graph the CLI
 * runs with onnxruntime-node (engine/onnx-format.ts, rebuilt from the model file by
 * model/card.ts). Used by the viewer's page (viewer/), never by the Node package: it is left
 * out of the Node build (tsconfig.build.json) and onnxruntime-web is bundled into the page.
 */
import * as ort from 'onnxruntime-web/wasm';
import type { Predictor } from './engine.js';
import { ONNX_INPUT, ONNX_OUTPUT, onnxInfo } from './onnx-format.js';

export interface WebPredictorOptions {
  /** Where the page serves ort-wasm-simd-threaded.wasm (a URL prefix ending in '/'); default: beside the bundled script. */
  wasmPaths?: string;
  /** WebAssembly threads (default 1; more needs a cross-origin-isolated page). */
  threads?: number;
}

/** An onnxruntime-web session on a model written by exportOnnx; runs are queued, never concurrent. */
export async function createWebPredictor(bytes: Uint8Array, opts: WebPredictorOptions = {}): Promise<Predictor> {
  const info = onnxInfo(bytes);
  if (opts.wasmPaths) ort.env.wasm.wasmPaths = opts.wasmPaths;
  ort.env.wasm.numThreads = opts.threads ?? 1;
  ort.env.wasm.proxy = false;
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  let queue: Promise<unknown> = Promise.resolve();
  const runOne = async (x: Float32Array, height: number, width: number): Promise<Float32Array> => {
    const dims = info.inputChannels === 1 ? [1, 1, height, width] : [1, height, width, info.inputChannels];
    const out = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', x, dims) });
    const grid = out[ONNX_OUTPUT];
    const expected = (height / info.outputScale) * (width / info.outputScale) * info.outputChannels;
    if (!grid || grid.type !== 'float32' || grid.data.length !== expected)
      throw new Error(`onnxruntime-web returned an unexpected output (expected ${expected} float32 values)`);
    return grid.data as Float32Array;
  };
  return {
    runtime: 'onnxruntime-web',
    run(x, height, width) {
      const p = queue.then(() => runOne(x, height, width));
      queue = p.catch(() => undefined);
      return p;
    },
    async dispose() {
      await queue;
      await session.release();
    },
  };
}
