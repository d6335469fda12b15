import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readLabels, parseLabels, parseQuoted, splitLines, type Rows } from './labels.js';
import { UserError } from '../core/errors.js';
import { formatTrackMateXml } from './export/trackmate.js';

let dir = '';
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deepblink-labels-'));
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function put(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text, 'utf8');
  return p;
}

function throwsUser(fn: () => unknown, re: RegExp): UserError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof UserError, `expected UserError, got ${String(caught)}`);
  assert.match(caught.message, re);
  assert.ok(!caught.message.includes('\n'));
  return caught;
}

const close = (a: number[][], b: number[][]) => {
  assert.equal(a.length, b.length);
  a.forEach((p, i) => p.forEach((v, j) => assert.ok(Math.abs(v - (b[i] as number[])[j]!) < 1e-9, `${i},${j}: ${v} vs ${b[i]![j]}`)));
};

describe('Fiji Measure export', () => {
  const fiji = ' ,X,Y\n1,63.000,21.000\n2,10.5,200.25\n3,0,0\n';
  test('X → column, Y → row, no offset (pixel centre at the integer)', () => {
    const r = parseLabels(fiji);
    assert.equal(r.format, 'fiji');
    assert.deepEqual(r.points, [
      [21, 63],
      [200.25, 10.5],
      [0, 0],
    ]);
    assert.deepEqual(r.warnings, []);
  });
  test('with a known pixel size: values kept as pixels, assumption named in a warning', () => {
    const r = parseLabels(fiji, { pixelSize: { x: 0.1, y: 0.1 } });
    assert.deepEqual(r.points[0], [21, 63]);
    assert.match(r.warnings.join(' '), /Fiji X\/Y taken as pixel coordinates/);
  });
  test('full Measure table with other columns and Summarize rows', () => {
    const t =
      ' ,Area,Mean,Min,Max,X,Y,Slice\n1,0,120,120,120,5,6,1\n2,0,99,99,99,7,8,1\nMean,0,109.5,99,120,6,7,1\nSD,0,14.8,0,0,1.4,1.4,0\nMin,0,99,99,99,5,6,1\nMax,0,120,120,120,7,8,1\n';
    const r = parseLabels(t);
    assert.deepEqual(r.points, [
      [6, 5],
      [8, 7],
    ]);
    assert.match(r.warnings.join(' '), /summary rows/);
  });
});

