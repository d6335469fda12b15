/**
 * Framework-neutral description of our networks: a list of nodes in topological order plus the
 * shapes of their parameters. The training engine (src/engine/tfjs.ts) builds its graph from
 * this list, and the ONNX writer (src/engine/onnx-format.ts) writes the same list, so the two engines
 * can never disagree on the architecture.
 *
 * Layout conventions: activations NHWC; conv kernels [kh, kw, cin, cout] (Keras layout);
 * dense kernels [in, out]; biases [out]. Parameter names are "<node>/kernel", "<node>/bias".
 */

export type Activation = 'leaky_relu' | 'sigmoid' | 'linear';

export type NetNode =
  | { op: 'input'; name: string; channels: number }
  /** Conv2D, stride 1, 'same' padding, with bias; `l2` = weight decay applies (kernel and bias). */
  | { op: 'conv'; name: string; input: string; filters: number; kernel: number; activation: Activation; l2: boolean; init: 'he_normal' | 'glorot_uniform' }
  /** Squeeze-excitation: GAP → dense(units) → leaky → dense(C) → sigmoid → x · s (channel-wise). */
  | { op: 'se'; name: string; input: string; units: number }
  /** SpatialDropout2D (whole feature maps), only while training. */
  | { op: 'dropout'; name: string; input: string; rate: number }
  | { op: 'maxpool'; name: string; input: string }
  /** Space-to-depth: each block×block patch becomes block² channels, channel (by·block + bx)·C + c (TensorFlow / ONNX order). */
  | { op: 's2d'; name: string; input: string; block: number }
  /** Nearest-neighbour ×2 up-sampling. */
  | { op: 'upsample'; name: string; input: string }
  | { op: 'concat'; name: string; inputs: string[] }
  /** Element-wise sum (residual blocks). */
  | { op: 'add'; name: string; inputs: string[]; activation: Activation };

export type BlockType = 'convolutional' | 'residual';

export type Architecture = 'deepblink' | 'lean';

export interface NetworkConfig {
  /** 'deepblink' = the paper's U-Net + grid encoder; 'lean' = our grid-resolution network (leanSpec). */
  architecture: Architecture;
  /** 2**filters channels in the first layer. */
  filters: number;
  /** Encoding steps of the U-Net. */
  ndown: number;
  /** Grid cell size in px (power of 2); output is (H/cell, W/cell, 3). */
  cellSize: number;
  /** Spatial dropout rate. */
  dropout: number;
  block: BlockType;
  /** L2 factor on conv kernels and biases (Keras convention: l2 · Σw², no ½). */
  l2: number;
}

export const DEFAULT_NETWORK: NetworkConfig = {
  architecture: 'deepblink',
  filters: 5,
  ndown: 2,
  cellSize: 4,
  dropout: 0.3,
  block: 'convolutional',
  l2: 1e-6,
};

/**
 * The network of the bundled models (src/model/bundled.ts; training/README.md): lean, 16
 * channels, one context level, 4 px cells, residual stages — 44,035 parameters. The default
 * of `deepblink config`.
 */
export const BUNDLED_NETWORK: NetworkConfig = {
  architecture: 'lean',
  filters: 4,
  ndown: 1,
  cellSize: 4,
  dropout: 0,
  block: 'residual',
  l2: 1e-6,
};

export interface NetworkSpec {
  config: NetworkConfig;
  nodes: NetNode[];
  /** Name of the output node: (N, H/cell, W/cell, 3) after a sigmoid. */
  output: string;
}

/** LeakyReLU slope of the original (tf.nn.leaky_relu default). */
export const LEAKY_ALPHA = 0.2;
/** Squeeze-excitation reduction ratio. */
export const SE_RATIO = 8;

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

export function validateNetworkConfig(c: NetworkConfig): void {
  const bad = (m: string) => {
    throw new Error(`invalid network config: ${m}`);
  };
  if (c.architecture !== 'deepblink' && c.architecture !== 'lean') bad(`unknown architecture '${String(c.architecture)}' (deepblink | lean)`);
  if (!Number.isInteger(c.filters) || c.filters < 0 || c.filters > 8) bad('filters must be an integer in 0..8 (2**filters channels)');
  if (!Number.isInteger(c.ndown) || c.ndown < 0 || c.ndown > 6) bad('ndown must be an integer in 0..6');
  if (!isPowerOfTwo(c.cellSize) || c.cellSize > 64) bad('cell_size must be a power of 2 (1..64)');
  if (!(c.dropout >= 0 && c.dropout < 1)) bad('dropout must be in [0, 1)');
  if (c.block !== 'convolutional' && c.block !== 'residual') bad(`unknown block '${c.block}' (convolutional | residual)`);
  if (!(c.l2 >= 0)) bad('l2 must be ≥ 0');
}

