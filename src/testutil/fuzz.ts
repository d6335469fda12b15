/**
 * A seeded mutation fuzzer over the inputs users hand to deepblink: TIFF, PNG, label CSV, YAML
 * configuration and ONNX model files. Run as a worker process (src/fuzz.test.ts) so that a
 * fatal crash or an out-of-memory shows up as a failed test, not as a dead test runner:
 *
 *   node dist/testutil/fuzz.js FORMAT SEED CASES
 *
 * Each case mutates a small valid sample (bit flips, interesting bytes, truncation, duplicated
 * or inserted runs) and hands it to the reader. A case passes when the reader returns or throws
 * a DeepblinkError (a one-line message for the user); anything else — a TypeError, a
 * RangeError, a hang — is a finding. Prints one JSON line: { cases, accepted, refused, findings }.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encode as encodePng } from 'fast-png';
import { Rng } from '../math/rng.js';
import { DeepblinkError } from '../core/errors.js';
import { decodeImageBytes } from '../io/image/read.js';
import { encodeTiff } from '../io/image/write.js';
import { parseLabels } from '../io/labels.js';
import { formatTrackMateXml } from '../io/export/trackmate.js';
import { loadConfigFile } from '../train/config.js';
import { configYaml } from '../train/config-schema.js';
import { decodeModel, encodeModel, makeCard } from '../model/card.js';
import { networkSpec } from '../network/spec.js';
import { randomWeights } from '../engine/reference.js';

export const FUZZ_FORMATS = ['tiff', 'png', 'csv', 'yaml', 'onnx'] as const;
export type FuzzFormat = (typeof FUZZ_FORMATS)[number];

const INTERESTING = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe, 0x10, 0x40];

/** One mutation of `src` (a new array), chosen by `rng`. */
export function mutate(src: Uint8Array, rng: Rng): Uint8Array {
  let b = Uint8Array.from(src);
  const n = 1 + rng.int(6);
  for (let k = 0; k < n && b.length > 0; k++) {
    const at = rng.int(b.length);
    switch (rng.int(6)) {
      case 0: // bit flip
        b[at] ^= 1 << rng.int(8);
        break;
      case 1: // interesting byte
        b[at] = INTERESTING[rng.int(INTERESTING.length)];
        break;
      case 2: // random byte
        b[at] = rng.int(256);
        break;
      case 3: // truncate
        b = b.slice(0, at);
        break;
      case 4: {
        // duplicate a run
        const len = 1 + rng.int(Math.min(64, b.length - at));
        const out = new Uint8Array(b.length + len);
        out.set(b.subarray(0, at + len));
        out.set(b.subarray(at, at + len), at + len);
        out.set(b.subarray(at + len), at + 2 * len);
        b = out;
        break;
      }
      default: {
        // a 32-bit field set to a large value (sizes, offsets, counts)
        if (at + 4 <= b.length) new DataView(b.buffer).setUint32(at, [0xffffffff, 0x7fffffff, 0x10000, 0x1000000][rng.int(4)], rng.int(2) === 0);
      }
    }
  }
  return b;
}

function samples(format: FuzzFormat): Uint8Array[] {
  const grey = (h: number, w: number, k: number) => Uint16Array.from({ length: h * w }, (_, i) => 100 + ((i * 37 + k * 11) % 50));
  switch (format) {
    case 'tiff':
      return [
        encodeTiff([{ data: grey(16, 16, 0), height: 16, width: 16 }]),
        encodeTiff([0, 1, 2].map((k) => ({ data: grey(8, 12, k), height: 8, width: 12 }))),
        encodeTiff([{ data: Float32Array.from(grey(8, 8, 3)), height: 8, width: 8 }]),
      ];
    case 'png':
      return [
        encodePng({ width: 16, height: 16, data: Uint8Array.from({ length: 256 }, (_, i) => i), channels: 1, depth: 8 }),
        encodePng({ width: 8, height: 8, data: grey(8, 8, 1), channels: 1, depth: 16 }),
        encodePng({ width: 4, height: 4, data: Uint8Array.from({ length: 48 }, (_, i) => i * 5), channels: 3, depth: 8 }),
      ];
    case 'csv':
      return [
        'y [px],x [px],p\n1.5,2.25,0.9\n10,11,0.5\n',
        'axis-0,axis-1\n3,4\n5,6\n',
        'X,Y\n1,2\n3,4\n',
        'POSITION_X,POSITION_Y,FRAME\nLabel,x,y\n1.0,2.0,0\n',
        'y [µm],x [µm]\n0.1,0.2\n',
        // a TrackMate XML file (readLabels takes those too)
        formatTrackMateXml({
          spots: [
            { y: 1, x: 2, t: 0, trackId: 0 },
            { y: 1.5, x: 2.5, t: 1, trackId: 0 },
          ],
          axes: 'tyx',
          pixelSize: { y: 0.1, x: 0.1 },
        }),
      ].map((t) => new TextEncoder().encode(t));
    case 'yaml':
      return [new TextEncoder().encode(configYaml({ raw: true, header: 'fuzz' })), new TextEncoder().encode(configYaml({ raw: false, header: 'fuzz' }))];
    case 'onnx': {
      const spec = networkSpec({ architecture: 'lean', filters: 2, ndown: 1, cellSize: 4 });
      return [encodeModel(spec, randomWeights(spec, 1), makeCard({ name: 'fuzz', network: spec.config }))];
    }
  }
}

/** Feeds one input to the reader of `format`; resolves when it was accepted, throws what the reader threw. */
async function feed(format: FuzzFormat, bytes: Uint8Array, dir: string): Promise<void> {
  switch (format) {
    case 'tiff':
    case 'png':
      await decodeImageBytes(bytes, format);
      return;
    case 'csv':
      parseLabels(new TextDecoder().decode(bytes));
      return;
    case 'yaml': {
      const file = path.join(dir, 'config.yaml');
      writeFileSync(file, bytes);
      loadConfigFile(file);
      return;
    }
    case 'onnx':
      decodeModel(bytes, 'fuzz.onnx');
      return;
  }
}

export interface FuzzReport {
  format: FuzzFormat;
  cases: number;
  accepted: number;
  refused: number;
  findings: { case: number; error: string }[];
}

/** Runs `cases` mutations of the samples of `format` from `seed`. */
export async function fuzz(format: FuzzFormat, seed: number, cases: number): Promise<FuzzReport> {
  const rng = new Rng(seed, 77);
  const base = samples(format);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deepblink-fuzz-'));
  const report: FuzzReport = { format, cases, accepted: 0, refused: 0, findings: [] };
  try {
    for (let k = 0; k < cases; k++) {
      const input = mutate(base[rng.int(base.length)], rng);
      try {
        await feed(format, input, dir);
        report.accepted++;
      } catch (err) {
        if (err instanceof DeepblinkError) report.refused++;
        else report.findings.push({ case: k, error: `${(err as Error)?.name}: ${String((err as Error)?.message ?? err).slice(0, 200)}` });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return report;
}

if (process.argv[1] && path.basename(process.argv[1]) === 'fuzz.js') {
  const [format, seed, cases] = process.argv.slice(2);
  if (!FUZZ_FORMATS.includes(format as FuzzFormat)) throw new Error(`usage: fuzz.js ${FUZZ_FORMATS.join('|')} SEED CASES`);
  const report = await fuzz(format as FuzzFormat, Number(seed), Number(cases));
  process.stdout.write(JSON.stringify(report) + '\n');
}
