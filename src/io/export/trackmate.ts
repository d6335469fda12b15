/**
 * TrackMate XML: spots (and tracks) as a file Fiji's TrackMate opens with "Load a TrackMate
 * file" (plugin `LoadTrackMatePlugIn`), and the reverse, TrackMate files read as spots in
 * pixels.
 *
 * What TrackMate's reader needs, from its source (trackmate-sc/TrackMate,
 * src/main/java/fiji/plugin/trackmate/io/TmXmlReader.java, TmXmlKeys.java, TmXmlWriter.java;
 * LoadTrackMatePlugIn.java, TrackMateFactoryBase.java, ViewUtils.makeEmpytImagePlus):
 *
 *  - root `<TrackMate version>`: the loader refuses versions below 2.1.0 and fails without it;
 *  - `<Model spatialunits timeunits>` with `<FeatureDeclarations>` (SpotFeatures, EdgeFeatures,
 *    TrackFeatures: `<Feature feature name shortname dimension isint>`, dimension a
 *    `Dimension` constant), `<AllSpots nspots>` → `<SpotsInFrame frame>` → `<Spot ID name …>`
 *    where every other attribute is parsed as a number (a feature), `<AllTracks>` → `<Track
 *    name TRACK_ID …>` whose other attributes are all parsed as numbers → `<Edge
 *    SPOT_SOURCE_ID SPOT_TARGET_ID LINK_COST>` (unknown spot IDs are errors), and
 *    `<FilteredTracks>` → `<TrackID TRACK_ID>` (each an existing track); AllSpots and AllTracks
 *    are dereferenced without a null check;
 *  - `<Settings>` with `<ImageData>` (dereferenced without a null check when the loader looks for
 *    the image; an image that is not found gives an empty image of the spots' extent, which
 *    needs RADIUS, POSITION_X/Y/Z and FRAME on every spot), `<BasicSettings>`,
 *    `<DetectorSettings DETECTOR_NAME>` and `<TrackerSettings TRACKER_NAME>` of factories
 *    TrackMate knows, whose other attributes must be keys of the factory's default settings
 *    (manual detector: RADIUS; manual tracker: none), `<InitialSpotFilter>`,
 *    `<SpotFilterCollection>` and `<TrackFilterCollection>` (all three dereferenced without a
 *    null check), `<AnalyzerCollection>` with SpotAnalyzers, EdgeAnalyzers, TrackAnalyzers (the
 *    reader adds every analyzer it knows anyway);
 *  - `<GUIState state>` (the wizard panel to open; "ConfigureViews") and `<DisplaySettings>`
 *    (JSON; empty text = the user's defaults): missing, they are reported as errors in the log.
 *
 * Positions: TrackMate's POSITION_X is the column and POSITION_Y the row, both calibrated
 * (pixel index × pixel size, the centre of a pixel at its integer index: no 0.5 shift; see
 * io/labels.ts), POSITION_Z = slice × voxel depth, POSITION_T = frame × frame interval. Written
 * in µm ("micron") when the pixel size (and for z-stacks the z step) is known, else in pixels.
 * Spot IDs are the spots' positions in the set (the rows of the CSV table, 0-based).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import XMLBuilder from 'fast-xml-builder';
import { XMLParser } from 'fast-xml-parser';
import { UserError, fsCode } from '../../core/errors.js';
import { isPixelUnit, micronsPerUnit } from '../image/metadata.js';
import type { PixelSize } from '../../core/types.js';
import { VERSION } from '../../core/version.js';
import { exportUnits, hasZ, trackMembers, type ExportSet } from './set.js';

/** The TrackMate file version written (the loader reads files from 2.1.0 on; 7.x and 8.x read this layout). */
export const TRACKMATE_FILE_VERSION = '7.14.0';

/** [feature, name, shortname, dimension, isint], as TrackMate declares its own features. */
type FeatureDecl = [string, string, string, string, boolean];

