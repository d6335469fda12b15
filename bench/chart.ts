/**
 * A tiny line-chart renderer for the benchmark docs (no dependencies): white canvas, axes over
 * [0, 1] × [0, 1] with ticks and labels every 0.2, an optional dashed diagonal y = x, and one
 * polyline with square dots per series, plus a legend above the plot (coloured squares and text). Text uses a
 * built-in 3×5 pixel font (upper case, digits, a few signs), drawn scaled.
 */

export type Rgb = [number, number, number];

export interface ChartSeries {
  label: string;
  color: Rgb;
  /** Points in data units ([0, 1] both axes); `size` is the dot edge in px (default 7). */
  points: { x: number; y: number; size?: number }[];
}

export interface ChartOptions {
  width?: number;
  height?: number;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Draw the dashed diagonal y = x. */
  diagonal?: boolean;
  series: ChartSeries[];
}

export interface Chart {
  rgb: Uint8Array;
  width: number;
  height: number;
}

// 3×5 glyphs, rows top to bottom, 3 bits each (left bit first)
const FONT: Record<string, string> = {
  '0': '111101101101111',
  '1': '010110010010111',
  '2': '111001111100111',
  '3': '111001111001111',
  '4': '101101111001001',
  '5': '111100111001111',
  '6': '111100111101111',
  '7': '111001001001001',
  '8': '111101111101111',
  '9': '111101111001111',
  '.': '000000000000010',
  '-': '000000111000000',
  ',': '000000000010100',
  ':': '000010000010000',
  _: '000000000000111',
  '=': '000111000111000',
  '(': '001010010010001',
  ')': '100010010010100',
  '/': '001001010100100',
  '>': '100010001010100',
  '<': '001010100010001',
  ' ': '000000000000000',
  A: '010101111101101',
  B: '110101110101110',
  C: '011100100100011',
  D: '110101101101110',
  E: '111100110100111',
  F: '111100110100100',
  G: '011100101101011',
  H: '101101111101101',
  I: '111010010010111',
  J: '001001001101010',
  K: '101101110101101',
  L: '100100100100111',
  M: '101111111101101',
  N: '110101101101101',
  O: '010101101101010',
  P: '110101110100100',
  Q: '010101101110011',
  R: '110101110101101',
  S: '011100010001110',
  T: '111010010010010',
  U: '101101101101111',
  V: '101101101101010',
  W: '101101111111101',
  X: '101101010101101',
  Y: '101101010010010',
  Z: '111001010100111',
};

const BLACK: Rgb = [0, 0, 0];
const GREY: Rgb = [150, 150, 150];
const LIGHT: Rgb = [225, 225, 225];

export function renderChart(opts: ChartOptions): Chart {
  const width = opts.width ?? 480;
  const height = opts.height ?? 480;
  const rgb = new Uint8Array(width * height * 3).fill(255);
  const S = 2; // font scale
  const set = (x: number, y: number, c: Rgb) => {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    rgb.set(c, (y * width + x) * 3);
  };
  const rect = (x: number, y: number, w: number, h: number, c: Rgb) => {
    for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) set(x + i, y + j, c);
  };
  // Bresenham; `dash` > 0 draws dash px on, dash px off
  const line = (x0: number, y0: number, x1: number, y1: number, c: Rgb, thick = 1, dash = 0) => {
    x0 = Math.round(x0);
    y0 = Math.round(y0);
    x1 = Math.round(x1);
    y1 = Math.round(y1);
    const dx = Math.abs(x1 - x0),
      dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1,
      sy = y0 < y1 ? 1 : -1;
    let err = dx + dy;
    const o = Math.floor((thick - 1) / 2);
    for (let k = 0; ; k++) {
      if (!dash || Math.floor(k / dash) % 2 === 0) rect(x0 - o, y0 - o, thick, thick, c);
      if (x0 === x1 && y0 === y1) break;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x0 += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y0 += sy;
      }
    }
  };
  const textWidth = (s: string) => s.length * 4 * S - S;
  const text = (s: string, x: number, y: number, c: Rgb = BLACK) => {
    [...s.toUpperCase()].forEach((ch, k) => {
      const g = FONT[ch] ?? FONT[' '];
      for (let b = 0; b < 15; b++) if (g[b] === '1') rect(x + (k * 4 + (b % 3)) * S, y + Math.floor(b / 3) * S, S, S, c);
    });
  };
  // vertical text, reading bottom to top, its left edge at x and its end at y
  const textUp = (s: string, x: number, y: number, c: Rgb = BLACK) => {
    [...s.toUpperCase()].forEach((ch, k) => {
      const g = FONT[ch] ?? FONT[' '];
      for (let b = 0; b < 15; b++) if (g[b] === '1') rect(x + Math.floor(b / 3) * S, y - (k * 4 + (b % 3)) * S - S, S, S, c);
    });
  };

  const legendTop = opts.title ? 28 : 10;
  const left = 56,
    right = 16,
    top = legendTop + opts.series.length * 18 + 8,
    bottom = 46;
  const pw = width - left - right,
    ph = height - top - bottom;
  const X = (v: number) => left + v * pw;
  const Y = (v: number) => top + (1 - v) * ph;

  for (let k = 0; k <= 5; k++) {
    const v = k / 5;
    const lab = k === 0 ? '0' : k === 5 ? '1' : v.toFixed(1);
    if (k > 0) line(X(v), Y(0), X(v), Y(1), LIGHT);
    if (k > 0) line(X(0), Y(v), X(1), Y(v), LIGHT);
    line(X(v), Y(0), X(v), Y(0) + 5, BLACK);
    line(X(0) - 5, Y(v), X(0), Y(v), BLACK);
    text(lab, X(v) - textWidth(lab) / 2, Y(0) + 9);
    text(lab, X(0) - 9 - textWidth(lab), Y(v) - (5 * S) / 2);
  }
  line(X(0), Y(0), X(1), Y(0), BLACK);
  line(X(0), Y(0), X(0), Y(1), BLACK);
  if (opts.diagonal) line(X(0), Y(0), X(1), Y(1), GREY, 1, 4);
  if (opts.title) text(opts.title, left + (pw - textWidth(opts.title)) / 2, 8);
  if (opts.xLabel) text(opts.xLabel, left + (pw - textWidth(opts.xLabel)) / 2, height - 5 * S - 6);
  if (opts.yLabel) textUp(opts.yLabel, 6, top + (ph + textWidth(opts.yLabel)) / 2);

  for (const s of opts.series) {
    for (let k = 1; k < s.points.length; k++) {
      const a = s.points[k - 1],
        b = s.points[k];
      line(X(a.x), Y(a.y), X(b.x), Y(b.y), s.color, 2);
    }
    for (const p of s.points) {
      const d = p.size ?? 7;
      rect(X(p.x) - Math.floor(d / 2), Y(p.y) - Math.floor(d / 2), d, d, s.color);
    }
  }
  // legend, above the plot
  opts.series.forEach((s, k) => {
    const y = legendTop + k * 18;
    rect(left + 10, y, 10, 10, s.color);
    text(s.label, left + 26, y);
  });
  return { rgb, width, height };
}
