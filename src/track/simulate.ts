/** Simulated time series of moving, blinking particles with their true tracks. */
import { Rng } from '../math/rng.js';
import { simulateImage, type SimParams, type SimResult } from '../simulate/simulate.js';

/** Parameters of {@link simulateTracks}. */
export interface TrackSimParams {
  /** Image height, px. Default 128. */
  height: number;
  /** Image width, px. Default 128. */
  width: number;
  /** Number of frames. Default 20. */
  frames: number;
  /** Number of particles (all present for the whole series). Default 20. */
  particles: number;
  /** Diffusion coefficient, px²/frame: each step adds N(0, 2D) per axis. Default 0.5. */
  D: number;
  /** Drift [vy, vx], px/frame, added to every step. Default [0, 0]. */
  drift: [number, number];
  /** Probability that a particle is not visible in a frame (independent per particle and frame). Default 0. */
  blinkProbability: number;
  /** Particles start in, and are reflected back into, [margin, size − 1 − margin]. Default 3 px. */
  margin: number;
  /** Render images (false: only the true tracks). Default true. */
  images: boolean;
  /** Parameters of each frame's image ({@link simulateImage}); size and positions are set here. Default {}. */
  image: Partial<Omit<SimParams, 'height' | 'width' | 'positions'>>;
}

/** One true spot: particle `particle` at (y, x) in frame `t`. */
export interface TrackTruth {
  t: number;
  y: number;
  x: number;
  particle: number;
}

/** Output of {@link simulateTracks}. */
export interface TrackSimResult {
  /** Visible spots, frame by frame, particles ascending within a frame. */
  truth: TrackTruth[];
  /** One image per frame (empty when `images` is false); frame t's spots are its visible particles in ascending order. */
  frames: SimResult[];
  /** The resolved parameters. */
  params: TrackSimParams;
  /** The seed used. */
  seed: number;
}

/** Default parameters of {@link simulateTracks}. */
export const defaultTrackSimParams: Readonly<TrackSimParams> = Object.freeze({
  height: 128,
  width: 128,
  frames: 20,
  particles: 20,
  D: 0.5,
  drift: [0, 0] as [number, number],
  blinkProbability: 0,
  margin: 3,
  images: true,
  image: {},
});

function reflect(v: number, lo: number, hi: number): number {
  if (hi <= lo) return lo;
  const span = hi - lo;
  let u = (v - lo) % (2 * span);
  if (u < 0) u += 2 * span;
  return lo + (u <= span ? u : 2 * span - u);
}

/**
 * Simulates particles diffusing (Brownian motion with coefficient D, plus drift) in a
 * height × width field for `frames` frames, starting uniformly at random, and renders each
 * frame with {@link simulateImage} at the visible particles' positions. A pure function of
 * (params, seed): the motion and blinking use stream 10 of the seed, frame t's image the seed
 * (seed mod 2³²)·65536 + t.
 */
export function simulateTracks(params: Partial<TrackSimParams> = {}, seed = 0): TrackSimResult {
  const p: TrackSimParams = { ...defaultTrackSimParams, ...params, drift: [...(params.drift ?? defaultTrackSimParams.drift)] as [number, number] };
  const bad = (msg: string): never => {
    throw new RangeError(`simulateTracks: ${msg}`);
  };
  if (!Number.isInteger(p.height) || p.height < 8 || !Number.isInteger(p.width) || p.width < 8) bad('height and width must be integers ≥ 8');
  if (!Number.isInteger(p.frames) || p.frames < 1) bad('frames must be a positive integer');
  if (!Number.isInteger(p.particles) || p.particles < 0) bad('particles must be a non-negative integer');
  if (!(p.D >= 0) || !Number.isFinite(p.D)) bad('D must be a finite number ≥ 0');
  if (!p.drift.every(Number.isFinite)) bad('drift must be finite');
  if (!(p.blinkProbability >= 0 && p.blinkProbability < 1)) bad('blinkProbability must be in [0, 1)');
  if (!(p.margin >= 0)) bad('margin must be ≥ 0');
  const rng = new Rng(seed, 10);
  const [ylo, yhi, xlo, xhi] = [p.margin, p.height - 1 - p.margin, p.margin, p.width - 1 - p.margin];
  const y = Array.from({ length: p.particles }, () => rng.uniformRange(ylo, yhi));
  const x = Array.from({ length: p.particles }, () => rng.uniformRange(xlo, xhi));
  const step = Math.sqrt(2 * p.D);
  const truth: TrackTruth[] = [];
  const frames: SimResult[] = [];
  for (let t = 0; t < p.frames; t++) {
    if (t > 0) {
      for (let k = 0; k < p.particles; k++) {
        y[k] = reflect(y[k] + p.drift[0] + step * rng.normal(), ylo, yhi);
        x[k] = reflect(x[k] + p.drift[1] + step * rng.normal(), xlo, xhi);
      }
    }
    const visible: TrackTruth[] = [];
    for (let k = 0; k < p.particles; k++) {
      const blink = p.blinkProbability > 0 && rng.uniform() < p.blinkProbability;
      if (!blink) visible.push({ t, y: y[k], x: x[k], particle: k });
    }
    truth.push(...visible);
    if (p.images) {
      const frameSeed = (((seed % 2 ** 32) + 2 ** 32) % 2 ** 32) * 65536 + t;
      frames.push(simulateImage({ ...p.image, height: p.height, width: p.width, positions: visible.map((v) => [v.y, v.x]) }, frameSeed));
    }
  }
  return { truth, frames, params: p, seed };
}
