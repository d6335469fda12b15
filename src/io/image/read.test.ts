import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeArrayBuffer } from 'geotiff';
import { encode as encodePngLib } from 'fast-png';
import jpeg from 'jpeg-js';
import { readImage, decodeImageBytes, type RawImage } from './read.js';
import { encodeTiff } from './write.js';
import { resolveAxes, iteratePlanes } from './axes.js';
import { UserError } from '../../core/errors.js';

// ---------------------------------------------------------------------------------------------
// A minimal hand-written TIFF builder for fixtures the writer under test cannot (or should not)
// produce: big-endian files, RGB samples, metadata variants, deliberately broken headers.

interface PageSpec {
  width: number;
  height: number;
  bits: number;
  format?: number; // SampleFormat
  spp?: number;
  photometric?: number;
  extraSamples?: number[];
  data: Uint8Array; // raw strip bytes, already in the file's byte order
  description?: string;
  xres?: [number, number];
  yres?: [number, number];
  resUnit?: number;
  newSubfileType?: number;
  compression?: number;
  /** Override StripByteCounts / StripOffsets (for broken files). */
  byteCount?: number;
  stripOffset?: number;
}

function buildTiff(pages: PageSpec[], opts: { bigEndian?: boolean; loop?: boolean } = {}): Uint8Array {
  const le = !opts.bigEndian;
  const chunks: { at: number; bytes: Uint8Array }[] = [];
  let cursor = 8;
  const alloc = (bytes: Uint8Array) => {
    const at = cursor;
    chunks.push({ at, bytes });
    cursor += bytes.length + (bytes.length & 1);
    return at;
  };
  const u16 = (v: number[]) => {
    const b = new Uint8Array(v.length * 2);
    const dv = new DataView(b.buffer);
    v.forEach((x, i) => dv.setUint16(2 * i, x, le));
    return b;
  };
  const u32 = (v: number[]) => {
    const b = new Uint8Array(v.length * 4);
    const dv = new DataView(b.buffer);
    v.forEach((x, i) => dv.setUint32(4 * i, x, le));
    return b;
  };
  const ifdOffsets: number[] = [];
  const ifdBlobs: { at: number; entries: [number, number, number, Uint8Array][] }[] = [];
  for (const p of pages) {
    const spp = p.spp ?? 1;
    const dataAt = alloc(p.data);
    const entries: [number, number, number, Uint8Array][] = []; // tag, type, count, value bytes
    const add = (tag: number, type: number, count: number, bytes: Uint8Array) => entries.push([tag, type, count, bytes]);
    if (p.newSubfileType !== undefined) add(254, 4, 1, u32([p.newSubfileType]));
    add(256, 4, 1, u32([p.width]));
    add(257, 4, 1, u32([p.height]));
    add(258, 3, spp, u16(new Array(spp).fill(p.bits)));
    add(259, 3, 1, u16([p.compression ?? 1]));
    add(262, 3, 1, u16([p.photometric ?? (spp >= 3 ? 2 : 1)]));
    if (p.description !== undefined) {
      const d = new TextEncoder().encode(`${p.description}\0`);
      add(270, 2, d.length, d);
    }
    add(273, 4, 1, u32([p.stripOffset ?? dataAt]));
    add(277, 3, 1, u16([spp]));
    add(278, 4, 1, u32([p.height]));
    add(279, 4, 1, u32([p.byteCount ?? p.data.length]));
    if (p.xres) add(282, 5, 1, u32(p.xres));
    if (p.yres) add(283, 5, 1, u32(p.yres));
    if (p.resUnit !== undefined) add(296, 3, 1, u16([p.resUnit]));
    if (p.extraSamples) add(338, 3, p.extraSamples.length, u16(p.extraSamples));
    add(339, 3, spp, u16(new Array(spp).fill(p.format ?? 1)));
    // Out-of-line values.
    const sized = entries.map(([tag, type, count, bytes]) => {
      if (bytes.length > 4) return [tag, type, count, u32([alloc(bytes)])] as [number, number, number, Uint8Array];
      const b = new Uint8Array(4);
      b.set(bytes);
      return [tag, type, count, b] as [number, number, number, Uint8Array];
    });
    const ifdLen = 2 + sized.length * 12 + 4;
    const at = alloc(new Uint8Array(ifdLen));
    ifdOffsets.push(at);
    ifdBlobs.push({ at, entries: sized });
  }
  const out = new Uint8Array(cursor);
  const dv = new DataView(out.buffer);
  out[0] = out[1] = le ? 0x49 : 0x4d;
  dv.setUint16(2, 42, le);
  dv.setUint32(4, ifdOffsets[0] as number, le);
  for (const c of chunks) out.set(c.bytes, c.at);
  ifdBlobs.forEach((blob, k) => {
    dv.setUint16(blob.at, blob.entries.length, le);
    blob.entries.forEach(([tag, type, count, val], i) => {
      const p = blob.at + 2 + i * 12;
      dv.setUint16(p, tag, le);
      dv.setUint16(p + 2, type, le);
      dv.setUint32(p + 4, count, le);
      out.set(val, p + 8);
    });
    const next = opts.loop ? (ifdOffsets[0] as number) : k + 1 < ifdOffsets.length ? (ifdOffsets[k + 1] as number) : 0;
    dv.setUint32(blob.at + 2 + blob.entries.length * 12, next, le);
  });
  return out;
}

