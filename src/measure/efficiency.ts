/**
 * Localisation efficiency of fits against simulated truth: RMSE per axis ÷ mean √CRLB per axis
 * (1 = the Cramér–Rao bound), and the relative photon bias. Used by `bench:fit` and its tests.
 */
export interface TruthSpot {
  y: number;
  x: number;
  /** √CRLB per axis, px. */
  crlbY: number;
  crlbX: number;
  photons: number;
}

export interface FittedSpot {
  y: number;
  x: number;
  photons: number;
}

export interface Efficiency {
  n: number;
  effY: number;
  effX: number;
  /** Mean and median of fitted/true photons − 1. */
  bias: number;
  medianBias: number;
}

/** fits[i] is the fit of truth[i]. */
export function fitEfficiency(truth: readonly TruthSpot[], fits: readonly FittedSpot[]): Efficiency {
  if (fits.length !== truth.length) throw new Error(`fitEfficiency: ${fits.length} fits for ${truth.length} spots`);
  let sy = 0;
  let sx = 0;
  let cy = 0;
  let cx = 0;
  const ratios: number[] = [];
  truth.forEach((s, i) => {
    const f = fits[i];
    sy += (f.y - s.y) ** 2;
    sx += (f.x - s.x) ** 2;
    cy += s.crlbY;
    cx += s.crlbX;
    ratios.push(f.photons / s.photons);
  });
  const n = truth.length;
  const bias = ratios.reduce((a, r) => a + r - 1, 0) / n;
  ratios.sort((a, b) => a - b);
  return { n, effY: Math.sqrt(sy / n) / (cy / n), effX: Math.sqrt(sx / n) / (cx / n), bias, medianBias: ratios[n >> 1] - 1 };
}
