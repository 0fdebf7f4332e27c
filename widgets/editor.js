/**
 * vnb editor: preview on top, inspector beside it, toolbar, timeline below, error area.
 *
 * One self-contained ES module (anywidget loads it from a Blob URL, so it imports nothing).
 * The pure logic — time↔pixel mapping, snapping, hit-testing, the frame request queue,
 * envelope decoding, key mapping — is exported by name and tested with
 * `node --test widgets/test/`; the module's top level never touches the DOM.
 *
 * Traits (Python `vnb.notebook.editor.Editor`): timeline, playhead, playing, selection, zoom,
 * scroll, snap, inspector, undo, labels, language, error, preview_width, frame_jpeg,
 * frame_index. Messages: see that module's docstring.
 *
 * Stable hooks for browser tests (`data-testid` unless said otherwise):
 *   vnb-editor         the root (.vnb-editor); focus it for the keyboard shortcuts
 *   vnb-preview        the preview box
 *   vnb-frame          the <img> of the frame; `data-frame-index` is the number of the frame
 *                      painted (set once the picture has loaded), `data-time` its time
 *   vnb-timecode       HH:MM:SS:FF of the playhead; vnb-frame-number: its frame number
 *   buttons            vnb-play vnb-home vnb-prev-frame vnb-next-frame vnb-end vnb-split
 *                      vnb-delete vnb-marker-add vnb-undo vnb-redo vnb-zoom-in vnb-zoom-out
 *                      vnb-zoom-fit vnb-snap
 *   vnb-timeline       the horizontally scrolling timeline (.vnb-scroll)
 *   vnb-ruler          the ruler canvas (click or drag to seek)
 *   vnb-playhead       the playhead (.vnb-playhead), `data-time`; drag it to scrub
 *   vnb-track          a lane: `data-track-index`, `data-track-id`, `data-kind`
 *   vnb-track-header   its header; buttons vnb-track-lock, vnb-track-mute, vnb-track-hide
 *   vnb-clip           a clip (.vnb-clip): `data-clip-id`, `data-track-index`; .vnb-selected
 *   vnb-clip-edge-start, vnb-clip-edge-end   its trim handles (.vnb-edge)
 *   vnb-marker         a marker: `data-index`, `data-time` (right-click removes it)
 *   .vnb-title         a title or subtitle cue on a text track; .vnb-transition a transition
 *   vnb-inspector      the inspector; inputs carry `data-field` (clip fields) or
 *                      `data-effect` and `data-param`
 *   vnb-error          the error area (.vnb-error, hidden when empty); vnb-error-dismiss
 */

// ---------------------------------------------------------------- pure logic (exported)

export const RULER_HEIGHT = 24;
export const TRACK_HEIGHT = 56;
export const THUMB_HEIGHT = 48;
export const MIN_ZOOM = 1; // pixels per second
export const MAX_ZOOM = 4000;
export const SNAP_PX = 8;
export const EDGE_PX = 6;
export const DEBOUNCE_MS = 300;

export const clamp = (x, lo, hi) => Math.min(Math.max(x, lo), hi);
export const timeToX = (t, zoom) => t * zoom;
export const xToTime = (x, zoom) => x / zoom;

/** The frame shown at `t` seconds: k with k/fps <= t < (k+1)/fps. */
export const frameOf = (t, fps) => Math.floor(t * fps + 1e-6);
/** The nearest frame boundary to `t`, in seconds. */
export const snapToFrame = (t, fps) => Math.round(t * fps) / fps;
/** Seconds at which the last frame of a timeline starts (0 when empty). */
export const lastFrameTime = (tl) => Math.max(0, (tl.frames - 1) / tl.fps);

/** `HH:MM:SS:FF` (non-drop) of the frame shown at `t`. */
export function timecode(t, fps) {
  const k = frameOf(Math.max(0, t), fps);
  const base = Math.max(1, Math.round(fps));
  const s = Math.floor(k / base);
  return [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60, k % base]
    .map((n) => String(n).padStart(2, "0"))
    .join(":");
}

/** Tracks are drawn top to bottom from the last (the top of the stack) to the first. */
export const rowOf = (index, count) => count - 1 - index;

/** The track index under `y` (pixels below the ruler), or -1. */
export function trackAt(y, count) {
  const row = Math.floor(y / TRACK_HEIGHT);
  return row < 0 || row >= count ? -1 : count - 1 - row;
}

/**
 * @typedef {{id: string, track: number, x: number, y: number, w: number, h: number}} Rect
 * @returns {Rect[]} every clip's box, in content pixels below the ruler
 */
export function layoutClips(tl, zoom) {
  const count = tl.tracks.length;
  const out = [];
  for (const track of tl.tracks) {
    for (const c of track.clips) {
      out.push({
        id: c.id, track: track.index, x: c.start * zoom,
        y: rowOf(track.index, count) * TRACK_HEIGHT,
        w: Math.max(2, c.duration * zoom), h: TRACK_HEIGHT,
      });
    }
  }
  return out;
}

/** The clip part under (x, y): `{id, track, part: "start"|"end"|"body"}` or null. */
export function hitTest(rects, x, y, edge = EDGE_PX) {
  for (let i = rects.length - 1; i >= 0; i--) {
    const r = rects[i];
    if (x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h) {
      const e = Math.min(edge, r.w / 4);
      const part = x < r.x + e ? "start" : x >= r.x + r.w - e ? "end" : "body";
      return { id: r.id, track: r.track, part };
    }
  }
  return null;
}

/** Times a drag snaps to: 0, the clip edges (but `exclude`'s), markers and the playhead. */
export function snapTargets(tl, { exclude = null, playhead = null } = {}) {
  const times = new Set([0]);
  for (const track of tl.tracks) {
    for (const c of track.clips) {
      if (c.id === exclude) continue;
      times.add(c.start);
      times.add(c.start + c.duration);
    }
  }
  for (const m of tl.markers || []) times.add(m.time);
  if (playhead !== null) times.add(playhead);
  return [...times].sort((a, b) => a - b);
}

/** The nearest target within `threshold` seconds of `t`: `{t, target}` (target null: none). */
export function snapTime(t, targets, threshold) {
  let best = null;
  let dist = threshold;
  for (const s of targets) {
    const d = Math.abs(s - t);
    if (d <= dist) [best, dist] = [s, d];
  }
  return best === null ? { t, target: null } : { t: best, target: best };
}

/** Snap a span by its start or its end, whichever is nearer a target: `{start, target}`. */
export function snapSpan(start, duration, targets, threshold) {
  const a = snapTime(start, targets, threshold);
  const b = snapTime(start + duration, targets, threshold);
  if (a.target === null && b.target === null) return { start, target: null };
  if (b.target === null || (a.target !== null && Math.abs(a.t - start) <= Math.abs(b.t - start - duration))) {
    return { start: a.t, target: a.target };
  }
  return { start: b.t - duration, target: b.target };
}

