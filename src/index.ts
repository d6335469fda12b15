/**
 * deepblink — detection and sub-pixel localisation of diffraction-limited fluorescent spots.
 *
 * The library API: what `import { … } from 'deepblink'` gives. Everything here is typed and
 * documented; anything not exported here is internal and may change.
 *
 * ```ts
 * import { detect, SpotDetector, readImage, DeepblinkError } from 'deepblink';
 *
 * const { spots } = await detect('cells.tif');               // bundled 'general' model
 * for (const s of spots) console.log(s.y, s.x, s.score);      // row, column (px), probability
 *
 * const detector = await SpotDetector.create({ model: 'smfish', fit: {} });
 * const res = await detector.detectFile('cells.tif');          // spots with Gaussian fits
 * await detector.close();
 * ```
 *
 * Coordinates: (row, column) = (y, x), 0-based, in pixels, the centre of pixel (r, c) at
 * (r, c). Errors about the input are {@link DeepblinkError}s with a stable `code`.
 *
 * @packageDocumentation
 */
import type { TrainConfig as TrainConfigT } from './train/config.js';
import type { TrainOptions as TrainOptionsT, TrainResult as TrainResultT } from './train/train.js';

// shared types, errors, version
export type { Plane, PlaneData, FloatPlane, Stack, Point, Point3, PixelSize, Spot, SpotFit, FitStatus } from './core/types.js';
export { DeepblinkError, type ErrorCode } from './core/errors.js';
export { VERSION } from './core/version.js';

// read: images, axes and planes, label tables
export { readImage, decodeImageBytes } from './io/image/read.js';
// an image read box by box (OME-Zarr lazily, chunk by chunk), and OME-Zarr writing
export { openImage, type ImageSource } from './io/image/source.js';
export type { ZarrInfo, ZarrLevel } from './io/image/zarr.js';
export { writeOmeZarr, type WriteOmeZarrOptions, type ChunkFiller, type ZarrCodec, type ZarrDtype } from './io/image/zarr-write.js';
export type { RawImage, DecodedImage, PixelArray, ImageFormat, DecodeLimits, ReadImageOptions } from './io/image/format.js';
export { DEFAULT_MAX_PIXELS, checkDecodedSize } from './io/image/format.js';
export { imageExtensions, registerImageFormat } from './io/image/registry.js';
export { resolveAxes, iteratePlanes, type ResolvedAxes, type PlaneEntry } from './io/image/axes.js';
export { readLabels, parseLabels, type LabelsResult, type ReadLabelsOptions, type PlaneColumns } from './io/labels.js';

// preprocess
export { checkPlane, planeStats, type PlaneStats } from './preprocess/check.js';
export { inspectImage, inspectSource, type ImageInfo, type InspectOptions, type InspectSourceOptions } from './preprocess/inspect.js';
export { normalizePlane, type Normalization } from './preprocess/normalize.js';

// models
export {
  loadModel,
  decodeModel,
  thresholdCalibrated,
  type LoadedModel,
  type ModelCard,
  type ModelScores,
  type ModelNote,
  type ThresholdSource,
} from './model/model.js';
export type { NetworkSpec, NetworkConfig, NetNode, Activation, Architecture, BlockType } from './network/spec.js';
export type { WeightMap } from './network/weights.js';
export { bundledNames as bundledModels, resolveModel, DEFAULT_MODEL } from './model/bundled.js';

// detect (+ measure): the facade, and the detectors themselves
export { SpotDetector, detect, type DetectOptions, type PlaneSpots, type ImageSpots } from './pipeline/spot-detector.js';
export type { ImageResult, PlaneResult, VolumeResult, PredictOptions } from './pipeline/predict.js';
export { resultSpots } from './pipeline/result.js';
export { linkPlanes, axialPeak, type Member as LinkMember, type LinkOptions, type LinkedSpot, type PlaneDetections } from './detect/link3d.js';
export { createDetector, type PlaneDetector, type DetectorOptions, type DetectorDescription, type Method } from './detect/detector.js';
export type { PlanePart, PartSpots } from './detect/neural.js';
export type { NoiseGlobals } from './preprocess/noise.js';
export { detectLoG, type LogOptions } from './detect/log.js';
export { detectLoG3D, logFilter3D, type Log3dOptions, type Spot3D } from './detect/log3d.js';

// measure
export { fitSpots, fitSpot, type FitOptions, type FitStart } from './measure/fit.js';
export { fitSpots3D, fitSpot3D, type Fit3dOptions, type FitStart3D, type SpotFit3D } from './measure/fit3d.js';
export { measureSpots, type MeasureOptions } from './measure/spots.js';
export { cellOf, assignCells, cellTable, checkMask, toLabelImage, type LabelImage } from './measure/cells.js';
export { diskIntensity, localSignal, type PlaneLike, type IntensityMethod } from './measure/intensity.js';
export {
  crlbGaussian2D,
  fisherGaussian2D,
  crlbGaussian3D,
  fisherGaussian3D,
  type CrlbOptions,
  type CrlbResult,
  type Crlb3dOptions,
  type Crlb3dResult,
} from './measure/crlb.js';

