/**
 * The preview: the frame at the playhead from the browser's frame cache or the kernel, the play
 * clock with its look-ahead requests, and painting (the picture, then the overlay over it).
 *
 * Methods of the editor's view (mixed into `EditorView` by editor.js).
 */

import { FrameCache, FrameQueue, frameKey, paintable, playTargets, smooth } from "./frames.js";
import { clamp, frameOf, lastFrameTime, playTime, previewWidth, timeToX } from "./logic.js";

/** Frame requests kept in flight while playing, and how many go together at least. */
export const PLAY_DEPTH = 6;
export const PLAY_BATCH = 1;

export class PreviewView {
  // -- preview ----------------------------------------------------------------------

  initPreview() {
    this.frames = new FrameQueue((msg) => this.model.send(msg));
    this.cache = new FrameCache();
    this.latency = null; // the moving mean of frame round trips, ms
    this.shownKey = null;
    this.shownFrame = null;
    this.wantKey = null;
  }

  /** The width the kernel renders frames at: the preview's width on screen, capped. */
  frameWidth() {
    return previewWidth(this.previewEl.clientWidth || 640, globalThis.devicePixelRatio, this.model.get("preview_width"), this.tl.width);
  }

  /** The frame index at the playhead (-1 for an empty project). */
  frameHere() {
    const tl = this.tl;
    return tl.frames > 0 ? clamp(frameOf(this.t, tl.fps), 0, tl.frames - 1) : -1;
  }

  /** Show the frame at the playhead: from the cache at once, else ask the kernel for it. */
  requestFrame() {
    const tl = this.tl;
    if (!tl) return;
    const k = this.frameHere();
    const width = this.frameWidth();
    const key = frameKey(tl.content, k, width);
    this.wantKey = key;
    this.frameEl.textContent = `${this.L("frame")} ${Math.max(0, k)}`;
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
    const tl = this.tl;
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
    const key = frameKey(msg.content ?? this.tl?.content, msg.frame_index, r.request.width);
    const wanted = this.wantKey;
    const hadWanted = wanted !== null && this.cache.has(wanted);
    const entry = { blob: new Blob([buffers[0]], { type: "image/jpeg" }), frame_index: msg.frame_index, t: msg.t, boxes: msg.boxes ?? null };
    this.cache.set(key, entry);
    if (msg.content !== undefined && msg.content !== this.tl?.content) return; // made before an edit
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
    this.img.onload = () => this.guard(() => {
      if (this.shownUrl) URL.revokeObjectURL(this.shownUrl);
      this.shownUrl = url;
      this.pendingUrl = null;
      this.img.dataset.frameIndex = String(entry.frame_index);
      this.img.dataset.time = String(entry.t);
      this.img.dataset.content = key === null ? "" : key.slice(0, key.indexOf("|"));
      this.shownEntry = entry;
      this.drawOverlay?.(entry);
    });
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
      this.frames.drop();
      this.raf = requestAnimationFrame((now) => this.guard(() => this.tick(now)));
    } else if (tl) {
      this.setPlayhead(Math.floor(this.t * tl.fps + 1e-6) / tl.fps, true);
    }
    this.applyLabels();
  }

  /** One animation frame of playback: move the clock, paint the frame if it is here, ask ahead. */
  tick(now) {
    if (this.rate === 0) return;
    const { t, ended } = playTime(this.t0, this.clock0, now, this.rate, lastFrameTime(this.tl));
    this.t = t;
    this.drawPlayhead();
    const k = this.frameHere();
    const width = this.frameWidth();
    const key = frameKey(this.tl.content, k, width);
    this.wantKey = key;
    if (key !== this.shownKey) {
      const hit = this.cache.get(key);
      if (hit !== undefined) this.paint(key, hit);
    }
    this.playPump(k, width);
    const x = timeToX(t, this.zoom) - this.scroller.scrollLeft;
    if (x < 0 || x > this.scroller.clientWidth - 20) this.scroller.scrollLeft = Math.max(0, timeToX(t, this.zoom) - 40);
    if (ended) this.setRate(0);
    else this.raf = requestAnimationFrame((n) => this.guard(() => this.tick(n)));
  }
}
