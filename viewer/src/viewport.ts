/**
 * The picture: the plane as a pyramid of bitmaps (full size, then halves, so a 4096² image
 * pans and zooms smoothly), zoom about the cursor, drag to pan, and marks drawn over it.
 * Positions are in our convention: pixel (r, c) is centred at (r, c) and covers
 * [r − 0.5, r + 0.5) × [c − 0.5, c + 0.5); on the bitmap it covers [c, c + 1) × [r, r + 1).
 */

export type MarkKind = 'spot' | 'matched' | 'false' | 'missed';

export const MARK_COLOURS: Record<MarkKind, string> = {
  spot: '#00e5ff',
  matched: '#35d45a',
  false: '#ff3ea5',
  missed: '#ffd60a',
};

export interface Mark {
  y: number;
  x: number;
  kind: MarkKind;
  /** Index of the record behind it (a spot, or a truth point for 'missed'). */
  index: number;
}

interface Level {
  bitmap: ImageBitmap;
  factor: number; // bitmap px per image px
}

export class Viewport {
  readonly canvas: HTMLCanvasElement;
  private ctx: CanvasRenderingContext2D;
  private levels: Level[] = [];
  width = 0;
  height = 0;
  scale = 1;
  tx = 0;
  ty = 0;
  marks: Mark[] = [];
  markRadius = 3; // image px
  selected: Mark | undefined;
  private pending = false;
  /** Called after every drawn frame (tests wait on it) and with the cursor's image position. */
  onDraw?: () => void;
  onPointer?: (pos: { y: number; x: number } | undefined, mark: Mark | undefined) => void;
  onSelect?: (mark: Mark | undefined) => void;

  constructor(canvas: HTMLCanvasElement) {
    this.canvas = canvas;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2-D canvas');
    this.ctx = ctx;
    new ResizeObserver(() => this.resize()).observe(canvas.parentElement ?? canvas);
    this.bindPointer();
  }

  /** Replaces the picture; keeps the view if the size is unchanged, else fits it. */
  async setImage(img: ImageData): Promise<void> {
    const same = img.width === this.width && img.height === this.height;
    const full = await createImageBitmap(img);
    const levels: Level[] = [{ bitmap: full, factor: 1 }];
    let w = img.width;
    let h = img.height;
    let factor = 1;
    while (Math.max(w, h) > 1024) {
      w = Math.max(1, Math.round(w / 2));
      h = Math.max(1, Math.round(h / 2));
      factor /= 2;
      levels.push({ bitmap: await createImageBitmap(levels[levels.length - 1].bitmap, { resizeWidth: w, resizeHeight: h, resizeQuality: 'medium' }), factor });
    }
    for (const l of this.levels) l.bitmap.close();
    this.levels = levels;
    this.width = img.width;
    this.height = img.height;
    if (!same) this.fit();
    this.draw();
  }

