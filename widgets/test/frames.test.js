// Frames in the browser: the request queue, the LRU cache, the look-ahead of playback.
import assert from "node:assert/strict";
import test from "node:test";

import { FrameCache, FrameQueue, frameKey, paintable, playTargets, smooth } from "../frames.js";

test("scrubbing: one request in flight; the latest wins; stale replies are dropped", () => {
  const sent = [];
  const q = new FrameQueue((m) => sent.push(m), { prefix: "v" });
  q.want({ t: 0 }, "0");
  q.want({ t: 1 }, "1");
  q.want({ t: 2 }, "2"); // replaces 1 while 0 is in flight
  assert.deepEqual(sent, [{ t: 0, kind: "frame", id: "v-1" }]);
  const r = q.receive({ id: "v-1" });
  assert.equal(r.key, "0");
  assert.deepEqual(r.request, { t: 0 });
  assert.ok(r.latency >= 0);
  assert.deepEqual(sent.at(-1), { t: 2, kind: "frame", id: "v-2" }); // 1 was never asked for
  assert.equal(q.receive({ id: "w-2" }), null); // another view's request
  q.want({ t: 2 }, "2"); // already in flight: nothing new
  assert.equal(sent.length, 2);
  q.receive({ id: "v-2" });
  q.showing("2"); // the view painted it
  q.want({ t: 2 }, "2"); // already shown: nothing to do
  assert.equal(sent.length, 2);
  q.want({ t: 2 }, "2|rev2"); // the project changed: ask again
  assert.equal(sent.length, 3);
  q.receive({ id: "v-3", ok: false });
  q.want({ t: 2 }, "2|rev2"); // an error: the same frame may be asked for again
  assert.equal(sent.length, 4);
  assert.equal(q.receive({ id: "v-3" }), null); // a reply comes once
});

test("a frame painted from the cache cancels the wish for it", () => {
  const sent = [];
  const q = new FrameQueue((m) => sent.push(m), { prefix: "v" });
  q.want({ t: 0 }, "0");
  q.want({ t: 5 }, "5"); // waiting behind 0 …
  q.showing("5"); // … but the cache had it
  q.receive({ id: "v-1" });
  assert.equal(sent.length, 1); // 5 is not asked for
});

test("a request that never comes back does not block the queue for ever", () => {
  let now = 0;
  const sent = [];
  const q = new FrameQueue((m) => sent.push(m), { timeout: 1000, now: () => now, prefix: "v" });
  q.want({ t: 0 }, "0");
  q.want({ t: 1 }, "1");
  assert.equal(sent.length, 1);
  now = 5000;
  q.want({ t: 1 }, "1");
  assert.equal(sent.length, 2);
  assert.equal(q.receive({ id: "v-1" }), null); // the late reply to the abandoned request
  assert.equal(q.receive({ id: "v-2" }).key, "1");
});

test("playing: up to `depth` requests in flight, sent together, none twice", () => {
  let now = 0;
  const sent = [];
  const q = new FrameQueue((m) => sent.push(m), { now: () => now, prefix: "p" });
  const items = (ks) => ks.map((k) => ({ request: { t: k / 30 }, key: `c|${k}|640` }));
  assert.equal(q.ahead(items([3, 4, 5, 6]), 3), 3);
  assert.deepEqual(sent, [{ t: 0.1, kind: "frame", id: "p-1", more: [{ t: 4 / 30, id: "p-2" }, { t: 5 / 30, id: "p-3" }] }]);
  assert.equal(q.ahead(items([4, 5, 6, 7]), 3), 0); // full
  now = 40;
  assert.deepEqual(q.receive({ id: "p-1" }), { key: "c|3|640", request: { t: 0.1 }, latency: 40 });
  assert.equal(q.ahead(items([4, 5, 6, 7]), 3, 2), 0); // one slot free: waits for a batch of 2
  assert.equal(q.ahead(items([4, 5, 6, 7]), 3), 1); // 4 and 5 are in flight: 6 goes alone
  assert.deepEqual(sent.at(-1), { t: 0.2, kind: "frame", id: "p-4" });
  assert.equal(q.receive({ id: "p-3" }).key, "c|5|640"); // replies come one by one, by id
  // a scrub wish waits for the playing requests to drain, then goes alone
  q.want({ t: 1 }, "c|30|640");
  assert.equal(sent.length, 2);
  for (const id of ["p-2", "p-4"]) q.receive({ id });
  assert.deepEqual(sent.at(-1), { t: 1, kind: "frame", id: "p-5" });
  assert.equal(q.ahead(items([7, 7, 8]), 4, 2), 2); // 7 is asked for once
  assert.deepEqual(sent.at(-1), { t: 7 / 30, kind: "frame", id: "p-6", more: [{ t: 8 / 30, id: "p-7" }] });
});

