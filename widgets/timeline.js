/**
 * The timeline: tracks, clips with thumbnails and waveforms, ruler, markers, playhead; zoom;
 * the pointer (select, move, trim, scrub).
 *
 * The keys of the property selected in the inspector show as diamonds on the selected clip;
 * dragging one moves the key in time (one edit, sent when it is let go).
 *
 * `Timeline` is the editor's part that owns them: its elements, the zoom, the drag in progress,
 * the clips' boxes, thumbnails and waveforms. It moves the playhead and sends edits through the
 * editor (`ed`, editor.js).
 */

import { h, icon } from "./dom.js";
import {
  DEBOUNCE_MS, RULER_HEIGHT, SNAP_PX, THUMB_HEIGHT, TRACK_HEIGHT, clamp, clampTrim, decodeEnvelope, frameOf, hitTest,
  lastFrameTime, layoutClips, mediaWanted, peakAt, rowOf, rulerStep, snapSpan, snapTargets, snapTime,
  debounce, snapToFrame, thumbSlots, timeToX, timecode, trackAt, trackRows, visibleSpan, xToTime, zoomAt,
} from "./logic.js";

export class Timeline {
  constructor(ed) {
    this.ed = ed;
    this.model = ed.model;
    this.tl = undefined; // the `timeline` trait as last drawn
    this.zoom = ed.model.get("zoom");
    this.drag = null;
    this.rects = [];
    this.rows = [];
    this.thumbs = new Map();
    this.waves = new Map();
    this.asked = new Map();
    this.saveView = debounce(() => {
      this.model.set("zoom", this.zoom);
      this.model.set("scroll", this.scroller.scrollLeft / this.zoom);
      this.model.save_changes();
    }, DEBOUNCE_MS);
    this.askMedia = debounce(() => this.requestMedia(), 400);
    const on = (fn) => (e) => ed.guard(() => fn(e));
    this.headers = h("div", { class: "vnb-headers" });
    this.ruler = h("canvas", { class: "vnb-ruler", dataset: { testid: "vnb-ruler" } });
    this.markersEl = h("div", { class: "vnb-markers" });
    this.lanes = h("div", { class: "vnb-lanes" });
    this.playhead = h("div", { class: "vnb-playhead", dataset: { testid: "vnb-playhead" } }, h("div", { class: "vnb-playhead-handle" }));
    this.content = h("div", { class: "vnb-content" }, this.ruler, this.markersEl, this.lanes, this.playhead);
    this.scroller = h("div", { class: "vnb-scroll", dataset: { testid: "vnb-timeline" } }, this.content);
    this.content.addEventListener("pointerdown", on((e) => this.onPointerDown(e)));
    this.content.addEventListener("pointermove", on((e) => this.onPointerMove(e)));
    this.content.addEventListener("pointerup", on((e) => this.onPointerUp(e)));
    this.content.addEventListener("pointercancel", on((e) => this.onPointerUp(e)));
    this.scroller.addEventListener("wheel", on((e) => this.onWheel(e)), { passive: false });
    this.scroller.addEventListener("scroll", on(() => {
      this.redraw();
      this.saveView();
    }));
  }

  destroy() {
    this.saveView.cancel();
    this.askMedia.cancel();
  }

  /** Scroll to the `scroll` trait (the time at the left edge). */
  restoreScroll() {
    this.scroller.scrollLeft = this.model.get("scroll") * this.zoom;
  }

  /** The `zoom` trait changed: zoom there unless the view already is. */
  zoomTo(zoom) {
    if (Math.abs(zoom - this.zoom) > 1e-9) this.setZoom(zoom, 0, false);
  }

  /** Mark clip `id` as the selected one (the `selection` trait). */
  select(id) {
    for (const c of this.lanes.querySelectorAll(".vnb-clip")) c.classList.toggle("vnb-selected", c.dataset.clipId === id);
  }