/** Raw bytes of a typed array in the requested byte order. */
function rawBytes(a: ArrayLike<number>, kind: 'u8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64', le = true): Uint8Array {
  const size = { u8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, f64: 8 }[kind];
  const b = new Uint8Array(a.length * size);
  const dv = new DataView(b.buffer);
  for (let i = 0; i < a.length; i++) {
    const v = a[i] as number;
    switch (kind) {
      case 'u8':
        dv.setUint8(i, v);
        break;
      case 'u16':
        dv.setUint16(2 * i, v, le);
        break;
      case 'i16':
        dv.setInt16(2 * i, v, le);
        break;
      case 'u32':
        dv.setUint32(4 * i, v, le);
        break;
      case 'i32':
        dv.setInt32(4 * i, v, le);
        break;
      case 'f32':
        dv.setFloat32(4 * i, v, le);
        break;
      case 'f64':
        dv.setFloat64(8 * i, v, le);
        break;
    }
  }
  return b;
}

let dir = '';
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deepblink-image-'));
});
after(() => {
  if (!process.env.KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
});

function put(name: string, bytes: Uint8Array | ArrayBuffer): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  return p;
}

async function rejectsUser(p: Promise<unknown>, re: RegExp): Promise<UserError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    assert.match(err.message, re);
    assert.ok(!err.message.includes('\n'), 'message must be one line');
    return err;
  }
  assert.fail(`expected a UserError matching ${re}`);
}

const ramp = <T = number>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

// ---------------------------------------------------------------------------------------------

describe('readImage: TIFF round trips through encodeTiff', () => {
  const cases: [string, () => ArrayLike<number> & { length: number }, string][] = [
    ['uint8', () => Uint8Array.from(ramp(20, (i) => (i * 13) % 256)), 'uint8'],
    ['uint16', () => Uint16Array.from(ramp(20, (i) => (i * 3001) % 65536)), 'uint16'],
    ['int16', () => Int16Array.from(ramp(20, (i) => (i - 10) * 3000)), 'int16'],
    ['int32', () => Int32Array.from(ramp(20, (i) => (i - 10) * 200_000_003)), 'int32'],
    ['uint32', () => Uint32Array.from(ramp(20, (i) => i * 200_000_003)), 'uint32'],
    ['float32', () => Float32Array.from(ramp(20, (i) => (i - 7) * 0.125 + 1e-3)), 'float32'],
    ['float64', () => Float64Array.from(ramp(20, (i) => Math.PI * (i - 3))), 'float64'],
  ];
  for (const [name, make, dtype] of cases) {
    test(`${name}: values, dtype, shape, pixel size`, async () => {
      const data = make() as Uint8Array;
      const file = put(`rt-${name}.tif`, encodeTiff([{ data, height: 4, width: 5 }], { pixelSize: { y: 0.2, x: 0.1 } }));
      const img = await readImage(file);
      assert.equal(img.dtype, dtype);
      assert.deepEqual(img.shape, [4, 5]);
      assert.equal(img.axes, 'yx');
      assert.deepEqual(Array.from(img.data), Array.from(data));
      assert.ok(img.pixelSize);
      assert.ok(Math.abs(img.pixelSize.x - 0.1) < 1e-12 && Math.abs(img.pixelSize.y - 0.2) < 1e-12);
      assert.deepEqual(img.warnings, []);
      assert.equal(img.path, file);
    });
  }

  test('multi-page stack: C-order pages, axes zyx', async () => {
    const planes = [0, 1, 2].map((k) => ({ data: Uint16Array.from(ramp(6, (i) => 1000 * k + i)), height: 2, width: 3 }));
    const img = await readImage(put('stack.tif', encodeTiff(planes)));
    assert.deepEqual(img.shape, [3, 2, 3]);
    assert.equal(img.axes, 'zyx');
    assert.deepEqual(Array.from(img.data), [0, 1, 2, 3, 4, 5, 1000, 1001, 1002, 1003, 1004, 1005, 2000, 2001, 2002, 2003, 2004, 2005]);
    assert.equal(img.pixelSize, undefined);
  });

  test('upper-case extension .TIF is accepted', async () => {
    const img = await readImage(put('UPPER.TIF', encodeTiff([{ data: new Uint8Array(4), height: 2, width: 2 }])));
    assert.deepEqual(img.shape, [2, 2]);
  });
});

