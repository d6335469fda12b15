/**
 * Gradient kernels that the tfjs wasm backend (4.22) lacks or runs slowly, built from its own
 * fast XNNPACK kernels (see shared/reference/engine.md §2):
 *
 * - `Conv2DBackpropFilter` (missing on wasm): the "conv trick". For stride 1,
 *   dW[ki,kj,ci,co] = Σ_{n,i,j} xpad[n,i+ki,j+kj,ci] · dy[n,i,j,co], which is a valid forward
 *   convolution of x' = transpose(x,[3,1,2,0]) (batch ← channels, channels ← batch; padded
 *   like the forward conv) with the "filter" dy' = transpose(dy,[1,2,0,3]) ([H,W,N,Co]). The
 *   result [Ci,kh,kw,Co] is transposed back to [kh,kw,Ci,Co].
 * - stride-1 `Conv2DBackpropInput` (the wasm one is a naive loop): a forward conv of dy with
 *   the spatially flipped filter whose in/out channels are swapped, padded by
 *   (k−1−pad) on each side.
 *
 * - `MaxPoolGrad`: the wasm kernel is wrong for all-negative windows; replaced by a JS loop on
 *   the wasm heap (makeMaxPoolGradHeap).
 * - `ResizeNearestNeighborGrad` on 'cpu' (the fallback backend) is wrong for batch > 1 with
 *   several channels; replaced by a JS loop (makeResizeNearestNeighborGradHost).
 *
 * The two conv kernels handle any 'same'/'valid'/explicit padding with stride 1 and dilation 1 in NHWC (all our
 * network needs: 3×3 and 1×1 'same' convs). Other cases go to the original wasm kernel
 * (backprop input) or throw (backprop filter).
 *
 * The kernels call the wasm backend's kernel functions directly (not tf ops), so they create no
 * tensors in the engine and leave no intermediate data behind.
 */
import * as tf from '@tensorflow/tfjs-core';

type Info = tf.TensorInfo;
type Backend = tf.KernelBackend;

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: number | [number, number];
}

function kernelFunc(name: string, backendName: string): tf.KernelFunc {
  const k = tf.getKernel(name, backendName);
  if (k == null) throw new Error(`tfjs kernel '${name}' is not registered for backend '${backendName}'`);
  return k.kernelFunc;
}

/** Runs a backend kernel function directly on TensorInfos. */
function run(backendName: string, backend: Backend, name: string, inputs: Record<string, Info>, attrs: Record<string, unknown>): Info {
  const out = kernelFunc(name, backendName)({ inputs, backend, attrs: attrs as tf.NamedAttrMap });
  if (Array.isArray(out)) throw new Error(`kernel ${name} returned several outputs`);
  return out;
}

function free(backend: Backend, ...infos: Info[]): void {
  for (const i of infos) backend.disposeData(i.dataId);
}

function pair(v: number | [number, number] | undefined): [number, number] {
  if (v == null) return [1, 1];
  return typeof v === 'number' ? [v, v] : v;
}

/** Pad amounts of a stride-1 conv of `xShape` with a [kh,kw,·,·] filter, or null if unsupported. */
function stride1Pads(xShape: number[], filterShape: number[], attrs: ConvAttrs): { top: number; bottom: number; left: number; right: number } | null {
  const [sh, sw] = pair(attrs.strides);
  const [dh, dw] = pair(attrs.dilations);
  if (sh !== 1 || sw !== 1 || dh !== 1 || dw !== 1) return null;
  if (attrs.dataFormat != null && attrs.dataFormat !== 'NHWC') return null;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    1,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  return info.padInfo;
}

function explicit(top: number, bottom: number, left: number, right: number): tf.backend_util.ExplicitPadding {
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}

/**
 * Conv2DBackpropFilter by the conv trick. Inputs x [N,H,W,Ci], dy [N,Ho,Wo,Co]; attrs as tfjs
 * (filterShape [kh,kw,Ci,Co]). Exported for tests.
 */
export function makeConv2DBackpropFilter(backendName: string): tf.KernelFunc {
  return ({ inputs, backend: b, attrs }) => {
    const backend = b as Backend;
    const { x, dy } = inputs as { x: Info; dy: Info };
    const a = attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
    const pads = stride1Pads(x.shape, a.filterShape, a);
    if (pads == null) {
      throw new Error('Conv2DBackpropFilter: only stride 1, dilation 1, NHWC is implemented for this backend');
    }
    const [kh, kw] = a.filterShape;
    const xt = run(backendName, backend, 'Transpose', { x }, { perm: [3, 1, 2, 0] }); // [Ci,H,W,N]
    const dyt = run(backendName, backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] }); // [Ho,Wo,N,Co]
    let conv: Info;
    try {
      conv = run(
        backendName,
        backend,
        'Conv2D',
        { x: xt, filter: dyt },
        {
          strides: [1, 1],
          dilations: [1, 1],
          pad: pads.top === 0 && pads.bottom === 0 && pads.left === 0 && pads.right === 0 ? 'valid' : explicit(pads.top, pads.bottom, pads.left, pads.right),
          dataFormat: 'NHWC',
          dimRoundingMode: undefined,
        },
      ); // [Ci,kh,kw,Co]
    } finally {
      free(backend, xt, dyt);
    }
    if (conv.shape[1] !== kh || conv.shape[2] !== kw) {
      free(backend, conv);
      throw new Error(`Conv2DBackpropFilter: internal shape mismatch ${conv.shape} vs filter ${a.filterShape}`);
    }
    const out = run(backendName, backend, 'Transpose', { x: conv }, { perm: [1, 2, 0, 3] });
    free(backend, conv);
    return out;
  };
}

