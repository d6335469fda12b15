/**
 * A `deepblink predict --jobs N` worker thread (started by predict-jobs.ts): makes its own
 * detector from the run's options, then answers each request (an image and what to make of it)
 * with the image's outputs as text or its error as data. It writes no file and prints nothing:
 * the main thread writes through the run's one record and prints.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createDetector, type PlaneDetector, type PredictOptions } from '../pipeline/predict.js';
import { computeImage, errorToData, type ErrorData, type ImageJob, type ImageOutput } from './predict-image.js';

/** A request from the main thread; `stop` ends the worker. */
export type WorkerRequest = { id: number; file: string; job: ImageJob } | { stop: true };
/** The answer to request `id`. */
export type WorkerAnswer = { id: number; ok: true; output: ImageOutput } | { id: number; ok: false; error: ErrorData };

if (parentPort) {
  const port = parentPort;
  const opts = (workerData as { opts: PredictOptions }).opts;
  let detector: Promise<PlaneDetector> | undefined;
  // one request at a time: the main thread sends the next only after the answer
  port.on('message', (msg: WorkerRequest) => {
    if ('stop' in msg) {
      void (detector ?? Promise.resolve(undefined))
        .then((d) => d?.close())
        .catch(() => undefined)
        .finally(() => port.close());
      return;
    }
    void (async () => {
      try {
        detector ??= createDetector(opts);
        const output = await computeImage(msg.file, await detector, opts, msg.job);
        port.postMessage({ id: msg.id, ok: true, output } satisfies WorkerAnswer);
      } catch (err) {
        port.postMessage({ id: msg.id, ok: false, error: errorToData(err) } satisfies WorkerAnswer);
      }
    })();
  });
}