const SPOT_FEATURES: FeatureDecl[] = [
  ['QUALITY', 'Quality', 'Quality', 'QUALITY', false],
  ['POSITION_X', 'X', 'X', 'POSITION', false],
  ['POSITION_Y', 'Y', 'Y', 'POSITION', false],
  ['POSITION_Z', 'Z', 'Z', 'POSITION', false],
  ['POSITION_T', 'T', 'T', 'TIME', false],
  ['FRAME', 'Frame', 'Frame', 'NONE', true],
  ['RADIUS', 'Radius', 'R', 'LENGTH', false],
  ['VISIBILITY', 'Visibility', 'Visibility', 'NONE', true],
];
/** deepblink's own spot features (declared like any other; TrackMate can filter and colour by them). */
const CHANNEL_FEATURE: FeatureDecl = ['CHANNEL', 'Channel', 'Ch', 'NONE', true];
const CELL_FEATURE: FeatureDecl = ['CELL', 'Cell', 'Cell', 'NONE', true];

const EDGE_FEATURES: FeatureDecl[] = [
  ['SPOT_SOURCE_ID', 'Source spot ID', 'Source ID', 'NONE', true],
  ['SPOT_TARGET_ID', 'Target spot ID', 'Target ID', 'NONE', true],
  ['LINK_COST', 'Edge cost', 'Cost', 'COST', false],
];

const TRACK_FEATURES: FeatureDecl[] = [
  ['TRACK_INDEX', 'Track index', 'Index', 'NONE', true],
  ['TRACK_ID', 'Track ID', 'ID', 'NONE', true],
  ['NUMBER_SPOTS', 'Number of spots in track', 'N spots', 'NONE', true],
  ['NUMBER_GAPS', 'Number of gaps', 'N gaps', 'NONE', true],
  ['LONGEST_GAP', 'Longest gap', 'Lgst gap', 'NONE', true],
  ['NUMBER_SPLITS', 'Number of split events', 'N splits', 'NONE', true],
  ['NUMBER_MERGES', 'Number of merge events', 'N merges', 'NONE', true],
  ['NUMBER_COMPLEX', 'Number of complex points', 'N complex', 'NONE', true],
  ['TRACK_DURATION', 'Track duration', 'Duration', 'TIME', false],
  ['TRACK_START', 'Track start', 'Track start', 'TIME', false],
  ['TRACK_STOP', 'Track stop', 'Track stop', 'TIME', false],
  ['TRACK_DISPLACEMENT', 'Track displacement', 'Track disp.', 'LENGTH', false],
];

/** Options of {@link formatTrackMateXml}. */
export interface TrackMateWriteOptions {
  /** Time between frames (default 1) in `timeUnit` (default "frame"). */
  timeInterval?: number;
  timeUnit?: string;
  /** Text for TrackMate's log panel (default: a line naming deepblink and the image). */
  log?: string;
}

type XmlNode = Record<string, unknown>;

const declarations = (list: FeatureDecl[]): XmlNode => ({
  Feature: list.map(([feature, name, shortname, dimension, isint]) => ({
    '@_feature': feature,
    '@_name': name,
    '@_shortname': shortname,
    '@_dimension': dimension,
    '@_isint': String(isint),
  })),
});

/** A number as Java's Double.valueOf reads it back exactly (shortest round-trip form). */
const num = (v: number): string => String(v);

/**
 * A TrackMate XML document of `set`: every spot (frames from `t`, 0 without), and for spots with
 * a `trackId` the tracks, each spot linked to the next one of its track in time (tracks of one
 * spot are no tracks for TrackMate and are left out of AllTracks). Spot IDs are the spots'
 * positions in `set.spots`; the track IDs are the `trackId`s. Units: see {@link exportUnits}.
 */
