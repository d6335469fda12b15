import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { UserError } from '../../core/errors.js';
import { Rng } from '../../math/rng.js';
import { formatTrackMateXml, parseTrackMateXml, readTrackMateXml, TRACKMATE_FILE_VERSION } from './trackmate.js';
import type { ExportSet, ExportSpot } from './set.js';

/** A tracked time series: `tracks` particles over `frames` frames (some missing), plus lone spots. */
function trackedSet(seed: number, opts: { z?: boolean; pixelSize?: { y: number; x: number }; zStep?: number } = {}): ExportSet {
  const rng = new Rng(seed);
  const rnd = () => rng.uniform();
  const spots: ExportSpot[] = [];
  for (let p = 0; p < 6; p++) {
    let y = 10 + rnd() * 80;
    let x = 10 + rnd() * 100;
    let z = 2 + rnd() * 5;
    for (let t = 0; t < 8; t++) {
      y += rnd() - 0.5;
      x += rnd() - 0.5;
      z += (rnd() - 0.5) * 0.3;
      if (t > 0 && t < 7 && rnd() < 0.15) continue; // a gap
      spots.push({ y, x, t, score: rnd(), trackId: p, ...(opts.z ? { z } : {}) });
    }
  }
  for (let k = 0; k < 4; k++) spots.push({ y: rnd() * 100, x: rnd() * 120, t: k, score: 0.5, trackId: 100 + k, ...(opts.z ? { z: 3 } : {}) });
  // the table's order is not the frame order
  spots.sort((a, b) => a.y - b.y);
  return { spots, axes: opts.z ? 'tzyx' : 'tyx', pixelSize: opts.pixelSize, zStep: opts.zStep, width: 128, height: 100, scoreName: 'p' };
}

function throwsUser(fn: () => unknown, re: RegExp): void {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof UserError, String(err));
    assert.equal(err.code, 'bad-labels');
    assert.match(err.message, re);
    assert.ok(!err.message.includes('\n'));
    return;
  }
  assert.fail(`no error (expected ${re})`);
}

/** Track membership as a partition: for each spot, the sorted indices of the spots of its track (itself alone without one). */
function partition(ids: (number | undefined)[]): string[] {
  return ids.map((id, i) => (id === undefined ? String(i) : ids.flatMap((o, j) => (o === id ? [j] : [])).join(',')));
}

for (const [label, opts] of [
  ['2-D, pixels', {}],
  ['2-D, µm', { pixelSize: { y: 0.13, x: 0.107 } }],
  ['3-D, µm and z step', { z: true, pixelSize: { y: 0.1, x: 0.1 }, zStep: 0.3 }],
  ['3-D without z step (pixels)', { z: true, pixelSize: { y: 0.1, x: 0.1 } }],
] as const) {
  test(`TrackMate XML round trip (${label}): same spots, frames and tracks to 1e-6 px`, () => {
    const set = trackedSet(7, opts);
    const xml = formatTrackMateXml(set);
    const back = parseTrackMateXml(xml);
    assert.equal(back.spatialUnits, 'pixelSize' in opts && (!('z' in opts) || 'zStep' in opts) ? 'micron' : 'pixel');
    assert.equal(back.spots.length, set.spots.length);
    const byId = new Map(back.spots.map((s) => [s.id, s]));
    set.spots.forEach((s, i) => {
      const r = byId.get(i)!; // spot ID = position in the set (the CSV row)
      assert.ok(Math.abs(r.y - s.y) < 1e-6 && Math.abs(r.x - s.x) < 1e-6, `spot ${i}: ${r.y},${r.x} vs ${s.y},${s.x}`);
      assert.ok(Math.abs(r.z - (s.z ?? 0)) < 1e-6, `z ${r.z} vs ${s.z}`);
      assert.equal(r.t, s.t);
      assert.ok(Math.abs(r.quality - s.score!) < 1e-12);
      assert.equal(r.visible, true);
    });
    // tracks of two or more spots come back whole; lone spots have no track in TrackMate
    const sizes = new Map<number, number>();
    for (const s of set.spots) sizes.set(s.trackId!, (sizes.get(s.trackId!) ?? 0) + 1);
    const expected = set.spots.map((s) => (sizes.get(s.trackId!)! > 1 ? s.trackId : undefined));
    assert.deepEqual(partition(set.spots.map((_, i) => byId.get(i)!.trackId)), partition(expected));
    assert.deepEqual(
      back.tracks.map((t) => t.id),
      [0, 1, 2, 3, 4, 5],
    );
    for (const t of back.tracks) {
      assert.equal(t.visible, true);
      assert.equal(t.edges.length, sizes.get(t.id)! - 1, 'a chain: one edge fewer than spots');
      for (const e of t.edges) assert.ok(byId.get(e.target)!.t > byId.get(e.source)!.t, 'edges forward in time');
    }
  });
}

