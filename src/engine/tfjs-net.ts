/**
 * The network of a NetworkSpec in tfjs ops (NHWC): deterministic parameter initialisation and
 * the forward pass (training mode: SpatialDropout2D on).
 */
import * as tf from '@tensorflow/tfjs-core';
import { LEAKY_ALPHA, paramList, type Activation, type NetworkSpec, type ParamInfo } from '../network/spec.js';
import { Rng } from '../math/rng.js';

/** Keras' correction for a normal truncated at ±2σ (stddev of the truncated unit normal). */
const TRUNCATED_NORMAL_STD = 0.87962566103423978;

/** Rng stream of the initial value of parameter number i (in paramList order). */
const INIT_STREAM = 0x1000;

/**
 * Initial value of one parameter, as Keras (TF 2) initialises it:
 * - he_normal: VarianceScaling(2, fan_in, truncated_normal): a normal with stddev
 *   √(2/fan_in)/0.8796… truncated (redrawn) beyond 2 of those stddevs, so that the values have
 *   stddev √(2/fan_in);
 * - glorot_uniform: U(−√(6/(fan_in+fan_out)), +…);
 * - zeros.
 * Drawn with our Rng (not tf.random), so the result is the same on every backend.
 */
export function initialValue(p: ParamInfo, rng: Rng): Float32Array {
  const size = p.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  if (p.init === 'zeros') return out;
  if (p.init === 'he_normal') {
    const sd = Math.sqrt(2 / p.fanIn) / TRUNCATED_NORMAL_STD;
    for (let i = 0; i < size; i++) {
      let z: number;
      do z = rng.normal();
      while (Math.abs(z) > 2);
      out[i] = z * sd;
    }
    return out;
  }
  if (p.init === 'glorot_uniform') {
    const limit = Math.sqrt(6 / (p.fanIn + p.fanOut));
    for (let i = 0; i < size; i++) out[i] = rng.uniformRange(-limit, limit);
    return out;
  }
  throw new Error(`unknown initialiser '${String(p.init)}' for ${p.name}`);
}

/** Initial values of all parameters of `spec` (paramList order), deterministic in `seed`. */
export function initialWeights(spec: NetworkSpec, seed: number): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  paramList(spec).forEach((p, i) => {
    out.set(p.name, { shape: [...p.shape], data: initialValue(p, new Rng(seed, INIT_STREAM + i)) });
  });
  return out;
}

export interface ForwardOptions {
  /** Training mode: dropout on (needs `rng`), convolutions not fused with their activation. */
  training: boolean;
  /** Source of the dropout masks (training only). */
  rng?: Rng;
}

function activate(x: tf.Tensor4D, a: Activation): tf.Tensor4D {
  switch (a) {
    case 'leaky_relu':
      return tf.leakyRelu(x, LEAKY_ALPHA);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'linear':
      return x;
  }
}

/** SpatialDropout2D mask [N,1,1,C]: whole channels dropped with probability `rate`, kept ones scaled by 1/(1−rate). */
export function spatialDropoutMask(rng: Rng, n: number, c: number, rate: number): Float32Array {
  const m = new Float32Array(n * c);
  const scale = 1 / (1 - rate);
  for (let i = 0; i < m.length; i++) m[i] = rng.uniform() >= rate ? scale : 0;
  return m;
}

/**
 * Forward pass: x [N,H,W,1] → output [N,H/cell,W/cell,3]. `params` maps paramList names to
 * tensors (variables). Not wrapped in a tidy (the caller decides: gradient tape or tidy).
 */
export function forward(spec: NetworkSpec, params: Map<string, tf.Tensor>, x: tf.Tensor4D, opts: ForwardOptions): tf.Tensor4D {
  const get = (name: string): tf.Tensor => {
    const t = params.get(name);
    if (!t) throw new Error(`missing parameter ${name}`);
    return t;
  };
  const acts = new Map<string, tf.Tensor4D>();
  const inp = (name: string): tf.Tensor4D => {
    const t = acts.get(name);
    if (!t) throw new Error(`node input ${name} not computed yet`);
    return t;
  };
  for (const nd of spec.nodes) {
    let y: tf.Tensor4D;
    switch (nd.op) {
      case 'input':
        if (x.shape[3] !== nd.channels) throw new Error(`input has ${x.shape[3]} channels, network expects ${nd.channels}`);
        y = x;
        break;
      case 'conv': {
        const filter = get(`${nd.name}/kernel`) as tf.Tensor4D;
        const bias = get(`${nd.name}/bias`) as tf.Tensor1D;
        if (opts.training || nd.activation === 'linear') {
          y = activate(tf.fused.conv2d({ x: inp(nd.input), filter, bias, strides: 1, pad: 'same', activation: 'linear' }), nd.activation);
        } else {
          y = tf.fused.conv2d({
            x: inp(nd.input),
            filter,
            bias,
            strides: 1,
            pad: 'same',
            activation: nd.activation === 'leaky_relu' ? 'leakyrelu' : 'sigmoid',
            leakyreluAlpha: LEAKY_ALPHA,
          });
        }
        break;
      }
      case 'se': {
        const xi = inp(nd.input);
        const gap = tf.mean(xi, [1, 2]) as tf.Tensor2D; // [N,C]
        const h = tf.leakyRelu(tf.add(tf.matMul(gap, get(`${nd.name}/dense0/kernel`) as tf.Tensor2D), get(`${nd.name}/dense0/bias`)), LEAKY_ALPHA);
        const s = tf.sigmoid(tf.add(tf.matMul(h as tf.Tensor2D, get(`${nd.name}/dense1/kernel`) as tf.Tensor2D), get(`${nd.name}/dense1/bias`)));
        y = tf.mul(xi, tf.reshape(s, [xi.shape[0], 1, 1, xi.shape[3]]));
        break;
      }
      case 'dropout': {
        const xi = inp(nd.input);
        if (!opts.training || nd.rate === 0) {
          y = xi;
        } else {
          if (!opts.rng) throw new Error('forward: training mode needs an rng for dropout');
          const [n, , , c] = xi.shape;
          y = tf.mul(xi, tf.tensor4d(spatialDropoutMask(opts.rng, n, c, nd.rate), [n, 1, 1, c]));
        }
        break;
      }
      case 'maxpool':
        y = tf.maxPool(inp(nd.input), 2, 2, 'valid');
        break;
      case 's2d': {
        // [N,H,W,C] → [N,H/b,b,W/b,b·C] → [N,H/b,W/b,b,b·C] → [N,H/b,W/b,b²·C]: channel (by·b + bx)·C + c
        const xi = inp(nd.input);
        const [bn, h, w, c] = xi.shape;
        const b = nd.block;
        const t = tf.transpose(tf.reshape(xi, [bn, h / b, b, w / b, b * c]), [0, 1, 3, 2, 4]);
        y = tf.reshape(t, [bn, h / b, w / b, b * b * c]);
        break;
      }
      case 'upsample': {
        const xi = inp(nd.input);
        y = tf.image.resizeNearestNeighbor(xi, [xi.shape[1] * 2, xi.shape[2] * 2], false, false);
        break;
      }
      case 'concat':
        y = tf.concat(nd.inputs.map(inp), 3);
        break;
      case 'add':
        y = activate(tf.addN(nd.inputs.map(inp)), nd.activation);
        break;
    }
    acts.set(nd.name, y);
  }
  const out = acts.get(spec.output);
  if (!out) throw new Error(`output node ${spec.output} not found`);
  return out;
}