/**
 * The deepBlink network of the paper (behaviour notes §4.1): U-Net with `ndown` encoder and
 * decoder steps (blocks of 3 × conv3×3 + leaky ReLU 0.2, each followed by squeeze-excitation),
 * then a second encoder of log2(cell) conv+pool steps down to the grid, a concat with the
 * U-Net bottom when both are at grid resolution, one more block and a 1×1 sigmoid head.
 * With filters 5, ndown 2, cell 4 it has 1,258,723 parameters.
 */
export function deepblinkSpec(config: Partial<NetworkConfig> = {}): NetworkSpec {
  const c: NetworkConfig = { ...DEFAULT_NETWORK, ...config, architecture: 'deepblink' };
  validateNetworkConfig(c);
  const nodes: NetNode[] = [{ op: 'input', name: 'input', channels: 1 }];
  let n = 0;
  const id = (p: string) => `${p}${n++}`;

  /** A block (+ SE) with `f` filters; returns the SE output name. */
  const block = (x: string, f: number, tag: string): string => {
    let y = x;
    if (c.block === 'convolutional') {
      for (let k = 0; k < 3; k++) {
        const name = `${tag}_conv${k}`;
        nodes.push({ op: 'conv', name, input: y, filters: f, kernel: 3, activation: 'leaky_relu', l2: true, init: 'he_normal' });
        y = name;
      }
    } else {
      // residual: conv → (skip) → conv → conv(linear) → add(skip) → leaky
      const a = `${tag}_conv0`;
      nodes.push({ op: 'conv', name: a, input: y, filters: f, kernel: 3, activation: 'leaky_relu', l2: true, init: 'he_normal' });
      const b = `${tag}_conv1`;
      nodes.push({ op: 'conv', name: b, input: a, filters: f, kernel: 3, activation: 'leaky_relu', l2: true, init: 'he_normal' });
      const d = `${tag}_conv2`;
      nodes.push({ op: 'conv', name: d, input: b, filters: f, kernel: 3, activation: 'linear', l2: true, init: 'he_normal' });
      const s = `${tag}_add`;
      nodes.push({ op: 'add', name: s, inputs: [a, d], activation: 'leaky_relu' });
      y = s;
    }
    const se = `${tag}_se`;
    nodes.push({ op: 'se', name: se, input: y, units: Math.max(Math.floor(f / SE_RATIO), 1) });
    return se;
  };
  const dropout = (x: string): string => {
    const name = id('dropout');
    nodes.push({ op: 'dropout', name, input: x, rate: c.dropout });
    return name;
  };
  const pool = (x: string): string => {
    const name = id('pool');
    nodes.push({ op: 'maxpool', name, input: x });
    return name;
  };

  // U-Net encoder
  let x = 'input';
  const skips: string[] = [];
  for (let i = 0; i < c.ndown; i++) {
    x = dropout(block(x, 2 ** (c.filters + i), `enc${i}`));
    skips.push(x);
    x = pool(x);
  }
  const bottom = x;
  // U-Net decoder
  for (let i = c.ndown; i >= 1; i--) {
    x = block(x, 2 ** (c.filters + i), `dec${i}`);
    const up = id('up');
    nodes.push({ op: 'upsample', name: up, input: x });
    const cat = id('concat');
    nodes.push({ op: 'concat', name: cat, inputs: [skips[i - 1], up] });
    x = cat;
  }
  // second encoder down to the grid
  const steps = Math.log2(c.cellSize);
  for (let i = 0; i < steps; i++) {
    x = pool(dropout(block(x, 2 ** (c.filters + i), `grid${i}`)));
  }
  if (c.ndown === steps && c.ndown > 0) {
    const cat = id('concat');
    nodes.push({ op: 'concat', name: cat, inputs: [bottom, x] });
    x = cat;
  }
  x = block(x, 2 ** (c.filters + steps), 'last');
  nodes.push({ op: 'conv', name: 'head', input: x, filters: 3, kernel: 1, activation: 'sigmoid', l2: false, init: 'glorot_uniform' });
  return { config: c, nodes, output: 'head' };
}