export function formatTrackMateXml(set: ExportSet, opts: TrackMateWriteOptions = {}): string {
  const units = exportUnits(set);
  const dt = opts.timeInterval ?? 1;
  const spots = set.spots;
  const radius = (set.radius ?? 2) * units.x;
  const withZ = hasZ(set);
  const withC = spots.some((s) => s.c !== undefined);
  const withCell = spots.some((s) => s.cell !== undefined);
  const pos = spots.map((s) => ({ x: s.x * units.x, y: s.y * units.y, z: (s.z ?? 0) * units.z, t: s.t ?? 0 }));

  // spots by frame, frames in order
  const byFrame = new Map<number, number[]>();
  spots.forEach((_, i) => {
    const t = pos[i].t;
    const list = byFrame.get(t);
    if (list) list.push(i);
    else byFrame.set(t, [i]);
  });
  const frames = [...byFrame.keys()].sort((a, b) => a - b);
  const spotEl = (i: number): XmlNode => {
    const s = spots[i];
    const p = pos[i];
    const el: XmlNode = {
      '@_ID': String(i),
      '@_name': `ID${i}`,
      '@_POSITION_X': num(p.x),
      '@_POSITION_Y': num(p.y),
      '@_POSITION_Z': num(p.z),
      '@_POSITION_T': num(p.t * dt),
      '@_FRAME': String(p.t),
      '@_RADIUS': num(radius),
      '@_QUALITY': num(s.score ?? 0),
      '@_VISIBILITY': '1',
    };
    if (withC) el['@_CHANNEL'] = String(s.c ?? 0);
    if (withCell) el['@_CELL'] = String(s.cell ?? 0);
    return el;
  };

  // tracks: consecutive spots of a track linked in time
  const trackEls: XmlNode[] = [];
  const trackIds: string[] = [];
  let index = 0;
  for (const [id, members] of trackMembers(spots)) {
    if (members.length < 2) continue;
    const edges: XmlNode[] = [];
    let gaps = 0;
    let longest = 0;
    for (let k = 1; k < members.length; k++) {
      const a = pos[members[k - 1]];
      const b = pos[members[k]];
      const jump = b.t - a.t - 1;
      if (jump > 0) {
        gaps++;
        longest = Math.max(longest, jump);
      }
      edges.push({
        '@_SPOT_SOURCE_ID': String(members[k - 1]),
        '@_SPOT_TARGET_ID': String(members[k]),
        '@_LINK_COST': num((b.x - a.x) ** 2 + (b.y - a.y) ** 2 + (b.z - a.z) ** 2),
      });
    }
    const first = pos[members[0]];
    const last = pos[members[members.length - 1]];
    trackEls.push({
      '@_name': `Track_${id}`,
      '@_TRACK_ID': String(id),
      '@_TRACK_INDEX': String(index++),
      '@_NUMBER_SPOTS': String(members.length),
      '@_NUMBER_GAPS': String(gaps),
      '@_LONGEST_GAP': String(longest),
      '@_NUMBER_SPLITS': '0',
      '@_NUMBER_MERGES': '0',
      '@_NUMBER_COMPLEX': '0',
      '@_TRACK_DURATION': num((last.t - first.t) * dt),
      '@_TRACK_START': num(first.t * dt),
      '@_TRACK_STOP': num(last.t * dt),
      '@_TRACK_DISPLACEMENT': num(Math.hypot(last.x - first.x, last.y - first.y, last.z - first.z)),
      Edge: edges,
    });
    trackIds.push(String(id));
  }

  // the image: its size, else the spots' extent
  const extent = (f: (i: number) => number) => spots.reduce((m, _, i) => Math.max(m, Math.ceil(f(i)) + 1), 1);
  const width = set.width ?? extent((i) => spots[i].x);
  const height = set.height ?? extent((i) => spots[i].y);
  const nslices = set.depth ?? (withZ ? extent((i) => spots[i].z ?? 0) : 1);
  const nframes = set.frames ?? (frames.length > 0 ? frames[frames.length - 1] + 1 : 1);
  const image = set.image ? path.resolve(set.image) : undefined;

  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    TrackMate: {
      '@_version': TRACKMATE_FILE_VERSION,
      Log: opts.log ?? `Spots exported by deepblink ${VERSION}${image ? ` from ${image}` : ''} (${units.unit} units).`,
      Model: {
        '@_spatialunits': units.unit,
        '@_timeunits': opts.timeUnit ?? 'frame',
        FeatureDeclarations: {
          SpotFeatures: declarations([...SPOT_FEATURES, ...(withC ? [CHANNEL_FEATURE] : []), ...(withCell ? [CELL_FEATURE] : [])]),
          EdgeFeatures: declarations(EDGE_FEATURES),
          TrackFeatures: declarations(TRACK_FEATURES),
        },
        AllSpots: {
          '@_nspots': String(spots.length),
          SpotsInFrame: frames.map((t) => ({ '@_frame': String(t), Spot: byFrame.get(t)!.map(spotEl) })),
        },
        AllTracks: { Track: trackEls },
        FilteredTracks: { TrackID: trackIds.map((id) => ({ '@_TRACK_ID': id })) },
      },
      Settings: {
        ImageData: {
          '@_filename': image ? path.basename(image) : '',
          '@_folder': image ? path.dirname(image) + path.sep : '',
          '@_width': String(width),
          '@_height': String(height),
          '@_nslices': String(nslices),
          '@_nframes': String(nframes),
          '@_pixelwidth': num(units.x),
          '@_pixelheight': num(units.y),
          '@_voxeldepth': num(units.z),
          '@_timeinterval': num(dt),
        },
        BasicSettings: {
          '@_xstart': '0',
          '@_xend': String(width - 1),
          '@_ystart': '0',
          '@_yend': String(height - 1),
          '@_zstart': '0',
          '@_zend': String(nslices - 1),
          '@_tstart': '0',
          '@_tend': String(nframes - 1),
        },
        // the manual detector and tracker: TrackMate knows them, and they redo nothing
        DetectorSettings: { '@_DETECTOR_NAME': 'MANUAL_DETECTOR', '@_RADIUS': num(radius) },
        InitialSpotFilter: { '@_feature': 'QUALITY', '@_value': '0.0', '@_isabove': 'true' },
        SpotFilterCollection: '',
        TrackerSettings: { '@_TRACKER_NAME': 'MANUAL_TRACKER' },
        TrackFilterCollection: '',
        AnalyzerCollection: { SpotAnalyzers: '', EdgeAnalyzers: '', TrackAnalyzers: '' },
      },
      GUIState: { '@_state': 'ConfigureViews' },
      DisplaySettings: '',
    },
  };
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    format: true,
    indentBy: '  ',
    suppressEmptyNode: true,
    suppressBooleanAttributes: false, // isint="true", never a bare isint (not XML)
    processEntities: true,
  });
  return builder.build(doc);
}