test('TrackMate XML: positions calibrated (column × pixel width, row × pixel height, no 0.5 shift), units and image data', () => {
  const set: ExportSet = {
    spots: [{ y: 3, x: 5, score: 7.5, c: 1, cell: 4 }],
    axes: 'cyx',
    pixelSize: { y: 0.2, x: 0.1 },
    width: 64,
    height: 32,
    channels: 2,
    image: '/data/a&b "x".tif',
    radius: 2.5,
  };
  const xml = formatTrackMateXml(set);
  assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<TrackMate version="7\.14\.0">/);
  const spot = /<Spot [^>]*\/>/.exec(xml)![0];
  for (const a of ['ID="0"', 'name="ID0"', 'POSITION_X="0.5"', 'POSITION_Y="0.6000000000000001"', 'POSITION_Z="0"', 'POSITION_T="0"', 'FRAME="0"']) {
    assert.ok(spot.includes(a), `${a} in ${spot}`);
  }
  for (const a of ['RADIUS="0.25"', 'QUALITY="7.5"', 'VISIBILITY="1"', 'CHANNEL="1"', 'CELL="4"']) assert.ok(spot.includes(a), `${a} in ${spot}`);
  assert.match(xml, /<Model spatialunits="micron" timeunits="frame">/);
  assert.match(
    xml,
    /<ImageData filename="a&amp;b &quot;x&quot;.tif" folder="\/data\/" width="64" height="32" nslices="1" nframes="1" pixelwidth="0.1" pixelheight="0.2" voxeldepth="0.1" timeinterval="1"\/>/,
  );
  const back = parseTrackMateXml(xml);
  assert.ok(Math.abs(back.spots[0].y - 3) < 1e-12 && Math.abs(back.spots[0].x - 5) < 1e-12);
  assert.equal(back.image?.filename, 'a&b "x".tif');
  assert.equal(back.spots[0].features.CHANNEL, 1);
  // without a pixel size: pixels throughout
  const px = parseTrackMateXml(formatTrackMateXml({ ...set, pixelSize: undefined }));
  assert.equal(px.spatialUnits, 'pixel');
  assert.equal(px.spots[0].features.POSITION_X, 5);
  assert.equal(px.spots[0].features.RADIUS, 2.5);
});

/*
 * A minimal TrackMate file as TrackMate's TmXmlWriter lays it out (trackmate-sc/TrackMate
 * src/main/java/fiji/plugin/trackmate/io/TmXmlWriter.java: appendLog, appendModel,
 * appendSettings, appendGUIState, appendDisplaySettings), with what TmXmlReader.java reads:
 * every element it dereferences without a null check and every attribute it looks up.
 */
