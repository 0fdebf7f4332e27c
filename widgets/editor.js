/**
 * vnb editor: preview on top, inspector beside it, toolbar, timeline below, error area.
 *
 * The entry module. The editor is split into plain ES modules beside this one:
 *   logic.js      pure: time↔pixel mapping, frames, snapping, hit-testing, keys, playback clock
 *   frames.js     pure: the frame request queue, the frame cache, playback look-ahead
 *   overlay.js    pure geometry of the detection overlay, and its drawing
 *   dom.js        element and icon helpers
 *   preview.js, timeline.js, inspector.js, overlay.js   the parts of the editor: `Preview`,
 *                 `Timeline`, `Inspector`, `Overlay`, each an object with its own elements and
 *                 state, made by `EditorView` with a reference to it (`ed`)
 * `EditorView` holds what the parts share (the model, the playhead time `t`, the error area,
 * the toolbar) and calls them by name (`this.timeline.render()`, `this.preview.requestFrame()`);
 * a part reaches another through the editor (`this.ed.overlay.draw(entry)`).
 * node imports them in place (`node --test widgets/test/`); for the browser, `npm run build`
 * bundles them with esbuild (`index.js` → vnb/notebook/static/editor.js and editor.css). No
 * module's top level touches the DOM.
 *
 * Traits (Python `vnb.notebook.editor.Editor`): timeline, playhead, playing, selection, zoom,
 * scroll, snap, inspector, undo, labels, language, error, preview_width, frame_jpeg,
 * frame_index, overlays, selected_track. Messages: see that module's docstring.
 *
 * Stable hooks for browser tests (`data-testid` unless said otherwise):
 *   vnb-editor         the root (.vnb-editor); focus it for the keyboard shortcuts
 *   vnb-preview        the preview box
 *   vnb-frame          the <img> of the frame; `data-frame-index` is the number of the frame
 *                      painted (set once the picture has loaded), `data-time` its time,
 *                      `data-content` the project's content key it was made from
 *   vnb-timecode       HH:MM:SS:FF of the playhead; vnb-frame-number: its frame number
 *   buttons            vnb-play vnb-home vnb-prev-frame vnb-next-frame vnb-end vnb-split
 *                      vnb-delete vnb-marker-add vnb-undo vnb-redo vnb-zoom-in vnb-zoom-out
 *                      vnb-zoom-fit vnb-snap
 *   vnb-timeline       the horizontally scrolling timeline (.vnb-scroll)
 *   vnb-ruler          the ruler canvas (click or drag to seek)
 *   vnb-playhead       the playhead (.vnb-playhead), `data-time`; drag it to scrub
 *   vnb-track          a lane: `data-track-index`, `data-track-id`, `data-kind`, `data-row`
 *                      (0: top; the picture's tracks top-down, then the audio tracks)
 *   vnb-track-header   its header; buttons vnb-track-lock, vnb-track-mute, vnb-track-hide
 *   vnb-clip           a clip (.vnb-clip): `data-clip-id`, `data-track-index`; .vnb-selected
 *   vnb-clip-edge-start, vnb-clip-edge-end   its trim handles (.vnb-edge)
 *   vnb-marker         a marker: `data-index`, `data-time` (right-click removes it)
 *   .vnb-title         a title or subtitle cue on a text track; .vnb-transition a transition
 *   vnb-inspector      the inspector; inputs carry `data-field` (clip fields) or
 *                      `data-effect` and `data-param`; a range of a value spanning decades
 *                      has `data-scale="log"` (positions 0…1000); vnb-field-error: the note
 *                      under a control saying why its value was refused (`data-control`);
 *                      vnb-effect: an effect (`data-index`, `data-name`), its
 *                      vnb-effect-remove button; vnb-add-effect: the list of effects to add
 *   vnb-key-toggle     beside an animatable control (`data-path`): add/remove the key at
 *                      the playhead, `data-on` "true" when one is there; vnb-key-prev,
 *                      vnb-key-next: go to the previous/next key; vnb-key-easing: the easing
 *                      of the key at or before the playhead (selected property)
 *   vnb-curve          the selected property's curve (an SVG, `data-path`)
 *   vnb-key            a diamond on the selected clip: `data-path`, `data-t` (clip time),
 *                      `data-value`; drag it to move the key
 *   vnb-error          the error area (.vnb-error, hidden when empty); vnb-error-dismiss
 *   vnb-overlay        the canvas of detection boxes over the frame: `data-boxes` (how many),
 *                      `data-frame-index` (whose), `data-json` ([track, class, x, y, w, h] in
 *                      picture pixels), `data-selected` (the selected track id); click a
 *                      box to select its track
 *   vnb-overlay-filters  per overlay: vnb-overlay-class checkboxes (`data-class-name`) and
 *                      the vnb-overlay-min-score slider
 */