/**
 * Stride-1 Conv2DBackpropInput as a forward conv with the flipped, channel-swapped filter.
 * Inputs dy [N,Ho,Wo,Co], filter [kh,kw,Ci,Co]; attrs.inputShape [N,H,W,Ci]. Falls back to
 * `fallback` (the backend's own kernel) for other strides.
 */
export function makeConv2DBackpropInput(backendName: string, fallback: tf.KernelFunc | null): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as Backend;
    const { dy, filter } = inputs as { dy: Info; filter: Info };
    const a = attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
    const pads = stride1Pads(a.inputShape, filter.shape, a);
    if (pads == null) {
      if (fallback) return fallback(args);
      throw new Error('Conv2DBackpropInput: only stride 1, dilation 1, NHWC is implemented for this backend');
    }
    const [kh, kw] = filter.shape;
    let w: Info;
    if (kh === 1 && kw === 1) {
      w = run(backendName, backend, 'Transpose', { x: filter }, { perm: [0, 1, 3, 2] });
    } else {
      const flipped = run(backendName, backend, 'Reverse', { x: filter }, { dims: [0, 1] });
      w = run(backendName, backend, 'Transpose', { x: flipped }, { perm: [0, 1, 3, 2] }); // [kh,kw,Co,Ci]
      free(backend, flipped);
    }
    const pt = kh - 1 - pads.top;
    const pb = kh - 1 - pads.bottom;
    const pl = kw - 1 - pads.left;
    const pr = kw - 1 - pads.right;
    let out: Info;
    try {
      if (pt < 0 || pb < 0 || pl < 0 || pr < 0) throw new Error('Conv2DBackpropInput: padding larger than kernel − 1 is not implemented');
      out = run(
        backendName,
        backend,
        'Conv2D',
        { x: dy, filter: w },
        {
          strides: [1, 1],
          dilations: [1, 1],
          pad: pt === 0 && pb === 0 && pl === 0 && pr === 0 ? 'valid' : explicit(pt, pb, pl, pr),
          dataFormat: 'NHWC',
          dimRoundingMode: undefined,
        },
      );
    } finally {
      free(backend, w);
    }
    const [, h, wd] = a.inputShape;
    if (out.shape[1] !== h || out.shape[2] !== wd) {
      free(backend, out);
      throw new Error(`Conv2DBackpropInput: internal shape mismatch ${out.shape} vs ${a.inputShape}`);
    }
    return out;
  };
}

interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(t: Info): Float32Array | Int32Array | Uint8Array;
}

/**
 * MaxPoolGrad in JS on the wasm heap. The wasm kernel of tfjs 4.22 is wrong when every value of
 * a window is negative (it gives the window's gradient to nobody: its running maximum starts at
 * 0, not −∞), which happens in our network (pooling after leaky ReLU). Same semantics as
 * TensorFlow: the whole gradient of a window goes to its first maximum in row-major order;
 * padding never wins.
 */
