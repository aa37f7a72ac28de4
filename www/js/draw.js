// draw.js: the drawing pad. Strokes are kept in normalised [0, 1] coordinates so a resize or a
// devicePixelRatio change redraws them exactly; an optional base picture (a photo or a sample
// digit) sits under the strokes and carries its own 28×28 model input.

export class DrawPad {
  constructor(canvas, { onDraw = () => {}, onStrokeEnd = () => {}, maxSide = 640 } = {}) {
    this.canvas = canvas;
    // read back on every live score, so ask for a CPU-side canvas
    this.ctx = canvas.getContext('2d', { willReadFrequently: true });
    this.strokes = [];
    this.base = null; // {image, width, height, pixels: Float32Array(784) | null}
    this.current = null;
    this.pointerId = null;
    this.onDraw = onDraw;
    this.onStrokeEnd = onStrokeEnd;
    this.maxSide = maxSide; // caps the backing store: preprocessing cost grows with its area
    this.enabled = true; // photos mode shows a picture but takes no strokes
    this.background = '#000'; // digits: the page MNIST draws on; photos: a neutral frame
    this.resize();
    this.redraw();
    if ('ResizeObserver' in window) new ResizeObserver(() => this.resize()).observe(canvas);
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', (e) => this.up(e));
    canvas.addEventListener('pointercancel', (e) => this.up(e));
  }

  resize() {
    const css = this.canvas.getBoundingClientRect().width || 280;
    const side = Math.max(28, Math.min(this.maxSide, Math.round(css * (window.devicePixelRatio || 1))));
    if (side !== this.canvas.width || side !== this.canvas.height) {
      this.canvas.width = side;
      this.canvas.height = side;
      this.redraw();
    }
  }

  point(e) {
    const r = this.canvas.getBoundingClientRect();
    return [(e.clientX - r.left) / r.width, (e.clientY - r.top) / r.height];
  }

  down(e) {
    if (!this.enabled || this.current || (e.pointerType === 'mouse' && e.button !== 0)) return;
    e.preventDefault();
    try {
      this.canvas.setPointerCapture(e.pointerId);
    } catch {
      // capture is a nicety (strokes leaving the canvas); drawing works without it
    }
    this.pointerId = e.pointerId;
    this.current = [this.point(e)];
    this.strokes.push(this.current);
    this.redraw();
    this.onDraw();
  }

  move(e) {
    if (!this.current || e.pointerId !== this.pointerId) return;
    e.preventDefault();
    const batch = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
    for (const ev of batch.length ? batch : [e]) this.current.push(this.point(ev));
    this.redraw();
    this.onDraw();
  }

  up(e) {
    if (!this.current || e.pointerId !== this.pointerId) return;
    this.current = null;
    this.pointerId = null;
    this.onStrokeEnd();
  }

  redraw() {
    const { ctx } = this;
    const { width: w, height: h } = this.canvas;
    // Opaque black everywhere: preprocessing reads the paper colour from the border.
    ctx.fillStyle = this.background;
    ctx.fillRect(0, 0, w, h);
    if (this.base) {
      const { image, width, height } = this.base;
      const s = Math.min(w / width, h / height);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(image, (w - width * s) / 2, (h - height * s) / 2, width * s, height * s);
    }
    ctx.fillStyle = ctx.strokeStyle = '#fff';
    ctx.lineWidth = w / 12;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    for (const stroke of this.strokes) {
      ctx.beginPath();
      if (stroke.length === 1) {
        ctx.arc(stroke[0][0] * w, stroke[0][1] * h, ctx.lineWidth / 2, 0, 2 * Math.PI);
        ctx.fill();
        continue;
      }
      ctx.moveTo(stroke[0][0] * w, stroke[0][1] * h);
      for (let i = 1; i < stroke.length; i++) ctx.lineTo(stroke[i][0] * w, stroke[i][1] * h);
      ctx.stroke();
    }
  }

  /**
   * Replaces everything with a picture; `pixels` is its model input (null: read the canvas);
   * `dataset`: the picture is one of the dataset's own images (a gallery sample), not a drawing
   * or an upload that went through the preprocessing.
   */
  setBase(image, width, height, pixels = null, { dataset = false } = {}) {
    this.current = null;
    this.strokes = [];
    this.base = { image, width, height, pixels, dataset };
    this.redraw();
  }

  clear() {
    this.current = null;
    this.strokes = [];
    this.base = null;
    this.redraw();
  }

  /** Removes the last stroke, or the base picture once no strokes are left. */
  undo() {
    if (this.current) return;
    if (this.strokes.length) this.strokes.pop();
    else this.base = null;
    this.redraw();
  }

  isBlank() {
    return !this.base && this.strokes.length === 0;
  }

  /** Whether the input now is a dataset image as it is (nothing drawn over it). */
  isDatasetImage() {
    return Boolean(this.base && this.base.dataset && this.strokes.length === 0);
  }

  /** The base picture's own model input while nothing is drawn over it. */
  directInput() {
    return this.base && this.strokes.length === 0 ? this.base.pixels : null;
  }

  imageData() {
    return this.ctx.getImageData(0, 0, this.canvas.width, this.canvas.height);
  }
}
