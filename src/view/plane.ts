/**
 * One 2-D plane of an image, as iteratePlanes (io/image/axes.ts) yields it, without walking the
 * planes before it: the viewer asks for one plane of a stack at a time.
 */
import type { Plane } from '../core/types.js';
import { UserError } from '../core/errors.js';
import { alignAxes } from '../io/image/axes.js';
import type { RawImage } from '../io/image/format.js';

/** Sizes of the c, t and z axes of an image (1 where the axes have no such letter). */
export interface PlaneSizes {
  c: number;
  t: number;
  z: number;
}

interface Layout {
  size: (l: string) => number;
  stride: (l: string) => number;
}

function layout(raw: RawImage, axes: string): Layout {
  const shape = raw.shape;
  const letters = alignAxes(shape, axes);
  if (!letters) throw new UserError(`axes '${axes}' do not fit the image shape (${shape.join(', ')})`);
  const strides = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = acc;
    acc *= shape[i] as number;
  }
  if (raw.data.length < acc) throw new Error(`image data holds ${raw.data.length} samples, shape needs ${acc}`);
  const dimOf = (l: string) => letters.indexOf(l);
  return {
    size: (l) => (dimOf(l) >= 0 ? (shape[dimOf(l)] as number) : 1),
    stride: (l) => (dimOf(l) >= 0 ? (strides[dimOf(l)] as number) : 0),
  };
}

/** The c, t, z sizes of an image under `axes` (as resolveAxes returns them). */
export function planeSizes(raw: RawImage, axes: string): PlaneSizes {
  const { size } = layout(raw, axes);
  return { c: size('c'), t: size('t'), z: size('z') };
}

/**
 * The plane (c, t, z) of an image: the same data iteratePlanes(raw, axes) yields for it — a
 * view on the image's samples where the plane is stored contiguously, else a float32 copy with
 * rows = y. Indices must be in range (planeSizes).
 */
export function planeAt(raw: RawImage, axes: string, c: number, t: number, z: number): Plane {
  const { size, stride } = layout(raw, axes);
  for (const [l, v] of [
    ['c', c],
    ['t', t],
    ['z', z],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v >= size(l)) throw new RangeError(`${l} = ${v} is out of range (0–${size(l) - 1})`);
  }
  const height = size('y');
  const width = size('x');
  const sy = stride('y');
  const sx = stride('x');
  const data = raw.data;
  const base = c * stride('c') + t * stride('t') + z * stride('z');
  if (sx === 1 && sy === width) return { data: data.subarray(base, base + height * width), height, width };
  const out = new Float32Array(height * width);
  for (let r = 0, k = 0; r < height; r++) {
    const rowBase = base + r * sy;
    for (let col = 0; col < width; col++, k++) out[k] = data[rowBase + col * sx] as number;
  }
  return { data: out, height, width };
}