/** The network a config describes (dispatch on `architecture`). */
export function networkSpec(config: Partial<NetworkConfig> = {}): NetworkSpec {
  validateNetworkConfig({ ...DEFAULT_NETWORK, ...config }); // an unknown architecture throws here
  return config.architecture === 'lean' ? leanSpec(config) : deepblinkSpec(config);
}

/** Defaults of the lean network (architecture 'lean'). */
export const DEFAULT_LEAN: NetworkConfig = {
  architecture: 'lean',
  filters: 4,
  ndown: 1,
  cellSize: 4,
  dropout: 0,
  block: 'convolutional',
  l2: 1e-6,
};

/**
 * Our lean network: the whole computation runs at grid resolution. The image is folded into
 * cells by a lossless space-to-depth (a cell of 4×4 px becomes 16 channels), so every pixel is
 * still seen, but each 3×3 convolution costs 1/cell² of its full-resolution price. Then two
 * 3×3 convolutions (2**filters channels), `ndown` small U-Net levels at ½, ¼, … of the grid
 * for context (2 convolutions each, max-pool down, nearest up-sampling + concat back), one
 * more 3×3 convolution and the 1×1 sigmoid head (p, row offset, column offset), as the paper's.
 * With block 'residual' every stage (and the last convolution) is a residual block of three
 * convolutions instead: one more convolution per stage, same width.
 */
export function leanSpec(config: Partial<NetworkConfig> = {}): NetworkSpec {
  const c: NetworkConfig = { ...DEFAULT_LEAN, ...config, architecture: 'lean' };
  validateNetworkConfig(c);
  const f = 2 ** c.filters;
  const nodes: NetNode[] = [{ op: 'input', name: 'input', channels: 1 }];
  const conv = (name: string, input: string, filters: number): string => {
    nodes.push({ op: 'conv', name, input, filters, kernel: 3, activation: 'leaky_relu', l2: true, init: 'he_normal' });
    return name;
  };
  const drop = (name: string, input: string): string => {
    if (c.dropout === 0) return input;
    nodes.push({ op: 'dropout', name, input, rate: c.dropout });
    return name;
  };
  /** A stage: two 3×3 convolutions, or (block 'residual') conv → conv → conv(linear) + skip → leaky. */
  const stage = (tag: string, input: string, filters: number): string => {
    const a = conv(`${tag}0`, input, filters);
    if (c.block !== 'residual') return conv(`${tag}1`, a, filters);
    const b = conv(`${tag}1`, a, filters);
    nodes.push({ op: 'conv', name: `${tag}2`, input: b, filters, kernel: 3, activation: 'linear', l2: true, init: 'he_normal' });
    nodes.push({ op: 'add', name: `${tag}add`, inputs: [a, `${tag}2`], activation: 'leaky_relu' });
    return `${tag}add`;
  };
  let x = 'input';
  if (c.cellSize > 1) {
    nodes.push({ op: 's2d', name: 'fold', input: x, block: c.cellSize });
    x = 'fold';
  }
  x = stage('stem', x, f);
  const skips: string[] = [];
  for (let i = 1; i <= c.ndown; i++) {
    skips.push(x);
    nodes.push({ op: 'maxpool', name: `pool${i}`, input: x });
    x = drop(`drop${i}`, stage(`down${i}_`, `pool${i}`, f * 2 ** i));
  }
  for (let i = c.ndown; i >= 1; i--) {
    nodes.push({ op: 'upsample', name: `up${i}`, input: x });
    nodes.push({ op: 'concat', name: `cat${i}`, inputs: [skips[i - 1], `up${i}`] });
    x = conv(`merge${i}`, `cat${i}`, f * 2 ** (i - 1));
  }
  x = c.block === 'residual' ? stage('last_', x, f) : conv('last', x, f);
  nodes.push({ op: 'conv', name: 'head', input: x, filters: 3, kernel: 1, activation: 'sigmoid', l2: false, init: 'glorot_uniform' });
  return { config: c, nodes, output: 'head' };
}

