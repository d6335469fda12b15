/**
 * The training loop of `deepblink train`: dataset → normalise (per-crop z-score as the
 * original, or noise units) → augment (training batches only) → encode grid targets → engine step; per epoch a
 * validation pass (loss and deepBlink F1-integral), a CSV log line, the best model by validation
 * loss saved as a model file, and a checkpoint for resuming. At the end the probability
 * threshold that maximises the validation F1-integral is stored in the model.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { TrainConfig } from './config.js';
import { loadSplit, readManifest, type DatasetEntry } from '../dataset/dataset.js';
import { networkSpec, inputMultiple } from '../network/spec.js';
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
import type { Log } from '../cli/common.js';
import type { Point } from '../core/types.js';

export interface TrainOptions {
  resume: boolean;
  force: boolean;
  log: Log;
  /** Show a progress bar (default: when stderr is a terminal). */
  progress?: boolean;
}

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
    scores: {
      ...model.card.scores,
      valid: { images: va.samples.length, ...final, loss: model.card.scores?.valid?.loss },
      thresholdSearch: search,
      ...(noiseOnly ? { noiseOnly, maxFalsePerMP } : {}),
    },
  };
  await saveModel(modelFile, model.spec, model.weights, card);
  return card;
}

/** Learning rate of an epoch (1-based): constant, or cosine from `lr` (epoch 1) to lr/100 (last epoch). */
export function scheduledRate(lr: number, schedule: 'constant' | 'cosine', epoch: number, epochs: number): number {
  if (schedule === 'constant' || epochs <= 1) return lr;
  const lo = lr / 100;
  const f = Math.min(1, Math.max(0, (epoch - 1) / (epochs - 1)));
  return lo + 0.5 * (lr - lo) * (1 + Math.cos(Math.PI * f));
}

