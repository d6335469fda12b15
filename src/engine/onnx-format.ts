/**
 * The ONNX file format, with no runtime: export of a NetworkSpec with its weights, and the
 * reverse (weights and metadata back from a model file, for fine-tuning and for checking a
 * model). Pure JavaScript (onnx-proto), so it also runs in a browser; running a model is
 * engine/onnxruntime.ts.
 *
 * The graph (opset 13) computes in NCHW: the input "image" is declared [N, 1, H, W] (for one
 * channel the same bytes as NHWC), and a final Transpose gives "grid" [N, H/cell, W/cell, 3]
 * (NHWC). Node mapping:
 * - conv → Conv (W transposed from Keras [kh,kw,cin,cout] to [cout,cin,kh,kw], explicit TF
 *   'same' pads) + LeakyRelu(0.2) / Sigmoid;
 * - se → GlobalAveragePool → Conv 1×1 (dense0) → LeakyRelu → Conv 1×1 (dense1) → Sigmoid → Mul;
 * - dropout → nothing; maxpool → MaxPool 2×2/2; upsample → Resize (nearest, asymmetric, floor,
 *   scales [1,1,2,2]); concat → Concat axis 1; add → Add/Sum (+ activation).
 * Initializers are exactly our parameters, named as in paramList(spec), in ONNX layouts; each
 * carries its Keras layout in doc_string ("deepblink:conv" | "deepblink:dense" | "deepblink:bias")
 * so readOnnx can convert it back.
 *
 * The caller's metadata go to metadata_props, followed by one reserved entry "deepblink.onnx"
 * (JSON: format, network config, input multiple, output scale, parameter count). It is the
 * last field of the file, so its absence reveals a file cut short at a field boundary, which
 * protobuf decoding alone does not notice.
 */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import { LEAKY_ALPHA, channelsOf, nodeDepths, type Activation, type NetworkConfig, type NetworkSpec } from '../network/spec.js';
import type { WeightMap } from '../network/weights.js';
import { checkWeights } from '../network/weights.js';
import { VERSION } from '../core/version.js';

const { onnx } = onnxProto;

export const ONNX_OPSET = 13;
export const ONNX_IR_VERSION = 8;
export const ONNX_INPUT = 'image';
export const ONNX_OUTPUT = 'grid';
/** Reserved metadata key of the export's own description (always the last metadata entry). */
export const ONNX_INFO_KEY = 'deepblink.onnx';
const PRODUCER = 'deepblink';
const FORMAT = 1;

/** What exportOnnx records about the graph (metadata entry "deepblink.onnx"). */
export interface OnnxInfo {
  format: number;
  network: NetworkConfig;
  /** Input height and width must be multiples of this. */
  inputMultiple: number;
  /** Output resolution = input resolution / outputScale (the grid cell size). */
  outputScale: number;
  inputChannels: number;
  outputChannels: number;
  /** Number of parameter tensors (initializers). */
  parameters: number;
}

const AT = onnx.AttributeProto.AttributeType;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

type Attr = OnnxTypes.IAttributeProto;
const attrInts = (name: string, ints: number[]): Attr => ({ name, type: AT.INTS, ints });
const attrInt = (name: string, i: number): Attr => ({ name, type: AT.INT, i });
const attrFloat = (name: string, f: number): Attr => ({ name, type: AT.FLOAT, f });
const attrStr = (name: string, s: string): Attr => ({ name, type: AT.STRING, s: new TextEncoder().encode(s) });

function floatTensor(name: string, dims: number[], data: Float32Array, docString?: string): OnnxTypes.ITensorProto {
  // raw_data is little-endian float32 (ONNX convention); write it byte by byte for any host.
  const raw = new Uint8Array(data.length * 4);
  const dv = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) dv.setFloat32(4 * i, data[i], true);
  const t: OnnxTypes.ITensorProto = { name, dims, dataType: FLOAT, rawData: raw };
  if (docString !== undefined) t.docString = docString;
  return t;
}