describe('TrackMate spot tables', () => {
  test('TrackMate ≥ 7.7: LABEL column, name/short-name/unit rows, micron → divided by the pixel size', () => {
    const t = [
      'LABEL,ID,TRACK_ID,QUALITY,POSITION_X,POSITION_Y,POSITION_Z,POSITION_T,FRAME,RADIUS',
      'Label,Spot ID,Track ID,Quality,X,Y,Z,T,Frame,Radius',
      'Label,Spot ID,Track ID,Quality,X,Y,Z,T,Frame,R',
      ',,,(quality),(micron),(micron),(micron),(sec),,(micron)',
      'ID0,0,0,12.5,1.0,2.5,0.0,0.0,0,0.25',
      'ID1,1,0,11.0,3.25,0.5,0.0,0.0,0,0.25',
    ].join('\r\n');
    const r = parseLabels(t, { pixelSize: { x: 0.25, y: 0.5 } });
    assert.equal(r.format, 'trackmate');
    close(r.points, [
      [5, 4],
      [1, 13],
    ]);
    assert.deepEqual(r.warnings, []);
  });

  test('TrackMate 7.0: unnamed index column and three header rows with an empty index', () => {
    const t = [
      ',LABEL,ID,QUALITY,POSITION_X,POSITION_Y',
      ',Label,Spot ID,Quality,X,Y',
      ',Label,Spot ID,Quality,X,Y',
      ',,,(quality),(pixel),(pixel)',
      'ID4164,ID4164,4164,3.1,10.5,20.25',
      'ID4165,ID4165,4165,2.9,0,99',
    ].join('\n');
    const r = parseLabels(t);
    assert.deepEqual(r.points, [
      [20.25, 10.5],
      [99, 0],
    ]);
  });

  test('physical units without a pixel size → UserError asking for --pixel-size', () => {
    const t = 'LABEL,POSITION_X,POSITION_Y\nLabel,X,Y\n,(micron),(micron)\nID1,1,2\n';
    throwsUser(() => parseLabels(t), /^TrackMate positions are in micron; pass --pixel-size \(µm per pixel\)/);
  });

  test('nm units are converted', () => {
    const t = 'LABEL,POSITION_X,POSITION_Y\n,(nm),(nm)\nID1,100,300\n';
    close(parseLabels(t, { pixelSize: { x: 0.1, y: 0.1 } }).points, [[3, 1]]);
  });

  test('unknown unit in the units row → UserError', () => {
    throwsUser(() => parseLabels('LABEL,POSITION_X,POSITION_Y\n,(furlong),(furlong)\nID1,1,2\n'), /unknown unit 'furlong'/);
  });

  test('TrackMate < 7 (no units row): pixels without a pixel size, µm with one — both warned', () => {
    const t = 'Label,ID,TRACK_ID,QUALITY,POSITION_X,POSITION_Y,POSITION_Z\nID1,1,0,5,12,34,0\n';
    let r = parseLabels(t);
    assert.deepEqual(r.points, [[34, 12]]);
    assert.match(r.warnings.join(' '), /without a units row and no pixel size: .*taken as pixels/);
    r = parseLabels(t, { pixelSize: { x: 2, y: 2 } });
    assert.deepEqual(r.points, [[17, 6]]);
    assert.match(r.warnings.join(' '), /assumed in µm/);
  });

  test('header rows only → zero spots', () => {
    const r = parseLabels('LABEL,POSITION_X,POSITION_Y\nLabel,X,Y\nLabel,X,Y\n,(micron),(micron)\n', { pixelSize: { x: 1, y: 1 } });
    assert.deepEqual(r.points, []);
  });

  test('a non-numeric value after the header rows → UserError with the row', () => {
    const t = 'LABEL,POSITION_X,POSITION_Y\n,(pixel),(pixel)\nID1,1,2\nID2,oops,3\n';
    throwsUser(() => parseLabels(t), /^row 4: POSITION_X value 'oops' is not a number$/);
    throwsUser(() => parseLabels('LABEL,POSITION_X,POSITION_Y\nID1,NaN,2\n'), /^row 2: POSITION_X value 'NaN' is not a number$/);
  });
});

describe('napari points layer', () => {
  test('2-D: axis-0 → row, axis-1 → column, pixel centre at the integer', () => {
    const r = parseLabels('index,axis-0,axis-1\n0,10.0,20.5\n1,3,4\n');
    assert.equal(r.format, 'napari');
    assert.deepEqual(r.points, [
      [10, 20.5],
      [3, 4],
    ]);
    assert.deepEqual(r.warnings, []);
  });
  test('3-D: the last two axes, with a warning; property columns ignored', () => {
    const r = parseLabels('index,axis-0,axis-1,axis-2,label\n0,5,10,20,a\n');
    assert.deepEqual(r.points, [[10, 20]]);
    assert.match(r.warnings.join(' '), /used axis-1 as rows and axis-2 as columns/);
  });
});

describe('deepblink output', () => {
  test('y [px], x [px] (+ other columns)', () => {
    const r = parseLabels('y [px],x [px],p,i,z\n1.5,2.5,0.9,100,0\n');
    assert.equal(r.format, 'deepblink');
    assert.deepEqual(r.points, [[1.5, 2.5]]);
  });
  test('y [µm], x [µm] divided by the pixel size; missing pixel size → UserError', () => {
    const t = 'y [µm],x [µm],p\n1,2,0.9\n';
    close(parseLabels(t, { pixelSize: { y: 0.5, x: 0.25 } }).points, [[2, 8]]);
    throwsUser(() => parseLabels(t), /coordinates are in µm; pass --pixel-size/);
  });
  test('mixed per-axis units', () => {
    close(parseLabels('y [px],x [µm]\n3,1\n', { pixelSize: { y: 0.5, x: 0.5 } }).points, [[3, 2]]);
  });
});

