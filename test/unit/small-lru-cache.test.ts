/**
 * The Map-based cache that replaces mnemonist's in the Lambda bundles: least recently used goes
 * first, `peek` does not refresh (mnemonist's rules), and the SDK's EndpointCache works over it.
 */
import { EndpointCache } from '@aws-sdk/endpoint-cache';
import { describe, expect, it } from 'vitest';
import LRUCache from '../../functions/lib/aws/small-lru-cache';

describe('small LRU cache', () => {
  it('evicts the least recently used key; get refreshes, peek does not', () => {
    {
      const c = new LRUCache<string, number>(2);
      c.set('a', 1).set('b', 2);
      expect(c.get('a')).toBe(1); // a is now the most recent
      c.set('c', 3); // evicts b
      expect([c.has('a'), c.has('b'), c.has('c')]).toEqual([true, false, true]);
      expect(c.peek('a')).toBe(1); // a stays older than c
      c.set('d', 4); // evicts a
      expect([c.has('a'), c.has('c'), c.has('d')]).toEqual([false, true, true]);
      c.clear();
      expect(c.size).toBe(0);
    }
  });

  it("serves the SDK's endpoint cache", () => {
    const cache = new EndpointCache(10);
    (cache as unknown as { cache: unknown }).cache = new LRUCache(10);
    cache.set('k', [{ Address: 'dynamodb.cn-north-1.amazonaws.com.cn', CachePeriodInMinutes: 5 }]);
    expect(cache.has('k')).toBe(true);
    expect(cache.getEndpoint('k')).toBe('dynamodb.cn-north-1.amazonaws.com.cn');
    cache.delete('k');
    expect(cache.has('k')).toBe(false);
    expect(cache.getEndpoint('k')).toBeUndefined();
  });
});
