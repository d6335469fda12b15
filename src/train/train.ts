/**
 * The training loop of `deepblink train`: dataset → normalise (per-crop z-score as the
 * original, or noise units) → augment (training batches only) → encode grid targets → engine step; per epoch a
 * validation pass (loss and deepBlink F1-integral), a CSV log line, the best model by validation
 * loss saved as a model file, and a checkpoint for resuming. At the end the probability
 * threshold that maximises the validation F1-integral is stored in the model.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { TrainConfig } from './config.js';
import { loadSplit, readManifest, type DatasetEntry, type DatasetManifest } from '../dataset/dataset.js';
import { networkSpec, inputMultiple, type NetworkSpec } from '../network/spec.js';
import { checkWeights } from '../network/weights.js';
import type { Batch, TrainEngine, WeightMap } from '../engine/engine.js';
import { createTfjsEngine } from '../engine/tfjs.js';
import { augment } from './augment.js';
import { encodeSpots, detectSpots } from '../network/grid-spots.js';
import { computeMetrics } from '../evaluate/metrics.js';
import { Rng } from '../math/rng.js';
import { loadModel, makeCard, modelPredictor, saveModel, type LoadedModel, type ModelCard, type Normalization } from '../model/model.js';
import { gaussianMaskCentroid } from '../measure/centroid.js';
import { simulateScene, type SceneKnobs } from '../simulate/scenes.js';
import { detectNeural } from '../detect/neural.js';
import { normalizePlane, refinesByDefault } from '../preprocess/normalize.js';
import { tilingFor } from '../preprocess/tiles.js';
import { resolveModel } from '../model/bundled.js';
import { loadCheckpoint, saveCheckpoint, type Checkpoint, type LogRow } from './checkpoint.js';
import { formatCsv } from '../io/csv.js';
import { writeFileAtomic } from '../io/atomic.js';
import { UserError } from '../core/errors.js';
import type { MessageEvent } from '../core/progress.js';
import type { Point } from '../core/types.js';

/** How `train` runs and reports. */
export interface TrainOptions {
  /** Continue from the run's checkpoint (a missing one only warns). */
  resume?: boolean;
  /** Start over even if a checkpoint of this run exists. */
  force?: boolean;
  /** Receives the run's progress (see TrainEvent). */
  onEvent?: (e: TrainEvent) => void;
  /** Stops the run before its next step (the checkpoint of the last complete epoch is kept). */
  signal?: AbortSignal;
}

/**
 * Progress of a training run, in this order: 'info'/'warn' messages while it is set up, 'start',
 * then per epoch 'epochStart', one 'step' per optimiser step and 'epoch' (its CSV log row, after
 * the model, log and checkpoint are saved), then 'threshold' and 'done'. A resumed run starts
 * at epoch `firstEpoch` (beyond `epochs` when nothing is left to train).
 */
export type TrainEvent =
  | MessageEvent
  | {
      type: 'start';
      firstEpoch: number;
      epochs: number;
      stepsPerEpoch: number;
      batchSize: number;
      trainCrops: number;
      validCrops: number;
      /** Crop size in px. */
      size: number;
      /** The engine's backend (e.g. 'wasm'). */
      backend: string;
      modelFile: string;
      /** The checkpoint (`resume` continues from it) and the CSV log. */
      checkpointFile: string;
      logFile: string;
    }
  | { type: 'epochStart'; epoch: number; epochs: number; steps: number }
  /** `loss`: the mean training loss of the epoch's steps so far; `seconds`: since the epoch started. */
  | { type: 'step'; epoch: number; epochs: number; step: number; steps: number; loss: number; seconds: number }
  /**
   * `best`: lowest validation loss so far (the model file was saved). `seconds`: the epoch's
   * wall time (training, validation, saving); `secondsLeft`: the estimated time of the epochs
   * still to run (their count × the mean epoch time of this session).
   */
  | { type: 'epoch'; epochs: number; row: LogRow; best: boolean; seconds: number; secondsLeft: number }
  /** The threshold chosen on the validation crops, stored in the model file. */
  | { type: 'threshold'; threshold: number; f1Integral: number; modelFile: string }
  | { type: 'done'; result: TrainResult };