const MINIMAL = `<?xml version="1.0" encoding="UTF-8"?>
<TrackMate version="7.11.1">
  <Log>TrackMate v7.11.1 started on: …</Log>
  <Model spatialunits="micron" timeunits="sec">
    <FeatureDeclarations>
      <SpotFeatures>
        <Feature feature="QUALITY" name="Quality" shortname="Quality" dimension="QUALITY" isint="false" />
        <Feature feature="POSITION_X" name="X" shortname="X" dimension="POSITION" isint="false" />
        <Feature feature="POSITION_Y" name="Y" shortname="Y" dimension="POSITION" isint="false" />
        <Feature feature="POSITION_Z" name="Z" shortname="Z" dimension="POSITION" isint="false" />
        <Feature feature="POSITION_T" name="T" shortname="T" dimension="TIME" isint="false" />
        <Feature feature="FRAME" name="Frame" shortname="Frame" dimension="NONE" isint="true" />
        <Feature feature="RADIUS" name="Radius" shortname="R" dimension="LENGTH" isint="false" />
        <Feature feature="VISIBILITY" name="Visibility" shortname="Visibility" dimension="NONE" isint="true" />
      </SpotFeatures>
      <EdgeFeatures>
        <Feature feature="SPOT_SOURCE_ID" name="Source spot ID" shortname="Source ID" dimension="NONE" isint="true" />
        <Feature feature="SPOT_TARGET_ID" name="Target spot ID" shortname="Target ID" dimension="NONE" isint="true" />
        <Feature feature="LINK_COST" name="Edge cost" shortname="Cost" dimension="COST" isint="false" />
      </EdgeFeatures>
      <TrackFeatures>
        <Feature feature="TRACK_INDEX" name="Track index" shortname="Index" dimension="NONE" isint="true" />
        <Feature feature="TRACK_ID" name="Track ID" shortname="ID" dimension="NONE" isint="true" />
      </TrackFeatures>
    </FeatureDeclarations>
    <AllSpots nspots="3">
      <SpotsInFrame frame="0">
        <Spot ID="1000" name="ID1000" POSITION_X="1.0" POSITION_Y="2.0" POSITION_Z="0.0" POSITION_T="0.0" FRAME="0" RADIUS="0.5" QUALITY="12.5" VISIBILITY="1" />
        <Spot ID="1001" name="ID1001" POSITION_X="8.0" POSITION_Y="6.0" POSITION_Z="0.0" POSITION_T="0.0" FRAME="0" RADIUS="0.5" QUALITY="3.0" VISIBILITY="0" />
      </SpotsInFrame>
      <SpotsInFrame frame="1">
        <Spot ID="1002" name="ID1002" POSITION_X="1.5" POSITION_Y="2.25" POSITION_Z="0.0" POSITION_T="2.0" FRAME="1" RADIUS="0.5" QUALITY="11.0" VISIBILITY="1" />
      </SpotsInFrame>
    </AllSpots>
    <AllTracks>
      <Track name="Track_0" TRACK_ID="0" TRACK_INDEX="0">
        <Edge SPOT_SOURCE_ID="1000" SPOT_TARGET_ID="1002" LINK_COST="0.3125" />
      </Track>
    </AllTracks>
    <FilteredTracks>
      <TrackID TRACK_ID="0" />
    </FilteredTracks>
  </Model>
  <Settings>
    <ImageData filename="cells.tif" folder="/data/" width="40" height="30" nslices="1" nframes="2" pixelwidth="0.25" pixelheight="0.25" voxeldepth="1.0" timeinterval="2.0" />
    <BasicSettings xstart="0" xend="39" ystart="0" yend="29" zstart="0" zend="0" tstart="0" tend="1" />
    <DetectorSettings DETECTOR_NAME="LOG_DETECTOR" DO_MEDIAN_FILTERING="false" DO_SUBPIXEL_LOCALIZATION="true" RADIUS="0.5" TARGET_CHANNEL="1" THRESHOLD="0.0" />
    <InitialSpotFilter feature="QUALITY" value="0.0" isabove="true" />
    <SpotFilterCollection />
    <TrackerSettings TRACKER_NAME="SIMPLE_SPARSE_LAP_TRACKER" CUTOFF_PERCENTILE="0.9" ALTERNATIVE_LINKING_COST_FACTOR="1.05" BLOCKING_VALUE="Infinity">
      <Linking LINKING_MAX_DISTANCE="2.0" />
    </TrackerSettings>
    <TrackFilterCollection />
    <AnalyzerCollection>
      <SpotAnalyzers />
      <EdgeAnalyzers />
      <TrackAnalyzers />
    </AnalyzerCollection>
  </Settings>
  <GUIState state="ConfigureViews" />
  <DisplaySettings>{}</DisplaySettings>
</TrackMate>
`;

