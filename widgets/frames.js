/**
 * Frames in the browser: the request queue (scrubbing: one in flight, the latest wins).
 *
 * No DOM: tested with `node --test widgets/test/`.
 */

/**
 * Frame requests: one in flight, the latest wins. `want` records the newest frame wanted
 * (by a key naming what would be painted); a reply frees the slot and sends the newest
 * wish, so a slow kernel drops frames instead of queueing them.
 */
export class FrameQueue {
  constructor(send, { timeout = 10000, now = () => Date.now(), prefix = Math.random().toString(36).slice(2, 8) } = {}) {
    this.send = send;
    this.timeout = timeout;
    this.now = now;
    this.prefix = prefix; // ids stay unique when several views of one editor share the replies
    this.inFlight = null;
    this.wanted = null;
    this.shown = null;
    this.count = 0;
  }

  want(request, key) {
    const busy = this.inFlight !== null && this.now() - this.inFlight.sent < this.timeout;
    if ((busy && this.inFlight.key === key) || (!busy && key === this.shown)) {
      this.wanted = null;
      return;
    }
    this.wanted = { request, key };
    this.pump();
  }

  pump() {
    if (this.inFlight !== null && this.now() - this.inFlight.sent < this.timeout) return;
    if (this.wanted === null) return;
    const { request, key } = this.wanted;
    this.wanted = null;
    this.inFlight = { id: `${this.prefix}-${++this.count}`, key, sent: this.now() };
    this.send({ ...request, kind: "frame", id: this.inFlight.id });
  }

  /** A reply arrived; true when it answers the request in flight (else it is stale). */
  receive(msg) {
    if (this.inFlight === null || msg.id !== this.inFlight.id) return false;
    this.shown = msg.ok === false ? null : this.inFlight.key;
    this.inFlight = null;
    this.pump();
    return true;
  }
}
