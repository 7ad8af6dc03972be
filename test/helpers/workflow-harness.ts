/**
 * The real lifecycle ASL on the local engine, every Task bound to its handler, with a ManualClock:
 * tests jump through SLA time instantly and deterministically, acting over the HTTP API.
 */
import type { Runtime } from '../../infra/local/runtime';
import { ManualClock } from '../../infra/local/sim-clock';
import type { NotificationRecord } from '../../shared/ports';
import type { AuditReport, ReconcileResult } from '../../shared/use-cases/clock-reconciler';
import type { ApiClient } from './api-client';
import { bootRuntime } from './runtime';

export interface TicketView {
  id: string;
  code: string;
  status: string;
  slaClass: string;
  streetId: string;
  assignments: { unitId: string; role: string; status: string; acknowledgedAt?: string }[];
  deadlines: { acknowledgeBy?: string; arriveBy?: string; resolveBy?: string; feedbackBy?: string };
  escalationLevel: number;
  breaches: { stage: string; unitId: string; level: number; dueAt: string; breachedAt: string }[];
  timeline: { type: string; unitId?: string; detail?: string; at: string }[];
  reopenCount: number;
  closeReason?: string;
  flags: string[];
  extension?: { status: string };
}

export class Harness {
  private constructor(
    readonly rt: Runtime,
    readonly clock: ManualClock,
    readonly api: ApiClient,
  ) {}

  static async start(startIso: string, opts: { dataDir?: string } = {}): Promise<Harness> {
    const clock = new ManualClock(Date.parse(startIso));
    const { rt, api } = await bootRuntime({
      clock,
      // The watchdog runs when a test says so (reconcile()), never on its own between two steps.
      watchdogMs: 0,
      ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    });
    const h = new Harness(rt, clock, api);
    // Timers already due (re-attached tickets whose deadlines passed while down) fire now.
    await h.advanceMinutes(0);
    return h;
  }

  token(claims: Record<string, string>): Promise<string> {
    return this.api.cachedToken(claims);
  }

  admin() {
    return this.token({ role: 'admin' });
  }
  unit(unitId: string) {
    return this.token({ role: 'unit', unitId });
  }
  reporter(communityId: string) {
    return this.token({ role: 'reporter', communityId });
  }

  async create(body: Record<string, unknown>, communityId = body.communityId as string): Promise<TicketView> {
    const res = await this.api.call<TicketView>('POST', '/v1/tickets', await this.reporter(communityId), {
      title: '测试工单',
      description: '网格员巡查发现的问题',
      channel: 'grid',
      ...body,
    });
    if (res.status !== 201) throw new Error(`create failed ${res.status}: ${JSON.stringify(res.body)}`);
    await this.settle();
    return res.body;
  }

  async get(id: string): Promise<TicketView> {
    const res = await this.api.call<TicketView>('GET', `/v1/tickets/${id}`, await this.admin());
    return res.body;
  }

  async act(id: string, action: string, token: string, body?: unknown) {
    const res = await this.api.call<TicketView & { detail?: string }>(
      'POST',
      `/v1/tickets/${id}/${action}`,
      token,
      body,
    );
    await this.settle();
    return res;
  }

  /** The engine's tasks, then the sender's queue, then the engine again (a flag may re-arm a wait). */
  async settle(): Promise<void> {
    await this.rt.workflow.settled();
    await this.rt.outbox.drained();
    await this.rt.workflow.settled();
  }

  /** Move simulated time to `iso` (or by `minutes`), firing every timer due on the way. */
  async advanceTo(iso: string): Promise<void> {
    await this.clock.advanceTo(new Date(iso), () => this.settle());
  }

  async advanceMinutes(minutes: number): Promise<void> {
    await this.clock.advanceTo(new Date(this.clock.now().getTime() + minutes * 60_000), () => this.settle());
  }

  async notifications(ticketId: string): Promise<NotificationRecord[]> {
    const page = await this.rt.deps.store.listNotifications({ ticketId }, 100);
    return page.items;
  }

  transitions(ticketId: string): number | undefined {
    return this.rt.workflow.transitionsByTicket.get(ticketId);
  }

  running(ticketId: string): boolean {
    return this.rt.workflow.isRunning(ticketId);
  }

  /** The clock audit of every open ticket against the engine (GET /v1/admin/clock-audit). */
  async audit(): Promise<AuditReport> {
    await this.settle();
    return this.rt.watchdog.audit();
  }

  /** One reconciler pass over every open ticket, repairing at once, then let the repairs run. */
  async reconcile(): Promise<ReconcileResult> {
    await this.settle();
    const result = await this.rt.watchdog.pass({ full: true, confirm: false });
    await this.settle();
    return result;
  }

  /**
   * Every scenario ends with the clock audit at zero: whatever a test did, no open party of any
   * ticket is left without the wait its record says it has.
   */
  async stop(opts: { audit?: boolean } = {}): Promise<void> {
    try {
      if (opts.audit !== false) {
        const audit = await this.audit();
        if (audit.stranded > 0)
          throw new Error(`clock audit found ${audit.stranded} stranded: ${JSON.stringify(audit.items)}`);
      }
    } finally {
      await this.rt.stop();
    }
  }
}