test('reads a TrackMate file as TrackMate writes it: µm → px with its ImageData, frames, visibility, tracks', () => {
  const d = parseTrackMateXml(MINIMAL);
  assert.equal(d.version, '7.11.1');
  assert.equal(d.spatialUnits, 'micron');
  assert.equal(d.image?.timeInterval, 2);
  assert.deepEqual(
    d.spots.map((s) => [s.id, s.y, s.x, s.t, s.quality, s.visible, s.trackId]),
    [
      [1000, 8, 4, 0, 12.5, true, 0],
      [1001, 24, 32, 0, 3, false, undefined],
      [1002, 9, 6, 1, 11, true, 0],
    ],
  );
  assert.deepEqual(d.tracks, [{ id: 0, name: 'Track_0', edges: [{ source: 1000, target: 1002, cost: 0.3125 }], visible: true }]);
});

/** Element paths (a/b/c) with their attribute names, of a parsed XML document. */
function skeleton(xml: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseAttributeValue: false, isArray: () => true }).parse(xml) as Record<
    string,
    unknown
  >;
  const walk = (node: unknown, at: string) => {
    if (!node || typeof node !== 'object') return;
    for (const el of Array.isArray(node) ? node : [node]) {
      if (!el || typeof el !== 'object') continue;
      const attrs = out.get(at) ?? new Set<string>();
      out.set(at, attrs);
      for (const [k, v] of Object.entries(el as Record<string, unknown>)) {
        if (k.startsWith('@_')) attrs.add(k.slice(2));
        else if (k !== '#text') walk(v, `${at}/${k}`);
      }
    }
  };
  walk(doc.TrackMate, 'TrackMate');
  return out;
}

test("the writer's file has every element and attribute of the minimal TrackMate file that the reader needs", () => {
  const xml = formatTrackMateXml(trackedSet(3, { pixelSize: { y: 0.1, x: 0.1 } }));
  const ours = skeleton(xml);
  // the LoG detector's and the LAP tracker's own parameters are theirs; we declare the manual ones
  const theirs = skeleton(MINIMAL);
  for (const [p, attrs] of theirs) {
    if (p.startsWith('TrackMate/Settings/TrackerSettings/Linking')) continue;
    assert.ok(ours.has(p), `element ${p} missing`);
    for (const a of attrs) {
      if (p.endsWith('DetectorSettings') && a !== 'DETECTOR_NAME' && a !== 'RADIUS') continue;
      if (p.endsWith('TrackerSettings') && a !== 'TRACKER_NAME') continue;
      assert.ok(ours.get(p)!.has(a), `${p} lacks attribute ${a}`);
    }
  }
});

