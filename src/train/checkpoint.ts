/**
 * Training checkpoints (resume after a stop): weights, optimiser state, epoch, best validation
 * loss and the training log, in one binary file:
 *   "DBCK" | u32 little-endian header length | JSON header | float32 arrays (little-endian).
 * Written atomically after every epoch.
 */
import { promises as fs } from 'node:fs';
import type { OptimizerState, WeightMap } from '../engine/engine.js';
import { writeFileAtomic } from '../io/atomic.js';
import { UserError } from '../core/errors.js';

export const CHECKPOINT_VERSION = 1;
const MAGIC = 'DBCK';

/** One epoch of the training log: losses and scores on the training and validation sets, and its duration. */
export interface LogRow {
  epoch: number;
  train_loss: number;
  train_dice: number;
  train_rmse: number;
  val_loss: number;
  val_f1_integral: number;
  val_f1_at_3px: number;
  seconds: number;
}

export interface Checkpoint {
  epoch: number;
  steps: number;
  seconds: number;
  bestValLoss: number;
  bestEpoch: number;
  log: LogRow[];
  /** Fingerprint of the architecture and data, to refuse resuming a different run. */
  fingerprint: string;
  weights: WeightMap;
  optimizer: OptimizerState;
}

interface Entry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const arrays: Float32Array[] = [];
  let offset = 0;
  const entry = (name: string, shape: number[], data: Float32Array): Entry => {
    arrays.push(data);
    const e = { name, shape, offset, length: data.length };
    offset += data.length;
    return e;
  };
  const weights = [...c.weights].map(([n, w]) => entry(n, w.shape, w.data));
  const slots = [...c.optimizer.slots].map(([n, d]) => entry(n, [d.length], d));
  const header = JSON.stringify({
    version: CHECKPOINT_VERSION,
    epoch: c.epoch,
    steps: c.steps,
    seconds: c.seconds,
    bestValLoss: c.bestValLoss,
    bestEpoch: c.bestEpoch,
    log: c.log,
    fingerprint: c.fingerprint,
    optimizer: { name: c.optimizer.name, step: c.optimizer.step },
    weights,
    slots,
  });
  const hbytes = Buffer.from(header, 'utf8');
  const pad = (4 - ((8 + hbytes.length) % 4)) % 4;
  const out = Buffer.alloc(8 + hbytes.length + pad + offset * 4);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(hbytes.length + pad, 4);
  hbytes.copy(out, 8);
  out.fill(0x20, 8 + hbytes.length, 8 + hbytes.length + pad);
  let pos = 8 + hbytes.length + pad;
  for (const a of arrays) {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, pos);
    pos += a.byteLength;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export function decodeCheckpoint(bytes: Uint8Array, file: string): Checkpoint {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 8 || buf.toString('latin1', 0, 4) !== MAGIC) throw new UserError('not a deepblink checkpoint', file);
  const hlen = buf.readUInt32LE(4);
  if (8 + hlen > buf.length) throw new UserError('truncated checkpoint', file);
  let h;
  try {
    h = JSON.parse(buf.toString('utf8', 8, 8 + hlen));
  } catch {
    throw new UserError('corrupt checkpoint header', file);
  }
  if (h.version > CHECKPOINT_VERSION) throw new UserError(`checkpoint version ${h.version} is newer than this deepblink supports`, file);
  const base = 8 + hlen;
  const read = (e: Entry): Float32Array => {
    const start = base + e.offset * 4;
    if (start + e.length * 4 > buf.length) throw new UserError('truncated checkpoint', file);
    const out = new Float32Array(e.length);
    Buffer.from(out.buffer).set(buf.subarray(start, start + e.length * 4));
    return out;
  };
  const weights: WeightMap = new Map((h.weights as Entry[]).map((e) => [e.name, { shape: e.shape, data: read(e) }]));
  const slots = new Map((h.slots as Entry[]).map((e) => [e.name, read(e)]));
  return {
    epoch: h.epoch,
    steps: h.steps,
    seconds: h.seconds,
    bestValLoss: h.bestValLoss,
    bestEpoch: h.bestEpoch,
    log: h.log,
    fingerprint: h.fingerprint,
    weights,
    optimizer: { name: h.optimizer.name, step: h.optimizer.step, slots },
  };
}

export async function saveCheckpoint(file: string, c: Checkpoint): Promise<void> {
  await writeFileAtomic(file, encodeCheckpoint(c));
}

export async function loadCheckpoint(file: string): Promise<Checkpoint> {
  return decodeCheckpoint(new Uint8Array(await fs.readFile(file)), file);
}