/** What `train` made: the model file (best epoch, with its threshold), its card and the CSV log rows. */
export interface TrainResult {
  modelFile: string;
  card: ModelCard;
  log: LogRow[];
}

export interface Sample {
  x: Float32Array;
  points: Point[];
}

export const THRESHOLDS = Array.from({ length: 19 }, (_, i) => Math.round((0.05 + 0.05 * i) * 100) / 100);

function toSamples(entries: DatasetEntry[], split: string, dataset: string, m: number, norm: Normalization): { samples: Sample[]; size: number } {
  if (entries.length === 0) throw new UserError(`the '${split}' split is empty`, dataset);
  const size = entries[0].plane.height;
  for (const e of entries) {
    if (e.plane.height !== size || e.plane.width !== size) {
      throw new UserError(`all crops must be square and of one size; found ${e.plane.height}×${e.plane.width} and ${size}×${size}`, dataset);
    }
  }
  if (size % m !== 0) throw new UserError(`crop size ${size} is not a multiple of ${m}, required by this network`, dataset);
  return { samples: entries.map((e) => ({ x: normalizePlane(e.plane, norm), points: e.points })), size };
}

/** Packs normalised crops and their spots into an engine batch (grid targets, label smoothing). */
export function makeBatch(samples: Sample[], size: number, cell: number, smooth: number): Batch {
  const n = samples.length;
  const g = size / cell;
  const x = new Float32Array(n * size * size);
  const y = new Float32Array(n * g * g * 3);
  samples.forEach((s, k) => {
    x.set(s.x, k * size * size);
    const grid = encodeSpots(s.points, size, size, cell);
    for (let i = 0; i < grid.data.length; i += 3) {
      const p = grid.data[i];
      y[k * g * g * 3 + i] = p > 0 ? smooth : 1 - smooth;
      y[k * g * g * 3 + i + 1] = grid.data[i + 1];
      y[k * g * g * 3 + i + 2] = grid.data[i + 2];
    }
  });
  return { x, y, n, height: size, width: size };
}

/** Network outputs for every sample (inference mode), in batches. */
async function outputs(engine: TrainEngine, samples: Sample[], size: number, batchSize: number): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < samples.length; i += batchSize) {
    const part = samples.slice(i, i + batchSize);
    const x = new Float32Array(part.length * size * size);
    part.forEach((s, k) => x.set(s.x, k * size * size));
    const y = await engine.predict(x, part.length, size, size);
    const per = y.length / part.length;
    for (let k = 0; k < part.length; k++) out.push(y.slice(k * per, (k + 1) * per));
  }
  return out;
}

/**
 * Mean F1-integral (and F1@3, RMSE) of decoded outputs against the truth. deepBlink's F1 of a
 * crop without spots is 0 whatever is marked; with `emptyCounts`, such a crop scores 1 when
 * nothing is marked and 0 otherwise, so the threshold search also pays for false marks on
 * empty crops.
 */
export function scoreOutputs(outs: Float32Array[], samples: Sample[], size: number, cell: number, threshold: number, emptyCounts = false, refine = false) {
  const g = size / cell;
  let f1i = 0;
  let f13 = 0;
  let rmse = 0;
  let nr = 0;
  outs.forEach((o, k) => {
    let pred = detectSpots({ data: o, nrow: g, ncol: g }, cell, threshold).points;
    if (refine) pred = pred.map(([r, c]) => gaussianMaskCentroid(samples[k].x, size, size, r, c));
    if (emptyCounts && samples[k].points.length === 0) {
      f1i += pred.length === 0 ? 1 : 0;
      f13 += pred.length === 0 ? 1 : 0;
      return;
    }
    const m = computeMetrics(pred, samples[k].points);
    f1i += m.f1Integral;
    f13 += m.f1AtMdist;
    if (Number.isFinite(m.rmseAtMdist)) {
      rmse += m.rmseAtMdist;
      nr++;
    }
  });
  return { f1Integral: f1i / outs.length, f1At3: f13 / outs.length, rmse: nr ? rmse / nr : NaN };
}

/**
 * The probability threshold with the best mean F1-integral on validation crops, decoded as
 * `predict` decodes them (neighbouring cells joined, positions refined when `refine`); crops
 * without spots score 1 when nothing is marked (see scoreOutputs). Ties keep 0.5.
 */
