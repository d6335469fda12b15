import { deepblinkSpec } from '../network/spec.js';
import { exportOnnx, createOnnxPredictor, readOnnx } from './onnx.js';
import { referenceForward, randomWeights } from './reference.js';
import { Rng } from '../simulate/rng.js';
for (const cfg of [{ filters: 2, ndown: 1, cellSize: 2 }, { filters: 2, ndown: 2, cellSize: 4 }, { filters: 2, ndown: 2, cellSize: 4, block: 'residual' as const }]) {
  const spec = deepblinkSpec(cfg);
  const w = randomWeights(spec, 1);
  const bytes = exportOnnx(spec, w, { a: 'b' });
  const p = await createOnnxPredictor(bytes);
  const r = new Rng(2); const h = 32, wd = 48;
  const x = new Float32Array(h * wd).map(() => r.normal());
  const y = await p.run(x, h, wd);
  const ref = referenceForward(spec, w, x, 1, h, wd);
  let md = 0; for (let i = 0; i < y.length; i++) md = Math.max(md, Math.abs(y[i] - ref[i]));
  console.log(bytes.length, y.length, ref.length, md, Array.from(y.slice(0, 6)));
  const rb = readOnnx(bytes); console.log(rb.metadata, rb.network, rb.weights.size);
  await p.dispose();
}