// write
export { resultTable as spotTable, resultCellTable } from './pipeline/table.js';
export { loadMask } from './pipeline/predict.js';
// chunk-wise runs: the I-th of N parts of an image, and their merge into the whole run's result
export {
  predictPart,
  measureImageGlobals,
  parseImageGlobals,
  mergeParts,
  mergePartFiles,
  parsePartFile,
  partCore,
  PART_FORMAT,
  type PartRequest,
  type PartResult,
  type PartFile,
  type ImageGlobals,
} from './pipeline/parts.js';
export { formatCsv, writeCsv, type Table, type Cell } from './io/csv.js';
export { RunRecord, checkReplace, recordedOutputs, type Provenance, type ProvenanceOutput, type RunRecordInit } from './io/provenance.js';

// formats other tools read: TrackMate XML (written and read), napari points CSV, x/y/z/gene TSV
export { EXPORT_FORMATS, EXPORT_SUFFIXES, formatSpots, parseExportFormats, type ExportFormat, type ExportOptions } from './io/export/format.js';
export { exportUnits, type ExportSet, type ExportSpot, type ExportUnits } from './io/export/set.js';
export {
  formatTrackMateXml,
  parseTrackMateXml,
  readTrackMateXml,
  TRACKMATE_FILE_VERSION,
  type TrackMateWriteOptions,
  type TrackMateReadOptions,
  type TrackMateData,
  type TrackMateSpot,
  type TrackMateTrack,
} from './io/export/trackmate.js';
export { formatNapariPoints, napariAxes, formatSpotTsv, type SpotTsvOptions } from './io/export/tables.js';
export { resultExportSet } from './pipeline/export.js';

// simulate
export { simulateImage, simToPlane, defaultSimParams, type SimParams, type SimResult, type SimSpot, type Placement } from './simulate/simulate.js';
export { simulateStack, addSpot3D, defaultSim3dParams, resolveSim3dParams, type Sim3dParams, type Sim3dResult, type Sim3dSpot } from './simulate/simulate3d.js';
export { simulateScene, beadPsf, type Scene, type SceneKnobs, type SceneSpot, type EmpiricalPsf } from './simulate/scenes.js';

// evaluate
export {
  computeMetrics,
  pointsMatching,
  computeMetrics3d,
  pointsMatching3d,
  axisErrors,
  scalePoints,
  type VoxelSize,
  type AxisError,
  type AxisErrors,
  type Metrics3dOptions,
  type Metrics3dResult,
  type Matching3dOptions,
  type MetricsResult,
  type MetricsOptions,
  type ImageMatching,
  type MatchingOptions,
  type ScaleOptions,
  type PlaneIds,
  type MatchProgress,
} from './evaluate/metrics.js';
export { tablePlanes, scoreImage, scoreImage3d, poolAxisErrors, type Score3dOptions, type ScoreOptions } from './evaluate/evaluate.js';
export { evaluateFiles, pairFiles, scoreTable, type EvaluateFilesOptions, type EvaluateFilesResult, type EvaluateEvent } from './evaluate/files.js';
export type { ImageScore, Summary } from './evaluate/evaluate.js';

// colocalize: two spot sets (e.g. channels)
export { colocalize, type ColocalizeOptions, type ColocalizeResult, type ColocPair } from './colocalize/colocalize.js';
export { simulateColocalized, type SimColocOptions, type SimColoc } from './colocalize/simulate.js';

// datasets: build from images + labels, or simulate
export { createDataset, type CreateDatasetOptions, type CreateDatasetResult } from './dataset/create.js';
export {
  simulateFiles,
  simulateDataset,
  simulateScenesDataset,
  simulateStackFiles,
  type SimulateStackOptions,
  type SimulateOptions,
  type SimulateDatasetOptions,
  type SimulateScenesOptions,
  type SimulateFilesResult,
} from './dataset/simulate.js';
export type { DatasetManifest, DatasetEvent, DatasetItem, SplitName } from './dataset/dataset.js';
export type { ItemEvent, ItemFailure, MessageEvent } from './core/progress.js';

// track: link spots over time (LAP with gap closing), per-track statistics, simulated tracks, ISBI scores, detection in a movie
export { linkTracks, trackStats, MSD_LAGS, type TrackPoint, type TrackFrame, type TrackLinkOptions, type TrackStats } from './track/track.js';
export { simulateTracks, defaultTrackSimParams, type TrackSimParams, type TrackSimResult, type TrackTruth } from './track/simulate.js';
export { scoreTracks, trackDistance, groupTracks, type TrackScores, type TrackScoreOptions, type TrackPair } from './track/score.js';
export { detectFrames, timeSeriesAxes, type FrameDetectionOptions, type FrameDetections } from './track/movie.js';
export { readTrackTable, parseTrackTable, tracksTable, trackExportSet, type TrackTable, type TrackExportOptions } from './track/table.js';

// view: the local server behind `deepblink view` (the page itself is built into dist/viewer/)
export { startViewer, type ViewerOptions, type RunningViewer } from './view/server.js';

// train (the ML framework loads on the first call, not at import)
export { loadConfigFile, resolveConfig, type TrainConfig } from './train/config.js';
export type { TrainOptions, TrainEvent, TrainResult } from './train/train.js';
export type { AugmentOptions } from './train/augment.js';
export type { LogRow } from './train/checkpoint.js';
export type { LossName } from './engine/engine.js';

/**
 * Trains a network as `cfg` says (see `deepblink config` for a commented configuration, and
 * resolveConfig / loadConfigFile to make one). Progress comes as events through
 * `opts.onEvent`; `opts.signal` stops the run after the current step with a resumable
 * checkpoint. Resolves with the model file and its card.
 */
export async function train(cfg: TrainConfigT, opts: TrainOptionsT = {}): Promise<TrainResultT> {
  const m = await import('./train/train.js');
  return m.train(cfg, opts);
}
