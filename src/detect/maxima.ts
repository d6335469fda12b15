/**
 * Local maxima of a filtered plane and their quadratic sub-pixel refinement (TrackMate
 * `DetectionUtils.findLocalMaxima` + imglib2 `LocalExtrema` / `SubpixelLocalization`).
 */
import { mirrorIndex } from '../math/mirror.js';

/**
 * Linear indices (raster order) of the local maxima of `f` (H x W) with value > threshold.
 *
 * Rule: pixel p is a maximum iff f[p] > threshold, f[p] >= every 3x3 neighbour, f[p] > every
 * neighbour that precedes p in raster order, and f[p] > at least one neighbour. Neighbours outside
 * the image are their mirror images (TrackMate's extendMirrorSingle), compared as the real pixel
 * they stand for (a pixel is never its own neighbour). Hence a plateau of equal maxima yields its
 * first pixel in raster order (exactly one pixel for a rectangular plateau, e.g. a 2x2 block or a
 * straight run; an irregular plateau may yield a few, one per pixel with no earlier plateau
 * neighbour), deterministically, and a constant image yields none. NaN pixels are never maxima and never block a neighbour.
 * (TrackMate keeps every pixel >= all its neighbours and >= threshold.)
 */
export function findLocalMaxima(f: Float32Array, H: number, W: number, threshold: number): Int32Array {
  let out = new Int32Array(64);
  let n = 0;
  const push = (i: number): void => {
    if (n === out.length) {
      const bigger = new Int32Array(out.length * 2);
      bigger.set(out);
      out = bigger;
    }
    out[n++] = i;
  };
  const general = (r: number, c: number): boolean => {
    const p = r * W + c;
    const v = f[p];
    let anyLower = false;
    for (let dr = -1; dr <= 1; dr++) {
      const rr = mirrorIndex(r + dr, H);
      for (let dc = -1; dc <= 1; dc++) {
        if (dr === 0 && dc === 0) continue;
        const q = rr * W + mirrorIndex(c + dc, W);
        if (q === p) continue;
        const u = f[q];
        if (u > v || (u === v && q < p)) return false;
        if (u < v || Number.isNaN(u)) anyLower = true;
      }
    }
    return anyLower;
  };
  for (let r = 0; r < H; r++) {
    const interiorRow = r > 0 && r < H - 1;
    const row = r * W;
    for (let c = 0; c < W; c++) {
      const p = row + c;
      const v = f[p];
      if (!(v > threshold)) continue;
      if (interiorRow && c > 0 && c < W - 1) {
        // earlier neighbours: strictly smaller; later ones: not larger
        const up = p - W;
        const dn = p + W;
        if (f[up - 1] >= v || f[up] >= v || f[up + 1] >= v || f[p - 1] >= v || f[p + 1] > v || f[dn - 1] > v || f[dn] > v || f[dn + 1] > v) {
          continue;
        }
        push(p);
      } else if (general(r, c)) {
        push(p);
      }
    }
  }
  return out.slice(0, n);
}

/**
 * Sub-pixel position of the maximum at integer (r, c) of `f`, as imglib2 SubpixelLocalization
 * configured by TrackMate (maxNumMoves 10, maxima tolerance 0.01 per move, valid interval = the
 * image): gradient and Hessian by central differences at the current base pixel, offset =
 * -H^-1 grad; if some |offset| exceeds 0.5 + 0.01 * move, the base moves one pixel that way and
 * the fit is redone. The integer position (r, c) is returned when the base is within 1 px of the
 * border (no fit possible there), when 10 moves do not converge, or when the Hessian is not
 * negative definite (our addition). A singular Hessian gives offset 0 (imglib2).
 */
export function refineSubpixel(f: Float32Array, H: number, W: number, r: number, c: number): [number, number] {
  const [br, or, bc, oc] = subpixelSteps(f, H, W, r, c);
  return [br + or, bc + oc];
}

/**
 * refineSubpixel's answer as the integer base pixel and the offset from it ([row, row offset,
 * column, column offset]), so that a caller working on a box cut from a larger plane can move
 * the base to the whole plane's pixel before adding the offset (the whole plane's arithmetic).
 */
export function subpixelSteps(f: Float32Array, H: number, W: number, r: number, c: number): [number, number, number, number] {
  let br = r;
  let bc = c;
  for (let move = 0; move < 10; move++) {
    if (br < 1 || br > H - 2 || bc < 1 || bc > W - 2) return [r, 0, c, 0];
    const p = br * W + bc;
    const v = f[p];
    const up = f[p - W];
    const dn = f[p + W];
    const lf = f[p - 1];
    const rt = f[p + 1];
    const gr = (dn - up) * 0.5;
    const gc = (rt - lf) * 0.5;
    const hrr = dn - 2 * v + up;
    const hcc = rt - 2 * v + lf;
    const hrc = (f[p + W + 1] - f[p + W - 1] - f[p - W + 1] + f[p - W - 1]) * 0.25;
    const det = hrr * hcc - hrc * hrc;
    let or = 0;
    let oc = 0;
    if (det !== 0 && Number.isFinite(det)) {
      if (!(hrr < 0 && det > 0)) return [r, 0, c, 0];
      or = -(hcc * gr - hrc * gc) / det;
      oc = -(hrr * gc - hrc * gr) / det;
    }
    const tol = 0.5 + move * 0.01;
    let stable = true;
    if (Math.abs(or) > tol) {
      br += or > 0 ? 1 : -1;
      stable = false;
    }
    if (Math.abs(oc) > tol) {
      bc += oc > 0 ? 1 : -1;
      stable = false;
    }
    if (stable) return [br, or, bc, oc];
  }
  return [r, 0, c, 0];
}