  /** While playing: keep the playhead at `t` in view. */
  follow(t) {
    const x = timeToX(t, this.zoom) - this.scroller.scrollLeft;
    if (x < 0 || x > this.scroller.clientWidth - 20) this.scroller.scrollLeft = Math.max(0, timeToX(t, this.zoom) - 40);
  }

  zoomBy(factor) {
    const x = timeToX(this.ed.t, this.zoom) - this.scroller.scrollLeft;
    this.setZoom(this.zoom * factor, clamp(x, 0, this.scroller.clientWidth));
  }

  setZoom(zoom, anchorX, save = true) {
    const next = zoomAt(this.zoom, this.scroller.scrollLeft, anchorX, zoom / this.zoom);
    this.zoom = next.zoom;
    this.render();
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
    this.ed.root.focus({ preventScroll: true });
    const { x, y } = this.point(e);
    const marker = e.target.closest?.(".vnb-marker");
    if (marker) return this.ed.setPlayhead(Number(marker.dataset.time), true);
    const diamond = e.target.closest?.(".vnb-key");
    if (diamond) return this.grabKey(e, diamond, x);
    const hit = y >= RULER_HEIGHT && !e.target.closest?.(".vnb-playhead") ? hitTest(this.rects, x, y - RULER_HEIGHT) : null;
    this.content.setPointerCapture?.(e.pointerId);
    if (hit === null) {
      if (y >= RULER_HEIGHT && !e.target.closest?.(".vnb-playhead") && this.model.get("selection")) this.ed.commit("selection", "");
      this.drag = { mode: "scrub" };
      return this.ed.setPlayhead(snapToFrame(xToTime(x, this.zoom), this.tl.fps), false);
    }
    if (hit.id !== this.model.get("selection")) this.ed.commit("selection", hit.id);
    const track = this.tl.tracks[hit.track];
    const clip = track.clips.find((c) => c.id === hit.id);
    if (track.locked) return undefined;
    this.drag = {
      mode: hit.part === "body" ? "move" : "trim", edge: hit.part, clip, track: hit.track, x0: x,
      grab: xToTime(x, this.zoom) - (hit.part === "end" ? clip.start + clip.duration : clip.start), moved: false, key: `drag-${Date.now()}-${this.ed.editId}`,
      targets: snapTargets(this.tl, { exclude: clip.id, playhead: this.ed.t }),
      start: clip.start, end: clip.start + clip.duration, to: hit.track,
    };
    return undefined;
  }

  onPointerMove(e) {
    const d = this.drag;
    if (d === null) return;
    const { x, y } = this.point(e);
    const fps = this.tl.fps;
    if (d.mode === "scrub") return this.ed.setPlayhead(snapToFrame(xToTime(x, this.zoom), fps), false);
    if (d.mode === "key") return this.dragKey(d, x);
    if (!d.moved && Math.abs(x - d.x0) < 3 && !(d.mode === "move" && trackAt(y - RULER_HEIGHT, this.rows) !== d.track)) return undefined;
    d.moved = true;
    const threshold = this.model.get("snap") && !e.altKey ? SNAP_PX / this.zoom : 0;
    const duration = d.clip.duration;
    if (d.mode === "move") {
      const s = snapSpan(Math.max(0, xToTime(x, this.zoom) - d.grab), duration, d.targets, threshold);
      d.start = Math.max(0, snapToFrame(s.start, fps));
      d.end = d.start + duration;
      const over = this.tl.tracks[trackAt(y - RULER_HEIGHT, this.rows)];
      if (over && over.kind === this.tl.tracks[d.track].kind && !over.locked) d.to = over.index;
      this.ed.sendDrag({ op: "move", clip_id: d.clip.id, start: d.start, track: d.to, key: d.key });
    } else {
      const wanted = snapTime(xToTime(x, this.zoom) - d.grab, d.targets, threshold).t;
      const t = snapToFrame(clampTrim(d.clip, d.edge, wanted, fps), fps);
      if (d.edge === "start") d.start = t;
      else d.end = t;
      this.ed.sendDrag({ op: "trim", clip_id: d.clip.id, [d.edge]: t, key: d.key });
    }
    this.applyGhost();
    return undefined;
  }

