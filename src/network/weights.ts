/** Network parameters as named tensors, and the check that they fit an architecture. */
import { paramList, type NetworkSpec } from './spec.js';

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

/** Named parameter tensors (names and shapes from paramList(spec)). */
export type WeightMap = Map<string, { shape: number[]; data: Float32Array }>;
