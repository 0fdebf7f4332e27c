// The editor's pure logic, without a browser: node --test widgets/test/
import assert from "node:assert/strict";
import test from "node:test";

import {
  EDGE_PX, MAX_ZOOM, MIN_ZOOM, RULER_HEIGHT, TRACK_HEIGHT, clampTrim, debounce,
  decodeEnvelope, fieldKey, fill, fitZoom, frameOf, hitTest, keyAction, lastFrameTime, layoutClips,
  logSlider, mediaWanted, nextRate, peakAt, playTime, previewWidth, roundToStep, rowOf,
  rulerStep, snapSpan, snapTargets, snapTime, snapToFrame, thumbSlots, timeToX, timecode,
  trackAt, trackRows, visibleSpan, xToTime, zoomAt,
} from "../logic.js";
import { ICONS, nodes } from "../dom.js";
import editor from "../editor.js";

const clip = (id, start, duration, extra = {}) => ({ id, start, duration, media_key: `${id}|${duration}`, ...extra });
const TL = {
  fps: 30, frames: 150, duration: 5, rev: 1, width: 320,
  tracks: [
    { index: 0, kind: "video", locked: false, clips: [clip("a", 0, 2), clip("b", 2, 3)] },
    { index: 1, kind: "video", locked: false, clips: [clip("c", 1, 1)] },
  ],
  markers: [{ index: 0, time: 4.2, label: "", color: "red" }],
};

test("the default export is an anywidget module", () => {
  assert.equal(typeof editor.render, "function");
});

test("time and pixels", () => {
  assert.equal(timeToX(2.5, 100), 250);
  assert.equal(xToTime(250, 100), 2.5);
  assert.equal(xToTime(timeToX(1.234, 37), 37), 1.234);
});

test("frames: the frame shown, snapping, last frame, timecode", () => {
  assert.equal(frameOf(1, 30), 30);
  assert.equal(frameOf(1.0333, 30), 30);
  assert.equal(frameOf(0.1 + 0.2, 10), 3); // float noise does not drop a frame
  assert.equal(frameOf(1001 / 30000, 30000 / 1001), 1);
  assert.equal(snapToFrame(0.51, 30), 0.5);
  assert.equal(lastFrameTime(TL), 149 / 30);
  assert.equal(lastFrameTime({ frames: 0, fps: 30 }), 0);
  assert.equal(timecode(0, 30), "00:00:00:00");
  assert.equal(timecode(61.5, 30), "00:01:01:15");
  assert.equal(timecode(3600 + 59 / 25, 25), "01:00:02:09");
  assert.equal(timecode(-1, 30), "00:00:00:00");
});

test("tracks stack bottom-up: the last track is the top row", () => {
  const two = trackRows(TL.tracks);
  assert.deepEqual(two, [1, 0]);
  assert.equal(rowOf(0, two), 1);
  assert.equal(rowOf(1, two), 0);
  assert.equal(trackAt(5, two), 1);
  assert.equal(trackAt(TRACK_HEIGHT + 5, two), 0);
  assert.equal(trackAt(-1, two), -1);
  assert.equal(trackAt(2 * TRACK_HEIGHT, two), -1);
});

test("video and text tracks are drawn top-down from the top layer, audio tracks below them", () => {
  const kinds = ["audio", "video", "text", "audio", "video"]; // A1 V1 T1 A2 V2, in project order
  const rows = trackRows(kinds.map((kind) => ({ kind })));
  assert.deepEqual(rows, [4, 2, 1, 0, 3]); // V2 T1 V1 | A1 A2
  assert.deepEqual(rows.map((i) => kinds[i]), ["video", "text", "video", "audio", "audio"]);
  for (const [row, index] of rows.entries()) {
    assert.equal(rowOf(index, rows), row);
    assert.equal(trackAt(row * TRACK_HEIGHT + 1, rows), index);
  }
  assert.equal(rowOf(7, rows), -1);
  assert.deepEqual(trackRows([]), []);
  assert.deepEqual(trackRows([{ kind: "audio" }, { kind: "audio" }]), [0, 1]);
  // the clips of an audio track added first sit below the video's
  const tl = { tracks: [
    { index: 0, kind: "audio", clips: [clip("s", 0, 1)] },
    { index: 1, kind: "video", clips: [clip("v", 0, 1)] },
  ] };
  const rects = layoutClips(tl, 10);
  assert.equal(rects.find((r) => r.id === "v").y, 0);
  assert.equal(rects.find((r) => r.id === "s").y, TRACK_HEIGHT);
  assert.deepEqual(hitTest(rects, 5, TRACK_HEIGHT + 5), { id: "s", track: 0, part: "body" });
});

