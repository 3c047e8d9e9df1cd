/** Time as the domain sees it; tests and the emulator's simulated clock swap it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