describe('readImage: TIFFs from other writers', () => {
  test('geotiff writeArrayBuffer (big-endian, single page) uint8 / uint16 / float32', async () => {
    const vals = ramp(12, (i) => i * 7);
    for (const [arr, dtype] of [
      [Uint8Array.from(vals), 'uint8'],
      [Uint16Array.from(vals.map((v) => v * 300)), 'uint16'],
      [Float32Array.from(vals.map((v) => v / 8)), 'float32'],
    ] as const) {
      const ab = writeArrayBuffer(arr, { width: 4, height: 3 });
      const img = await readImage(put(`geotiff-${dtype}.tif`, ab));
      assert.equal(img.dtype, dtype);
      assert.deepEqual(img.shape, [3, 4]);
      assert.deepEqual(Array.from(img.data), Array.from(arr));
    }
  });

  test('hand-built big-endian int16 and little-endian int32 / float32 pages', async () => {
    const i16 = ramp(6, (i) => (i - 3) * 1000);
    let img = await readImage(
      put('be-i16.tif', buildTiff([{ width: 3, height: 2, bits: 16, format: 2, data: rawBytes(i16, 'i16', false) }], { bigEndian: true })),
    );
    assert.equal(img.dtype, 'int16');
    assert.deepEqual(Array.from(img.data), i16);
    const i32 = ramp(6, (i) => (i - 3) * 1e8);
    img = await readImage(put('le-i32.tif', buildTiff([{ width: 3, height: 2, bits: 32, format: 2, data: rawBytes(i32, 'i32') }])));
    assert.equal(img.dtype, 'int32');
    assert.deepEqual(Array.from(img.data), i32);
    const f32 = ramp(6, (i) => i / 4 - 0.5);
    img = await readImage(put('le-f32.tif', buildTiff([{ width: 3, height: 2, bits: 32, format: 3, data: rawBytes(f32, 'f32') }])));
    assert.equal(img.dtype, 'float32');
    assert.deepEqual(Array.from(img.data), f32);
  });

  test('plain multi-page TIFF without metadata: no axes; guessed zyx (10 pages) / cyx (3 pages)', async () => {
    const page = (k: number) => ({ width: 16, height: 12, bits: 8, data: Uint8Array.from(ramp(192, () => k)) });
    const ten = await readImage(put('plain10.tif', buildTiff(ramp(10, page))));
    assert.deepEqual(ten.shape, [10, 12, 16]);
    assert.equal(ten.axes, undefined);
    assert.deepEqual(resolveAxes(ten), { axes: 'zyx', shape: [10, 12, 16], source: 'guessed' });
    const three = await readImage(put('plain3.tif', buildTiff(ramp(3, page))));
    assert.equal(resolveAxes(three).axes, 'cyx');
    const planes = [...iteratePlanes(ten, 'zyx')];
    assert.equal(planes.length, 10);
    assert.equal(planes[7]?.plane.data[0], 7);
  });

  test('reduced-resolution pages (thumbnails) are skipped with a warning', async () => {
    const img = await readImage(
      put(
        'thumb.tif',
        buildTiff([
          { width: 4, height: 4, bits: 8, data: new Uint8Array(16).fill(9) },
          { width: 2, height: 2, bits: 8, data: new Uint8Array(4), newSubfileType: 1 },
        ]),
      ),
    );
    assert.deepEqual(img.shape, [4, 4]);
    assert.match(img.warnings.join(' '), /reduced-resolution/);
  });

  test('pages of different sizes → UserError', async () => {
    const file = put(
      'mixed.tif',
      buildTiff([
        { width: 4, height: 4, bits: 8, data: new Uint8Array(16) },
        { width: 4, height: 3, bits: 8, data: new Uint8Array(12) },
      ]),
    );
    await rejectsUser(readImage(file), /page 2 is 4×3 uint8 but page 1 is 4×4 uint8; all pages of a stack must have the same size and type/);
  });

  test('pages of different types → UserError', async () => {
    const file = put(
      'mixedtype.tif',
      buildTiff([
        { width: 2, height: 2, bits: 8, data: new Uint8Array(4) },
        { width: 2, height: 2, bits: 16, data: new Uint8Array(8) },
      ]),
    );
    await rejectsUser(readImage(file), /same size and type/);
  });
});