/** Keras conv kernel [kh,kw,cin,cout] → ONNX [cout,cin,kh,kw]. */
function convToOnnx(k: Float32Array, kh: number, kw: number, cin: number, cout: number): Float32Array {
  const o = new Float32Array(k.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let ci = 0; ci < cin; ci++) for (let co = 0; co < cout; co++) o[((co * cin + ci) * kh + y) * kw + x] = k[((y * kw + x) * cin + ci) * cout + co];
  return o;
}

/** ONNX [cout,cin,kh,kw] → Keras [kh,kw,cin,cout]. */
function convFromOnnx(k: Float32Array, cout: number, cin: number, kh: number, kw: number): Float32Array {
  const o = new Float32Array(k.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let ci = 0; ci < cin; ci++) for (let co = 0; co < cout; co++) o[((y * kw + x) * cin + ci) * cout + co] = k[((co * cin + ci) * kh + y) * kw + x];
  return o;
}

/** Dense [in,out] ↔ transposed [out,in] (the 1×1 conv weight without its unit dims). */
function transpose2(k: Float32Array, rows: number, cols: number): Float32Array {
  const o = new Float32Array(k.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) o[c * rows + r] = k[r * cols + c];
  return o;
}

/**
 * Serialises `spec` with `weights` (Keras layouts, names from paramList) as an ONNX model
 * (opset 13, IR 8). `metadata` goes to metadata_props unchanged; the key "deepblink.onnx" is
 * reserved.
 */
