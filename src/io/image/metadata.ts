/**
 * Parsing of the image metadata that travels inside TIFF ImageDescription tags (ImageJ
 * hyperstack descriptions and OME-XML) and conversion of length units to micrometres.
 */

/** Micrometres per one `unit`, or undefined for "no physical unit" (pixel) / unknown units. */
export function micronsPerUnit(unitRaw: string | undefined): number | undefined {
  if (unitRaw === undefined) return undefined;
  const unit = unitRaw
    .trim()
    .replace(/\\u00b5/gi, 'µ')
    .replace(/\\u03bc/gi, 'µ')
    .replace(/\u03bc/g, 'µ')
    .toLowerCase();
  switch (unit) {
    case 'micron':
    case 'microns':
    case 'um':
    case 'µm':
    case 'micrometer':
    case 'micrometers':
    case 'micrometre':
    case 'micrometres':
    case 'μm':
      return 1;
    case 'nm':
    case 'nanometer':
    case 'nanometers':
    case 'nanometre':
    case 'nanometres':
      return 1e-3;
    case 'mm':
    case 'millimeter':
    case 'millimeters':
    case 'millimetre':
    case 'millimetres':
      return 1e3;
    case 'cm':
    case 'centimeter':
    case 'centimeters':
    case 'centimetre':
    case 'centimetres':
      return 1e4;
    case 'm':
    case 'meter':
    case 'meters':
    case 'metre':
    case 'metres':
      return 1e6;
    case 'inch':
    case 'inches':
    case 'in':
      return 25400;
    case 'å':
    case 'angstrom':
    case 'ångström':
      return 1e-4;
    case 'pm':
    case 'picometer':
    case 'picometre':
      return 1e-6;
    default:
      return undefined;
  }
}

/** True for the spellings that mean "uncalibrated" (ImageJ's default unit is "pixel"). */
export function isPixelUnit(unitRaw: string | undefined): boolean {
  if (unitRaw === undefined) return true;
  const u = unitRaw.trim().toLowerCase();
  return u === '' || u === 'pixel' || u === 'pixels' || u === 'px';
}

export interface ImageJMeta {
  version: string;
  images: number;
  channels: number;
  slices: number;
  frames: number;
  hyperstack: boolean;
  unit?: string;
  yunit?: string;
  spacing?: number;
}

/** Parses an ImageJ ImageDescription ("ImageJ=1.53f\nimages=6\nchannels=2\n..."), or undefined. */
export function parseImageJDescription(desc: string | undefined): ImageJMeta | undefined {
  if (!desc || !desc.startsWith('ImageJ=')) return undefined;
  const kv = new Map<string, string>();
  for (const line of desc.split(/\r?\n/)) {
    const i = line.indexOf('=');
    if (i > 0) kv.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  const int = (k: string): number => {
    const v = kv.get(k);
    if (v === undefined) return 0;
    const n = Number.parseInt(v, 10);
    return Number.isFinite(n) && n > 0 ? n : 0;
  };
  const meta: ImageJMeta = {
    version: kv.get('ImageJ') ?? '',
    images: int('images'),
    channels: int('channels'),
    slices: int('slices'),
    frames: int('frames'),
    hyperstack: kv.get('hyperstack') === 'true',
  };
  const unit = kv.get('unit');
  if (unit !== undefined) meta.unit = unit;
  const yunit = kv.get('yunit');
  if (yunit !== undefined) meta.yunit = yunit;
  const spacing = Number(kv.get('spacing'));
  if (kv.has('spacing') && Number.isFinite(spacing)) meta.spacing = spacing;
  return meta;
}

export interface OmeTiffData {
  ifd?: number;
  planeCount?: number;
  firstZ: number;
  firstC: number;
  firstT: number;
  fileName?: string;
}

export interface OmeMeta {
  /** Number of <Image> elements (series) in the document. */
  imageCount: number;
  dimensionOrder: string;
  sizeX: number;
  sizeY: number;
  sizeZ: number;
  sizeC: number;
  sizeT: number;
  type?: string;
  physicalSizeX?: number;
  physicalSizeXUnit?: string;
  physicalSizeY?: number;
  physicalSizeYUnit?: string;
  physicalSizeZ?: number;
  physicalSizeZUnit?: string;
  tiffData: OmeTiffData[];
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*("([^"]*)"|'([^']*)')`).exec(tag);
  if (!m) return undefined;
  return decodeXmlEntities(m[2] ?? m[3] ?? '');
}

function decodeXmlEntities(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number.parseInt(d, 10)))
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * Extracts the first series' <Pixels> element (and its <TiffData> children) from an OME-XML
 * ImageDescription, or undefined when the description is not OME-XML.
 */
