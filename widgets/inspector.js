/**
 * The inspector: the selected clip's fields and effect parameters as controls.
 *
 * An animatable control (`anim` in its trait entry) has key buttons: previous key, add/remove
 * the key at the playhead (filled when one is there), next key. Once the property has keys
 * the control shows its value at the playhead, and editing it sets the key there. The
 * property last worked on is the selected one: its curve over the clip and the easing menu of
 * the key at or before the playhead are drawn under the controls, and the timeline draws its
 * keys as diamonds on the clip.
 *
 * An edit made in a control is answered by Python (`fieldReply`): the control then shows the
 * project's value again (a refused value never stays in its field) and, when the edit was
 * refused, why, in a note under the control. `Inspector` is the editor's part that owns its
 * element and the state of its controls; it sends edits through the editor (`ed`, editor.js).
 */

import { h, icon, replace } from "./dom.js";
import {
  clipTimeAt, curveGeometry, curveValue, insideClip, keyIndexAt, keyIndexBefore, logSlider, neighbourKey, roundToStep,
} from "./logic.js";

const SLIDER_STEPS = 1000; // positions of a logarithmic slider
const TYPING = new Set(["text", "number", "range", "color"]); // a re-render would take these from the user
const EASINGS = ["linear", "hold", "ease_in", "ease_out", "ease_in_out"];
const SVG = "http://www.w3.org/2000/svg";
const CURVE_W = 240;
const CURVE_H = 64;

const svg = (tag, attrs = {}) => {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
};

/** The key of a control: "field:start" or "effect:0:amount". */
const controlKey = (effect, key) => (effect === undefined ? `field:${key}` : `effect:${effect}:${key}`);

/** A control's entry in the `inspector` trait (undefined: no such control). */
function controlEntry(ins, effect, key) {
  if (effect === undefined) return ins.fields?.find((f) => f.key === key);
  return ins.effects?.find((e) => e.index === effect)?.params.find((p) => p.key === key);
}

/** Whether a control's property has keys (its value then depends on the time). */
const animated = (f) => Boolean(f?.anim?.keys?.length && f.anim.curve);

/** The project's value of a control at timeline time `t`: animated, the curve's value there. */
function projectValue(ins, effect, key, t) {
  const f = controlEntry(ins, effect, key);
  if (!animated(f)) return f?.value;
  return curveValue(f.anim.curve, clipTimeAt(t, ins.start, ins.fps));
}

export class Inspector {
  constructor(ed) {
    this.ed = ed;
    this.model = ed.model;
    this.clip = undefined; // the id of the clip shown
    this.stale = false; // a re-render waits until the user leaves the control being typed in
    this.controls = new Map(); // control key -> {show, setNote}
    this.fieldEdits = new Map(); // edit id -> the control it was made in
    this.fieldNotes = new Map(); // control key -> why its last value was refused
    this.sliderKey = null; // the undo key shared by the edits of one slider drag
    this.path = null; // the selected animatable property (its keys are drawn), or null
    this.curveEl = h("div", { class: "vnb-curve-panel" });
    this.curve = null; // what the curve view shows: {f, geo, line, head, before}
    this.el = h("div", { class: "vnb-inspector", dataset: { testid: "vnb-inspector" } });
    this.el.addEventListener("focusout", () => ed.guard(() => this.stale && setTimeout(() => this.render(), 0)));
  }

