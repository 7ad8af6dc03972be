/**
 * Stands in for `mnemonist/lru-cache` in the Lambda bundles (an esbuild alias in
 * infra/constructs/bundling.ts). The DynamoDB client builds an endpoint-discovery cache on it
 * whether or not discovery is on (it is off by default, and here); mnemonist brings typed-array
 * helpers along (5 KB minified). This is the same least-recently-used cache on a Map, with the
 * methods the SDK's EndpointCache calls.
 */
export default class LRUCache<K, V> {
  private readonly items = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.items.size;
  }

  has(key: K): boolean {
    return this.items.has(key);
  }

  /** Reads without refreshing the key's recency. */
  peek(key: K): V | undefined {
    return this.items.get(key);
  }

  get(key: K): V | undefined {
    if (!this.items.has(key)) return undefined;
    const value = this.items.get(key) as V;
    this.items.delete(key);
    this.items.set(key, value);
    return value;
  }

  set(key: K, value: V): this {
    this.items.delete(key);
    this.items.set(key, value);
    if (this.items.size > this.capacity) this.items.delete(this.items.keys().next().value as K);
    return this;
  }

  delete(key: K): boolean {
    return this.items.delete(key);
  }

  clear(): void {
    this.items.clear();
  }
}
