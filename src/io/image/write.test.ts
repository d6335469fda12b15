import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fromArrayBuffer } from 'geotiff';
import { decode as decodePngLib } from 'fast-png';
import { encodeTiff, encodePng, toRational } from './write.js';
import { readImage } from './read.js';
import { resolveAxes, iteratePlanes } from './axes.js';

let dir = '';
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deepblink-write-'));
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const asArrayBuffer = (b: Uint8Array): ArrayBuffer => b.slice().buffer;

describe('encodeTiff', () => {
  test('baseline structure, read by geotiff (an independent reader): pages, values, description, resolution', async () => {
    const planes = [0, 1, 2, 3].map((k) => ({ data: Uint16Array.from({ length: 15 }, (_, i) => 1000 * k + i), height: 3, width: 5 }));
    const bytes = encodeTiff(planes, { pixelSize: { y: 0.13, x: 0.065 } });
    assert.deepEqual(Array.from(bytes.subarray(0, 4)), [0x49, 0x49, 42, 0]);
    const tiff = await fromArrayBuffer(asArrayBuffer(bytes));
    assert.equal(await tiff.getImageCount(), 4);
    for (let k = 0; k < 4; k++) {
      const img = await tiff.getImage(k);
      assert.equal(img.getWidth(), 5);
      assert.equal(img.getHeight(), 3);
      assert.equal(img.getBitsPerSample(), 16);
      const r = (await img.readRasters({ interleave: true })) as unknown as Uint16Array;
      assert.deepEqual(Array.from(r), Array.from((planes[k] as (typeof planes)[0]).data));
    }
    const first = await tiff.getImage(0);
    const desc = ((await first.fileDirectory.loadValue('ImageDescription')) as string).replace(/\0+$/, ''); // geotiff keeps the NUL
    assert.match(desc, /^ImageJ=1\.11a\nimages=4\nslices=4\nunit=micron\nloop=false\nmin=0\nmax=3014\n$/);
    const xres = (await first.fileDirectory.loadValue('XResolution')) as unknown;
    const yres = (await first.fileDirectory.loadValue('YResolution')) as unknown;
    const ratio = (v: unknown) => (Array.isArray(v) || ArrayBuffer.isView(v) ? ((v as number[])[0] as number) / ((v as number[])[1] as number) : (v as number));
    assert.ok(Math.abs(1 / ratio(xres) - 0.065) < 1e-12, `xres ${String(xres)}`);
    assert.ok(Math.abs(1 / ratio(yres) - 0.13) < 1e-12, `yres ${String(yres)}`);
    assert.equal(await first.fileDirectory.loadValue('ResolutionUnit'), 1);
  });

  test('pixel data of all pages is contiguous (ImageJ may read planes from the first IFD only)', async () => {
    const planes = [0, 1, 2].map((k) => ({ data: new Float32Array(6).fill(k + 0.5), height: 2, width: 3 }));
    const bytes = encodeTiff(planes);
    const tiff = await fromArrayBuffer(asArrayBuffer(bytes));
    const offsets: number[] = [];
    for (let k = 0; k < 3; k++) {
      const img = await tiff.getImage(k);
      offsets.push(Number(await img.fileDirectory.loadValueIndexed('StripOffsets', 0)));
    }
    assert.deepEqual(
      offsets.map((o) => o - (offsets[0] as number)),
      [0, 24, 48],
    );
  });

  test('round trip through readImage: values, pixel size and axes', async () => {
    const planes = [0, 1].map((k) => ({ data: Uint8Array.from({ length: 12 }, (_, i) => 10 * k + i), height: 3, width: 4 }));
    const file = path.join(dir, 'rt.tif');
    fs.writeFileSync(file, encodeTiff(planes, { pixelSize: { y: 0.1, x: 0.1 }, axes: 'tyx' }));
    const img = await readImage(file);
    assert.deepEqual(img.shape, [2, 3, 4]);
    assert.equal(img.axes, 'tyx');
    assert.deepEqual(img.pixelSize, { y: 0.1, x: 0.1 });
    assert.deepEqual(Array.from(img.data), [...planes[0]!.data, ...planes[1]!.data]);
  });

  test('multi-axis stacks are written in ImageJ order (channel fastest) and read back as zcyx', async () => {
    // Caller's order: c outer (2), z inner (3); plane (c, z) filled with 10c + z.
    const planes = [];
    for (let c = 0; c < 2; c++) for (let z = 0; z < 3; z++) planes.push({ data: new Uint16Array(4).fill(10 * c + z), height: 2, width: 2 });
    const bytes = encodeTiff(planes, { axes: 'czyx', shape: [2, 3], pixelSize: { x: 0.2, y: 0.2 } });
    const tiff = await fromArrayBuffer(asArrayBuffer(bytes));
    const desc = (await (await tiff.getImage(0)).fileDirectory.loadValue('ImageDescription')) as string;
    assert.match(desc, /images=6\nchannels=2\nslices=3\nhyperstack=true\nmode=grayscale\nunit=micron\n/);
    const file = path.join(dir, 'cz.tif');
    fs.writeFileSync(file, bytes);
    const img = await readImage(file);
    assert.deepEqual(img.shape, [3, 2, 2, 2]);
    assert.equal(img.axes, 'zcyx');
    const seen = [...iteratePlanes(img, resolveAxes(img).axes)].map((p) => [p.c, p.z, p.plane.data[0]]);
    assert.deepEqual(seen, [
      [0, 0, 0],
      [0, 1, 1],
      [0, 2, 2],
      [1, 0, 10],
      [1, 1, 11],
      [1, 2, 12],
    ]);
  });

  test('inconsistent input is a programming error (plain Error)', () => {
    assert.throws(() => encodeTiff([]), /no planes/);
    assert.throws(
      () =>
        encodeTiff([
          { data: new Uint8Array(4), height: 2, width: 2 },
          { data: new Uint8Array(6), height: 2, width: 3 },
        ]),
      /plane 1 is 3×2/,
    );
    assert.throws(
      () =>
        encodeTiff([
          { data: new Uint8Array(4), height: 2, width: 2 },
          { data: new Uint16Array(4), height: 2, width: 2 },
        ]),
      /different pixel type/,
    );
    assert.throws(() => encodeTiff([{ data: new Uint8Array(3), height: 2, width: 2 }]), /holds 3 values/);
    assert.throws(() => encodeTiff([{ data: new Uint8Array(4), height: 2, width: 2 }], { axes: 'czyx' }), /opts\.shape/);
  });
});