/** Where a trimmed edge may go: inside the source, at least a frame of clip left, >= 0. */
export function clampTrim(clip, edge, t, fps) {
  const frame = 1 / fps;
  const end = clip.start + clip.duration;
  if (edge === "start") return clamp(t, Math.max(0, clip.min_start ?? 0), end - frame);
  return clamp(t, clip.start + frame, clip.max_end ?? Infinity);
}

/** Zoom by `factor` keeping the time under `anchorX` (pixels from the view's left) in place. */
export function zoomAt(zoom, scrollLeft, anchorX, factor) {
  const z = clamp(zoom * factor, MIN_ZOOM, MAX_ZOOM);
  const t = (scrollLeft + anchorX) / zoom;
  return { zoom: z, scrollLeft: Math.max(0, t * z - anchorX) };
}

export const fitZoom = (duration, width) => clamp((width - 40) / Math.max(duration, 1), MIN_ZOOM, MAX_ZOOM);

/** Ruler label spacing in seconds: the smallest nice step at least `minPx` apart. */
export function rulerStep(zoom, fps, minPx = 80) {
  const steps = [1 / fps, 2 / fps, 5 / fps, 10 / fps, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];
  return steps.find((s) => s * zoom >= minPx) ?? 7200;
}

/** The part of a box [x, x+w) inside the view [left, left+width): `{x, w}` relative to the box. */
export function visibleSpan(x, w, left, width) {
  const a = Math.max(x, left);
  const b = Math.min(x + w, left + width);
  return b > a ? { x: a - x, w: b - a } : null;
}

/** Thumbnails laid end to end from a clip's start that meet [spanX, spanX+spanW). */
export function thumbSlots(spanX, spanW, clipW, thumbW, count) {
  const out = [];
  if (!(thumbW > 0 && clipW > 0 && count > 0)) return out;
  for (let k = Math.floor(spanX / thumbW); k * thumbW < spanX + spanW; k++) {
    const mid = Math.min(k * thumbW + thumbW / 2, clipW - 1e-9);
    out.push({ x: k * thumbW, index: clamp(Math.floor((mid / clipW) * count), 0, count - 1) });
  }
  return out;
}

/** [min, max] of the peak columns under pixel column `px` of a clip `clipW` pixels wide. */
export function peakAt(data, n, clipW, px) {
  const i0 = clamp(Math.floor((px / clipW) * n), 0, n - 1);
  const i1 = clamp(Math.floor(((px + 1) / clipW) * n), i0 + 1, n);
  let lo = 0;
  let hi = 0;
  for (let i = i0; i < i1; i++) {
    lo = Math.min(lo, data[2 * i]);
    hi = Math.max(hi, data[2 * i + 1]);
  }
  return [lo, hi];
}

/** Decode a `{dtype, shape, buffer}` envelope against a message's buffers (DataViews). */
export function decodeEnvelope(meta, buffers) {
  const Arr = { float32: Float32Array, int32: Int32Array }[meta.dtype];
  if (!Arr) throw new Error(`unknown dtype ${meta.dtype}`);
  const view = buffers[meta.buffer];
  const n = meta.shape.reduce((a, b) => a * b, 1);
  if (!view || view.byteLength !== n * 4) throw new Error(`buffer ${meta.buffer} does not hold ${n} values`);
  const out = new Arr(n); // copied: a DataView's offset need not be aligned
  new Uint8Array(out.buffer).set(new Uint8Array(view.buffer, view.byteOffset ?? 0, view.byteLength));
  return { data: out, shape: meta.shape };
}

/** The editor action a key press means, or null. */
export function keyAction(e) {
  const mod = e.ctrlKey || e.metaKey;
  const k = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (mod && k === "z") return e.shiftKey ? "redo" : "undo";
  if (mod && k === "y") return "redo";
  if (mod || e.altKey) return null;
  const keys = {
    " ": "toggle", j: "reverse", k: "stop", l: "forward", Home: "home", End: "end",
    s: "split", Delete: "delete", Backspace: "delete", m: "marker",
    ArrowLeft: e.shiftKey ? "back-second" : "back-frame",
    ArrowRight: e.shiftKey ? "forward-second" : "forward-frame",
  };
  return keys[k] ?? null;
}

/** Playback rate after J/K/L/Space: L speeds forwards up to 8×, J backwards, K stops. */
export function nextRate(rate, action) {
  if (action === "stop") return 0;
  if (action === "toggle") return rate === 0 ? 1 : 0;
  if (action === "forward") return rate <= 0 ? 1 : Math.min(rate * 2, 8);
  if (action === "reverse") return rate >= 0 ? -1 : Math.max(rate * 2, -8);
  return rate;
}

/** Where playback is at clock `now` (ms) when it started at `t0` at clock `clock0`. */
export function playTime(t0, clock0, now, rate, end) {
  const t = t0 + ((now - clock0) / 1000) * rate;
  if (t >= end) return { t: end, ended: true };
  if (t <= 0) return { t: 0, ended: rate < 0 };
  return { t, ended: false };
}

/** The preview's frame width in pixels: display size, capped, even, in steps of 32. */
export function previewWidth(boxWidth, dpr, maxWidth, projectWidth) {
  const w = Math.min(boxWidth * (dpr || 1), maxWidth, projectWidth);
  return Math.max(64, Math.round(w / 32) * 32);
}

/** `fn` run `ms` after the last call; `.flush()` runs a pending call now, `.cancel()` drops it. */
export function debounce(fn, ms) {
  let timer = null;
  let args = [];
  const d = (...a) => {
    args = a;
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      fn(...args);
    }, ms);
  };
  d.flush = () => {
    if (timer === null) return;
    clearTimeout(timer);
    timer = null;
    fn(...args);
  };
  d.cancel = () => {
    clearTimeout(timer);
    timer = null;
  };
  d.pending = () => timer !== null;
  return d;
}

/**
 * Frame requests: one in flight, the latest wins. `want` records the newest frame wanted
 * (by a key naming what would be painted); a reply frees the slot and sends the newest
 * wish, so a slow kernel drops frames instead of queueing them.
 */
export class FrameQueue {
  constructor(send, { timeout = 10000, now = () => Date.now(), prefix = Math.random().toString(36).slice(2, 8) } = {}) {
    this.send = send;
    this.timeout = timeout;
    this.now = now;
    this.prefix = prefix; // ids stay unique when several views of one editor share the replies
    this.inFlight = null;
    this.wanted = null;
    this.shown = null;
    this.count = 0;
  }

  want(request, key) {
    const busy = this.inFlight !== null && this.now() - this.inFlight.sent < this.timeout;
    if ((busy && this.inFlight.key === key) || (!busy && key === this.shown)) {
      this.wanted = null;
      return;
    }
    this.wanted = { request, key };
    this.pump();
  }