export function exportOnnx(spec: NetworkSpec, weights: WeightMap, metadata: Record<string, string>): Uint8Array {
  checkWeights(spec, weights);
  for (const [k, v] of Object.entries(metadata)) {
    if (k === ONNX_INFO_KEY) throw new Error(`exportOnnx: metadata key '${ONNX_INFO_KEY}' is reserved`);
    if (typeof v !== 'string') throw new Error(`exportOnnx: metadata '${k}' must be a string`);
  }
  const ch = channelsOf(spec);
  const dep = nodeDepths(spec);
  const inputNodes = spec.nodes.filter((nd) => nd.op === 'input');
  if (inputNodes.length !== 1) throw new Error(`exportOnnx: the network must have exactly one input node (has ${inputNodes.length})`);
  const inNode = inputNodes[0] as Extract<NetworkSpec['nodes'][number], { op: 'input' }>;
  const inC = inNode.channels;
  const outC = ch.get(spec.output);
  if (outC === undefined) throw new Error(`exportOnnx: output node '${spec.output}' is not in the network`);
  const outDepth = dep.get(spec.output)!;
  if (outDepth < 0) throw new Error('exportOnnx: the output is finer than the input (not supported)');
  const inputMultiple = 2 ** Math.max(...dep.values());

  const nodes: OnnxTypes.INodeProto[] = [];
  const inits: OnnxTypes.ITensorProto[] = [];
  /** Our node name → ONNX tensor name holding its (NCHW) value. */
  const tens = new Map<string, string>();
  const t = (name: string): string => {
    const v = tens.get(name);
    if (v === undefined) throw new Error(`exportOnnx: node '${name}' used before it is defined`);
    return v;
  };
  const node = (opType: string, name: string, input: string[], output: string, attribute: Attr[] = []) => {
    nodes.push({ opType, name, input, output: [output], attribute });
    return output;
  };
  const act = (a: Activation, x: string, name: string): string => {
    if (a === 'linear') return x;
    if (a === 'sigmoid') return node('Sigmoid', `${name}/sigmoid`, [x], name);
    return node('LeakyRelu', `${name}/leaky_relu`, [x], name, [attrFloat('alpha', LEAKY_ALPHA)]);
  };
  const w = (name: string) => weights.get(name)!.data;

  for (const nd of spec.nodes) {
    switch (nd.op) {
      case 'input':
        if (inC === 1) tens.set(nd.name, ONNX_INPUT);
        else tens.set(nd.name, node('Transpose', `${nd.name}/to_nchw`, [ONNX_INPUT], `${nd.name}/nchw`, [attrInts('perm', [0, 3, 1, 2])]));
        break;
      case 'conv': {
        const cin = ch.get(nd.input)!;
        const k = nd.kernel;
        const pb = Math.floor((k - 1) / 2);
        const pe = k - 1 - pb;
        inits.push(floatTensor(`${nd.name}/kernel`, [nd.filters, cin, k, k], convToOnnx(w(`${nd.name}/kernel`), k, k, cin, nd.filters), 'deepblink:conv'));
        inits.push(floatTensor(`${nd.name}/bias`, [nd.filters], w(`${nd.name}/bias`), 'deepblink:bias'));
        const pre = nd.activation === 'linear' ? nd.name : `${nd.name}/conv`;
        node('Conv', `${nd.name}/conv`, [t(nd.input), `${nd.name}/kernel`, `${nd.name}/bias`], pre, [
          attrInts('kernel_shape', [k, k]),
          attrInts('pads', [pb, pb, pe, pe]),
          attrInts('strides', [1, 1]),
          attrInts('dilations', [1, 1]),
          attrInt('group', 1),
        ]);
        tens.set(nd.name, act(nd.activation, pre, nd.name));
        break;
      }
      case 'se': {
        const c = ch.get(nd.input)!;
        const u = nd.units;
        const p = nd.name;
        inits.push(floatTensor(`${p}/dense0/kernel`, [u, c, 1, 1], transpose2(w(`${p}/dense0/kernel`), c, u), 'deepblink:dense'));
        inits.push(floatTensor(`${p}/dense0/bias`, [u], w(`${p}/dense0/bias`), 'deepblink:bias'));
        inits.push(floatTensor(`${p}/dense1/kernel`, [c, u, 1, 1], transpose2(w(`${p}/dense1/kernel`), u, c), 'deepblink:dense'));
        inits.push(floatTensor(`${p}/dense1/bias`, [c], w(`${p}/dense1/bias`), 'deepblink:bias'));
        const x = t(nd.input);
        const g = node('GlobalAveragePool', `${p}/gap`, [x], `${p}/gap`);
        const d0 = node('Conv', `${p}/dense0`, [g, `${p}/dense0/kernel`, `${p}/dense0/bias`], `${p}/dense0`, [attrInts('kernel_shape', [1, 1])]);
        const a0 = act('leaky_relu', d0, `${p}/dense0/act`);
        const d1 = node('Conv', `${p}/dense1`, [a0, `${p}/dense1/kernel`, `${p}/dense1/bias`], `${p}/dense1`, [attrInts('kernel_shape', [1, 1])]);
        const s = act('sigmoid', d1, `${p}/scale`);
        tens.set(p, node('Mul', `${p}/mul`, [x, s], p));
        break;
      }
      case 'dropout':
        tens.set(nd.name, t(nd.input));
        break;
      case 'maxpool':
        tens.set(nd.name, node('MaxPool', nd.name, [t(nd.input)], nd.name, [attrInts('kernel_shape', [2, 2]), attrInts('strides', [2, 2])]));
        break;
      case 's2d':
        tens.set(nd.name, node('SpaceToDepth', nd.name, [t(nd.input)], nd.name, [attrInt('blocksize', nd.block)]));
        break;
      case 'upsample': {
        const scales = `${nd.name}/scales`;
        nodes.push({
          opType: 'Constant',
          name: scales,
          output: [scales],
          attribute: [{ name: 'value', type: AT.TENSOR, t: floatTensor(scales, [4], new Float32Array([1, 1, 2, 2])) }],
        });
        tens.set(
          nd.name,
          node('Resize', nd.name, [t(nd.input), '', scales], nd.name, [
            attrStr('mode', 'nearest'),
            attrStr('coordinate_transformation_mode', 'asymmetric'),
            attrStr('nearest_mode', 'floor'),
          ]),
        );
        break;
      }
      case 'concat':
        tens.set(nd.name, node('Concat', nd.name, nd.inputs.map(t), nd.name, [attrInt('axis', 1)]));
        break;
      case 'add': {
        const pre = nd.activation === 'linear' ? nd.name : `${nd.name}/sum`;
        node(nd.inputs.length === 2 ? 'Add' : 'Sum', `${nd.name}/sum`, nd.inputs.map(t), pre);
        tens.set(nd.name, act(nd.activation, pre, nd.name));
        break;
      }
    }
  }
  node('Transpose', `${ONNX_OUTPUT}/to_nhwc`, [t(spec.output)], ONNX_OUTPUT, [attrInts('perm', [0, 2, 3, 1])]);

  const valueInfo = (name: string, dims: (number | string)[]): OnnxTypes.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
  const outH = outDepth === 0 ? 'H' : `H_div_${2 ** outDepth}`;
  const outW = outDepth === 0 ? 'W' : `W_div_${2 ** outDepth}`;
  const info: OnnxInfo = {
    format: FORMAT,
    network: spec.config,
    inputMultiple,
    outputScale: 2 ** outDepth,
    inputChannels: inC,
    outputChannels: outC,
    parameters: inits.length,
  };
  const model: OnnxTypes.IModelProto = {
    irVersion: ONNX_IR_VERSION,
    producerName: PRODUCER,
    producerVersion: VERSION,
    graph: {
      name: 'deepblink',
      node: nodes,
      initializer: inits,
      input: [valueInfo(ONNX_INPUT, inC === 1 ? ['N', 1, 'H', 'W'] : ['N', 'H', 'W', inC])],
      output: [valueInfo(ONNX_OUTPUT, ['N', outH, outW, outC])],
    },
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    metadataProps: [...Object.entries(metadata).map(([key, value]) => ({ key, value })), { key: ONNX_INFO_KEY, value: JSON.stringify(info) }],
  };
  return onnx.ModelProto.encode(model).finish();
}

