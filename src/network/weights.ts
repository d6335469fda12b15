/** Network parameters as named tensors, the check that they fit an architecture, and their checksum. */
import { paramList, type NetworkSpec } from './spec.js';
import { Sha256 } from '../core/sha256.js';

/** Throws unless `weights` holds every parameter of `spec` with the right shape. */
export function checkWeights(spec: NetworkSpec, weights: WeightMap): void {
  for (const p of paramList(spec)) {
    const t = weights.get(p.name);
    if (!t) throw new Error(`weights: missing parameter '${p.name}'`);
    const size = p.shape.reduce((a, b) => a * b, 1);
    if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i]) || t.data.length !== size) {
      throw new Error(`weights: '${p.name}' has shape [${t.shape.join(', ')}] (${t.data.length} values), expected [${p.shape.join(', ')}]`);
    }
  }
}

/**
 * SHA-256 (64 lowercase hex digits) of the parameters of `spec`: every tensor in paramList
 * order, in our (Keras) layout, as float32 little-endian bytes. The model card stores it
 * (`weightsSha256`); the weights must fit `spec` (checkWeights).
 */
export function weightsSha256(spec: NetworkSpec, weights: WeightMap): string {
  const h = new Sha256();
  for (const p of paramList(spec)) {
    const data = weights.get(p.name)!.data;
    const bytes = new Uint8Array(data.length * 4);
    const dv = new DataView(bytes.buffer);
    for (let i = 0; i < data.length; i++) dv.setFloat32(4 * i, data[i], true);
    h.update(bytes);
  }
  return h.hex();
}

/** Named parameter tensors (names and shapes from paramList(spec)). */
export type WeightMap = Map<string, { shape: number[]; data: Float32Array }>;
