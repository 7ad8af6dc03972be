/**
 * The 17:30 wave, small: tickets raised at one instant all fall due at one 17:30, leads and co
 * units of joint dispatches alike. Each party is breached once, stamped with the nominal instant
 * (the timers are spread over a few minutes, the record is not), and nothing is left stranded.
 * `npm run bench` plays the same at 5,000 tickets and reports how long the wave takes.
 */
import { describe, expect, it } from 'vitest';
import { benchWave } from '../bench/wave';

describe('the 17:30 wave', () => {
  it('breaches every party of 60 tickets due at one instant exactly once, at that instant', async () => {
    const wave = await benchWave({ tickets: 60, concurrency: 16 });
    expect(wave.nominalAt).toMatch(/T17:30:00\+08:00$/);
    // Joint dispatches are in the mix: more parties than tickets.
    expect(wave.parties).toBeGreaterThan(wave.tickets);
    expect(wave.wrong).toEqual([]);
    expect(wave.breachedOnce).toBe(wave.parties);
    expect(wave.strandedAfterWave).toBe(0);
  }, 120_000);
});