describe('plain columns and CSV dialects', () => {
  test('y,x / row,col / r,c / ROW,COLUMN (any case), extra columns ignored', () => {
    assert.deepEqual(parseLabels('y,x,snr\n52.0,61.0,10.0\n').points, [[52, 61]]);
    assert.deepEqual(parseLabels('row,col\n1,2\n').points, [[1, 2]]);
    assert.deepEqual(parseLabels('c,r\n1,2\n').points, [[2, 1]]);
    assert.deepEqual(parseLabels('ROW,COLUMN\n1,2\n').points, [[1, 2]]);
    assert.equal(parseLabels('x,y\n1,2\n').format, 'plain');
    assert.deepEqual(parseLabels('x,y\n1,2\n').points, [[2, 1]]);
  });
  test('BOM, CRLF, quoted fields, blank lines', () => {
    const r = parseLabels('\uFEFF"y","x"\r\n"1.5","2"\r\n\r\n3,4\r\n');
    assert.deepEqual(r.points, [
      [1.5, 2],
      [3, 4],
    ]);
  });
  test('semicolon separator with decimal commas (European Excel)', () => {
    assert.deepEqual(parseLabels('y;x\n1,5;2,25\n3;4\n').points, [
      [1.5, 2.25],
      [3, 4],
    ]);
  });
  test('tab separator', () => {
    assert.deepEqual(parseLabels('y\tx\n1\t2\n').points, [[1, 2]]);
  });
  test('scientific notation and signs', () => {
    assert.deepEqual(parseLabels('y,x\n1e2,-0.5\n+3,.5\n').points, [
      [100, -0.5],
      [3, 0.5],
    ]);
  });
});

describe('errors', () => {
  test('unknown header lists the columns found and the accepted sets', () => {
    const e = throwsUser(
      () => parseLabels('POS_X,POS_Y\n1,2\n'),
      /^unrecognised label columns 'POS_X', 'POS_Y'; expected X,Y \(Fiji Measure\); POSITION_X,POSITION_Y \(TrackMate\); axis-0,axis-1 \(napari\); /,
    );
    assert.match(e.message, /y,x or row,col or r,c$/);
  });
  test('non-numeric, empty and NaN values name the row (file line, header = 1)', () => {
    throwsUser(() => parseLabels('y,x\n1,2\n3,abc\n'), /^row 3: x value 'abc' is not a number$/);
    throwsUser(() => parseLabels('y,x\n1,2\n,4\n'), /^row 3: empty y value$/);
    throwsUser(() => parseLabels('y,x\nNaN,1\n'), /^row 2: y value 'NaN' is not a number$/);
    throwsUser(() => parseLabels(' ,X,Y\n1,2\n'), /^row 2: empty Y value$/);
  });
  test('empty file → UserError; header only → zero points', () => {
    throwsUser(() => parseLabels(''), /^empty file/);
    throwsUser(() => parseLabels('\uFEFF \r\n'), /^empty file/);
    assert.deepEqual(parseLabels('y,x\n').points, []);
    assert.deepEqual(parseLabels(' ,X,Y\r\n').points, []);
  });
  test('readLabels: file errors carry the file; missing file', async () => {
    const f = put('bad.csv', 'a,b\n1,2\n');
    await assert.rejects(
      readLabels(f),
      (err: unknown) => err instanceof UserError && err.file === f && /unrecognised label columns 'a', 'b'/.test(err.message),
    );
    await assert.rejects(readLabels(path.join(dir, 'missing.csv')), (err: unknown) => err instanceof UserError && err.message === 'file not found');
    await assert.rejects(readLabels(put('empty.csv', '')), (err: unknown) => err instanceof UserError && /^empty file/.test(err.message));
  });
  test('readLabels: reads a file', async () => {
    const r = await readLabels(put('ok.csv', 'y [µm],x [µm]\n1,1\n'), { pixelSize: { x: 0.5, y: 0.5 } });
    assert.deepEqual(r.points, [[2, 2]]);
  });
});

describe('shared data (skipped when ../shared is absent)', () => {
  const labelsDir = path.resolve(process.cwd(), '..', 'shared', 'data', 'insta-semisynthetic', 'labels');
  test('INSTA semi-synthetic labels (y,x,snr) read as plain pixel coordinates', { skip: !fs.existsSync(labelsDir) }, async () => {
    const files = fs.readdirSync(labelsDir).filter((f) => f.endsWith('.csv'));
    assert.ok(files.length > 0);
    for (const f of files) {
      const r = await readLabels(path.join(labelsDir, f));
      assert.equal(r.format, 'plain');
      assert.ok(r.points.length > 0);
      for (const [y, x] of r.points) assert.ok(y >= 0 && y < 300 && x >= 0 && x < 300, `${f}: ${y},${x}`);
    }
  });
});

