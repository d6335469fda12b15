import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readImage, openImage, isImagePath, imageExtensions } from './read.js';
import { copyBox, memorySource } from './source.js';
import { writeOmeZarr, type ZarrCodec } from './zarr-write.js';
import { openOmeZarr, type ZarrReadStore } from './zarr.js';
import { zstdContentSize } from './zarr-codecs.js';
import { encodeTiff } from './write.js';
import { listInputs } from '../files.js';
import { UserError } from '../../core/errors.js';
import type { PixelArray } from './format.js';
import { repoRoot } from '../../testutil/shared.js';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deepblink-zarr-'));
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** 2 × 50 × 70 uint16 with every value different from its neighbours (so a shifted box would show). */
const SHAPE = [2, 50, 70];
function pattern(n: number): Uint16Array {
  const a = new Uint16Array(n);
  for (let i = 0; i < n; i++) a[i] = (i * 7919 + 13) % 65521;
  return a;
}
const DATA = pattern(2 * 50 * 70);

const readJson = (f: string) => JSON.parse(fs.readFileSync(f, 'utf8')) as Record<string, unknown>;
const writeJson = (f: string, v: unknown) => fs.writeFileSync(f, JSON.stringify(v));

/** Asserts a one-line UserError with this code whose message matches. */
async function rejectsWith(p: Promise<unknown>, code: string, re: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof UserError, `not a UserError: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.oneLine(), re);
    assert.ok(!err.message.includes('\n'), 'one line');
    return true;
  });
}

let nextId = 0;
async function store(opts: Partial<Parameters<typeof writeOmeZarr>[2]> = {}, data: PixelArray | Parameters<typeof writeOmeZarr>[1] = DATA): Promise<string> {
  const d = path.join(dir, `img${nextId++}.ome.zarr`);
  await writeOmeZarr(d, data, { shape: SHAPE, axes: 'zyx', chunks: [1, 16, 24], ...opts });
  return d;
}

describe('OME-Zarr: writing and reading back', () => {
  for (const version of [2, 3] as const) {
    for (const codec of ['blosc', 'zstd', 'gzip', 'none'] as ZarrCodec[]) {
      test(`round trip: Zarr v${version}, ${codec} (edge chunks included)`, async () => {
        const d = await store({ version, codec, pixelSize: { y: 0.11, x: 0.13 }, zStep: 0.3, name: 'Zellkern µ×2' });
        // metadata in ASCII (zarr-python 2 reads it so), the name intact
        const metaFile = path.join(d, version === 2 ? '.zattrs' : 'zarr.json');
        assert.ok(
          fs.readFileSync(metaFile).every((b) => b < 0x80),
          'ASCII metadata',
        );
        // the layout OME-Zarr 0.4 / 0.5 prescribe
        if (version === 2) {
          const attrs = readJson(path.join(d, '.zattrs')) as { multiscales: { version: string; axes: { name: string; unit?: string }[] }[] };
          assert.equal(attrs.multiscales[0]?.version, '0.4');
          assert.deepEqual(
            attrs.multiscales[0]?.axes.map((a) => a.name),
            ['z', 'y', 'x'],
          );
          assert.ok(fs.existsSync(path.join(d, '0', '.zarray')));
          assert.ok(fs.existsSync(path.join(d, '0', '1', '2', '2')), 'chunk key z/y/x with / separator');
        } else {
          const meta = readJson(path.join(d, 'zarr.json')) as { attributes: { ome: { version: string } } };
          assert.equal(meta.attributes.ome.version, '0.5');
          assert.ok(fs.existsSync(path.join(d, '0', 'c', '1', '2', '2')));
        }
        const img = await readImage(d);
        assert.deepEqual(img.shape, SHAPE);
        assert.equal(img.dtype, 'uint16');
        assert.ok(img.data instanceof Uint16Array);
        assert.deepEqual(img.data, DATA);
        assert.equal(img.axes, 'zyx');
        assert.deepEqual(img.pixelSize, { y: 0.11, x: 0.13 });
        assert.equal(img.zStep, 0.3);
        assert.deepEqual(img.warnings, []);
        const src = await openImage(d);
        assert.equal(src.format, 'OME-Zarr');
        assert.deepEqual(src.chunks, [1, 16, 24]);
        assert.equal(src.zarr?.zarrVersion, version);
        assert.equal(src.zarr?.omeVersion, version === 2 ? '0.4' : '0.5');
        assert.match(src.zarr?.compressor ?? '', codec === 'none' ? /^none$/ : new RegExp(`^${codec}`));
        assert.equal(src.zarr?.name, 'Zellkern µ×2');
      });
    }
  }

  test('every data type round trips; a filler is called once per chunk with its box', async () => {
    for (const [dtype, Ctor] of [
      ['uint8', Uint8Array],
      ['int16', Int16Array],
      ['uint32', Uint32Array],
      ['int32', Int32Array],
      ['float32', Float32Array],
      ['float64', Float64Array],
    ] as const) {
      const whole = new Ctor(50 * 70).map((_, i) => (dtype.startsWith('float') ? i / 7 - 100 : (i % 200) - (dtype === 'int16' || dtype === 'int32' ? 100 : 0)));
      const boxes: string[] = [];
      const d = path.join(dir, `dtype-${dtype}.zarr`);
      await writeOmeZarr(
        d,
        (start, stop) => {
          boxes.push(`${start.join(',')}-${stop.join(',')}`);
          return copyBox({ data: whole, shape: [50, 70] }, start, stop);
        },
        { shape: [50, 70], dtype, chunks: [32, 32], version: dtype === 'uint8' ? 3 : 2 },
      );
      assert.deepEqual(boxes, ['0,0-32,32', '0,32-32,64', '0,64-32,70', '32,0-50,32', '32,32-50,64', '32,64-50,70']);
      const img = await readImage(d);
      assert.equal(img.dtype, dtype);
      assert.ok(img.data instanceof Ctor);
      assert.deepEqual(Array.from(img.data), Array.from(whole));
      assert.equal(img.axes, 'yx');
      assert.equal(img.pixelSize, undefined, 'no unit: no pixel size');
    }
  });

  test('writeOmeZarr refuses an existing folder and bad shapes', async () => {
    const d = await store();
    await rejectsWith(
      store({}, DATA).then(() => writeOmeZarr(d, DATA, { shape: SHAPE })),
      'exists',
      /already exists \(a Zarr store\)/,
    );
    await assert.rejects(writeOmeZarr(path.join(dir, 'bad1.zarr'), DATA, { shape: [10, 10] }), /the data has 7000 values/);
    await assert.rejects(writeOmeZarr(path.join(dir, 'bad2.zarr'), DATA, { shape: SHAPE, axes: 'yzx' }), /axes 'yzx'/);
  });
});

describe('OME-Zarr written by the Python reference (zarr-python 2.13 + numcodecs; scripts/make-zarr-fixtures.py)', () => {
  const value = (z: number, y: number, x: number) => (z * 1000 + y * 31 + x * 7) % 65536;
  for (const [name, dtype, compressor] of [
    ['blosc', 'uint16', /^blosc \(zstd, level 3, bit shuffle\)$/],
    ['blosc-lz4', 'uint16', /^blosc \(lz4, level 5, shuffle\)$/],
    ['zstd', 'uint16', /^zstd \(level 5\)$/],
    ['gzip', 'uint16', /^gzip \(level 6\)$/],
    ['zlib-bigendian', 'float32', /^zlib \(level 1\)$/],
  ] as const) {
    test(`${name}: pixels, levels, axes, pixel size`, async () => {
      const d = path.join(repoRoot, 'fixtures', 'zarr', `${name}.ome.zarr`);
      const src = await openImage(d);
      assert.equal(src.format, 'OME-Zarr');
      assert.equal(src.zarr?.omeVersion, '0.4');
      assert.equal(src.zarr?.name, `${name}.ome.zarr`);
      assert.match(src.zarr?.compressor ?? '', compressor);
      assert.equal(src.dtype, dtype);
      assert.equal(src.axes, 'zyx');
      assert.deepEqual(src.pixelSize, { y: 0.2, x: 0.2 });
      assert.equal(src.zStep, 0.5);
      const img = await src.read([0, 0, 0], [2, 20, 24]);
      const want = Array.from({ length: 2 * 20 * 24 }, (_, i) => value(Math.floor(i / 480), Math.floor(i / 24) % 20, i % 24));
      assert.deepEqual(Array.from(img.data), want);
      const l1 = await readImage(d, { level: 1 });
      assert.deepEqual(l1.shape, [2, 10, 12]);
      assert.equal(l1.data[1 * 120 + 3 * 12 + 5], value(1, 6, 10));
      assert.deepEqual(l1.pixelSize, { y: 0.4, x: 0.4 });
    });
  }
});

describe('OME-Zarr: reading boxes', () => {
  test('region reads equal the corresponding slice of the whole (v2 and v3, boxes across chunk borders)', async () => {
    for (const version of [2, 3] as const) {
      const d = await store({ version, codec: 'zstd' });
      const src = await openImage(d);
      const boxes: [number[], number[]][] = [
        [
          [0, 0, 0],
          [2, 50, 70],
        ],
        [
          [1, 15, 23],
          [2, 17, 25],
        ],
        [
          [0, 3, 40],
          [2, 49, 70],
        ],
        [
          [1, 32, 48],
          [2, 48, 72 - 2],
        ],
        [
          [0, 7, 7],
          [1, 8, 8],
        ],
        [
          [0, 10, 10],
          [2, 10, 20],
        ], // empty
      ];
      for (const [start, stop] of boxes) {
        const box = await src.read(start, stop);
        assert.deepEqual(
          box.shape,
          stop.map((b, i) => b - (start[i] as number)),
        );
        assert.deepEqual(box.data, copyBox({ data: DATA, shape: SHAPE }, start, stop), `box ${start} – ${stop}`);
        assert.equal(box.axes, 'zyx');
        assert.equal(box.path, d);
      }
      await assert.rejects(src.read([0, 0, 0], [2, 51, 70]), RangeError);
      await assert.rejects(src.read([0, 0], [2, 50]), RangeError);
    }
  });

  test('a TIFF opened with openImage: format, shape, and boxes copied out of the decoded pixels', async () => {
    const f = path.join(dir, 'stack.tif');
    fs.writeFileSync(
      f,
      encodeTiff(
        [0, 1].map((z) => ({ data: DATA.subarray(z * 3500, (z + 1) * 3500), width: 70, height: 50 })),
        { axes: 'zyx' },
      ),
    );
    const src = await openImage(f);
    assert.equal(src.format, 'TIFF');
    assert.deepEqual(src.shape, SHAPE);
    assert.equal(src.chunks, undefined);
    const box = await src.read([1, 5, 60], [2, 9, 70]);
    assert.deepEqual(box.data, copyBox({ data: DATA, shape: SHAPE }, [1, 5, 60], [2, 9, 70]));
    await rejectsWith(openImage(f, { level: 1 }), 'invalid-option', /level 1 does not exist: a TIFF image has one level, 0/);
    const mem = memorySource({ path: 'm', data: DATA, shape: SHAPE, dtype: 'uint16', warnings: [] }, 'memory');
    assert.deepEqual((await mem.read([0, 0, 0], SHAPE)).data, DATA);
  });

  test('maxPixels bounds each read, not the array; readImage checks the whole', async () => {
    const d = await store();
    const src = await openImage(d, { maxPixels: 1000 });
    const box = await src.read([0, 0, 0], [1, 20, 50]);
    assert.equal(box.data.length, 1000);
    await rejectsWith(src.read([0, 0, 0], [1, 20, 51]), 'bad-image', /image is 1×20×51 \(1,020 pixel values\), more than the limit of 1,000/);
    await rejectsWith(
      readImage(d, { maxPixels: 1000 }),
      'bad-image',
      /img\d+\.ome\.zarr: image is 2×50×70 \(7,000 pixel values\), more than the limit of 1,000/,
    );
    // chunks larger than a read may be are refused on open
    await rejectsWith(openImage(d, { maxPixels: 300 }), 'bad-image', /has chunks of 1×16×24 \(384 values\), more than the limit of 300/);
  });

  test('reading a 512×512 box of an 8192×8192 uint16 image (1024² chunks) fetches only the 4 chunks it touches', async () => {
    const d = path.join(dir, 'big.ome.zarr');
    const n = 8192;
    const t0 = performance.now();
    await writeOmeZarr(
      d,
      (start, stop) => {
        const h = (stop[0] as number) - (start[0] as number);
        const w = (stop[1] as number) - (start[1] as number);
        const a = new Uint16Array(h * w);
        for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) a[r * w + c] = ((start[0] as number) + r + 3 * ((start[1] as number) + c)) & 0xffff;
        return a;
      },
      { shape: [n, n], chunks: [1024, 1024], codec: 'blosc' },
    );
    const tWrite = performance.now() - t0;
    const keys: string[] = [];
    const counting = (s: ZarrReadStore): ZarrReadStore => ({
      get: (key) => {
        if (/\/\d+\/\d+\/\d+$/.test(key)) keys.push(key);
        return s.get(key);
      },
    });
    const t1 = performance.now();
    const src = await openOmeZarr(d, { wrapStore: counting, maxPixels: 2 ** 20 });
    assert.deepEqual(keys, [], 'opening reads metadata only');
    assert.deepEqual(src.shape, [n, n]);
    const box = await src.read([3000, 5000], [3512, 5512]);
    const tRead = performance.now() - t1;
    assert.deepEqual(keys.sort(), ['/0/2/4', '/0/2/5', '/0/3/4', '/0/3/5']);
    assert.equal(box.data.length, 512 * 512);
    for (const [r, c] of [
      [0, 0],
      [71, 123],
      [511, 511],
    ] as const) {
      assert.equal(box.data[r * 512 + c], (3000 + r + 3 * (5000 + c)) & 0xffff);
    }
    // the whole array would be refused at this limit: the box alone was read
    await assert.rejects(src.read([0, 0], [n, n]), /more than the limit/);
    console.log(
      `# 8192² uint16, 64 chunks of 1024²: written in ${(tWrite / 1000).toFixed(1)} s; open + 512² box in ${tRead.toFixed(0)} ms, ${keys.length} chunk reads`,
    );
  });
});

