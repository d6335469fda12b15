/**
 * Gradient functions for the ops our network uses. tfjs-core's Node bundle (the CommonJS
 * `tf-core.node.js` that `@tensorflow/tfjs-core` resolves to) does not register any gradients;
 * the union package `@tensorflow/tfjs` does that, and we do not depend on it. These are ports of
 * tfjs-core 4.22's own gradient configs (src/gradients/*_grad.ts, Apache-2.0), registered only
 * for kernels that have no gradient yet (so a process that also loads the full tfjs keeps its own).
 *
 * Covered: Add, AddN, Sub, Multiply, RealDiv, Neg, Square, Log, ClipByValue, Sqrt, Sum, Mean, Reshape, Concat,
 * SplitV, BatchMatMul, LeakyRelu, Sigmoid, Relu, MaxPool, ResizeNearestNeighbor, Conv2D.
 * (FusedConv2D brings its own gradient through customGrad in tfjs-core.)
 */
import * as tf from '@tensorflow/tfjs-core';

type T = tf.Tensor;
const one = (dy: T | T[]): T => {
  if (Array.isArray(dy)) throw new Error('gradient: unexpected multiple dy');
  return dy;
};

/** Sum `g` over the broadcast axes of `shape` and reshape to it. */
function unbroadcast(g: T, shape: number[], outShape: number[]): T {
  const axes = tf.backend_util.getReductionAxes(shape, outShape);
  const r = axes.length > 0 ? tf.sum(g, axes) : g;
  return tf.reshape(r, shape);
}

function expandReduced(dy: T, xShape: number[], axisAttr: unknown): T {
  const axes = tf.util.parseAxisParam(axisAttr as number | number[], xShape);
  const shape = xShape.slice();
  for (const a of axes) shape[a] = 1;
  return tf.mul(tf.reshape(dy, shape), tf.ones(xShape, 'float32'));
}