const num = (v: number | Long | null | undefined): number => (v == null ? 0 : typeof v === 'number' ? v : v.toNumber());
type Long = { toNumber(): number };

/**
 * A value read from a file, fit for a one-line message: as is (quoted when `quote`) when it is
 * short printable text, else a placeholder (a corrupt file may hold any bytes there).
 */
export function quoted(v: unknown, quote = true): string {
  const s = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v));
  if (!/^[\x20-\x7e]{0,60}$/.test(s)) return 'an unreadable value';
  return quote ? `'${s}'` : s;
}

/**
 * A problem with model bytes, described in our words (never a decoder's internals); callers
 * may show its message to the user. Anything else thrown while reading bytes is unexpected.
 */
export class OnnxFormatError extends Error {}

/** Decodes and checks a model file written by exportOnnx; clear errors for anything else. */
function decodeModel(bytes: Uint8Array): { model: OnnxTypes.ModelProto; info: OnnxInfo } {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('ONNX model: expected the file contents as a Uint8Array');
  if (bytes.length === 0) throw new OnnxFormatError('not an ONNX model file (empty input)');
  let model: OnnxTypes.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    // An ONNX file starts with field 1 (ir_version, varint): byte 0x08 then a small version.
    const onnxStart = bytes.length >= 2 && bytes[0] === 0x08 && bytes[1] >= 3 && bytes[1] <= 15;
    // the decoder's own words stay in `cause` (a position in the file means nothing to a user)
    if (onnxStart && /index out of range/.test(msg)) throw new OnnxFormatError(`truncated ONNX model file (${bytes.length} bytes)`, { cause: e });
    if (onnxStart) throw new OnnxFormatError('corrupt ONNX model file (its structure cannot be decoded)', { cause: e });
    throw new OnnxFormatError('not an ONNX model file', { cause: e });
  }
  const ir = num(model.irVersion);
  const g = model.graph;
  if (!g) {
    if (ir > 0 || model.producerName) throw new OnnxFormatError(`truncated ONNX model file (${bytes.length} bytes, no graph)`);
    throw new OnnxFormatError('not an ONNX model file (no graph)');
  }
  if (model.producerName !== PRODUCER) {
    throw new OnnxFormatError(`not a deepblink model file (ONNX written by ${quoted(model.producerName || 'unknown')})`);
  }
  const last = model.metadataProps[model.metadataProps.length - 1];
  if (model.opsetImport.length === 0 || !last || last.key !== ONNX_INFO_KEY) {
    throw new OnnxFormatError(`truncated deepblink model file (${bytes.length} bytes; ends before its '${ONNX_INFO_KEY}' entry)`);
  }
  let info: OnnxInfo;
  try {
    info = JSON.parse(last.value ?? '') as OnnxInfo;
  } catch {
    throw new OnnxFormatError(`corrupt deepblink model file (unreadable '${ONNX_INFO_KEY}' entry)`);
  }
  const counts = ['format', 'parameters', 'inputMultiple', 'outputScale', 'inputChannels', 'outputChannels'] as const;
  if (!info || typeof info !== 'object' || counts.some((k) => !Number.isInteger(info[k])) || !info.network || typeof info.network !== 'object') {
    throw new OnnxFormatError(`corrupt deepblink model file (unreadable '${ONNX_INFO_KEY}' entry)`);
  }
  if (info.format !== FORMAT) {
    throw new OnnxFormatError(`deepblink model file format ${quoted(info.format, false)} is not supported (this version reads format ${FORMAT})`);
  }
  const nInit = g.initializer?.length ?? 0;
  if (nInit !== info.parameters) {
    throw new OnnxFormatError(`corrupt deepblink model file (${nInit} parameter tensors, expected ${quoted(info.parameters, false)})`);
  }
  return { model, info };
}

