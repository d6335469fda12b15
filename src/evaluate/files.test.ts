import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { evaluateFiles, pairFiles, scoreTable, type EvaluateEvent } from './files.js';
import { DeepblinkError } from '../core/errors.js';
import { formatTrackMateXml } from '../io/export/trackmate.js';

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

test('tables with c, t, z columns are matched plane by plane (predict writes them for stacks)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deepblink-evalplanes-'));
  try {
    const write = (name: string, text: string) => {
      writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    // predict's output for a stack: the same positions as the truth, but in other z planes
    const pred = write('pred.csv', 'y [px],x [px],p,c,t,z\n10,10,0.9,0,0,1\n20,20,0.9,0,0,0\n30,30,0.9,0,0,1\n');
    const truth = write('truth.csv', 'y,x,z\n10,10.5,0\n20,20.5,1\n30,30.5,1\n');
    const res = await evaluateFiles(pred, truth);
    const [s] = res.images;
    // only (30, 30) shares its plane with its true spot: 1 of 3 (2-D matching would find all 3)
    assert.equal(s.planes, 2);
    assert.ok(Math.abs(s.precision - 1 / 3) < 1e-9 && Math.abs(s.recall - 1 / 3) < 1e-9);
    assert.deepEqual([res.summary?.pooled.tp, res.summary?.pooled.fp, res.summary?.pooled.fn], [1, 2, 2]);

    // nothing in a common plane: F1 0
    const apart = write('apart.csv', 'y,x,z\n10,10,5\n20,20,5\n30,30,5\n');
    const none = await evaluateFiles(apart, truth);
    assert.equal(none.images[0].f1At3, 0);
    assert.equal(none.images[0].f1Integral, 0);

    // a plane column in one table only: fine when it holds one value, an error when it splits
    const flat = write('flat.csv', 'y,x\n10,10.5\n20,20.5\n30,30.5\n');
    const onePlane = write('oneplane.csv', 'y [px],x [px],p,c,t,z\n10,10,0.9,0,0,0\n20,20,0.9,0,0,0\n30,30,0.9,0,0,0\n');
    const ok = await evaluateFiles(onePlane, flat);
    assert.ok(ok.images[0].f1At3 > 0.999);
    assert.equal(ok.images[0].planes, undefined);
    const failed = await evaluateFiles(pred, flat);
    assert.equal(failed.images.length, 0);
    const err = failed.failures[0].error as DeepblinkError;
    assert.ok(err instanceof DeepblinkError && err.code === 'bad-labels');
    assert.equal(err.file, flat);
    assert.match(err.message, /^no z column, but .*pred\.csv has spots in 2 z planes/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('evaluateFiles reports the progress of matching a pair', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deepblink-evalprogress-'));
  try {
    const pts = Array.from({ length: 3000 }, (_, i): [number, number] => [(i % 60) * 7, Math.floor(i / 60) * 7]);
    writeFileSync(path.join(dir, 'p.csv'), csv(pts.map(([y, x]) => [y + 0.5, x])));
    writeFileSync(path.join(dir, 't.csv'), csv(pts));
    const seen: [number, number][] = [];
    const res = await evaluateFiles(path.join(dir, 'p.csv'), path.join(dir, 't.csv'), { onProgress: (done, total) => seen.push([done, total]) });
    assert.ok(res.images[0].f1At3 > 0.999);
    assert.ok(seen.length > 10);
    assert.ok(seen.every(([d, t], k) => t === seen[0][1] && d <= t && (k === 0 || d >= seen[k - 1][0])));
    assert.deepEqual(seen[seen.length - 1], [seen[0][1], seen[0][1]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('truth folders may hold TrackMate XML files: paired by name, a CSV of the same name first', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deepblink-evalxml-'));
  try {
    const pred = path.join(dir, 'pred');
    const truth = path.join(dir, 'truth');
    mkdirSync(pred);
    mkdirSync(truth);
    const pts: [number, number][] = [
      [10, 10],
      [20, 25],
    ];
    for (const n of ['a', 'b']) writeFileSync(path.join(pred, `${n}.csv`), csv(pts));
    writeFileSync(path.join(truth, 'a.csv'), csv(pts));
    writeFileSync(path.join(truth, 'a.xml'), '<not read/>');
    writeFileSync(path.join(truth, 'b.xml'), formatTrackMateXml({ spots: pts.map(([y, x]) => ({ y, x })), axes: 'yx', pixelSize: { y: 0.2, x: 0.2 } }));
    const { pairs, unpaired } = pairFiles(pred, truth);
    assert.deepEqual(
      pairs.map(([p, t]) => [path.basename(p), path.basename(t)]),
      [
        ['a.csv', 'a.csv'],
        ['b.csv', 'b.xml'],
      ],
    );
    assert.deepEqual(unpaired, []);
    const res = await evaluateFiles(pred, truth);
    assert.deepEqual([res.summary!.pooled.tp, res.summary!.pooled.fp, res.summary!.pooled.fn], [4, 0, 0]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
