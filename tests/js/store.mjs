// The one in-memory store of the JS tests and benches: the npm package's `Storage`
// (get / put with a precondition / list), tags counting writes, refused writes counted.
// `yieldEach` makes every call wait a turn of the event loop, so concurrent writers
// really interleave.

/** Whether a write may proceed given the key's current tag (`null` = absent). */
export const holds = (expected, current) =>
  expected.kind === "any" ||
  (expected.kind === "absent" && current === null) ||
  (expected.kind === "tag" && current === expected.tag);

export class MemoryStore {
  constructor({ yieldEach = false } = {}) {
    this.items = new Map();
    this.next = 0;
    this.refused = 0;
    this.yieldEach = yieldEach;
  }
  async turn() {
    if (this.yieldEach) await new Promise((r) => setImmediate(r));
  }
  async get(key) {
    await this.turn();
    const v = this.items.get(key);
    return v ? { bytes: v.bytes, tag: v.tag } : null;
  }
  async put(key, bytes, expected) {
    await this.turn();
    if (!holds(expected, this.items.get(key)?.tag ?? null)) {
      this.refused++;
      return null;
    }
    const tag = `t${++this.next}`;
    this.items.set(key, { bytes: bytes.slice(), tag });
    return tag;
  }
  async list(prefix) {
    await this.turn();
    return [...this.items.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  json(key) {
    return JSON.parse(new TextDecoder().decode(this.items.get(key).bytes));
  }
}
