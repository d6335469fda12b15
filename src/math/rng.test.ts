import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logFactorial, Rng } from './rng.js';

describe('Rng (xoshiro128**)', () => {
  it('matches the xoshiro128** reference output for state (1, 2, 3, 4)', () => {
    // Reference: Blackman & Vigna's xoshiro128starstar.c run with s = {1, 2, 3, 4}.
    const r = Rng.fromState(1, 2, 3, 4);
    const got = Array.from({ length: 8 }, () => r.nextUint32());
    assert.deepEqual(got, [11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849]);
  });

  it('pins the seeded stream (golden values: any change here changes every simulation)', () => {
    const r = new Rng(12345);
    assert.deepEqual(
      Array.from({ length: 4 }, () => r.nextUint32()),
      [3493756353, 1471612644, 2217277414, 3196925030],
    );
    assert.deepEqual(
      Array.from({ length: 3 }, () => r.uniform()),
      [0.4432090739511718, 0.47043037021123146, 0.9058439902693559],
    );
    const normals = Array.from({ length: 3 }, () => r.normal());
    const want = [-0.2710122750447826, -0.5340753919990283, 1.0730772562046276];
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(normals[i] - want[i]) < 1e-14, `normal ${i}`);
    assert.deepEqual(
      [0.5, 3, 9.9, 10, 30, 1000, 1e5].map((m) => r.poisson(m)),
      [0, 4, 12, 8, 32, 1025, 100570],
    );
  });

  it('is deterministic per (seed, stream) and differs across seeds and streams', () => {
    const take = (r: Rng): number[] => Array.from({ length: 16 }, () => r.nextUint32());
    assert.deepEqual(take(new Rng(7)), take(new Rng(7)));
    assert.deepEqual(take(new Rng(7, 3)), take(new Rng(7, 3)));
    const seqs = [take(new Rng(7)), take(new Rng(8)), take(new Rng(-7)), take(new Rng(7, 1)), take(new Rng(2 ** 40 + 7))];
    for (let i = 0; i < seqs.length; i++) {
      for (let j = i + 1; j < seqs.length; j++) assert.notDeepEqual(seqs[i], seqs[j], `streams ${i} and ${j}`);
    }
  });

  it('round-trips its raw state', () => {
    const a = new Rng(99);
    a.nextUint32();
    const b = Rng.fromState(...a.state());
    assert.deepEqual(
      Array.from({ length: 5 }, () => a.nextUint32()),
      Array.from({ length: 5 }, () => b.nextUint32()),
    );
    assert.throws(() => Rng.fromState(0, 0, 0, 0), RangeError);
  });

  it('uniform() lies in [0, 1) with mean 1/2 and variance 1/12', () => {
    const r = new Rng(1);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      assert.ok(u >= 0 && u < 1);
      s += u;
      s2 += u * u;
    }
    const mean = s / n;
    const v = s2 / n - mean * mean;
    assert.ok(Math.abs(mean - 0.5) < 5 * Math.sqrt(1 / 12 / n), `mean ${mean}`);
    assert.ok(Math.abs(v - 1 / 12) < 0.002, `variance ${v}`);
  });

  it('int(n) is uniform on [0, n)', () => {
    const r = new Rng(2);
    const counts = new Array(7).fill(0);
    const n = 70_000;
    for (let i = 0; i < n; i++) counts[r.int(7)]++;
    for (const c of counts) assert.ok(Math.abs(c - n / 7) < 5 * Math.sqrt((n / 7) * (6 / 7)), `count ${c}`);
    assert.throws(() => r.int(0), RangeError);
    assert.throws(() => r.int(1.5), RangeError);
  });

  it('normal() has the requested mean and standard deviation', () => {
    const r = new Rng(3);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    let s4 = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
      s4 += z ** 4;
    }
    const mean = s / n;
    const v = s2 / n - mean * mean;
    assert.ok(Math.abs(mean) < 5 / Math.sqrt(n), `mean ${mean}`);
    assert.ok(Math.abs(v - 1) < 5 * Math.sqrt(2 / n), `variance ${v}`);
    assert.ok(Math.abs(s4 / n - 3) < 0.1, `kurtosis ${s4 / n}`);
    const r2 = new Rng(4);
    let t = 0;
    let t2 = 0;
    for (let i = 0; i < n; i++) {
      const z = r2.normal(5, 2);
      t += z;
      t2 += z * z;
    }
    const m2 = t / n;
    assert.ok(Math.abs(m2 - 5) < 5 * (2 / Math.sqrt(n)));
    assert.ok(Math.abs(t2 / n - m2 * m2 - 4) < 5 * 4 * Math.sqrt(2 / n));
  });

  it('poisson(mean) has mean and variance equal to the mean (Knuth and PTRS branches)', () => {
    const r = new Rng(5);
    const n = 100_000;
    for (const m of [0.2, 1, 3, 9.99, 10, 12.5, 30, 100, 1000, 1e5]) {
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const k = r.poisson(m);
        assert.ok(Number.isInteger(k) && k >= 0);
        s += k;
        s2 += k * k;
      }
      const mean = s / n;
      const v = s2 / n - mean * mean;
      assert.ok(Math.abs(mean - m) < 5 * Math.sqrt(m / n), `mean ${mean} for ${m}`);
      assert.ok(Math.abs(v - m) < 5 * Math.sqrt((m + 2 * m * m) / n), `variance ${v} for ${m}`);
    }
    assert.equal(r.poisson(0), 0);
    assert.throws(() => r.poisson(-1), RangeError);
    assert.throws(() => r.poisson(Number.NaN), RangeError);
  });

  it('poisson(mean) follows the exact pmf (chi-square goodness of fit)', () => {
    const r = new Rng(6);
    const n = 200_000;
    for (const m of [4, 10, 15, 60]) {
      const counts = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const k = r.poisson(m);
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      const pmf = (k: number): number => Math.exp(-m + k * Math.log(m) - logFactorial(k));
      // Bins: each k with expected count >= 20; tails pooled.
      let lo = Math.floor(m);
      while (lo > 0 && pmf(lo - 1) * n >= 20) lo--;
      let hi = Math.floor(m);
      while (pmf(hi + 1) * n >= 20) hi++;
      let chi2 = 0;
      let pLow = 0;
      for (let k = 0; k < lo; k++) pLow += pmf(k);
      let cLow = 0;
      let cHigh = 0;
      for (const [k, c] of counts) {
        if (k < lo) cLow += c;
        else if (k > hi) cHigh += c;
      }
      let pMid = 0;
      for (let k = lo; k <= hi; k++) {
        const e = pmf(k) * n;
        pMid += pmf(k);
        const o = counts.get(k) ?? 0;
        chi2 += ((o - e) * (o - e)) / e;
      }
      const pHigh = 1 - pLow - pMid;
      let df = hi - lo;
      if (pLow * n >= 5) {
        chi2 += (cLow - pLow * n) ** 2 / (pLow * n);
        df++;
      }
      if (pHigh * n >= 5) {
        chi2 += (cHigh - pHigh * n) ** 2 / (pHigh * n);
        df++;
      }
      // ~6 standard deviations above the chi-square mean.
      assert.ok(chi2 < df + 6 * Math.sqrt(2 * df), `chi2 ${chi2.toFixed(1)} (df ${df}) for mean ${m}`);
    }
  });

  it('logFactorial matches a direct sum of logs', () => {
    let direct = 0;
    for (let k = 0; k <= 2000; k++) {
      if (k > 0) direct += Math.log(k);
      const got = logFactorial(k);
      assert.ok(Math.abs(got - direct) <= 1e-13 * Math.max(1, direct), `k=${k}: ${got} vs ${direct}`);
    }
  });
});