  onPointerUp(e) {
    const d = this.drag;
    const fps = this.tl?.fps || 30;
    this.drag = null;
    this.content.releasePointerCapture?.(e.pointerId);
    if (d === null) return;
    if (d.mode === "scrub") {
      this.ed.setPlayhead(this.ed.t, true);
      return;
    }
    this.ed.sendDrag.cancel();
    if (!d.moved) return;
    if (d.mode === "key") {
      if (Math.abs(d.to - d.from) > 0.5 / fps) this.ed.edit({ op: "key_move", clip_id: d.clip.id, path: d.path, t: d.from, to: d.to });
      else this.drawKeys();
      return;
    }
    if (d.mode === "move") this.ed.edit({ op: "move", clip_id: d.clip.id, start: d.start, track: d.to, key: d.key, final: true });
    else this.ed.edit({ op: "trim", clip_id: d.clip.id, [d.edge]: d.edge === "start" ? d.start : d.end, key: d.key, final: true });
  }

  /** Start dragging the key drawn as `diamond` (on the selected clip). */
  grabKey(e, diamond, x) {
    const sel = this.ed.inspector.selectedKeys();
    const clip = this.tl.tracks.flatMap((tr) => tr.clips).find((c) => c.id === diamond.dataset.clipId);
    if (!sel || !clip || sel.locked) return;
    this.content.setPointerCapture?.(e.pointerId);
    const from = Number(diamond.dataset.t);
    this.drag = { mode: "key", clip, path: sel.path, from, to: from, x0: x, grab: xToTime(x, this.zoom) - (clip.start + from), el: diamond, moved: false };
  }

  /** Move a dragged diamond to the frame under the pointer, inside its clip. */
  dragKey(d, x) {
    if (!d.moved && Math.abs(x - d.x0) < 3) return;
    d.moved = true;
    const fps = this.tl.fps;
    d.to = clamp(snapToFrame(xToTime(x, this.zoom) - d.grab - d.clip.start, fps), 0, snapToFrame(d.clip.duration, fps));
    d.el.style.left = `${timeToX(d.to, this.zoom)}px`;
    d.el.classList.add("vnb-dragging");
    d.el.dataset.to = String(d.to);
  }

  /** Draw the diamonds of the inspector's selected property on the selected clip. */
  drawKeys() {
    for (const old of this.lanes.querySelectorAll(".vnb-key")) old.remove();
    const sel = this.ed.inspector.selectedKeys();
    if (!sel) return;
    const el = this.lanes.querySelector(`.vnb-clip[data-clip-id="${CSS.escape(sel.clipId)}"]`);
    if (!el) return;
    for (const k of sel.keys) {
      el.append(h("div", {
        class: "vnb-key", title: `${sel.path} = ${k.value} @ ${k.t.toFixed(3)} s`,
        dataset: { testid: "vnb-key", clipId: sel.clipId, path: sel.path, t: k.t, value: k.value },
        style: { left: `${timeToX(k.t, this.zoom)}px` },
      }));
    }
  }

  /** Show the dragged clip where the drag has it (until the project says where it is). */
  applyGhost() {
    const d = this.drag;
    if (!d || d.mode === "scrub" || d.mode === "key" || !d.moved) return;
    const el = this.lanes.querySelector(`.vnb-clip[data-clip-id="${CSS.escape(d.clip.id)}"]`);
    if (!el) return;
    el.classList.add("vnb-dragging");
    el.style.left = `${timeToX(d.start, this.zoom)}px`;
    el.style.width = `${Math.max(2, timeToX(d.end - d.start, this.zoom))}px`;
    const row = rowOf(d.to, this.rows) - rowOf(d.track, this.rows);
    el.style.transform = row ? `translateY(${row * TRACK_HEIGHT}px)` : "";
  }

