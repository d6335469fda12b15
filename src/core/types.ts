/**
 * Shared types of the deepblink pipeline.
 *
 * Coordinate convention (used everywhere in this package): a position is (row, col),
 * 0-based, in pixels, and the CENTRE of pixel (r, c) is at (r, c). Pixel (r, c) therefore
 * covers [r - 0.5, r + 0.5) x [c - 0.5, c + 0.5). Row = y = vertical, col = x = horizontal.
 */

/** A position [row, col] in pixels: the compact form used by the metrics and the grid codec. */
export type Point = [number, number];

/**
 * A 3-D position [z, row, col] in voxels (slice, row, column; 0-based, voxel centres at
 * integers, z may be sub-slice). Never reordered: z first, x last.
 */
export type Point3 = [number, number, number];

/** Pixel values of a plane: float32 for computed planes, or a view on the file's own samples. */
export type PlaneData = Float32Array | Float64Array | Uint8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

/**
 * One 2-D grey image plane, row-major. Read-only for every consumer: a plane read from a file
 * may be a view on the decoded samples (no float copy of a 20000² image).
 */
export interface Plane {
  data: PlaneData;
  height: number;
  width: number;
}

/**
 * A 3-D stack of slices, C order (z, y, x): voxel (z, y, x) is `data[(z·height + y)·width + x]`.
 * Slice centres at integer z, as rows and columns (the convention above, one axis up).
 */
export interface Stack {
  /** Voxel values, C order (z, y, x); length depth·height·width. */
  data: PlaneData;
  /** Number of slices (z). */
  depth: number;
  /** Rows per slice (y). */
  height: number;
  /** Columns per slice (x). */
  width: number;
}

/** A plane of computed float32 values (normalised images, filter outputs). */
export interface FloatPlane extends Plane {
  data: Float32Array;
}

/**
 * One spot: the record that travels through the whole pipeline. A detector creates it
 * (position and score), measurement adds to it (`intensity`, `fit`), the writer prints it.
 * Positions follow the convention above; `z` likewise (slice index, slice centres at
 * integers).
 */
export interface Spot {
  /** Row, px (the best estimate: the fitted position when a fit was accepted). */
  y: number;
  /** Column, px. */
  x: number;
  /** Slice, px: the plane's z index for spots found plane by plane in a stack; absent in 2-D. */
  z?: number;
  /** Channel index of the plane the spot was found in (stacks with channels). */
  channel?: number;
  /** Time point (frame index) of the plane the spot was found in (time series). */
  frame?: number;
  /** The detector's confidence: the network's probability, or the LoG quality. */
  score: number;
  /** Sum of the raw intensities in a disk around the spot (when a radius is given). */
  intensity?: number;
  /** Maximum-likelihood Gaussian fit (measure/fit.ts), when asked for. */
  fit?: SpotFit;
  /** 3-D maximum-likelihood fit (measure/fit3d.ts), for spots of z-stacks detected in 3-D. */
  fit3d?: SpotFit3D;
  /** 3-D spots: the number of planes it was detected in (detect/link3d.ts). */
  planes?: number;
  /** The detector's own position, kept when a later step (the fit) moved the spot. */
  detected?: { y: number; x: number; z?: number };
  /** The label of a label image (a cell mask) at the spot's rounded position, 0 outside every cell (measure/cells.ts). */
  cell?: number;
}

/** Result of one 3-D spot fit. Intensities in photons (see measure/fit3d.ts). */
export interface SpotFit3D {
  /** Slice of the centre (rejected guarded fit: the start slice). */
  z: number;
  /** Row of the centre, px (rejected guarded fit: the start row). */
  y: number;
  /** Column of the centre, px (rejected guarded fit: the start column). */
  x: number;
  /** Total photons N of the spot. */
  photons: number;
  /** Background b, photons per voxel. */
  background: number;
  /** Lateral PSF standard deviation σ, px (the fixed value when not fitted). */
  sigma: number;
  /** Axial PSF standard deviation σ_z, slices (the fixed value when not fitted). */
  sigmaZ: number;
  /** ISBI peak SNR (I_peak − b)/√I_peak of the fitted model's brightest voxel. */
  snr: number;
  /** √CRLB of z at the fitted parameters (this window, these parameters), slices. */
  crlbZ: number;
  /** √CRLB of y, px. */
  crlbY: number;
  /** √CRLB of x, px. */
  crlbX: number;
  /** 'ok'; 'not-converged'; or (fitSpots3D (measure/fit3d.ts) guard) 'moved'. */
  status: FitStatus;
  /** Number of LM iterations used (trial steps, accepted or not). */
  iterations: number;
  /** 3-D distance between the fitted centre and the start, voxels (before any guard). */
  shift: number;
  /** Poisson log-likelihood Σ d ln μ − μ − ln Γ(d+1) at the fitted parameters (photon data). */
  logLikelihood: number;
}

/** 'ok'; 'not-converged'; or 'moved' = the fit shifted more than its limit (position not used). */
export type FitStatus = 'ok' | 'not-converged' | 'moved';

/** Result of one spot fit. Intensities are in photons (see measure/fit.ts). */
export interface SpotFit {
  /** Row of the centre, px (for a guarded fit that was rejected: the start row). */
  y: number;
  /** Column of the centre, px (rejected guarded fit: the start column). */
  x: number;
  /** Total photons N of the spot (integrated intensity above background). */
  photons: number;
  /** Background b, photons per pixel. */
  background: number;
  /** PSF standard deviation σ, px (the fixed value when σ was not fitted). */
  sigma: number;
  /** Full width at half maximum 2√(2 ln 2)·σ, px. */
  fwhm: number;
  /** Peak of the continuous Gaussian N/(2πσ²), photons/px (above background). */
  amplitude: number;
  /** ISBI peak SNR (I_peak − b)/√I_peak of the fitted model's brightest pixel. */
  snr: number;
  /** √CRLB of y at the fitted parameters (this window, these parameters), px. */
  crlbY: number;
  /** √CRLB of x, px. */
  crlbX: number;
  /** True when the LM iteration met the tolerance (and the centre is off the window edge). */
  converged: boolean;
  /** Number of LM iterations used (trial steps, accepted or not). */
  iterations: number;
  /** Poisson log-likelihood Σ d ln μ − μ − ln Γ(d+1) at the fitted parameters (photon data). */
  logLikelihood: number;
  /** 'ok'; 'not-converged'; or (fitSpots guard) 'moved' = shifted more than maxShift. */
  status: FitStatus;
  /** Distance between the fitted centre and the start position, px (before any guard). */
  shift: number;
}

/** Pixel size in micrometres per pixel along rows (y) and columns (x). */
export interface PixelSize {
  y: number;
  x: number;
}
