/**
 * Axis labelling of n-D images and iteration over their 2-D planes.
 *
 * Letters: c (channel), t (time), z (slice), y (rows, vertical), x (columns, horizontal).
 * Unlike the Python original — whose guess labels the FIRST of the two largest dimensions
 * 'x' and therefore transposes every plain 2-D image (behaviour notes §1.1 "axis-naming
 * trap") — here the first of the two largest dimensions is y = rows, so a 2-D image is 'yx'
 * and output row/column coordinates match Fiji's Y/X.
 */
import type { Plane, Stack } from '../../core/types.js';
import { UserError } from '../../core/errors.js';
import type { RawImage } from './read.js';

const LETTERS = 'ctzyx';

/**
 * The Python original's `predict_shape` (behaviour notes §1.8) with our letters: y for the
 * first of the two largest dimensions, x for the second; then c (a dimension of size 1-4 when
 * the last dimension is not 3), z and t as the next smallest, '3' for a trailing RGB axis.
 * Returns one letter per dimension (zero-length dimensions are dropped first, as upstream).
 * Throws a UserError where upstream raised (fewer than 2 dims, too many dims, three or more
 * dimensions tied for the two largest sizes).
 */
export function predictAxes(shapeIn: number[]): string {
  const shape = shapeIn.filter((s) => s !== 0);
  const shown = `(${shapeIn.join(', ')})`;
  if (shape.length < 2) throw new UserError(`cannot guess the axes of shape ${shown}: fewer than 2 dimensions`);
  const isRgb = shape[shape.length - 1] === 3;
  const isChannel = shape.some((s) => s >= 1 && s <= 4) && !isRgb;
  const maxLen = isRgb ? 6 : 5;
  if (shape.length > maxLen) {
    throw new UserError(`cannot guess the axes of shape ${shown}: more than ${maxLen} dimensions`);
  }
  const sorted = [...shape].sort((a, b) => a - b);
  const largest = new Set(sorted.slice(-2));
  const planeIdx = shape.map((s, i) => (largest.has(s) ? i : -1)).filter((i) => i >= 0);
  if (planeIdx.length !== 2) {
    throw new UserError(`cannot guess the axes of shape ${shown}: ${planeIdx.length} dimensions tie for the two largest sizes`);
  }
  // Insertion order matters below: ties in position are broken by it (as upstream's stable sort).
  const dims: [string, number][] = [
    ['y', planeIdx[0] as number],
    ['x', planeIdx[1] as number],
  ];
  const rest = [...sorted];
  if (isRgb) {
    dims.push(['3', shape.length]);
    rest.splice(rest.indexOf(3), 1);
  }
  if (isChannel) dims.push(['c', shape.indexOf(rest.shift() as number)]);
  if (rest.length >= 3) dims.push(['z', shape.indexOf(rest.shift() as number)]);
  if (rest.length === 3) dims.push(['t', shape.indexOf(rest.shift() as number)]);
  const order = dims
    .map((d, k) => ({ letter: d[0], pos: d[1], k }))
    .sort((a, b) => a.pos - b.pos || a.k - b.k)
    .map((d) => d.letter);
  return order.join('');
}

export interface ResolvedAxes {
  /** One letter per dimension of `shape`, from 'ctzyx', containing y and x. */
  axes: string;
  /** The image shape with singleton dimensions dropped (y and x are always kept). */
  shape: number[];
  source: 'option' | 'metadata' | 'guessed';
}

/** Checks an axes string; returns the problem or undefined. */
function axesProblem(axes: string): string | undefined {
  const bad = [...axes].filter((ch) => !LETTERS.includes(ch));
  if (bad.length > 0) return `unknown letter(s) '${[...new Set(bad)].join('')}' (use c, t, z, y, x)`;
  const dup = [...axes].filter((ch, i) => axes.indexOf(ch) !== i);
  if (dup.length > 0) return `letter(s) '${[...new Set(dup)].join('')}' used more than once`;
  if (!axes.includes('y') || !axes.includes('x')) return 'must contain both y (rows) and x (columns)';
  return undefined;
}

/** Normalises user input like "(z,y,x)", "Z Y X" or "zyx" to "zyx". */
function normaliseAxesOption(s: string): string {
  return s.replace(/[()[\]\s,;]/g, '').toLowerCase();
}