test("logarithmic sliders: speed 0.1–100 and volume 0–10, 1.0 in the middle", () => {
  for (const [min, max] of [[0.1, 100], [0, 10], [0.01, 20]]) {
    const s = logSlider(min, max, 1);
    assert.equal(s.toValue(0), min);
    assert.ok(Math.abs(s.toValue(1) - max) < 1e-9 * max);
    assert.ok(Math.abs(s.toValue(0.5) - 1) < 1e-12, `${min}–${max}: 1.0 sits in the middle`);
    assert.ok(Math.abs(s.toPosition(1) - 0.5) < 1e-12);
    assert.equal(s.toPosition(min), 0);
    assert.equal(s.toPosition(max), 1);
    let last = -Infinity; // value → position → value, and strictly increasing
    for (let i = 0; i <= 200; i++) {
      const v = min + (max - min) * (i / 200) ** 3;
      const p = s.toPosition(v);
      assert.ok(p > last || (i === 0 && p === 0), `${v} at ${p}`);
      last = p;
      assert.ok(Math.abs(s.toValue(p) - v) <= 1e-9 * Math.max(1, v), `${v} → ${p} → ${s.toValue(p)}`);
    }
    for (let k = 0; k <= 1000; k++) assert.ok(Math.abs(s.toPosition(s.toValue(k / 1000)) - k / 1000) < 1e-9);
    // out of range: clamped, never NaN
    assert.equal(s.toPosition(max * 2), 1);
    assert.equal(s.toPosition(min - 1), 0);
    assert.equal(s.toValue(-1), min);
    assert.ok(Math.abs(s.toValue(2) - max) < 1e-9 * max);
  }
  // usable: the slider's first half reaches from the minimum to 1.0, 2× is not squeezed
  const speed = logSlider(0.1, 100, 1);
  assert.ok(speed.toPosition(2) - speed.toPosition(1) > 0.05);
  assert.ok(speed.toPosition(0.5) < 0.45);
  const volume = logSlider(0, 10, 1);
  assert.ok(volume.toPosition(0.5) > 0.3 && volume.toPosition(2) < 0.7);
  // a middle that is not in the lower half: linear
  const linear = logSlider(0, 1, 1);
  assert.equal(linear.toValue(0.25), 0.25);
  assert.equal(linear.toPosition(0.75), 0.75);
  // no middle given (the range is Python's; the widget assumes none): linear
  assert.equal(logSlider(0, 10).toPosition(5), 0.5);
  assert.equal(roundToStep(0.1 + 0.2, 0.05), 0.3);
  assert.equal(roundToStep(1.23456, 0.01), 1.23);
  assert.equal(roundToStep(0.7499, 0.25), 0.75);
  assert.equal(roundToStep(7, 0), 7);
});

test("child lists flatten (an array given as a child is never shown as text)", () => {
  assert.deepEqual(nodes(["a", ["b", ["c", null]], undefined, [], "d"]), ["a", "b", "c", "d"]);
});

test("every toolbar icon is its own picture: split is not close", () => {
  const paths = Object.values(ICONS).map(([, d]) => d);
  assert.equal(new Set(paths).size, paths.length);
  assert.notEqual(ICONS.split[1], ICONS.close[1]);
});

test("layout and hit-testing", () => {
  const rects = layoutClips(TL, 100);
  assert.deepEqual(rects.find((r) => r.id === "b"), { id: "b", track: 0, x: 200, y: TRACK_HEIGHT, w: 300, h: TRACK_HEIGHT });
  const y0 = TRACK_HEIGHT + 10; // a point in track 0's row
  assert.deepEqual(hitTest(rects, 250, y0), { id: "b", track: 0, part: "body" });
  assert.deepEqual(hitTest(rects, 201, y0), { id: "b", track: 0, part: "start" });
  assert.deepEqual(hitTest(rects, 499, y0), { id: "b", track: 0, part: "end" });
  assert.deepEqual(hitTest(rects, 150, 10), { id: "c", track: 1, part: "body" });
  assert.equal(hitTest(rects, 150, y0 + TRACK_HEIGHT), null);
  assert.equal(hitTest(rects, 600, y0), null);
  // Tiny clips keep a body to grab: the edges shrink to a quarter of the width each.
  const tiny = [{ id: "t", track: 0, x: 0, y: 0, w: 8, h: 10 }];
  assert.equal(hitTest(tiny, 4, 5).part, "body");
  assert.ok(EDGE_PX > 2);
});