test("the frame cache is an LRU bounded by bytes and by count", () => {
  const c = new FrameCache({ maxBytes: 100, maxItems: 3 });
  const e = (n) => ({ bytes: n, frame_index: n });
  c.set("a", e(40));
  c.set("b", e(40));
  assert.equal(c.get("a").frame_index, 40); // a is now the most recent
  c.set("c", e(40)); // 120 bytes > 100: the least recent (b) goes
  assert.deepEqual([...c.map.keys()], ["a", "c"]);
  assert.equal(c.bytes, 80);
  c.set("d", e(1));
  c.set("e", e(1)); // 4 entries > 3: a goes
  assert.deepEqual([...c.map.keys()], ["c", "d", "e"]);
  c.set("d", e(10)); // replacing an entry counts its bytes once
  assert.equal(c.bytes, 51);
  c.set("huge", e(101)); // larger than the whole cache: not kept
  assert.equal(c.has("huge"), false);
  assert.equal(c.get("nope"), undefined);
  assert.deepEqual([c.hits, c.misses], [1, 1]);
  const blob = { blob: { size: 7 } }; // a Blob's size is its weight
  c.set("b", blob);
  assert.equal(c.get("b").bytes, 7);
});

test("frame keys carry the project's content: an edit misses, an undo hits again", () => {
  const c = new FrameCache();
  c.set(frameKey("before", 12, 640), { bytes: 1 });
  assert.equal(c.has(frameKey("after", 12, 640)), false);
  assert.equal(c.has(frameKey("before", 12, 640)), true);
  assert.equal(c.has(frameKey("before", 12, 320)), false); // another size
  c.set(frameKey("after", 1, 640), { bytes: 1 });
  c.keepOnly("after");
  assert.deepEqual([...c.map.keys()], ["after|1|640"]);
  c.clear();
  assert.equal(c.size, 0);
});

test("play targets lead the clock by a round trip, step with the rate, stay inside", () => {
  // 60 ms at 30 fps is 1.8 frames: the first frame asked for is 2 ahead
  assert.deepEqual(playTargets(10, 1, 30, 60, 3, 100), [12, 13, 14]);
  assert.deepEqual(playTargets(10, 1, 30, 10, 3, 100), [11, 12, 13]); // at least one ahead
  assert.deepEqual(playTargets(10, 1, 30, 200, 3, 100), [16, 17, 18]); // a slow kernel: further
  assert.deepEqual(playTargets(10, 2, 30, 60, 3, 100), [14, 16, 18]); // 2×: every other frame
  assert.deepEqual(playTargets(10, -1, 30, 60, 3, 100), [8, 7, 6]); // backwards
  assert.deepEqual(playTargets(98, 1, 30, 60, 3, 100), [100]); // the end
  assert.deepEqual(playTargets(1, -1, 30, 60, 3, 100), []);
  assert.deepEqual(playTargets(10, 0, 30, 60, 3, 100), []);
});

test("a late frame is not painted: never behind the picture, never ahead of the clock", () => {
  assert.equal(paintable(12, 12, 10, 1), true); // the frame at the clock
  assert.equal(paintable(11, 12, 10, 1), true); // newer than the picture, not past the clock
  assert.equal(paintable(10, 12, 10, 1), false); // already shown
  assert.equal(paintable(9, 12, 10, 1), false); // older than the picture
  assert.equal(paintable(13, 12, 10, 1), false); // early: the tick paints it from the cache
  assert.equal(paintable(5, 12, null, 1), true);
  assert.equal(paintable(8, 7, 10, -1), true); // backwards
  assert.equal(paintable(11, 7, 10, -1), false);
  assert.equal(smooth(null, 40), 40);
  assert.equal(smooth(40, 80, 0.25), 50);
});