function tensorData(t: OnnxTypes.ITensorProto): Float32Array {
  if (t.dataType !== FLOAT)
    throw new OnnxFormatError(`deepblink model file: parameter ${quoted(t.name)} is not float32 (data type ${quoted(t.dataType, false)})`);
  const size = (t.dims ?? []).reduce<number>((a, d) => a * num(d), 1);
  let data: Float32Array;
  if (t.rawData && t.rawData.length > 0) {
    const raw = t.rawData;
    if (raw.length !== size * 4) throw new OnnxFormatError(`deepblink model file: parameter ${quoted(t.name)} has ${raw.length} bytes, expected ${size * 4}`);
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = dv.getFloat32(4 * i, true);
  } else {
    data = Float32Array.from(t.floatData ?? []);
    if (data.length !== size) throw new OnnxFormatError(`deepblink model file: parameter ${quoted(t.name)} has ${data.length} values, expected ${size}`);
  }
  return data;
}

/**
 * Weights (converted back to Keras layouts, names as in paramList) and metadata (without the
 * reserved "deepblink.onnx" entry) of a model file written by exportOnnx, plus the network
 * configuration it was exported with.
 */
export function readOnnx(bytes: Uint8Array): { weights: WeightMap; metadata: Record<string, string>; network: NetworkConfig } {
  const { model, info } = decodeModel(bytes);
  const weights: WeightMap = new Map();
  for (const t of model.graph?.initializer ?? []) {
    const name = t.name ?? '';
    const dims = (t.dims ?? []).map(num);
    const data = tensorData(t);
    switch (t.docString) {
      case 'deepblink:conv': {
        if (dims.length !== 4) throw new OnnxFormatError(`deepblink model file: conv kernel ${quoted(name)} has rank ${dims.length}`);
        const [co, ci, kh, kw] = dims;
        weights.set(name, { shape: [kh, kw, ci, co], data: convFromOnnx(data, co, ci, kh, kw) });
        break;
      }
      case 'deepblink:dense': {
        if (dims.length !== 4 || dims[2] !== 1 || dims[3] !== 1)
          throw new OnnxFormatError(`deepblink model file: dense kernel ${quoted(name)} has shape [${dims.join(', ')}]`);
        const [out, inp] = dims;
        weights.set(name, { shape: [inp, out], data: transpose2(data, out, inp) });
        break;
      }
      case 'deepblink:bias':
        weights.set(name, { shape: dims, data });
        break;
      default:
        throw new OnnxFormatError(`deepblink model file: parameter ${quoted(name)} has an unknown layout ${quoted(t.docString ?? '')}`);
    }
  }
  const metadata: Record<string, string> = {};
  for (const e of model.metadataProps) if (e.key !== ONNX_INFO_KEY) metadata[e.key ?? ''] = e.value ?? '';
  return { weights, metadata, network: info.network };
}

