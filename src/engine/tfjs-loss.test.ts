import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { sharedPath } from '../testutil/shared.js';
import { initTfjs } from './tfjs.js';
import { bceTerm, countSpotCells, diceScore, kerasF1, lossParts, lossTensors } from './tfjs-loss.js';

type Nested = number | Nested[];
interface Expected {
  dice_score: number;
  rmse: number;
  combined_dice_rmse: number;
  keras_f1: number;
}
const golden = JSON.parse(readFileSync(sharedPath('reference', 'metric_cases.json'), 'utf8')) as {
  loss_cases: {
    upstream_dice_smooth0: { true: number[]; pred: number[]; expected: number };
    fixture_tensors: { true: Nested; pred: Nested; expected: Expected };
    batch_2x4x4: { true: Nested; pred: Nested; expected: Expected };
  };
};

function shapeOf(a: Nested): number[] {
  const s: number[] = [];
  let x: Nested = a;
  while (Array.isArray(x)) {
    s.push(x.length);
    x = x[0];
  }
  return s;
}
const flat = (a: Nested): Float64Array => Float64Array.from((a as unknown[]).flat(Infinity) as number[]);

/** (n, h, w) of a grid case: rank 3 (h, w, 3) means one image. */
function dims(a: Nested): [number, number, number] {
  const s = shapeOf(a);
  assert.equal(s[s.length - 1], 3);
  return s.length === 3 ? [1, s[0], s[1]] : [s[0], s[1], s[2]];
}

const TOL = 1e-6;
const near = (a: number, e: number, what: string) => assert.ok(Math.abs(a - e) <= TOL, `${what}: ${a} vs ${e}`);

const gridCases = ['fixture_tensors', 'batch_2x4x4'] as const;

describe('deepBlink loss (float64, pure JS)', () => {
  it('upstream dice test with smooth 0 → 0.75', () => {
    const c = golden.loss_cases.upstream_dice_smooth0;
    near(diceScore(c.true, c.pred, 0), c.expected, 'dice smooth 0');
  });
  for (const name of gridCases) {
    it(`golden values: ${name}`, () => {
      const c = golden.loss_cases[name];
      const [n, h, w] = dims(c.true);
      const p = lossParts(flat(c.true), flat(c.pred), n, h, w);
      near(1 - p.dice, c.expected.dice_score, 'dice_score');
      near(p.rmse, c.expected.rmse, 'rmse');
      near(p.loss, c.expected.combined_dice_rmse, 'combined');
      assert.equal(p.l2, 0);
      near(kerasF1(flat(c.true), flat(c.pred), n, h, w), c.expected.keras_f1, 'keras_f1');
    });
  }
  it('ignores true coordinate components equal to 0 and counts cells with r+c ≠ 0', () => {
    // one cell with spot at (0.5, 0): only the row component counts; n = 1
    const t = Float64Array.from([1, 0.5, 0, 0, 0, 0]);
    const p = Float64Array.from([1, 0.25, 0.9, 0.3, 0.7, 0.7]);
    assert.equal(countSpotCells(t), 1);
    near(lossParts(t, p, 1, 1, 2).rmse, Math.sqrt(0.0625 / (1 + 1e-7)), 'rmse');
  });
  it('rejects arrays of the wrong size', () => {
    assert.throws(() => lossParts(new Float64Array(9), new Float64Array(9), 1, 2, 2), /expected/);
  });
});

