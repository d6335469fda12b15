/**
 * The facade a library user starts from: a detector made once (the model loaded once), then
 * used on planes, in-memory images or files. It runs the same pipeline as `deepblink predict`
 * (check → detect → measure), so results equal the CLI's.
 *
 * ```ts
 * const detector = await SpotDetector.create();            // bundled 'general' model
 * const { spots } = await detector.detectFile('cells.tif');
 * await detector.close();
 * ```
 */
import type { Plane, Spot } from '../core/types.js';
import { UserError } from '../core/errors.js';
import type { RawImage } from '../io/image/read.js';
import { createDetector, type PlaneDetector } from '../detect/detector.js';
import type { ModelNote } from '../model/card.js';
import { predictFile, predictImage, predictPlane, type ImageResult, type PredictOptions } from './predict.js';
import { resultSpots } from './result.js';

/** Options of {@link SpotDetector.create} and {@link detect}: the detector, and what to measure. */
export type DetectOptions = PredictOptions;

/** The spots of one plane and the threshold the detector used. */
export interface PlaneSpots {
  spots: Spot[];
  threshold: number;
}

/** The spots of a whole image (every plane), with the image's axes and pixel size. */
export interface ImageSpots extends ImageResult {
  /** Every spot of every plane, in plane order (stacks: each spot has channel, frame, z). */
  spots: Spot[];
}

const withSpots = (r: ImageResult): ImageSpots => ({ ...r, spots: resultSpots(r) });

export class SpotDetector {
  private closed = false;

  private constructor(
    private readonly detector: PlaneDetector,
    private readonly opts: DetectOptions,
  ) {}

  /**
   * A detector as `opts` describe: by default the bundled 'general' network with its own
   * threshold and normalisation; `model` = a bundled name or an .onnx file made by
   * `deepblink train`; `method: 'log'` for the Laplacian-of-Gaussian.
   */
  static async create(opts: DetectOptions = {}): Promise<SpotDetector> {
    return new SpotDetector(await createDetector(opts), opts);
  }

  /**
   * What loading the model found that does not stop it from being used: 'warn' notes deserve
   * the user's attention (code 'uncalibrated-threshold': the model's threshold was never chosen
   * on data — pass `threshold`, or finish its training), 'info' notes are details (code
   * 'no-checksum': an older model file whose weights could not be verified). Empty for LoG.
   */
  get notes(): readonly ModelNote[] {
    return this.detector.notes ?? [];
  }

  /** 'p' when scores are network probabilities, 'quality' for LoG responses. */
  get scoreName(): 'p' | 'quality' {
    return this.detector.scoreColumn;
  }

  /** Spots of one 2-D plane (row-major pixels of any numeric typed array). */
  async detectPlane(plane: Plane): Promise<PlaneSpots> {
    this.check();
    if (!(plane && Number.isInteger(plane.height) && Number.isInteger(plane.width) && plane.data?.length === plane.height * plane.width)) {
      throw new UserError('a plane needs integer height and width and height·width pixel values', undefined, 'invalid-input');
    }
    return predictPlane(plane, this.detector, this.opts);
  }

  /** Spots of every plane of an image already read (readImage / decodeImageBytes). */
  async detectImage(image: RawImage): Promise<ImageSpots> {
    this.check();
    return withSpots(await predictImage(image, this.detector, this.opts));
  }

  /** Spots of every plane of an image file (.tif .tiff .png .jpg .jpeg). */
  async detectFile(file: string): Promise<ImageSpots> {
    this.check();
    return withSpots(await predictFile(file, this.detector, this.opts));
  }

  /** Releases the model's inference session; the detector cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.detector.close();
  }

  private check(): void {
    if (this.closed) throw new Error('SpotDetector: used after close()');
  }
}

/**
 * One-shot detection: a file path, an image read before, or a single plane → its spots.
 * Creates a detector, runs it and closes it (for many images, create one SpotDetector).
 */
export async function detect(input: string | RawImage, opts?: DetectOptions): Promise<ImageSpots>;
export async function detect(input: Plane, opts?: DetectOptions): Promise<PlaneSpots>;
export async function detect(input: string | RawImage | Plane, opts: DetectOptions = {}): Promise<ImageSpots | PlaneSpots> {
  const d = await SpotDetector.create(opts);
  try {
    if (typeof input === 'string') return await d.detectFile(input);
    if ('shape' in input) return await d.detectImage(input);
    return await d.detectPlane(input);
  } finally {
    await d.close();
  }
}
