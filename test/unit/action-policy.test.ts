/**
 * Who may take which action on a ticket, as one table: every action against every kind of actor,
 * through the one decision the use case makes (`authorize`) and the role check the API makes before
 * reading the ticket (`mayAttempt`). Unit scopes (assigned, lead) are the rules' part of the
 * decision and are covered by the authorization suite through the API.
 */
import { describe, expect, it } from 'vitest';
import { ForbiddenError } from '../../shared/domain/errors';
import type { Ticket } from '../../shared/domain/model';
import type { Principal } from '../../shared/domain/principal';
import {
  actionPolicy,
  authorize,
  mayAttempt,
  readAction,
  type TicketAction,
  ticketActionNames,
} from '../../shared/domain/ticket-actions';

const ticket = { id: 't1', streetId: 'st-a', communityId: 'cm-a', assignments: [] } as unknown as Ticket;

const actors = {
  admin: { sub: 'a', role: 'admin', via: 'token' },
  supervisor: { sub: 's', role: 'supervisor', streetId: 'st-a', via: 'token' },
  'supervisor elsewhere': { sub: 's2', role: 'supervisor', streetId: 'st-b', via: 'token' },
  'city supervisor': { sub: 's3', role: 'supervisor', via: 'token' },
  dispatcher: { sub: 'd', role: 'dispatcher', streetId: 'st-a', via: 'token' },
  reporter: { sub: 'r', role: 'reporter', communityId: 'cm-a', via: 'token' },
  'reporter elsewhere': { sub: 'r2', role: 'reporter', communityId: 'cm-b', via: 'token' },
  unit: { sub: 'u', role: 'unit', unitId: 'u-a', via: 'token' },
} as const satisfies Record<string, Principal>;
type Actor = keyof typeof actors;

/** ok: allowed (for unit actions: on to the rules' assignment check); role / scope: 403, and why. */
type Outcome = 'ok' | 'role' | 'scope';
const cols: Actor[] = [
  'admin',
  'supervisor',
  'supervisor elsewhere',
  'city supervisor',
  'dispatcher',
  'reporter',
  'reporter elsewhere',
  'unit',
];
// One column per actor, in the order of `cols`.
const unitOnly: Outcome[] = ['role', 'role', 'role', 'role', 'role', 'role', 'role', 'ok'];
const oversight: Outcome[] = ['ok', 'ok', 'scope', 'ok', 'role', 'role', 'role', 'role'];
const table: Record<TicketAction, Outcome[]> = {
  acknowledge: unitOnly,
  arrive: unitOnly,
  progress: unitOnly,
  resolve: unitOnly,
  return: unitOnly,
  extension: unitOnly,
  'extension/decision': oversight,
  urge: oversight,
  feedback: ['role', 'role', 'role', 'role', 'role', 'ok', 'scope', 'role'],
  cancel: ['ok', 'role', 'role', 'role', 'role', 'role', 'role', 'role'],
  ruling: oversight,
  reassign: oversight,
};

function outcome(actor: Principal, action: TicketAction): { outcome: Outcome; message?: string } {
  try {
    authorize(actor, action, ticket);
    return { outcome: 'ok' };
  } catch (err) {
    if (!(err instanceof ForbiddenError)) throw err;
    return { outcome: / in st-| here$/.test(err.message) ? 'scope' : 'role', message: err.message };
  }
}

describe('the action policy', () => {
  it('covers every action', () => {
    expect(Object.keys(table).sort()).toEqual([...ticketActionNames].sort());
    expect(Object.keys(actionPolicy).sort()).toEqual([...ticketActionNames].sort());
  });

  for (const action of ticketActionNames) {
    it(`${action}: ${table[action].join(' · ')}`, () => {
      const got = cols.map((c) => outcome(actors[c], action).outcome);
      expect(got).toEqual(table[action]);
      // The API's check before reading the ticket agrees with the role half of the decision.
      for (const c of cols) {
        const roleOk = (() => {
          try {
            mayAttempt(actors[c], action);
            return true;
          } catch {
            return false;
          }
        })();
        expect(roleOk).toBe(table[action][cols.indexOf(c)] !== 'role');
      }
    });
  }

  it('names the action and the scope in a refusal', () => {
    expect(outcome(actors['supervisor elsewhere'], 'urge').message).toBe(
      'supervisor of st-b may not urge in st-a',
    );
    expect(outcome(actors['reporter elsewhere'], 'feedback').message).toBe(
      'reporter of cm-b may not give the verdict here',
    );
    expect(outcome(actors.supervisor, 'cancel').message).toBe('supervisor may not cancel tickets');
  });
});

describe('readAction', () => {
  it('pairs an action with its body, validated by the action’s schema', () => {
    expect(readAction('extension', { workingDays: 3, reason: '需协调物业' })).toEqual({
      action: 'extension',
      body: { workingDays: 3, reason: '需协调物业' },
    });
  });

  it('refuses a bad body naming each field, as every request body is refused', () => {
    expect(() => readAction('extension', { workingDays: 0, extra: 1 })).toThrow(
      expect.objectContaining({
        name: 'ValidationError',
        message: 'invalid extension body',
        errors: expect.arrayContaining([
          { path: 'extra', message: 'unknown field' },
          { path: 'reason', message: 'required' },
          expect.objectContaining({ path: 'workingDays' }),
        ]),
      }),
    );
  });
});