test('files without quotes are split like csv-parse splits them (random lines, LF and CRLF)', () => {
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 16807) % 2147483647;
    return seed % n;
  };
  const pieces = ['1', '2.5', '-3', ' ', '  ', '', 'a', 'µm', '\t', ',', ';', 'x y', '1e3'];
  for (let trial = 0; trial < 400; trial++) {
    const delimiter = [',', ';', '\t'][trial % 3];
    const eol = trial % 2 ? '\r\n' : '\n';
    const lines = Array.from({ length: 1 + rand(8) }, () => Array.from({ length: rand(5) }, () => pieces[rand(pieces.length)]).join(rand(3) ? delimiter : ''));
    const text = lines.join(eol) + (rand(2) ? eol : '');
    const fast = splitLines(text, delimiter);
    const ref = parseQuoted(text, delimiter);
    const all = (r: Rows | undefined) => (r ? [r.header, ...Array.from({ length: r.length }, (_, k) => r.get(k))] : undefined);
    assert.deepEqual(fast?.header, ref?.header, JSON.stringify(text));
    assert.deepEqual(all(fast)?.slice(1), all(ref)?.slice(1), JSON.stringify(text));
  }
  // mixed line ends and quotes are left to csv-parse
  assert.equal(splitLines('y,x\r\n1,2\n3,4\n', ','), undefined);
  assert.equal(splitLines('y,x\n"1",2\n', ','), undefined);
});

test('c, t, z columns are read as plane indices; r,c keeps c as the column', () => {
  const r = parseLabels('y [px],x [px],p,c,t,z\n1,2,0.9,0,0,3\n4,5,0.8,1,2,0\n');
  assert.deepEqual(r.planes, { c: [0, 1], t: [0, 2], z: [3, 0] });
  assert.deepEqual(parseLabels('y,x,Z\n1,2,4\n').planes, { z: [4] });
  const rc = parseLabels('r,c,z\n1,2,0\n');
  assert.deepEqual(rc.points, [[1, 2]]);
  assert.deepEqual(rc.planes, { z: [0] });
  assert.equal(parseLabels('y,x\n1,2\n').planes, undefined);
  throwsUser(
    () => parseLabels('y,x,z\n1,2,0.5\n'),
    /^row 2: z value '0.5' is not a whole number \(a plane index\); for 3-D spots \(z in slices\) use evaluate --3d$/,
  );
  throwsUser(() => parseLabels('y,x,z\n1,2,\n'), /^row 2: empty z value$/);
});

