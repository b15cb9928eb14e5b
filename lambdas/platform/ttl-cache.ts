/**
 * The per-container memo of reads (apps, campaigns, connectors, short links): a batch of receipts costs
 * a few reads, not a few per receipt. Entries live `ttlMs`; at most `maxEntries`, the least recently
 * used going first; failed loads, and values `keep` refuses, are not remembered.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { at: number; value: Promise<V> }>();

  constructor(
    private readonly ttlMs = 30_000,
    private readonly maxEntries = 1_000,
  ) {}

  get(
    key: string,
    now: number,
    load: () => Promise<V>,
    keep: (value: V) => boolean = () => true,
  ): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) {
      this.entries.delete(key); // most recently used last
      this.entries.set(key, hit);
      return hit.value;
    }
    const value = load();
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { at: now, value });
    const forget = (): void => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    };
    value.then((v) => keep(v) || forget(), forget);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