  pump() {
    if (this.inFlight !== null && this.now() - this.inFlight.sent < this.timeout) return;
    if (this.wanted === null) return;
    const { request, key } = this.wanted;
    this.wanted = null;
    this.inFlight = { id: `${this.prefix}-${++this.count}`, key, sent: this.now() };
    this.send({ ...request, kind: "frame", id: this.inFlight.id });
  }

  /** A reply arrived; true when it answers the request in flight (else it is stale). */
  receive(msg) {
    if (this.inFlight === null || msg.id !== this.inFlight.id) return false;
    this.shown = msg.ok === false ? null : this.inFlight.key;
    this.inFlight = null;
    this.pump();
    return true;
  }
}

/** The clips whose thumbnails and waveform are missing or out of date (by media key). */
export function mediaWanted(tl, asked) {
  const out = [];
  for (const track of tl.tracks) {
    for (const c of track.clips) if (asked.get(c.id) !== c.media_key) out.push(c.id);
  }
  return out;
}

/** Fill `{name}` placeholders of a text from the labels table. */
export const fill = (template, values = {}) =>
  String(template).replace(/\{(\w+)(?:[^}]*)\}/g, (m, k) => (k in values ? String(values[k]) : m));

// ---------------------------------------------------------------- the view

/** Make an element: h("div", {class: "x", dataset: {...}, onclick}, child, ...). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "style") for (const [name, value] of Object.entries(v)) el.style.setProperty(name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), value);
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k in el && k !== "list") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c);
  return el;
}

const INPUTS = new Set(["INPUT", "SELECT", "TEXTAREA"]);

// 24×24 icons: "f" filled, "s" stroked (emoji fonts are missing on many machines).
const ICONS = {
  play: ["f", "M8 5v14l11-7z"], pause: ["f", "M6 5h4v14H6zM14 5h4v14h-4z"],
  home: ["f", "M5 5h2v14H5zM19 5v14L8 12z"], end: ["f", "M17 5h2v14h-2zM5 5v14l11-7z"],
  prev: ["f", "M16 6v12l-8-6z"], next: ["f", "M8 6v12l8-6z"],
  split: ["s", "M6 4l12 16M18 4L6 20"], delete: ["s", "M5 7h14M9 7V4h6v3M7 7l1 13h8l1-13"],
  marker: ["s", "M6 21V4h11l-2 4 2 4H6"], undo: ["s", "M9 14L4 9l5-5M4 9h10a5 5 0 010 10h-3"],
  redo: ["s", "M15 14l5-5-5-5M20 9H10a5 5 0 000 10h3"], zoomOut: ["s", "M5 12h14"],
  zoomIn: ["s", "M5 12h14M12 5v14"], fit: ["s", "M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5"],
  snap: ["s", "M6 4v8a6 6 0 0012 0V4h-4v8a2 2 0 01-4 0V4z"], close: ["s", "M6 6l12 12M18 6L6 18"],
  lock: ["s", "M6 11h12v9H6zM8 11V7a4 4 0 018 0v4"], unlock: ["s", "M6 11h12v9H6zM8 11V7a4 4 0 017.5-2"],
  sound: ["s", "M4 9h4l5-4v14l-5-4H4zM16 9a4 4 0 010 6"], mute: ["s", "M4 9h4l5-4v14l-5-4H4zM16 9l5 6M21 9l-5 6"],
  eye: ["s", "M2 12s4-7 10-7 10 7 10 7-4 7-10 7S2 12 2 12zM9 12a3 3 0 106 0 3 3 0 00-6 0"],
  hidden: ["s", "M2 12s4-7 10-7 10 7 10 7-4 7-10 7S2 12 2 12zM3 3l18 18"],
};

function icon(name) {
  const ns = "http://www.w3.org/2000/svg";
  const [kind, d] = ICONS[name];
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "vnb-icon");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", d);
  if (kind === "f") path.setAttribute("fill", "currentColor");
  else for (const [k, v] of [["fill", "none"], ["stroke", "currentColor"], ["stroke-width", "2"], ["stroke-linecap", "round"], ["stroke-linejoin", "round"]]) path.setAttribute(k, v);
  svg.append(path);
  return svg;
}

class EditorView {
  constructor(model, el) {
    this.model = model;
    this.el = el;
    this.t = model.get("playhead");
    this.rate = 0;
    this.zoom = model.get("zoom");
    this.drag = null;
    this.rects = [];
    this.thumbs = new Map();
    this.waves = new Map();
    this.asked = new Map();
    this.editId = 1;
    this.handlers = [];
    this.frames = new FrameQueue((msg) => model.send(msg));
    this.savePlayhead = debounce(() => this.commit("playhead", this.t), DEBOUNCE_MS);
    this.saveView = debounce(() => {
      model.set("zoom", this.zoom);
      model.set("scroll", this.scroller.scrollLeft / this.zoom);
      model.save_changes();
    }, DEBOUNCE_MS);
    this.sendDrag = debounce((msg) => this.edit({ ...msg, final: false }), DEBOUNCE_MS);
    this.askMedia = debounce(() => this.requestMedia(), 400);
    this.build();
    for (const name of ["timeline", "playhead", "selection", "inspector", "undo", "labels", "error", "snap", "zoom", "preview_width"]) {
      this.listen(`change:${name}`, () => this.onTrait(name));
    }
    this.listen("msg:custom", (msg, buffers) => this.onMessage(msg, buffers));
    this.applyLabels();
    this.renderTimeline();
    this.scroller.scrollLeft = model.get("scroll") * this.zoom;
    this.renderInspector();
    this.showError();
    const jpeg = model.get("frame_jpeg");
    if (jpeg && jpeg.byteLength) this.paint({ frame_index: model.get("frame_index"), t: this.t }, [jpeg]);
    this.requestFrame();
  }

  listen(event, fn) {
    const guarded = (...a) => this.guard(() => fn(...a));
    this.model.on(event, guarded);
    this.handlers.push([event, guarded]);
  }

  destroy() {
    for (const [event, fn] of this.handlers) this.model.off(event, fn);
    cancelAnimationFrame(this.raf);
    for (const d of [this.savePlayhead, this.saveView, this.sendDrag, this.askMedia]) d.cancel();
    this.resizeObserver?.disconnect();
    this.themeObserver?.disconnect();
    for (const url of [this.shownUrl, this.pendingUrl]) if (url) URL.revokeObjectURL(url);
  }

  guard(fn) {
    try {
      return fn();
    } catch (err) {
      this.reportError(err);
      return undefined;
    }
  }

  reportError(err) {
    const message = String(err?.message || err).slice(0, 1000);
    console.error("vnb editor:", err);
    this.errorText.textContent = fill(this.L("browser_error"), { message });
    this.errorBox.hidden = false;
    try {
      this.model.send({ kind: "error", message, stack: String(err?.stack || "").slice(0, 4000) });
    } catch (e) {
      console.error(e);
    }
  }

  L(key, values) {
    const table = this.model.get("labels") || {};
    return fill(table[key] ?? key, values);
  }

  commit(name, value) {
    this.model.set(name, value);
    this.model.save_changes();
  }

  edit(msg) {
    const id = this.editId++;
    this.model.send({ kind: "edit", id, ...msg });
    return id;
  }

  // -- building ---------------------------------------------------------------------

  build() {
    const on = (fn) => (e) => this.guard(() => fn(e));
    const button = (testid, key, name, fn) =>
      h("button", { class: "vnb-button", dataset: { testid, label: key }, onmousedown: (e) => e.preventDefault(), onclick: on(fn) }, icon(name));
    this.img = h("img", { class: "vnb-frame", alt: "", dataset: { testid: "vnb-frame", frameIndex: "-1" } });
    this.previewEl = h("div", { class: "vnb-preview", dataset: { testid: "vnb-preview" } }, this.img);
    this.inspectorEl = h("div", { class: "vnb-inspector", dataset: { testid: "vnb-inspector" } });
    this.inspectorEl.addEventListener("focusout", on(() => this.inspectorStale && setTimeout(() => this.renderInspector(), 0)));
    this.errorText = h("span", { class: "vnb-error-text" });
    this.errorBox = h("div", { class: "vnb-error", dataset: { testid: "vnb-error" }, role: "alert", hidden: true }, this.errorText,
      button("vnb-error-dismiss", "dismiss", "close", () => this.commit("error", "")));
    this.playButton = button("vnb-play", "play", "play", () => this.act("toggle"));
    this.undoButton = button("vnb-undo", "undo", "undo", () => this.act("undo"));
    this.redoButton = button("vnb-redo", "redo", "redo", () => this.act("redo"));
    this.snapButton = button("vnb-snap", "snap", "snap", () => this.commit("snap", !this.model.get("snap")));
    this.timecodeEl = h("span", { class: "vnb-timecode", dataset: { testid: "vnb-timecode" } });
    this.frameEl = h("span", { class: "vnb-frame-number", dataset: { testid: "vnb-frame-number" } });
    const toolbar = h("div", { class: "vnb-toolbar" },
      button("vnb-home", "home", "home", () => this.act("home")),
      button("vnb-prev-frame", "prev_frame", "prev", () => this.act("back-frame")),
      this.playButton,
      button("vnb-next-frame", "next_frame", "next", () => this.act("forward-frame")),
      button("vnb-end", "end", "end", () => this.act("end")),
      this.timecodeEl, this.frameEl, h("span", { class: "vnb-sep" }),
      button("vnb-split", "split", "split", () => this.act("split")),
      button("vnb-delete", "delete", "delete", () => this.act("delete")),
      button("vnb-marker-add", "marker", "marker", () => this.act("marker")),
      this.undoButton, this.redoButton, h("span", { class: "vnb-sep" }),
      button("vnb-zoom-out", "zoom_out", "zoomOut", () => this.zoomBy(1 / 1.5)),
      button("vnb-zoom-in", "zoom_in", "zoomIn", () => this.zoomBy(1.5)),
      button("vnb-zoom-fit", "zoom_fit", "fit", () => this.setZoom(fitZoom(this.tl.duration, this.scroller.clientWidth), 0)),
      this.snapButton);
    this.headers = h("div", { class: "vnb-headers" });
    this.ruler = h("canvas", { class: "vnb-ruler", dataset: { testid: "vnb-ruler" } });
    this.markersEl = h("div", { class: "vnb-markers" });
    this.lanes = h("div", { class: "vnb-lanes" });
    this.playhead = h("div", { class: "vnb-playhead", dataset: { testid: "vnb-playhead" } }, h("div", { class: "vnb-playhead-handle" }));
    this.content = h("div", { class: "vnb-content" }, this.ruler, this.markersEl, this.lanes, this.playhead);
    this.scroller = h("div", { class: "vnb-scroll", dataset: { testid: "vnb-timeline" } }, this.content);
    this.root = h("div", { class: "vnb-editor", tabIndex: 0, dataset: { testid: "vnb-editor", lmSuppressShortcuts: "true" } },
      this.errorBox,
      h("div", { class: "vnb-top" }, this.previewEl, this.inspectorEl),
      toolbar,
      h("div", { class: "vnb-body" }, this.headers, this.scroller));
    this.el.append(this.root);
    this.root.addEventListener("keydown", on((e) => this.onKey(e)));
    this.content.addEventListener("pointerdown", on((e) => this.onPointerDown(e)));
    this.content.addEventListener("pointermove", on((e) => this.onPointerMove(e)));
    this.content.addEventListener("pointerup", on((e) => this.onPointerUp(e)));
    this.content.addEventListener("pointercancel", on((e) => this.onPointerUp(e)));
    this.scroller.addEventListener("wheel", on((e) => this.onWheel(e)), { passive: false });
    this.scroller.addEventListener("scroll", on(() => {
      this.redraw();
      this.saveView();
    }));
    this.root.addEventListener("pointerdown", (e) => {
      if (!INPUTS.has(e.target.tagName)) this.root.focus({ preventScroll: true });
    });
    if (typeof ResizeObserver !== "undefined") {
      this.resizeObserver = new ResizeObserver(() => this.guard(() => {
        if (!this.laidOut && this.scroller.clientWidth > 0) {
          this.laidOut = true; // the first real layout: size the content, restore the scroll
          this.renderTimeline();
          this.scroller.scrollLeft = this.model.get("scroll") * this.zoom;
        }
        this.redraw();
        this.requestFrame();
      }));
      this.resizeObserver.observe(this.scroller);
    }
    if (typeof MutationObserver !== "undefined") {
      // JupyterLab marks its theme on <body>: canvases are redrawn in the new colours, once
      // the new stylesheet has settled (during the switch the layout is briefly empty).
      this.themeObserver = new MutationObserver(() => setTimeout(() => this.redraw(), 300));
      this.themeObserver.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-name", "data-jp-theme-light"] });
    }
  }

  applyLabels() {
    for (const b of this.root.querySelectorAll("button[data-label]")) b.title = this.L(b.dataset.label);
    const undo = this.model.get("undo") || {};
    this.undoButton.disabled = !undo.undo;
    this.redoButton.disabled = !undo.redo;
    if (undo.undo) this.undoButton.title = this.L("undo_named", { label: undo.undo });
    if (undo.redo) this.redoButton.title = this.L("redo_named", { label: undo.redo });
    this.playButton.replaceChildren(icon(this.rate === 0 ? "play" : "pause"));
    this.playButton.title = this.L(this.rate === 0 ? "play" : "pause");
    this.snapButton.classList.toggle("vnb-on", this.model.get("snap"));
    this.root.setAttribute("aria-label", this.L("editor"));
  }

  // -- Python → view ----------------------------------------------------------------

  onTrait(name) {
    if (name === "timeline") {
      this.renderTimeline();
      this.requestFrame();
    } else if (name === "playhead") {
      const t = this.model.get("playhead");
      if (this.rate === 0 && !this.drag && !this.savePlayhead.pending() && Math.abs(t - this.t) > 1e-9) {
        this.t = t;
        this.drawPlayhead();
        this.requestFrame();
      }
    } else if (name === "selection") {
      for (const c of this.lanes.querySelectorAll(".vnb-clip")) c.classList.toggle("vnb-selected", c.dataset.clipId === this.model.get("selection"));
    } else if (name === "inspector") {
      this.renderInspector();
    } else if (name === "error") {
      this.showError();
    } else if (name === "zoom") {
      if (Math.abs(this.model.get("zoom") - this.zoom) > 1e-9) this.setZoom(this.model.get("zoom"), 0, false);
    } else if (name === "preview_width") {
      this.requestFrame();
    } else {
      this.applyLabels();
      if (name === "labels") {
        this.renderTimeline();
        this.renderInspector();
      }
    }
  }

  onMessage(msg, buffers) {
    if (msg.kind === "frame") {
      if (!this.frames.receive(msg) || msg.ok === false) return;
      this.paint(msg, buffers);
    } else if (msg.kind === "media") {
      this.onMedia(msg, buffers);
    } else if (msg.kind === "edit") {
      if (msg.final !== false && this.drag === null) this.renderTimeline(); // drop any ghost
    }
  }

  showError() {
    const error = this.model.get("error");
    this.errorText.textContent = error;
    this.errorBox.hidden = !error;
  }

  // -- preview ----------------------------------------------------------------------

  requestFrame() {
    const tl = this.tl;
    if (!tl) return;
    const k = tl.frames > 0 ? clamp(frameOf(this.t, tl.fps), 0, tl.frames - 1) : -1;
    const width = previewWidth(this.previewEl.clientWidth || 640, globalThis.devicePixelRatio, this.model.get("preview_width"), tl.width);
    this.frames.want({ t: k >= 0 ? k / tl.fps : 0, width }, `${k}|${tl.rev}|${width}`);
    this.timecodeEl.textContent = timecode(this.t, tl.fps);
    this.frameEl.textContent = `${this.L("frame")} ${Math.max(0, k)}`;
  }

  paint(msg, buffers) {
    const url = URL.createObjectURL(new Blob([buffers[0]], { type: "image/jpeg" }));
    if (this.pendingUrl) URL.revokeObjectURL(this.pendingUrl);
    this.pendingUrl = url;
    this.img.onload = () => {
      if (this.shownUrl) URL.revokeObjectURL(this.shownUrl);
      this.shownUrl = url;
      this.pendingUrl = null;
      this.img.dataset.frameIndex = String(msg.frame_index);
      this.img.dataset.time = String(msg.t);
    };
    this.img.src = url;
  }

  setPlayhead(t, commit) {
    const tl = this.tl;
    this.t = clamp(t, 0, tl ? lastFrameTime(tl) : 0);
    this.drawPlayhead();
    if (commit) {
      this.savePlayhead.cancel();
      this.commit("playhead", this.t); // before the frame request: Python keeps a settled frame
    } else {
      this.savePlayhead();
    }
    this.requestFrame();
  }

  setRate(rate) {
    const tl = this.tl;
    if (!tl || tl.frames === 0) rate = 0;
    if (rate > 0 && this.rate === 0 && this.t >= lastFrameTime(tl)) this.t = 0;
    this.rate = rate;
    this.t0 = this.t;
    this.clock0 = performance.now();
    cancelAnimationFrame(this.raf);
    if (this.model.get("playing") !== (rate !== 0)) this.commit("playing", rate !== 0);
    if (rate !== 0) {
      this.raf = requestAnimationFrame((now) => this.guard(() => this.tick(now)));
    } else if (tl) {
      this.setPlayhead(Math.floor(this.t * tl.fps + 1e-6) / tl.fps, true);
    }
    this.applyLabels();
  }

  tick(now) {
    if (this.rate === 0) return;
    const { t, ended } = playTime(this.t0, this.clock0, now, this.rate, lastFrameTime(this.tl));
    this.t = t;
    this.drawPlayhead();
    this.requestFrame();
    const x = timeToX(t, this.zoom) - this.scroller.scrollLeft;
    if (x < 0 || x > this.scroller.clientWidth - 20) this.scroller.scrollLeft = Math.max(0, timeToX(t, this.zoom) - 40);
    if (ended) this.setRate(0);
    else this.raf = requestAnimationFrame((n) => this.guard(() => this.tick(n)));
  }

  // -- keyboard and toolbar ---------------------------------------------------------

  onKey(e) {
    if (INPUTS.has(e.target.tagName)) return;
    const action = keyAction(e);
    if (action === null) return;
    e.preventDefault();
    e.stopPropagation();
    this.act(action);
  }

  act(action) {
    const tl = this.tl;
    const fps = tl?.fps || 30;
    const here = Math.floor(this.t * fps + 1e-6) / fps;
    const selected = this.model.get("selection");
    switch (action) {
      case "toggle": case "reverse": case "stop": case "forward":
        return this.setRate(nextRate(this.rate, action));
      case "back-frame": case "forward-frame": case "back-second": case "forward-second": {
        if (this.rate !== 0) this.setRate(0);
        const step = { "back-frame": -1 / fps, "forward-frame": 1 / fps, "back-second": -1, "forward-second": 1 }[action];
        return this.setPlayhead(snapToFrame(here + step, fps), true);
      }
      case "home": return this.setPlayhead(0, true);
      case "end": return this.setPlayhead(tl ? lastFrameTime(tl) : 0, true);
      case "split": {
        const clip = this.clipAt(here, selected);
        return clip && this.edit({ op: "split", clip_id: clip.id, t: here });
      }
      case "delete": return selected && this.edit({ op: "delete", clip_id: selected });
      case "marker": return this.edit({ op: "marker", t: here });
      case "undo": case "redo": return this.edit({ op: action });
      default: return undefined;
    }
  }

  /** The selected clip if the playhead is inside it, else the topmost clip under the playhead. */
  clipAt(t, selected) {
    const inside = (c) => c.start < t && t < c.start + c.duration;
    const all = (this.tl?.tracks || []).flatMap((tr) => tr.locked ? [] : tr.clips);
    return all.find((c) => c.id === selected && inside(c)) || all.reverse().find(inside) || null;
  }

  zoomBy(factor) {
    const x = timeToX(this.t, this.zoom) - this.scroller.scrollLeft;
    this.setZoom(this.zoom * factor, clamp(x, 0, this.scroller.clientWidth));
  }

  setZoom(zoom, anchorX, save = true) {
    const next = zoomAt(this.zoom, this.scroller.scrollLeft, anchorX, zoom / this.zoom);
    this.zoom = next.zoom;
    this.renderTimeline();
    this.scroller.scrollLeft = next.scrollLeft;
    this.redraw();
    if (save) this.saveView();
  }

  onWheel(e) {
    if (!(e.ctrlKey || e.metaKey)) return;
    e.preventDefault();
    const anchor = e.clientX - this.scroller.getBoundingClientRect().left;
    this.setZoom(this.zoom * Math.exp(-e.deltaY * 0.002), anchor);
  }

  // -- pointer: select, move, trim, scrub ---------------------------------------------

  point(e) {
    const r = this.content.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  onPointerDown(e) {
    if (e.button !== 0 || !this.tl) return;
    this.root.focus({ preventScroll: true });
    const { x, y } = this.point(e);
    const marker = e.target.closest?.(".vnb-marker");
    if (marker) return this.setPlayhead(Number(marker.dataset.time), true);
    const hit = y >= RULER_HEIGHT && !e.target.closest?.(".vnb-playhead") ? hitTest(this.rects, x, y - RULER_HEIGHT) : null;
    this.content.setPointerCapture?.(e.pointerId);
    if (hit === null) {
      if (y >= RULER_HEIGHT && !e.target.closest?.(".vnb-playhead") && this.model.get("selection")) this.commit("selection", "");
      this.drag = { mode: "scrub" };
      return this.setPlayhead(snapToFrame(xToTime(x, this.zoom), this.tl.fps), false);
    }
    if (hit.id !== this.model.get("selection")) this.commit("selection", hit.id);
    const track = this.tl.tracks[hit.track];
    const clip = track.clips.find((c) => c.id === hit.id);
    if (track.locked) return undefined;
    this.drag = {
      mode: hit.part === "body" ? "move" : "trim", edge: hit.part, clip, track: hit.track, x0: x,
      grab: xToTime(x, this.zoom) - (hit.part === "end" ? clip.start + clip.duration : clip.start), moved: false, key: `drag-${Date.now()}-${this.editId}`,
      targets: snapTargets(this.tl, { exclude: clip.id, playhead: this.t }),
      start: clip.start, end: clip.start + clip.duration, to: hit.track,
    };
    return undefined;
  }

  onPointerMove(e) {
    const d = this.drag;
    if (d === null) return;
    const { x, y } = this.point(e);
    const fps = this.tl.fps;
    if (d.mode === "scrub") return this.setPlayhead(snapToFrame(xToTime(x, this.zoom), fps), false);
    if (!d.moved && Math.abs(x - d.x0) < 3 && !(d.mode === "move" && trackAt(y - RULER_HEIGHT, this.tl.tracks.length) !== d.track)) return undefined;
    d.moved = true;
    const threshold = this.model.get("snap") && !e.altKey ? SNAP_PX / this.zoom : 0;
    const duration = d.clip.duration;
    if (d.mode === "move") {
      const s = snapSpan(Math.max(0, xToTime(x, this.zoom) - d.grab), duration, d.targets, threshold);
      d.start = Math.max(0, snapToFrame(s.start, fps));
      d.end = d.start + duration;
      const over = this.tl.tracks[trackAt(y - RULER_HEIGHT, this.tl.tracks.length)];
      if (over && over.kind === this.tl.tracks[d.track].kind && !over.locked) d.to = over.index;
      this.sendDrag({ op: "move", clip_id: d.clip.id, start: d.start, track: d.to, key: d.key });
    } else {
      const wanted = snapTime(xToTime(x, this.zoom) - d.grab, d.targets, threshold).t;
      const t = snapToFrame(clampTrim(d.clip, d.edge, wanted, fps), fps);
      if (d.edge === "start") d.start = t;
      else d.end = t;
      this.sendDrag({ op: "trim", clip_id: d.clip.id, [d.edge]: t, key: d.key });
    }
    this.applyGhost();
    return undefined;
  }

  onPointerUp(e) {
    const d = this.drag;
    this.drag = null;
    this.content.releasePointerCapture?.(e.pointerId);
    if (d === null) return;
    if (d.mode === "scrub") {
      this.setPlayhead(this.t, true);
      return;
    }
    this.sendDrag.cancel();
    if (!d.moved) return;
    if (d.mode === "move") this.edit({ op: "move", clip_id: d.clip.id, start: d.start, track: d.to, key: d.key, final: true });
    else this.edit({ op: "trim", clip_id: d.clip.id, [d.edge]: d.edge === "start" ? d.start : d.end, key: d.key, final: true });
  }

  /** Show the dragged clip where the drag has it (until the project says where it is). */
  applyGhost() {
    const d = this.drag;
    if (!d || d.mode === "scrub" || !d.moved) return;
    const el = this.lanes.querySelector(`.vnb-clip[data-clip-id="${CSS.escape(d.clip.id)}"]`);
    if (!el) return;
    el.classList.add("vnb-dragging");
    el.style.left = `${timeToX(d.start, this.zoom)}px`;
    el.style.width = `${Math.max(2, timeToX(d.end - d.start, this.zoom))}px`;
    const row = rowOf(d.to, this.tl.tracks.length) - rowOf(d.track, this.tl.tracks.length);
    el.style.transform = row ? `translateY(${row * TRACK_HEIGHT}px)` : "";
  }

  // -- timeline drawing -------------------------------------------------------------

  renderTimeline() {
    const tl = this.model.get("timeline");
    if (!tl || !tl.tracks) return;
    this.tl = tl;
    const n = tl.tracks.length;
    const zoom = this.zoom;
    const viewW = this.scroller.clientWidth || 800;
    this.content.style.width = `${Math.max(viewW, timeToX(tl.duration, zoom) + viewW / 2)}px`;
    this.content.style.height = `${RULER_HEIGHT + Math.max(1, n) * TRACK_HEIGHT}px`;
    this.rects = layoutClips(tl, zoom);
    const selected = this.model.get("selection");
    const lanes = [];
    const headers = [h("div", { class: "vnb-header-spacer" })];
    for (let row = 0; row < n; row++) {
      const track = tl.tracks[n - 1 - row];
      headers.push(this.trackHeader(track));
      const lane = h("div", {
        class: `vnb-track vnb-kind-${track.kind}${track.locked ? " vnb-locked" : ""}${track.hidden ? " vnb-hidden" : ""}`,
        dataset: { testid: "vnb-track", trackIndex: track.index, trackId: track.id, kind: track.kind },
        style: { top: `${row * TRACK_HEIGHT}px`, height: `${TRACK_HEIGHT}px` },
      });
      for (const c of track.clips) lane.append(this.clipElement(c, track, c.id === selected));
      for (const tr of track.transitions) {
        const a = track.clips.find((c) => c.id === tr.from);
        const b = track.clips.find((c) => c.id === tr.to);
        if (!a || !b) continue;
        lane.append(h("div", { class: "vnb-transition", title: tr.kind, style: {
          left: `${timeToX(b.start, zoom)}px`, width: `${Math.max(2, timeToX(a.start + a.duration - b.start, zoom))}px` } }));
      }
      for (const ti of track.titles) {
        lane.append(h("div", { class: "vnb-title", title: ti.text, style: {
          left: `${timeToX(ti.start, zoom)}px`, width: `${Math.max(2, timeToX(ti.duration, zoom))}px` } }, ti.text));
      }
      lanes.push(lane);
    }
    if (n === 0) lanes.push(h("div", { class: "vnb-empty" }, this.L("empty_project")));
    this.lanes.replaceChildren(...lanes);
    this.headers.replaceChildren(...headers);
    this.markersEl.replaceChildren(...(tl.markers || []).map((m) => h("div", {
      class: "vnb-marker", title: `${m.label ? `${m.label} — ` : ""}${this.L("remove_marker")}`,
      dataset: { testid: "vnb-marker", index: m.index, time: m.time },
      style: { left: `${timeToX(m.time, zoom)}px`, "--vnb-marker-color": m.color },
      oncontextmenu: (e) => {
        e.preventDefault();
        this.edit({ op: "remove_marker", index: m.index });
      },
    })));
    this.playhead.style.height = `${RULER_HEIGHT + n * TRACK_HEIGHT}px`;
    this.t = clamp(this.t, 0, lastFrameTime(tl));
    this.drawPlayhead();
    this.applyGhost();
    this.redraw();
    this.askMedia();
  }

  trackHeader(track) {
    const toggle = (field, testid, onKey, offKey, onIcon, offIcon) => h("button", {
      class: `vnb-button vnb-toggle${track[field] ? " vnb-on" : ""}`, dataset: { testid },
      title: this.L(track[field] ? offKey : onKey), onmousedown: (e) => e.preventDefault(),
      onclick: () => this.edit({ op: "track", index: track.index, field, value: !track[field] }),
    }, icon(track[field] ? onIcon : offIcon));
    return h("div", { class: "vnb-track-header", dataset: { testid: "vnb-track-header", trackIndex: track.index }, style: { height: `${TRACK_HEIGHT}px` } },
      h("span", { class: "vnb-track-name", title: track.name }, track.name),
      h("span", { class: "vnb-track-buttons" },
        toggle("locked", "vnb-track-lock", "lock", "unlock", "lock", "unlock"),
        track.kind !== "text" ? toggle("muted", "vnb-track-mute", "mute", "unmute", "mute", "sound") : null,
        track.kind !== "audio" ? toggle("hidden", "vnb-track-hide", "hide", "show", "hidden", "eye") : null));
  }

  clipElement(c, track, selected) {
    const style = { left: `${timeToX(c.start, this.zoom)}px`, width: `${Math.max(2, timeToX(c.duration, this.zoom))}px` };
    if (c.color) style.background = c.color;
    return h("div", {
      class: `vnb-clip${selected ? " vnb-selected" : ""}${c.has_video && track.kind !== "audio" ? "" : " vnb-audio"}`,
      dataset: { testid: "vnb-clip", clipId: c.id, trackIndex: track.index }, style,
      title: `${c.label} — ${c.start.toFixed(3)} s … ${(c.start + c.duration).toFixed(3)} s`,
    },
    h("canvas", { class: "vnb-clip-media" }),
    h("span", { class: "vnb-clip-label" }, c.label),
    h("div", { class: "vnb-edge vnb-edge-start", dataset: { testid: "vnb-clip-edge-start" } }),
    h("div", { class: "vnb-edge vnb-edge-end", dataset: { testid: "vnb-clip-edge-end" } }));
  }

  drawPlayhead() {
    this.playhead.style.left = `${timeToX(this.t, this.zoom)}px`;
    this.playhead.dataset.time = String(this.t);
    if (this.tl) {
      this.timecodeEl.textContent = timecode(this.t, this.tl.fps);
      this.frameEl.textContent = `${this.L("frame")} ${frameOf(this.t, this.tl.fps)}`;
    }
  }

  /** Redraw what depends on the scroll position (ruler, clip media), once per frame. */
  redraw() {
    if (this.redrawing) return;
    this.redrawing = true;
    requestAnimationFrame(() => {
      this.redrawing = false;
      if (this.scroller.clientWidth === 0) return; // not laid out (hidden, or restyling)
      this.guard(() => {
        this.drawRuler();
        this.drawMedia();
      });
    });
  }

  colors() {
    const css = getComputedStyle(this.root);
    const v = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
    return { fg: v("--vnb-fg", "#333"), dim: v("--vnb-dim", "#888"), wave: v("--vnb-wave", "#3a8"), bg: v("--vnb-ruler-bg", "#eee") };
  }

  drawRuler() {
    const tl = this.tl;
    if (!tl) return;
    const dpr = globalThis.devicePixelRatio || 1;
    const w = this.scroller.clientWidth;
    const left = this.scroller.scrollLeft;
    this.ruler.style.width = `${w}px`;
    this.ruler.width = Math.max(1, Math.round(w * dpr));
    this.ruler.height = Math.round(RULER_HEIGHT * dpr);
    const g = this.ruler.getContext("2d");
    if (!g) return;
    const col = this.colors();
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = col.bg;
    g.fillRect(0, 0, w, RULER_HEIGHT);
    const step = rulerStep(this.zoom, tl.fps);
    const minor = step / 5;
    g.font = "10px var(--jp-code-font-family, monospace)";
    const first = Math.floor(xToTime(left, this.zoom) / minor);
    for (let i = first; timeToX(i * minor, this.zoom) - left < w; i++) {
      const t = i * minor;
      const x = Math.round(timeToX(t, this.zoom) - left) + 0.5;
      const major = Math.abs(t / step - Math.round(t / step)) < 1e-6;
      g.fillStyle = major ? col.fg : col.dim;
      g.fillRect(x, major ? 10 : 17, 1, major ? 14 : 7);
      if (major) g.fillText(step < 1 ? timecode(t, tl.fps) : timecode(t, tl.fps).slice(0, 8), x + 3, 10);
    }
  }

  // -- thumbnails and waveforms -----------------------------------------------------

  requestMedia() {
    if (!this.tl) return;
    const clips = mediaWanted(this.tl, this.asked);
    if (clips.length === 0) return;
    const keys = new Map(this.tl.tracks.flatMap((tr) => tr.clips.map((c) => [c.id, c.media_key])));
    for (const id of clips) this.asked.set(id, keys.get(id));
    this.model.send({ kind: "media", clips, height: THUMB_HEIGHT });
  }

  onMedia(msg, buffers) {
    for (const [id, meta] of Object.entries(msg.waves || {})) this.waves.set(id, { ...decodeEnvelope(meta, buffers), key: msg.keys[id] });
    const loads = Object.entries(msg.thumbs || {}).map(([id, meta]) =>
      createImageBitmap(new Blob([buffers[meta.buffer]], { type: "image/jpeg" })).then((bitmap) => {
        this.thumbs.get(id)?.bitmap.close?.();
        this.thumbs.set(id, { ...meta, bitmap, key: msg.keys[id] });
      }));
    Promise.all(loads).then(() => this.redraw(), (err) => this.reportError(err));
    this.redraw();
  }

  drawMedia() {
    const tl = this.tl;
    if (!tl) return;
    const dpr = globalThis.devicePixelRatio || 1;
    const left = this.scroller.scrollLeft - 200;
    const width = this.scroller.clientWidth + 400;
    const col = this.colors();
    for (const el of this.lanes.querySelectorAll(".vnb-clip")) {
      const canvas = el.firstChild;
      const r = this.rects.find((x) => x.id === el.dataset.clipId);
      const span = r && visibleSpan(r.x, r.w, left, width);
      if (!span) {
        canvas.width = 0;
        continue;
      }
      const height = TRACK_HEIGHT - 4;
      Object.assign(canvas.style, { left: `${span.x}px`, width: `${span.w}px`, height: `${height}px` });
      canvas.width = Math.max(1, Math.round(span.w * dpr));
      canvas.height = Math.round(height * dpr);
      const g = canvas.getContext("2d");
      if (!g) continue;
      g.setTransform(dpr, 0, 0, dpr, 0, 0);
      const thumbs = tl.tracks[r.track].kind === "audio" ? undefined : this.thumbs.get(r.id);
      if (thumbs) {
        const tw = (height * thumbs.width) / thumbs.height;
        for (const s of thumbSlots(span.x, span.w, r.w, tw, thumbs.count)) {
          g.drawImage(thumbs.bitmap, s.index * thumbs.width, 0, thumbs.width, thumbs.height, s.x - span.x, 0, tw, height);
        }
      }
      const wave = this.waves.get(r.id);
      if (wave) {
        const band = thumbs ? height * 0.4 : height;
        const mid = height - band / 2;
        g.fillStyle = col.wave;
        for (let px = 0; px < span.w; px++) {
          const [lo, hi] = peakAt(wave.data, wave.shape[0], r.w, span.x + px);
          g.fillRect(px, mid - (hi * band) / 2, 1, Math.max(1, ((hi - lo) * band) / 2));
        }
      }
    }
  }

  // -- inspector --------------------------------------------------------------------

  renderInspector() {
    const ins = this.model.get("inspector") || {};
    if (this.inspectorEl.contains(document.activeElement) && ins.clip_id === this.inspectorClip) {
      this.inspectorStale = true; // do not pull the control from under the user's fingers
      return;
    }
    this.inspectorStale = false;
    this.inspectorClip = ins.clip_id;
    if (!ins.clip_id) {
      this.inspectorEl.replaceChildren(h("p", { class: "vnb-muted" }, this.L("no_selection")));
      return;
    }
    const send = (msg, final) => {
      if (!final) return this.sendDrag({ ...msg, key: (this.sliderKey ||= `slider-${Date.now()}`) });
      this.sendDrag.cancel();
      this.edit({ ...msg, final: true, key: this.sliderKey });
      this.sliderKey = null;
      return undefined;
    };
    const rows = ins.fields.map((f) => this.control(f, { "data-field": f.key }, (value, final) =>
      send({ op: "set", clip_id: ins.clip_id, field: f.key, value }, final), ins.locked));
    const effects = ins.effects.map((e) => h("fieldset", { class: "vnb-effect" },
      h("legend", {}, e.name, h("button", { class: "vnb-button", title: this.L("remove_effect"), disabled: ins.locked,
        onclick: () => this.edit({ op: "remove_effect", clip_id: ins.clip_id, index: e.index }) }, icon("close"))),
      e.params.map((p) => this.control(p, { "data-effect": e.index, "data-param": p.key }, (value, final) =>
        send({ op: "effect", clip_id: ins.clip_id, index: e.index, param: p.key, value }, final), ins.locked))));
    const add = h("select", { class: "vnb-add-effect", disabled: ins.locked, onchange: (ev) => {
      if (ev.target.value) this.edit({ op: "add_effect", clip_id: ins.clip_id, name: ev.target.value });
    } }, h("option", { value: "" }, this.L("add_effect")), ins.available_effects.map((n) => h("option", { value: n }, n)));
    this.inspectorEl.replaceChildren(
      h("h4", {}, ins.title), h("div", { class: "vnb-muted", title: ins.source }, `${this.L("source")}: ${ins.source}`),
      h("div", { class: "vnb-fields" }, rows), h("h4", {}, this.L("effects")), effects, add);
  }

  /** One labelled control; `send(value, final)` is called while it moves and when it is let go. */
  control(f, attrs, send, locked) {
    const guarded = (fn) => (e) => this.guard(() => fn(e));
    let input;
    if (f.type === "bool") {
      input = h("input", { type: "checkbox", checked: f.value, disabled: locked, ...attrs, onchange: guarded((e) => send(e.target.checked, true)) });
    } else if (f.type === "choice") {
      input = h("select", { disabled: locked, ...attrs, onchange: guarded((e) => send(e.target.value, true)) },
        f.options.map((o) => h("option", { value: o, selected: o === f.value }, o)));
    } else if (f.type === "number") {
      const number = h("input", { type: "number", value: f.value, step: f.step, min: f.min ?? "", max: f.max ?? "", disabled: locked, ...attrs,
        onchange: guarded((e) => Number.isFinite(e.target.valueAsNumber) && send(e.target.valueAsNumber, true)) });
      if (f.min === null || f.max === null || f.min === undefined || f.max === undefined) {
        input = number;
      } else {
        const range = h("input", { type: "range", min: f.min, max: f.max, step: f.step, value: f.value, disabled: locked, tabIndex: -1, ...attrs,
          oninput: guarded((e) => {
            number.value = e.target.value;
            send(e.target.valueAsNumber, false);
          }),
          onchange: guarded((e) => send(e.target.valueAsNumber, true)) });
        input = h("span", { class: "vnb-slider" }, range, number);
      }
    } else {
      input = h("input", { type: "text", value: f.value, disabled: locked, ...attrs, onchange: guarded((e) => send(e.target.value, true)) });
    }
    return h("label", { class: "vnb-field", title: f.doc || "" }, h("span", {}, f.label), input);
  }
}

function render({ model, el }) {
  const view = new EditorView(model, el);
  return () => view.destroy();
}

export default { render };