export function searchThreshold(outs: Float32Array[], samples: Sample[], size: number, cell: number, refine: boolean) {
  const search = THRESHOLDS.map((t) => ({ threshold: t, f1Integral: scoreOutputs(outs, samples, size, cell, t, true, refine).f1Integral }));
  let pick = search.find((s) => s.threshold === 0.5)!;
  for (const s of search) if (s.f1Integral > pick.f1Integral + 1e-9) pick = s;
  return { pick, search, final: scoreOutputs(outs, samples, size, cell, pick.threshold, true, refine) };
}

/** Noise-only validation images for the false-spot constraint: flat, cells, texture; 2–1000 photons/px; 8-bit, sCMOS, EMCCD. */
const NOISE_KNOBS: Partial<SceneKnobs>[] = [
  { background: 'flat', level: 3, texture: 0, camera: 0 },
  { background: 'flat', level: 800, texture: 0, camera: 1 },
  { background: 'flat', level: 20, texture: 0, camera: 2 },
  { background: 'cells', level: 50, texture: 0, camera: 1 },
  { background: 'cells', level: 200, texture: 0, camera: 0 },
  { background: 'cells', level: 80, texture: 1, camera: 2 },
  { background: 'flat', level: 15, texture: 1, camera: 0 },
  { background: 'flat', level: 300, texture: 1, camera: 1 },
];

/**
 * False spots per megapixel of a model on noise-only images (NOISE_KNOBS, 512², seeds below
 * the benchmark's), for each threshold.
 */
export async function falseSpotsPerMegapixel(model: LoadedModel, thresholds: number[], seed = 4600): Promise<number[]> {
  const fp = thresholds.map(() => 0);
  const predictor = await modelPredictor(model, 1);
  try {
    for (const [k, knobs] of NOISE_KNOBS.entries()) {
      const s = simulateScene(seed, k, 512, [], { ...knobs, density: 0, distractors: false, processing: 'none' });
      const plane = { data: s.image, height: 512, width: 512 };
      for (const [i, t] of thresholds.entries()) {
        fp[i] += (await detectNeural(plane, model.spec, predictor, { threshold: t, normalization: model.card.normalization, ...tilingFor(model.spec) })).length;
      }
    }
  } finally {
    await predictor.dispose();
  }
  const mp = (NOISE_KNOBS.length * 512 * 512) / 1e6;
  return fp.map((n) => n / mp);
}

/**
 * Re-selects the stored threshold of a model file on a dataset's validation split with the
 * current decoding (searchThreshold) and rewrites the file's card (threshold, validation scores).
 * With `maxFalsePerMP`, the threshold is then raised, if needed, to the lowest one of THRESHOLDS
 * that gives at most that many false spots per megapixel on noise-only images
 * (falseSpotsPerMegapixel): a limit on marks in empty regions, chosen before any benchmark.
 */
export async function retuneThreshold(modelFile: string, dataset: string, maxFalsePerMP?: number): Promise<ModelCard> {
  const model = await loadModel(modelFile);
  const va = toSamples(await loadSplit(dataset, 'valid'), 'valid', dataset, inputMultiple(model.spec), model.card.normalization);
  const predictor = await modelPredictor(model, 1);
  const outs: Float32Array[] = [];
  for (const s of va.samples) outs.push(await predictor.run(s.x, va.size, va.size));
  await predictor.dispose();
  const refine = refinesByDefault(model.card.normalization);
  const { pick, search } = searchThreshold(outs, va.samples, va.size, model.spec.config.cellSize, refine);
  let threshold = pick.threshold;
  let noiseOnly: { threshold: number; falsePerMP: number }[] | undefined;
  if (maxFalsePerMP !== undefined) {
    const fp = await falseSpotsPerMegapixel(model, THRESHOLDS);
    noiseOnly = THRESHOLDS.map((t, i) => ({ threshold: t, falsePerMP: Math.round(fp[i] * 100) / 100 }));
    const ok = noiseOnly.find((r) => r.threshold >= pick.threshold && r.falsePerMP <= maxFalsePerMP);
    threshold = ok ? ok.threshold : THRESHOLDS[THRESHOLDS.length - 1];
  }
  const final = scoreOutputs(outs, va.samples, va.size, model.spec.config.cellSize, threshold, true, refine);
  const card: ModelCard = {
    ...model.card,
    threshold,
    thresholdSource: threshold > pick.threshold ? 'noise-limit' : 'validation-f1',
    scores: {
      ...model.card.scores,
      valid: { images: va.samples.length, ...final, loss: model.card.scores?.valid?.loss },
      thresholdSearch: search,
      ...(noiseOnly ? { noiseOnly, maxFalsePerMP } : {}),
    },
  };
  return saveModel(modelFile, model.spec, model.weights, card);
}

