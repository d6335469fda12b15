/**
 * `npm run bench:colocalize` — `colocalize` on simulated spot pairs with a known colocalised
 * fraction (src/colocalize/simulate.ts): A uniform in a 256 × 256 px image; a partner in B for a
 * fraction f of A (A + Gaussian jitter σ = 0.3 px per axis), B filled up with uniform spots to as
 * many as A; every B spot moved by a known chromatic shift of 2 px (as large as the pairing distance). For f = 0, 0.3, 0.7 at two densities,
 * over several seeds: the estimated fraction of A with a partner (pairs within 2 px, shift
 * estimated and removed), the chance level (B redrawn uniformly, 200 times), the chance-corrected
 * fraction (f̂ − chance) / (1 − chance), the p-value, the shift estimate's error, and the
 * fraction found without correcting the shift. Writes docs/benchmarks.md ("colocalize" block).
 */
import type { Point } from '../src/core/types.js';
import { colocalize } from '../src/colocalize/colocalize.js';
import { simulateColocalized } from '../src/colocalize/simulate.js';
import { writeBenchmarkBlock } from './doc.js';

const SIZE = 256;
const FRACTIONS = [0, 0.3, 0.7];
const DENSITIES = [10, 40]; // A spots per 100×100 px
const SHIFT: Point = [1.6, -1.2]; // px, B against A
const JITTER = 0.3;
const DISTANCE = 2;
const RANDOMIZATIONS = 200;
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

const started = performance.now();
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) => Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / Math.max(1, v.length - 1));
const pm = (v: number[], d = 3) => `${mean(v).toFixed(d)} ± ${sd(v).toFixed(d)}`;
const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const lines: string[] = [];
for (const density of DENSITIES) {
  const nA = Math.round((density * SIZE * SIZE) / 1e4);
  for (const fraction of FRACTIONS) {
    const est: number[] = [];
    const chance: number[] = [];
    const corrected: number[] = [];
    const pValues: number[] = [];
    const shiftErr: number[] = [];
    const uncorrected: number[] = [];
    for (const seed of SEEDS) {
      const partners = Math.round(fraction * nA);
      const sim = simulateColocalized({
        shape: { height: SIZE, width: SIZE },
        nA,
        fraction,
        extraB: nA - partners,
        jitter: JITTER,
        shift: SHIFT,
        seed: 100 * density + seed,
      });
      const opts = { shape: { height: SIZE, width: SIZE }, distance: DISTANCE, seed };
      const r = colocalize(sim.a, sim.b, { ...opts, randomizations: RANDOMIZATIONS, correctShift: true });
      est.push(r.fractionA);
      chance.push(r.chanceA);
      corrected.push((r.fractionA - r.chanceA) / (1 - r.chanceA));
      pValues.push(r.pValue);
      shiftErr.push(Math.hypot(r.shift![0] - SHIFT[0], r.shift![1] - SHIFT[1]));
      uncorrected.push(colocalize(sim.a, sim.b, { ...opts, randomizations: 0 }).fractionA);
    }
    const significant = pValues.filter((p) => p < 0.05).length;
    lines.push(
      `| ${density} (${nA}) | ${fraction.toFixed(1)} | ${pm(est)} | ${pm(chance)} | ${pm(corrected)} | ${median(pValues).toFixed(3)} (${significant}/${SEEDS.length}) | ` +
        `${pm(shiftErr, 2)} | ${pm(uncorrected)} |`,
    );
  }
}
const seconds = (performance.now() - started) / 1000;

const table = [
  `Simulated pairs: ${SIZE}×${SIZE} px, A uniform (margin 5 px), a partner in B for a fraction f of A at Gaussian jitter σ = ${JITTER} px per axis, ` +
    `B filled up with uniform spots to |A|, chromatic shift of B (${SHIFT[0]}, ${SHIFT[1]}) px (|s| = ${Math.hypot(...SHIFT).toFixed(2)} px); ` +
    `pairs within ${DISTANCE} px, shift estimated and removed (\`correctShift\`), ${RANDOMIZATIONS} randomisations; mean ± sd over ${SEEDS.length} seeds. ` +
    `Total run time ${seconds.toFixed(0)} s.`,
  '',
  '| A per 100×100 px (spots) | true f | estimated fraction of A | chance level | (est − chance) / (1 − chance) | p-value: median (p < 0.05) | shift error [px] | fraction without shift correction |',
  '|---|---|---|---|---|---|---|---|',
  ...lines,
].join('\n');
process.stdout.write(table + '\n');
const doc = writeBenchmarkBlock(
  'colocalize',
  'Colocalisation (simulated pairs)',
  'Command: `npm run bench:colocalize` (source: `bench/colocalize.ts`).',
  table,
);
if (doc) process.stdout.write(`written: ${doc}\n`);
