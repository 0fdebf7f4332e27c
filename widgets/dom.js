/**
 * DOM helpers of the editor's views: `h` makes elements, `replace` sets an element's children,
 * `icon` draws the toolbar's icons. Nothing here touches the DOM at import (node imports it).
 */

/**
 * The nodes of a list of children: arrays (of arrays…) flattened, null and undefined left out.
 * Giving an array to `append` or `replaceChildren` itself would show it as text
 * ("[object HTMLFieldSetElement]"); every child list goes through here instead.
 */
export const nodes = (children) => children.flat(Infinity).filter((c) => c !== null && c !== undefined);

/** Make an element: h("div", {class: "x", dataset: {...}, onclick}, child, ...). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "style") for (const [name, value] of Object.entries(v)) el.style.setProperty(name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), value);
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k in el && k !== "list") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  el.append(...nodes(children));
  return el;
}

/** Replace the children of `el`: replace(el, a, [b, c], null) has a, b, c. */
export function replace(el, ...children) {
  el.replaceChildren(...nodes(children));
  return el;
}

export const INPUTS = new Set(["INPUT", "SELECT", "TEXTAREA"]);

// 24×24 icons: "f" filled, "s" stroked (emoji fonts are missing on many machines).
export const ICONS = {
  play: ["f", "M8 5v14l11-7z"], pause: ["f", "M6 5h4v14H6zM14 5h4v14h-4z"],
  home: ["f", "M5 5h2v14H5zM19 5v14L8 12z"], end: ["f", "M17 5h2v14h-2zM5 5v14l11-7z"],
  prev: ["f", "M16 6v12l-8-6z"], next: ["f", "M8 6v12l8-6z"],
  split: ["s", "M9 6a3 3 0 11-6 0 3 3 0 016 0zM9 18a3 3 0 11-6 0 3 3 0 016 0zM20 4L8.12 15.88M14.47 14.48L20 20M8.12 8.12L12 12"], delete: ["s", "M5 7h14M9 7V4h6v3M7 7l1 13h8l1-13"],
  marker: ["s", "M6 21V4h11l-2 4 2 4H6"], undo: ["s", "M9 14L4 9l5-5M4 9h10a5 5 0 010 10h-3"],
  redo: ["s", "M15 14l5-5-5-5M20 9H10a5 5 0 000 10h3"], zoomOut: ["s", "M5 12h14"],
  zoomIn: ["s", "M5 12h14M12 5v14"], fit: ["s", "M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5"],
  snap: ["s", "M6 4v8a6 6 0 0012 0V4h-4v8a2 2 0 01-4 0V4z"], close: ["s", "M6 6l12 12M18 6L6 18"],
  lock: ["s", "M6 11h12v9H6zM8 11V7a4 4 0 018 0v4"], unlock: ["s", "M6 11h12v9H6zM8 11V7a4 4 0 017.5-2"],
  sound: ["s", "M4 9h4l5-4v14l-5-4H4zM16 9a4 4 0 010 6"], mute: ["s", "M4 9h4l5-4v14l-5-4H4zM16 9l5 6M21 9l-5 6"],
  eye: ["s", "M2 12s4-7 10-7 10 7 10 7-4 7-10 7S2 12 2 12zM9 12a3 3 0 106 0 3 3 0 00-6 0"],
  hidden: ["s", "M2 12s4-7 10-7 10 7 10 7-4 7-10 7S2 12 2 12zM3 3l18 18"],
};

export function icon(name) {
  const ns = "http://www.w3.org/2000/svg";
  const [kind, d] = ICONS[name];
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "vnb-icon");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", d);
  if (kind === "f") path.setAttribute("fill", "currentColor");
  else for (const [k, v] of [["fill", "none"], ["stroke", "currentColor"], ["stroke-width", "2"], ["stroke-linecap", "round"], ["stroke-linejoin", "round"]]) path.setAttribute(k, v);
  svg.append(path);
  return svg;
}