import { INPUTS, h, icon } from "./dom.js";
import { Inspector } from "./inspector.js";
import { DEBOUNCE_MS, clamp, debounce, fieldKey, fill, fitZoom, keyAction, lastFrameTime, nextRate, snapToFrame } from "./logic.js";
import { Overlay } from "./overlay.js";
import { Preview } from "./preview.js";
import { Timeline } from "./timeline.js";

class EditorView {
  constructor(model, el) {
    this.model = model;
    this.el = el;
    this.t = model.get("playhead"); // the playhead, seconds (the timeline draws it, the preview shows its frame)
    this.editId = 1;
    this.handlers = [];
    this.savePlayhead = debounce(() => this.commit("playhead", this.t), DEBOUNCE_MS);
    this.sendDrag = debounce((msg) => this.edit({ ...msg, final: false }), DEBOUNCE_MS);
    this.overlay = new Overlay(this);
    this.preview = new Preview(this);
    this.inspector = new Inspector(this);
    this.timeline = new Timeline(this);
    this.build();
    for (const name of ["timeline", "playhead", "selection", "inspector", "undo", "labels", "error", "snap", "zoom", "preview_width", "selected_track", "overlays"]) {
      this.listen(`change:${name}`, () => this.onTrait(name));
    }
    this.listen("msg:custom", (msg, buffers) => this.onMessage(msg, buffers));
    this.applyLabels();
    this.timeline.render();
    this.timeline.restoreScroll();
    this.inspector.render();
    this.overlay.renderFilters();
    this.showError();
    const jpeg = model.get("frame_jpeg");
    if (jpeg && jpeg.byteLength) this.preview.paint(null, { blob: new Blob([jpeg], { type: "image/jpeg" }), frame_index: model.get("frame_index"), t: this.t });
    this.preview.requestFrame();
  }

  /** The timeline as last drawn (the `timeline` trait), or undefined before the first. */
  get tl() {
    return this.timeline.tl;
  }

  listen(event, fn) {
    const guarded = (...a) => this.guard(() => fn(...a));
    this.model.on(event, guarded);
    this.handlers.push([event, guarded]);
  }

