/**
 * A slow, obviously-correct forward pass of a NetworkSpec in plain JavaScript: the ground truth
 * that the ONNX export (src/engine/onnx-format.ts) and the training engine are tested against. Not for
 * production use (no vectorisation; a 512² paper-network pass takes minutes).
 *
 * Conventions (as in src/network/spec.ts): activations NHWC, conv kernels [kh, kw, cin, cout]
 * (Keras layout), dense kernels [in, out]; stride 1 'same' convolutions (zero padding, the
 * extra row/column of an even kernel at the bottom/right, as Keras/TensorFlow); 2×2 max-pool
 * with stride 2 ('valid', odd sizes floored); nearest-neighbour ×2 up-sampling; concat on the
 * channel axis in the listed order; dropout is the identity (inference). All intermediate
 * values are float64; only the result is rounded to float32.
 */
import { LEAKY_ALPHA, paramList, type Activation, type NetworkSpec } from '../network/spec.js';
import { checkWeights, type WeightMap } from '../network/weights.js';
import { Rng } from '../math/rng.js';

/** An NHWC tensor in float64. */
export interface RefTensor {
  data: Float64Array;
  n: number;
  h: number;
  w: number;
  c: number;
}

function tensor(n: number, h: number, w: number, c: number): RefTensor {
  return { data: new Float64Array(n * h * w * c), n, h, w, c };
}

export function activate(v: number, a: Activation): number {
  switch (a) {
    case 'leaky_relu':
      return v >= 0 ? v : LEAKY_ALPHA * v;
    case 'sigmoid':
      return 1 / (1 + Math.exp(-v));
    case 'linear':
      return v;
  }
}

/** Stride-1 'same' 2-D convolution with bias and activation. kernel: [k, k, cin, cout]. */
export function refConv2d(x: RefTensor, kernel: Float32Array, bias: Float32Array, k: number, cout: number, act: Activation): RefTensor {
  const { n, h, w, c: cin } = x;
  if (kernel.length !== k * k * cin * cout) throw new Error(`conv kernel has ${kernel.length} values, expected ${k}×${k}×${cin}×${cout}`);
  if (bias.length !== cout) throw new Error(`conv bias has ${bias.length} values, expected ${cout}`);
  const pad = Math.floor((k - 1) / 2); // TF 'same': the extra padding (even k) goes after
  const y = tensor(n, h, w, cout);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let co = 0; co < cout; co++) {
          let s = bias[co];
          for (let ky = 0; ky < k; ky++) {
            const ii = i + ky - pad;
            if (ii < 0 || ii >= h) continue;
            for (let kx = 0; kx < k; kx++) {
              const jj = j + kx - pad;
              if (jj < 0 || jj >= w) continue;
              for (let ci = 0; ci < cin; ci++) {
                s += x.data[((b * h + ii) * w + jj) * cin + ci] * kernel[((ky * k + kx) * cin + ci) * cout + co];
              }
            }
          }
          y.data[((b * h + i) * w + j) * cout + co] = activate(s, act);
        }
  return y;
}

/** 2×2 max-pool, stride 2, 'valid' (odd sizes are floored). */
export function refMaxPool(x: RefTensor): RefTensor {
  const { n, c } = x;
  const h = Math.floor(x.h / 2);
  const w = Math.floor(x.w / 2);
  const y = tensor(n, h, w, c);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let ch = 0; ch < c; ch++) {
          let m = -Infinity;
          for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) m = Math.max(m, x.data[((b * x.h + 2 * i + dy) * x.w + 2 * j + dx) * c + ch]);
          y.data[((b * h + i) * w + j) * c + ch] = m;
        }
  return y;
}

/** Nearest-neighbour ×2 up-sampling: out[i][j] = in[⌊i/2⌋][⌊j/2⌋]. */
export function refUpsample(x: RefTensor): RefTensor {
  const { n, c } = x;
  const h = 2 * x.h;
  const w = 2 * x.w;
  const y = tensor(n, h, w, c);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let ch = 0; ch < c; ch++) y.data[((b * h + i) * w + j) * c + ch] = x.data[((b * x.h + (i >> 1)) * x.w + (j >> 1)) * c + ch];
  return y;
}

/** Concatenation on the channel axis, inputs in the given order. */
export function refConcat(xs: RefTensor[]): RefTensor {
  const { n, h, w } = xs[0];
  for (const t of xs) if (t.n !== n || t.h !== h || t.w !== w) throw new Error(`concat of mismatched shapes ${xs.map((u) => `${u.h}×${u.w}`).join(', ')}`);
  const c = xs.reduce((s, t) => s + t.c, 0);
  const y = tensor(n, h, w, c);
  for (let p = 0; p < n * h * w; p++) {
    let off = 0;
    for (const t of xs) {
      for (let ch = 0; ch < t.c; ch++) y.data[p * c + off + ch] = t.data[p * t.c + ch];
      off += t.c;
    }
  }
  return y;
}

/** Element-wise sum plus activation. */
export function refAdd(xs: RefTensor[], act: Activation): RefTensor {
  const { n, h, w, c } = xs[0];
  for (const t of xs) if (t.n !== n || t.h !== h || t.w !== w || t.c !== c) throw new Error('add of mismatched shapes');
  const y = tensor(n, h, w, c);
  for (let p = 0; p < y.data.length; p++) {
    let s = 0;
    for (const t of xs) s += t.data[p];
    y.data[p] = activate(s, act);
  }
  return y;
}

/**
 * Squeeze-excitation: s = sigmoid(dense1(leaky(dense0(GAP(x))))), y = x · s per image and
 * channel. k0: [C, units], k1: [units, C].
 */