export function makeMaxPoolGradHeap(): tf.KernelFunc {
  return ({ inputs, backend: b, attrs }) => {
    const backend = b as unknown as HeapBackend;
    const { dy, input } = inputs as { dy: Info; input: Info };
    const a = attrs as unknown as {
      filterSize: number | [number, number];
      strides: number | [number, number];
      pad: 'valid' | 'same' | number;
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    const ci = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
    const out = backend.makeOutput(input.shape, 'float32');
    // views after the allocation (a heap growth detaches older views)
    const x = backend.typedArrayFromHeap(input);
    const g = backend.typedArrayFromHeap(dy);
    const dx = backend.typedArrayFromHeap(out);
    dx.fill(0);
    const {
      batchSize,
      inHeight,
      inWidth,
      inChannels: C,
      outHeight,
      outWidth,
      strideHeight,
      strideWidth,
      dilationHeight,
      dilationWidth,
      effectiveFilterHeight,
      effectiveFilterWidth,
    } = ci;
    const top = ci.padInfo.top;
    const left = ci.padInfo.left;
    for (let n = 0; n < batchSize; n++) {
      const xBase = n * inHeight * inWidth * C;
      for (let oh = 0; oh < outHeight; oh++) {
        const h0 = oh * strideHeight - top;
        for (let ow = 0; ow < outWidth; ow++) {
          const w0 = ow * strideWidth - left;
          const gBase = ((n * outHeight + oh) * outWidth + ow) * C;
          for (let c = 0; c < C; c++) {
            let best = Number.NEGATIVE_INFINITY;
            let at = -1;
            for (let fh = 0; fh < effectiveFilterHeight; fh += dilationHeight) {
              const h = h0 + fh;
              if (h < 0 || h >= inHeight) continue;
              for (let fw = 0; fw < effectiveFilterWidth; fw += dilationWidth) {
                const w = w0 + fw;
                if (w < 0 || w >= inWidth) continue;
                const k = xBase + (h * inWidth + w) * C + c;
                // first valid pixel always taken (so a NaN-only window still routes somewhere)
                if (at < 0 || x[k] > best) {
                  best = x[k];
                  at = k;
                }
              }
            }
            if (at >= 0) dx[at] += g[gBase + c];
          }
        }
      }
    }
    return out;
  };
}

/**
 * ResizeNearestNeighborGrad in JS for host-memory backends ('cpu'): the cpu kernel of tfjs 4.22
 * gives wrong results for batch > 1 with several channels (e.g. 2×8×8×8 → 16×16). Routes each
 * output gradient to the source pixel the forward op reads (same index formulas as tfjs-cpu's
 * forward ResizeNearestNeighbor).
 */
export function makeResizeNearestNeighborGradHost(): tf.KernelFunc {
  return ({ inputs, backend: b, attrs }) => {
    const backend = b as Backend & { makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): Info };
    const { images, dy } = inputs as { images: Info; dy: Info };
    const { alignCorners, halfPixelCenters } = attrs as unknown as { alignCorners: boolean; halfPixelCenters: boolean };
    const [n, inH, inW, c] = images.shape;
    const [, outH, outW] = dy.shape;
    const g = backend.readSync(dy.dataId) as Float32Array;
    const dx = new Float32Array(n * inH * inW * c);
    const source = (o: number, inSize: number, outSize: number): number => {
      const eIn = alignCorners && outSize > 1 ? inSize - 1 : inSize;
      const eOut = alignCorners && outSize > 1 ? outSize - 1 : outSize;
      const frac = halfPixelCenters ? (eIn / eOut) * (o + 0.5) : (eIn / eOut) * o;
      let s = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
      if (halfPixelCenters) s = Math.max(0, s);
      return s;
    };
    const rows = Array.from({ length: outH }, (_, r) => source(r, inH, outH));
    const cols = Array.from({ length: outW }, (_, q) => source(q, inW, outW));
    for (let b0 = 0; b0 < n; b0++)
      for (let r = 0; r < outH; r++)
        for (let q = 0; q < outW; q++) {
          const src = ((b0 * inH + rows[r]) * inW + cols[q]) * c;
          const off = ((b0 * outH + r) * outW + q) * c;
          for (let ch = 0; ch < c; ch++) dx[src + ch] += g[off + ch];
        }
    return backend.makeTensorInfo(images.shape, 'float32', dx);
  };
}

const registered = new Set<string>();

/**
 * Registers our kernels for `backendName` (default 'wasm'): Conv2DBackpropFilter (where the
 * backend has none), stride-1 Conv2DBackpropInput, and fixes for buggy kernels (wasm
 * MaxPoolGrad, cpu ResizeNearestNeighborGrad). Idempotent. Call after the backend's own
 * kernels are registered (importing its package does that).
 */
export function registerGradientKernels(backendName = 'wasm'): void {
  if (registered.has(backendName)) return;
  const replace = (config: tf.KernelConfig) => {
    if (tf.getKernel(config.kernelName, backendName)) tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel(config);
  };
  if (tf.getKernel('Conv2DBackpropFilter', backendName) == null) {
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName, kernelFunc: makeConv2DBackpropFilter(backendName) });
  }
  if (backendName === 'wasm') {
    const orig = tf.getKernel('Conv2DBackpropInput', backendName);
    replace({
      kernelName: 'Conv2DBackpropInput',
      backendName,
      kernelFunc: makeConv2DBackpropInput(backendName, orig ? orig.kernelFunc : null),
      // keep the original's setup (its wasm bindings) in case the backend is initialised later
      ...(orig?.setupFunc ? { setupFunc: orig.setupFunc } : {}),
    });
    replace({ kernelName: 'MaxPoolGrad', backendName, kernelFunc: makeMaxPoolGradHeap() });
  }
  if (backendName === 'cpu') {
    replace({ kernelName: 'ResizeNearestNeighborGrad', backendName, kernelFunc: makeResizeNearestNeighborGradHost() });
  }
  registered.add(backendName);
}