const configs: tf.GradConfig[] = [
  {
    kernelName: 'Add',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => {
      const out = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      return { a: () => unbroadcast(one(dy), a.shape, out), b: () => unbroadcast(one(dy), b.shape, out) };
    },
  },
  {
    kernelName: 'AddN',
    saveAllInputs: true,
    gradFunc: (dy, saved) => {
      const ders: Record<string, () => T> = {};
      saved.forEach((_, i) => (ders[i] = () => one(dy).clone()));
      return ders;
    },
  },
  {
    kernelName: 'Sub',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => {
      const out = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      return { a: () => unbroadcast(one(dy), a.shape, out), b: () => unbroadcast(tf.neg(one(dy)), b.shape, out) };
    },
  },
  {
    kernelName: 'Multiply',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => {
      const out = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      return {
        a: () => unbroadcast(tf.mul(one(dy), tf.cast(b, 'float32')), a.shape, out),
        b: () => unbroadcast(tf.mul(one(dy), tf.cast(a, 'float32')), b.shape, out),
      };
    },
  },
  {
    kernelName: 'RealDiv',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => {
      const out = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      return {
        a: () => unbroadcast(tf.div(one(dy), tf.cast(b, 'float32')), a.shape, out),
        b: () => tf.neg(tf.div(unbroadcast(tf.mul(one(dy), tf.cast(a, 'float32')), b.shape, out), tf.square(tf.cast(b, 'float32')))),
      };
    },
  },
  {
    kernelName: 'Neg',
    gradFunc: (dy) => ({ x: () => tf.neg(one(dy)) }),
  },
  {
    kernelName: 'Square',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(one(dy), tf.mul(tf.cast(x, 'float32'), 2)) }),
  },
  {
    kernelName: 'Log',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.div(one(dy), tf.cast(x, 'float32')) }),
  },
  {
    kernelName: 'ClipByValue',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const { clipValueMin, clipValueMax } = attrs as unknown as { clipValueMin: number; clipValueMax: number };
      return { x: () => tf.where(tf.logicalAnd(tf.greaterEqual(x, clipValueMin), tf.lessEqual(x, clipValueMax)), one(dy), tf.zerosLike(one(dy))) };
    },
  },
  {
    kernelName: 'Sqrt',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.div(one(dy), tf.mul(tf.sqrt(tf.cast(x, 'float32')), 2)) }),
  },
  {
    kernelName: 'Sum',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({ x: () => expandReduced(one(dy), x.shape, attrs.axis) }),
  },
  {
    kernelName: 'Mean',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
      const reduceSize = axes.reduce((s, a) => s * x.shape[a], 1);
      return { x: () => tf.div(expandReduced(one(dy), x.shape, attrs.axis), reduceSize) };
    },
  },
  {
    kernelName: 'Reshape',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.reshape(one(dy), x.shape) }),
  },
  {
    kernelName: 'Concat',
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const axis = tf.util.parseAxisParam(attrs.axis as number, saved[0].shape)[0];
      const parts = tf.split(
        one(dy),
        saved.map((t) => t.shape[axis]),
        axis,
      );
      const ders: Record<string, () => T> = {};
      parts.forEach((p, i) => (ders[i] = () => p));
      return ders;
    },
  },
  {
    kernelName: 'SplitV',
    gradFunc: (dy, _saved, attrs) => ({ x: () => tf.concat(dy as T[], attrs.axis as number) }),
  },
  {
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy0, [a, b], attrs) => {
      const dy = one(dy0);
      const ta = !!attrs.transposeA;
      const tb = !!attrs.transposeB;
      if (!ta && !tb) return { a: () => tf.matMul(dy, b, false, true), b: () => tf.matMul(a, dy, true, false) };
      if (!ta && tb) return { a: () => tf.matMul(dy, b, false, false), b: () => tf.matMul(dy, a, true, false) };
      if (ta && !tb) return { a: () => tf.matMul(b, dy, false, true), b: () => tf.matMul(a, dy, false, false) };
      return { a: () => tf.matMul(b, dy, true, true), b: () => tf.matMul(dy, a, true, true) };
    },
  },
  {
    kernelName: 'LeakyRelu',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({ x: () => tf.where(tf.greater(x, 0), one(dy), tf.mul(one(dy), attrs.alpha as number)) }),
  },
  {
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(one(dy), tf.cast(tf.step(x), 'float32')) }),
  },
  {
    kernelName: 'Sigmoid',
    outputsToSave: [true],
    gradFunc: (dy, [y]) => ({ x: () => tf.mul(one(dy), tf.mul(y, tf.sub(1, y))) }),
  },
  {
    kernelName: 'MaxPool',
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, [x, y], attrs) => ({
      x: () =>
        tf.engine().runKernel(
          'MaxPoolGrad',
          { dy: one(dy), input: x, output: y },
          {
            filterSize: attrs.filterSize,
            strides: attrs.strides,
            pad: attrs.pad,
            dimRoundingMode: attrs.dimRoundingMode,
          },
        ) as T,
    }),
  },
  {
    kernelName: 'ResizeNearestNeighbor',
    inputsToSave: ['images'],
    gradFunc: (dy, [images], attrs) => ({
      images: () => tf.engine().runKernel('ResizeNearestNeighborGrad', { dy: one(dy), images }, attrs) as T,
    }),
  },
  {
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, [x, filter], attrs) => {
      const { dilations, strides, pad, dataFormat, dimRoundingMode } = attrs;
      if (dilations != null && dilations !== 1 && !(Array.isArray(dilations) && dilations.every((v) => v === 1))) {
        throw new Error('Conv2D gradient: dilation > 1 is not supported');
      }
      return {
        x: () => tf.engine().runKernel('Conv2DBackpropInput', { dy: one(dy), filter }, { strides, pad, dataFormat, dimRoundingMode, inputShape: x.shape }) as T,
        filter: () =>
          tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: one(dy) }, { strides, pad, dataFormat, dimRoundingMode, filterShape: filter.shape }) as T,
      };
    },
  },
];

let done = false;

/** Registers the gradients above for kernels that have none. Idempotent. */
export function registerGradients(): void {
  if (done) return;
  for (const c of configs) if (tf.getGradient(c.kernelName) == null) tf.registerGradient(c);
  done = true;
}