/** The "deepblink.onnx" description of a model file (throws like readOnnx on bad input). */
export function onnxInfo(bytes: Uint8Array): OnnxInfo {
  return decodeModel(bytes).info;
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((v, i) => v === b[i]);
const sameList = (a: readonly unknown[] | null | undefined, b: readonly unknown[] | null | undefined): boolean =>
  (a ?? []).length === (b ?? []).length && (a ?? []).every((v, i) => v === (b ?? [])[i]);

/** How node `x` of a file differs from node `y` of the graph it should be (a few words). */
function nodeDifference(x: OnnxTypes.INodeProto, y: OnnxTypes.INodeProto): string {
  if (x.opType !== y.opType) return `${quoted(x.opType || 'no operator', false)} instead of ${y.opType}`;
  if (x.name !== y.name) return `named ${quoted(x.name ?? '')}`;
  if (!sameList(x.input, y.input)) return 'other inputs';
  if (!sameList(x.output, y.output)) return 'other outputs';
  const ax = x.attribute ?? [];
  const ay = y.attribute ?? [];
  for (let i = 0; i < Math.max(ax.length, ay.length); i++) {
    const a = ax[i];
    const b = ay[i];
    if (!a) return `attribute '${b.name}' missing`;
    if (!b) return `extra attribute ${quoted(a.name)}`;
    if (a.name !== b.name) return `attribute ${quoted(a.name)} instead of '${b.name}'`;
    if (!sameBytes(onnx.AttributeProto.encode(a).finish(), onnx.AttributeProto.encode(b).finish())) return `attribute '${b.name}' changed`;
  }
  return 'other fields';
}

/**
 * Compares the graph of a model file with `rebuilt`, the graph exportOnnx makes from the
 * network and weights the file claims (same exporter format): undefined when they are the
 * same, else where the file differs, in a few words ("node 12 'stem0/conv' (Conv): attribute
 * 'pads' changed"). Both must have passed readOnnx.
 */
export function onnxGraphDifference(file: Uint8Array, rebuilt: Uint8Array): string | undefined {
  const a = onnx.ModelProto.decode(file);
  const b = onnx.ModelProto.decode(rebuilt);
  if (num(a.irVersion) !== num(b.irVersion)) return `IR version ${num(a.irVersion)} instead of ${num(b.irVersion)}`;
  const ops = (m: OnnxTypes.ModelProto) => m.opsetImport.map((o) => `${quoted(o.domain || 'ai.onnx', false)} ${num(o.version)}`).join(', ');
  if (ops(a) !== ops(b)) return `operator sets ${ops(a)} instead of ${ops(b)}`;
  const infoA = a.metadataProps[a.metadataProps.length - 1]?.value;
  const infoB = b.metadataProps[b.metadataProps.length - 1]?.value;
  if (infoA !== infoB) return `its '${ONNX_INFO_KEY}' entry differs`;
  const ga = a.graph!;
  const gb = b.graph!;
  if (sameBytes(onnx.GraphProto.encode(ga).finish(), onnx.GraphProto.encode(gb).finish())) return undefined;
  const na = ga.node ?? [];
  const nb = gb.node ?? [];
  for (let i = 0; i < Math.min(na.length, nb.length); i++) {
    if (!sameBytes(onnx.NodeProto.encode(na[i]).finish(), onnx.NodeProto.encode(nb[i]).finish())) {
      return `node ${i + 1} '${nb[i].name}' (${nb[i].opType}): ${nodeDifference(na[i], nb[i])}`;
    }
  }
  if (na.length !== nb.length) return `${na.length} nodes instead of ${nb.length}`;
  const ia = ga.initializer ?? [];
  const ib = gb.initializer ?? [];
  for (let i = 0; i < Math.min(ia.length, ib.length); i++) {
    if (!sameBytes(onnx.TensorProto.encode(ia[i]).finish(), onnx.TensorProto.encode(ib[i]).finish())) {
      return `parameter tensor ${i + 1} '${ib[i].name}' is stored differently`;
    }
  }
  const io = (g: OnnxTypes.IGraphProto) => onnx.GraphProto.encode({ input: g.input, output: g.output }).finish().join(',');
  if (io(ga) !== io(gb)) return 'other graph inputs or outputs';
  return 'other graph fields';
}
