/**
 * The viewer's page: one image (plane by plane for stacks) with contrast controls, the spots of
 * a model run in the page (or of a CSV) under a live threshold, ground-truth matching, and
 * exports. State lives here; the picture is viewport.ts, the detection detect.ts, and every
 * computation on spots is the CLI's own code (src/).
 */
import type { Plane, Spot } from '../../src/core/types.js';
import { computeMetrics, type MetricsResult } from '../../src/evaluate/metrics.js';
import { measureSpots } from '../../src/measure/spots.js';
import { resultTable } from '../../src/pipeline/table.js';
import { formatCsv, type Table } from '../../src/io/table.js';
import type { NeuralOutput } from '../../src/detect/neural.js';
import * as api from './api.js';
import { LUT_NAMES, lutTable, planeRange, renderRgba, type PlaneRange } from './contrast.js';
import { loadPageModel, runPlane, spotsAt, type PageModel } from './detect.js';
import { Viewport, type Mark } from './viewport.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** The fit the page runs: `deepblink predict --fit` with its defaults (7×7 window, σ fitted). */
const FIT = { halfWidth: 3 };
/** Automatic contrast: these percentiles of the plane. */
const AUTO_LOW = 0.5;
const AUTO_HIGH = 99.8;

interface State {
  session: api.Session;
  imageId: number;
  meta?: api.ImageMeta;
  c: number;
  t: number;
  z: number;
  plane?: Plane;
  range?: PlaneRange;
  lo: number;
  hi: number;
  lut: string;
  /** 'model:<id>' or 'csv'. */
  source: string;
  threshold: number;
  fit: boolean;
  cutoff: number;
  output?: NeuralOutput;
  spots: Spot[];
  csv?: api.SpotTable;
  truth?: api.SpotTable;
  truthPoints: [number, number][];
  metrics?: MetricsResult;
}

const S: State = {
  session: { version: '', images: [], models: [], defaultModel: '' },
  imageId: 0,
  c: 0,
  t: 0,
  z: 0,
  lo: 0,
  hi: 1,
  lut: 'gray',
  source: '',
  threshold: 0.5,
  fit: false,
  cutoff: 3,
  spots: [],
  truthPoints: [],
};