test("snap targets and snapping", () => {
  const targets = snapTargets(TL, { exclude: "b", playhead: 3.3 });
  assert.deepEqual(targets, [0, 1, 2, 3.3, 4.2]);
  assert.deepEqual(snapTime(3.25, targets, 0.1), { t: 3.3, target: 3.3 });
  assert.deepEqual(snapTime(3.0, targets, 0.1), { t: 3.0, target: null });
  assert.deepEqual(snapTime(1.96, targets, 0.1), { t: 2, target: 2 });
  // A span snaps by its start or by its end, whichever is nearer.
  assert.deepEqual(snapSpan(1.05, 3, targets, 0.1), { start: 1, target: 1 });
  const byEnd = snapSpan(1.17, 3, targets, 0.1);
  assert.equal(byEnd.target, 4.2);
  assert.ok(Math.abs(byEnd.start - 1.2) < 1e-9);
  assert.deepEqual(snapSpan(0.5, 0.2, targets, 0.1), { start: 0.5, target: null });
});

test("trims stay inside the source and leave a frame", () => {
  const c = { start: 2, duration: 2, min_start: 1.5, max_end: 5 };
  assert.equal(clampTrim(c, "start", 0.2, 30), 1.5);
  assert.equal(clampTrim(c, "start", 4.5, 30), 4 - 1 / 30);
  assert.equal(clampTrim(c, "end", 9, 30), 5);
  assert.equal(clampTrim(c, "end", 1, 30), 2 + 1 / 30);
  assert.equal(clampTrim({ start: 1, duration: 1, min_start: -4, max_end: null }, "start", -3, 30), 0);
  assert.equal(clampTrim({ start: 1, duration: 1, max_end: null }, "end", 99, 30), 99);
});

test("zoom keeps the time under the pointer in place", () => {
  const z = zoomAt(100, 500, 200, 2);
  assert.equal(z.zoom, 200);
  assert.equal((z.scrollLeft + 200) / z.zoom, (500 + 200) / 100);
  assert.equal(zoomAt(100, 0, 0, 1e9).zoom, MAX_ZOOM);
  assert.equal(zoomAt(100, 0, 0, 1e-9).zoom, MIN_ZOOM);
  assert.equal(zoomAt(100, 0, 50, 0.5).scrollLeft, 0);
  assert.equal(fitZoom(10, 1040), 100);
  assert.ok(rulerStep(100, 30) >= 0.8 && rulerStep(100, 30) * 100 >= 80);
  assert.equal(rulerStep(10000, 30), 1 / 30); // one label per frame when zoomed right in
  assert.equal(rulerStep(1000, 30), 5 / 30);
});

test("visible spans, thumbnail slots and waveform columns", () => {
  assert.deepEqual(visibleSpan(100, 300, 0, 200), { x: 0, w: 100 });
  assert.deepEqual(visibleSpan(100, 300, 250, 1000), { x: 150, w: 150 });
  assert.equal(visibleSpan(100, 50, 200, 100), null);
  const slots = thumbSlots(0, 100, 100, 40, 4);
  assert.deepEqual(slots.map((s) => s.x), [0, 40, 80]);
  assert.deepEqual(slots.map((s) => s.index), [0, 2, 3]);
  assert.deepEqual(thumbSlots(45, 10, 100, 40, 4).map((s) => s.x), [40]);
  assert.deepEqual(thumbSlots(0, 10, 0, 40, 4), []);
  const data = new Float32Array([-0.1, 0.2, -0.5, 0.4, -0.3, 0.9, -0.2, 0.1]); // 4 columns
  assert.deepEqual([...peakAt(data, 4, 2, 0)].map((x) => +x.toFixed(2)), [-0.5, 0.4]);
  assert.deepEqual([...peakAt(data, 4, 8, 7)].map((x) => +x.toFixed(2)), [-0.2, 0.1]);
});

test("envelopes decode from (unaligned) DataViews", () => {
  const values = new Float32Array([1.5, -2, 3, 4]);
  const bytes = new Uint8Array(1 + values.byteLength);
  bytes.set(new Uint8Array(values.buffer), 1);
  const view = new DataView(bytes.buffer, 1, values.byteLength);
  const { data, shape } = decodeEnvelope({ dtype: "float32", shape: [2, 2], buffer: 0 }, [view]);
  assert.deepEqual([...data], [1.5, -2, 3, 4]);
  assert.deepEqual(shape, [2, 2]);
  assert.throws(() => decodeEnvelope({ dtype: "float64", shape: [1], buffer: 0 }, [view]), /dtype/);
  assert.throws(() => decodeEnvelope({ dtype: "int32", shape: [3], buffer: 0 }, [view]), /does not hold/);
});

