import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { evaluateFiles, pairFiles, scoreTable, type EvaluateEvent } from './files.js';
import { DeepblinkError } from '../core/errors.js';

const csv = (points: [number, number][]) => 'y,x\n' + points.map(([y, x]) => `${y},${x}`).join('\n') + '\n';

test('evaluateFiles pairs two folders by name, scores each pair, reports the unpaired and failing files', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deepblink-evalfiles-'));
  try {
    const pred = path.join(dir, 'pred');
    const truth = path.join(dir, 'truth');
    mkdirSync(pred);
    mkdirSync(truth);
    writeFileSync(
      path.join(truth, 'a.csv'),
      csv([
        [10, 10],
        [20, 20],
        [30, 30],
      ]),
    );
    writeFileSync(
      path.join(pred, 'a.csv'),
      csv([
        [10, 10],
        [20, 20],
        [30, 30],
      ]),
    );
    writeFileSync(
      path.join(truth, 'b.csv'),
      csv([
        [10, 10],
        [20, 20],
      ]),
    );
    writeFileSync(
      path.join(pred, 'b.csv'),
      csv([
        [10, 11],
        [40, 40],
      ]),
    );
    writeFileSync(path.join(truth, 'c.csv'), 'foo,bar\n1,2\n');
    writeFileSync(path.join(pred, 'c.csv'), csv([[5, 5]]));
    writeFileSync(path.join(pred, 'extra.csv'), csv([[1, 1]]));

    const events: EvaluateEvent[] = [];
    const res = await evaluateFiles(pred, truth, { onEvent: (e) => events.push(e) });
    assert.deepEqual(res.unpaired, [path.join(pred, 'extra.csv')]);
    assert.deepEqual(
      events.map((e) => `${e.type} ${'name' in e ? path.basename(e.name) : e.message}`),
      [
        `warn ${path.join(pred, 'extra.csv')}: no partner with the same name; skipped`,
        'item a.csv',
        'itemDone a.csv',
        'item b.csv',
        'itemDone b.csv',
        'item c.csv',
        'itemFailed c.csv',
      ],
    );
    assert.equal(res.failures.length, 1);
    assert.equal(res.failures[0].name, path.join(pred, 'c.csv'));
    assert.ok(res.failures[0].error instanceof DeepblinkError);
    assert.equal((res.failures[0].error as DeepblinkError).file, path.join(truth, 'c.csv'));

    assert.deepEqual(
      res.images.map((s) => s.name),
      ['a', 'b'],
    );
    const [a, b] = res.images;
    assert.equal(a.nTrue, 3);
    assert.ok(Math.abs(a.f1At3 - 1) < 1e-9 && Math.abs(a.f1Integral - 1) < 0.05);
    assert.equal(a.rmse, 0);
    assert.equal(b.nPred, 2);
    assert.ok(Math.abs(b.precision - 0.5) < 1e-9 && Math.abs(b.recall - 0.5) < 1e-9 && Math.abs(b.f1At3 - 0.5) < 1e-9);
    assert.ok(Math.abs(b.rmse - 1) < 1e-9);
    assert.ok(res.summary);
    assert.equal(res.summary.images, 2);
    assert.equal(res.summary.mdist, 3);
    assert.deepEqual([res.summary.pooled.tp, res.summary.pooled.fp, res.summary.pooled.fn], [4, 1, 1]);

    const t = scoreTable(res.images);
    assert.equal(t.columns[0], 'image');
    assert.deepEqual(
      t.rows.map((r) => r[0]),
      ['a', 'b'],
    );

    // a single pair is named by its file name; a file with a folder is an error
    const one = await evaluateFiles(path.join(pred, 'b.csv'), path.join(truth, 'b.csv'), { mdist: 2 });
    assert.deepEqual(
      one.images.map((s) => s.name),
      ['b.csv'],
    );
    assert.equal(one.summary?.mdist, 2);
    assert.throws(() => pairFiles(pred, path.join(truth, 'a.csv')), /give two files or two folders/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