/** Learning rate of an epoch (1-based): constant, or cosine from `lr` (epoch 1) to lr/100 (last epoch). */
export function scheduledRate(lr: number, schedule: 'constant' | 'cosine', epoch: number, epochs: number): number {
  if (schedule === 'constant' || epochs <= 1) return lr;
  const lo = lr / 100;
  const f = Math.min(1, Math.max(0, (epoch - 1) / (epochs - 1)));
  return lo + 0.5 * (lr - lo) * (1 + Math.cos(Math.PI * f));
}

/** The data of a run: both splits normalised, and what the network needs to know of them. */
interface RunData {
  manifest: DatasetManifest;
  spec: NetworkSpec;
  cell: number;
  normalization: Normalization;
  tr: { samples: Sample[]; size: number };
  va: { samples: Sample[]; size: number };
  /** Crop size (train = valid). */
  size: number;
}

/** Where a run keeps its results: SAVEDIR/RUN.onnx, RUN.ckpt, RUN.log.csv. */
interface RunFiles {
  model: string;
  checkpoint: string;
  log: string;
}

/** Progress of a run that a checkpoint carries over to a resumed run. */
interface RunState {
  /** First epoch to run (1-based). */
  start: number;
  rows: LogRow[];
  best: number;
  bestEpoch: number;
  steps: number;
  /** Seconds spent before this session (resumed runs). */
  secondsBefore: number;
}

/** Everything one training session works with. */
interface Run {
  cfg: TrainConfig;
  data: RunData;
  files: RunFiles;
  fingerprint: string;
  engine: TrainEngine;
  state: RunState;
  batchSize: number;
  /** Optimiser steps per epoch. */
  perEpoch: number;
  /** Start of this session (Date.now()). */
  t0: number;
  emit: (e: TrainEvent) => void;
  signal?: AbortSignal;
  /** Wall time of each epoch of this session (for the time left). */
  epochSeconds: number[];
}

/** Reads the dataset and normalises both splits (all crops square, of one size fitting the network). */
async function loadData(cfg: TrainConfig, emit: (e: TrainEvent) => void): Promise<RunData> {
  const manifest = await readManifest(cfg.dataset);
  const spec = networkSpec(cfg.network);
  const m = inputMultiple(spec);
  const normalization: Normalization = { method: cfg.normalization };
  const tr = toSamples(await loadSplit(cfg.dataset, 'train'), 'train', cfg.dataset, m, normalization);
  const va = toSamples(await loadSplit(cfg.dataset, 'valid'), 'valid', cfg.dataset, m, normalization);
  if (va.size !== tr.size) throw new UserError(`valid crops are ${va.size} px, train crops ${tr.size} px`, cfg.dataset);
  const size = tr.size;
  emit({ type: 'info', message: `dataset ${cfg.dataset}: ${tr.samples.length} train, ${va.samples.length} valid crops of ${size}×${size}` });
  return { manifest, spec, cell: spec.config.cellSize, normalization, tr, va, size };
}

/**
 * Identifies the run's architecture and data (not their paths), so a checkpoint can be resumed
 * elsewhere on a re-generated copy of the same dataset.
 */
function fingerprintOf(cfg: TrainConfig, data: RunData): string {
  return JSON.stringify({
    network: data.spec.config,
    size: data.size,
    train: data.tr.samples.length,
    seed: data.manifest.seed,
    // only when not the original's, so checkpoints made before these options still resume
    ...(cfg.normalization !== 'zscore' ? { normalization: cfg.normalization } : {}),
    ...(cfg.loss !== 'combined_dice_rmse' ? { loss: cfg.loss } : {}),
  });
}

