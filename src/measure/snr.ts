/**
 * Peak signal-to-noise ratio of a spot, ISBI 2012 particle-tracking-challenge convention
 * (Chenouard et al. 2014; anchors.md §7):
 *
 *   SNR = (I_peak − I_bg) / √I_peak,
 *
 * with I_peak the EXPECTED photon value of the spot's brightest pixel (background included)
 * and I_bg the background (photons/px). With Poisson noise √I_peak is the noise std at the
 * peak. Read noise is NOT included (as in the ISBI definition).
 *
 * For a pixel-integrated Gaussian with N photons, width σ, centred at offset (dy, dx) from the
 * centre of its nearest pixel, the peak pixel holds N·E_y·E_x photons above background with
 * E(d) = ½[erf((½−d)/(√2σ)) + erf((½+d)/(√2σ))]; for a spot centred in its pixel that is N·E(0)².
 */

import { pixelIntegratedGaussian } from '../math/psf.js';

/** Fraction of a spot's photons in its brightest pixel (spot at offset (dy, dx), |d| ≤ ½). */
export function peakFraction(sigma: number, offsetY = 0, offsetX = 0): number {
  return pixelIntegratedGaussian(0, offsetY, sigma) * pixelIntegratedGaussian(0, offsetX, sigma);
}

/**
 * Expected peak-pixel photons I_peak (background included) giving the target SNR over the
 * background β: √I_peak = (SNR + √(SNR² + 4β)) / 2. E.g. β = 10: SNR 1 → 13.70, 2 → 18.63,
 * 4 → 33.0, 7 → 67.5.
 */
export function peakIntensityForSnr(snr: number, background: number): number {
  if (!(snr >= 0) || !(background >= 0)) {
    throw new RangeError(`SNR and background must be >= 0 (got ${snr}, ${background})`);
  }
  const root = 0.5 * (snr + Math.sqrt(snr * snr + 4 * background));
  return root * root;
}

/**
 * Photons N that give a spot of width σ on background β the target peak SNR. By default the
 * spot is assumed centred in its pixel (peak = N·E(0)²), so N does not depend on the sub-pixel
 * position; pass (offsetY, offsetX) to solve for a specific position instead.
 */
export function photonsForSnr(snr: number, sigma: number, background: number, offsetY = 0, offsetX = 0): number {
  const peakAbove = peakIntensityForSnr(snr, background) - background;
  return peakAbove / peakFraction(sigma, offsetY, offsetX);
}

/**
 * Peak SNR of a spot with N photons, width σ, at offset (dy, dx) from its nearest pixel centre
 * on background β: (I_peak − β)/√I_peak with I_peak = β + N·E_y·E_x. Returns 0 when I_peak = 0.
 */
export function peakSnr(photons: number, sigma: number, background: number, offsetY = 0, offsetX = 0): number {
  const above = photons * peakFraction(sigma, offsetY, offsetX);
  const peak = background + above;
  return peak > 0 ? above / Math.sqrt(peak) : 0;
}
