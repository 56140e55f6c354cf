/** The time source of everything that counts windows or cooldowns; tests substitute a fake. */
export abstract class Clock {
  abstract now(): number;
}

export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }
}
