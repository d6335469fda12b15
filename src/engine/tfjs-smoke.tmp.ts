import * as tf from '@tensorflow/tfjs-core';
import { createTfjsEngine } from './tfjs.js';
import { deepblinkSpec, countParams } from '../network/spec.js';
const spec = deepblinkSpec({ filters: 2, ndown: 1, cellSize: 2 });
console.log(countParams(spec));
const e = await createTfjsEngine(spec, { optimizer: { name: 'amsgrad', learningRate: 1e-3 }, seed: 1 });
console.log(e.backend);
const H = 16, N = 2;
const x = new Float32Array(N * H * H).map(() => Math.random());
const y = new Float32Array(N * 8 * 8 * 3);
y[0] = 1; y[1] = 0.5; y[2] = 0.25;
const b = { x, y, n: N, height: H, width: H };
for (let i = 0; i < 5; i++) { const t = performance.now(); console.log(await e.trainStep(b), (performance.now() - t).toFixed(1), tf.memory().numTensors); }
const ev = await e.evaluate(b); console.log(ev.loss, ev.output.length);