test("keys map to actions", () => {
  const k = (key, mods = {}) => keyAction({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });
  assert.equal(k(" "), "toggle");
  assert.equal(k("j"), "reverse");
  assert.equal(k("K"), "stop");
  assert.equal(k("l"), "forward");
  assert.equal(k("ArrowLeft"), "back-frame");
  assert.equal(k("ArrowRight", { shiftKey: true }), "forward-second");
  assert.equal(k("Home"), "home");
  assert.equal(k("End"), "end");
  assert.equal(k("s"), "split");
  assert.equal(k("Delete"), "delete");
  assert.equal(k("Backspace"), "delete");
  assert.equal(k("m"), "marker");
  assert.equal(k("z", { ctrlKey: true }), "undo");
  assert.equal(k("Z", { metaKey: true, shiftKey: true }), "redo");
  assert.equal(k("y", { ctrlKey: true }), "redo");
  assert.equal(k("s", { ctrlKey: true }), null); // leave Ctrl+S to the notebook
  assert.equal(k("q"), null);
});

test("a field keeps its own keys from JupyterLab: typing, Enter, arrows; not Escape or Shift+Enter", () => {
  const key = (k, mods = {}) => fieldKey({ key: k, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods });
  for (const k of ["Enter", "1", ".", "-", "a", "ArrowUp", "ArrowDown", "Backspace", "Delete", "Home"]) assert.equal(key(k), true, k);
  for (const k of ["Escape", "Tab", "F5"]) assert.equal(key(k), false, k);
  assert.equal(key("Enter", { shiftKey: true }), false);
  assert.equal(key("Enter", { ctrlKey: true }), false);
  assert.equal(key("z", { ctrlKey: true }), false);
  assert.equal(key("A", { shiftKey: true }), true);
});

test("J/K/L and Space change the rate", () => {
  assert.equal(nextRate(0, "toggle"), 1);
  assert.equal(nextRate(2, "toggle"), 0);
  assert.equal(nextRate(0, "forward"), 1);
  assert.equal(nextRate(1, "forward"), 2);
  assert.equal(nextRate(8, "forward"), 8);
  assert.equal(nextRate(2, "reverse"), -1);
  assert.equal(nextRate(-1, "reverse"), -2);
  assert.equal(nextRate(-4, "stop"), 0);
});

test("playback follows the clock and stops at the ends", () => {
  assert.deepEqual(playTime(1, 1000, 1500, 1, 10), { t: 1.5, ended: false });
  assert.deepEqual(playTime(1, 1000, 1500, 2, 10), { t: 2, ended: false });
  assert.deepEqual(playTime(9.9, 0, 1000, 1, 10), { t: 10, ended: true });
  assert.deepEqual(playTime(0.5, 0, 1000, -1, 10), { t: 0, ended: true });
});

test("preview width follows the box, capped and rounded", () => {
  assert.equal(previewWidth(500, 2, 640, 1920), 640);
  assert.equal(previewWidth(300, 1, 640, 1920), 288);
  assert.equal(previewWidth(300, 1, 640, 160), 160);
  assert.equal(previewWidth(10, 1, 640, 1920), 64);
});

test("debounce runs once after the last call; flush and cancel", async () => {
  const calls = [];
  const d = debounce((x) => calls.push(x), 20);
  d(1);
  d(2);
  assert.equal(d.pending(), true);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(calls, [2]);
  d(3);
  d.flush();
  assert.deepEqual(calls, [2, 3]);
  d(4);
  d.cancel();
  await new Promise((r) => setTimeout(r, 40));
  assert.deepEqual(calls, [2, 3]);
  assert.equal(d.pending(), false);
});

test("media is asked for clips whose media key changed", () => {
  const asked = new Map([["a", "a|2"], ["b", "old"]]);
  assert.deepEqual(mediaWanted(TL, asked), ["b", "c"]);
});

test("labels are filled like Python's str.format", () => {
  assert.equal(fill("Undo {label} (Ctrl+Z)", { label: "move" }), "Undo move (Ctrl+Z)");
  assert.equal(fill("{seconds:.0f} s left", { seconds: 3 }), "3 s left");
  assert.equal(fill("keep {this}", {}), "keep {this}");
  assert.equal(RULER_HEIGHT > 0, true);
});