test('the writer satisfies what TmXmlReader checks: declarations, numbers, nspots, edges to existing spots, filtered tracks, settings', () => {
  const xml = formatTrackMateXml({ ...trackedSet(11, { z: true, pixelSize: { y: 0.1, x: 0.1 }, zStep: 0.25 }), image: 'movie.tif' });
  // well-formed XML (JDOM's SAXBuilder rejects anything else), no attribute without a value
  assert.equal(XMLValidator.validate(xml, { allowBooleanAttributes: false }), true);
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    isArray: (n) => ['SpotsInFrame', 'Spot', 'Track', 'Edge', 'TrackID', 'Feature'].includes(n),
  }).parse(xml);
  const root = doc.TrackMate;
  // LoadTrackMatePlugIn: version ≥ 2.1.0
  assert.equal(root.version, TRACKMATE_FILE_VERSION);
  assert.ok(Number(root.version.split('.')[0]) >= 3);
  const model = root.Model;
  assert.equal(model.spatialunits, 'micron');
  assert.ok(model.timeunits);
  // FeatureDeclarations: feature, name, shortname, a Dimension constant, isint true/false
  const DIMENSIONS = [
    'NONE',
    'QUALITY',
    'COST',
    'INTENSITY',
    'INTENSITY_SQUARED',
    'POSITION',
    'VELOCITY',
    'LENGTH',
    'AREA',
    'TIME',
    'ANGLE',
    'RATE',
    'ANGLE_RATE',
    'STRING',
  ];
  const declared: Record<string, Map<string, boolean>> = {};
  for (const kind of ['SpotFeatures', 'EdgeFeatures', 'TrackFeatures']) {
    declared[kind] = new Map();
    for (const f of model.FeatureDeclarations[kind].Feature) {
      for (const a of ['feature', 'name', 'shortname', 'dimension', 'isint']) assert.ok(typeof f[a] === 'string' && f[a] !== '', `${kind} ${f.feature}: ${a}`);
      assert.ok(DIMENSIONS.includes(f.dimension), f.dimension);
      assert.ok(f.isint === 'true' || f.isint === 'false');
      declared[kind].set(f.feature, f.isint === 'true');
    }
  }
  // spots: every attribute but ID and name a declared numeric feature (Double.valueOf), ints where declared so
  const ids = new Set<number>();
  let count = 0;
  for (const frame of model.AllSpots.SpotsInFrame) {
    assert.ok(Number.isInteger(Number(frame.frame)));
    for (const s of frame.Spot) {
      count++;
      assert.ok(/^\d+$/.test(s.ID));
      assert.ok(!ids.has(Number(s.ID)), 'unique IDs');
      ids.add(Number(s.ID));
      for (const need of ['POSITION_X', 'POSITION_Y', 'POSITION_Z', 'FRAME', 'RADIUS', 'QUALITY', 'VISIBILITY']) assert.ok(need in s, need);
      assert.equal(s.FRAME, frame.frame);
      for (const [k, v] of Object.entries(s as Record<string, string>)) {
        if (k === 'ID' || k === 'name') continue;
        assert.ok(declared.SpotFeatures.has(k), `undeclared spot feature ${k}`);
        assert.ok(Number.isFinite(Number(v)), `${k}=${v}`);
        if (declared.SpotFeatures.get(k)) assert.ok(/^-?\d+$/.test(v), `${k}=${v} is int`);
      }
    }
  }
  assert.equal(Number(model.AllSpots.nspots), count);
  // tracks: TRACK_ID int, other attributes numbers (readTrackFeatures), edges between known, distinct spots
  const trackIds = new Set<number>();
  for (const t of model.AllTracks.Track) {
    assert.ok(/^\d+$/.test(t.TRACK_ID));
    trackIds.add(Number(t.TRACK_ID));
    for (const [k, v] of Object.entries(t as Record<string, unknown>)) {
      if (k === 'name' || k === 'Edge') continue;
      assert.ok(declared.TrackFeatures.has(k), `undeclared track feature ${k}`);
      assert.ok(Number.isFinite(Number(v)), `${k}=${String(v)}`);
    }
    assert.ok(t.Edge.length >= 1);
    for (const e of t.Edge) {
      assert.ok(ids.has(Number(e.SPOT_SOURCE_ID)) && ids.has(Number(e.SPOT_TARGET_ID)), 'edge to an existing spot');
      assert.notEqual(e.SPOT_SOURCE_ID, e.SPOT_TARGET_ID);
      for (const k of Object.keys(e)) assert.ok(declared.EdgeFeatures.has(k), `undeclared edge feature ${k}`);
    }
  }
  assert.ok(trackIds.size > 0);
  assert.deepEqual(new Set(model.FilteredTracks.TrackID.map((t: { TRACK_ID: string }) => Number(t.TRACK_ID))), trackIds);
  // settings the reader dereferences
  const st = root.Settings;
  for (const a of ['filename', 'folder', 'width', 'height', 'nslices', 'nframes', 'pixelwidth', 'pixelheight', 'voxeldepth', 'timeinterval'])
    assert.ok(a in st.ImageData, a);
  assert.equal(st.ImageData.filename, 'movie.tif');
  assert.equal(st.ImageData.voxeldepth, '0.25');
  for (const a of ['xstart', 'xend', 'ystart', 'yend', 'zstart', 'zend', 'tstart', 'tend']) assert.ok(/^\d+$/.test(st.BasicSettings[a]), a);
  assert.deepEqual(Object.keys(st.DetectorSettings).sort(), ['DETECTOR_NAME', 'RADIUS']);
  assert.equal(st.DetectorSettings.DETECTOR_NAME, 'MANUAL_DETECTOR');
  assert.deepEqual(st.TrackerSettings, { TRACKER_NAME: 'MANUAL_TRACKER' });
  assert.deepEqual(st.InitialSpotFilter, { feature: 'QUALITY', value: '0.0', isabove: 'true' });
  assert.equal(st.SpotFilterCollection, '');
  assert.equal(st.TrackFilterCollection, '');
  assert.deepEqual(st.AnalyzerCollection, { SpotAnalyzers: '', EdgeAnalyzers: '', TrackAnalyzers: '' });
  assert.deepEqual(root.GUIState, { state: 'ConfigureViews' });
  assert.equal(root.DisplaySettings, '', 'empty: TrackMate takes the user defaults');
});