describe('readImage: metadata', () => {
  test('ImageJ hyperstack channels=2 slices=3 frames=1 → shape (3, 2, H, W), axes zcyx, 0.1 µm', async () => {
    // Pages in ImageJ order: channel fastest, then slice.
    const pages: PageSpec[] = [];
    for (let z = 0; z < 3; z++) {
      for (let c = 0; c < 2; c++) {
        pages.push({
          width: 5,
          height: 4,
          bits: 16,
          data: rawBytes(
            ramp(20, () => 10 * z + c),
            'u16',
          ),
          xres: [10_000_000, 1_000_000],
          yres: [10_000_000, 1_000_000],
          resUnit: 1,
          ...(z === 0 && c === 0
            ? { description: 'ImageJ=1.53t\nimages=6\nchannels=2\nslices=3\nframes=1\nhyperstack=true\nmode=composite\nunit=micron\nloop=false\n' }
            : {}),
        });
      }
    }
    const img = await readImage(put('ij-hyper.tif', buildTiff(pages)));
    assert.deepEqual(img.shape, [3, 2, 4, 5]);
    assert.equal(img.axes, 'zcyx');
    assert.deepEqual(img.pixelSize, { x: 0.1, y: 0.1 });
    const r = resolveAxes(img);
    assert.deepEqual(r, { axes: 'zcyx', shape: [3, 2, 4, 5], source: 'metadata' });
    const seen = [...iteratePlanes(img, r.axes)].map((p) => [p.c, p.t, p.z, p.plane.data[0]]);
    assert.deepEqual(seen, [
      [0, 0, 0, 0],
      [0, 0, 1, 10],
      [0, 0, 2, 20],
      [1, 0, 0, 1],
      [1, 0, 1, 11],
      [1, 0, 2, 21],
    ]);
  });

  test('ImageJ unit variants: \\u00B5m (escaped), nm, pixel', async () => {
    const mk = (unit: string, xres: [number, number], yres: [number, number]) =>
      buildTiff([{ width: 2, height: 2, bits: 8, data: new Uint8Array(4), description: `ImageJ=1.51n\nunit=${unit}\n`, xres, yres, resUnit: 1 }]);
    let img = await readImage(put('u1.tif', mk('\\u00B5m', [5, 1], [4, 1])));
    assert.deepEqual(img.pixelSize, { x: 0.2, y: 0.25 });
    img = await readImage(put('u2.tif', mk('nm', [1, 100], [1, 50])));
    assert.ok(img.pixelSize && Math.abs(img.pixelSize.x - 0.1) < 1e-12 && Math.abs(img.pixelSize.y - 0.05) < 1e-12);
    img = await readImage(put('u3.tif', mk('pixel', [5, 1], [4, 1])));
    assert.equal(img.pixelSize, undefined);
  });

  test('ImageJ calibrated like deepBlink tests/data/image_micron.tif (unit 1 + ImageJ unit) → (0.3878, 0.4824)', async () => {
    const img = await readImage(
      put(
        'micron.tif',
        buildTiff([
          {
            width: 3,
            height: 2,
            bits: 8,
            data: new Uint8Array(6),
            description: 'ImageJ=1.53f\nunit=micron\n',
            xres: [2578648, 1000000],
            yres: [2072968, 1000000],
            resUnit: 1,
          },
        ]),
      ),
    );
    assert.ok(img.pixelSize);
    // 1e6 / 2578648 = 0.387800 and 1e6 / 2072968 = 0.482400 (the upstream test checks ≈ 0.3878, 0.4824).
    assert.ok(Math.abs(img.pixelSize.x - 0.3878) < 1e-5);
    assert.ok(Math.abs(img.pixelSize.y - 0.4824) < 1e-5);
  });

  test('overflowed ImageJ calibration (ImageJ 1.51 wrote 2^32/1e4 px per µm) is ignored with a warning', async () => {
    const img = await readImage(
      put(
        'overflow.tif',
        buildTiff([
          {
            width: 2,
            height: 2,
            bits: 8,
            data: new Uint8Array(4),
            description: 'ImageJ=1.51n\nunit=\\u00B5m\n',
            xres: [4294967292, 10000],
            yres: [4294967292, 10000],
            resUnit: 1,
          },
        ]),
      ),
    );
    assert.equal(img.pixelSize, undefined);
    assert.match(img.warnings.join(' '), /implausibly small/);
  });

  test('plain TIFF ResolutionUnit: cm and inch converted to µm; none → no pixel size; 72 dpi ignored', async () => {
    const mk = (res: [number, number], unit?: number) =>
      buildTiff([{ width: 2, height: 2, bits: 8, data: new Uint8Array(4), xres: res, yres: res, ...(unit !== undefined ? { resUnit: unit } : {}) }]);
    let img = await readImage(put('cm.tif', mk([100000, 1], 3)));
    assert.deepEqual(img.pixelSize, { x: 0.1, y: 0.1 });
    img = await readImage(put('inch.tif', mk([254000, 1], 2)));
    assert.deepEqual(img.pixelSize, { x: 0.1, y: 0.1 });
    img = await readImage(put('none.tif', mk([254000, 1], 1)));
    assert.equal(img.pixelSize, undefined);
    img = await readImage(put('absent.tif', mk([254000, 1])));
    assert.equal(img.pixelSize, undefined);
    img = await readImage(put('72dpi.tif', mk([72, 1], 2)));
    assert.equal(img.pixelSize, undefined);
    assert.match(img.warnings.join(' '), /ignoring the pixel size .*72 dpi/);
  });

  test('OME-TIFF, DimensionOrder XYCZT (C fastest) → zcyx; physical sizes with units', async () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06">' +
      '<Image ID="Image:0" Name="test"><Pixels ID="Pixels:0" DimensionOrder="XYCZT" Type="uint16" ' +
      'SizeX="4" SizeY="3" SizeC="2" SizeZ="3" SizeT="1" PhysicalSizeX="0.065" PhysicalSizeXUnit="µm" ' +
      'PhysicalSizeY="65" PhysicalSizeYUnit="nm"><Channel ID="Channel:0:0"/><Channel ID="Channel:0:1"/>' +
      '<TiffData IFD="0" PlaneCount="6"/></Pixels></Image></OME>';
    const pages: PageSpec[] = [];
    for (let z = 0; z < 3; z++)
      for (let c = 0; c < 2; c++) {
        pages.push({
          width: 4,
          height: 3,
          bits: 16,
          data: rawBytes(
            ramp(12, () => 100 * z + c),
            'u16',
          ),
          ...(pages.length === 0 ? { description: xml } : {}),
        });
      }
    const img = await readImage(put('ome.ome.tif', buildTiff(pages)));
    assert.deepEqual(img.shape, [3, 2, 3, 4]);
    assert.equal(img.axes, 'zcyx');
    assert.ok(img.pixelSize);
    assert.ok(Math.abs(img.pixelSize.x - 0.065) < 1e-12 && Math.abs(img.pixelSize.y - 0.065) < 1e-12);
    const planes = [...iteratePlanes(img, resolveAxes(img).axes)];
    assert.deepEqual(
      planes.map((p) => [p.c, p.z, p.plane.data[0]]),
      [
        [0, 0, 0],
        [0, 1, 100],
        [0, 2, 200],
        [1, 0, 1],
        [1, 1, 101],
        [1, 2, 201],
      ],
    );
  });

  test('OME-TIFF, DimensionOrder XYZCT, no TiffData, default µm unit → czyx', async () => {
    const xml =
      '<OME><Image ID="Image:0"><Pixels DimensionOrder="XYZCT" SizeX="2" SizeY="2" SizeZ="2" SizeC="2" SizeT="1" PhysicalSizeX="0.1" PhysicalSizeY="0.1" Type="uint8"/></Image></OME>';
    const pages: PageSpec[] = ramp(4, (k) => ({ width: 2, height: 2, bits: 8, data: new Uint8Array(4).fill(k), ...(k === 0 ? { description: xml } : {}) }));
    const img = await readImage(put('ome2.tif', buildTiff(pages)));
    assert.deepEqual(img.shape, [2, 2, 2, 2]);
    assert.equal(img.axes, 'czyx');
    assert.deepEqual(img.pixelSize, { x: 0.1, y: 0.1 });
    // page k = z + 2c
    const planes = [...iteratePlanes(img, 'czyx')].map((p) => [p.c, p.z, p.plane.data[0]]);
    assert.deepEqual(planes, [
      [0, 0, 0],
      [0, 1, 1],
      [1, 0, 2],
      [1, 1, 3],
    ]);
  });

  test('ImageJ stack with a single IFD (as ImageJ writes over 4 GiB): planes read contiguously', async () => {
    const planes = rawBytes(
      ramp(12, (i) => Math.floor(i / 4) * 100 + (i % 4)),
      'u16',
    );
    const img = await readImage(
      put(
        'ij-contig.tif',
        buildTiff([
          {
            width: 2,
            height: 2,
            bits: 16,
            data: planes,
            byteCount: 8,
            description: 'ImageJ=1.53t\nimages=3\nslices=3\nloop=false\n',
          },
        ]),
      ),
    );
    assert.deepEqual(img.shape, [3, 2, 2]);
    assert.equal(img.axes, 'zyx');
    assert.deepEqual(Array.from(img.data), [0, 1, 2, 3, 100, 101, 102, 103, 200, 201, 202, 203]);
    // ... and a description promising more planes than the file can hold.
    await rejectsUser(
      readImage(
        put(
          'ij-contig-short.tif',
          buildTiff([
            {
              width: 2,
              height: 2,
              bits: 16,
              data: planes,
              byteCount: 8,
              description: 'ImageJ=1.53t\nimages=1000\nslices=1000\n',
            },
          ]),
        ),
      ),
      /^image header claims 2×2×1000 pixels, larger than the \d+-byte file can hold \(corrupt header\?\)$/,
    );
  });

  test('OME-TIFF whose planes live in other files → UserError', async () => {
    const xml =
      '<OME><Image ID="Image:0"><Pixels DimensionOrder="XYZCT" SizeX="2" SizeY="2" SizeZ="3" SizeC="1" SizeT="1" Type="uint8">' +
      '<TiffData FirstZ="0" IFD="0" PlaneCount="1"><UUID FileName="a.ome.tif">urn:uuid:1</UUID></TiffData>' +
      '<TiffData FirstZ="1" IFD="0" PlaneCount="2"><UUID FileName="b.ome.tif">urn:uuid:2</UUID></TiffData></Pixels></Image></OME>';
    await rejectsUser(
      readImage(put('multi.ome.tif', buildTiff([{ width: 2, height: 2, bits: 8, data: new Uint8Array(4), description: xml }]))),
      /spread over several files/,
    );
  });

  test('unsupported compression → UserError, not a crash', async () => {
    const file = put('oldjpeg.tif', buildTiff([{ width: 2, height: 2, bits: 8, data: new Uint8Array(4), compression: 6 }]));
    await rejectsUser(readImage(file), /^not a readable TIFF: page 1: /);
  });

  test('tifffile shaped description {"shape": [2, 3, H, W]} reshapes the pages', async () => {
    const pages: PageSpec[] = ramp(6, (k) => ({
      width: 2,
      height: 2,
      bits: 8,
      data: new Uint8Array(4).fill(k),
      ...(k === 0 ? { description: '{"shape": [2, 3, 2, 2]}' } : {}),
    }));
    const img = await readImage(put('shaped.tif', buildTiff(pages)));
    assert.deepEqual(img.shape, [2, 3, 2, 2]);
    assert.equal(img.axes, undefined);
  });
});

