import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { encodePng, encodeTiff } from './write.js';
import { readImage, decodeImageBytes } from './read.js';
import { formatForBytes, formatForPath, imageExtensions, isImagePath, registerImageFormat } from './registry.js';
import type { ImageFormat } from './format.js';
import { listInputs } from '../../cli/common.js';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deepblink-registry-'));
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('image format registry', () => {
  test('the extensions are those of the built-in formats, then the folder images (OME-Zarr)', () => {
    assert.deepEqual(imageExtensions(), ['.tif', '.tiff', '.png', '.jpg', '.jpeg', '.zarr']);
    assert.equal(formatForPath('a/cells.ome.TIF')?.name, 'TIFF');
    assert.equal(formatForPath('x.jpeg')?.name, 'JPEG');
    assert.equal(formatForPath('x.txt'), undefined);
    assert.equal(formatForPath('noext'), undefined);
    assert.ok(isImagePath('b.PNG'));
    assert.ok(!isImagePath('d.txt'));
  });

  test('listInputs picks up exactly the registered extensions', () => {
    const sub = fs.mkdtempSync(path.join(dir, 'list-'));
    const names = ['a.tif', 'b.PNG', 'c.jpeg', 'd.txt', 'e.tiff', 'f.JPG', 'g.bmp'];
    for (const n of names) fs.writeFileSync(path.join(sub, n), '');
    const listed = listInputs(sub).map((f) => path.basename(f));
    assert.deepEqual(
      listed,
      names.filter((n) => imageExtensions().includes(path.extname(n).toLowerCase())),
    );
    assert.deepEqual(listed, ['a.tif', 'b.PNG', 'c.jpeg', 'e.tiff', 'f.JPG']);
  });

  test('formatForBytes recognises each format by its signature', () => {
    const grey = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const tiff = encodeTiff([{ data: grey, width: 3, height: 2 }]);
    const png = encodePng(grey, 3, 2, 1);
    const jpg = jpeg.encode({ data: new Uint8Array(3 * 2 * 4).fill(128), width: 3, height: 2 }, 90).data;
    assert.equal(formatForBytes(tiff)?.name, 'TIFF');
    assert.equal(formatForBytes(png)?.name, 'PNG');
    assert.equal(formatForBytes(new Uint8Array(jpg))?.name, 'JPEG');
    assert.equal(formatForBytes(new Uint8Array([0x42, 0x4d, 0, 0, 0, 0])), undefined);
    assert.equal(formatForBytes(new Uint8Array(0)), undefined);
  });

  test('a registered format is used by readImage and listInputs, and can be removed again', async () => {
    // A toy format: 'R8' + width + height bytes, then one uint8 per pixel.
    const r8: ImageFormat = {
      name: 'R8',
      extensions: ['.r8'],
      sniff: (b) => b.length >= 4 && b[0] === 0x52 && b[1] === 0x38,
      decode: (b) => {
        const w = b[2] as number;
        const h = b[3] as number;
        return { data: b.slice(4, 4 + w * h), shape: [h, w], dtype: 'uint8', axes: 'yx', warnings: [] };
      },
    };
    const sub = fs.mkdtempSync(path.join(dir, 'custom-'));
    const file = path.join(sub, 'toy.R8');
    fs.writeFileSync(file, new Uint8Array([0x52, 0x38, 2, 1, 7, 9]));
    fs.writeFileSync(path.join(sub, 'note.txt'), '');
    const unregister = registerImageFormat(r8);
    try {
      assert.deepEqual(imageExtensions(), ['.tif', '.tiff', '.png', '.jpg', '.jpeg', '.r8', '.zarr']);
      assert.equal(formatForPath(file), r8);
      assert.deepEqual(listInputs(sub), [file]);
      const img = await readImage(file);
      assert.deepEqual(img.shape, [1, 2]);
      assert.deepEqual(Array.from(img.data), [7, 9]);
      assert.deepEqual(img.warnings, []);
      // Content wins over the name, as for the built-in formats.
      const asTif = path.join(sub, 'toy.tif');
      fs.writeFileSync(asTif, new Uint8Array([0x52, 0x38, 1, 1, 5]));
      const img2 = await readImage(asTif);
      assert.deepEqual(Array.from(img2.data), [5]);
      assert.match(img2.warnings.join(' '), /content is R8 although the name suggests TIFF/);
    } finally {
      unregister();
    }
    assert.deepEqual(imageExtensions(), ['.tif', '.tiff', '.png', '.jpg', '.jpeg', '.zarr']);
    assert.equal(formatForPath(file), undefined);
    await assert.rejects(readImage(file), /unsupported file type '\.R8' \(expected \.tif, \.tiff, \.png, \.jpg, \.jpeg, or an OME-Zarr folder \.zarr\)/);
  });

  test('registerImageFormat rejects extensions without a dot or in upper case', () => {
    const bad = (ext: string): ImageFormat => ({
      name: 'X',
      extensions: [ext],
      sniff: () => false,
      decode: () => {
        throw new Error('unused');
      },
    });
    assert.throws(() => registerImageFormat(bad('r8')), /must be lower case and start with a dot/);
    assert.throws(() => registerImageFormat(bad('.R8')), /must be lower case and start with a dot/);
    assert.deepEqual(imageExtensions(), ['.tif', '.tiff', '.png', '.jpg', '.jpeg', '.zarr']);
  });

  test('decodeImageBytes without an expected format goes by the signature', async () => {
    const img = await decodeImageBytes(encodePng(new Uint8Array([3, 4]), 2, 1, 1));
    assert.deepEqual(Array.from(img.data), [3, 4]);
    assert.deepEqual(img.warnings, []);
    await assert.rejects(decodeImageBytes(new Uint8Array([1, 2, 3, 4])), /unrecognised file signature/);
  });
});
