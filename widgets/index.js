// The bundle's entry: the editor and its stylesheet. `node build.mjs` bundles this into
// vnb/notebook/static/editor.js (+ editor.css), the files anywidget is given.
import "./editor.css";

export { default } from "./editor.js";
