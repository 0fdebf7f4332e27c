/**
 * The detection overlay over the preview: boxes, labels, scores and track ids of the frame
 * painted, the filters of each overlay (classes, minimum confidence), and a click on a box
 * selecting its track (the `selected_track` trait).
 *
 * The kernel sends a frame's boxes with the frame (`boxes` of the frame reply, in project
 * canvas pixels, already filtered); they are cached with the frame and drawn once its picture
 * has loaded, so boxes and picture always belong together.
 *
 * The geometry (`viewBoxes`, `boxAt`, `boxText`, `boxColor`, `layoutLabel`) and `drawBoxes`
 * (on any 2D context) are pure and tested with `node --test`; `Overlay` is the editor's part
 * that owns the canvas over the picture and the filter panel (`ed`: the editor, editor.js).
 */

import { h } from "./dom.js";

export const LABEL_FONT_PX = 12;
export const LABEL_PAD = 3;

/**
 * Boxes in the pixels of the picture on screen: `[{x, y, w, h, box}]`, where `scale` is the
 * screen width of the picture over the project's width.
 */
export function viewBoxes(boxes, scale) {
  return (boxes || []).map((box) => ({
    x: box.x1 * scale, y: box.y1 * scale,
    w: Math.max(0, (box.x2 - box.x1) * scale), h: Math.max(0, (box.y2 - box.y1) * scale), box,
  }));
}

/** The box under (x, y): the smallest that contains it (a box inside another stays clickable). */
export function boxAt(views, x, y, slack = 2) {
  let best = null;
  for (const v of views) {
    if (x < v.x - slack || x > v.x + v.w + slack || y < v.y - slack || y > v.y + v.h + slack) continue;
    if (best === null || v.w * v.h < best.w * best.h) best = v;
  }
  return best;
}

/** The text of a box's label: the kernel's, else "person 87% #3" (the track id when it has one). */
export function boxText(box) {
  if (box.label) return String(box.label);
  const name = box.label || box.class_name || "?";
  const score = Number.isFinite(box.score) ? ` ${Math.round(box.score * 100)}%` : "";
  const track = box.track_id === null || box.track_id === undefined ? "" : ` #${box.track_id}`;
  return `${name}${score}${track}`;
}

/** A colour per track (or per class when untracked), the same on every frame. */
export function boxColor(box) {
  const key = box.track_id ?? box.class_name ?? "";
  let n = 0;
  for (const ch of String(key)) n = (n * 31 + ch.codePointAt(0)) >>> 0;
  if (typeof key === "number") n = key * 47;
  return `hsl(${n % 360}, 90%, 55%)`;
}

/**
 * Where a label of `textW` pixels goes: above the box, or inside its top when there is no
 * room above, kept inside the picture `[0, width)`.
 */
export function layoutLabel(v, textW, width, fontPx = LABEL_FONT_PX, pad = LABEL_PAD) {
  const lh = fontPx + 2 * pad;
  const w = textW + 2 * pad;
  const x = Math.max(0, Math.min(v.x, width - w));
  const y = v.y >= lh ? v.y - lh : v.y;
  return { x, y, w, h: lh };
}

/**
 * Draw the boxes on a 2D context `g` (in picture pixels; the caller scales for the device).
 * The selected track's boxes are drawn thicker, last, and the others dimmer.
 */
export function drawBoxes(g, views, { width, selected = null } = {}) {
  const isSel = (v) => selected !== null && v.box.track_id === selected;
  const ordered = [...views.filter((v) => !isSel(v)), ...views.filter(isSel)];
  g.font = `${LABEL_FONT_PX}px sans-serif`;
  g.textBaseline = "top";
  for (const v of ordered) {
    const color = boxColor(v.box);
    const sel = isSel(v);
    g.globalAlpha = selected !== null && !sel ? 0.55 : 1;
    g.lineWidth = sel ? 4 : 2;
    g.strokeStyle = color;
    g.strokeRect(v.x, v.y, v.w, v.h);
    const text = boxText(v.box);
    const lab = layoutLabel(v, g.measureText(text).width, width);
    g.fillStyle = color;
    g.fillRect(lab.x, lab.y, lab.w, lab.h);
    g.fillStyle = "#000";
    g.fillText(text, lab.x + LABEL_PAD, lab.y + LABEL_PAD);
  }
  g.globalAlpha = 1;
}

