import type { RateLimitSnapshot } from '../providers/rate-limit-headers.js';
import type { AttemptOutcome } from '../usage/limit-store.js';
import type { SharedReservation } from './deployment-limiter.js';

/** Something that frees shared reservations: a settle, or a withdrawal of reservations in doubt. */
export type Release =
  | {
      kind: 'settle';
      reservation: SharedReservation;
      outcome: AttemptOutcome;
      usage: { promptTokens: number; completionTokens: number } | undefined;
      now: number;
      providerReport?: RateLimitSnapshot;
    }
  | { kind: 'withdraw'; reservations: SharedReservation[] };

/**
 * Releases that could not reach Redis (it was down, or the connection dropped before it
 * answered), kept to be sent again once it is back, oldest first. At most `capacity`: past it
 * the oldest are dropped, and their reservations' lease frees them instead.
 */
export class UnsentReleases {
  private entries: Release[] = [];
  private droppedSinceTaken = 0;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.length;
  }

  add(release: Release): void {
    this.entries.push(release);
    if (this.entries.length > this.capacity) {
      this.entries.shift();
      this.droppedSinceTaken += 1;
    }
  }

  /** Takes every release out, oldest first, with how many were dropped since the last time. */
  takeAll(): { releases: Release[]; dropped: number } {
    const taken = { releases: this.entries, dropped: this.droppedSinceTaken };
    this.entries = [];
    this.droppedSinceTaken = 0;
    return taken;
  }
}
