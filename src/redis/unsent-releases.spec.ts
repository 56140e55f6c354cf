import { describe, expect, it } from 'vitest';
import type { SharedReservation } from './deployment-limiter.js';
import { UnsentReleases, type Release } from './unsent-releases.js';

const withdrawal = (member: string): Release => ({
  kind: 'withdraw',
  reservations: [{ deploymentKey: 'groq/m', tokens: 1, member, windowKeys: [] } satisfies SharedReservation],
});
const members = (releases: Release[]) => releases.flatMap((release) => (release.kind === 'withdraw' ? release.reservations.map((r) => r.member) : []));

describe('UnsentReleases', () => {
  it('gives back every release kept, oldest first, once', () => {
    const unsent = new UnsentReleases(10);
    unsent.add(withdrawal('a'));
    unsent.add(withdrawal('b'));

    const taken = unsent.takeAll();
    expect(members(taken.releases)).toEqual(['a', 'b']);
    expect(taken.dropped).toBe(0);
    expect(unsent.size).toBe(0);
    expect(unsent.takeAll().releases).toEqual([]);
  });

  it('keeps at most `capacity`, dropping the oldest and counting them', () => {
    const unsent = new UnsentReleases(2);
    for (const member of ['a', 'b', 'c', 'd']) unsent.add(withdrawal(member));

    const taken = unsent.takeAll();
    expect(members(taken.releases)).toEqual(['c', 'd']);
    expect(taken.dropped).toBe(2);
    expect(unsent.takeAll().dropped).toBe(0);
  });
});
