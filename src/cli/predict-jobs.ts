/**
 * `deepblink predict --jobs N`: N worker threads (predict-worker.ts), each with its own
 * detector (and onnxruntime session with its share of --threads), run the images of a folder
 * N at a time. The main thread keeps everything a run shows or leaves: it hands out the images
 * (runBatch, in order), writes every output through the run's one RunRecord, prints the lines
 * and the progress bar, records failures, and on Ctrl-C starts no new image while the ones in
 * progress finish. A worker that dies (a crash in native code, out of memory) fails its image
 * only: the next image gets a new worker.
 */
import { Worker } from 'node:worker_threads';
import type { PredictOptions } from '../pipeline/predict.js';
import { errorFromData, type ImageJob, type ImageOutput } from './predict-image.js';
import type { WorkerAnswer, WorkerRequest } from './predict-worker.js';

const WORKER_URL = new URL('./predict-worker.js', import.meta.url);

interface Lane {
  worker: Worker;
  busy?: { id: number; resolve: (o: ImageOutput) => void; reject: (e: Error) => void };
  dead: boolean;
}

/** A pool of `size` predict workers; at most `size` images at a time (one per worker). */
export class PredictPool {
  private lanes: Lane[] = [];
  private nextId = 0;
  private closed = false;

  /** `opts`: the run's options (plain data: no progress callback), threads already per worker. */
  constructor(
    readonly size: number,
    private readonly opts: PredictOptions,
  ) {}

  private spawn(): Lane {
    const worker = new Worker(WORKER_URL, { workerData: { opts: this.opts } });
    const lane: Lane = { worker, dead: false };
    const fail = (why: string) => {
      lane.dead = true;
      const b = lane.busy;
      lane.busy = undefined;
      b?.reject(new Error(`the worker thread stopped (${why})`));
    };
    worker.on('message', (a: WorkerAnswer) => {
      const b = lane.busy;
      if (!b || b.id !== a.id) return;
      lane.busy = undefined;
      if (a.ok) b.resolve(a.output);
      else b.reject(errorFromData(a.error));
    });
    worker.on('error', (e) => fail(e instanceof Error ? `${e.name}: ${e.message}` : String(e)));
    worker.on('exit', (code) => fail(`exit code ${code}`));
    this.lanes.push(lane);
    return lane;
  }

  /** The outputs of image `file` (rejects with the image's error, as if it had run here). */
  run(file: string, job: ImageJob): Promise<ImageOutput> {
    if (this.closed) return Promise.reject(new Error('PredictPool: run() after close()'));
    this.lanes = this.lanes.filter((l) => !l.dead);
    const lane = this.lanes.find((l) => !l.busy) ?? (this.lanes.length < this.size ? this.spawn() : undefined);
    if (!lane) return Promise.reject(new Error(`PredictPool: more than ${this.size} images at a time`));
    return new Promise<ImageOutput>((resolve, reject) => {
      const id = this.nextId++;
      lane.busy = { id, resolve, reject };
      lane.worker.postMessage({ id, file, job } satisfies WorkerRequest);
    });
  }

  /** Stops the workers (each closes its detector first; ones that do not end within `graceMs` are terminated). */
  async close(graceMs = 5000): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.lanes
        .filter((l) => !l.dead)
        .map(async (l) => {
          const exited = new Promise<void>((resolve) => l.worker.once('exit', () => resolve()));
          l.worker.postMessage({ stop: true } satisfies WorkerRequest);
          const timer = setTimeout(() => void l.worker.terminate(), graceMs);
          await exited;
          clearTimeout(timer);
        }),
    );
    this.lanes = [];
  }
}