  resize(): void {
    const parent = this.canvas.parentElement;
    if (!parent) return;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.floor(parent.clientWidth * dpr));
    const h = Math.max(1, Math.floor(parent.clientHeight * dpr));
    if (w !== this.canvas.width || h !== this.canvas.height) {
      const first = this.canvas.width <= 1;
      this.canvas.width = w;
      this.canvas.height = h;
      if (first) this.fit();
      this.draw();
    }
  }

  /** The whole image in view, centred. */
  fit(): void {
    if (!this.width) return;
    const s = Math.min(this.canvas.width / this.width, this.canvas.height / this.height);
    // whole screen pixels per image pixel from 2× up (crisp, even pixels); below, the exact fit
    this.scale = s >= 2 ? Math.floor(s) : s;
    this.tx = (this.canvas.width - this.width * this.scale) / 2;
    this.ty = (this.canvas.height - this.height * this.scale) / 2;
    this.draw();
  }

  /** Zoom by `k` about canvas point (px, py). */
  zoom(k: number, px = this.canvas.width / 2, py = this.canvas.height / 2): void {
    const s = Math.min(64, Math.max(0.02, this.scale * k));
    const f = s / this.scale;
    this.tx = px - (px - this.tx) * f;
    this.ty = py - (py - this.ty) * f;
    this.scale = s;
    this.draw();
  }

  /** Image position (row, column; our convention) of a canvas point. */
  toImage(px: number, py: number): { y: number; x: number } {
    return { y: (py - this.ty) / this.scale - 0.5, x: (px - this.tx) / this.scale - 0.5 };
  }

  /** Canvas point of an image position. */
  toCanvas(y: number, x: number): [number, number] {
    return [(x + 0.5) * this.scale + this.tx, (y + 0.5) * this.scale + this.ty];
  }

  /** Schedules a frame (at most one per animation frame). */
  draw(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.drawNow();
    });
  }

  drawNow(): void {
    const { ctx, canvas } = this;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#111';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    if (this.levels.length) {
      // the coarsest level that still gives at least one bitmap pixel per screen pixel
      let level = this.levels[0];
      for (const l of this.levels) if (l.factor * this.scale >= 1) level = l;
      ctx.imageSmoothingEnabled = this.scale < 1;
      ctx.imageSmoothingQuality = 'medium';
      ctx.drawImage(level.bitmap, this.tx, this.ty, this.width * this.scale, this.height * this.scale);
    }
    this.drawMarks();
    this.onDraw?.();
  }

  private drawMarks(): void {
    const { ctx, canvas } = this;
    const dpr = window.devicePixelRatio || 1;
    // marks shrink with the image when zoomed out (a crowded field stays readable), never below 2.5 px
    const r = Math.max(2.5 * dpr, this.markRadius * this.scale);
    const lw = Math.max(1, Math.min(2.5, this.scale / 2)) * dpr;
    ctx.lineWidth = lw;
    const byKind = new Map<MarkKind, Mark[]>();
    for (const m of this.marks) {
      const [px, py] = this.toCanvas(m.y, m.x);
      if (px < -r || py < -r || px > canvas.width + r || py > canvas.height + r) continue;
      const list = byKind.get(m.kind) ?? [];
      list.push(m);
      byKind.set(m.kind, list);
    }
    for (const [kind, list] of byKind) {
      ctx.strokeStyle = MARK_COLOURS[kind];
      ctx.beginPath();
      for (const m of list) {
        const [px, py] = this.toCanvas(m.y, m.x);
        if (kind === 'missed') {
          // squares for missed truth, circles for detections: not by colour alone
          ctx.moveTo(px - r, py - r);
          ctx.rect(px - r, py - r, 2 * r, 2 * r);
        } else {
          ctx.moveTo(px + r, py);
          ctx.arc(px, py, r, 0, 2 * Math.PI);
        }
      }
      ctx.stroke();
    }
    if (this.selected) {
      const [px, py] = this.toCanvas(this.selected.y, this.selected.x);
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = lw * 1.5;
      ctx.beginPath();
      ctx.arc(px, py, r + 3 * lw, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }

  /** The mark nearest a canvas point within `tol` canvas px. */
  markAt(px: number, py: number, tol = 10): Mark | undefined {
    let best: Mark | undefined;
    let bd = (Math.max(tol, this.markRadius * this.scale) * (window.devicePixelRatio || 1)) ** 2;
    for (const m of this.marks) {
      const [x, y] = this.toCanvas(m.y, m.x);
      const d = (x - px) ** 2 + (y - py) ** 2;
      if (d < bd) {
        bd = d;
        best = m;
      }
    }
    return best;
  }

  private bindPointer(): void {
    const c = this.canvas;
    const at = (e: MouseEvent): [number, number] => {
      const rect = c.getBoundingClientRect();
      return [((e.clientX - rect.left) * c.width) / rect.width, ((e.clientY - rect.top) * c.height) / rect.height];
    };
    let drag: { x: number; y: number; tx: number; ty: number; moved: boolean } | undefined;
    c.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const [px, py] = at(e);
        this.zoom(Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)), px, py);
      },
      { passive: false },
    );
    c.addEventListener('pointerdown', (e) => {
      const [px, py] = at(e);
      drag = { x: px, y: py, tx: this.tx, ty: this.ty, moved: false };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener('pointermove', (e) => {
      const [px, py] = at(e);
      if (drag) {
        if (Math.abs(px - drag.x) + Math.abs(py - drag.y) > 3) drag.moved = true;
        this.tx = drag.tx + px - drag.x;
        this.ty = drag.ty + py - drag.y;
        this.draw();
        return;
      }
      const inside = this.width > 0;
      this.onPointer?.(inside ? this.toImage(px, py) : undefined, this.markAt(px, py));
    });
    c.addEventListener('pointerup', (e) => {
      const [px, py] = at(e);
      if (drag && !drag.moved) {
        this.selected = this.markAt(px, py);
        this.onSelect?.(this.selected);
        this.draw();
      }
      drag = undefined;
    });
    c.addEventListener('pointerleave', () => this.onPointer?.(undefined, undefined));
    c.addEventListener('dblclick', () => this.fit());
  }
}
