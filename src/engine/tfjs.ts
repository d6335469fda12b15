/**
 * Training engine on TensorFlow.js (tfjs-core 4.22 + wasm backend, no tfjs-layers): the network
 * from a NetworkSpec (tfjs-net.ts), deepBlink's loss (tfjs-loss.ts), Keras-like optimisers
 * (tfjs-optim.ts) and the gradient kernels the wasm backend lacks (tfjs-kernels.ts).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { paramList, type NetworkSpec } from '../network/spec.js';
import { Rng } from '../math/rng.js';
import type { Batch, LossParts, OptimizerState, Predictor, TrainEngine, TrainEngineOptions, WeightMap } from './engine.js';
import { registerGradients } from './tfjs-grads.js';
import { registerGradientKernels } from './tfjs-kernels.js';
import { countSpotCells, lossTensors } from './tfjs-loss.js';
import { forward, initialWeights } from './tfjs-net.js';
import { createOptimizer } from './tfjs-optim.js';

export { registerGradientKernels } from './tfjs-kernels.js';
export { diceScore, kerasF1, lossParts, countSpotCells } from './tfjs-loss.js';
export { initialWeights } from './tfjs-net.js';

let initPromise: Promise<string> | null = null;

/** Directory of the tfjs-backend-wasm .wasm binaries (inside its installed package). */
export function wasmDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
}

const PROCESS_EVENTS = ['uncaughtException', 'unhandledRejection'];
type Listener = (...args: unknown[]) => void;
/** process.listeners / removeListener without the per-event overloads of @types/node. */
const proc = process as unknown as { listeners(ev: string): Listener[]; removeListener(ev: string, l: Listener): void };

/**
 * The Emscripten module of tfjs-backend-wasm installs process-wide 'uncaughtException' and
 * 'unhandledRejection' handlers that rethrow, so that any later crash anywhere in the program
 * prints the 40 kB minified line of the wasm glue code. Runs `f` and removes the handlers it added.
 */
async function withoutProcessHandlers<T>(f: () => Promise<T>): Promise<T> {
  const before = new Map(PROCESS_EVENTS.map((ev) => [ev, new Set(proc.listeners(ev))]));
  try {
    return await f();
  } finally {
    for (const ev of PROCESS_EVENTS) {
      for (const l of proc.listeners(ev)) if (!before.get(ev)!.has(l)) proc.removeListener(ev, l);
    }
  }
}

async function setUp(): Promise<string> {
  tf.env().set('PROD', true); // no "Hi, looks like you are running TensorFlow.js in Node.js" etc.
  registerGradients();
  try {
    await withoutProcessHandlers(async () => {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(wasmDir() + path.sep);
      if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") failed');
      await tf.ready();
    });
    registerGradientKernels('wasm');
    return tf.getBackend();
  } catch (e) {
    console.warn(
      `deepblink: the tfjs wasm backend could not start (${e instanceof Error ? e.message : String(e)}); falling back to the (very slow) pure-JS 'cpu' backend`,
    );
    await import('@tensorflow/tfjs-backend-cpu');
    if (!(await tf.setBackend('cpu'))) throw new Error('neither the tfjs wasm nor the cpu backend could start');
    await tf.ready();
    registerGradientKernels('cpu');
    return tf.getBackend();
  }
}

/**
 * Starts tfjs on the wasm backend (1 thread in Node; binaries from the installed package, no
 * network) with our gradient kernels registered; falls back to 'cpu' if wasm cannot start.
 * Idempotent; resolves to the backend name.
 */
export function initTfjs(): Promise<string> {
  if (!initPromise) initPromise = setUp();
  return initPromise;
}

let engineCount = 0;

function toTensorX(x: Float32Array, n: number, height: number, width: number): tf.Tensor4D {
  if (x.length !== n * height * width) throw new Error(`input: expected ${n}×${height}×${width} values, got ${x.length}`);
  return tf.tensor4d(x, [n, height, width, 1], 'float32');
}

