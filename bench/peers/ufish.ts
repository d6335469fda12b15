/**
 * U-FISH as a measured benchmark peer (not part of the deepblink product).
 *
 * Source: https://github.com/UFISH-Team/U-FISH (MIT licence), commit
 * dd29fe9cd9ea4a55c897fd9b86fe1bd7289cbca7 (2025-05-14). Files read (to learn the pipeline;
 * nothing here is copied from them):
 *   - ufish/api.py              UFish.predict -> _pred_2d_or_3d -> _enhance_2d_or_3d + call_spots;
 *                               DEFAULT_WEIGHTS_FILE = 'v1.0-alldata-ufish_c32.onnx', loaded from
 *                               ufish/model/weights/ when no weights are named
 *   - ufish/cli.py              `ufish predict`: chunking=False by default (whole image at once)
 *   - ufish/utils/img.py        scale_image, img_has_outlier
 *   - ufish/utils/spot_calling.py  call_spots_local_maxima (the default spot caller)
 *   - ufish/model/network/ufish_net.py  UFishNet (ReLU output, no sigmoid; pads internally)
 *   - ufish/data.py             training targets: spot at (coord + 0.5) truncated, i.e. the pixel
 *                               whose centre is nearest -> pixel centres at integers, like ours
 *
 * The weights (ufish/model/weights/v1.0-alldata-ufish_c32.onnx, a plain git blob, ~660 KB) are NOT
 * in this repository: extract them from a U-FISH checkout to `.bench/ufish/ufish.onnx` (git-ignored)
 * or point UFISH_MODEL at a copy. Nothing is downloaded.
 *
 * Defaults reproduced (2-D, `UFish().load_weights().predict(img)`):
 *   1. Preprocessing (scale_image): cast to float32; big = 0.9999-quantile (numpy 'linear');
 *      if max - big > big ("outlier") the input range is [0, big], else [min, max]; clip to that
 *      range and rescale linearly to [0, 255] (skimage rescale_intensity; constant image: clip to
 *      [0, 255]). Upstream's "skip uint8" test (`dtype is not np.uint8`) is always true, so 8-bit
 *      images are rescaled too, as here.
 *   2. Model: float32 tensor [1, 1, H, W], input 'input', output 'output' [1, 1, H, W]; whole image,
 *      no padding or tiling (the exported graph accepts any H, W).
 *   3. Post-processing (call_spots_local_maxima, laplace_process=True, connectivity=2,
 *      intensity_threshold=0.5): L = skimage laplace of the output (3x3 kernel 4 / -1 on the 4
 *      neighbours, scipy 'reflect' borders); spots = pixels of strict local-maximum plateaus of L
 *      in 8-connectivity (skimage local_maxima, allow_borders=True: outside counts as min(L))
 *      with L > 0.5. Coordinates are the integer pixel indices (row, col), no sub-pixel step.
 */
import { existsSync } from 'node:fs';
import { createImageOnnxSession } from '../../src/engine/onnxruntime.js';
import type { Plane, Point } from '../../src/core/types.js';

/** Path of the U-FISH ONNX weights (not shipped; see the header). */
export const UFISH_MODEL = process.env.UFISH_MODEL ?? '.bench/ufish/ufish.onnx';

/** Whether the U-FISH weights file is present at UFISH_MODEL. */
export function ufishAvailable(): boolean {
  return existsSync(UFISH_MODEL);
}

/** U-FISH's default spot threshold, applied to the Laplacian of the enhanced map. */
export const UFISH_THRESHOLD = 0.5;
const QUANTILE = 0.9999;

const f32 = Math.fround;

/** numpy.quantile(x, q) with the default 'linear' method, on float32 values. */
function quantileLinear(sorted: Float32Array, q: number): number {
  const n = sorted.length;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const t = pos - lo;
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  const d = b - a;
  // numpy's _lerp: a + d*t, or b - d*(1-t) for t >= 0.5
  return f32(t >= 0.5 ? b - d * (1 - t) : a + d * t);
}

