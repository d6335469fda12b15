/**
 * Prediction with onnxruntime-node (Node only; its CPU binaries ship in the npm package) on a
 * model file written by engine/onnx-format.ts.
 */
import type Ort from 'onnxruntime-node';

type OrtModule = typeof Ort;
let ortModule: Promise<OrtModule> | undefined;

/**
 * onnxruntime-node, loaded on first use with its telemetry switched off first: the native
 * library otherwise records usage events in a local database (~/.cache/Microsoft/DeveloperTools)
 * for upload. ORT_DISABLE_TELEMETRY is read when the library initialises, so it is set before
 * the import (a caller's own value is kept).
 */
export function loadOrt(): Promise<OrtModule> {
  process.env.ORT_DISABLE_TELEMETRY ??= '1';
  ortModule ??= import('onnxruntime-node').then((m) => (m as unknown as { default: OrtModule }).default ?? m);
  return ortModule;
}
import type { Predictor } from './engine.js';
import { ONNX_INPUT, ONNX_OUTPUT, onnxInfo } from './onnx-format.js';

export interface OnnxPredictorOptions {
  /** onnxruntime intra-op threads (default 1; parallelise over tiles with workers instead). */
  threads?: number;
}

const errMsg = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * An onnxruntime-node session on a model file written by exportOnnx (CPU, all graph
 * optimisations, sequential execution, one inter-op thread). Runs on one session are queued,
 * never concurrent.
 */
export async function createOnnxPredictor(bytes: Uint8Array, opts: OnnxPredictorOptions = {}): Promise<Predictor> {
  const info = onnxInfo(bytes);
  const threads = opts.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`createOnnxPredictor: threads must be an integer ≥ 1, got ${threads}`);
  const ort = await loadOrt();
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
    });
  } catch (e) {
    throw new Error(`onnxruntime could not load the model: ${errMsg(e)}`, { cause: e });
  }
  let queue: Promise<unknown> = Promise.resolve();
  let disposed = false;
  const m = info.inputMultiple;

  const runOne = async (x: Float32Array, height: number, width: number): Promise<Float32Array> => {
    const input = new ort.Tensor('float32', x, info.inputChannels === 1 ? [1, 1, height, width] : [1, height, width, info.inputChannels]);
    let out: Ort.InferenceSession.OnnxValueMapType;
    try {
      out = await session.run({ [ONNX_INPUT]: input });
    } catch (e) {
      throw new Error(`onnxruntime failed on a ${height}×${width} input: ${errMsg(e)}`, { cause: e });
    }
    const grid = out[ONNX_OUTPUT] as Ort.Tensor | undefined;
    const expected = (height / info.outputScale) * (width / info.outputScale) * info.outputChannels;
    if (!grid || grid.type !== 'float32' || grid.data.length !== expected) {
      throw new Error(`onnxruntime returned an unexpected output (expected ${expected} float32 values)`);
    }
    return grid.data as Float32Array;
  };

  return {
    runtime: 'onnxruntime',
    run(x: Float32Array, height: number, width: number): Promise<Float32Array> {
      if (disposed) return Promise.reject(new Error('ONNX predictor: run() after dispose()'));
      if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
        return Promise.reject(new Error(`ONNX predictor: invalid input size ${height}×${width}`));
      }
      if (height % m !== 0 || width % m !== 0) {
        return Promise.reject(new Error(`ONNX predictor: input size ${height}×${width} is not a multiple of ${m} (pad or crop the image first)`));
      }
      if (!(x instanceof Float32Array) || x.length !== height * width * info.inputChannels) {
        return Promise.reject(
          new Error(
            `ONNX predictor: input has ${x?.length} values, expected ${height}×${width}${info.inputChannels === 1 ? '' : `×${info.inputChannels}`} float32`,
          ),
        );
      }
      const p = queue.then(() => runOne(x, height, width));
      queue = p.catch(() => undefined);
      return p;
    },
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      await queue;
      await session.release();
    },
  };
}

/**
 * A foreign single-input image model (e.g. a peer's published ONNX network, for benchmarks):
 * runs a float32 [1, 1, H, W] input through the model's first input and returns its first
 * output with its shape. CPU, `threads` intra-op threads.
 */
export async function createImageOnnxSession(
  file: string,
  threads = 1,
): Promise<{ run(x: Float32Array, height: number, width: number): Promise<{ data: Float32Array; dims: number[] }>; dispose(): Promise<void> }> {
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(file, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  const input = session.inputNames[0];
  const output = session.outputNames[0];
  return {
    async run(x, height, width) {
      const out = await session.run({ [input]: new ort.Tensor('float32', x, [1, 1, height, width]) });
      const t = out[output] as Ort.Tensor;
      return { data: t.data as Float32Array, dims: [...t.dims] };
    },
    dispose: () => session.release(),
  };
}
