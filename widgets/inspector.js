/**
 * The inspector: the selected clip's fields and effect parameters as controls.
 *
 * An edit made in a control is answered by Python (`fieldReply`): the control then shows the
 * project's value again (a refused value never stays in its field) and, when the edit was
 * refused, why, in a note under the control. `Inspector` is the editor's part that owns its
 * element and the state of its controls; it sends edits through the editor (`ed`, editor.js).
 */

import { h, icon, replace } from "./dom.js";
import { logSlider, roundToStep } from "./logic.js";

const SLIDER_STEPS = 1000; // positions of a logarithmic slider
const TYPING = new Set(["text", "number", "range", "color"]); // a re-render would take these from the user

/** The key of a control: "field:start" or "effect:0:amount". */
const controlKey = (effect, key) => (effect === undefined ? `field:${key}` : `effect:${effect}:${key}`);

/** The project's value of a control, from the `inspector` trait (undefined: no such control). */
function projectValue(ins, effect, key) {
  if (effect === undefined) return ins.fields?.find((f) => f.key === key)?.value;
  return ins.effects?.find((e) => e.index === effect)?.params.find((p) => p.key === key)?.value;
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
    this.el = h("div", { class: "vnb-inspector", dataset: { testid: "vnb-inspector" } });
    this.el.addEventListener("focusout", () => ed.guard(() => this.stale && setTimeout(() => this.render(), 0)));
  }

  render() {
    const ins = this.model.get("inspector") || {};
    const focused = this.el.contains(document.activeElement) ? document.activeElement : null;
    const sameClip = ins.clip_id === this.clip;
    if (focused && sameClip && focused.tagName === "INPUT" && TYPING.has(focused.type)) {
      this.stale = true; // do not pull the control from under the user's fingers
      return;
    }
    this.stale = false;
    this.clip = ins.clip_id;
    this.controls = new Map();
    if (!sameClip) this.fieldNotes = new Map();
    if (!ins.clip_id) {
      replace(this.el, h("p", { class: "vnb-muted" }, this.ed.L("no_selection")));
      return;
    }
    const send = (msg, final) => {
      if (!final) return this.ed.sendDrag({ ...msg, key: (this.sliderKey ||= `slider-${Date.now()}`) });
      this.ed.sendDrag.cancel();
      const id = this.ed.edit({ ...msg, final: true, inline: true, key: this.sliderKey });
      this.fieldEdits.set(id, { clipId: ins.clip_id, effect: msg.index, key: msg.field ?? msg.param });
      this.sliderKey = null;
      return id;
    };
    const rows = ins.fields.map((f) => this.control(f, undefined, { "data-field": f.key }, (value, final) =>
      send({ op: "set", clip_id: ins.clip_id, field: f.key, value }, final), ins.locked));
    const effects = ins.effects.map((e) => h("fieldset", { class: "vnb-effect", dataset: { testid: "vnb-effect", index: e.index, name: e.name } },
      h("legend", {}, h("span", {}, e.name), h("button", {
        class: "vnb-button", title: this.ed.L("remove_effect"), disabled: ins.locked,
        dataset: { testid: "vnb-effect-remove", index: e.index },
        onclick: () => this.ed.guard(() => this.ed.edit({ op: "remove_effect", clip_id: ins.clip_id, index: e.index })),
      }, icon("close"))),
      e.params.map((p) => this.control(p, e.index, { "data-effect": e.index, "data-param": p.key }, (value, final) =>
        send({ op: "effect", clip_id: ins.clip_id, index: e.index, param: p.key, value }, final), ins.locked))));
    const add = h("select", { class: "vnb-add-effect", dataset: { testid: "vnb-add-effect" }, disabled: ins.locked, onchange: (ev) => this.ed.guard(() => {
      if (ev.target.value) this.ed.edit({ op: "add_effect", clip_id: ins.clip_id, name: ev.target.value });
    }) }, h("option", { value: "" }, this.ed.L("add_effect")), ins.available_effects.map((n) => h("option", { value: n }, n)));
    replace(this.el,
      h("h4", {}, ins.title), h("div", { class: "vnb-muted", title: ins.source }, `${this.ed.L("source")}: ${ins.source}`),
      h("div", { class: "vnb-fields" }, rows), h("h4", {}, this.ed.L("effects")), effects, add);
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
    const label = h("label", { class: "vnb-field", title: f.doc || "", dataset: { control: key } }, h("span", {}, f.label), input);
    this.controls.set(key, { show, setNote });
    setNote(this.fieldNotes.get(key) || "");
    return [label, note];
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
    const value = projectValue(this.model.get("inspector") || {}, effect, name);
    if (value !== undefined) control.show(value);
    control.setNote(this.fieldNotes.get(key) || "");
  }
}