describe('OME-Zarr: metadata', () => {
  test('multiscale levels: level 0 by default, level picks another, a missing one lists them', async () => {
    for (const version of [2, 3] as const) {
      const d = await store({ version, levels: 3, pixelSize: { y: 0.1, x: 0.1 } });
      const src = await openImage(d);
      assert.deepEqual(
        src.zarr?.levels.map((l) => l.shape),
        [
          [2, 50, 70],
          [2, 25, 35],
          [2, 13, 18],
        ],
      );
      assert.equal(src.zarr?.level, 0);
      const l1 = await readImage(d, { level: 1 });
      assert.deepEqual(l1.shape, [2, 25, 35]);
      assert.deepEqual(l1.pixelSize, { y: 0.2, x: 0.2 });
      // level 1 = 2×2 means of level 0
      const at = (z: number, r: number, c: number) => DATA[z * 3500 + r * 70 + c] as number;
      assert.equal(l1.data[1 * 875 + 3 * 35 + 4], Math.round((at(1, 6, 8) + at(1, 6, 9) + at(1, 7, 8) + at(1, 7, 9)) / 4));
      const l2 = await openImage(d, { level: 2 });
      assert.deepEqual(l2.shape, [2, 13, 18]);
      assert.deepEqual(l2.pixelSize, { y: 0.4, x: 0.4 });
      await rejectsWith(
        openImage(d, { level: 3 }),
        'invalid-option',
        /level 3 does not exist: the image has levels 0 \(2×50×70\), 1 \(2×25×35\), 2 \(2×13×18\)/,
      );
      await rejectsWith(readImage(d, { level: -1 }), 'invalid-option', /level -1 does not exist/);
    }
  });

  test('axes and physical sizes from the metadata: units converted to µm, none without a length unit', async () => {
    const d = await store({ pixelSize: { y: 0.1, x: 0.1 } });
    const attrsFile = path.join(d, '.zattrs');
    const attrs = readJson(attrsFile) as { multiscales: Record<string, unknown>[] };
    const ms = attrs.multiscales[0] as {
      axes: Record<string, string>[];
      datasets: { coordinateTransformations: { scale: number[] }[] }[];
      coordinateTransformations?: unknown;
    };
    ms.axes = [
      { name: 'z', type: 'space', unit: 'millimeter' },
      { name: 'Y', type: 'space', unit: 'nanometer' },
      { name: 'x', type: 'space', unit: 'nanometer' },
    ];
    (ms.datasets[0] as { coordinateTransformations: { scale: number[] }[] }).coordinateTransformations = [{ type: 'scale', scale: [0.002, 65, 130] } as never];
    writeJson(attrsFile, attrs);
    let src = await openImage(d);
    assert.equal(src.axes, 'zyx');
    assert.deepEqual(src.pixelSize, { y: 0.065, x: 0.13 });
    assert.equal(src.zStep, 2);
    // a multiscale-wide scale multiplies the level's
    ms.coordinateTransformations = [{ type: 'scale', scale: [1, 2, 2] }];
    writeJson(attrsFile, attrs);
    src = await openImage(d);
    assert.deepEqual(src.pixelSize, { y: 0.13, x: 0.26 });
    // no unit, or a unit that is not a length: no pixel size
    ms.axes = [{ name: 'z', type: 'space' }, { name: 'y', type: 'space', unit: 'pixel' } as never, { name: 'x', type: 'space', unit: 'pixel' }];
    writeJson(attrsFile, attrs);
    src = await openImage(d);
    assert.equal(src.pixelSize, undefined);
    assert.equal(src.zStep, undefined);
    // time and channel by type; axes as plain names (0.3)
    ms.axes = [{ name: 'ch', type: 'channel' }, { name: 'y' }, { name: 'x' }];
    writeJson(attrsFile, attrs);
    assert.equal((await openImage(d)).axes, 'cyx');
    ms.axes = ['t', 'y', 'x'] as never;
    writeJson(attrsFile, attrs);
    assert.equal((await openImage(d)).axes, 'tyx');
    // unknown names, wrong count, plane not last: clear errors
    ms.axes = [{ name: 'angle', type: 'angle' }, { name: 'y' }, { name: 'x' }];
    writeJson(attrsFile, attrs);
    await rejectsWith(openImage(d), 'bad-image', /OME-Zarr axis 'angle' \(type angle\) is not supported: axes must be named t, c, z, y or x/);
    ms.axes = [{ name: 'y' }, { name: 'x' }];
    writeJson(attrsFile, attrs);
    await rejectsWith(readImage(d), 'bad-image', /lists 2 axes but the array has 3 dimensions/);
    ms.axes = [{ name: 'y' }, { name: 'x' }, { name: 'z' }];
    writeJson(attrsFile, attrs);
    await rejectsWith(readImage(d), 'bad-image', /axes 'yxz': the last two must be y and x/);
    // no axes at all (0.1/0.2 style with a 3-D array): guessed, with a warning
    delete (ms as { axes?: unknown }).axes;
    writeJson(attrsFile, attrs);
    const img = await readImage(d);
    assert.equal(img.axes, undefined);
    assert.match(img.warnings.join(' '), /no axes in the OME-Zarr metadata/);
  });

  test('a 5-D t,c,z,y,x image, and a bare array opened directly (v3 dimension names)', async () => {
    const data = pattern(2 * 3 * 2 * 10 * 12);
    const d = path.join(dir, 'five.ome.zarr');
    await writeOmeZarr(d, data, { shape: [2, 3, 2, 10, 12], axes: 'tczyx', version: 3, chunks: [1, 1, 1, 10, 12] });
    const img = await readImage(d);
    assert.equal(img.axes, 'tczyx');
    assert.deepEqual(img.data, data);
    const bare = await openImage(path.join(d, '0'));
    assert.equal(bare.format, 'Zarr');
    assert.equal(bare.axes, 'tczyx');
    assert.deepEqual((await readImage(path.join(d, '0'))).data, data);
  });

  test('bioformats2raw layout: series 0 is read', async () => {
    const d = path.join(dir, 'b2r.ome.zarr');
    await writeOmeZarr(path.join(d, '0'), DATA, { shape: SHAPE, axes: 'zyx' });
    writeJson(path.join(d, '.zgroup'), { zarr_format: 2 });
    writeJson(path.join(d, '.zattrs'), { 'bioformats2raw.layout': 3 });
    const src = await openImage(d);
    assert.equal(src.zarr?.image, '0');
    assert.deepEqual((await src.read([0, 0, 0], SHAPE)).data, DATA);
    assert.match(src.warnings.join(' '), /bioformats2raw layout: read series 0/);
  });
});

