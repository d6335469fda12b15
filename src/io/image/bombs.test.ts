/**
 * Bounded decoding: hostile files of every bomb class (src/testutil/bombs.ts, made small here)
 * end in one clean 'bad-image' error without the reader's memory growing, a folder run goes on
 * past them, and the bounded decoders give the same pixels as before on valid data.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import jpeg from 'jpeg-js';
import { readImage, decodeImageBytes } from './read.js';
import { DEFAULT_MAX_PIXELS, decodeLimits } from './format.js';
import { lzwDecode, unpackBits, inflateBounded } from './formats/tiff-decoders.js';
import { UserError } from '../../core/errors.js';
import { repoRoot } from '../../testutil/shared.js';
import {
  bombTiff,
  deflateStripBomb,
  deflateZerosTiff,
  jpegHugeHeader,
  lzwEncode,
  lzwRunawayTiff,
  packbitsEncode,
  packbitsStripBomb,
  pngHugeHeader,
  pngWithStream,
  pngZlibBomb,
  sharedStripTiff,
  smallPng,
  zlibZeros,
} from '../../testutil/bombs.js';

const MB = 2 ** 20;
const LOW = { maxPixels: 1e6 };
let dir = '';

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deepblink-bombs-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function put(name: string, bytes: Uint8Array): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, bytes);
  return f;
}

/** Peak and current resident memory in bytes. */
function memory(): { peak: number; rss: number } {
  return { peak: process.resourceUsage().maxRSS * 1024, rss: process.memoryUsage().rss };
}

/**
 * Reads `bytes` as `name` and expects one 'bad-image' UserError (one line, naming the file,
 * matching `re`) with the process's peak memory grown by less than 100 MB.
 */
async function refusedCheaply(name: string, bytes: Uint8Array, re: RegExp, opts: { maxPixels?: number } = LOW): Promise<void> {
  const file = put(name, bytes);
  const before = memory();
  const err = await readImage(file, opts).then(
    () => assert.fail(`${name}: read without error`),
    (e: unknown) => e,
  );
  const grown = memory();
  assert.ok(err instanceof UserError, `${name}: ${String(err)}`);
  assert.equal(err.code, 'bad-image', name);
  assert.equal(err.file, file);
  assert.doesNotMatch(err.message, /\n/);
  assert.match(err.message, re, name);
  assert.ok(grown.peak - before.peak < 100 * MB, `${name}: peak memory grew by ${((grown.peak - before.peak) / MB).toFixed(0)} MB`);
  assert.ok(grown.rss - before.rss < 100 * MB, `${name}: memory grew by ${((grown.rss - before.rss) / MB).toFixed(0)} MB`);
}

