import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crlbGaussian2D, crlbGaussian3D, fisherGaussian3D } from './crlb.js';
import { pixelIntegratedGaussian } from '../math/psf.js';

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('crlbGaussian3D', () => {
  it('is isotropic for σ_z = σ and a centred spot: √CRLB_z = √CRLB_y = √CRLB_x', () => {
    const c = crlbGaussian3D({ sigma: 1.4, sigmaZ: 1.4, photons: 2000, background: 8, readNoise: 1 });
    assert.ok(c.x > 0 && c.x < 0.2, `x ${c.x}`);
    assert.ok(rel(c.y, c.x) < 1e-9 && rel(c.z, c.x) < 1e-9, `${c.z} ${c.y} ${c.x}`);
    // off-centre by the same amount along every axis: still isotropic
    const o = crlbGaussian3D({ sigma: 1.2, sigmaZ: 1.2, photons: 800, background: 5, offsetZ: 0.3, offsetY: 0.3, offsetX: 0.3 });
    assert.ok(rel(o.y, o.x) < 1e-9 && rel(o.z, o.x) < 1e-9, `${o.z} ${o.y} ${o.x}`);
  });

  it('a wider axial PSF gives a larger √CRLB in z only', () => {
    const iso = crlbGaussian3D({ sigma: 1.3, sigmaZ: 1.3, photons: 1500, background: 10 });
    const wide = crlbGaussian3D({ sigma: 1.3, sigmaZ: 2.6, photons: 1500, background: 10 });
    assert.ok(wide.z > 1.5 * iso.z, `${wide.z} vs ${iso.z}`);
    assert.ok(wide.x > iso.x, 'photons spread over more slices also cost lateral precision');
    assert.ok(wide.x < wide.z);
  });

  it('falls as 1/√N: exactly without background (centred spot), about so with a weak one', () => {
    const a = crlbGaussian3D({ sigma: 1.3, sigmaZ: 1.5, photons: 1000, background: 0 });
    const b = crlbGaussian3D({ sigma: 1.3, sigmaZ: 1.5, photons: 4000, background: 0 });
    for (const k of ['z', 'y', 'x'] as const) assert.ok(rel(a[k] / b[k], 2) < 1e-6, `${k}: ${a[k] / b[k]}`);
    const c = crlbGaussian3D({ sigma: 1.3, sigmaZ: 1.5, photons: 20000, background: 2, offsetZ: 0.2, offsetY: -0.1, offsetX: 0.4 });
    const d = crlbGaussian3D({ sigma: 1.3, sigmaZ: 1.5, photons: 80000, background: 2, offsetZ: 0.2, offsetY: -0.1, offsetX: 0.4 });
    for (const k of ['z', 'y', 'x'] as const) assert.ok(rel(c[k] / d[k], 2) < 0.1, `${k}: ${c[k] / d[k]}`);
  });

  it('a spot confined to one slice (σ_z → 0) has the 2-D CRLB in y, x with N·(central slice fraction)', () => {
    // For a centred spot the y and x derivatives are odd and every other one even, so √CRLB_x
    // depends only on I_xx; with σ_z = 0.25 the central slice holds 95 % of the photons and
    // the others add almost nothing to I_xx: the 2-D bound with N·E_z(0) must agree closely.
    const sigmaZ = 0.25;
    for (const [n, beta] of [
      [500, 10],
      [3000, 50],
    ]) {
      const frac = pixelIntegratedGaussian(0, 0, sigmaZ);
      const c3 = crlbGaussian3D({ sigma: 1.3, sigmaZ, photons: n, background: beta, readNoise: 1 });
      const c2 = crlbGaussian2D({ sigma: 1.3, photons: n * frac, background: beta, readNoise: 1 });
      assert.ok(rel(c3.x, c2.x) < 0.02 && rel(c3.y, c2.y) < 0.02, `N ${n}: 3-D ${c3.x}, 2-D ${c2.x}`);
      assert.ok(c3.x <= c2.x * (1 + 1e-12), 'more slices can only add information');
    }
  });

  it('clipping the window to the stack (sliceRange) loses information; an empty range gives zero information', () => {
    const full = crlbGaussian3D({ sigma: 1.3, sigmaZ: 1.5, photons: 1000, background: 10 });
    const edge = crlbGaussian3D({ sigma: 1.3, sigmaZ: 1.5, photons: 1000, background: 10, sliceRange: [-1, 8] });
    assert.ok(edge.z > full.z && edge.x >= full.x);
    assert.deepEqual([...fisherGaussian3D({ sigma: 1, sigmaZ: 1, photons: 10, background: 1, sliceRange: [3, 2] })], new Array(25).fill(0));
    assert.equal(crlbGaussian3D({ sigma: 1, sigmaZ: 1, photons: 0, background: 1 }).z, Infinity);
    assert.throws(() => crlbGaussian3D({ sigma: 1, sigmaZ: 0, photons: 10, background: 1 }), RangeError);
  });
});