  render() {
    const ins = this.model.get("inspector") || {};
    const focused = this.el.contains(document.activeElement) ? document.activeElement : null;
    const sameClip = ins.clip_id === this.clip;
    if (focused && sameClip && focused.tagName === "INPUT" && TYPING.has(focused.type)) {
      this.stale = true; // do not pull the control from under the user's fingers …
      this.atPlayhead(); // … but show the new keys beside it
      this.ed.timeline.drawKeys();
      return;
    }
    this.stale = false;
    this.clip = ins.clip_id;
    this.controls = new Map();
    if (!sameClip) {
      this.fieldNotes = new Map();
      this.path = null;
    }
    if (!ins.clip_id) {
      replace(this.el, h("p", { class: "vnb-muted" }, this.ed.L("no_selection")));
      this.ed.timeline.drawKeys();
      return;
    }
    const entries = [...ins.fields, ...ins.effects.flatMap((e) => e.params)];
    if (!entries.some((f) => f.anim?.path === this.path)) this.path = entries.find(animated)?.anim.path ?? null;
    const send = (msg, final) => {
      if (!final) return this.ed.sendDrag({ ...msg, key: (this.sliderKey ||= `slider-${Date.now()}`) });
      this.ed.sendDrag.cancel();
      const id = this.ed.edit({ ...msg, final: true, inline: true, key: this.sliderKey });
      this.fieldEdits.set(id, { clipId: ins.clip_id, effect: msg.index, key: msg.field ?? msg.param });
      this.sliderKey = null;
      return id;
    };
    // an animated property's control sets the key at the playhead (and the clip field otherwise)
    const sendValue = (f, effect, msg, value, final) => {
      if (!animated(f.anim ? this.entry(f.anim.path) : f)) return send({ ...msg, value }, final);
      const ct = clipTimeAt(this.ed.t, ins.start, ins.fps);
      if (!insideClip(ct, ins.duration, ins.fps)) return this.refuseInField(controlKey(effect, f.key), this.ed.L("key_outside"));
      return send({ ...msg, op: "key_set", path: f.anim.path, t: ct, value }, final);
    };
    const rows = ins.fields.map((f) => this.control(f, undefined, { "data-field": f.key }, (value, final) =>
      sendValue(f, undefined, { op: "set", clip_id: ins.clip_id, field: f.key }, value, final), ins.locked));
    const effects = ins.effects.map((e) => h("fieldset", { class: "vnb-effect", dataset: { testid: "vnb-effect", index: e.index, name: e.name } },
      h("legend", {}, h("span", {}, e.name), h("button", {
        class: "vnb-button", title: this.ed.L("remove_effect"), disabled: ins.locked,
        dataset: { testid: "vnb-effect-remove", index: e.index },
        onclick: () => this.ed.guard(() => this.ed.edit({ op: "remove_effect", clip_id: ins.clip_id, index: e.index })),
      }, icon("close"))),
      e.params.map((p) => this.control(p, e.index, { "data-effect": e.index, "data-param": p.key }, (value, final) =>
        sendValue(p, e.index, { op: "effect", clip_id: ins.clip_id, index: e.index, param: p.key }, value, final), ins.locked))));
    const add = h("select", { class: "vnb-add-effect", dataset: { testid: "vnb-add-effect" }, disabled: ins.locked, onchange: (ev) => this.ed.guard(() => {
      if (ev.target.value) this.ed.edit({ op: "add_effect", clip_id: ins.clip_id, name: ev.target.value });
    }) }, h("option", { value: "" }, this.ed.L("add_effect")), ins.available_effects.map((n) => h("option", { value: n }, n)));
    replace(this.el,
      h("h4", {}, ins.title), h("div", { class: "vnb-muted", title: ins.source }, `${this.ed.L("source")}: ${ins.source}`),
      h("div", { class: "vnb-fields" }, rows), this.curveEl, h("h4", {}, this.ed.L("effects")), effects, add);
    this.atPlayhead();
    this.ed.timeline.drawKeys();
    if (focused && sameClip) {
      // the list or box just used is new: give the focus to its successor (or to the editor)
      const again = focused.classList.contains("vnb-add-effect") ? this.el.querySelector(".vnb-add-effect")
        : focused.dataset.field ? this.el.querySelector(`[data-field="${CSS.escape(focused.dataset.field)}"]`) : null;
      (again && !again.disabled ? again : this.ed.root).focus({ preventScroll: true });
    }
  }

