/**
 * The editor's pure logic: time↔pixel mapping, frames and timecode, track rows, clip layout
 * and hit-testing, snapping, trimming limits, zoom, ruler steps, thumbnail slots, waveform
 * columns, binary envelopes, key mapping, playback clock, debounce, label filling.
 *
 * No DOM: imported by the view modules and by `node --test widgets/test/`.
 */

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

/**
 * The tracks' rows, top row first, as every NLE draws them: the picture's tracks (video and
 * text) from the top of the stack down (the last one is on top of the picture), then the
 * audio tracks in order (the first one just under the picture).
 * @param {{kind: string}[]} tracks the timeline's tracks, in project order
 * @returns {number[]} the track index of each row
 */
export function trackRows(tracks) {
  const picture = [];
  const audio = [];
  tracks.forEach((t, i) => (t.kind === "audio" ? audio : picture).push(i));
  return [...picture.reverse(), ...audio];
}

/** The row (0: top) track `index` is drawn in, given `rows` from `trackRows`; -1: none. */
export const rowOf = (index, rows) => rows.indexOf(index);

/** The track index under `y` (pixels below the ruler), given `rows` from `trackRows`; or -1. */
export function trackAt(y, rows) {
  const row = Math.floor(y / TRACK_HEIGHT);
  return row < 0 || row >= rows.length ? -1 : rows[row];
}

/**
 * @typedef {{id: string, track: number, x: number, y: number, w: number, h: number}} Rect
 * @returns {Rect[]} every clip's box, in content pixels below the ruler
 */
export function layoutClips(tl, zoom) {
  const rows = trackRows(tl.tracks);
  const out = [];
  for (const [i, track] of tl.tracks.entries()) {
    for (const c of track.clips) {
      out.push({
        id: c.id, track: i, x: c.start * zoom,
        y: rowOf(i, rows) * TRACK_HEIGHT,
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

/**
 * A slider for a value that spans decades (speed 0.1–100, volume 0–10): slider positions
 * 0…1 map to min…max along min + c·((1 + (max − min)/c)^p − 1), which puts `mid` (1.0: the
 * speed or volume that changes nothing) at the middle, is close to logarithmic above it and
 * still reaches a `min` of 0. `mid` must lie in the lower half of [min, max]; otherwise
 * (or when max ≤ min, or `mid` is missing) the mapping is linear. The inspector takes all three
 * from Python's controls (the `inspector` trait).
 * @returns {{toPosition: (v: number) => number, toValue: (p: number) => number}}
 */
export function logSlider(min, max, mid) {
  const span = max - min;
  const d = mid - min;
  if (!(span > 0) || !(d > 0) || !(span > 2 * d)) {
    return {
      toPosition: (v) => (span > 0 ? clamp((v - min) / span, 0, 1) : 0),
      toValue: (p) => min + clamp(p, 0, 1) * Math.max(span, 0),
    };
  }
  const c = (d * d) / (span - 2 * d); // solves toValue(0.5) === mid
  const base = Math.log1p(span / c);
  return {
    toPosition: (v) => clamp(Math.log1p(Math.max(v - min, 0) / c) / base, 0, 1),
    toValue: (p) => clamp(min + c * Math.expm1(clamp(p, 0, 1) * base), min, max),
  };
}

/** `v` rounded to a multiple of `step`, without float noise (0.3, not 0.30000000000000004). */
export function roundToStep(v, step) {
  if (!(step > 0)) return v;
  const digits = Math.min(12, Math.max(0, Math.ceil(-Math.log10(step))) + 2);
  return Number((Math.round(v / step) * step).toFixed(digits));
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

/**
 * Whether a key pressed in one of the editor's fields (input, select) is the field's own:
 * typing, Enter (which commits the value), arrows, Home/End, Backspace/Delete. JupyterLab's
 * command mode would take them otherwise (Enter opens the cell's editor and the value is
 * never committed; arrows move between cells). Escape, Tab and keys with Ctrl, Alt or Meta
 * (Shift+Enter: run the cell) stay JupyterLab's.
 */
export function fieldKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return false;
  if (e.key === "Enter") return !e.shiftKey;
  return e.key.length === 1 || ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown", "Backspace", "Delete"].includes(e.key);
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

// -- keyframes (the inspector's key buttons, the timeline's diamonds, the curve view) --------
// Keys come from Python (`inspector` trait: `anim.keys`, clip time in seconds, snapped to
// frames); so do the values between them (`anim.curve`: `clip.value_at` on clip frames), so
// no easing is computed here.

/** The clip time (s, on the frame grid) of the frame shown at timeline time `t`. */
export const clipTimeAt = (t, start, fps) => (frameOf(t, fps) - Math.round(start * fps)) / fps;

/** Whether clip time `ct` is a frame of a clip lasting `duration` seconds. */
export const insideClip = (ct, duration, fps) => ct > -0.5 / fps && ct < duration - 0.5 / fps;

/** The index of the key on the frame of clip time `ct`, or -1. */
export function keyIndexAt(keys, ct, fps) {
  return (keys || []).findIndex((k) => Math.abs(k.t - ct) < 0.5 / fps);
}

/** The index of the last key at or before clip time `ct` (same frame counts), or -1. */
export function keyIndexBefore(keys, ct, fps) {
  let found = -1;
  (keys || []).forEach((k, i) => {
    if (k.t < ct + 0.5 / fps && (found < 0 || k.t >= keys[found].t)) found = i;
  });
  return found;
}

/** The clip time of the nearest key strictly before (`dir` -1) or after (+1) `ct`, or null. */
export function neighbourKey(keys, ct, fps, dir) {
  let best = null;
  for (const k of keys || []) {
    const ahead = dir > 0 ? k.t > ct + 0.5 / fps : k.t < ct - 0.5 / fps;
    if (ahead && (best === null || (dir > 0 ? k.t < best : k.t > best))) best = k.t;
  }
  return best;
}

/**
 * The value of a curve `{step, values}` (values[i] at clip time i·step) at clip time `ct`:
 * the sample itself on a sampled frame, linear between samples, the end values outside.
 */
export function curveValue(curve, ct) {
  const v = curve.values;
  if (!v.length) return undefined;
  const x = clamp(ct / curve.step, 0, v.length - 1);
  const i = Math.floor(x + 1e-9);
  const f = x - i;
  return f < 1e-9 || i + 1 >= v.length ? v[i] : v[i] + (v[i + 1] - v[i]) * f;
}

/**
 * The curve view's drawing: `points` for an SVG polyline of the values over a clip lasting
 * `duration` seconds in a `width`×`height` box (`pad` pixels kept free above and below), the
 * value range drawn, and `x(ct)`, `y(value)` to place the keys and the playhead.
 */
export function curveGeometry(curve, duration, width, height, pad = 4) {
  const v = curve.values;
  let lo = Math.min(...v);
  let hi = Math.max(...v);
  if (hi - lo < 1e-9) {
    lo -= 1;
    hi += 1;
  }
  const x = (ct) => clamp(ct / Math.max(duration, 1e-9), 0, 1) * width;
  const y = (value) => pad + (1 - (value - lo) / (hi - lo)) * (height - 2 * pad);
  const round = (n) => Math.round(n * 100) / 100;
  const points = v.map((value, i) => `${round(x(i * curve.step))},${round(y(value))}`);
  if (v.length === 1 || (v.length - 1) * curve.step < duration) points.push(`${round(width)},${round(y(v[v.length - 1]))}`);
  return { points: points.join(" "), lo, hi, x, y };
}