describe('readImage: colour', () => {
  test('RGB TIFF → grey (rgb2gray weights) with a warning', async () => {
    const rgb = [10, 20, 30, 200, 100, 0, 0, 0, 255, 255, 255, 255];
    const img = await readImage(put('rgb.tif', buildTiff([{ width: 2, height: 2, bits: 8, spp: 3, data: Uint8Array.from(rgb) }])));
    assert.equal(img.dtype, 'float32');
    assert.deepEqual(img.shape, [2, 2]);
    const expect = [0, 1, 2, 3].map((i) => 0.2125 * (rgb[3 * i] as number) + 0.7154 * (rgb[3 * i + 1] as number) + 0.0721 * (rgb[3 * i + 2] as number));
    Array.from(img.data).forEach((v, i) => assert.ok(Math.abs(v - (expect[i] as number)) < 1e-3));
    assert.match(img.warnings.join(' '), /RGB image converted to grey/);
  });

  test('RGBA TIFF with R = G = B → one channel, original dtype, warning', async () => {
    const px = [5, 5, 5, 255, 9, 9, 9, 255];
    const img = await readImage(put('rgba.tif', buildTiff([{ width: 2, height: 1, bits: 8, spp: 4, extraSamples: [2], data: Uint8Array.from(px) }])));
    assert.equal(img.dtype, 'uint8');
    assert.deepEqual(Array.from(img.data), [5, 9]);
    assert.match(img.warnings.join(' '), /identical R, G and B/);
  });

  test('PNG 8-bit and 16-bit grey', async () => {
    const g8 = Uint8Array.from(ramp(12, (i) => i * 20));
    let img = await readImage(put('g8.png', encodePngLib({ width: 4, height: 3, data: g8, channels: 1, depth: 8 })));
    assert.equal(img.dtype, 'uint8');
    assert.deepEqual(img.shape, [3, 4]);
    assert.equal(img.axes, 'yx');
    assert.deepEqual(Array.from(img.data), Array.from(g8));
    assert.deepEqual(img.warnings, []);
    const g16 = Uint16Array.from(ramp(12, (i) => i * 5000 + 7));
    img = await readImage(put('g16.png', encodePngLib({ width: 4, height: 3, data: g16, channels: 1, depth: 16 })));
    assert.equal(img.dtype, 'uint16');
    assert.deepEqual(Array.from(img.data), Array.from(g16));
  });

  test('PNG RGB → grey with warning; grey+alpha → alpha dropped; palette → expanded; 1-bit unpacked', async () => {
    const rgb = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 10, 10]);
    let img = await readImage(put('rgb.png', encodePngLib({ width: 2, height: 2, data: rgb, channels: 3, depth: 8 })));
    assert.equal(img.dtype, 'float32');
    const expect = [0.2125 * 255, 0.7154 * 255, 0.0721 * 255, 10];
    Array.from(img.data).forEach((v, i) => assert.ok(Math.abs(v - (expect[i] as number)) < 1e-3, `${v}`));
    assert.match(img.warnings.join(' '), /RGB image converted to grey/);

    const ga = Uint8Array.from([1, 255, 2, 255, 3, 255, 4, 255]);
    img = await readImage(put('ga.png', encodePngLib({ width: 2, height: 2, data: ga, channels: 2, depth: 8 })));
    assert.deepEqual(Array.from(img.data), [1, 2, 3, 4]);
    assert.deepEqual(img.warnings, []);

    const palette = [
      [0, 0, 0],
      [100, 100, 100],
      [200, 200, 200],
    ];
    img = await readImage(put('pal.png', encodePngLib({ width: 2, height: 2, data: Uint8Array.from([0, 1, 2, 1]), channels: 1, depth: 8, palette })));
    assert.equal(img.dtype, 'uint8');
    assert.deepEqual(Array.from(img.data), [0, 100, 200, 100]);

    // 1-bit grey: rows padded to whole bytes: 3 pixels per row → 1 byte per row.
    img = await readImage(put('bits.png', encodePngLib({ width: 3, height: 2, data: Uint8Array.from([0b10100000, 0b01000000]), channels: 1, depth: 1 })));
    assert.deepEqual(Array.from(img.data), [1, 0, 1, 0, 1, 0]);
  });

  test('PNG pHYs (pixels per metre) gives the pixel size; 72 dpi is ignored', async () => {
    const withPhys = (ppmX: number, ppmY: number) => {
      const png = encodePngLib({ width: 2, height: 2, data: new Uint8Array(4), channels: 1, depth: 8 });
      // Insert a pHYs chunk after IHDR (8-byte signature + 25-byte IHDR chunk). CRCs are not checked.
      const chunk = new Uint8Array(21);
      const dv = new DataView(chunk.buffer);
      dv.setUint32(0, 9);
      chunk.set([0x70, 0x48, 0x59, 0x73], 4); // 'pHYs'
      dv.setUint32(8, ppmX);
      dv.setUint32(12, ppmY);
      chunk[16] = 1; // unit: metre
      const out = new Uint8Array(png.length + chunk.length);
      out.set(png.subarray(0, 33));
      out.set(chunk, 33);
      out.set(png.subarray(33), 33 + chunk.length);
      return out;
    };
    let img = await readImage(put('phys.png', withPhys(10_000_000, 5_000_000)));
    assert.deepEqual(img.pixelSize, { x: 0.1, y: 0.2 });
    img = await readImage(put('phys72.png', withPhys(2835, 2835)));
    assert.equal(img.pixelSize, undefined);
    assert.match(img.warnings.join(' '), /PNG pHYs/);
  });

  test('JPEG: grey content and colour content', async () => {
    const w = 16;
    const h = 8;
    const grey = new Uint8Array(w * h * 4);
    for (let i = 0; i < w * h; i++) grey.set([128, 128, 128, 255], 4 * i);
    let img = await readImage(put('grey.jpg', jpeg.encode({ width: w, height: h, data: grey }, 100).data));
    assert.deepEqual(img.shape, [h, w]);
    Array.from(img.data).forEach((v) => assert.ok(Math.abs(v - 128) <= 2, `${v}`));
    const colour = new Uint8Array(w * h * 4);
    for (let i = 0; i < w * h; i++) colour.set([200, 30, 30, 255], 4 * i);
    img = await readImage(put('colour.jpeg', jpeg.encode({ width: w, height: h, data: colour }, 100).data));
    assert.equal(img.dtype, 'float32');
    const lum = 0.2125 * 200 + 0.7154 * 30 + 0.0721 * 30;
    Array.from(img.data).forEach((v) => assert.ok(Math.abs(v - lum) < 4, `${v}`));
    assert.match(img.warnings.join(' '), /RGB image converted to grey/);
  });

  test('content wins over a wrong extension (PNG named .tif), with a warning', async () => {
    const img = await readImage(put('really-png.tif', encodePngLib({ width: 1, height: 1, data: Uint8Array.from([7]), channels: 1, depth: 8 })));
    assert.deepEqual(Array.from(img.data), [7]);
    assert.match(img.warnings.join(' '), /content is PNG/);
  });
});

