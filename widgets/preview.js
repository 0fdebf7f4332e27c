/**
 * The preview: frame requests at the playhead, painting replies, the play clock.
 *
 * Methods of the editor's view (mixed into `EditorView` by editor.js).
 */

import { clamp, frameOf, lastFrameTime, playTime, previewWidth, timeToX, timecode } from "./logic.js";

export class PreviewView {
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
}
