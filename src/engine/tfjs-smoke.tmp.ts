import * as tf from '@tensorflow/tfjs-core';
import { createTfjsEngine } from './tfjs.js';
import { deepblinkSpec } from '../network/spec.js';
import { Rng } from '../simulate/rng.js';
const drop = Number(process.argv[2] ?? 0.3), lr = Number(process.argv[3] ?? 1e-3), steps = Number(process.argv[4] ?? 300);
const spec = deepblinkSpec({ filters: 2, ndown: 1, cellSize: 2, dropout: drop });
const e = await createTfjsEngine(spec, { optimizer: { name: 'amsgrad', learningRate: lr }, seed: 1 });
const H = 16, cell = 2, G = H / cell;
function make(rng: Rng, n: number) {
  const x = new Float32Array(n * H * H), y = new Float32Array(n * G * G * 3); const pos: number[][] = [];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < H * H; k++) x[i * H * H + k] = rng.normal(0, 0.1);
    const r = rng.int(H), c = rng.int(H); pos.push([r, c]);
    x[i * H * H + r * H + c] += 3;
    const cr = r >> 1, cc = c >> 1, o = ((i * G + cr) * G + cc) * 3;
    y[o] = 1; y[o + 1] = (r - cr * cell) / cell; y[o + 2] = (c - cc * cell) / cell;
  }
  return { x, y, n, height: H, width: H, pos };
}
const rng = new Rng(7);
const t0 = performance.now();
let first = 0, last = 0;
for (let s = 0; s < steps; s++) {
  const b = make(rng, 4);
  const l = await e.trainStep(b);
  if (s === 0) first = l.loss;
  last = l.loss;
  if (s % 50 === 0) console.log(s, l.loss.toFixed(4), l.dice.toFixed(4), l.rmse.toFixed(4));
}
console.log('time', ((performance.now() - t0) / steps).toFixed(1), 'ms/step', first, last);
const test = make(new Rng(99), 8);
const ev = await e.evaluate(test);
console.log('eval', ev.loss, ev.dice, ev.rmse);
let ok = 0, maxOther = 0;
for (let i = 0; i < 8; i++) { const [r, c] = test.pos[i]; const o = ((i * G + (r >> 1)) * G + (c >> 1)) * 3; if (ev.output[o] > 0.5) ok++; for (let k = 0; k < G * G; k++) if ((i * G * G + k) * 3 !== o) maxOther = Math.max(maxOther, ev.output[(i * G * G + k) * 3]); }
console.log('hits', ok, 'maxOther', maxOther, tf.memory().numTensors);