  /**
   * One labelled control and the note under it; `send(value, final)` is called while it moves
   * and when it is let go. `effect` is the effect's index (undefined for a clip field).
   */
  control(f, effect, attrs, send, locked) {
    const guarded = (fn) => (e) => this.ed.guard(() => fn(e));
    const key = controlKey(effect, f.key);
    let input;
    let show; // show(value): put a value into the control
    if (f.type === "bool") {
      input = h("input", { type: "checkbox", checked: f.value, disabled: locked, ...attrs, onchange: guarded((e) => send(e.target.checked, true)) });
      show = (v) => { input.checked = Boolean(v); };
    } else if (f.type === "choice") {
      input = h("select", { disabled: locked, ...attrs, onchange: guarded((e) => send(e.target.value, true)) },
        f.options.map((o) => h("option", { value: o, selected: o === f.value }, o)));
      show = (v) => { input.value = v; };
    } else if (f.type === "number") {
      const bounded = f.min !== null && f.max !== null && f.min !== undefined && f.max !== undefined;
      // a value that spans decades moves along a logarithmic slider (logic.js: logSlider); its
      // range, step and middle are Python's (vnb/notebook/view.py): none is written here
      const scale = bounded && f.scale === "log" ? logSlider(f.min, f.max, f.mid) : null;
      const toRange = (v) => (scale ? String(Math.round(scale.toPosition(v) * SLIDER_STEPS)) : String(v));
      const fromRange = (el) => (scale ? roundToStep(scale.toValue(el.valueAsNumber / SLIDER_STEPS), f.step) : el.valueAsNumber);
      let range = null;
      const number = h("input", { type: "number", value: f.value, step: f.step, min: f.min ?? "", max: f.max ?? "", disabled: locked, ...attrs,
        onchange: guarded((e) => {
          const v = e.target.valueAsNumber;
          if (!Number.isFinite(v)) return this.refuseInField(key, this.ed.L("not_a_number"));
          if (range) range.value = toRange(v);
          return send(v, true);
        }) });
      show = (v) => {
        number.value = v;
        if (range) range.value = toRange(v);
      };
      if (!bounded) {
        input = number;
      } else {
        range = h("input", { type: "range", min: scale ? 0 : f.min, max: scale ? SLIDER_STEPS : f.max, step: scale ? 1 : f.step,
          disabled: locked, tabIndex: -1, ...attrs, dataset: { scale: scale ? "log" : "linear" },
          oninput: guarded((e) => {
            const v = fromRange(e.target);
            number.value = v;
            send(v, false);
          }),
          onchange: guarded((e) => send(fromRange(e.target), true)) });
        range.value = toRange(f.value);
        input = h("span", { class: "vnb-slider" }, range, number);
      }
    } else {
      input = h("input", { type: "text", value: f.value, disabled: locked, ...attrs, onchange: guarded((e) => send(e.target.value, true)) });
      show = (v) => { input.value = v; };
    }
    const note = h("div", { class: "vnb-field-note", role: "alert", dataset: { testid: "vnb-field-error", control: key }, hidden: true });
    const setNote = (text) => {
      note.textContent = text;
      note.hidden = !text;
      label.classList.toggle("vnb-refused", Boolean(text));
    };
    const keyBar = f.anim ? this.keyBar(f, locked) : null;
    const label = h("label", { class: "vnb-field", title: f.doc || "", dataset: { control: key } }, h("span", {}, f.label), input, keyBar?.el);
    if (f.anim) {
      label.dataset.path = f.anim.path;
      // working on an animatable control selects its property (its curve, its diamonds)
      label.addEventListener("focusin", () => this.ed.guard(() => this.selectPath(f.anim.path)));
      label.addEventListener("pointerdown", () => this.ed.guard(() => this.selectPath(f.anim.path)));
    }
    this.controls.set(key, { show, setNote, f, label, input, keyBar });
    setNote(this.fieldNotes.get(key) || "");
    return [label, note];
  }

  /** The key buttons of an animatable control: previous key, add/remove here, next key. */
  keyBar(f, locked) {
    const path = f.anim.path;
    const button = (testid, label, text, fn) => h("button", {
      type: "button", class: "vnb-button vnb-key-button", title: this.ed.L(label), disabled: locked,
      dataset: { testid, path }, onmousedown: (e) => e.preventDefault(), onclick: (e) => this.ed.guard(() => {
        e.preventDefault();
        this.selectPath(path);
        fn();
      }),
    }, text);
    const fresh = () => this.entry(path) ?? f; // the trait may be newer than this control
    const prev = button("vnb-key-prev", "key_prev", "\u25C2", () => this.goToKey(fresh(), -1));
    const toggle = button("vnb-key-toggle", "key_toggle", "\u25C6", () => this.toggleKey(fresh()));
    const next = button("vnb-key-next", "key_next", "\u25B8", () => this.goToKey(fresh(), 1));
    return { el: h("span", { class: "vnb-keys" }, prev, toggle, next), prev, toggle, next, locked };
  }