export async function train(cfg: TrainConfig, opts: TrainOptions): Promise<TrainResult> {
  const { log } = opts;
  const t0 = Date.now();
  const manifest = await readManifest(cfg.dataset);
  const spec = networkSpec(cfg.network);
  const cell = spec.config.cellSize;
  const m = inputMultiple(spec);
  const normalization: Normalization = { method: cfg.normalization };
  const tr = toSamples(await loadSplit(cfg.dataset, 'train'), 'train', cfg.dataset, m, normalization);
  const va = toSamples(await loadSplit(cfg.dataset, 'valid'), 'valid', cfg.dataset, m, normalization);
  if (va.size !== tr.size) throw new UserError(`valid crops are ${va.size} px, train crops ${tr.size} px`, cfg.dataset);
  const size = tr.size;
  log.info(`dataset ${cfg.dataset}: ${tr.samples.length} train, ${va.samples.length} valid crops of ${size}×${size}`);

  mkdirSync(cfg.savedir, { recursive: true });
  const modelFile = path.join(cfg.savedir, `${cfg.run_name}.onnx`);
  const ckptFile = path.join(cfg.savedir, `${cfg.run_name}.ckpt`);
  const logFile = path.join(cfg.savedir, `${cfg.run_name}.log.csv`);
  // identifies the run's architecture and data (not their paths), so a checkpoint can be resumed
  // elsewhere on a re-generated copy of the same dataset
  const fingerprint = JSON.stringify({
    network: spec.config,
    size,
    train: tr.samples.length,
    seed: manifest.seed,
    // only when not the original's, so checkpoints made before these options still resume
    ...(cfg.normalization !== 'zscore' ? { normalization: cfg.normalization } : {}),
    ...(cfg.loss !== 'combined_dice_rmse' ? { loss: cfg.loss } : {}),
  });

  let weights: WeightMap | undefined;
  if (cfg.train.pre_train) {
    const pre = await loadModel(resolveModel(cfg.train.pre_train));
    try {
      checkWeights(spec, pre.weights);
    } catch (err) {
      throw new UserError(`pre-trained model does not match the configured network (${(err as Error).message})`, cfg.train.pre_train);
    }
    weights = pre.weights;
    log.info(`fine-tuning from ${cfg.train.pre_train}`);
  }
  const engine = await createTfjsEngine(spec, {
    optimizer: { name: cfg.optimizer, learningRate: cfg.train.learning_rate },
    seed: cfg.seed,
    weights,
    loss: cfg.loss,
  });
  log.info(`engine: tfjs ${engine.backend}`);

  let start = 1;
  let rows: LogRow[] = [];
  let best = Infinity;
  let bestEpoch = 0;
  let steps = 0;
  let secondsBefore = 0;
  if (existsSync(ckptFile)) {
    if (opts.resume) {
      const ck: Checkpoint = await loadCheckpoint(ckptFile);
      if (ck.fingerprint !== fingerprint) throw new UserError('checkpoint belongs to a different network or dataset; use --force to start over', ckptFile);
      engine.setWeights(ck.weights);
      engine.setOptimizerState(ck.optimizer);
      start = ck.epoch + 1;
      rows = ck.log;
      best = ck.bestValLoss;
      bestEpoch = ck.bestEpoch;
      steps = ck.steps;
      secondsBefore = ck.seconds;
      log.info(`resuming after epoch ${ck.epoch}`);
    } else if (!opts.force) {
      throw new UserError('a checkpoint of this run exists: add --resume to continue it, or --force to start over', ckptFile);
    }
  } else if (opts.resume) {
    log.warn(`no checkpoint ${ckptFile}; starting from scratch`);
  }

  const batchSize = Math.min(cfg.train.batch_size, tr.samples.length);
  if (batchSize < cfg.train.batch_size) log.warn(`only ${tr.samples.length} training crops: batch size ${batchSize}`);
  const perEpoch = cfg.train.overfit ? 1 : Math.floor(tr.samples.length / batchSize);
  const showBar = opts.progress ?? process.stderr.isTTY;
  const card = (threshold: number, extra: Partial<ModelCard> = {}): ModelCard =>
    makeCard({
      name: cfg.name,
      network: spec.config,
      threshold,
      normalization,
      description: `trained on ${path.basename(cfg.dataset)}: ${manifest.description || 'no description'}`,
      training: {
        dataset: path.basename(cfg.dataset),
        datasetDescription: manifest.description,
        epochs: rows.length ? rows[rows.length - 1].epoch : 0,
        bestEpoch,
        steps,
        seconds: Math.round(secondsBefore + (Date.now() - t0) / 1000),
        config: { ...cfg, dataset: path.basename(cfg.dataset), savedir: undefined },
      },
      ...extra,
    });

  for (let epoch = start; epoch <= cfg.train.epochs; epoch++) {
    const te = Date.now();
    engine.setLearningRate(scheduledRate(cfg.train.learning_rate, cfg.train.lr_schedule, epoch, cfg.train.epochs));
    const order = tr.samples.map((_, i) => i);
    const shuffle = new Rng(cfg.seed, 1000 + epoch);
    for (let i = order.length - 1; i > 0; i--) {
      const j = shuffle.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const aug = new Rng(cfg.seed, 100000 + epoch);
    const bar = showBar
      ? new cliProgress.SingleBar(
          { format: `epoch ${epoch}/${cfg.train.epochs} {bar} {value}/{total} loss {loss}`, stream: process.stderr, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
    bar?.start(perEpoch, 0, { loss: '—' });
    let sl = 0;
    let sd = 0;
    let sr = 0;
    for (let b = 0; b < perEpoch; b++) {
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
      steps++;
      bar?.update(b + 1, { loss: (sl / (b + 1)).toFixed(4) });
    }
    bar?.stop();
    // validation: loss and F1-integral at threshold 0.5
    let vl = 0;
    let vn = 0;
    for (let i = 0; i < va.samples.length; i += batchSize) {
      const part = va.samples.slice(i, i + batchSize);
      const r = await engine.evaluate(makeBatch(part, size, cell, 1));
      vl += r.loss * part.length;
      vn += part.length;
    }
    const outs = await outputs(engine, va.samples, size, batchSize);
    const score = scoreOutputs(outs, va.samples, size, cell, 0.5);
    const row: LogRow = {
      epoch,
      train_loss: sl / perEpoch,
      train_dice: sd / perEpoch,
      train_rmse: sr / perEpoch,
      val_loss: vl / vn,
      val_f1_integral: score.f1Integral,
      val_f1_at_3px: score.f1At3,
      seconds: (Date.now() - te) / 1000,
    };
    rows.push(row);
    const improved = row.val_loss < best;
    if (improved) {
      best = row.val_loss;
      bestEpoch = epoch;
      await saveModel(modelFile, spec, engine.getWeights(), card(0.5, { scores: { valid: { images: va.samples.length, ...score, loss: row.val_loss } } }));
    }
    const cols = Object.keys(row) as (keyof LogRow)[];
    await writeFileAtomic(logFile, formatCsv({ columns: cols, rows: rows.map((r) => cols.map((c) => r[c])), decimals: Object.fromEntries(cols.map((c) => [c, 6])) }));
    await saveCheckpoint(ckptFile, {
      epoch,
      steps,
      seconds: secondsBefore + (Date.now() - t0) / 1000,
      bestValLoss: best,
      bestEpoch,
      log: rows,
      fingerprint,
      weights: engine.getWeights(),
      optimizer: engine.getOptimizerState(),
    });
    log.progress(
      `epoch ${epoch}/${cfg.train.epochs}: loss ${row.train_loss.toFixed(4)}, val loss ${row.val_loss.toFixed(4)}, ` +
        `val F1-integral ${row.val_f1_integral.toFixed(3)}, ${row.seconds.toFixed(1)} s${improved ? ' (best, saved)' : ''}`,
    );
  }

  // threshold search on the best model
  if (!existsSync(modelFile)) throw new UserError('no model was saved (no epoch ran)', modelFile);
  const bestModel = await loadModel(modelFile);
  engine.setWeights(bestModel.weights);
  const outs = await outputs(engine, va.samples, size, batchSize);
  const { pick, search, final } = searchThreshold(outs, va.samples, size, cell, refinesByDefault(normalization));
  const finalCard = card(pick.threshold, {
    scores: { valid: { images: va.samples.length, ...final, loss: best }, thresholdSearch: search },
  });
  await saveModel(modelFile, bestModel.spec, bestModel.weights, finalCard);
  engine.dispose();
  log.progress(`threshold ${pick.threshold} (validation F1-integral ${final.f1Integral.toFixed(3)}) → ${modelFile}`);
  return { modelFile, card: finalCard, log: rows };
}

