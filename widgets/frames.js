/**
 * Frames in the browser: the request queue, the cache of frames already received, and the
 * look-ahead of playback.
 *
 * - Scrubbing: `FrameQueue.want` — one request in flight, the latest wins.
 * - Playing: `FrameQueue.ahead` keeps up to `depth` requests in flight for the frames the play
 *   clock will reach once a reply can be back (`playTargets`); a reply that comes too late is
 *   kept in the cache but not painted (`paintable`), so a slow kernel drops frames, never lags.
 * - `FrameCache`: an LRU of encoded frames keyed by (project content, frame, width): a frame
 *   seen before paints without a round trip; an edit changes the content key.
 *
 * No DOM: tested with `node --test widgets/test/`.
 */

/** The cache key of frame `index` of the project whose content key is `content`, `width` wide. */
export const frameKey = (content, index, width) => `${content}|${index}|${width}`;

/**
 * Frame requests to the kernel, each with an id; replies free their slot. `want` (scrubbing)
 * records the newest frame wanted and sends it once nothing is in flight, so a slow kernel
 * drops the frames in between instead of queueing them; `ahead` (playing) keeps up to
 * `depth` requests in flight. A request unanswered after `timeout` ms no longer counts.
 */
export class FrameQueue {
  constructor(send, { timeout = 10000, now = () => Date.now(), prefix = Math.random().toString(36).slice(2, 8) } = {}) {
    this.send = send;
    this.timeout = timeout;
    this.now = now;
    this.prefix = prefix; // ids stay unique when several views of one editor share the replies
    this.inFlight = new Map(); // id -> {key, request, sent}
    this.wanted = null;
    this.shown = null;
    this.count = 0;
  }

  /** The requests still awaited (the timed-out ones forgotten). */
  live() {
    const now = this.now();
    for (const [id, r] of this.inFlight) if (now - r.sent >= this.timeout) this.inFlight.delete(id);
    return this.inFlight;
  }

  /** Whether a request for `key` is awaited. */
  pending(key) {
    for (const r of this.live().values()) if (r.key === key) return true;
    return false;
  }

  /** Scrubbing: the frame named `key` is the one to show now (the latest wins). */
  want(request, key) {
    if (this.pending(key) || (this.live().size === 0 && key === this.shown)) {
      this.wanted = null;
      return;
    }
    this.wanted = { request, key };
    this.pump();
  }

  /** The frame named `key` is painted (the view says so): `want` need not ask for it. */
  showing(key) {
    this.shown = key;
    if (this.wanted?.key === key) this.wanted = null;
  }

  /** Forget the wish of `want` (playback took over). */
  drop() {
    this.wanted = null;
  }

  pump() {
    if (this.wanted === null || this.live().size > 0) return;
    const { request, key } = this.wanted;
    this.wanted = null;
    this.request(request, key);
  }

  request(request, key) {
    const id = `${this.prefix}-${++this.count}`;
    this.inFlight.set(id, { key, request, sent: this.now() });
    this.send({ ...request, kind: "frame", id });
    return id;
  }

  /**
   * Playing: ask for `items` (`[{request, key}]`, the soonest first) that are not awaited
   * yet, while fewer than `depth` requests are in flight. They go as one message (the first
   * request, the others in its `more` list, each with its own id): one kernel round of work
   * and one burst on the wire for several frames. While something is in flight, nothing is
   * sent until `batch` slots are free. Returns how many frames were asked for.
   */
  ahead(items, depth, batch = 1) {
    const live = this.live().size;
    const free = depth - live;
    if (free <= 0 || (live > 0 && free < batch)) return 0;
    const chosen = [];
    for (const item of items) {
      if (chosen.length >= free) break;
      if (this.pending(item.key) || chosen.some((c) => c.key === item.key)) continue;
      chosen.push(item);
    }
    if (chosen.length === 0) return 0;
    const now = this.now();
    const ids = chosen.map(({ request, key }) => {
      const id = `${this.prefix}-${++this.count}`;
      this.inFlight.set(id, { key, request, sent: now });
      return id;
    });
    const [first, ...rest] = chosen;
    const msg = { ...first.request, kind: "frame", id: ids[0] };
    if (rest.length) msg.more = rest.map((r, i) => ({ ...r.request, id: ids[i + 1] }));
    this.send(msg);
    return chosen.length;
  }

