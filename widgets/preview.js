/**
 * The preview: the frame at the playhead from the browser's frame cache or the kernel, the play
 * clock with its look-ahead requests, and painting (the picture, then the overlay over it).
 *
 * `Preview` is the editor's part that owns them: its elements, the frame queue and cache, the
 * play rate and clock; it draws the playhead through the timeline and the boxes through the
 * overlay (`ed`: the editor, editor.js).
 */

import { FrameCache, FrameQueue, frameKey, paintable, playTargets, smooth } from "./frames.js";
import { h } from "./dom.js";
import { clamp, frameOf, lastFrameTime, playTime, previewWidth } from "./logic.js";

/** Frame requests kept in flight while playing, and how many go together at least. */
export const PLAY_DEPTH = 6;
export const PLAY_BATCH = 1;

export class Preview {
  constructor(ed) {
    this.ed = ed;
    this.model = ed.model;
    this.frames = new FrameQueue((msg) => this.model.send(msg));
    this.cache = new FrameCache();
    this.latency = null; // the moving mean of frame round trips, ms
    this.shownKey = null;
    this.shownFrame = null;
    this.shownEntry = null;
    this.wantKey = null;
    this.rate = 0; // the play rate: 0 stopped, 1 forwards, -2 backwards twice as fast …
    this.img = h("img", { class: "vnb-frame", alt: "", dataset: { testid: "vnb-frame", frameIndex: "-1" } });
    this.el = h("div", { class: "vnb-preview", dataset: { testid: "vnb-preview" } },
      h("div", { class: "vnb-stage" }, this.img, ed.overlay.canvas));
  }

  destroy() {
    cancelAnimationFrame(this.raf);
    for (const url of [this.shownUrl, this.pendingUrl]) if (url) URL.revokeObjectURL(url);
  }

  /** The width the kernel renders frames at: the preview's width on screen, capped. */
  frameWidth() {
    return previewWidth(this.el.clientWidth || 640, globalThis.devicePixelRatio, this.model.get("preview_width"), this.ed.tl.width);
  }

  /** The frame index at the playhead (-1 for an empty project). */
  frameHere() {
    const tl = this.ed.tl;
    return tl.frames > 0 ? clamp(frameOf(this.ed.t, tl.fps), 0, tl.frames - 1) : -1;
  }

  /** Show the frame at the playhead: from the cache at once, else ask the kernel for it. */
  requestFrame() {
    const tl = this.ed.tl;
    if (!tl) return;
    const k = this.frameHere();
    const width = this.frameWidth();
    const key = frameKey(tl.content, k, width);
    this.wantKey = key;
    this.ed.frameEl.textContent = `${this.ed.L("frame")} ${Math.max(0, k)}`;
    if (this.rate !== 0) {
      this.playPump(k, width);
      return;
    }
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      this.frames.showing(key);
      if (key !== this.shownKey) this.paint(key, hit);
      // No round trip for the picture; Python still keeps the frame the playhead settles on.
      this.model.send({ kind: "settle", t: k >= 0 ? k / tl.fps : 0, width });
      return;
    }
    this.frames.want({ t: k >= 0 ? k / tl.fps : 0, width }, key);
  }

  /** While playing: keep PLAY_DEPTH requests in flight for the frames the clock reaches next. */
  playPump(k, width) {
    const tl = this.ed.tl;
    const items = [];
    for (const j of playTargets(k, this.rate, tl.fps, this.latency ?? 60, PLAY_DEPTH, tl.frames - 1)) {
      const key = frameKey(tl.content, j, width);
      if (!this.cache.has(key)) items.push({ request: { t: j / tl.fps, width }, key });
    }
    this.frames.ahead(items, PLAY_DEPTH, PLAY_BATCH);
  }

  /** A frame reply: kept in the cache; painted when it is still the one to show. */
  onFrame(msg, buffers) {
    const r = this.frames.receive(msg);
    if (r === null || msg.ok === false || !buffers?.length) return;
    if (this.rate !== 0) this.latency = smooth(this.latency, r.latency);
    const key = frameKey(msg.content ?? this.ed.tl?.content, msg.frame_index, r.request.width);
    const wanted = this.wantKey;
    const hadWanted = wanted !== null && this.cache.has(wanted);
    const entry = { blob: new Blob([buffers[0]], { type: "image/jpeg" }), frame_index: msg.frame_index, t: msg.t, boxes: msg.boxes ?? null };
    this.cache.set(key, entry);
    if (msg.content !== undefined && msg.content !== this.ed.tl?.content) return; // made before an edit
    if (this.rate !== 0) {
      const clock = this.frameHere();
      if (paintable(msg.frame_index, clock, this.shownFrame, this.rate)) this.paint(key, entry);
      this.playPump(clock, r.request.width);
    } else if (key === wanted || !hadWanted) {
      this.paint(key, entry); // the frame at the playhead, or one on the way to it (scrubbing)
    }
  }

  /** Put a frame on screen; its overlay is drawn once the picture has loaded. */
  paint(key, entry) {
    this.shownKey = key;
    this.shownFrame = entry.frame_index;
    this.frames.showing(key);
    const url = URL.createObjectURL(entry.blob);
    if (this.pendingUrl) URL.revokeObjectURL(this.pendingUrl);
    this.pendingUrl = url;
    this.img.onload = () => this.ed.guard(() => {
      if (this.shownUrl) URL.revokeObjectURL(this.shownUrl);
      this.shownUrl = url;
      this.pendingUrl = null;
      this.img.dataset.frameIndex = String(entry.frame_index);
      this.img.dataset.time = String(entry.t);
      this.img.dataset.content = key === null ? "" : key.slice(0, key.indexOf("|"));
      this.shownEntry = entry;
      this.ed.overlay.draw(entry);
    });
    this.img.src = url;
  }

  /** Play at `rate` (0: stop, on a whole frame). */
  setRate(rate) {
    const ed = this.ed;
    const tl = ed.tl;
    if (!tl || tl.frames === 0) rate = 0;
    if (rate > 0 && this.rate === 0 && ed.t >= lastFrameTime(tl)) ed.t = 0;
    this.rate = rate;
    this.t0 = ed.t;
    this.clock0 = performance.now();
    cancelAnimationFrame(this.raf);
    if (this.model.get("playing") !== (rate !== 0)) ed.commit("playing", rate !== 0);
    if (rate !== 0) {
      this.frames.drop();
      this.raf = requestAnimationFrame((now) => ed.guard(() => this.tick(now)));
    } else if (tl) {
      ed.setPlayhead(Math.floor(ed.t * tl.fps + 1e-6) / tl.fps, true);
    }
    ed.applyLabels();
  }

  /** One animation frame of playback: move the clock, paint the frame if it is here, ask ahead. */
  tick(now) {
    if (this.rate === 0) return;
    const ed = this.ed;
    const { t, ended } = playTime(this.t0, this.clock0, now, this.rate, lastFrameTime(ed.tl));
    ed.t = t;
    ed.timeline.drawPlayhead();
    const k = this.frameHere();
    const width = this.frameWidth();
    const key = frameKey(ed.tl.content, k, width);
    this.wantKey = key;
    if (key !== this.shownKey) {
      const hit = this.cache.get(key);
      if (hit !== undefined) this.paint(key, hit);
    }
    this.playPump(k, width);
    ed.timeline.follow(t);
    if (ended) this.setRate(0);
    else this.raf = requestAnimationFrame((n) => ed.guard(() => this.tick(n)));
  }
}
