import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colocalize } from './colocalize.js';
import { simulateColocalized } from './simulate.js';
import { DeepblinkError } from '../core/errors.js';
import type { Point } from '../core/types.js';

const shape = { height: 512, width: 512 };

test('the simulated colocalised fraction is recovered within a few %, p-value minimal', () => {
  const sim = simulateColocalized({ shape, nA: 300, fraction: 0.6, extraB: 200, seed: 4 });
  const r = colocalize(sim.a, sim.b, { shape, distance: 2, seed: 1 });
  assert.equal(r.nA, 300);
  assert.equal(r.nB, 380);
  assert.ok(Math.abs(r.fractionA - 0.6) < 0.03, `fractionA ${r.fractionA}`);
  assert.ok(Math.abs(r.fractionB - 180 / 380) < 0.03, `fractionB ${r.fractionB}`);
  // every true partner is paired with its own A spot
  const pairOfB = new Map(r.pairs.map((p) => [p.b, p.a]));
  const right = sim.partnerOf.filter((ai, bi) => pairOfB.get(bi) === ai).length;
  assert.ok(right >= 175, `${right} of 180 true pairs found`);
  for (const p of r.pairs) assert.ok(p.distance <= 2);
  assert.ok(r.chanceA < 0.05, `chance ${r.chanceA}`);
  assert.equal(r.pValue, 1 / 201); // no randomisation comes near 180 pairs
  assert.equal(r.randomizations, 200);
  assert.equal(r.shift, undefined);
  // deterministic under the seed
  assert.deepEqual(colocalize(sim.a, sim.b, { shape, seed: 1 }), r);
});

test('independent sets: chance level ≈ density × π d², observed ≈ chance, p-value not small', () => {
  const a = simulateColocalized({ shape, nA: 400, fraction: 0, seed: 11 }).a;
  const b = simulateColocalized({ shape, nA: 400, fraction: 0, seed: 12, margin: 0 }).a;
  const d = 2;
  const r = colocalize(a, b, { shape, distance: d, seed: 5 });
  const expected = (400 / (512 * 512)) * Math.PI * d * d; // ≈ 0.0192
  assert.ok(Math.abs(r.chanceA - expected) / expected < 0.1, `chance ${r.chanceA} vs ${expected}`);
  assert.equal(r.chanceB, r.chanceA); // nA = nB
  assert.ok(Math.abs(r.fractionA - expected) < 0.02, `observed ${r.fractionA}`);
  assert.ok(r.pValue > 0.05, `p ${r.pValue}`);
});

test('a mask confines the randomisation: half the area, twice the chance level', () => {
  // A in the left half only; B redrawn in the left half (mask) or the whole image
  const a = simulateColocalized({ shape: { height: 512, width: 256 }, nA: 400, fraction: 0, seed: 21 }).a;
  const b = simulateColocalized({ shape: { height: 512, width: 256 }, nA: 400, fraction: 0, seed: 22 }).a;
  const mask = new Uint8Array(512 * 512);
  for (let r = 0; r < 512; r++) mask.fill(3, r * 512, r * 512 + 256); // a label plane: non-zero = inside
  const whole = colocalize(a, b, { shape, seed: 2, randomizations: 100 });
  const inMask = colocalize(a, b, { shape, mask, seed: 2, randomizations: 100 });
  const ratio = inMask.chanceA / whole.chanceA;
  assert.ok(ratio > 1.7 && ratio < 2.3, `ratio ${ratio}`);
  assert.equal(inMask.fractionA, whole.fractionA);
});

test('correctShift recovers a constant shift within 0.1 px and the pairs it hid', () => {
  const shift: Point = [1.2, -1.5];
  const sim = simulateColocalized({ shape, nA: 300, fraction: 0.6, extraB: 200, shift, seed: 8 });
  const plain = colocalize(sim.a, sim.b, { shape, randomizations: 20 });
  const fixed = colocalize(sim.a, sim.b, { shape, randomizations: 20, correctShift: true });
  assert.ok(fixed.shift);
  assert.ok(Math.abs(fixed.shift[0] - shift[0]) < 0.1 && Math.abs(fixed.shift[1] - shift[1]) < 0.1, `shift ${fixed.shift}`);
  assert.ok(Math.abs(fixed.fractionA - 0.6) < 0.03, `fractionA ${fixed.fractionA}`);
  assert.ok(plain.fractionA < 0.5, `uncorrected ${plain.fractionA}`);
  // no shift to find: ≈ 0
  const none = colocalize(sim.a, sim.b.slice(0, 0), { shape, randomizations: 0, correctShift: true });
  assert.deepEqual(none.shift, [0, 0]);
});

test('empty sets, no randomisations, invalid options', () => {
  const r = colocalize([], [[1, 1]], { shape, randomizations: 0 });
  assert.equal(r.fractionA, 0);
  assert.equal(r.fractionB, 0);
  assert.ok(Number.isNaN(r.chanceA) && Number.isNaN(r.pValue));
  const err = (f: () => unknown, re: RegExp) =>
    assert.throws(f, (e: unknown) => e instanceof DeepblinkError && e.code === 'invalid-input' && re.test(e.message));
  err(() => colocalize([], [], { shape, distance: 0 }), /distance/);
  err(() => colocalize([], [], { shape, randomizations: 1.5 }), /randomizations/);
  err(() => colocalize([], [], { shape: { height: 0, width: 5 } }), /image size/);
  err(() => colocalize([], [], { shape, mask: new Uint8Array(10) }), /mask has 10 pixels/);
  err(() => colocalize([], [[0, 0]], { shape, mask: new Uint8Array(512 * 512) }), /no pixel inside/);
  err(() => colocalize([[NaN, 0]], [], { shape }), /finite/);
});