/** U-FISH scale_image: float32 image scaled to [0, 255] (see the header, step 1). */
export function ufishScale(plane: Plane): Float32Array {
  const n = plane.height * plane.width;
  const src = plane.data;
  const img = new Float32Array(n);
  let mn = Infinity;
  let mx = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = f32(Number(src[i]));
    img[i] = v;
    if (v < mn) mn = v;
    if (v > mx) mx = v;
  }
  if (n === 0) return img;
  const sorted = img.slice().sort();
  const big = quantileLinear(sorted, QUANTILE);
  let lo: number;
  let hi: number;
  if (mx - big > big) {
    lo = 0;
    hi = big;
  } else {
    lo = mn;
    hi = mx;
  }
  const out = new Float32Array(n);
  if (lo !== hi) {
    const span = hi - lo;
    for (let i = 0; i < n; i++) {
      let v = img[i]!;
      if (v < lo) v = lo;
      else if (v > hi) v = hi;
      out[i] = f32(f32(f32(v - lo) / span) * 255);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = Math.min(Math.max(img[i]!, lo), hi);
      out[i] = Math.min(Math.max(v, 0), 255);
    }
  }
  return out;
}

/** skimage.filters.laplace (ksize 3) with scipy 'reflect' borders, float32 result. */
export function laplace3(e: Float32Array, height: number, width: number): Float32Array {
  const out = new Float32Array(height * width);
  for (let r = 0; r < height; r++) {
    const up = (r > 0 ? r - 1 : 0) * width;
    const dn = (r < height - 1 ? r + 1 : height - 1) * width;
    const row = r * width;
    for (let c = 0; c < width; c++) {
      const lf = c > 0 ? c - 1 : 0;
      const rt = c < width - 1 ? c + 1 : width - 1;
      out[row + c] = f32(4 * e[row + c]! - e[up + c]! - e[dn + c]! - e[row + lf]! - e[row + rt]!);
    }
  }
  return out;
}

/**
 * Pixels of strict local-maximum plateaus (8-connectivity) with value > threshold, as
 * skimage.morphology.local_maxima(connectivity=2, allow_borders=True) & (img > threshold).
 * Returned in row-major order (numpy.where order).
 */
export function localMaxima8(img: Float32Array, height: number, width: number, threshold: number): Point[] {
  const n = height * width;
  let globalMin = Infinity;
  for (let i = 0; i < n; i++) if (img[i]! < globalMin) globalMin = img[i]!;
  const state = new Uint8Array(n); // 0 unseen, 1 seen (not a maximum), 2 maximum
  const stack: number[] = [];
  const members: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = img[i]!;
    if (!(v > threshold) || state[i] !== 0) continue;
    stack.length = 0;
    members.length = 0;
    stack.push(i);
    state[i] = 1;
    let isMax = true;
    while (stack.length > 0) {
      const p = stack.pop()!;
      members.push(p);
      const r = (p / width) | 0;
      const c = p - r * width;
      // Outside the image counts as min(img): a plateau at that value touching the edge is no maximum.
      if ((r === 0 || c === 0 || r === height - 1 || c === width - 1) && v === globalMin) isMax = false;
      for (let dr = -1; dr <= 1; dr++) {
        const rr = r + dr;
        if (rr < 0 || rr >= height) continue;
        for (let dc = -1; dc <= 1; dc++) {
          if (dr === 0 && dc === 0) continue;
          const cc = c + dc;
          if (cc < 0 || cc >= width) continue;
          const q = rr * width + cc;
          const w = img[q]!;
          if (w > v) isMax = false;
          else if (w === v && state[q] === 0) {
            state[q] = 1;
            stack.push(q);
          }
        }
      }
    }
    if (isMax) for (const p of members) state[p] = 2;
  }
  const pts: Point[] = [];
  for (let i = 0; i < n; i++) {
    if (state[i] === 2) {
      const r = (i / width) | 0;
      pts.push([r, i - r * width]);
    }
  }
  return pts;
}

/**
 * U-FISH's default 2-D pipeline on one plane, with onnxruntime-node (CPU, 1 thread).
 * `detect` returns spots as [row, col] (pixel centres at integers).
 */
export async function ufishDetector(modelPath: string): Promise<{ detect(plane: Plane): Promise<Point[]>; close(): Promise<void> }> {
  const session = await createImageOnnxSession(modelPath, 1);
  let closed = false;
  return {
    async detect(plane: Plane): Promise<Point[]> {
      if (closed) throw new Error('ufishDetector: session is closed');
      const { height, width } = plane;
      if (height * width === 0) return [];
      const { data, dims } = await session.run(ufishScale(plane), height, width);
      if (dims.length !== 4 || dims[2] !== height || dims[3] !== width) {
        throw new Error(`ufishDetector: unexpected output shape [${dims.join(', ')}] for a ${height}x${width} input`);
      }
      return localMaxima8(laplace3(data, height, width), height, width, UFISH_THRESHOLD);
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await session.dispose();
    },
  };
}
