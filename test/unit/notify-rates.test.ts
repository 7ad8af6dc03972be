/** Token buckets (pure, on a fake clock): a backlog drains at the rate, never in a burst above it. */
import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../shared/use-cases/token-buckets';

function fakeTime() {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}

describe('token buckets', () => {
  it('lets one second of the rate through at once, then paces the rest', async () => {
    const t = fakeTime();
    const buckets = new TokenBuckets(t.now, t.sleep);
    const times: number[] = [];
    for (let i = 0; i < 60; i += 1) {
      await buckets.acquire('sms:aliyun', 20);
      times.push(t.now());
    }
    expect(times.filter((x) => x === 0)).toHaveLength(20);
    // 60 messages at 20 per second: the last one two seconds after the first.
    expect(times.at(-1)).toBe(2_000);
    // After the first second's worth, message n goes out no earlier than (n − 19) / 20 s.
    for (let i = 20; i < times.length; i += 1) expect(times[i]).toBeGreaterThanOrEqual((i - 19) * 50 - 1);
  });

  it('keeps buckets apart: a robot’s 20 a minute does not slow SMS', async () => {
    const t = fakeTime();
    const buckets = new TokenBuckets(t.now, t.sleep);
    await buckets.acquire('wecom:g1', 20 / 60);
    await buckets.acquire('wecom:g1', 20 / 60);
    expect(t.now()).toBe(3_000);
    await buckets.acquire('sms:sns', 20);
    expect(t.now()).toBe(3_000);
  });

  it('serves concurrent callers of one key in order', async () => {
    const t = fakeTime();
    const buckets = new TokenBuckets(t.now, t.sleep);
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => buckets.acquire('email', 1).then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3]);
  });
});
