/**
 * A z-stack for a person to look at: the maximum-intensity projection over z (contrast stretch
 * by percentiles, as render.ts), with one ring per 3-D spot coloured by its z (blue = first
 * slice, through cyan, green and yellow, to red = last slice), and optional reference points
 * (e.g. another tool's answer) as small white crosses. Spots are [z, y, x] in voxels (centres at
 * integers). Large stacks are shown averaged over s×s blocks (`shrink`), small ones up-scaled by
 * an integer factor (`scale`), as render.ts: in the up-scaled picture of factor k the centre of
 * pixel (r, c) lies at (r·k + (k−1)/2, c·k + (k−1)/2); shrunk by s, at ((r + 0.5)/s − 0.5, …).
 */
import type { Stack } from '../core/types.js';
import { greyPicture, type Rendered } from './render.js';

export interface ProjectionOptions {
  /** Integer up-scaling factor (default: so the longer side is about `maxSide`, at most 8). */
  scale?: number;
  /** Block-average factor for big stacks (default: the smallest making the longer side ≤ `maxSide`; 1 when `scale` is given). */
  shrink?: number;
  /** Longer side to aim for, px (default 512). */
  maxSide?: number;
  /** Percentiles of the projection mapped to black and white (default 0.5 and 99.5). */
  low?: number;
  high?: number;
  /** Ring radius in output pixels (default max(3, 2.5·scale)). */
  radius?: number;
  /** Reference points [z, y, x], drawn as white crosses. */
  reference?: readonly (readonly [number, number, number])[];
}

/** Colour of depth `t` in [0, 1]: blue → cyan → green → yellow → red. */
export function depthColor(t: number): [number, number, number] {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * 4;
  const stops: [number, number, number][] = [
    [40, 90, 255],
    [0, 220, 255],
    [40, 230, 40],
    [255, 230, 0],
    [255, 40, 40],
  ];
  const i = Math.min(3, Math.floor(u));
  const f = u - i;
  const a = stops[i];
  const b = stops[i + 1];
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

/** The maximum over z of `stack`, one value per (y, x), C order. */
export function maxProjection(stack: Stack): Float64Array {
  const { data, depth: D, height: H, width: W } = stack;
  const n = H * W;
  const out = new Float64Array(n).fill(-Infinity);
  for (let z = 0; z < D; z++) {
    const o = z * n;
    for (let i = 0; i < n; i++) {
      const v = data[o + i];
      if (v > out[i]) out[i] = v;
    }
  }
  return out;
}

/** Maximum-intensity projection of `stack` with `spots` ([z, y, x]) as rings coloured by z. */
export function renderMaxProjection(
  stack: Stack,
  spots: readonly (readonly [number, number, number])[],
  opts: ProjectionOptions = {},
): Rendered & { shrink: number } {
  const { depth: D, height: H, width: W } = stack;
  const maxSide = opts.maxSide ?? 512;
  const longest = Math.max(H, W);
  const shrink = opts.shrink ?? (opts.scale !== undefined ? 1 : Math.max(1, Math.ceil(longest / maxSide)));
  const k = shrink > 1 ? 1 : (opts.scale ?? Math.max(1, Math.min(8, Math.floor(maxSide / longest))));
  const proj = maxProjection(stack);
  // block average (shrink) into a small picture of h0 × w0
  const h0 = Math.floor(H / shrink);
  const w0 = Math.floor(W / shrink);
  let pic = proj;
  if (shrink > 1) {
    pic = new Float64Array(h0 * w0);
    for (let r = 0; r < h0; r++)
      for (let c = 0; c < w0; c++) {
        let s = 0;
        for (let i = 0; i < shrink; i++) for (let j = 0; j < shrink; j++) s += proj[(r * shrink + i) * W + c * shrink + j];
        pic[r * w0 + c] = s / (shrink * shrink);
      }
  }
  const w = w0 * k;
  const h = h0 * k;
  const rgb = greyPicture(pic, h0, w0, k, opts.low, opts.high);
  const at = (y: number, x: number): [number, number] =>
    shrink > 1 ? [(y + 0.5) / shrink - 0.5, (x + 0.5) / shrink - 0.5] : [y * k + (k - 1) / 2, x * k + (k - 1) / 2];
  const put = (y: number, x: number, color: readonly number[]) => {
    if (y < 0 || y >= h || x < 0 || x >= w) return;
    const o = (y * w + x) * 3;
    rgb[o] = color[0];
    rgb[o + 1] = color[1];
    rgb[o + 2] = color[2];
  };
  const radius = opts.radius ?? Math.max(3, 2.5 * k);
  for (const [z, y, x] of spots) {
    const [cy, cx] = at(y, x);
    const color = depthColor(D > 1 ? z / (D - 1) : 0);
    const steps = Math.ceil(2 * Math.PI * radius * 1.5);
    for (let s = 0; s < steps; s++) {
      const a = (2 * Math.PI * s) / steps;
      put(Math.round(cy + radius * Math.sin(a)), Math.round(cx + radius * Math.cos(a)), color);
    }
  }
  const arm = Math.max(1, Math.round(radius / 2));
  for (const [, y, x] of opts.reference ?? []) {
    const [cy, cx] = at(y, x).map(Math.round);
    for (let d = -arm; d <= arm; d++) {
      put(cy + d, cx, [255, 255, 255]);
      put(cy, cx + d, [255, 255, 255]);
    }
  }
  return { rgb, width: w, height: h, scale: k, shrink };
}