describe('3-D: z as a coordinate (zAsCoordinate)', () => {
  test('plain z,y,x: [z, y, x] points, sub-slice z, c and t stay plane columns', () => {
    const r = parseLabels('c,z,y,x\n0,2.5,10,20\n1,3,11,21\n', { zAsCoordinate: true });
    assert.deepEqual(r.points3d, [
      [2.5, 10, 20],
      [3, 11, 21],
    ]);
    assert.deepEqual(r.points, [
      [10, 20],
      [11, 21],
    ]);
    assert.deepEqual(r.planes, { c: [0, 1] });
    // without the option z is a plane index (whole numbers)
    assert.throws(() => parseLabels('z,y,x\n2.5,10,20\n'), /plane index/);
  });
  test("deepblink 'z [px]' and 'z [µm]' (÷ the voxel depth)", () => {
    assert.deepEqual(parseLabels('z [px],y [px],x [px]\n4,1,2\n', { zAsCoordinate: true }).points3d, [[4, 1, 2]]);
    const r = parseLabels('z [µm],y [µm],x [µm]\n0.6,0.1,0.2\n', { zAsCoordinate: true, voxelDepth: 0.3, pixelSize: { y: 0.1, x: 0.1 } });
    const p = (r.points3d ?? [])[0];
    assert.ok(Math.abs(p[0] - 2) < 1e-12 && Math.abs(p[1] - 1) < 1e-12 && Math.abs(p[2] - 2) < 1e-12);
    assert.throws(() => parseLabels('z [µm],y [px],x [px]\n0.6,1,2\n', { zAsCoordinate: true }), /voxel-size/);
    // predict's stack output: y [px], x [px] and the slice index z
    assert.deepEqual(parseLabels('y [px],x [px],c,z\n1,2,0,3\n', { zAsCoordinate: true }).points3d, [[3, 1, 2]]);
  });
  test('TrackMate POSITION_Z in the units row unit, napari axis-0 of 3', () => {
    const t = 'LABEL,POSITION_X,POSITION_Y,POSITION_Z\nLabel,X,Y,Z\n,(micron),(micron),(micron)\nID1,0.2,0.1,0.9\n';
    const r = parseLabels(t, { zAsCoordinate: true, pixelSize: { y: 0.1, x: 0.1 }, voxelDepth: 0.3 });
    const p = (r.points3d ?? [])[0];
    assert.ok(Math.abs(p[0] - 3) < 1e-12 && Math.abs(p[1] - 1) < 1e-12 && Math.abs(p[2] - 2) < 1e-12);
    assert.deepEqual(parseLabels('index,axis-0,axis-1,axis-2\n0,5,6,7\n', { zAsCoordinate: true }).points3d, [[5, 6, 7]]);
  });
  test('a table without z is a UserError (bad-labels) naming the file', async () => {
    assert.throws(
      () => parseLabels('y,x\n1,2\n', { zAsCoordinate: true }),
      (e: unknown) => e instanceof UserError && e.code === 'bad-labels' && /no z column/.test(e.message),
    );
    const f = path.join(dir, 'flat.csv');
    fs.writeFileSync(f, 'y [px],x [px]\n1,2\n');
    await assert.rejects(readLabels(f, { zAsCoordinate: true }), (e: unknown) => e instanceof UserError && e.file === f && /'z \[px\]'/.test(e.message));
  });
});

describe('TrackMate XML files', () => {
  const set = {
    spots: [
      { y: 10, x: 20, z: 2, t: 0, c: 1, score: 0.9, trackId: 0 },
      { y: 11.5, x: 21.25, z: 2, t: 1, c: 1, score: 0.8, trackId: 0 },
      { y: 40, x: 5, z: 0, t: 3, c: 0, score: 0.7 },
    ],
    axes: 'tczyx',
    pixelSize: { y: 0.2, x: 0.1 },
    zStep: 0.5,
  };
  test('spots → [row, col] px with the file’s own calibration; frame → t, CHANNEL → c, whole-number z → z', async () => {
    const file = put('tracks.xml', formatTrackMateXml(set));
    // the file's ImageData wins over a pixel size given for the image
    const r = await readLabels(file, { pixelSize: { y: 1, x: 1 } });
    assert.equal(r.format, 'trackmate-xml');
    close(r.points, [
      [10, 20],
      [11.5, 21.25],
      [40, 5],
    ]);
    assert.deepEqual(r.planes, { t: [0, 1, 3], c: [1, 1, 0], z: [2, 2, 0] });
    assert.deepEqual(r.warnings, []);
    const r3 = parseLabels(formatTrackMateXml(set), { zAsCoordinate: true });
    close(r3.points3d!, [
      [2, 10, 20],
      [2, 11.5, 21.25],
      [0, 40, 5],
    ]);
    assert.equal(r3.planes?.z, undefined);
  });
  test('sub-slice z is not a plane: warned (use --3d); spots TrackMate hides are left out, with a warning', () => {
    const sub = parseLabels(formatTrackMateXml({ ...set, spots: set.spots.map((s) => ({ ...s, z: s.z + 0.4 })) }));
    assert.equal(sub.planes?.z, undefined);
    assert.match(sub.warnings.join(' '), /sub-slice z .*--3d/);
    const hidden = parseLabels(formatTrackMateXml(set).replace('VISIBILITY="1"', 'VISIBILITY="0"'));
    assert.equal(hidden.points.length, 2);
    assert.match(hidden.warnings.join(' '), /1 spot\(s\) hidden by TrackMate's filters/);
  });
  test('a broken XML file is a one-line error naming the file', async () => {
    const file = put('broken.xml', formatTrackMateXml(set).slice(0, 500));
    await assert.rejects(readLabels(file), (e: unknown) => e instanceof UserError && e.file === file && e.code === 'bad-labels' && /truncated/.test(e.message));
  });
});
