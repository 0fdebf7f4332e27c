// The keyframe logic of the inspector, the timeline's diamonds and the curve view.
import assert from "node:assert/strict";
import test from "node:test";

import {
  clipTimeAt, curveGeometry, curveValue, insideClip, keyIndexAt, keyIndexBefore, neighbourKey,
} from "../logic.js";

const KEYS = [{ t: 0.5, value: 0 }, { t: 1.5, value: 100 }, { t: 1, value: 40 }]; // not sorted

test("clip time on the frame grid", () => {
  assert.equal(clipTimeAt(2.5, 2, 30), 0.5);
  assert.equal(clipTimeAt(2.51, 2, 30), 15 / 30); // inside frame 75: clip frame 15
  assert.equal(clipTimeAt(1.0, 2, 30), -1);
  assert.ok(Math.abs(clipTimeAt(7 / 30, 1 / 30, 30) - 6 / 30) < 1e-12);
  assert.ok(insideClip(0, 2, 30) && insideClip(59 / 30, 2, 30));
  assert.ok(!insideClip(2, 2, 30) && !insideClip(-1 / 30, 2, 30));
});

test("the key on a frame, the key before, the neighbours", () => {
  assert.equal(keyIndexAt(KEYS, 1.0, 30), 2);
  assert.equal(keyIndexAt(KEYS, 1.01, 30), 2); // same frame
  assert.equal(keyIndexAt(KEYS, 1.1, 30), -1);
  assert.equal(keyIndexAt([], 0, 30), -1);
  assert.equal(keyIndexBefore(KEYS, 1.2, 30), 2);
  assert.equal(keyIndexBefore(KEYS, 1.5, 30), 1);
  assert.equal(keyIndexBefore(KEYS, 0.2, 30), -1);
  assert.equal(neighbourKey(KEYS, 1.0, 30, 1), 1.5);
  assert.equal(neighbourKey(KEYS, 1.0, 30, -1), 0.5);
  assert.equal(neighbourKey(KEYS, 1.2, 30, -1), 1);
  assert.equal(neighbourKey(KEYS, 1.5, 30, 1), null);
  assert.equal(neighbourKey(KEYS, 0.5, 30, -1), null);
  assert.equal(neighbourKey(undefined, 0.5, 30, -1), null);
});

test("the value of a sampled curve", () => {
  const curve = { step: 0.5, values: [0, 10, 30] };
  assert.equal(curveValue(curve, 0.5), 10);
  assert.equal(curveValue(curve, 0.75), 20);
  assert.equal(curveValue(curve, -1), 0);
  assert.equal(curveValue(curve, 9), 30);
  assert.equal(curveValue({ step: 1 / 30, values: [0, 1, 2, 3] }, 2 / 30), 2); // a frame: the sample itself
  assert.equal(curveValue({ step: 1, values: [] }, 0), undefined);
});

test("the curve view's geometry", () => {
  const geo = curveGeometry({ step: 1, values: [0, 10, 5] }, 3, 300, 100, 0);
  assert.equal(geo.points, "0,100 100,0 200,50 300,50"); // the last value held to the clip's end
  assert.deepEqual([geo.lo, geo.hi], [0, 10]);
  assert.equal(geo.x(1.5), 150);
  assert.equal(geo.y(5), 50);
  const flat = curveGeometry({ step: 1, values: [2, 2] }, 2, 100, 10, 0);
  assert.equal(flat.y(2), 5); // a flat curve in the middle
});