/**
 * Maps an axes string onto the dimensions of `shape`: either one letter per dimension, or one
 * per dimension left after dropping singletons (dimensions of size 1 that are not labelled y or
 * x). Returns, per dimension, its letter or undefined for a dropped singleton; or undefined
 * when the string does not fit the shape.
 */
export function alignAxes(shape: number[], axes: string): (string | undefined)[] | undefined {
  if (axes.length === shape.length) return [...axes];
  const nonSingleton = shape.filter((s) => s !== 1).length;
  if (axes.length < nonSingleton || axes.length > shape.length) return undefined;
  // Keep every non-singleton dimension; keep a singleton only where the letters demand it
  // (a y or x of length 1) and enough letters remain.
  const out: (string | undefined)[] = [];
  let j = 0;
  for (let i = 0; i < shape.length; i++) {
    const remainingLetters = axes.length - j;
    const remainingNonSingleton = shape.slice(i).filter((s) => s !== 1).length;
    const letter = axes[j];
    if (shape[i] !== 1) {
      if (letter === undefined) return undefined;
      out.push(letter);
      j++;
    } else if (letter !== undefined && remainingLetters > remainingNonSingleton && (letter === 'y' || letter === 'x')) {
      out.push(letter);
      j++;
    } else {
      out.push(undefined);
    }
  }
  return j === axes.length ? out : undefined;
}

function squeezeWith(shape: number[], letters: (string | undefined)[]): { axes: string; shape: number[] } {
  let axes = '';
  const out: number[] = [];
  shape.forEach((s, i) => {
    const l = letters[i];
    if (l === undefined) return;
    if (s === 1 && l !== 'y' && l !== 'x') return;
    axes += l;
    out.push(s);
  });
  return { axes, shape: out };
}

/**
 * The letter of every dimension of the image's own shape (undefined: a dropped singleton) for
 * the axes resolveAxes decided: what a box of the file (ImageSource.read) is addressed by.
 */
export function dimensionLetters(raw: Pick<RawImage, 'shape' | 'axes'>, resolved: ResolvedAxes): (string | undefined)[] {
  return resolved.source === 'metadata' ? [...raw.axes!] : alignAxes(raw.shape, resolved.axes)!;
}

/**
 * Decides the axis letters of an image: the user's `--axes` (validated), else the file's
 * metadata, else a guess (predictAxes on the shape without singleton dimensions, accepted only
 * when it puts y and x on the last two dimensions, which is where every reader stores the
 * plane). Singleton dimensions are dropped together with their letters.
 */
export function resolveAxes(raw: Pick<RawImage, 'shape' | 'axes'>, userAxes?: string): ResolvedAxes {
  const shape = raw.shape;
  const shapeStr = `(${shape.join(', ')})`;
  if (userAxes !== undefined) {
    const axes = normaliseAxesOption(userAxes);
    const problem = axesProblem(axes);
    if (problem) throw new UserError(`invalid --axes '${userAxes}': ${problem}`);
    const letters = alignAxes(shape, axes);
    if (!letters) {
      const squeezed = shape.filter((s) => s !== 1).length;
      const counts = squeezed === shape.length ? `${shape.length}` : `${shape.length} (${squeezed} without singleton dimensions)`;
      throw new UserError(`invalid --axes '${userAxes}': ${axes.length} letter(s) but the image has ${counts} dimensions, shape ${shapeStr}`);
    }
    return { ...squeezeWith(shape, letters), source: 'option' };
  }
  if (raw.axes !== undefined && raw.axes.length === shape.length && !axesProblem(raw.axes)) {
    return { ...squeezeWith(shape, [...raw.axes]), source: 'metadata' };
  }
  // Guess: drop singleton dimensions in front of the plane, keep the plane itself.
  const lead = shape.slice(0, -2);
  const plane = shape.slice(-2);
  const squeezed = [...lead.filter((s) => s !== 1), ...plane];
  if (squeezed.length === 2) return { axes: 'yx', shape: squeezed, source: 'guessed' };
  const example = `${'ctz'.slice(0, Math.min(3, squeezed.length - 2))}yx`;
  let guess: string;
  try {
    guess = predictAxes(squeezed);
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`${err.message}; pass --axes (e.g. '${example}')`);
    throw err;
  }
  if (guess.includes('3') || !guess.endsWith('yx') || axesProblem(guess)) {
    throw new UserError(`cannot guess the axes of shape ${shapeStr}: the two largest dimensions are not the last two; pass --axes (e.g. '${example}')`);
  }
  return { axes: guess, shape: squeezed, source: 'guessed' };
}