describe('OME-Zarr: errors and damaged stores', () => {
  test('not a Zarr store, no multiscales, a plate, remote stores', async () => {
    const empty = path.join(dir, 'empty.zarr');
    fs.mkdirSync(empty);
    await rejectsWith(readImage(empty), 'bad-image', /empty\.zarr: not a Zarr store: the folder holds no zarr\.json, \.zattrs, \.zgroup or \.zarray/);
    const file = path.join(dir, 'file.ome.zarr');
    fs.writeFileSync(file, 'x');
    await rejectsWith(openImage(file), 'bad-image', /not a Zarr store: a \.zarr image is a folder/);
    await rejectsWith(readImage(path.join(dir, 'nowhere.ome.zarr')), 'not-found', /nowhere\.ome\.zarr: no such folder/);
    const group = path.join(dir, 'group.zarr');
    fs.mkdirSync(group);
    writeJson(path.join(group, '.zgroup'), { zarr_format: 2 });
    await rejectsWith(readImage(group), 'bad-image', /no OME-Zarr 'multiscales' metadata in the group's attributes \(not an OME-Zarr image\)/);
    writeJson(path.join(group, '.zattrs'), { plate: { rows: [] } });
    await rejectsWith(readImage(group), 'bad-image', /an OME-Zarr plate \(high-content screening\), not one image/);
    fs.writeFileSync(path.join(group, '.zattrs'), '{"multiscales": [');
    await rejectsWith(readImage(group), 'bad-image', /corrupt Zarr metadata: \.zattrs is not valid JSON/);
    for (const url of ['s3://bucket/cells.ome.zarr', 'https://example.org/cells.ome.zarr', 'gs://b/x.zarr']) {
      await rejectsWith(readImage(url), 'unreadable', /remote stores are not supported yet/);
      await rejectsWith(openImage(url), 'unreadable', /remote stores are not supported yet/);
      assert.throws(() => listInputs(url), /remote stores are not supported yet/);
    }
  });

  test('unsupported data type and codec, a missing level array: one-line errors', async () => {
    const d = await store({ levels: 2 });
    const zarray = path.join(d, '0', '.zarray');
    const meta = readJson(zarray);
    writeJson(zarray, { ...meta, dtype: '<i8' });
    await rejectsWith(readImage(d), 'bad-image', /data type int64 is not supported \(expected uint8, uint16, int16, uint32, int32, float32, float64\)/);
    writeJson(zarray, { ...meta, dtype: '|i1' });
    await rejectsWith(openImage(d), 'bad-image', /data type int8 is not supported/);
    writeJson(zarray, { ...meta, compressor: { id: 'jpeg2k', level: 3 } });
    await rejectsWith(readImage(d), 'bad-image', /unsupported codec 'jpeg2k' in level 0 \('0'\)/);
    writeJson(zarray, meta);
    fs.rmSync(path.join(d, '1'), { recursive: true });
    await rejectsWith(readImage(d, { level: 1 }), 'bad-image', /level 1 \('1'\) is missing: no 1\/zarr\.json or \.zarray/);
    const img = await readImage(d);
    assert.match(img.warnings.join(' '), /level 1 \('1'\) is missing or corrupt/);
  });

  test('missing chunk files read as the fill value, with a warning; a corrupt chunk is a one-line error', async () => {
    for (const version of [2, 3] as const) {
      const d = await store({ version, codec: 'gzip' });
      const chunk = version === 2 ? path.join(d, '0', '1', '1', '1') : path.join(d, '0', 'c', '1', '1', '1');
      fs.rmSync(chunk);
      const img = await readImage(d);
      assert.equal(img.data[1 * 3500 + 16 * 70 + 24], 0);
      assert.equal(img.data[1 * 3500 + 31 * 70 + 47], 0);
      assert.equal(img.data[1 * 3500 + 32 * 70 + 24], DATA[1 * 3500 + 32 * 70 + 24]);
      assert.match(img.warnings.join(' '), /1 chunk file\(s\) of level 0 are missing: read as the fill value 0/);
      const src = await openImage(d);
      assert.deepEqual((await src.read([0, 0, 0], [1, 10, 10])).warnings, [], 'a box away from the missing chunk');
      fs.writeFileSync(chunk, 'not gzip data');
      await rejectsWith(readImage(d), 'bad-image', /corrupt chunk.*(gzip|incorrect header)/);
    }
  });

  test('chunk bombs: a chunk that decodes to more than its chunk size is refused before (blosc, zstd) or while (gzip) it is decoded', async () => {
    for (const codec of ['blosc', 'zstd', 'gzip'] as const) {
      // 1 MiB of zeros in one chunk, then the metadata shrunk to a 4×4 array of 4×4 chunks
      const d = path.join(dir, `bomb-${codec}.zarr`);
      await writeOmeZarr(d, new Uint8Array(1024 * 1024), { shape: [1024, 1024], chunks: [1024, 1024], codec, version: 2 });
      const zarray = path.join(d, '0', '.zarray');
      writeJson(zarray, { ...readJson(zarray), shape: [4, 4], chunks: [4, 4] });
      await rejectsWith(
        readImage(d),
        'bad-image',
        codec === 'gzip'
          ? /corrupt chunk.*inflates to more than the 65568 bytes/
          : new RegExp(`corrupt chunk.*its ${codec} header claims 1048576 bytes, more than the 65568`),
      );
    }
    assert.equal(zstdContentSize(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x05])), 5);
    assert.equal(zstdContentSize(new Uint8Array([1, 2, 3, 4, 5])), undefined);
  });
});

