import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../core/errors.js';
import { parseLabels } from '../labels.js';
import { EXPORT_FORMATS, EXPORT_SUFFIXES, formatSpots, parseExportFormats } from './format.js';
import { exportUnits, type ExportSet } from './set.js';
import { formatNapariPoints, formatSpotTsv, napariAxes } from './tables.js';

const lines = (text: string) => text.trimEnd().split('\n');

test("napari points CSV: napari's own writer layout — index, axis-0 … (rows, then columns), properties", () => {
  const set: ExportSet = {
    spots: [
      { y: 10.25, x: 3.5, score: 0.91 },
      { y: 0, x: 99.123456, score: 0.5 },
    ],
    axes: 'yx',
    scoreName: 'p',
  };
  assert.deepEqual(lines(formatNapariPoints(set)), ['index,axis-0,axis-1,p', '0,10.25,3.5,0.91', '1,0,99.1235,0.5']);
  // our own reader takes napari files: the last two axes are row and column
  assert.deepEqual(parseLabels(formatNapariPoints(set)).points, [
    [10.25, 3.5],
    [0, 99.1235],
  ]);
});

test('napari points CSV: the image axes in its order without c (t, z, y, x), channel / cell / track_id as properties', () => {
  assert.equal(napariAxes({ axes: 'tczyx', spots: [] }), 'tzyx');
  assert.equal(napariAxes({ axes: 'zcyx', spots: [] }), 'zyx');
  assert.equal(napariAxes({ axes: 'yx', spots: [{ y: 0, x: 0, t: 1 }] }), 'tyx');
  const set: ExportSet = {
    spots: [
      { y: 1, x: 2, z: 3.5, t: 4, c: 1, cell: 7, trackId: 0, score: 9 },
      { y: 5, x: 6, z: 0, t: 0, c: 0, cell: 0, trackId: 3, score: 1 },
    ],
    axes: 'tczyx',
    scoreName: 'quality',
  };
  assert.deepEqual(lines(formatNapariPoints(set)), [
    'index,axis-0,axis-1,axis-2,axis-3,quality,channel,cell,track_id',
    '0,4,3.5,1,2,9,1,7,0',
    '1,0,0,5,6,1,0,0,3',
  ]);
});

test('TSV: x = column, y = row, z (0 in 2-D), gene = channel index or name; µm with a pixel size, else px', () => {
  const set: ExportSet = {
    spots: [
      { y: 10, x: 20, c: 0, score: 1 },
      { y: 1.5, x: 2.25, c: 1, score: 1 },
    ],
    axes: 'cyx',
    channels: 2,
  };
  assert.deepEqual(lines(formatSpotTsv(set)), ['x\ty\tz\tgene', '20\t10\t0\t0', '2.25\t1.5\t0\t1']);
  const um = { ...set, pixelSize: { y: 0.2, x: 0.1 } };
  assert.equal(exportUnits(um).unit, 'micron');
  assert.deepEqual(lines(formatSpotTsv(um, { genes: ['ACTB', 'GAPDH'] })), ['x\ty\tz\tgene', '2\t2\t0\tACTB', '0.225\t0.3\t0\tGAPDH']);
  // z-stacks: z × z step; without the z step, pixels and slices throughout (never µm mixed with slices)
  const stack: ExportSet = { spots: [{ y: 1, x: 2, z: 2.5, t: 3, cell: 4 }], axes: 'tzyx', pixelSize: { y: 0.1, x: 0.1 } };
  assert.deepEqual(lines(formatSpotTsv({ ...stack, zStep: 0.3 })), ['x\ty\tz\tgene\tt\tcell', '0.2\t0.1\t0.75\t0\t3\t4']);
  assert.deepEqual(lines(formatSpotTsv(stack)), ['x\ty\tz\tgene\tt\tcell', '2\t1\t2.5\t0\t3\t4']);
  assert.match(exportUnits(stack).note!, /z step is not known/);
  // an uncalibrated image's 1 × 1 "pixel size" is no calibration
  assert.equal(exportUnits({ ...set, pixelSize: { y: 1, x: 1 } }).unit, 'pixel');
});

test('TSV: --gene must name every channel once', () => {
  const set: ExportSet = { spots: [{ y: 1, x: 2, c: 2 }], axes: 'cyx', channels: 3 };
  for (const genes of [
    ['A', 'B'],
    ['A', 'B', 'C', 'D'],
  ]) {
    assert.throws(
      () => formatSpotTsv(set, { genes }),
      (e: unknown) => e instanceof UserError && e.code === 'invalid-option' && /gives \d names but the image has 3 channels/.test(e.message),
    );
  }
  assert.match(formatSpotTsv(set, { genes: ['A', 'B', 'C'] }), /\tC\n$/);
  // an image without channels is one channel
  assert.match(formatSpotTsv({ spots: [{ y: 1, x: 2 }], axes: 'yx' }, { genes: ['ACTB'] }), /\tACTB\n$/);
});

test('--format names: comma-separated, order kept, repeats dropped; unknown names list the choices', () => {
  assert.deepEqual(parseExportFormats('csv'), ['csv']);
  assert.deepEqual(parseExportFormats(' TrackMate, csv,napari,tsv,csv'), ['trackmate', 'csv', 'napari', 'tsv']);
  assert.throws(
    () => parseExportFormats('csv,imagej'),
    (e: unknown) =>
      e instanceof UserError && e.code === 'invalid-option' && e.message.includes("unknown format 'imagej': choose from csv, trackmate, napari, tsv"),
  );
  assert.throws(() => parseExportFormats('csv,'), /empty format name/);
  assert.deepEqual(Object.keys(EXPORT_SUFFIXES), [...EXPORT_FORMATS]);
  const set: ExportSet = { spots: [{ y: 1, x: 2 }], axes: 'yx' };
  assert.match(formatSpots(set, 'trackmate'), /^<\?xml/);
  assert.match(formatSpots(set, 'napari'), /^index,axis-0,axis-1\n/);
  assert.match(formatSpots(set, 'tsv'), /^x\ty\tz\tgene\n/);
});