export interface PlaneEntry {
  c: number;
  t: number;
  z: number;
  plane: Plane;
}

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

/** Sizes and C-order strides of the raw data by axis letter (size 1, stride 0 for an absent letter). */
function layout(raw: RawImage, axes: string): Layout {
  const shape = raw.shape;
  const problem = axesProblem(axes);
  if (problem) throw new UserError(`invalid axes '${axes}': ${problem}`);
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

/** The plane (c, t, z) of a layout: a view where stored contiguously, else a float32 copy with rows = y. */
function extract(raw: RawImage, { size, stride }: Layout, c: number, t: number, z: number): Plane {
  const height = size('y');
  const width = size('x');
  const sy = stride('y');
  const sx = stride('x');
  const data = raw.data;
  const base = c * stride('c') + t * stride('t') + z * stride('z');
  // contiguous plane: a view on the decoded samples, no copy (a 20000² uint16 plane stays
  // 800 MB instead of becoming 1.6 GB of float32)
  if (sx === 1 && sy === width) return { data: data.subarray(base, base + height * width), height, width };
  const out = new Float32Array(height * width);
  for (let r = 0, k = 0; r < height; r++) {
    const rowBase = base + r * sy;
    for (let col = 0; col < width; col++, k++) out[k] = data[rowBase + col * sx] as number;
  }
  return { data: out, height, width };
}

/** The c, t, z sizes of an image under `axes` (as resolveAxes returns them). */
export function planeSizes(raw: RawImage, axes: string): PlaneSizes {
  const { size } = layout(raw, axes);
  return { c: size('c'), t: size('t'), z: size('z') };
}

/**
 * The plane (c, t, z) of an image: the same data iteratePlanes(raw, axes) yields for it, without
 * walking the planes before it (the viewer asks for one plane of a stack at a time). Indices
 * must be in range (planeSizes); otherwise a RangeError.
 */
export function planeAt(raw: RawImage, axes: string, c: number, t: number, z: number): Plane {
  const l = layout(raw, axes);
  for (const [letter, v] of [
    ['c', c],
    ['t', t],
    ['z', z],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v >= l.size(letter)) throw new RangeError(`${letter} = ${v} is out of range (0–${l.size(letter) - 1})`);
  }
  return extract(raw, l, c, t, z);
}

/**
 * The z-stack (c, t) of an image as a Stack (C order z, y, x): a view on the image's samples
 * when the volume is stored contiguously, else a float32 copy of that one volume.
 */
export function stackAt(raw: RawImage, axes: string, c: number, t: number): Stack {
  const l = layout(raw, axes);
  const depth = l.size('z');
  const height = l.size('y');
  const width = l.size('x');
  const n = height * width;
  const base = c * l.stride('c') + t * l.stride('t');
  if (l.stride('x') === 1 && l.stride('y') === width && (depth === 1 || l.stride('z') === n)) {
    return { data: raw.data.subarray(base, base + depth * n), depth, height, width };
  }
  const out = new Float32Array(depth * n);
  for (let z = 0; z < depth; z++) out.set(extract(raw, l, c, t, z).data, z * n);
  return { data: out, depth, height, width };
}

/**
 * Yields every 2-D plane of the image, nested c (outermost), t, z (innermost) as the original's
 * predict loop. Each plane has rows = y and columns = x (a file whose axes put x before y is
 * transposed into a float32 copy); a plane stored contiguously is a read-only view on the
 * image's own samples. `axes` is as returned by resolveAxes (one letter per
 * non-singleton dimension) or one letter per dimension of raw.shape.
 */
export function* iteratePlanes(raw: RawImage, axes: string): Generator<PlaneEntry> {
  const l = layout(raw, axes);
  for (let c = 0; c < l.size('c'); c++) {
    for (let t = 0; t < l.size('t'); t++) {
      for (let z = 0; z < l.size('z'); z++) yield { c, t, z, plane: extract(raw, l, c, t, z) };
    }
  }
}
