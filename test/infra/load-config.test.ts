/** The first configuration of a deployed table: validated like an admin write, numbered next. */
import { describe, expect, it } from 'vitest';
import { nextSnapshot } from '../../infra/ops/load-config';
import { seedConfig } from '../../shared/config/seed';

const now = new Date('2026-05-06T09:00:00+08:00');

describe('nextSnapshot', () => {
  it('numbers the Liling seed after the latest version', () => {
    const snap = nextSnapshot({ now, latestVersion: 0, actor: 'ops:test' });
    expect(snap).toMatchObject({ version: 1, createdBy: 'ops:test', note: 'Liling seed' });
    expect(snap.createdAt).toBe('2026-05-06T09:00:00+08:00');
    expect(snap.units.map((u) => u.id)).toContain('u-city-social-work');
  });

  it("takes a city's sections and checks their references before anything is written", () => {
    const {
      version: _v,
      createdAt: _c,
      createdBy: _b,
      ...sections
    } = seedConfig('2026-01-01T00:00:00+08:00');
    expect(nextSnapshot({ sections, now, latestVersion: 4, actor: 'ops:test' }).version).toBe(5);
    const broken = structuredClone(sections);
    broken.dutyItems[0]!.coUnitIds = ['u-nowhere'];
    expect(() => nextSnapshot({ sections: broken, now, latestVersion: 4, actor: 'ops:test' })).toThrow(
      /refers to things that do not exist/,
    );
    expect(() =>
      nextSnapshot({ sections: { ...sections, extra: true }, now, latestVersion: 4, actor: 'ops:test' }),
    ).toThrow();
  });
});