/** One spot of a TrackMate file, in pixels. */
export interface TrackMateSpot {
  /** TrackMate's spot ID. */
  id: number;
  /** Row, column and slice, px (POSITION_Y / pixel height, POSITION_X / pixel width, POSITION_Z / voxel depth). */
  y: number;
  x: number;
  z: number;
  /** Frame index (FRAME, else the frame of its SpotsInFrame). */
  t: number;
  /** QUALITY (NaN when absent). */
  quality: number;
  /** VISIBILITY ≠ 0 (true when absent): TrackMate hides spots its filters removed. */
  visible: boolean;
  /** The track it belongs to (through an edge). */
  trackId?: number;
  /** Every numeric attribute of the Spot element (its features, as written). */
  features: Record<string, number>;
}

/** One track of a TrackMate file. */
export interface TrackMateTrack {
  /** TRACK_ID. */
  id: number;
  name: string;
  /** Its links, as spot IDs. */
  edges: { source: number; target: number; cost?: number }[];
  /** Listed in FilteredTracks (shown by TrackMate). */
  visible: boolean;
}

/** The content of a TrackMate XML file. */
export interface TrackMateData {
  /** The TrackMate version that wrote the file. */
  version: string;
  /** Model units, e.g. "micron" / "pixel" and "sec" / "frame". */
  spatialUnits: string;
  timeUnits: string;
  /** ImageData: the calibration (spatial units per pixel / slice, time units per frame) and the image, when the file has it. */
  image?: {
    filename: string;
    folder: string;
    width: number;
    height: number;
    nslices: number;
    nframes: number;
    pixelWidth: number;
    pixelHeight: number;
    voxelDepth: number;
    timeInterval: number;
  };
  /** Every spot, in the order of the file. */
  spots: TrackMateSpot[];
  tracks: TrackMateTrack[];
}

/** Options of {@link parseTrackMateXml}. */
export interface TrackMateReadOptions {
  /**
   * µm per pixel, used only for a file without ImageData whose units are not pixels (the
   * ImageData calibration is the file's own and is used whenever it is there).
   */
  pixelSize?: PixelSize;
  /** µm per slice, for z in such a file (default: the pixel size along x). */
  voxelDepth?: number;
}

const ARRAYS = new Set(['SpotsInFrame', 'Spot', 'Track', 'Edge', 'TrackID', 'Feature']);