describe('toRational', () => {
  test('close approximations within 32-bit numerator and denominator', () => {
    for (const v of [10, 1 / 0.065, 1 / 0.1083333, 2.578648, 15.384615, 1e-3, 1e5]) {
      const [p, q] = toRational(v);
      assert.ok(p <= 0xffffffff && q <= 0xffffffff && p > 0 && q > 0);
      assert.ok(Math.abs(p / q - v) / v < 1e-9, `${v}: ${p}/${q}`);
    }
  });
});

describe('encodePng', () => {
  test('grey and RGB round trip through fast-png', () => {
    const grey = Uint8Array.from({ length: 6 }, (_, i) => i * 40);
    let png = decodePngLib(encodePng(grey, 3, 2));
    assert.equal(png.channels, 1);
    assert.deepEqual(Array.from(png.data), Array.from(grey));
    const rgb = Uint8Array.from({ length: 18 }, (_, i) => i * 10);
    png = decodePngLib(encodePng(rgb, 3, 2));
    assert.equal(png.channels, 3);
    assert.deepEqual(Array.from(png.data), Array.from(rgb));
    assert.throws(() => encodePng(new Uint8Array(5), 3, 2), /do not fit/);
  });
});

test('a z step is written as ImageJ spacing and read back as zStep (µm per slice)', async () => {
  const { decodeImageBytes } = await import('./read.js');
  const planes = [0, 1, 2].map(() => ({ data: new Uint16Array(6 * 5).fill(7), height: 6, width: 5 }));
  const img = await decodeImageBytes(encodeTiff(planes, { axes: 'zyx', pixelSize: { y: 0.1, x: 0.1 }, zStep: 0.35 }));
  assert.equal(img.axes, 'zyx');
  assert.ok(Math.abs(img.zStep! - 0.35) < 1e-12, String(img.zStep));
  assert.ok(Math.abs(img.pixelSize!.x - 0.1) < 1e-6);
  // without a length unit there is no z step
  const bare = await decodeImageBytes(encodeTiff(planes, { axes: 'zyx', zStep: 0.35 }));
  assert.equal(bare.zStep, undefined);
});