  destroy() {
    for (const [event, fn] of this.handlers) this.model.off(event, fn);
    for (const d of [this.savePlayhead, this.sendDrag]) d.cancel();
    this.preview.destroy();
    this.timeline.destroy();
    this.resizeObserver?.disconnect();
    this.themeObserver?.disconnect();
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

  /** Move the playhead to `t`: drawn at once, saved (now, or debounced while dragging), its frame shown. */
  setPlayhead(t, commit) {
    const tl = this.tl;
    this.t = clamp(t, 0, tl ? lastFrameTime(tl) : 0);
    this.timeline.drawPlayhead();
    if (commit) {
      this.savePlayhead.cancel();
      this.commit("playhead", this.t); // before the frame request: Python keeps a settled frame
    } else {
      this.savePlayhead();
    }
    this.preview.requestFrame();
  }

  // -- building ---------------------------------------------------------------------

  build() {
    const on = (fn) => (e) => this.guard(() => fn(e));
    const button = (testid, key, name, fn) =>
      h("button", { class: "vnb-button", dataset: { testid, label: key }, onmousedown: (e) => e.preventDefault(), onclick: on(fn) }, icon(name));
    const tline = this.timeline;
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
      button("vnb-zoom-out", "zoom_out", "zoomOut", () => tline.zoomBy(1 / 1.5)),
      button("vnb-zoom-in", "zoom_in", "zoomIn", () => tline.zoomBy(1.5)),
      button("vnb-zoom-fit", "zoom_fit", "fit", () => tline.setZoom(fitZoom(this.tl.duration, tline.scroller.clientWidth), 0)),
      this.snapButton);
    this.root = h("div", { class: "vnb-editor", tabIndex: 0, dataset: { testid: "vnb-editor", lmSuppressShortcuts: "true" } },
      this.errorBox,
      h("div", { class: "vnb-top" }, this.preview.el, h("div", { class: "vnb-side" }, this.inspector.el, this.overlay.panel)),
      toolbar,
      h("div", { class: "vnb-body" }, tline.headers, tline.scroller));
    this.el.append(this.root);
    this.root.addEventListener("keydown", on((e) => this.onKey(e)));
    this.root.addEventListener("pointerdown", (e) => {
      if (!INPUTS.has(e.target.tagName)) this.root.focus({ preventScroll: true });
    });
    if (typeof ResizeObserver !== "undefined") {
      this.resizeObserver = new ResizeObserver(() => this.guard(() => {
        if (!this.laidOut && tline.scroller.clientWidth > 0) {
          this.laidOut = true; // the first real layout: size the content, restore the scroll
          tline.render();
          tline.restoreScroll();
        }
        tline.redraw();
        this.preview.requestFrame();
        this.overlay.draw();
      }));
      this.resizeObserver.observe(tline.scroller);
    }
    if (typeof MutationObserver !== "undefined") {
      // JupyterLab marks its theme on <body>: canvases are redrawn in the new colours, once
      // the new stylesheet has settled (during the switch the layout is briefly empty).
      this.themeObserver = new MutationObserver(() => setTimeout(() => tline.redraw(), 300));
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
    const rate = this.preview.rate;
    this.playButton.replaceChildren(icon(rate === 0 ? "play" : "pause"));
    this.playButton.title = this.L(rate === 0 ? "play" : "pause");
    this.snapButton.classList.toggle("vnb-on", this.model.get("snap"));
    this.root.setAttribute("aria-label", this.L("editor"));
  }

  // -- Python → view ----------------------------------------------------------------

  onTrait(name) {
    if (name === "timeline") {
      this.timeline.render();
      this.preview.requestFrame();
    } else if (name === "playhead") {
      const t = this.model.get("playhead");
      if (this.preview.rate === 0 && !this.timeline.drag && !this.savePlayhead.pending() && Math.abs(t - this.t) > 1e-9) {
        this.t = t;
        this.timeline.drawPlayhead();
        this.preview.requestFrame();
      }
    } else if (name === "selection") {
      this.timeline.select(this.model.get("selection"));
    } else if (name === "inspector") {
      this.inspector.render();
    } else if (name === "error") {
      this.showError();
    } else if (name === "zoom") {
      this.timeline.zoomTo(this.model.get("zoom"));
    } else if (name === "preview_width") {
      this.preview.requestFrame();
    } else if (name === "selected_track") {
      this.overlay.draw();
    } else if (name === "overlays") {
      this.overlay.renderFilters();
    } else {
      this.applyLabels();
      if (name === "labels") {
        this.timeline.render();
        this.inspector.render();
        this.overlay.renderFilters();
      }
    }
  }

  onMessage(msg, buffers) {
    if (msg.kind === "frame") {
      this.preview.onFrame(msg, buffers);
    } else if (msg.kind === "media") {
      this.timeline.onMedia(msg, buffers);
    } else if (msg.kind === "edit") {
      if (msg.final !== false && this.timeline.drag === null) this.timeline.render(); // drop any ghost
      this.inspector.fieldReply(msg);
    }
  }

  showError() {
    const error = this.model.get("error");
    this.errorText.textContent = error;
    this.errorBox.hidden = !error;
  }

  // -- keyboard and toolbar ---------------------------------------------------------

  onKey(e) {
    if (INPUTS.has(e.target.tagName)) {
      // Enter commits a typed value, arrows step it: JupyterLab's command mode must not see them
      if (fieldKey(e)) e.stopPropagation();
      return;
    }
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
        return this.preview.setRate(nextRate(this.preview.rate, action));
      case "back-frame": case "forward-frame": case "back-second": case "forward-second": {
        if (this.preview.rate !== 0) this.preview.setRate(0);
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
}

function render({ model, el }) {
  const view = new EditorView(model, el);
  return () => view.destroy();
}

export default { render };
