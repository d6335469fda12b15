import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rawTable } from './table.js';

test('rawTable: header and records, numbers where numeric', () => {
  assert.deepEqual(rawTable('\uFEFFy,x,name\r\n1.5,2e1,"a, b"\r\n\r\n-3,.5,NaN\r\n'), {
    columns: ['y', 'x', 'name'],
    rows: [
      [1.5, 20, 'a, b'],
      [-3, 0.5, 'NaN'],
    ],
  });
  assert.deepEqual(rawTable('X;Y\n1,5;2\n'), { columns: ['X', 'Y'], rows: [[1.5, 2]] });
  assert.deepEqual(rawTable('a\tb\n1\t2\n'), { columns: ['a', 'b'], rows: [[1, 2]] });
  assert.equal(rawTable('  \n'), undefined);
});