describe('readImage: bad input gives one-line UserErrors', () => {
  test('unknown extension', async () => {
    const e = await rejectsUser(
      readImage(put('image.bmp', new Uint8Array(10))),
      /^unsupported file type '\.bmp' \(expected \.tif, \.tiff, \.png, \.jpg, \.jpeg, or an OME-Zarr folder \.zarr\)$/,
    );
    assert.ok(e.file?.endsWith('image.bmp'));
  });
  test('missing file', async () => {
    await rejectsUser(readImage(path.join(dir, 'nope.tif')), /^file not found$/);
  });
  test('0-byte file', async () => {
    await rejectsUser(readImage(put('empty.tif', new Uint8Array(0))), /^empty file \(0 bytes\)$/);
  });
  test('directory', async () => {
    fs.mkdirSync(path.join(dir, 'folder.tif'));
    await rejectsUser(readImage(path.join(dir, 'folder.tif')), /directory/);
  });
  test('garbage bytes with .tif / .png / .jpg', async () => {
    const junk = new TextEncoder().encode('this is not an image at all, just some text');
    await rejectsUser(readImage(put('junk.tif', junk)), /^not a readable TIFF: /);
    await rejectsUser(readImage(put('junk.png', junk)), /^not a readable PNG: /);
    await rejectsUser(readImage(put('junk.jpg', junk)), /^not a readable JPEG: /);
  });
  test('TIFF header with garbage after it', async () => {
    const b = new Uint8Array(64);
    b.set([0x49, 0x49, 42, 0, 0xff, 0xff, 0xff, 0x0f]);
    await rejectsUser(readImage(put('badifd.tif', b)), /^truncated TIFF: directory \(IFD\) of page 1 lies past the end of the file$/);
  });
  test('truncated TIFF (strips point past the end of the file)', async () => {
    const full = encodeTiff([0, 1, 2].map(() => ({ data: new Uint16Array(64 * 64).fill(5), height: 64, width: 64 })));
    // Cut inside the pixel data: IFD 0 survives, its strip does not fit, later IFDs are gone.
    await rejectsUser(readImage(put('trunc1.tif', full.slice(0, 5000))), /^truncated TIFF: directory \(IFD\) of page 2 lies past the end of the file$/);
    // A single-page file cut in its pixel data: the strip runs past the end.
    const one = encodeTiff([{ data: new Uint16Array(64 * 64).fill(5), height: 64, width: 64 }]);
    await rejectsUser(
      readImage(put('trunc2.tif', one.slice(0, one.length - 100))),
      /^truncated TIFF: image data of page 1 ends at byte \d+ but the file has only \d+ bytes$/,
    );
  });
  test('absurd header dimensions are rejected before allocating', async () => {
    const b = buildTiff([{ width: 100000, height: 100000, bits: 16, data: new Uint8Array(16) }]);
    await rejectsUser(readImage(put('huge.tif', b)), /^image header claims 100000×100000×1 pixels, larger than .* \(corrupt header\?\)$/);
    // Under 2^31 samples but far more than the strip holds.
    const c = buildTiff([{ width: 20000, height: 20000, bits: 16, data: new Uint8Array(16) }]);
    await rejectsUser(
      readImage(put('huge2.tif', c)),
      /^image header claims 20000×20000×1 pixels, larger than the 16 bytes of image data stored for page 1 \(corrupt header\?\)$/,
    );
  });
  test('IFD chain that loops back on itself', async () => {
    const b = buildTiff([{ width: 2, height: 2, bits: 8, data: new Uint8Array(4) }], { loop: true });
    await rejectsUser(readImage(put('loop.tif', b)), /^not a readable TIFF: IFD chain loops back/);
  });
  test('strip offset past the end of the file', async () => {
    const b = buildTiff([{ width: 2, height: 2, bits: 8, data: new Uint8Array(4), stripOffset: 1_000_000 }]);
    await rejectsUser(readImage(put('farstrip.tif', b)), /^truncated TIFF/);
  });
  test('truncated PNG and JPEG', async () => {
    const png = encodePngLib({ width: 32, height: 32, data: Uint8Array.from(ramp(1024, (i) => (i * 37) % 251)), channels: 1, depth: 8 });
    await rejectsUser(readImage(put('trunc.png', png.slice(0, Math.floor(png.length / 2)))), /^not a readable PNG: no IEND chunk \(truncated file\?\)$/);
    const rgba = new Uint8Array(32 * 32 * 4);
    for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 31) % 256;
    const jpg = jpeg.encode({ width: 32, height: 32, data: rgba }, 90).data;
    await rejectsUser(
      readImage(put('trunc.jpg', jpg.subarray(0, Math.floor(jpg.length * 0.6)))),
      /^not a readable JPEG: no end-of-image marker \(truncated file\?\)$/,
    );
    // Corrupt in the middle but with an end marker: the decoder's own message.
    const bad = Uint8Array.from(jpg);
    const dht = bad.findIndex((v, i) => v === 0xff && bad[i + 1] === 0xc4);
    bad.fill(0xee, dht + 4, dht + 40); // scramble the first Huffman table
    await rejectsUser(readImage(put('corrupt.jpg', bad)), /^not a readable JPEG: /);
  });
  test('PNG header claiming a giant image', async () => {
    const png = encodePngLib({ width: 2, height: 2, data: new Uint8Array(4), channels: 1, depth: 8 });
    const b = Uint8Array.from(png);
    new DataView(b.buffer).setUint32(16, 60000);
    new DataView(b.buffer).setUint32(20, 60000);
    await rejectsUser(readImage(put('giant.png', b)), /^image header claims 60000×60000×1 pixels/);
  });
  test('decodeImageBytes: empty input', async () => {
    await rejectsUser(decodeImageBytes(new Uint8Array(0), 'tiff'), /empty file/);
  });
});

