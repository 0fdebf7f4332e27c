/**
 * The inspector: the selected clip's fields and effect parameters as controls.
 *
 * Methods of the editor's view (mixed into `EditorView` by editor.js).
 */

import { h, icon } from "./dom.js";

export class InspectorView {
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