/** The training engine: fresh weights from the seed, or those of `train.pre_train` (fine-tuning). */
async function createEngine(cfg: TrainConfig, spec: NetworkSpec, emit: (e: TrainEvent) => void): Promise<TrainEngine> {
  let weights: WeightMap | undefined;
  if (cfg.train.pre_train) {
    const pre = await loadModel(resolveModel(cfg.train.pre_train));
    try {
      checkWeights(spec, pre.weights);
    } catch (err) {
      throw new UserError(`pre-trained model does not match the configured network (${(err as Error).message})`, cfg.train.pre_train);
    }
    weights = pre.weights;
    emit({ type: 'info', message: `fine-tuning from ${cfg.train.pre_train}` });
  }
  const engine = await createTfjsEngine(spec, {
    optimizer: { name: cfg.optimizer, learningRate: cfg.train.learning_rate },
    seed: cfg.seed,
    weights,
    loss: cfg.loss,
  });
  emit({ type: 'info', message: `engine: tfjs ${engine.backend}` });
  return engine;
}

/**
 * With `resume`, restores the engine and the run's progress from the checkpoint (which must be
 * of this network and dataset); without, an existing checkpoint is an error unless `force`.
 */
async function restore(engine: TrainEngine, file: string, fingerprint: string, opts: TrainOptions, emit: (e: TrainEvent) => void): Promise<RunState> {
  const state: RunState = { start: 1, rows: [], best: Infinity, bestEpoch: 0, steps: 0, secondsBefore: 0 };
  if (existsSync(file)) {
    if (opts.resume) {
      const ck: Checkpoint = await loadCheckpoint(file);
      if (ck.fingerprint !== fingerprint) throw new UserError('checkpoint belongs to a different network or dataset; use --force to start over', file);
      engine.setWeights(ck.weights);
      engine.setOptimizerState(ck.optimizer);
      state.start = ck.epoch + 1;
      state.rows = ck.log;
      state.best = ck.bestValLoss;
      state.bestEpoch = ck.bestEpoch;
      state.steps = ck.steps;
      state.secondsBefore = ck.seconds;
      emit({ type: 'info', message: `resuming after epoch ${ck.epoch}` });
    } else if (!opts.force) {
      throw new UserError('a checkpoint of this run exists: add --resume to continue it, or --force to start over', file);
    }
  } else if (opts.resume) {
    emit({ type: 'warn', message: `no checkpoint ${file}; starting from scratch` });
  }
  return state;
}

/** The model card of the run as it stands. */
function cardOf(run: Run, threshold: number, extra: Partial<ModelCard> = {}): ModelCard {
  const { cfg, data, state } = run;
  return makeCard({
    name: cfg.name,
    network: data.spec.config,
    threshold,
    normalization: data.normalization,
    description: `trained on ${path.basename(cfg.dataset)}: ${data.manifest.description || 'no description'}`,
    training: {
      dataset: path.basename(cfg.dataset),
      datasetDescription: data.manifest.description,
      epochs: state.rows.length ? state.rows[state.rows.length - 1].epoch : 0,
      bestEpoch: state.bestEpoch,
      steps: state.steps,
      seconds: Math.round(state.secondsBefore + (Date.now() - run.t0) / 1000),
      // no local folders in the card: the dataset's and the pre-trained model's file names only
      config: {
        ...cfg,
        dataset: path.basename(cfg.dataset),
        savedir: undefined,
        train: { ...cfg.train, pre_train: cfg.train.pre_train === null ? null : path.basename(cfg.train.pre_train) },
      },
    },
    ...extra,
  });
}