describe('shared data (skipped when ../shared is absent)', () => {
  const shared = path.resolve(process.cwd(), '..', 'shared', 'data');
  const has = fs.existsSync(shared);
  test('real TIFF and PNG files decode with plausible statistics', { skip: !has }, async () => {
    const files: [string, number[], string][] = [
      ['real-demo-unlabelled/spotiflow_img_hybiss_2d.tif', [512, 512], 'uint16'],
      ['real-demo-unlabelled/spotiflow_img_terra_2d.tif', [1024, 1024], 'uint16'],
      ['insta-semisynthetic/backgrounds/MAX_C3-ISP_300_1.tif', [300, 300], 'uint16'],
      ['real-demo-unlabelled/insta_rca_cy3_500pxroi.png', [500, 500], 'uint16'],
      ['insta-semisynthetic/images/densitytest_snr_10_0_density_0.002.png', [300, 300], 'uint8'],
    ];
    for (const [rel, shape, dtype] of files) {
      const f = path.join(shared, rel);
      if (!fs.existsSync(f)) continue;
      const img: RawImage = await readImage(f);
      assert.deepEqual(img.shape, shape, rel);
      assert.equal(img.dtype, dtype, rel);
      let min = Infinity;
      let max = -Infinity;
      for (const v of img.data) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      assert.ok(max > min, `${rel}: not constant`);
    }
  });
});
