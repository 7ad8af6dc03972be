/**
 * The ASL files themselves: valid Amazon States Language, JSONPath only (the local engine ignores
 * JSONata and variables), every substitution known, and retries that never re-run a dispatch.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { readLifecycleAsl, substituteAsl, substitutionKeys } from '../../workflows/contract';

const require = createRequire(import.meta.url);
const validator = require('asl-validator') as (
  definition: unknown,
  opts?: { checkPaths: boolean; checkArn: boolean },
) => { isValid: boolean; errorsText: (sep?: string) => string };

interface State {
  Type: string;
  Resource?: string;
  Retry?: { ErrorEquals: string[]; MaxAttempts?: number }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  ItemProcessor?: { States: Record<string, State> };
}

function allStates(states: Record<string, State>, out: [string, State][] = []): [string, State][] {
  for (const [name, s] of Object.entries(states)) {
    out.push([name, s]);
    if (s.ItemProcessor) allStates(s.ItemProcessor.States, out);
  }
  return out;
}

const fake = Object.fromEntries(
  substitutionKeys.map((k) => [k, `arn:aws:lambda:ap-east-1:123456789012:function:${k}`]),
) as Record<(typeof substitutionKeys)[number], string>;
const definition = JSON.parse(substituteAsl(readLifecycleAsl(), fake)) as { States: Record<string, State> };
const states = allStates(definition.States);

describe('ticket-lifecycle.asl.json', () => {
  it('passes asl-validator once substituted', () => {
    const result = validator(definition, { checkPaths: true, checkArn: true });
    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('uses only the contract substitutions and JSONPath', () => {
    const raw = readLifecycleAsl();
    const used = [...raw.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]);
    expect(new Set(used)).toEqual(new Set(substitutionKeys));
    expect(raw).not.toMatch(/"QueryLanguage"|"Assign"|"Arguments"|"Output"|HeartbeatSeconds/);
  });

  it('gives every callback an explicit timeout and never retries a timeout', () => {
    const callbacks = states.filter(([, s]) => s.Resource?.endsWith('.waitForTaskToken'));
    expect(callbacks.map(([n]) => n).sort()).toEqual(['AwaitTicket', 'AwaitUnit']);
    for (const [, s] of callbacks) {
      expect(s.TimeoutSecondsPath ?? s.TimeoutSeconds).toBeDefined();
      expect(s.Retry?.[0]).toEqual({ ErrorEquals: ['States.Timeout'], MaxAttempts: 0 });
      expect(s.Catch?.[0]?.ErrorEquals).toEqual(['States.Timeout']);
    }
  });

  it('retries only transient, safe-to-retry errors on every task', () => {
    for (const [name, s] of states.filter(([, st]) => st.Type === 'Task')) {
      const retried = (s.Retry ?? []).flatMap((r) => (r.MaxAttempts === 0 ? [] : r.ErrorEquals));
      expect(retried).not.toContain('States.ALL');
      expect(retried).not.toContain('States.Timeout');
      expect(retried).toContain('StoreBusyError');
      if (name !== 'ClockFailed')
        expect(s.Catch?.some((c) => c.ErrorEquals.includes('TicketGoneError'))).toBe(true);
    }
  });

  it('follows every wait with the wait again, never a Choice: a done party ends by PartyDone', () => {
    const byName = new Map(states);
    for (const name of ['AwaitUnit', 'UnitTimer']) {
      const s = byName.get(name) as State & { Next?: string };
      expect(s.Next, name).toBe('AwaitUnit');
    }
    const awaitUnit = byName.get('AwaitUnit') as State;
    expect(awaitUnit.Catch?.find((c) => c.ErrorEquals.includes('PartyDone'))?.Next).toBe('UnitDone');
  });
});