describe('deepBlink loss (tfjs, float32)', () => {
  before(async () => {
    await initTfjs();
  });
  for (const name of gridCases) {
    it(`golden values: ${name}`, () => {
      const c = golden.loss_cases[name];
      const [n, h, w] = dims(c.true);
      const yt = flat(c.true);
      const [dice, rmse] = tf.tidy(() => {
        const r = lossTensors(tf.tensor4d(Float32Array.from(yt), [n, h, w, 3]), tf.tensor4d(Float32Array.from(flat(c.pred)), [n, h, w, 3]), countSpotCells(yt));
        return [r.dice, r.rmse];
      });
      const d = dice.dataSync()[0];
      const r = rmse.dataSync()[0];
      near(1 - d, c.expected.dice_score, 'dice_score');
      near(r, c.expected.rmse, 'rmse');
      near(d + 2 * r, c.expected.combined_dice_rmse, 'combined');
      tf.dispose([dice, rmse]);
    });
  }

  it('gradient matches finite differences and is finite (0) for the rmse of a batch without spots', () => {
    const c = golden.loss_cases.batch_2x4x4;
    const [n, h, w] = dims(c.true);
    const yt = flat(c.true);
    const yp = flat(c.pred);
    const spots = countSpotCells(yt);
    const lossOf = (p: tf.Tensor) => {
      const r = lossTensors(tf.tensor4d(Float32Array.from(yt), [n, h, w, 3]), p as tf.Tensor4D, spots);
      return tf.add(r.dice, tf.mul(r.rmse, 2)) as tf.Scalar;
    };
    const g = tf.tidy(() =>
      tf
        .grad(lossOf)(tf.tensor4d(Float32Array.from(yp), [n, h, w, 3]))
        .dataSync(),
    );
    // central differences in float64 on the pure implementation
    const eps = 1e-6;
    for (let i = 0; i < yp.length; i++) {
      const a = Float64Array.from(yp);
      const b = Float64Array.from(yp);
      a[i] += eps;
      b[i] -= eps;
      const num = (lossParts(yt, a, n, h, w).loss - lossParts(yt, b, n, h, w).loss) / (2 * eps);
      assert.ok(Math.abs(g[i] - num) <= 1e-4 + 1e-3 * Math.abs(num), `d loss / d p[${i}]: ${g[i]} vs ${num}`);
    }
    // no spots at all: rmse = 0, gradient must not be NaN
    const zeros = new Float32Array(n * h * w * 3);
    const g0 = tf.tidy(() =>
      tf
        .grad((p: tf.Tensor) => lossTensors(tf.tensor4d(zeros, [n, h, w, 3]), p as tf.Tensor4D, 0).rmse)(tf.tensor4d(Float32Array.from(yp), [n, h, w, 3]))
        .dataSync(),
    );
    assert.ok(g0.every((v) => v === 0));
  });
});

describe('combined_bce_rmse detection term', () => {
  before(async () => {
    await initTfjs();
  });

  it('tfjs value equals the float64 cross-entropy ÷ (spot cells + 1)', () => {
    // 2×2 grid, two spot cells
    const t = Float32Array.from([1, 0.3, 0.2, 0, 0, 0, 1, -0.1, 0.4, 0, 0, 0]);
    const p = Float32Array.from([0.9, 0.2, 0.1, 0.2, 0, 0, 0.6, 0, 0.3, 1e-9, 0, 0]);
    const want = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.6) + Math.log(1 - 1e-9)) / 3;
    assert.ok(Math.abs(bceTerm(t, p) - want) < 1e-6, `${bceTerm(t, p)} vs ${want}`);
    const got = tf.tidy(() => lossTensors(tf.tensor4d(t, [1, 2, 2, 3]), tf.tensor4d(p, [1, 2, 2, 3]), 2, 'bce').dice.dataSync()[0]);
    assert.ok(Math.abs(got - want) < 1e-5, `${got} vs ${want}`);
  });

  it('a saturated wrong cell still gets the logit gradient p − t (no dead clip)', () => {
    const t = tf.tensor4d([1, 0, 0, 0, 0, 0], [1, 1, 2, 3]);
    const z = tf.tensor4d([-30, 0, 0, 12, 0, 0], [1, 1, 2, 3]); // logits: a spot at p ≈ 1e-13, a background cell at p ≈ 1 − 6e-6
    const g = tf.grad((zz: tf.Tensor) => lossTensors(t as tf.Tensor4D, tf.sigmoid(zz) as tf.Tensor4D, 1, 'bce').dice)(z);
    const d = g.dataSync();
    // d/dz of Σ CE ÷ (Σt + 1) = (p − t) / 2
    assert.ok(Math.abs(d[0] - -0.5) < 1e-3, `spot cell gradient ${d[0]}`);
    assert.ok(Math.abs(d[3] - 0.5) < 1e-3, `background cell gradient ${d[3]}`);
  });
});