/** What tests and curious users can read: timings (ms since navigation) and the current state. */
const timings: Record<string, number> = {};
const debug = {
  timings,
  /**
   * Smoothness: `frames` animation frames of continuous zoom in and out about the centre with a
   * pan, drawn as the page draws them; returns frames per second and the slowest frame times.
   */
  zoomFrames: (frames = 120): Promise<{ fps: number; p50: number; p95: number }> =>
    new Promise((resolve) => {
      const times: number[] = [];
      let last = performance.now();
      let k = 0;
      const step = () => {
        const now = performance.now();
        if (k > 0) times.push(now - last);
        last = now;
        if (k++ >= frames) {
          view.fit();
          const sorted = [...times].sort((a, b) => a - b);
          const total = times.reduce((a, b) => a + b, 0);
          resolve({ fps: (1000 * times.length) / total, p50: sorted[Math.floor(sorted.length / 2)], p95: sorted[Math.floor(sorted.length * 0.95)] });
          return;
        }
        view.tx += k % 2 ? 3 : -2;
        view.zoom(k % 60 < 30 ? 1.08 : 1 / 1.08); // draws in the next frame, as a wheel event does
        requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    }),
  /** The canvas in device pixels (what the PNG snapshot holds). */
  canvasSize: (): [number, number] => [view.canvas.width, view.canvas.height],
  /** CSS px within the canvas of an image position (row, column). */
  canvasPoint: (y: number, x: number): [number, number] => {
    const [px, py] = view.toCanvas(y, x);
    const k = view.canvas.clientWidth / view.canvas.width;
    return [px * k, py * k];
  },
  state: () => ({
    image: S.meta?.name,
    plane: { c: S.c, t: S.t, z: S.z },
    source: S.source,
    threshold: S.threshold,
    count: S.spots.length,
    spots: S.spots.map((s) => [s.y, s.x, s.score]),
    metrics: S.metrics && { f1: S.metrics.f1AtMdist, f1Integral: S.metrics.f1Integral, precision: S.metrics.precisionAtMdist, recall: S.metrics.recallAtMdist },
    runtime: currentModel ? `onnxruntime-web (wasm, ${currentModel.threads} thread${currentModel.threads > 1 ? 's' : ''})` : undefined,
  }),
};
(window as unknown as { deepblink: typeof debug }).deepblink = debug;

const view = new Viewport($<HTMLCanvasElement>('canvas'));
const models = new Map<string, Promise<PageModel>>();
let currentModel: PageModel | undefined;
/** Network outputs by image, model and plane, most recent last (bounded: keepOutput). */
const outputs = new Map<string, NeuralOutput>();
/** Network outputs kept, in bytes (normalised tiles + grids; a 4096² plane's are ~110 MB). */
const MAX_OUTPUT_BYTES = 384 * 2 ** 20;

/** Keeps `output` as the most recent, then drops the oldest others until the kept bytes fit. */
function keepOutput(key: string, output: NeuralOutput): void {
  outputs.delete(key);
  outputs.set(key, output);
  const bytes = (o: NeuralOutput) => o.tiles.reduce((a, t) => a + t.input.byteLength + t.grid.byteLength, 0);
  let total = 0;
  for (const o of outputs.values()) total += bytes(o);
  for (const [k, o] of outputs) {
    if (total <= MAX_OUTPUT_BYTES || k === key) break;
    outputs.delete(k);
    total -= bytes(o);
  }
}
/** Fits by spot position (a fit depends on the plane and the start position only). */
let fits = new Map<string, Spot>();
let generation = 0;
/** The source whose threshold is in effect (switching source resets it: the model's own, or 0 for a CSV). */
let appliedSource = '';

function setState(s: 'loading' | 'detecting' | 'ready' | 'error'): void {
  document.body.dataset.state = s;
}

function status(msg: string): void {
  $('status').textContent = msg;
}

function showError(msg: string | undefined): void {
  const el = $('error');
  el.hidden = !msg;
  el.textContent = msg ?? '';
  if (msg) setState('error');
}

const fmt = (v: number, d = 2) => (Number.isInteger(v) ? String(v) : v.toFixed(d));

// ---------------------------------------------------------------------------------------------
// image and plane
// ---------------------------------------------------------------------------------------------

async function loadImage(id: number): Promise<void> {
  const gen = ++generation;
  S.imageId = id;
  setState('loading');
  status('reading the image…');
  // the first plane is asked for with the metadata (the server reads the file once)
  S.meta = undefined;
  S.plane = undefined;
  const name = S.session.images[id]?.name ?? `image ${id}`;
  const [meta, plane0] = await Promise.all([api.imageMeta(id), api.getPlane(id, 0, 0, 0)]).catch((err: Error) => {
    // one line naming the file, as the CLI says it
    throw new Error(`${name}: ${err.message}`);
  });
  timings.meta ??= performance.now();
  if (gen !== generation) return;
  S.meta = meta;
  S.c = S.t = S.z = 0;
  S.csv = undefined;
  S.truth = undefined;
  const info = S.session.images[id];
  const [csv, truth] = await Promise.all([info.hasSpots ? api.spotTable(id, 'spots') : undefined, info.hasTruth ? api.spotTable(id, 'truth') : undefined]);
  if (gen !== generation) return;
  S.csv = csv;
  S.truth = truth;
  $('dims').textContent = `${meta.shape.join(' × ')} (${meta.axes}), ${meta.dtype}${meta.pixelSize ? `, ${fmt(meta.pixelSize.x, 4)} µm/px` : ''}`;
  for (const w of meta.warnings) console.warn(w);
  buildPlaneSliders(meta);
  buildSources();
  $('truth-section').hidden = !truth;
  $('truth-file').textContent = truth ? truth.file : '';
  await loadPlane(true, plane0);
}

function buildPlaneSliders(meta: api.ImageMeta): void {
  const box = $('plane-sliders');
  box.replaceChildren();
  for (const axis of ['c', 't', 'z'] as const) {
    const n = meta.sizes[axis];
    if (n <= 1) continue;
    const label = document.createElement('label');
    const input = document.createElement('input');
    const out = document.createElement('span');
    Object.assign(input, { type: 'range', min: '0', max: String(n - 1), step: '1', value: '0', id: `plane-${axis}` });
    out.textContent = `0 / ${n - 1}`;
    input.addEventListener('input', () => {
      S[axis] = Number(input.value);
      out.textContent = `${input.value} / ${n - 1}`;
      void guard(loadPlane(false));
    });
    label.append(axis, input, out);
    box.append(label);
  }
}

async function loadPlane(first: boolean, given?: Plane): Promise<void> {
  const gen = ++generation;
  setState('loading');
  const plane = given ?? (await api.getPlane(S.imageId, S.c, S.t, S.z));
  timings.plane ??= performance.now();
  if (gen !== generation) return;
  S.plane = plane;
  S.range = planeRange(plane);
  timings.range ??= performance.now();
  fits = new Map();
  setupContrast(first);
  await render();
  timings.firstPicture ??= performance.now();
  filterTruth();
  await detect(gen);
}

function setupContrast(auto: boolean): void {
  const r = S.range!;
  for (const id of ['lo', 'hi']) {
    const el = $<HTMLInputElement>(id);
    el.min = String(r.min);
    el.max = String(r.max);
    el.step = String((r.max - r.min) / 1000 || 1);
  }
  if (auto || S.lo < r.min || S.hi > r.max || S.lo >= S.hi) autoContrast();
  showContrast();
}

function autoContrast(): void {
  const r = S.range!;
  S.lo = r.percentile(AUTO_LOW);
  S.hi = r.percentile(AUTO_HIGH);
  if (!(S.hi > S.lo)) [S.lo, S.hi] = [r.min, r.max > r.min ? r.max : r.min + 1];
}

function showContrast(): void {
  $<HTMLInputElement>('lo').value = String(S.lo);
  $<HTMLInputElement>('hi').value = String(S.hi);
  $<HTMLInputElement>('lo-num').value = fmt(S.lo, 1);
  $<HTMLInputElement>('hi-num').value = fmt(S.hi, 1);
}

let rendering: Promise<void> | undefined;
let renderAgain = false;
/** Redraws the picture for the current contrast and LUT (coalesced while one is in progress). */
async function render(): Promise<void> {
  if (rendering) {
    renderAgain = true;
    return rendering;
  }
  rendering = (async () => {
    do {
      renderAgain = false;
      if (S.plane) await view.setImage(renderRgba(S.plane, S.lo, S.hi, lutTable(S.lut)));
    } while (renderAgain);
  })();
  try {
    await rendering;
  } finally {
    rendering = undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// spots
// ---------------------------------------------------------------------------------------------

function buildSources(): void {
  const sel = $<HTMLSelectElement>('source');
  const keep = S.source;
  sel.replaceChildren();
  for (const m of S.session.models) sel.append(new Option(`model: ${m.label} (in the page)`, `model:${m.id}`));
  if (S.csv) sel.append(new Option(`CSV: ${S.csv.file}`, 'csv'));
  const values = [...sel.options].map((o) => o.value);
  S.source = values.includes(keep) ? keep : S.csv ? 'csv' : `model:${S.session.defaultModel}`;
  sel.value = S.source;
}

function getModel(id: string): Promise<PageModel> {
  let p = models.get(id);
  if (!p) {
    const label = S.session.models.find((m) => m.id === id)?.label ?? id;
    const t0 = performance.now();
    p = api.modelBytes(id).then(async (bytes) => {
      const m = await loadPageModel(id, bytes, label);
      timings.modelLoad ??= performance.now() - t0;
      return m;
    });
    p.catch(() => models.delete(id));
    models.set(id, p);
  }
  return p;
}

/** Runs (or reuses) the source's detection on the current plane, then shows the spots. */
async function detect(gen = generation): Promise<void> {
  if (!S.plane) return;
  S.output = undefined;
  if (S.source.startsWith('model:')) {
    const id = S.source.slice('model:'.length);
    setState('detecting');
    status('loading the model…');
    const m = await getModel(id);
    if (gen !== generation) return;
    currentModel = m;
    if (appliedSource !== S.source) setThreshold(m.model.card.threshold);
    appliedSource = S.source;
    configureThreshold(0, 0.99, 0.01);
    const key = `${S.imageId}/${id}/${S.c}/${S.t}/${S.z}`;
    let output = outputs.get(key);
    if (!output) {
      status('detecting in the page…');
      const t0 = performance.now();
      output = await runPlane(m, S.plane, (done, total) => status(`detecting in the page… tile ${done}/${total}`));
      const ms = performance.now() - t0;
      timings.network = ms;
      timings.detected ??= performance.now();
      $('timing').textContent =
        `network ${Math.round(ms)} ms (onnxruntime-web, ${m.threads} thread${m.threads > 1 ? 's' : ''}; ${output.tiles.length} tile${output.tiles.length > 1 ? 's' : ''})`;
      keepOutput(key, output);
    }
    if (gen !== generation) return;
    S.output = output;
  } else {
    currentModel = undefined;
    if (appliedSource !== S.source) setThreshold(0);
    appliedSource = S.source;
    const scores = csvScores();
    if (scores) {
      const max = Math.max(0, ...scores.values);
      configureThreshold(0, scores.column === 'p' ? 0.99 : max, scores.column === 'p' ? 0.01 : max / 200 || 1);
    }
    $('timing').textContent = `spots from ${S.csv?.file}${S.csv?.z ? ` (3-D: marked on the planes within ±${Z_REACH} slice of their z)` : ''}`;
  }
  updateSpots();
  setState('ready');
}

/** The score column of the CSV ('p' or 'quality') and its values, when it has one. */
function csvScores(): { column: string; values: number[] } | undefined {
  const t = S.csv;
  if (!t?.columns || !t.rows) return undefined;
  const j = t.columns.findIndex((c) => c === 'p' || c === 'quality');
  if (j < 0) return undefined;
  return { column: t.columns[j], values: t.rows.map((r) => Number(r[j])) };
}

/** A 3-D spot is marked on the planes within this many slices of its z. */
const Z_REACH = 1;

/**
 * Indices of a table's points shown on the current plane: those of its plane (c, t, z columns),
 * all when it has none; a 3-D table's points within Z_REACH slices of the plane.
 */
function inPlane(t: api.SpotTable): number[] {
  const idx: number[] = [];
  const p = t.planes;
  for (let i = 0; i < t.points.length; i++) {
    if (t.z && Math.abs(t.z[i] - S.z) > Z_REACH) continue;
    if (p?.c && p.c[i] !== S.c && S.meta!.sizes.c > 1) continue;
    if (p?.t && p.t[i] !== S.t && S.meta!.sizes.t > 1) continue;
    if (p?.z && p.z[i] !== S.z && S.meta!.sizes.z > 1) continue;
    idx.push(i);
  }
  return idx;
}

function filterTruth(): void {
  S.truthPoints = S.truth ? inPlane(S.truth).map((i) => S.truth!.points[i]) : [];
}

/** Spots of the current plane at the current threshold; fits, matching, marks and numbers follow. */
function updateSpots(): void {
  let spots: Spot[] = [];
  if (S.output) {
    spots = spotsAt(S.output, S.threshold);
  } else if (S.csv && S.source === 'csv') {
    const scores = csvScores();
    spots = inPlane(S.csv)
      .filter((i) => !scores || scores.values[i] > S.threshold)
      .map((i) => ({ y: S.csv!.points[i][0], x: S.csv!.points[i][1], score: scores ? scores.values[i] : NaN, row: i }) as Spot & { row: number });
  }
  if (S.fit && S.plane && S.output) fitSpots(spots);
  S.spots = spots;
  $('count').textContent = String(spots.length);
  S.metrics = S.truth
    ? computeMetrics(
        spots.map((s) => [s.y, s.x]),
        S.truthPoints,
        { mdist: S.cutoff },
      )
    : undefined;
  showScores();
  setMarks();
  showInfo(view.selected);
  const m = S.meta;
  const stack = m && m.sizes.c * m.sizes.t * m.sizes.z > 1;
  if (m) status(`${m.name}${stack ? ` (c ${S.c}, t ${S.t}, z ${S.z})` : ''}: ${spots.length} spot${spots.length === 1 ? '' : 's'}`);
}

/** The CLI's measure step on these spots, each fit computed once per plane and start position. */
function fitSpots(spots: Spot[]): void {
  const todo: Spot[] = [];
  spots.forEach((s, k) => {
    const done = fits.get(`${s.y},${s.x}`);
    if (done) spots[k] = { ...done, score: s.score };
    else todo.push(s);
  });
  if (todo.length === 0) return;
  const keys = todo.map((s) => `${s.y},${s.x}`);
  measureSpots(S.plane!, todo, { fit: FIT });
  todo.forEach((s, k) => fits.set(keys[k], s));
}

function setMarks(): void {
  const marks: Mark[] = [];
  if (S.metrics) {
    const matchedPred = new Set(S.metrics.pairsAtMdist.predIdx);
    const matchedTrue = new Set(S.metrics.pairsAtMdist.trueIdx);
    S.spots.forEach((s, i) => marks.push({ y: s.y, x: s.x, kind: matchedPred.has(i) ? 'matched' : 'false', index: i }));
    S.truthPoints.forEach(([y, x], i) => {
      if (!matchedTrue.has(i)) marks.push({ y, x, kind: 'missed', index: i });
    });
  } else {
    S.spots.forEach((s, i) => marks.push({ y: s.y, x: s.x, kind: 'spot', index: i }));
  }
  view.marks = marks;
  if (view.selected && !marks.some((m) => m.kind === view.selected!.kind && m.index === view.selected!.index)) view.selected = undefined;
  view.draw();
}

function showScores(): void {
  const m = S.metrics;
  const el = $('scores');
  if (!m) {
    el.replaceChildren();
    return;
  }
  const tp = m.pairsAtMdist.trueIdx.length;
  const rows: [string, string][] = [
    [`F1 @ ${fmt(S.cutoff, 1)} px`, m.f1AtMdist.toFixed(3)],
    ['F1 integral', m.f1Integral.toFixed(3)],
    ['precision', m.precisionAtMdist.toFixed(3)],
    ['recall', m.recallAtMdist.toFixed(3)],
    ['matched / false / missed', `${tp} / ${S.spots.length - tp} / ${S.truthPoints.length - tp}`],
    ['RMSE of matched', Number.isFinite(m.rmseAtMdist) ? `${m.rmseAtMdist.toFixed(3)} px` : '–'],
  ];
  el.replaceChildren(...rows.map(([k, v]) => tableRow(k, v)));
}

function tableRow(k: string, v: string): HTMLTableRowElement {
  const tr = document.createElement('tr');
  const a = document.createElement('td');
  const b = document.createElement('td');
  a.textContent = k;
  b.textContent = v;
  b.className = 'num';
  tr.append(a, b);
  return tr;
}

/** A spot's columns (or a missed truth point's). */
function showInfo(mark: Mark | undefined): void {
  const el = $('info');
  if (!mark) {
    el.replaceChildren(tableRow('', 'hover or click a spot'));
    return;
  }
  const rows: [string, string][] = [];
  if (mark.kind === 'missed') {
    const [y, x] = S.truthPoints[mark.index];
    rows.push(['missed truth', ''], ['y [px]', y.toFixed(3)], ['x [px]', x.toFixed(3)]);
  } else {
    const s = S.spots[mark.index] as Spot & { row?: number };
    if (!s) return;
    rows.push(['y [px]', s.y.toFixed(3)], ['x [px]', s.x.toFixed(3)]);
    if (S.meta?.pixelSize) rows.push(['y [µm]', (s.y * S.meta.pixelSize.y).toFixed(4)], ['x [µm]', (s.x * S.meta.pixelSize.x).toFixed(4)]);
    if (s.row !== undefined && S.csv?.columns && S.csv.rows) {
      S.csv.columns.forEach((c, j) => {
        if (!/^[yx] \[(px|µm)\]$/.test(c)) rows.push([c, cell(S.csv!.rows![s.row!][j])]);
      });
    } else {
      rows.push(['p', s.score.toFixed(4)]);
      const f = s.fit;
      if (f) {
        rows.push(
          ['photons', fmt(f.photons, 1)],
          ['background', fmt(f.background, 2)],
          ['σ [px]', f.sigma.toFixed(3)],
          ['SNR', f.snr.toFixed(2)],
          ['CRLB y [px]', f.crlbY.toFixed(4)],
          ['CRLB x [px]', f.crlbX.toFixed(4)],
          ['fit', f.status],
        );
      } else if (S.output) rows.push(['', 'tick "Gaussian fit" for photons, σ, SNR, CRLB']);
    }
    if (S.metrics) rows.push(['truth', mark.kind === 'matched' ? 'matched' : 'false']);
  }
  el.replaceChildren(...rows.map(([k, v]) => tableRow(k, v)));
}

const cell = (v: number | string) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : v);

function configureThreshold(min: number, max: number, step: number): void {
  const el = $<HTMLInputElement>('threshold');
  el.min = String(min);
  el.max = String(max);
  el.step = String(step);
  el.disabled = false;
  el.value = String(S.threshold);
}

/** The threshold is kept exactly (the model's own, e.g. 0.3743, not snapped to the slider's step). */
function setThreshold(t: number): void {
  S.threshold = t;
  $<HTMLInputElement>('threshold').value = String(t);
  $<HTMLInputElement>('threshold-num').value = String(Math.round(t * 10000) / 10000);
}

// ---------------------------------------------------------------------------------------------
// exports
// ---------------------------------------------------------------------------------------------

function download(name: string, blob: Blob): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

const stemOf = (name: string) => name.replace(/\.(ome\.)?[^.]+$/, '');

/** Every plane of the image as `predict` visits them (iteratePlanes: c outermost, then t, then z). */
function planeOrder(meta: api.ImageMeta): { c: number; t: number; z: number }[] {
  const out: { c: number; t: number; z: number }[] = [];
  for (let c = 0; c < meta.sizes.c; c++) for (let t = 0; t < meta.sizes.t; t++) for (let z = 0; z < meta.sizes.z; z++) out.push({ c, t, z });
  return out;
}

/** Spots of one plane at the current threshold (with fits when on), from the stored or a new network output. */
async function planeSpots(m: PageModel, where: { c: number; t: number; z: number }): Promise<Spot[] | undefined> {
  if (where.c === S.c && where.t === S.t && where.z === S.z) return S.spots;
  const plane = await api.getPlane(S.imageId, where.c, where.t, where.z);
  const key = `${S.imageId}/${m.id}/${where.c}/${where.t}/${where.z}`;
  let output = outputs.get(key);
  if (!output) {
    try {
      output = await runPlane(m, plane);
    } catch (err) {
      // a blank or NaN plane: `predict` skips it with a warning
      if ((err as { code?: string }).code === 'bad-plane') return undefined;
      throw err;
    }
  }
  const spots = spotsAt(output, S.threshold);
  if (S.fit) measureSpots(plane, spots, { fit: FIT });
  return spots;
}

/**
 * The spots at the current threshold as `deepblink predict` writes them (same columns, same
 * number formatting: pipeline/table.ts and io/table.ts), every plane of a stack; for a CSV
 * source, its rows above the threshold with its own columns.
 */
async function exportCsv(): Promise<void> {
  const meta = S.meta;
  const fromModel = S.source.startsWith('model:');
  if (!meta || (fromModel ? !S.output || !currentModel : !S.csv))
    throw new Error('no spots to export yet (the image, its spots or the detection is not ready)');
  let table: Table;
  if (fromModel) {
    const m = currentModel!;
    const order = planeOrder(meta);
    const planes = [];
    for (const [k, where] of order.entries()) {
      if (order.length > 1) status(`exporting: plane ${k + 1} of ${order.length}…`);
      const spots = await planeSpots(m, where);
      if (spots) planes.push({ ...where, spots, threshold: S.threshold });
    }
    status('');
    const pixelSize = meta.pixelSize;
    table = resultTable(
      {
        file: meta.name,
        axes: meta.axes,
        axesSource: 'metadata',
        shape: meta.shape,
        pixelSize,
        pixelSizeSource: pixelSize ? 'metadata' : 'none',
        planes,
        scoreColumn: 'p',
        warnings: [],
      },
      { fit: S.fit ? FIT : undefined },
    );
  } else {
    const t = S.csv!;
    const scores = csvScores();
    const keep = t.points.map((_, i) => i).filter((i) => !scores || scores.values[i] > S.threshold);
    const columns = t.columns ?? ['y [px]', 'x [px]'];
    // up to 6 decimals (trailing zeros trimmed): the values as read, not rounded to predict's 4
    table = { columns, rows: keep.map((i) => (t.rows ? t.rows[i] : t.points[i])), decimals: Object.fromEntries(columns.map((c) => [c, 6])) };
  }
  download(`${stemOf(meta.name)}.csv`, new Blob([formatCsv(table)], { type: 'text/csv' }));
}

function exportPng(): void {
  if (!S.meta) return showError('no picture to export (the image did not load)');
  view.drawNow();
  view.canvas.toBlob((blob) => blob && download(`${stemOf(S.meta!.name)}-view.png`, blob), 'image/png');
}

// ---------------------------------------------------------------------------------------------
// wiring
// ---------------------------------------------------------------------------------------------

async function guard(p: Promise<void>): Promise<void> {
  try {
    showError(undefined);
    await p;
  } catch (err) {
    showError((err as Error).message);
    status('');
  }
}

function onInput(id: string, f: (el: HTMLInputElement & HTMLSelectElement) => void, event = 'input'): void {
  const el = $<HTMLInputElement & HTMLSelectElement>(id);
  el.addEventListener(event, () => f(el));
}

function bind(): void {
  const lut = $<HTMLSelectElement>('lut');
  for (const n of LUT_NAMES) lut.append(new Option(n, n));
  onInput('lut', (el) => {
    S.lut = el.value;
    void render();
  });
  const contrast = (which: 'lo' | 'hi', v: number) => {
    if (!Number.isFinite(v)) return;
    S[which] = v;
    showContrast();
    void render();
  };
  onInput('lo', (el) => contrast('lo', Number(el.value)));
  onInput('hi', (el) => contrast('hi', Number(el.value)));
  onInput('lo-num', (el) => contrast('lo', Number(el.value)), 'change');
  onInput('hi-num', (el) => contrast('hi', Number(el.value)), 'change');
  $('auto').addEventListener('click', () => {
    autoContrast();
    showContrast();
    void render();
  });
  $('fit-view').addEventListener('click', () => view.fit());
  onInput('image', (el) => void guard(loadImage(Number(el.value))), 'change');
  onInput(
    'source',
    (el) => {
      S.source = el.value;
      void guard(detect());
    },
    'change',
  );
  onInput('threshold', (el) => {
    setThreshold(Number(el.value));
    updateSpots();
  });
  onInput(
    'threshold-num',
    (el) => {
      const v = Number(el.value);
      if (!(v >= 0 && v < 1) && S.output) return;
      setThreshold(v);
      updateSpots();
    },
    'change',
  );
  onInput(
    'fit',
    (el) => {
      S.fit = el.checked;
      status(S.fit ? 'fitting…' : '');
      updateSpots();
      status('');
    },
    'change',
  );
  onInput(
    'cutoff',
    (el) => {
      const v = Number(el.value);
      if (v > 0) {
        S.cutoff = v;
        updateSpots();
      }
    },
    'change',
  );
  $('export-csv').addEventListener('click', () => void guard(exportCsv()));
  $('export-png').addEventListener('click', exportPng);
  view.onPointer = (pos, mark) => {
    if (!pos || !S.plane) {
      $('cursor').textContent = '';
      return;
    }
    const r = Math.round(pos.y);
    const c = Math.round(pos.x);
    const inside = r >= 0 && c >= 0 && r < S.plane.height && c < S.plane.width;
    $('cursor').textContent = inside
      ? `y ${pos.y.toFixed(1)}  x ${pos.x.toFixed(1)}  value ${fmt(S.plane.data[r * S.plane.width + c], 2)}  zoom ${fmt(view.scale, 2)}×`
      : '';
    if (!view.selected) showInfo(mark);
  };
  view.onSelect = (mark) => showInfo(mark);
  window.addEventListener('keydown', (e) => {
    if ((e.target as HTMLElement).tagName === 'INPUT' && (e.target as HTMLInputElement).type === 'number') return;
    if (e.key === '+' || e.key === '=') view.zoom(1.25);
    else if (e.key === '-') view.zoom(0.8);
    else if (e.key === '0') view.fit();
  });
}

async function start(): Promise<void> {
  bind();
  S.session = await api.session();
  timings.session = performance.now();
  $('version').textContent = S.session.version;
  const sel = $<HTMLSelectElement>('image');
  S.session.images.forEach((im) => sel.append(new Option(im.name, String(im.id))));
  sel.disabled = S.session.images.length < 2;
  await loadImage(0);
}

void guard(start());
