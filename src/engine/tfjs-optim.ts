/**
 * Optimisers as Keras (TF 2) applies them, on tf.Variables:
 *
 * - amsgrad (deepBlink's Adam(amsgrad=True)) and adam: t = step+1,
 *   lr_t = lr·√(1−β2^t)/(1−β1^t); m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
 *   amsgrad: v̂ ← max(v̂, v), w ← w − lr_t·m/(√v̂ + ε); adam: w ← w − lr_t·m/(√v + ε).
 *   β1 0.9, β2 0.999, ε 1e-7. Slots "<param>/m", "<param>/v" (+ "<param>/vhat").
 * - rmsprop (momentum 0, not centred): ms ← ρ·ms + (1−ρ)·g²; w ← w − lr·g/(√ms + ε);
 *   ρ 0.9, ε 1e-7. Slot "<param>/rms".
 */
import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerSettings, OptimizerState } from './engine.js';

export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;
export const RMSPROP_RHO = 0.9;
export const OPTIMIZER_EPSILON = 1e-7;

export interface TfjsOptimizer {
  readonly name: OptimizerSettings['name'];
  /** Current learning rate (a schedule may change it between steps). */
  learningRate: number;
  /** Number of updates applied so far (Keras `iterations`). */
  readonly step: number;
  /** One update of every variable that has a gradient in `grads`. Disposes nothing it did not create. */
  apply(vars: Map<string, tf.Variable>, grads: tf.NamedTensorMap): void;
  getState(): OptimizerState;
  setState(s: OptimizerState): void;
  dispose(): void;
}

function slotNames(name: OptimizerSettings['name']): string[] {
  switch (name) {
    case 'amsgrad':
      return ['m', 'v', 'vhat'];
    case 'adam':
      return ['m', 'v'];
    case 'rmsprop':
      return ['rms'];
    default:
      throw new Error(`unknown optimizer '${String(name)}' (amsgrad | adam | rmsprop)`);
  }
}

/**
 * An optimiser for parameters with the given names and shapes; slots start at zero.
 * `varPrefix` (unique per engine) names the slot variables in the tfjs engine.
 */
export function createOptimizer(settings: OptimizerSettings, params: { name: string; shape: number[] }[], varPrefix?: string): TfjsOptimizer {
  const name = settings.name;
  let lr = settings.learningRate;
  const checkLr = (v: number) => {
    if (!(v > 0) || !Number.isFinite(v)) throw new Error(`learning rate must be > 0, got ${v}`);
  };
  checkLr(lr);
  const kinds = slotNames(name);
  const slots = new Map<string, tf.Variable>();
  for (const p of params) {
    for (const k of kinds)
      slots.set(
        `${p.name}/${k}`,
        tf.tidy(() => tf.variable(tf.zeros(p.shape), false, varPrefix ? `${varPrefix}opt/${p.name}/${k}` : undefined)),
      );
  }
  let step = 0;
  const slot = (p: string, k: string): tf.Variable => {
    const s = slots.get(`${p}/${k}`);
    if (!s) throw new Error(`optimizer has no slot ${p}/${k}`);
    return s;
  };

  const apply = (vars: Map<string, tf.Variable>, grads: tf.NamedTensorMap): void => {
    const t = step + 1;
    tf.tidy(() => {
      if (name === 'rmsprop') {
        for (const [p, w] of vars) {
          const g = grads[p];
          if (!g) continue;
          const ms = slot(p, 'rms');
          const msNew = tf.add(tf.mul(ms, RMSPROP_RHO), tf.mul(tf.square(g), 1 - RMSPROP_RHO));
          ms.assign(msNew);
          w.assign(tf.sub(w, tf.div(tf.mul(g, lr), tf.add(tf.sqrt(msNew), OPTIMIZER_EPSILON))));
        }
        return;
      }
      const lrT = (lr * Math.sqrt(1 - ADAM_BETA2 ** t)) / (1 - ADAM_BETA1 ** t);
      for (const [p, w] of vars) {
        const g = grads[p];
        if (!g) continue;
        const m = slot(p, 'm');
        const v = slot(p, 'v');
        const mNew = tf.add(tf.mul(m, ADAM_BETA1), tf.mul(g, 1 - ADAM_BETA1));
        const vNew = tf.add(tf.mul(v, ADAM_BETA2), tf.mul(tf.square(g), 1 - ADAM_BETA2));
        m.assign(mNew);
        v.assign(vNew);
        let denom = vNew;
        if (name === 'amsgrad') {
          const vh = slot(p, 'vhat');
          const vhNew = tf.maximum(vh, vNew);
          vh.assign(vhNew);
          denom = vhNew;
        }
        w.assign(tf.sub(w, tf.div(tf.mul(mNew, lrT), tf.add(tf.sqrt(denom), OPTIMIZER_EPSILON))));
      }
    });
    step = t;
  };

  return {
    name,
    get learningRate() {
      return lr;
    },
    set learningRate(v: number) {
      checkLr(v);
      lr = v;
    },
    get step() {
      return step;
    },
    apply,
    getState(): OptimizerState {
      const out = new Map<string, Float32Array>();
      for (const [k, v] of slots) out.set(k, Float32Array.from(v.dataSync() as Float32Array));
      return { name, step, slots: out };
    },
    setState(s: OptimizerState): void {
      if (s.name !== name) throw new Error(`optimizer state is for '${s.name}', this engine uses '${name}'`);
      if (!Number.isInteger(s.step) || s.step < 0) throw new Error(`invalid optimizer step ${s.step}`);
      for (const k of slots.keys()) if (!s.slots.has(k)) throw new Error(`optimizer state lacks slot ${k}`);
      for (const k of s.slots.keys()) if (!slots.has(k)) throw new Error(`optimizer state has unknown slot ${k}`);
      for (const [k, v] of slots) {
        const data = s.slots.get(k)!;
        if (data.length !== v.size) throw new Error(`optimizer slot ${k}: ${data.length} values, expected ${v.size}`);
        tf.tidy(() => v.assign(tf.tensor(data, v.shape, 'float32')));
      }
      step = s.step;
    },
    dispose(): void {
      for (const v of slots.values()) v.dispose();
      slots.clear();
    },
  };
}