export interface ParamInfo {
  name: string;
  shape: number[];
  /** Whether L2 weight decay applies. */
  l2: boolean;
  init: 'he_normal' | 'glorot_uniform' | 'zeros';
  /** fan-in / fan-out for initialisers. */
  fanIn: number;
  fanOut: number;
}

/** Channels of every node's output. */
export function channelsOf(spec: NetworkSpec): Map<string, number> {
  const ch = new Map<string, number>();
  for (const nd of spec.nodes) {
    switch (nd.op) {
      case 'input':
        ch.set(nd.name, nd.channels);
        break;
      case 'conv':
        ch.set(nd.name, nd.filters);
        break;
      case 'concat':
        ch.set(
          nd.name,
          nd.inputs.reduce((s, i) => s + ch.get(i)!, 0),
        );
        break;
      case 'add':
        ch.set(nd.name, ch.get(nd.inputs[0])!);
        break;
      case 's2d':
        ch.set(nd.name, ch.get(nd.input)! * nd.block * nd.block);
        break;
      default:
        ch.set(nd.name, ch.get(nd.input)!);
    }
  }
  return ch;
}

/** Parameters in a fixed order (node order; kernel before bias). */
export function paramList(spec: NetworkSpec): ParamInfo[] {
  const ch = channelsOf(spec);
  const out: ParamInfo[] = [];
  for (const nd of spec.nodes) {
    if (nd.op === 'conv') {
      const cin = ch.get(nd.input)!;
      const k = nd.kernel;
      out.push({ name: `${nd.name}/kernel`, shape: [k, k, cin, nd.filters], l2: nd.l2, init: nd.init, fanIn: k * k * cin, fanOut: k * k * nd.filters });
      out.push({ name: `${nd.name}/bias`, shape: [nd.filters], l2: nd.l2, init: 'zeros', fanIn: 0, fanOut: 0 });
    } else if (nd.op === 'se') {
      const cc = ch.get(nd.input)!;
      out.push({ name: `${nd.name}/dense0/kernel`, shape: [cc, nd.units], l2: false, init: 'glorot_uniform', fanIn: cc, fanOut: nd.units });
      out.push({ name: `${nd.name}/dense0/bias`, shape: [nd.units], l2: false, init: 'zeros', fanIn: 0, fanOut: 0 });
      out.push({ name: `${nd.name}/dense1/kernel`, shape: [nd.units, cc], l2: false, init: 'glorot_uniform', fanIn: nd.units, fanOut: cc });
      out.push({ name: `${nd.name}/dense1/bias`, shape: [cc], l2: false, init: 'zeros', fanIn: 0, fanOut: 0 });
    }
  }
  return out;
}

export function countParams(spec: NetworkSpec): number {
  return paramList(spec).reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * Multiply-adds per input pixel of one forward pass: the convolutions, each weighted by its
 * resolution relative to the input (squeeze-excitation dense layers run once per image and
 * element-wise ops, pooling and resizing are not counted).
 */
export function macsPerPixel(spec: NetworkSpec): number {
  const ch = channelsOf(spec);
  const depth = nodeDepths(spec);
  let macs = 0;
  for (const nd of spec.nodes) {
    if (nd.op === 'conv') macs += 4 ** -depth.get(nd.name)! * nd.kernel * nd.kernel * ch.get(nd.input)! * nd.filters;
  }
  return macs;
}

/** Resolution of every node relative to the input, as a power of two (pools − up-samplings). */
export function nodeDepths(spec: NetworkSpec): Map<string, number> {
  const d = new Map<string, number>();
  for (const nd of spec.nodes) {
    if (nd.op === 'input') d.set(nd.name, 0);
    else if (nd.op === 'maxpool') d.set(nd.name, d.get(nd.input)! + 1);
    else if (nd.op === 's2d') d.set(nd.name, d.get(nd.input)! + Math.log2(nd.block));
    else if (nd.op === 'upsample') d.set(nd.name, d.get(nd.input)! - 1);
    else if (nd.op === 'concat' || nd.op === 'add') d.set(nd.name, d.get(nd.inputs[0])!);
    else d.set(nd.name, d.get(nd.input)!);
  }
  return d;
}

/** Smallest multiple the input height/width must have (deepest pooling level). */
export function inputMultiple(spec: NetworkSpec): number {
  return 2 ** Math.max(0, ...nodeDepths(spec).values());
}
