/**
 * Drawing spots on an image for a person to look at: contrast stretch (percentiles), nearest
 * up-scaling of small images, and ring markers (red = detections, green = ground truth).
 * Pixel centres are at integer coordinates; in the up-scaled picture of factor k the centre of
 * pixel (r, c) lies at (r·k + (k−1)/2, c·k + (k−1)/2).
 */
import type { Plane, PlaneData, Point } from '../core/types.js';
import { quantile } from '../math/select.js';

export interface Layer {
  points: Point[];
  color: [number, number, number];
}

export interface Rendered {
  rgb: Uint8Array;
  width: number;
  height: number;
  scale: number;
}

/**
 * An H×W grey picture as RGB, contrast-stretched between the `low` and `high` percentiles
 * (default 0.5 and 99.5; NaN → black) and up-scaled k× by nearest neighbour.
 */
export function greyPicture(data: PlaneData, H: number, W: number, k: number, low = 0.5, high = 99.5): Uint8Array {
  const lo = quantile(data, low / 100);
  const hi = quantile(data, high / 100);
  const span = hi > lo ? hi - lo : 1;
  const w = W * k;
  const h = H * k;
  const rgb = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++) {
    const sr = Math.floor(r / k) * W;
    for (let c = 0; c < w; c++) {
      const v = (data[sr + Math.floor(c / k)] - lo) / span;
      const g = Math.round(255 * Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)));
      const o = (r * w + c) * 3;
      rgb[o] = g;
      rgb[o + 1] = g;
      rgb[o + 2] = g;
    }
  }
  return rgb;
}

export function renderSpots(plane: Plane, layers: Layer[], opts: { scale?: number; low?: number; high?: number; radius?: number } = {}): Rendered {
  const { height: H, width: W } = plane;
  const k = opts.scale ?? Math.max(1, Math.min(8, Math.floor(1024 / Math.max(H, W))));
  const rgb = greyPicture(plane.data, H, W, k, opts.low, opts.high);
  const w = W * k;
  const h = H * k;
  const radius = opts.radius ?? Math.max(3, 2.5 * k);
  for (const layer of layers) {
    for (const [pr, pc] of layer.points) {
      const cy = pr * k + (k - 1) / 2;
      const cx = pc * k + (k - 1) / 2;
      const steps = Math.ceil(2 * Math.PI * radius * 1.5);
      for (let s = 0; s < steps; s++) {
        const a = (2 * Math.PI * s) / steps;
        const y = Math.round(cy + radius * Math.sin(a));
        const x = Math.round(cx + radius * Math.cos(a));
        if (y < 0 || y >= h || x < 0 || x >= w) continue;
        const o = (y * w + x) * 3;
        rgb[o] = layer.color[0];
        rgb[o + 1] = layer.color[1];
        rgb[o + 2] = layer.color[2];
      }
    }
  }
  return { rgb, width: w, height: h, scale: k };
}