/** The optimiser steps of one epoch (seeded shuffle and augmentation); mean training loss parts. */
async function trainEpoch(run: Run, epoch: number): Promise<{ loss: number; dice: number; rmse: number }> {
  const { cfg, data, engine, batchSize, perEpoch, emit } = run;
  const { tr, size, cell } = data;
  engine.setLearningRate(scheduledRate(cfg.train.learning_rate, cfg.train.lr_schedule, epoch, cfg.train.epochs));
  const order = tr.samples.map((_, i) => i);
  const shuffle = new Rng(cfg.seed, 1000 + epoch);
  for (let i = order.length - 1; i > 0; i--) {
    const j = shuffle.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const aug = new Rng(cfg.seed, 100000 + epoch);
  emit({ type: 'epochStart', epoch, epochs: cfg.train.epochs, steps: perEpoch });
  let sl = 0;
  let sd = 0;
  let sr = 0;
  const t0 = Date.now();
  for (let b = 0; b < perEpoch; b++) {
    // let signals (Ctrl-C → the caller's abort) and I/O in between steps
    await new Promise((resolve) => setImmediate(resolve));
    run.signal?.throwIfAborted();
    const idx = cfg.train.overfit ? order.slice(0, batchSize).map((_, k) => k) : order.slice(b * batchSize, (b + 1) * batchSize);
    const samples = idx.map((i) => {
      const s = tr.samples[i];
      const a = augment(s.x, size, s.points, cfg.augmentation, aug, cell);
      return { x: a.img, points: a.points };
    });
    const parts = await engine.trainStep(makeBatch(samples, size, cell, cfg.train.smooth_factor));
    if (!Number.isFinite(parts.loss)) throw new UserError(`training diverged at epoch ${epoch} (loss ${parts.loss}); lower the learning rate`);
    sl += parts.loss;
    sd += parts.dice;
    sr += parts.rmse;
    run.state.steps++;
    emit({ type: 'step', epoch, epochs: cfg.train.epochs, step: b + 1, steps: perEpoch, loss: sl / (b + 1), seconds: (Date.now() - t0) / 1000 });
  }
  return { loss: sl / perEpoch, dice: sd / perEpoch, rmse: sr / perEpoch };
}

/** Validation: loss, and F1-integral (and F1@3 px, RMSE) at threshold 0.5. */
async function validate(run: Run): Promise<{ loss: number; score: ReturnType<typeof scoreOutputs> }> {
  const { engine, batchSize } = run;
  const { va, size, cell } = run.data;
  let vl = 0;
  let vn = 0;
  for (let i = 0; i < va.samples.length; i += batchSize) {
    const part = va.samples.slice(i, i + batchSize);
    const r = await engine.evaluate(makeBatch(part, size, cell, 1));
    vl += r.loss * part.length;
    vn += part.length;
  }
  const outs = await outputs(engine, va.samples, size, batchSize);
  return { loss: vl / vn, score: scoreOutputs(outs, va.samples, size, cell, 0.5) };
}

/** Records an epoch: the model when best by validation loss, the CSV log and the checkpoint. */
async function recordEpoch(run: Run, row: LogRow, score: ReturnType<typeof scoreOutputs>): Promise<boolean> {
  const { engine, files, state, data } = run;
  state.rows.push(row);
  const improved = row.val_loss < state.best;
  if (improved) {
    state.best = row.val_loss;
    state.bestEpoch = row.epoch;
    await saveModel(
      files.model,
      data.spec,
      engine.getWeights(),
      // the threshold search comes at the end: until then the file says its 0.5 is uncalibrated
      cardOf(run, 0.5, { thresholdSource: 'default', scores: { valid: { images: data.va.samples.length, ...score, loss: row.val_loss } } }),
    );
  }
  const cols = Object.keys(row) as (keyof LogRow)[];
  await writeFileAtomic(
    files.log,
    formatCsv({ columns: cols, rows: state.rows.map((r) => cols.map((c) => r[c])), decimals: Object.fromEntries(cols.map((c) => [c, 6])) }),
  );
  await saveCheckpoint(files.checkpoint, {
    epoch: row.epoch,
    steps: state.steps,
    seconds: state.secondsBefore + (Date.now() - run.t0) / 1000,
    bestValLoss: state.best,
    bestEpoch: state.bestEpoch,
    log: state.rows,
    fingerprint: run.fingerprint,
    weights: engine.getWeights(),
    optimizer: engine.getOptimizerState(),
  });
  return improved;
}

/** One epoch: train, validate, record. */
async function runEpoch(run: Run, epoch: number): Promise<void> {
  const te = Date.now();
  const t = await trainEpoch(run, epoch);
  const v = await validate(run);
  const row: LogRow = {
    epoch,
    train_loss: t.loss,
    train_dice: t.dice,
    train_rmse: t.rmse,
    val_loss: v.loss,
    val_f1_integral: v.score.f1Integral,
    val_f1_at_3px: v.score.f1At3,
    seconds: (Date.now() - te) / 1000,
  };
  const best = await recordEpoch(run, row, v.score);
  const seconds = (Date.now() - te) / 1000;
  run.epochSeconds.push(seconds);
  const mean = run.epochSeconds.reduce((a, b) => a + b, 0) / run.epochSeconds.length;
  run.emit({ type: 'epoch', epochs: run.cfg.train.epochs, row, best, seconds, secondsLeft: Math.max(0, run.cfg.train.epochs - epoch) * mean });
}

/** The best model's threshold search on the validation crops; rewrites the model file with it. */
async function finish(run: Run): Promise<ModelCard> {
  const { engine, files, data, batchSize } = run;
  const { va, size, cell } = data;
  if (!existsSync(files.model)) throw new UserError('no model was saved (no epoch ran)', files.model);
  const bestModel = await loadModel(files.model);
  engine.setWeights(bestModel.weights);
  const outs = await outputs(engine, va.samples, size, batchSize);
  const { pick, search, final } = searchThreshold(outs, va.samples, size, cell, refinesByDefault(data.normalization));
  const card = cardOf(run, pick.threshold, {
    thresholdSource: 'validation-f1',
    scores: { valid: { images: va.samples.length, ...final, loss: run.state.best }, thresholdSearch: search },
  });
  const saved = await saveModel(files.model, bestModel.spec, bestModel.weights, card);
  run.emit({ type: 'threshold', threshold: pick.threshold, f1Integral: final.f1Integral, modelFile: files.model });
  return saved;
}

/**
 * Trains the network of `cfg` on its dataset (see the file's head). Writes SAVEDIR/RUN.onnx
 * (best epoch by validation loss, with the chosen threshold), RUN.log.csv and RUN.ckpt (after
 * every epoch, for `resume`). Reports progress only through `opts.onEvent`; never writes to the
 * terminal. When `opts.signal` aborts, the run stops before the next step with the signal's
 * reason; the checkpoint of the last complete epoch is kept, so the run can be resumed.
 */
export async function train(cfg: TrainConfig, opts: TrainOptions = {}): Promise<TrainResult> {
  const emit = opts.onEvent ?? (() => undefined);
  const t0 = Date.now();
  const data = await loadData(cfg, emit);
  mkdirSync(cfg.savedir, { recursive: true });
  const files: RunFiles = {
    model: path.join(cfg.savedir, `${cfg.run_name}.onnx`),
    checkpoint: path.join(cfg.savedir, `${cfg.run_name}.ckpt`),
    log: path.join(cfg.savedir, `${cfg.run_name}.log.csv`),
  };
  const fingerprint = fingerprintOf(cfg, data);
  const engine = await createEngine(cfg, data.spec, emit);
  try {
    const state = await restore(engine, files.checkpoint, fingerprint, opts, emit);
    const batchSize = Math.min(cfg.train.batch_size, data.tr.samples.length);
    if (batchSize < cfg.train.batch_size) emit({ type: 'warn', message: `only ${data.tr.samples.length} training crops: batch size ${batchSize}` });
    const perEpoch = cfg.train.overfit ? 1 : Math.floor(data.tr.samples.length / batchSize);
    const run: Run = { cfg, data, files, fingerprint, engine, state, batchSize, perEpoch, t0, emit, signal: opts.signal, epochSeconds: [] };
    emit({
      type: 'start',
      firstEpoch: state.start,
      epochs: cfg.train.epochs,
      stepsPerEpoch: perEpoch,
      batchSize,
      trainCrops: data.tr.samples.length,
      validCrops: data.va.samples.length,
      size: data.size,
      backend: engine.backend,
      modelFile: files.model,
      checkpointFile: files.checkpoint,
      logFile: files.log,
    });
    for (let epoch = state.start; epoch <= cfg.train.epochs; epoch++) await runEpoch(run, epoch);
    opts.signal?.throwIfAborted();
    const card = await finish(run);
    const result: TrainResult = { modelFile: files.model, card, log: state.rows };
    emit({ type: 'done', result });
    return result;
  } finally {
    engine.dispose();
  }
}
