/**
 * What the page asks `deepblink view`'s server (src/view/server.ts) for. Every URL is relative
 * to the page's own (http://127.0.0.1:PORT/TOKEN/), so the token travels with each request.
 */
import type { Plane, PlaneData } from '../../src/core/types.js';

export interface SessionImage {
  id: number;
  name: string;
  hasSpots: boolean;
  hasTruth: boolean;
}

export interface SessionModel {
  id: string;
  label: string;
  bundled: boolean;
}

export interface Session {
  version: string;
  images: SessionImage[];
  models: SessionModel[];
  defaultModel: string;
}

export interface ImageMeta {
  name: string;
  axes: string;
  shape: number[];
  sizes: { c: number; t: number; z: number };
  height: number;
  width: number;
  dtype: string;
  pixelSize?: { y: number; x: number };
  warnings: string[];
}

/** A CSV table the server read: points in our convention (row, column; pixel centres at integers) and, when aligned, every column. */
export interface SpotTable {
  file: string;
  points: [number, number][];
  planes?: { c?: number[]; t?: number[]; z?: number[] };
  /** 3-D tables (predict on a z-stack, simulate --3d): each point's z in slices (sub-slice). */
  z?: number[];
  columns?: string[];
  rows?: (number | string)[][];
}

async function failure(res: Response): Promise<Error> {
  let msg = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { error?: string };
    if (body.error) msg = body.error;
  } catch {
    // not JSON
  }
  return new Error(msg);
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

export async function getBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw await failure(res);
  return new Uint8Array(await res.arrayBuffer());
}

const ARRAYS: Record<string, new (buf: ArrayBuffer) => PlaneData> = {
  uint8: Uint8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
};

/** One plane of an image, as the same typed array the CLI's detector sees. */
export async function getPlane(image: number, c: number, t: number, z: number): Promise<Plane> {
  const res = await fetch(`api/image/${image}/plane?c=${c}&t=${t}&z=${z}`);
  if (!res.ok) throw await failure(res);
  const dtype = res.headers.get('X-Dtype') ?? '';
  const height = Number(res.headers.get('X-Height'));
  const width = Number(res.headers.get('X-Width'));
  const Ctor = ARRAYS[dtype];
  if (!Ctor) throw new Error(`unknown pixel type '${dtype}'`);
  const data = new Ctor(await res.arrayBuffer());
  if (data.length !== height * width) throw new Error(`plane has ${data.length} values, expected ${height}×${width}`);
  return { data, height, width };
}

export const session = (): Promise<Session> => getJson<Session>('api/session');
export const imageMeta = (id: number): Promise<ImageMeta> => getJson<ImageMeta>(`api/image/${id}`);
export const spotTable = (id: number, kind: 'spots' | 'truth'): Promise<SpotTable> => getJson<SpotTable>(`api/image/${id}/${kind}`);
export const modelBytes = (id: string): Promise<Uint8Array> => getBytes(`api/model/${encodeURIComponent(id)}`);
