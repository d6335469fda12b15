import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrackTable, trackExportSet } from './table.js';

test("trackExportSet: the rows with their track, channel, score and cell; the pixel size from predict's µm columns", () => {
  const table = parseTrackTable('y [px],x [px],y [µm],x [µm],p,c,t,z,cell\n10,20,1.3,2.6,0.9,1,0,0,4\n11,21,1.43,2.73,0.8,1,1,0,0\n', 'a.csv');
  const set = trackExportSet(table, [7, 7]);
  assert.deepEqual(set.spots, [
    { y: 10, x: 20, t: 0, trackId: 7, c: 1, score: 0.9, cell: 4 },
    { y: 11, x: 21, t: 1, trackId: 7, c: 1, score: 0.8, cell: 0 },
  ]);
  assert.equal(set.axes, 'tcyx', 'a z column of zeros (predict writes one for every stack) is no z axis');
  assert.deepEqual(set.pixelSize, { y: 0.13, x: 0.13 });
  assert.equal(set.scoreName, 'p');
  // given pixel size wins; without µm columns, none
  assert.deepEqual(trackExportSet(table, [0, 1], { pixelSize: { y: 0.2, x: 0.2 } }).pixelSize, { y: 0.2, x: 0.2 });
  assert.equal(trackExportSet(parseTrackTable('t,y,x\n0,1,2\n', 'b.csv'), [0]).pixelSize, undefined);
});

test('trackExportSet: 3-D tables keep z [px] and their z step', () => {
  const table = parseTrackTable('z [px],y [px],x [px],z [µm],y [µm],x [µm],quality,t\n2.5,10,20,0.75,1,2,5,0\n3,11,21,0.9,1.1,2.1,6,1\n', 'c.csv');
  const set = trackExportSet(table, [0, 0]);
  assert.deepEqual(
    set.spots.map((s) => s.z),
    [2.5, 3],
  );
  assert.equal(set.axes, 'tzyx');
  assert.equal(set.zStep, 0.3);
  assert.deepEqual(set.pixelSize, { y: 0.1, x: 0.1 });
  assert.equal(set.scoreName, 'quality');
});