describe('bombs: one clean bad-image error, bounded memory', () => {
  test('LZW TIFF with a runaway (cyclic) code table — used to kill Node', async () => {
    await refusedCheaply('lzw-runaway.tif', lzwRunawayTiff(), /^not a readable TIFF: page 1: corrupt LZW data: code 300 is not in the table/);
  });
  test('512 strips sharing one deflate block: the block counts once', async () => {
    // 4096×8192 = 32 MB claimed from one 4-kB block repeated: implausible even without a cap
    const b = sharedStripTiff(4096, 16, 512);
    await refusedCheaply('shared.tif', b, /^image header claims 4096×8192×1 pixels, larger than the \d+-byte file can hold \(corrupt header\?\)$/, {});
  });
  test('deflate TIFF of zeros claiming more than the cap', async () => {
    await refusedCheaply(
      'zeros.tif',
      deflateZerosTiff(2048, 256, 16),
      /^image is 2048×4096×1 \(8,388,608 pixel values\), more than the limit of 1,000,000; if the file is genuine, raise the limit with --max-pixels N/,
    );
  });
  test('deflate strip that inflates far past its size', async () => {
    await refusedCheaply(
      'strip.tif',
      deflateStripBomb(512, 256 * MB),
      /^not a readable TIFF: page 1: deflate data expands to more than the 262144 bytes of its strip/,
    );
  });
  test('PackBits strip that expands far past its size', async () => {
    await refusedCheaply('packbits.tif', packbitsStripBomb(512, 64 * MB), /^not a readable TIFF: page 1: PackBits data expands to more than the 262144 bytes/);
  });
  test('PNG with a huge IHDR and a small zlib stream of zeros', async () => {
    await refusedCheaply('huge.png', pngHugeHeader(4000, 4000, 15.8e6), /^image is 4000×4000×1 \(16,000,000 pixel values\), more than the limit of 1,000,000/);
  });
  test('PNG whose zlib stream expands far past the image', async () => {
    await refusedCheaply(
      'zbomb.png',
      pngZlibBomb(512, 256 * MB),
      /^not a readable PNG: its image data expands to more than the 262656 bytes a 512×512 image needs/,
    );
  });
  test('PNG whose zlib stream is shorter than the image (no cap needed)', async () => {
    await refusedCheaply('short.png', pngWithStream(1000, 1000, 990_000), /^not a readable PNG: its image data ends early \(990000 of the 1001000 bytes/, {});
  });
  test('JPEG claiming huge dimensions', async () => {
    await refusedCheaply('huge.jpg', jpegHugeHeader(20000, 20000), /^image header claims 20000×20000×1 pixels, larger than the \d+-byte file can hold/, {});
    // plausible for its size but over the cap
    const big = jpeg.encode({ width: 600, height: 600, data: new Uint8Array(600 * 600 * 4).map((_, i) => (i * 7919) % 251) }, 90).data;
    await refusedCheaply('big.jpg', big, /^image is 600×600×1 \(1,080,000 pixel values\), more than the limit of 1,000,000/);
  });
  test('JPEG-compressed TIFF whose JPEG frame claims more than its strip', async () => {
    const rgba = new Uint8Array(16 * 16 * 4).map((_, i) => (i * 31) % 256);
    const stream = Uint8Array.from(jpeg.encode({ width: 16, height: 16, data: rgba }, 90).data);
    const spec = { width: 16, height: 16, spp: 3, photometric: 6, compression: 7, rowsPerStrip: 16, strips: [0] };
    const ok = await readImage(put('jpeg-ok.tif', bombTiff({ ...spec, blocks: [stream] })));
    assert.deepEqual(ok.shape, [16, 16]);
    const sof = stream.findIndex((v, i) => v === 0xff && stream[i + 1] === 0xc0);
    stream.set([0x4e, 0x20, 0x4e, 0x20], sof + 5); // 20000×20000
    await refusedCheaply(
      'jpeg-huge.tif',
      bombTiff({ ...spec, blocks: [stream] }),
      /^not a readable TIFF: page 1: JPEG data claims 1200000000 pixel values, more than the 768 bytes/,
      {},
    );
  });
  test('decodeImageBytes takes the same limit', async () => {
    await assert.rejects(
      decodeImageBytes(deflateZerosTiff(2048, 256, 16), 'tiff', LOW),
      (e: unknown) => e instanceof UserError && /more than the limit of 1,000,000/.test(e.message),
    );
  });
});

describe('the size limit', () => {
  test('default 2^30; DEEPBLINK_MAX_PIXELS; option wins; invalid values are invalid-option errors', () => {
    const saved = process.env.DEEPBLINK_MAX_PIXELS;
    try {
      delete process.env.DEEPBLINK_MAX_PIXELS;
      assert.equal(DEFAULT_MAX_PIXELS, 2 ** 30);
      assert.deepEqual(decodeLimits(), { maxPixels: 2 ** 30, maxBytes: 2 ** 32 });
      process.env.DEEPBLINK_MAX_PIXELS = '5e6';
      assert.equal(decodeLimits().maxPixels, 5e6);
      assert.equal(decodeLimits(100).maxPixels, 100);
      process.env.DEEPBLINK_MAX_PIXELS = 'lots';
      assert.throws(
        () => decodeLimits(),
        (e: unknown) => e instanceof UserError && e.code === 'invalid-option' && /DEEPBLINK_MAX_PIXELS='lots'/.test(e.message),
      );
      assert.throws(
        () => decodeLimits(0),
        (e: unknown) => e instanceof UserError && e.code === 'invalid-option',
      );
    } finally {
      if (saved === undefined) delete process.env.DEEPBLINK_MAX_PIXELS;
      else process.env.DEEPBLINK_MAX_PIXELS = saved;
    }
  });
  test('an image at the limit is read; one value over is refused', async () => {
    const f = put(
      'at-limit.png',
      smallPng(100, (i) => i % 256),
    );
    assert.deepEqual((await readImage(f, { maxPixels: 10_000 })).shape, [100, 100]);
    await assert.rejects(readImage(f, { maxPixels: 9_999 }), /more than the limit of 9,999/);
  });
  test('the decoded-bytes limit (4 bytes per allowed value) stops 64-bit images first', async () => {
    const data = new Uint8Array(64 * 64 * 8);
    const f = put('f64.tif', bombTiff({ width: 64, height: 64, bits: 64, sampleFormat: 3, compression: 1, rowsPerStrip: 64, blocks: [data], strips: [0] }));
    await assert.rejects(readImage(f, { maxPixels: 4096 }), (e: unknown) => {
      assert.ok(e instanceof UserError && e.code === 'bad-image');
      assert.match(
        e.message,
        /^image is 64×64×1 and decodes to 32.8 kB, more than the limit of 16.4 kB \(4 bytes per allowed pixel value\); if the file is genuine, raise the limit/,
      );
      return true;
    });
    assert.equal((await readImage(f, { maxPixels: 8192 })).dtype, 'float64');
  });
});

describe('bounded decoders decode valid data as before', () => {
  const noise = (n: number, seed: number) => {
    const a = new Uint8Array(n);
    let x = seed;
    for (let i = 0; i < n; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      a[i] = i % 97 < 40 ? 0 : (x >>> 24) & (i % 5 === 0 ? 0xff : 0x0f);
    }
    return a;
  };
  test('LZW round trip (table fills and clears, KwKwK codes), exact output size, output past the limit refused', () => {
    for (const data of [noise(200_000, 1), new Uint8Array(50_000), noise(10, 2), new Uint8Array(1).fill(7)]) {
      const enc = lzwEncode(data);
      assert.deepEqual(lzwDecode(enc, data.length), data);
      assert.deepEqual(lzwDecode(enc, data.length + 100), data); // a short (last) strip
      if (data.length > 1) assert.throws(() => lzwDecode(enc, data.length - 1), /LZW data expands to more than/);
    }
  });
  test('PackBits and deflate round trips', () => {
    const data = noise(100_000, 3);
    assert.deepEqual(unpackBits(packbitsEncode(data), data.length), data);
    assert.deepEqual(unpackBits(Uint8Array.from([0x80, 0xfe, 9, 0x80]), 3), Uint8Array.from([9, 9, 9])); // -128 is a no-op
    assert.deepEqual(new Uint8Array(inflateBounded(zlib.deflateSync(data), data.length)), data);
    assert.throws(() => inflateBounded(zlibZeros(1_000_000), 999_999), /deflate data expands to more than the 999999 bytes/);
  });
  test('LZW, deflate and PackBits TIFFs (several strips, a short last one) read identically to the raw data', async () => {
    const w = 300;
    const h = 37;
    const rps = 8;
    const img = noise(w * h, 4);
    const strips: Uint8Array[] = [];
    for (let r = 0; r < h; r += rps) strips.push(img.subarray(r * w, Math.min(h, r + rps) * w));
    for (const [compression, enc] of [
      [5, lzwEncode],
      [8, (d: Uint8Array) => new Uint8Array(zlib.deflateSync(d))],
      [32773, packbitsEncode],
    ] as const) {
      const f = put(
        `c${compression}.tif`,
        bombTiff({ width: w, height: h, compression, rowsPerStrip: rps, blocks: strips.map(enc), strips: strips.map((_, i) => i) }),
      );
      const got = await readImage(f, LOW);
      assert.deepEqual(got.shape, [h, w]);
      assert.deepEqual(Uint8Array.from(got.data), img, `compression ${compression}`);
    }
  });
});

test('CLI: a folder with a bomb in the middle goes on past it (one error line, the summary, exit 1); --max-pixels', () => {
  const folder = path.join(dir, 'folder');
  const out = path.join(dir, 'out');
  fs.mkdirSync(folder);
  const spots = (i: number) => {
    const y = Math.floor(i / 64);
    const x = i % 64;
    return 10 + Math.round(200 * Math.exp(-((y - 20) ** 2 + (x - 30) ** 2) / 4)) + ((i * 7) % 5);
  };
  fs.writeFileSync(path.join(folder, 'a.png'), smallPng(64, spots));
  fs.writeFileSync(path.join(folder, 'b.tif'), lzwRunawayTiff()); // this one used to kill the process
  fs.writeFileSync(path.join(folder, 'c.png'), smallPng(64, spots));
  const r = spawnSync(
    process.execPath,
    [path.join(repoRoot, 'dist', 'cli', 'main.js'), 'predict', '-i', folder, '-o', out, '--method', 'log', '--max-pixels', '1e6'],
    {
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  assert.equal(r.status, 1, r.stderr);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('deepblink: error:'));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0] as string, /b\.tif: not a readable TIFF: page 1: corrupt LZW data/);
  assert.match(r.stdout, /^2\/3 images done, \d+ spots → /m);
  assert.ok(fs.existsSync(path.join(out, 'a.csv')) && fs.existsSync(path.join(out, 'c.csv')));
  // --max-pixels is parsed by the CLI: a bad value is a usage error
  const bad = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli', 'main.js'), 'check', path.join(folder, 'a.png'), '--max-pixels', 'many'], {
    encoding: 'utf8',
  });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--max-pixels/);
  const small = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli', 'main.js'), 'check', path.join(folder, 'a.png'), '--max-pixels', '4095'], {
    encoding: 'utf8',
  });
  assert.equal(small.status, 1);
  assert.match(
    small.stderr,
    /^deepblink: error: .*a\.png: image is 64×64×1 \(4,096 pixel values\), more than the limit of 4,095; if the file is genuine, raise the limit with --max-pixels N/,
  );
});