test('an empty set is a valid file; reading errors are one line with code bad-labels', () => {
  const empty = parseTrackMateXml(formatTrackMateXml({ spots: [], axes: 'yx' }));
  assert.deepEqual([empty.spots, empty.tracks], [[], []]);
  throwsUser(() => parseTrackMateXml('y,x\n1,2\n'), /not a TrackMate XML file/);
  throwsUser(() => parseTrackMateXml(MINIMAL.slice(0, 2000)), /truncated/);
  throwsUser(() => parseTrackMateXml(MINIMAL.replace('nspots="3"', 'nspots="4"')), /nspots="4" but holds 3 spots/);
  throwsUser(() => parseTrackMateXml(MINIMAL.replace('SPOT_TARGET_ID="1002"', 'SPOT_TARGET_ID="7"')), /spot ID 7, which is not in AllSpots/);
  throwsUser(() => parseTrackMateXml(MINIMAL.replace('POSITION_X="8.0" ', '')), /Spot ID 1001 has no POSITION_X/);
  throwsUser(() => parseTrackMateXml(MINIMAL.replace('POSITION_X="8.0"', 'POSITION_X="eight"')), /POSITION_X 'eight' is not a number/);
  throwsUser(() => parseTrackMateXml(MINIMAL.replace(/<ImageData [^>]*\/>/, '')), /in micron and the file has no ImageData calibration: give the pixel size/);
  const withPs = parseTrackMateXml(MINIMAL.replace(/<ImageData [^>]*\/>/, ''), { pixelSize: { y: 0.5, x: 0.5 } });
  assert.deepEqual([withPs.spots[0].y, withPs.spots[0].x], [4, 2]);
  // positions in nm: µm per unit ÷ µm per pixel (1000 nm = 1 µm = 2 px); an unknown unit is refused
  const nm = MINIMAL.replace(/<ImageData [^>]*\/>/, '')
    .replace('spatialunits="micron"', 'spatialunits="nm"')
    .replace('POSITION_Y="2.0"', 'POSITION_Y="1000.0"');
  const inNm = parseTrackMateXml(nm, { pixelSize: { y: 0.5, x: 0.5 } });
  assert.deepEqual([inNm.spots[0].y, inNm.spots[0].x], [2, 0.002]);
  throwsUser(
    () => parseTrackMateXml(nm.replace('spatialunits="nm"', 'spatialunits="parsec"'), { pixelSize: { y: 0.5, x: 0.5 } }),
    /unknown spatial unit 'parsec'/,
  );
});

test('readTrackMateXml names the file in its errors', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deepblink-tm-'));
  const f = path.join(dir, 'bad.xml');
  writeFileSync(f, '<TrackMate version="7.0.0"><Model>');
  await assert.rejects(readTrackMateXml(f), (e: unknown) => e instanceof UserError && e.file === f && /truncated/.test(e.message));
  await assert.rejects(readTrackMateXml(path.join(dir, 'none.xml')), (e: unknown) => e instanceof UserError && e.code === 'not-found');
  writeFileSync(f, MINIMAL);
  assert.equal((await readTrackMateXml(f)).spots.length, 3);
});
