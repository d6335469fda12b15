/**
 * deepBlink's training loss (behaviour notes §5), computed over the whole batch:
 *
 *   loss = dice_loss(t[...,0], p[...,0]) + 2 · rmse(t[...,1:], p[...,1:])  (+ L2, added by the engine)
 *
 * - dice_loss = 1 − (2·Σ t·p + 1) / (Σ t + Σ p + 1) (smooth 1, flattened over the batch);
 * - rmse: every coordinate component whose TRUE value is exactly 0 is zeroed in both tensors;
 *   n = number of cells with (r_rel + c_rel) ≠ 0 (true values); rmse = sqrt(Σ (t−p)² / (n + 1e-7)).
 *
 * Two implementations: a float64 one in plain JS (`lossParts`, for tests and reports) and the
 * differentiable tfjs one (`lossTensors`) used for training.
 *
 * Deviation from Keras, on purpose: the gradient of sqrt at 0 (a batch without any spot, or
 * coordinates predicted exactly) is taken as 0 instead of Keras' inf·0 = NaN.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LossParts } from './engine.js';

/** K.epsilon() */
export const KERAS_EPSILON = 1e-7;

type Arr = ArrayLike<number>;

/** Dice score (2·Σ t·p + smooth) / (Σ t + Σ p + smooth) over flat arrays, float64. */
export function diceScore(t: Arr, p: Arr, smooth = 1): number {
  if (t.length !== p.length) throw new Error(`diceScore: length mismatch ${t.length} vs ${p.length}`);
  let tp = 0;
  let st = 0;
  let sp = 0;
  for (let i = 0; i < t.length; i++) {
    tp += t[i] * p[i];
    st += t[i];
    sp += p[i];
  }
  return (2 * tp + smooth) / (st + sp + smooth);
}

function checkSizes(yTrue: Arr, yPred: Arr, n: number, h: number, w: number): number {
  const cells = n * h * w;
  if (yTrue.length !== cells * 3 || yPred.length !== cells * 3) {
    throw new Error(`loss: expected ${cells}×3 values (n=${n}, h=${h}, w=${w}), got ${yTrue.length} and ${yPred.length}`);
  }
  return cells;
}

/** Number of cells whose true (r_rel + c_rel) ≠ 0 (the rmse denominator). */
export function countSpotCells(yTrue: Arr, cells = yTrue.length / 3): number {
  let count = 0;
  for (let i = 0; i < cells; i++) if (yTrue[3 * i + 1] + yTrue[3 * i + 2] !== 0) count++;
  return count;
}

/**
 * Loss parts in float64 without tfjs, for N×h×w×3 grids (channel last). `l2` is 0 (no weights
 * here); `loss` = dice + 2·rmse.
 */
export function lossParts(yTrue: Float32Array | Float64Array, yPred: Float32Array | Float64Array, n: number, h: number, w: number): LossParts {
  const cells = checkSizes(yTrue, yPred, n, h, w);
  let tp = 0;
  let st = 0;
  let sp = 0;
  let se = 0;
  for (let i = 0; i < cells; i++) {
    const t0 = yTrue[3 * i];
    const p0 = yPred[3 * i];
    tp += t0 * p0;
    st += t0;
    sp += p0;
    for (let c = 1; c <= 2; c++) {
      const t = yTrue[3 * i + c];
      if (t !== 0) {
        const d = t - yPred[3 * i + c];
        se += d * d;
      }
    }
  }
  const dice = 1 - (2 * tp + 1) / (st + sp + 1);
  const rmse = Math.sqrt(se / (countSpotCells(yTrue, cells) + KERAS_EPSILON));
  return { loss: dice + 2 * rmse, dice, rmse, l2: 0 };
}

/** Probabilities are clipped to [ε, 1−ε] in the cross-entropy (as Keras). */
export const BCE_EPSILON = 1e-7;

/** The cross-entropy detection term of combined_bce_rmse in float64 (see lossTensors). */
export function bceTerm(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  let ce = 0;
  let st = 0;
  for (let i = 0; i < yTrue.length; i += 3) {
    const t = yTrue[i];
    const p = Math.min(1 - BCE_EPSILON, Math.max(BCE_EPSILON, yPred[i]));
    ce -= t * Math.log(p) + (1 - t) * Math.log(1 - p);
    st += t;
  }
  return ce / (st + 1);
}