  // -- timeline drawing -------------------------------------------------------------

  render() {
    const tl = this.model.get("timeline");
    if (!tl || !tl.tracks) return;
    this.tl = tl;
    const n = tl.tracks.length;
    const zoom = this.zoom;
    const viewW = this.scroller.clientWidth || 800;
    this.content.style.width = `${Math.max(viewW, timeToX(tl.duration, zoom) + viewW / 2)}px`;
    this.content.style.height = `${RULER_HEIGHT + Math.max(1, n) * TRACK_HEIGHT}px`;
    this.rects = layoutClips(tl, zoom);
    this.rows = trackRows(tl.tracks);
    const selected = this.model.get("selection");
    const lanes = [];
    const headers = [h("div", { class: "vnb-header-spacer" })];
    for (const [row, index] of this.rows.entries()) {
      const track = tl.tracks[index];
      headers.push(this.trackHeader(track));
      const lane = h("div", {
        class: `vnb-track vnb-kind-${track.kind}${track.locked ? " vnb-locked" : ""}${track.hidden ? " vnb-hidden" : ""}`,
        dataset: { testid: "vnb-track", trackIndex: index, trackId: track.id, kind: track.kind, row },
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
    if (n === 0) lanes.push(h("div", { class: "vnb-empty" }, this.ed.L("empty_project")));
    this.lanes.replaceChildren(...lanes);
    this.headers.replaceChildren(...headers);
    this.markersEl.replaceChildren(...(tl.markers || []).map((m) => h("div", {
      class: "vnb-marker", title: `${m.label ? `${m.label} — ` : ""}${this.ed.L("remove_marker")}`,
      dataset: { testid: "vnb-marker", index: m.index, time: m.time },
      style: { left: `${timeToX(m.time, zoom)}px`, "--vnb-marker-color": m.color },
      oncontextmenu: (e) => {
        e.preventDefault();
        this.ed.edit({ op: "remove_marker", index: m.index });
      },
    })));
    this.playhead.style.height = `${RULER_HEIGHT + n * TRACK_HEIGHT}px`;
    this.ed.t = clamp(this.ed.t, 0, lastFrameTime(tl));
    this.drawPlayhead();
    this.applyGhost();
    this.drawKeys();
    this.redraw();
    this.askMedia();
  }

  trackHeader(track) {
    const toggle = (field, testid, onKey, offKey, onIcon, offIcon) => h("button", {
      class: `vnb-button vnb-toggle${track[field] ? " vnb-on" : ""}`, dataset: { testid },
      title: this.ed.L(track[field] ? offKey : onKey), onmousedown: (e) => e.preventDefault(),
      onclick: () => this.ed.edit({ op: "track", index: track.index, field, value: !track[field] }),
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
    this.playhead.style.left = `${timeToX(this.ed.t, this.zoom)}px`;
    this.playhead.dataset.time = String(this.ed.t);
    if (this.tl) {
      this.ed.timecodeEl.textContent = timecode(this.ed.t, this.tl.fps);
      this.ed.frameEl.textContent = `${this.ed.L("frame")} ${frameOf(this.ed.t, this.tl.fps)}`;
    }
    this.ed.inspector.atPlayhead();
  }

  /** Redraw what depends on the scroll position (ruler, clip media), once per frame. */
  redraw() {
    if (this.redrawing) return;
    this.redrawing = true;
    requestAnimationFrame(() => {
      this.redrawing = false;
      if (this.scroller.clientWidth === 0) return; // not laid out (hidden, or restyling)
      this.ed.guard(() => {
        this.drawRuler();
        this.drawMedia();
      });
    });
  }

  colors() {
    const css = getComputedStyle(this.ed.root);
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
    Promise.all(loads).then(() => this.redraw(), (err) => this.ed.reportError(err));
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
}