describe('OME-Zarr folders as inputs', () => {
  test('a .zarr folder is one image: listed as one input, never descended into', async () => {
    const sub = fs.mkdtempSync(path.join(dir, 'list-'));
    await writeOmeZarr(path.join(sub, 'a.ome.zarr'), DATA, { shape: SHAPE, chunks: [1, 50, 70] });
    fs.writeFileSync(path.join(sub, 'b.tif'), encodeTiff([{ data: new Uint16Array(4), width: 2, height: 2 }]));
    fs.writeFileSync(path.join(sub, 'c.txt'), '');
    fs.mkdirSync(path.join(sub, 'd.tif')); // a folder with an image file's name is no image
    fs.mkdirSync(path.join(sub, 'plain'));
    assert.deepEqual(listInputs(sub), [path.join(sub, 'a.ome.zarr'), path.join(sub, 'b.tif')]);
    assert.deepEqual(listInputs(path.join(sub, 'a.ome.zarr')), [path.join(sub, 'a.ome.zarr')]);
    assert.deepEqual(listInputs(path.join(sub, 'a.ome.zarr', '0')), [path.join(sub, 'a.ome.zarr', '0')], 'a folder with Zarr metadata');
    assert.deepEqual(listInputs(sub, ['.csv', '.txt']), [path.join(sub, 'c.txt')]);
    assert.ok(isImagePath('x/cells.OME.ZARR'));
    assert.ok(isImagePath('cells.zarr/'));
    assert.ok(imageExtensions().includes('.zarr'));
    await rejectsWith(readImage(path.join(sub, 'd.tif')), 'unreadable', /d\.tif: is a directory, not an image file/);
  });
});