/** Keras' round (half to even). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const clip01 = (x: number) => Math.min(1, Math.max(0, x));

/** deepBlink's training metric f1_score on the p channel (Keras round half-to-even), float64. */
export function kerasF1(yTrue: Float32Array | Float64Array, yPred: Float32Array | Float64Array, n: number, h: number, w: number): number {
  const cells = checkSizes(yTrue, yPred, n, h, w);
  let tp = 0;
  let pp = 0;
  let ap = 0;
  for (let i = 0; i < cells; i++) {
    const t = yTrue[3 * i];
    const p = yPred[3 * i];
    tp += roundHalfEven(clip01(t * p));
    pp += roundHalfEven(clip01(p));
    ap += roundHalfEven(clip01(t));
  }
  const precision = tp / (pp + KERAS_EPSILON);
  const recall = tp / (ap + KERAS_EPSILON);
  return (2 * precision * recall) / (precision + recall + KERAS_EPSILON);
}

/** sqrt with gradient 0 (not ∞) at 0. */
const safeSqrt = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const x = args[0] as tf.Tensor;
  const save = args[1] as tf.GradSaveFunc;
  const y = tf.sqrt(x);
  save([y]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const s = saved[0];
      return tf.where(tf.greater(s, 0), tf.div(tf.mul(dy, 0.5), tf.maximum(s, 1e-30)), tf.zerosLike(s));
    },
  };
});

/**
 * Σ −[t·log p + (1−t)·log(1−p)] of sigmoid outputs p, with p clipped to [ε, 1−ε] in the value
 * but NOT in the gradient: dL/dp = (p − t)/(p(1−p)), which the sigmoid's own derivative p(1−p)
 * turns into the logit gradient p − t (what Keras computes from logits). A clipped gradient
 * would be 0 for a saturated cell, which then never recovers. Exact for logits in about
 * [−85, 16]: above 16 a float32 sigmoid rounds to 1 and its derivative to 0 (a cell is pushed
 * back long before it gets there, since the gradient is ≈ 1 all the way).
 */
const crossEntropy = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const t = args[0] as tf.Tensor;
  const p = args[1] as tf.Tensor;
  const save = args[2] as tf.GradSaveFunc;
  save([t, p]);
  const pc = tf.clipByValue(p, BCE_EPSILON, 1 - BCE_EPSILON);
  const value = tf.neg(tf.sum(tf.add(tf.mul(t, tf.log(pc)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, pc))))));
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [ts, ps] = saved;
      const g = tf.div(tf.sub(ps, ts), tf.maximum(tf.mul(ps, tf.sub(1, ps)), 1e-37));
      return [tf.zerosLike(ts), tf.mul(dy, g)];
    },
  };
});

/**
 * Differentiable dice loss and rmse (scalars) for N×h×w×3 tensors. `spotCells` is
 * countSpotCells(yTrue) (computed on the host: it does not depend on the prediction).
 */
export function lossTensors(
  yTrue: tf.Tensor4D,
  yPred: tf.Tensor4D,
  spotCells: number,
  detection: 'dice' | 'bce' = 'dice',
): { dice: tf.Scalar; rmse: tf.Scalar } {
  return tf.tidy(() => {
    const [t0, tc] = tf.split(yTrue, [1, 2], 3);
    const [p0, pc] = tf.split(yPred, [1, 2], 3);
    let dice: tf.Scalar;
    if (detection === 'bce') {
      // −Σ [t·log p + (1−t)·log(1−p)] ÷ (Σ t + 1): per-cell cross-entropy, normalised by the spot
      // count so its weight against the offset RMSE does not depend on the crop size
      dice = tf.div(crossEntropy(t0, p0), tf.add(tf.sum(t0), 1)) as tf.Scalar;
    } else {
      const inter = tf.sum(tf.mul(t0, p0));
      const score = tf.div(tf.add(tf.mul(inter, 2), 1), tf.add(tf.add(tf.sum(t0), tf.sum(p0)), 1));
      dice = tf.sub(1, score) as tf.Scalar;
    }
    const mask = tf.cast(tf.notEqual(tc, 0), 'float32');
    const diff = tf.sub(tc, tf.mul(pc, mask));
    const se = tf.sum(tf.square(diff));
    const rmse = safeSqrt(tf.div(se, spotCells + KERAS_EPSILON)) as tf.Scalar;
    return { dice, rmse };
  });
}