/**
 * Parses a TrackMate XML document (as TrackMate writes it, or {@link formatTrackMateXml}) into
 * spots in pixels and tracks. Positions are divided by the file's own calibration (ImageData
 * pixelwidth, pixelheight, voxeldepth): TrackMate positions are calibrated, with the centre of
 * a pixel at its integer index, so this is the package convention with no shift. Every problem
 * (not XML, not TrackMate, a truncated file, a spot without position, an edge to an unknown
 * spot) is a one-line UserError, code 'bad-labels'.
 */
export function parseTrackMateXml(text: string, opts: TrackMateReadOptions = {}): TrackMateData {
  const bad = (msg: string): never => {
    throw new UserError(msg, undefined, 'bad-labels');
  };
  const body = text.replace(/^\uFEFF/, '');
  if (!/<TrackMate[\s>/]/.test(body)) bad('not a TrackMate XML file (no <TrackMate> element)');
  // the parser is lenient: a file cut short would read as fewer spots, so its end is checked
  if (!/<\/TrackMate>\s*$/.test(body) && !/<TrackMate[^>]*\/>\s*$/.test(body)) bad('TrackMate XML file is truncated (no closing </TrackMate>)');
  let doc: XmlNode;
  try {
    doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@_',
      parseAttributeValue: false,
      parseTagValue: false,
      isArray: (name) => ARRAYS.has(name),
    }).parse(body) as XmlNode;
  } catch (err) {
    return bad(`not a readable XML file: ${(err as Error).message.split('\n')[0]}`);
  }
  const root = doc.TrackMate as XmlNode | undefined;
  if (!root || typeof root !== 'object') return bad('not a TrackMate XML file (no <TrackMate> root element)');
  const model = root.Model as XmlNode | undefined;
  if (!model || typeof model !== 'object') return bad('TrackMate XML file without a <Model> element');
  const allSpots = model.AllSpots as XmlNode | undefined;
  if (allSpots === undefined) return bad('TrackMate XML file without an <AllSpots> element');
  const attr = (el: XmlNode, name: string): string | undefined => {
    const v = el[`@_${name}`];
    return typeof v === 'string' ? v : undefined;
  };
  const number = (el: XmlNode, name: string, where: string, fallback?: number): number => {
    const s = attr(el, name);
    if (s === undefined || s.trim() === '') {
      if (fallback !== undefined) return fallback;
      return bad(`${where} has no ${name}`);
    }
    const v = Number(s);
    if (!Number.isFinite(v)) return bad(`${where}: ${name} '${s}' is not a number`);
    return v;
  };
  const integer = (el: XmlNode, name: string, where: string, fallback?: number): number => {
    const v = number(el, name, where, fallback);
    if (!Number.isInteger(v)) bad(`${where}: ${name} '${attr(el, name)}' is not a whole number`);
    return v;
  };
  const children = (el: unknown, name: string): XmlNode[] => (el && typeof el === 'object' ? (((el as XmlNode)[name] as XmlNode[] | undefined) ?? []) : []);

  // calibration
  const settings = root.Settings as XmlNode | undefined;
  const imageData = settings && typeof settings === 'object' ? (settings.ImageData as XmlNode | undefined) : undefined;
  const spatialUnits = attr(model, 'spatialunits') || 'pixel';
  const timeUnits = attr(model, 'timeunits') ?? 'frame';
  let image: TrackMateData['image'];
  if (imageData && typeof imageData === 'object') {
    const positive = (name: string) => {
      const v = number(imageData, name, 'ImageData', 1);
      return v > 0 ? v : 1;
    };
    image = {
      filename: attr(imageData, 'filename') ?? '',
      folder: attr(imageData, 'folder') ?? '',
      width: number(imageData, 'width', 'ImageData', 0),
      height: number(imageData, 'height', 'ImageData', 0),
      nslices: number(imageData, 'nslices', 'ImageData', 1),
      nframes: number(imageData, 'nframes', 'ImageData', 1),
      pixelWidth: positive('pixelwidth'),
      pixelHeight: positive('pixelheight'),
      voxelDepth: positive('voxeldepth'),
      timeInterval: positive('timeinterval'),
    };
  }
  let fx = 1;
  let fy = 1;
  let fz = 1;
  if (image) {
    fx = image.pixelWidth;
    fy = image.pixelHeight;
    fz = image.voxelDepth;
  } else if (!isPixelUnit(spatialUnits)) {
    // positions in a length unit: µm per unit ÷ µm per pixel (as the TrackMate CSV reader, io/labels.ts)
    const um = micronsPerUnit(spatialUnits);
    if (um === undefined) return bad(`unknown spatial unit '${spatialUnits}' (expected pixel or a length: nm, µm, micron, mm)`);
    if (!opts.pixelSize) return bad(`positions are in ${spatialUnits} and the file has no ImageData calibration: give the pixel size (--pixel-size)`);
    fx = opts.pixelSize.x / um;
    fy = opts.pixelSize.y / um;
    fz = (opts.voxelDepth ?? opts.pixelSize.x) / um;
  }

  // spots
  const spots: TrackMateSpot[] = [];
  const byId = new Map<number, TrackMateSpot>();
  for (const frameEl of children(allSpots, 'SpotsInFrame')) {
    const frame = integer(frameEl, 'frame', 'SpotsInFrame', 0);
    for (const el of children(frameEl, 'Spot')) {
      const id = integer(el, 'ID', `Spot (frame ${frame})`);
      const where = `Spot ID ${id}`;
      if (byId.has(id)) bad(`${where} appears twice`);
      const features: Record<string, number> = {};
      for (const key of Object.keys(el)) {
        if (!key.startsWith('@_') || key === '@_ID' || key === '@_name') continue;
        const v = Number(el[key]);
        if (!Number.isNaN(v) || /^\s*nan\s*$/i.test(String(el[key]))) features[key.slice(2)] = v;
      }
      const spot: TrackMateSpot = {
        id,
        x: number(el, 'POSITION_X', where) / fx,
        y: number(el, 'POSITION_Y', where) / fy,
        z: number(el, 'POSITION_Z', where, 0) / fz,
        t: integer(el, 'FRAME', where, frame),
        quality: features.QUALITY ?? NaN,
        visible: features.VISIBILITY !== 0,
        features,
      };
      byId.set(id, spot);
      spots.push(spot);
    }
  }
  const nspots = attr(allSpots, 'nspots');
  if (nspots !== undefined && nspots.trim() !== '' && Number(nspots) !== spots.length && Number(nspots) !== 0) {
    bad(`AllSpots says nspots="${nspots}" but holds ${spots.length} spots (a damaged file?)`);
  }

  // tracks
  const filtered = new Set(children(model.FilteredTracks, 'TrackID').map((el) => integer(el, 'TRACK_ID', 'FilteredTracks TrackID')));
  const tracks: TrackMateTrack[] = [];
  for (const el of children(model.AllTracks, 'Track')) {
    const id = integer(el, 'TRACK_ID', 'Track');
    const where = `Track ${id}`;
    const edges: TrackMateTrack['edges'] = [];
    for (const e of children(el, 'Edge')) {
      const source = integer(e, 'SPOT_SOURCE_ID', `${where}: Edge`);
      const target = integer(e, 'SPOT_TARGET_ID', `${where}: Edge`);
      for (const s of [source, target]) {
        const spot = byId.get(s);
        if (!spot) bad(`${where}: an edge refers to spot ID ${s}, which is not in AllSpots`);
        else if (spot.trackId !== undefined && spot.trackId !== id) bad(`spot ID ${s} is in two tracks (${spot.trackId} and ${id})`);
        else spot.trackId = id;
      }
      const costText = attr(e, 'LINK_COST');
      const cost = costText === undefined ? undefined : Number(costText);
      edges.push(cost === undefined ? { source, target } : { source, target, cost });
    }
    tracks.push({ id, name: attr(el, 'name') ?? `Track_${id}`, edges, visible: filtered.has(id) });
  }
  return { version: attr(root, 'version') ?? '', spatialUnits, timeUnits, ...(image ? { image } : {}), spots, tracks };
}

/** Reads a TrackMate XML file (see {@link parseTrackMateXml}); every problem is a one-line UserError naming `file`. */
export async function readTrackMateXml(file: string, opts: TrackMateReadOptions = {}): Promise<TrackMateData> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : 'cannot read file', file, fsCode(err));
  }
  try {
    return parseTrackMateXml(text, opts);
  } catch (err) {
    if (err instanceof UserError) throw new UserError(err.message, file, err.code);
    throw err;
  }
}
