// The detection overlay's geometry, hit-testing, labels and drawing (on a recording context).
import assert from "node:assert/strict";
import test from "node:test";

import { LABEL_FONT_PX, LABEL_PAD, boxAt, boxColor, boxText, drawBoxes, layoutLabel, viewBoxes } from "../overlay.js";

const person = { x1: 100, y1: 50, x2: 300, y2: 450, class_name: "person", score: 0.874, track_id: 3, label: "" };
const cup = { x1: 150, y1: 200, x2: 200, y2: 260, class_name: "cup", score: 0.5, track_id: null, label: "" };

test("boxes scale from project pixels to the picture on screen", () => {
  const [v] = viewBoxes([person], 0.5); // a 1280-wide project shown 640 wide
  assert.deepEqual([v.x, v.y, v.w, v.h], [50, 25, 100, 200]);
  assert.equal(v.box, person);
  assert.deepEqual(viewBoxes(null, 1), []);
  assert.equal(viewBoxes([{ ...person, x2: 90 }], 1)[0].w, 0); // never negative
});

test("a click hits the smallest box under it; outside every box, nothing", () => {
  const views = viewBoxes([person, cup], 1);
  assert.equal(boxAt(views, 160, 210).box, cup); // inside both: the cup, drawn inside the person
  assert.equal(boxAt(views, 120, 400).box, person);
  assert.equal(boxAt(views, 99, 60).box, person); // a little slack on the edge
  assert.equal(boxAt(views, 90, 60), null);
  assert.equal(boxAt(views, 500, 500), null);
  assert.equal(boxAt([], 1, 1), null);
});

test("labels: name, score, track id", () => {
  assert.equal(boxText(person), "person 87% #3");
  assert.equal(boxText(cup), "cup 50%");
  assert.equal(boxText({ ...person, label: "person 0.87 #3" }), "person 0.87 #3"); // the kernel's
  assert.equal(boxText({ class_name: "car", score: Number.NaN, track_id: 0 }), "car #0");
  assert.equal(boxColor(person), boxColor({ ...person, class_name: "other" })); // by track
  assert.notEqual(boxColor(person), boxColor({ ...person, track_id: 4 }));
  assert.equal(boxColor(cup), boxColor({ ...cup, x1: 0 })); // untracked: by class
});

test("a label sits above its box, or inside its top, and inside the picture", () => {
  const lh = LABEL_FONT_PX + 2 * LABEL_PAD;
  assert.deepEqual(layoutLabel({ x: 10, y: 100, w: 50, h: 50 }, 40, 640), { x: 10, y: 100 - lh, w: 40 + 2 * LABEL_PAD, h: lh });
  assert.equal(layoutLabel({ x: 10, y: 5, w: 50, h: 50 }, 40, 640).y, 5); // no room above
  assert.equal(layoutLabel({ x: 630, y: 100, w: 10, h: 10 }, 40, 640).x, 640 - 40 - 2 * LABEL_PAD);
});

/** A 2D context that records what is drawn. */
function recorder() {
  const calls = [];
  const g = { calls, font: "", textBaseline: "", globalAlpha: 1, lineWidth: 1, strokeStyle: "", fillStyle: "" };
  for (const name of ["strokeRect", "fillRect", "fillText"]) {
    g[name] = (...a) => calls.push([name, ...a, { alpha: g.globalAlpha, line: g.lineWidth, stroke: g.strokeStyle, fill: g.fillStyle }]);
  }
  g.measureText = (s) => ({ width: 6 * s.length });
  return g;
}

test("drawing: a rectangle and a label per box; the selected track thicker and on top", () => {
  const g = recorder();
  drawBoxes(g, viewBoxes([person, cup], 1), { width: 640, selected: 3 });
  const rects = g.calls.filter((c) => c[0] === "strokeRect");
  assert.deepEqual(rects.map((c) => c.slice(1, 5)), [[150, 200, 50, 60], [100, 50, 200, 400]]); // cup, then the selected person
  assert.equal(rects[1][5].line, 4);
  assert.equal(rects[0][5].line, 2);
  assert.ok(rects[0][5].alpha < 1 && rects[1][5].alpha === 1); // the others dimmed
  const texts = g.calls.filter((c) => c[0] === "fillText").map((c) => c[1]);
  assert.deepEqual(texts, ["cup 50%", "person 87% #3"]);
  assert.equal(g.globalAlpha, 1);
  const plain = recorder();
  drawBoxes(plain, viewBoxes([person], 1), { width: 640 });
  assert.equal(plain.calls.find((c) => c[0] === "strokeRect")[5].alpha, 1);
});