export function parseOmeXml(desc: string | undefined): OmeMeta | undefined {
  if (!desc || !/<(\w+:)?OME[\s>]/.test(desc)) return undefined;
  const imageCount = (desc.match(/<(\w+:)?Image[\s>]/g) ?? []).length;
  const pm = /<(?:\w+:)?Pixels\b([^>]*)>/.exec(desc);
  if (!pm) return undefined;
  const ptag = pm[1] ?? '';
  const int = (name: string, dflt: number) => {
    const v = attr(ptag, name);
    const n = v === undefined ? NaN : Number.parseInt(v, 10);
    return Number.isFinite(n) && n > 0 ? n : dflt;
  };
  const num = (name: string) => {
    const v = attr(ptag, name);
    const n = v === undefined ? NaN : Number(v);
    return Number.isFinite(n) ? n : undefined;
  };
  const meta: OmeMeta = {
    imageCount,
    dimensionOrder: (attr(ptag, 'DimensionOrder') ?? 'XYZCT').toUpperCase(),
    sizeX: int('SizeX', 0),
    sizeY: int('SizeY', 0),
    sizeZ: int('SizeZ', 1),
    sizeC: int('SizeC', 1),
    sizeT: int('SizeT', 1),
    tiffData: [],
  };
  const type = attr(ptag, 'Type');
  if (type !== undefined) meta.type = type;
  const psx = num('PhysicalSizeX');
  if (psx !== undefined) meta.physicalSizeX = psx;
  const psy = num('PhysicalSizeY');
  if (psy !== undefined) meta.physicalSizeY = psy;
  const ux = attr(ptag, 'PhysicalSizeXUnit');
  if (ux !== undefined) meta.physicalSizeXUnit = ux;
  const uy = attr(ptag, 'PhysicalSizeYUnit');
  if (uy !== undefined) meta.physicalSizeYUnit = uy;
  const psz = num('PhysicalSizeZ');
  if (psz !== undefined) meta.physicalSizeZ = psz;
  const uz = attr(ptag, 'PhysicalSizeZUnit');
  if (uz !== undefined) meta.physicalSizeZUnit = uz;

  // TiffData children of this Pixels element (up to its closing tag, if any).
  const start = pm.index + pm[0].length;
  const closeRe = /<\/(?:\w+:)?Pixels>/g;
  closeRe.lastIndex = start;
  const close = pm[0].endsWith('/>') ? null : closeRe.exec(desc);
  const body = close ? desc.slice(start, close.index) : '';
  const tdRe = /<(?:\w+:)?TiffData\b([^>]*?)(\/>|>([\s\S]*?)<\/(?:\w+:)?TiffData>)/g;
  let m: RegExpExecArray | null;
  while ((m = tdRe.exec(body)) !== null) {
    const t = m[1] ?? '';
    const optInt = (name: string) => {
      const v = attr(t, name);
      if (v === undefined) return undefined;
      const n = Number.parseInt(v, 10);
      return Number.isFinite(n) && n >= 0 ? n : undefined;
    };
    const td: OmeTiffData = {
      firstZ: optInt('FirstZ') ?? 0,
      firstC: optInt('FirstC') ?? 0,
      firstT: optInt('FirstT') ?? 0,
    };
    const ifd = optInt('IFD');
    if (ifd !== undefined) td.ifd = ifd;
    const pc = optInt('PlaneCount');
    if (pc !== undefined) td.planeCount = pc;
    const inner = m[3];
    if (inner) {
      const um = /<(?:\w+:)?UUID\b([^>]*)>/.exec(inner);
      const fn = um ? attr(um[1] ?? '', 'FileName') : undefined;
      if (fn !== undefined) td.fileName = fn;
    }
    meta.tiffData.push(td);
  }
  return meta;
}

export interface ShapedMeta {
  shape: number[];
  /** tifffile axis codes (e.g. 'ZYX'), when given. */
  axes?: string;
}

/**
 * tifffile's "shaped" description: a JSON object such as {"shape": [2, 3, 64, 64]} (newer
 * versions may add "axes": "ZCYX"). Returns undefined for anything else.
 */
export function parseShapedDescription(desc: string | undefined): ShapedMeta | undefined {
  if (!desc || !desc.trimStart().startsWith('{')) return undefined;
  let obj: unknown;
  try {
    obj = JSON.parse(desc);
  } catch {
    return undefined;
  }
  if (typeof obj !== 'object' || obj === null) return undefined;
  const shape = (obj as { shape?: unknown }).shape;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((v) => Number.isInteger(v) && v > 0)) return undefined;
  const out: ShapedMeta = { shape: shape as number[] };
  const axes = (obj as { axes?: unknown }).axes;
  if (typeof axes === 'string' && axes.length === shape.length) out.axes = axes;
  return out;
}