  /**
   * A reply arrived: `{key, request, latency}` of the request it answers (latency in ms), or null when
   * it is not one of ours or was given up (a stale reply).
   */
  receive(msg) {
    const r = this.inFlight.get(msg.id);
    if (r === undefined) return null;
    this.inFlight.delete(msg.id);
    if (msg.ok === false && this.shown === r.key) this.shown = null;
    this.pump();
    return { key: r.key, request: r.request, latency: this.now() - r.sent };
  }
}

/**
 * An LRU of frames: `key` → `{blob, ...meta}`, bounded by total bytes and by count. Reading an
 * entry makes it the most recent; adding past a bound drops the least recently used.
 */
export class FrameCache {
  constructor({ maxBytes = 128 * 1024 * 1024, maxItems = 2000 } = {}) {
    this.maxBytes = maxBytes;
    this.maxItems = maxItems;
    this.map = new Map();
    this.bytes = 0;
    this.hits = 0;
    this.misses = 0;
  }

  get size() {
    return this.map.size;
  }

  has(key) {
    return this.map.has(key);
  }

  get(key) {
    const v = this.map.get(key);
    if (v === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  /** Keep `value` (whose `blob.size`, or `bytes`, is its weight) under `key`. */
  set(key, value) {
    const bytes = value.bytes ?? value.blob?.size ?? 0;
    if (this.map.has(key)) this.bytes -= this.map.get(key).bytes;
    this.map.delete(key);
    if (bytes > this.maxBytes) return;
    this.map.set(key, { ...value, bytes });
    this.bytes += bytes;
    for (const [k, v] of this.map) {
      if (this.bytes <= this.maxBytes && this.map.size <= this.maxItems) break;
      this.map.delete(k);
      this.bytes -= v.bytes;
    }
  }

  /** Drop every entry whose key does not start with `content|` (another project state). */
  keepOnly(content) {
    const prefix = `${content}|`;
    for (const [k, v] of this.map) {
      if (!k.startsWith(prefix)) {
        this.map.delete(k);
        this.bytes -= v.bytes;
      }
    }
  }

  clear() {
    this.map.clear();
    this.bytes = 0;
  }
}

/**
 * The frames to ask for while playing, the soonest first: those the clock reaches once a reply
 * can be back (`latencyMs` after now), `depth` of them, `step` frames apart (the rate's
 * frames per displayed frame), towards the rate's direction, inside [0, last].
 */
export function playTargets(k, rate, fps, latencyMs, depth, last) {
  if (rate === 0) return [];
  const dir = Math.sign(rate);
  const step = Math.max(1, Math.round(Math.abs(rate)));
  const lead = Math.max(1, Math.ceil((latencyMs / 1000) * fps * Math.abs(rate)));
  const out = [];
  for (let i = 0; out.length < depth; i++) {
    const j = k + dir * (lead + i * step);
    if (j < 0 || j > last) break;
    out.push(j);
  }
  return out;
}

/**
 * Whether a frame that just arrived may be painted while playing: it is the frame at the
 * clock or between the one painted and it (never one the clock has left behind the picture).
 */
export function paintable(frame, clockFrame, shownFrame, rate) {
  if (rate >= 0) return frame <= clockFrame && (shownFrame === null || frame > shownFrame);
  return frame >= clockFrame && (shownFrame === null || frame < shownFrame);
}

/** The moving mean of round trips (ms): `prev` moved a `weight` of the way to `sample`. */
export const smooth = (prev, sample, weight = 0.25) => (prev === null ? sample : prev + weight * (sample - prev));