/** A TrainEngine on tfjs for `spec` (calls initTfjs). */
export async function createTfjsEngine(spec: NetworkSpec, opts: TrainEngineOptions): Promise<TrainEngine> {
  const backend = await initTfjs();
  const infos = paramList(spec);
  const cell = spec.config.cellSize;
  const prefix = `deepblink${engineCount++}/`;
  const vars = new Map<string, tf.Variable>();

  const checkWeights = (w: WeightMap): void => {
    for (const p of infos) {
      const v = w.get(p.name);
      if (!v) throw new Error(`weights lack parameter ${p.name}`);
      if (v.shape.length !== p.shape.length || v.shape.some((d, i) => d !== p.shape[i])) {
        throw new Error(`parameter ${p.name}: shape [${v.shape}] does not match the network's [${p.shape}]`);
      }
      if (v.data.length !== p.shape.reduce((a, b) => a * b, 1)) throw new Error(`parameter ${p.name}: wrong number of values`);
    }
    for (const k of w.keys()) if (!infos.some((p) => p.name === k)) throw new Error(`weights have unknown parameter ${k}`);
  };

  const start = opts.weights ?? initialWeights(spec, opts.seed);
  checkWeights(start);
  for (const p of infos) {
    const w = start.get(p.name)!;
    vars.set(
      p.name,
      tf.tidy(() => tf.variable(tf.tensor(w.data, p.shape, 'float32'), true, prefix + p.name)),
    );
  }
  const detection = opts.loss === 'combined_bce_rmse' ? 'bce' : 'dice';
  const l2Factor = spec.config.l2;
  const l2Params = infos.filter((p) => p.l2).map((p) => vars.get(p.name)!);
  const optimizer = createOptimizer(opts.optimizer, infos, prefix);
  let disposed = false;

  const alive = () => {
    if (disposed) throw new Error('the training engine was disposed');
  };

  const checkBatch = (b: Batch) => {
    if (b.height % cell !== 0 || b.width % cell !== 0) throw new Error(`batch ${b.height}×${b.width} is not a multiple of the cell size ${cell}`);
    const expectY = b.n * (b.height / cell) * (b.width / cell) * 3;
    if (b.y.length !== expectY) throw new Error(`batch y: expected ${expectY} values, got ${b.y.length}`);
  };

  const l2Term = (): tf.Scalar => {
    if (l2Factor === 0 || l2Params.length === 0) return tf.scalar(0);
    return tf.mul(tf.addN(l2Params.map((w) => tf.sum(tf.square(w)))), l2Factor) as tf.Scalar;
  };

  const paramTensors = () => vars as Map<string, tf.Tensor>;

  async function readParts(dice: tf.Scalar, rmse: tf.Scalar, l2: tf.Scalar): Promise<LossParts> {
    const [d, r, l] = await Promise.all([dice.data(), rmse.data(), l2.data()]);
    const parts = { dice: d[0], rmse: r[0], l2: l[0] };
    return { loss: parts.dice + 2 * parts.rmse + parts.l2, ...parts };
  }

  const engine: TrainEngine = {
    backend,

    async trainStep(batch: Batch): Promise<LossParts> {
      alive();
      checkBatch(batch);
      const gh = batch.height / cell;
      const gw = batch.width / cell;
      const spotCells = countSpotCells(batch.y);
      // dropout masks depend on (seed, step) only, so a resumed run repeats them exactly
      const rng = new Rng(opts.seed, 0x10000 + optimizer.step);
      const x = toTensorX(batch.x, batch.n, batch.height, batch.width);
      const y = tf.tensor4d(batch.y, [batch.n, gh, gw, 3], 'float32');
      let kept: tf.Scalar[] = [];
      try {
        const { value, grads } = tf.variableGrads(() => {
          const out = forward(spec, paramTensors(), x, { training: true, rng });
          const { dice, rmse } = lossTensors(y, out, spotCells, detection);
          const l2 = l2Term();
          kept = [tf.keep(dice), tf.keep(rmse), tf.keep(l2)];
          return tf.addN([dice, tf.mul(rmse, 2), l2]) as tf.Scalar;
        }, [...vars.values()]);
        // grads are keyed by variable name; map them back to parameter names
        const named: tf.NamedTensorMap = {};
        for (const [p, v] of vars) if (grads[v.name]) named[p] = grads[v.name];
        optimizer.apply(vars, named);
        tf.dispose(grads);
        value.dispose();
        return await readParts(kept[0], kept[1], kept[2]);
      } finally {
        tf.dispose(kept);
        x.dispose();
        y.dispose();
      }
    },

    async evaluate(batch: Batch): Promise<LossParts & { output: Float32Array }> {
      alive();
      checkBatch(batch);
      const gh = batch.height / cell;
      const gw = batch.width / cell;
      const spotCells = countSpotCells(batch.y);
      const res = tf.tidy(() => {
        const x = toTensorX(batch.x, batch.n, batch.height, batch.width);
        const y = tf.tensor4d(batch.y, [batch.n, gh, gw, 3], 'float32');
        const out = forward(spec, paramTensors(), x, { training: false });
        const { dice, rmse } = lossTensors(y, out, spotCells, detection);
        return { out, dice, rmse, l2: l2Term() };
      });
      try {
        const parts = await readParts(res.dice, res.rmse, res.l2);
        const output = new Float32Array((await res.out.data()) as Float32Array);
        return { ...parts, output };
      } finally {
        tf.dispose([res.out, res.dice, res.rmse, res.l2]);
      }
    },

    async predict(x: Float32Array, n: number, height: number, width: number): Promise<Float32Array> {
      alive();
      if (height % cell !== 0 || width % cell !== 0) throw new Error(`input ${height}×${width} is not a multiple of the cell size ${cell}`);
      const out = tf.tidy(() => forward(spec, paramTensors(), toTensorX(x, n, height, width), { training: false }));
      try {
        return new Float32Array((await out.data()) as Float32Array);
      } finally {
        out.dispose();
      }
    },

    getWeights(): WeightMap {
      alive();
      const w: WeightMap = new Map();
      for (const p of infos) w.set(p.name, { shape: [...p.shape], data: Float32Array.from(vars.get(p.name)!.dataSync() as Float32Array) });
      return w;
    },

    setWeights(w: WeightMap): void {
      alive();
      checkWeights(w);
      for (const p of infos) {
        const v = vars.get(p.name)!;
        tf.tidy(() => v.assign(tf.tensor(w.get(p.name)!.data, p.shape, 'float32')));
      }
    },

    getOptimizerState(): OptimizerState {
      alive();
      return optimizer.getState();
    },

    setOptimizerState(s: OptimizerState): void {
      alive();
      optimizer.setState(s);
    },

    setLearningRate(lr: number): void {
      alive();
      optimizer.learningRate = lr;
    },

    dispose(): void {
      if (disposed) return;
      disposed = true;
      optimizer.dispose();
      for (const v of vars.values()) v.dispose();
      vars.clear();
    },
  };
  return engine;
}

/**
 * Inference with TensorFlow.js (wasm backend): the fallback runtime when onnxruntime-node is
 * not installed. Same layers and weights as the ONNX export (engine/parity.test.ts checks the
 * engines agree); one image at a time, in the order asked.
 */
export async function createTfjsPredictor(spec: NetworkSpec, weights: WeightMap): Promise<Predictor> {
  // the optimiser is never stepped: inference only
  const engine = await createTfjsEngine(spec, { optimizer: { name: 'adam', learningRate: 1e-3 }, seed: 0, weights });
  let queue: Promise<unknown> = Promise.resolve();
  let disposed = false;
  return {
    runtime: 'tfjs-wasm',
    run(x: Float32Array, height: number, width: number): Promise<Float32Array> {
      if (disposed) return Promise.reject(new Error('tfjs predictor: run() after dispose()'));
      const p = queue.then(() => engine.predict(x, 1, height, width));
      queue = p.catch(() => undefined);
      return p;
    },
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      await queue;
      engine.dispose();
    },
  };
}
