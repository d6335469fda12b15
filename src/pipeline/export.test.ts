import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageResult } from './result.js';
import { resultTable } from './table.js';
import { resultExportSet } from './export.js';

const base = { file: 'cells.tif', axesSource: 'option' as const, pixelSizeSource: 'none' as const, scoreColumn: 'p' as const, warnings: [] };

test('resultExportSet: the spots in the order of the CSV table, with their planes, scores and cells, and the image', () => {
  const res: ImageResult = {
    ...base,
    axes: 'tcyx',
    shape: [2, 2, 32, 48],
    pixelSize: { y: 0.1, x: 0.1 },
    planes: [
      { c: 0, t: 0, z: 0, threshold: 0.5, spots: [{ y: 1, x: 2, score: 0.9, cell: 3 }] },
      { c: 1, t: 0, z: 0, threshold: 0.5, spots: [] },
      {
        c: 0,
        t: 1,
        z: 0,
        threshold: 0.5,
        spots: [
          { y: 4, x: 5, score: 0.8, cell: 0 },
          { y: 6, x: 7, score: 0.7 },
        ],
      },
    ],
    mask: { data: new Uint32Array(32 * 48), shape: [32, 48] },
  };
  const set = resultExportSet(res);
  const table = resultTable(res, {});
  assert.deepEqual(
    set.spots.map((s) => [s.y, s.x, s.score, s.c, s.t, s.cell]),
    table.rows.map((r) => [r[0], r[1], r[4], r[5], r[6], r[8]]),
  );
  assert.equal(set.spots[0].z, undefined, 'no z axis: no z');
  assert.deepEqual(
    {
      axes: set.axes,
      width: set.width,
      height: set.height,
      frames: set.frames,
      channels: set.channels,
      depth: set.depth,
      radius: set.radius,
      scoreName: set.scoreName,
    },
    { axes: 'tcyx', width: 48, height: 32, frames: 2, channels: 2, depth: undefined, radius: 2, scoreName: 'p' },
  );
});

test('resultExportSet: 3-D spots keep their sub-slice z and the z step', () => {
  const res: ImageResult = {
    ...base,
    axes: 'zyx',
    shape: [9, 16, 16],
    planes: [],
    volumes: [{ c: 0, t: 0, depth: 9, threshold: 0.5, spots: [{ y: 1, x: 2, z: 3.25, score: 0.6 }] }],
    zStep: 0.3,
  };
  const set = resultExportSet(res, { radius: 3 });
  assert.deepEqual(set.spots, [{ y: 1, x: 2, z: 3.25, score: 0.6 }]);
  assert.equal(set.zStep, 0.3);
  assert.equal(set.depth, 9);
  assert.equal(set.radius, 3);
});