  /** The clip time of the frame at the playhead (the `inspector` trait's clip). */
  clipTime() {
    const ins = this.model.get("inspector") || {};
    return clipTimeAt(this.ed.t, ins.start, ins.fps);
  }

  goToKey(f, dir) {
    const ins = this.model.get("inspector") || {};
    const t = neighbourKey(f.anim.keys, this.clipTime(), ins.fps, dir);
    if (t !== null) this.ed.setPlayhead(ins.start + t, true);
  }

  /** Add a key at the playhead (with the value shown there), or remove the one there. */
  toggleKey(f) {
    const ins = this.model.get("inspector") || {};
    const ct = this.clipTime();
    if (!insideClip(ct, ins.duration, ins.fps)) return;
    const msg = { clip_id: ins.clip_id, path: f.anim.path, t: ct };
    const at = keyIndexAt(f.anim.keys, ct, ins.fps);
    if (at >= 0) this.ed.edit({ op: "key_remove", ...msg, t: f.anim.keys[at].t });
    else this.ed.edit({ op: "key_set", ...msg, value: animated(f) ? curveValue(f.anim.curve, ct) : f.value });
  }

  /** Make `path` the selected property: its curve here, its diamonds on the timeline. */
  selectPath(path) {
    if (path === this.path) return;
    this.path = path;
    this.atPlayhead();
    this.ed.timeline.drawKeys();
  }

  /** The `inspector` trait's entry of the animatable property `path` (undefined: none). */
  entry(path) {
    const ins = this.model.get("inspector") || {};
    if (!ins.clip_id || ins.clip_id !== this.clip) return undefined;
    return [...ins.fields, ...ins.effects.flatMap((e) => e.params)].find((x) => x.anim?.path === path);
  }

  /** The selected property's keys on the selected clip, for the timeline (or null). */
  selectedKeys() {
    const ins = this.model.get("inspector") || {};
    const f = this.path === null ? undefined : this.entry(this.path);
    return f ? { clipId: ins.clip_id, path: this.path, keys: f.anim.keys, locked: ins.locked } : null;
  }

  /**
   * The playhead moved (or the controls are new): animated controls show their value there,
   * the key buttons say whether a key is there, the curve view moves its playhead line.
   */
  atPlayhead() {
    const ins = this.model.get("inspector") || {};
    if (!ins.clip_id || ins.clip_id !== this.clip) return;
    const ct = this.clipTime();
    const inside = insideClip(ct, ins.duration, ins.fps);
    for (const control of this.controls.values()) {
      const { keyBar, label, input } = control;
      if (!keyBar) continue;
      const f = this.entry(control.f.anim.path) ?? control.f;
      const keys = f.anim.keys;
      const at = keyIndexAt(keys, ct, ins.fps);
      label.classList.toggle("vnb-key-selected", f.anim.path === this.path && animated(f));
      label.classList.toggle("vnb-animated", animated(f));
      keyBar.prev.hidden = keyBar.next.hidden = !animated(f); // no keys: only the toggle
      keyBar.toggle.classList.toggle("vnb-on", at >= 0);
      keyBar.toggle.textContent = at >= 0 ? "\u25C6" : "\u25C7"; // filled: a key is here
      keyBar.toggle.dataset.on = String(at >= 0);
      keyBar.toggle.disabled = keyBar.locked || !inside;
      keyBar.prev.disabled = keyBar.locked || neighbourKey(keys, ct, ins.fps, -1) === null;
      keyBar.next.disabled = keyBar.locked || neighbourKey(keys, ct, ins.fps, 1) === null;
      if (animated(f) && !input.contains(document.activeElement) && input !== document.activeElement) {
        control.show(roundToStep(curveValue(f.anim.curve, ct), f.step / 100));
      }
    }
    this.drawCurve(ins, ct);
  }