export function refSqueezeExcite(x: RefTensor, k0: Float32Array, b0: Float32Array, k1: Float32Array, b1: Float32Array, units: number): RefTensor {
  const { n, h, w, c } = x;
  if (k0.length !== c * units || b0.length !== units || k1.length !== units * c || b1.length !== c)
    throw new Error('squeeze-excitation parameters have the wrong sizes');
  const y = tensor(n, h, w, c);
  for (let b = 0; b < n; b++) {
    const g = new Float64Array(c);
    for (let p = 0; p < h * w; p++) for (let ch = 0; ch < c; ch++) g[ch] += x.data[(b * h * w + p) * c + ch];
    for (let ch = 0; ch < c; ch++) g[ch] /= h * w;
    const z = new Float64Array(units);
    for (let u = 0; u < units; u++) {
      let s = b0[u];
      for (let ch = 0; ch < c; ch++) s += g[ch] * k0[ch * units + u];
      z[u] = activate(s, 'leaky_relu');
    }
    const sc = new Float64Array(c);
    for (let ch = 0; ch < c; ch++) {
      let s = b1[ch];
      for (let u = 0; u < units; u++) s += z[u] * k1[u * c + ch];
      sc[ch] = activate(s, 'sigmoid');
    }
    for (let p = 0; p < h * w; p++)
      for (let ch = 0; ch < c; ch++) {
        const q = (b * h * w + p) * c + ch;
        y.data[q] = x.data[q] * sc[ch];
      }
  }
  return y;
}

/** Space-to-depth: y[i, j, (by·b + bx)·C + c] = x[i·b + by, j·b + bx, c]. */
export function refSpaceToDepth(x: RefTensor, b: number): RefTensor {
  if (x.h % b !== 0 || x.w % b !== 0) throw new Error(`space-to-depth: ${x.h}×${x.w} is not a multiple of ${b}`);
  const y = tensor(x.n, x.h / b, x.w / b, x.c * b * b);
  for (let n = 0; n < x.n; n++)
    for (let i = 0; i < y.h; i++)
      for (let j = 0; j < y.w; j++)
        for (let by = 0; by < b; by++)
          for (let bx = 0; bx < b; bx++)
            for (let c = 0; c < x.c; c++) {
              y.data[((n * y.h + i) * y.w + j) * y.c + (by * b + bx) * x.c + c] = x.data[((n * x.h + i * b + by) * x.w + j * b + bx) * x.c + c];
            }
  return y;
}

/**
 * Forward pass of `spec` in inference mode. x: N×H×W×(input channels) NHWC float32; returns the
 * output node as a flat NHWC Float32Array (for deepblinkSpec: N×(H/cell)×(W/cell)×3).
 */
export function referenceForward(spec: NetworkSpec, weights: WeightMap, x: Float32Array, n: number, h: number, w: number): Float32Array {
  checkWeights(spec, weights);
  const get = (name: string) => weights.get(name)!.data;
  const vals = new Map<string, RefTensor>();
  const val = (name: string) => {
    const t = vals.get(name);
    if (!t) throw new Error(`network spec: node '${name}' used before it is defined`);
    return t;
  };
  for (const nd of spec.nodes) {
    let y: RefTensor;
    switch (nd.op) {
      case 'input': {
        if (x.length !== n * h * w * nd.channels) throw new Error(`input has ${x.length} values, expected ${n}×${h}×${w}×${nd.channels}`);
        y = { data: Float64Array.from(x), n, h, w, c: nd.channels };
        break;
      }
      case 'conv':
        y = refConv2d(val(nd.input), get(`${nd.name}/kernel`), get(`${nd.name}/bias`), nd.kernel, nd.filters, nd.activation);
        break;
      case 'se':
        y = refSqueezeExcite(
          val(nd.input),
          get(`${nd.name}/dense0/kernel`),
          get(`${nd.name}/dense0/bias`),
          get(`${nd.name}/dense1/kernel`),
          get(`${nd.name}/dense1/bias`),
          nd.units,
        );
        break;
      case 'dropout':
        y = val(nd.input);
        break;
      case 'maxpool':
        y = refMaxPool(val(nd.input));
        break;
      case 's2d':
        y = refSpaceToDepth(val(nd.input), nd.block);
        break;
      case 'upsample':
        y = refUpsample(val(nd.input));
        break;
      case 'concat':
        y = refConcat(nd.inputs.map(val));
        break;
      case 'add':
        y = refAdd(nd.inputs.map(val), nd.activation);
        break;
    }
    vals.set(nd.name, y);
  }
  return Float32Array.from(val(spec.output).data);
}

/**
 * Seeded random weights for tests and benchmarks: kernels He-normal (conv) or Glorot-uniform
 * (dense, head) scaled as their initialisers, biases small non-zero N(0, 0.1²) so that they
 * are exercised.
 */
export function randomWeights(spec: NetworkSpec, seed: number): WeightMap {
  const rng = new Rng(seed);
  const out: WeightMap = new Map();
  for (const p of paramList(spec)) {
    const size = p.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (p.init === 'he_normal') {
      const sd = Math.sqrt(2 / p.fanIn);
      for (let i = 0; i < size; i++) data[i] = rng.normal(0, sd);
    } else if (p.init === 'glorot_uniform') {
      const lim = Math.sqrt(6 / (p.fanIn + p.fanOut));
      for (let i = 0; i < size; i++) data[i] = rng.uniformRange(-lim, lim);
    } else {
      for (let i = 0; i < size; i++) data[i] = rng.normal(0, 0.1);
    }
    out.set(p.name, { shape: [...p.shape], data });
  }
  return out;
}