export class Overlay {
  /** The canvas over the picture, and the filter panel (built once, filled from traits). */
  constructor(ed) {
    this.ed = ed;
    this.model = ed.model;
    this.views = []; // the boxes drawn, in picture pixels on screen
    this.canvas = h("canvas", { class: "vnb-overlay", dataset: { testid: "vnb-overlay" } });
    this.canvas.addEventListener("pointerdown", (e) => ed.guard(() => this.onClick(e)));
    this.panel = h("div", { class: "vnb-overlay-filters", dataset: { testid: "vnb-overlay-filters" }, hidden: true });
  }

  /** Draw the boxes of the frame painted (`entry.boxes`) over it, sized to the picture. */
  draw(entry = this.ed.preview.shownEntry) {
    const c = this.canvas;
    const tl = this.ed.tl;
    if (!tl) return;
    const img = this.ed.preview.img;
    const w = img.clientWidth;
    const hgt = img.clientHeight;
    const boxes = entry?.boxes || [];
    const dpr = globalThis.devicePixelRatio || 1;
    c.style.width = `${w}px`;
    c.style.height = `${hgt}px`;
    c.width = Math.max(1, Math.round(w * dpr));
    c.height = Math.max(1, Math.round(hgt * dpr));
    this.views = viewBoxes(boxes, w / tl.width);
    c.dataset.boxes = String(boxes.length);
    c.dataset.frameIndex = String(entry?.frame_index ?? -1);
    c.dataset.json = JSON.stringify(this.views.map((v) => [v.box.track_id ?? null, v.box.class_name, +v.x.toFixed(1), +v.y.toFixed(1), +v.w.toFixed(1), +v.h.toFixed(1)]));
    c.classList.toggle("vnb-clickable", boxes.length > 0);
    const g = c.getContext("2d");
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, hgt);
    const selected = this.model.get("selected_track");
    c.dataset.selected = selected === null || selected === undefined ? "" : String(selected);
    drawBoxes(g, this.views, { width: w, selected: selected === undefined ? null : selected });
  }

  /** A click on a box selects its track (again: deselects); elsewhere it does nothing. */
  onClick(e) {
    const r = this.canvas.getBoundingClientRect();
    const hit = boxAt(this.views, e.clientX - r.left, e.clientY - r.top);
    if (hit === null || hit.box.track_id === null || hit.box.track_id === undefined) return;
    e.preventDefault();
    const current = this.model.get("selected_track");
    this.ed.commit("selected_track", current === hit.box.track_id ? null : hit.box.track_id);
  }

  /** The filters of every overlay of the project (the `overlays` trait). */
  renderFilters() {
    const ed = this.ed;
    const overlays = this.model.get("overlays") || [];
    const panel = this.panel;
    panel.hidden = overlays.length === 0;
    if (panel.contains(document.activeElement) && panel.dataset.rev === String(ed.tl?.rev)) return;
    panel.dataset.rev = String(ed.tl?.rev);
    panel.replaceChildren(h("h4", {}, ed.L("overlay")), ...overlays.map((o) => {
      const shown = new Set(o.classes ?? o.available);
      const send = (change) => this.model.send({ kind: "overlay", index: o.index, ...change });
      const boxes = o.available.map((name) => h("label", { class: "vnb-overlay-class" },
        h("input", { type: "checkbox", checked: shown.has(name), dataset: { testid: "vnb-overlay-class", className: name },
          onchange: (e) => ed.guard(() => {
            const next = o.available.filter((n) => (n === name ? e.target.checked : shown.has(n)));
            send({ classes: next });
          }) }), name));
      const value = h("span", { class: "vnb-overlay-score" }, `${Math.round(o.min_score * 100)}%`);
      const range = o.min_score_range; // Python's (vnb/notebook/view.py overlays_view)
      const slider = h("input", { type: "range", min: range.min, max: range.max, step: range.step, value: o.min_score, dataset: { testid: "vnb-overlay-min-score" },
        oninput: (e) => { value.textContent = `${Math.round(e.target.valueAsNumber * 100)}%`; },
        onchange: (e) => ed.guard(() => send({ min_score: e.target.valueAsNumber })) });
      return h("fieldset", { class: "vnb-overlay-item", dataset: { index: o.index } },
        h("legend", {}, o.name || `${ed.L("overlay")} ${o.index + 1}`),
        h("div", { class: "vnb-overlay-classes" }, boxes),
        h("label", { class: "vnb-field", title: ed.L("min_score") }, h("span", {}, ed.L("min_score")), h("span", { class: "vnb-slider" }, slider, value)));
    }));
  }
}