  /**
   * The selected property's curve over the clip, its keys, the playhead, the easing menu. The
   * curve is drawn again only when the property or its keys change; a playhead move moves its
   * line (and changes the easing menu when another key comes before it).
   */
  drawCurve(ins, ct) {
    const f = this.path === null ? undefined : this.entry(this.path);
    if (!f || !animated(f)) {
      replace(this.curveEl);
      this.curve = null;
      return;
    }
    let c = this.curve;
    if (!c || c.f !== f) {
      const geo = curveGeometry(f.anim.curve, ins.duration, CURVE_W, CURVE_H);
      const plot = svg("svg", { viewBox: `0 0 ${CURVE_W} ${CURVE_H}`, preserveAspectRatio: "none", class: "vnb-curve", "data-testid": "vnb-curve", "data-path": f.anim.path });
      plot.append(svg("polyline", { points: geo.points, class: "vnb-curve-line", fill: "none" }));
      for (const k of f.anim.keys) {
        const [x, y] = [geo.x(k.t), geo.y(k.value)];
        plot.append(svg("rect", { x: x - 3, y: y - 3, width: 6, height: 6, class: "vnb-curve-key", transform: `rotate(45 ${x} ${y})` }));
      }
      const line = svg("line", { y1: 0, y2: CURVE_H, class: "vnb-curve-playhead" });
      plot.append(line);
      const head = h("div", { class: "vnb-curve-head" }, h("span", {}, this.ed.L("key_curve", { field: f.label })));
      const bound = (v) => String(Number(v.toFixed(2)));
      replace(this.curveEl, head, h("div", { class: "vnb-curve-box" }, plot,
        h("span", { class: "vnb-curve-hi" }, bound(geo.hi)), h("span", { class: "vnb-curve-lo" }, bound(geo.lo))));
      c = this.curve = { f, geo, line, head, before: undefined };
    }
    const x = String(c.geo.x(ct));
    c.line.setAttribute("x1", x);
    c.line.setAttribute("x2", x);
    c.line.style.display = insideClip(ct, ins.duration, ins.fps) ? "" : "none";
    const before = keyIndexBefore(f.anim.keys, ct, ins.fps);
    if (before === c.before) return;
    c.before = before;
    c.head.querySelector(".vnb-key-easing")?.remove();
    c.head.append(this.easingMenu(ins, f, before >= 0 ? f.anim.keys[before] : null));
  }

  /** The easing menu of `key` (null: no key at or before the playhead, a disabled menu). */
  easingMenu(ins, f, key) {
    const name = key === null ? "" : typeof key.easing === "string" ? key.easing : "custom";
    return h("select", {
      class: "vnb-key-easing", title: this.ed.L("key_easing"), disabled: ins.locked || key === null,
      dataset: { testid: "vnb-key-easing", path: f.anim.path },
      onchange: (e) => this.ed.guard(() => {
        if (key && EASINGS.includes(e.target.value)) this.ed.edit({ op: "key_easing", clip_id: ins.clip_id, path: f.anim.path, t: key.t, easing: e.target.value });
      }),
    }, name === "custom" ? h("option", { value: "custom", selected: true, disabled: true }, this.ed.L("key_custom")) : null,
    key === null ? h("option", { value: "", selected: true }, "\u2014") : null,
    EASINGS.map((n) => h("option", { value: n, selected: n === name }, n)));
  }

  /**
   * Python's answer to an edit: a successful one clears the notes of earlier refusals; one
   * made in a control puts the project's value back into it, and says why it was refused.
   */
  fieldReply(msg) {
    if (msg.ok && this.fieldNotes.size) {
      this.fieldNotes.clear();
      for (const control of this.controls.values()) control.setNote("");
    }
    const target = this.fieldEdits.get(msg.id);
    if (!target) return;
    this.fieldEdits.delete(msg.id);
    if (target.clipId !== this.clip) return;
    const key = controlKey(target.effect, target.key);
    if (!msg.ok) this.fieldNotes.set(key, msg.error || "");
    this.syncControl(key, target.effect, target.key);
  }

  /** Refuse a value the browser already knows is wrong (not a number). */
  refuseInField(key, why) {
    const [kind, ...rest] = key.split(":");
    const effect = kind === "effect" ? Number(rest[0]) : undefined;
    this.fieldNotes.set(key, why);
    this.syncControl(key, effect, rest[rest.length - 1]);
  }

  syncControl(key, effect, name) {
    const control = this.controls.get(key);
    if (!control) return;
    const value = projectValue(this.model.get("inspector") || {}, effect, name, this.ed.t);
    if (value !== undefined) control.show(value);
    control.setNote(this.fieldNotes.get(key) || "");
  }
}
