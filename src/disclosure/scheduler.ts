/**
 * The in-process scheduler: every `intervalMs` it looks at open cases, queues each due
 * reminder once, offers escalations, and delivers the outbox. "Once" holds across
 * processes: a reminder is queued in the same transaction as the claim of its key
 * (`reminder:<idempotency key>`), which only one process can win; an escalation is
 * offered by a case change, which only one process can save. The clock is injected, so
 * tests drive `tick()` at any instant.
 */
import { randomBytes } from 'node:crypto';
import { DisclosureError, dueReminders } from './domain/index.ts';
import type { Case, Reminder } from './domain/index.ts';
import type { DisclosureService } from './service.ts';
import type { CasePublisher } from './publication.ts';
import { deliverOutbox } from './delivery.ts';
import type { SendMail } from './delivery.ts';

export interface SchedulerOptions {
  readonly service: DisclosureService;
  readonly now?: () => Date;
  readonly intervalMs?: number;
  readonly sendMail?: SendMail;
  /** Publishes cases whose publication is scheduled once their embargo end has passed. */
  readonly publisher?: CasePublisher;
  readonly fetch?: typeof fetch;
  /** Log a failed tick (the scheduler never throws from its timer). */
  readonly onError?: (err: unknown) => void;
}

export interface TickResult {
  readonly reminders: number;
  readonly escalations: number;
  /** Cases published by this tick (present with a publisher). */
  readonly published?: number;
  readonly sent: number;
  readonly failed: number;
}

export class DisclosureScheduler {
  readonly #o: SchedulerOptions;
  readonly #owner = `scheduler-${randomBytes(6).toString('hex')}`;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<TickResult> | undefined;

  constructor(o: SchedulerOptions) {
    this.#o = o;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      if (this.#running) return;
      this.tick().catch((err) => this.#o.onError?.(err));
    }, this.#o.intervalMs ?? 60_000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  /** One pass: reminders and escalations for every open case, then delivery. */
  async tick(): Promise<TickResult> {
    const run = this.#tick();
    this.#running = run;
    try {
      return await run;
    } finally {
      this.#running = undefined;
    }
  }

  async #tick(): Promise<TickResult> {
    const s = this.#o.service;
    const nowDate = this.#o.now ? this.#o.now() : new Date(s.now());
    const now = nowDate.toISOString();
    let reminders = 0;
    let escalations = 0;
    for (const c of await s.openCases()) {
      for (const r of dueReminders(c, now, s.config.reminders)) {
        if (r.kind === 'escalate') {
          if (await offerOnce(s, c.id, r.to)) escalations++;
          continue;
        }
        const items = [s.reminderMail(recipients(c, r, s.config.teamEmail), c.id, describe(r), `reminder:${r.key}`)].filter((m) => JSON.parse(m.payload).to.length > 0);
        if (await s.store.disclosure.enqueue(items, { key: `reminder:${r.key}`, owner: this.#owner, at: now })) reminders++;
      }
    }
    const published = this.#o.publisher ? (await this.#o.publisher.publishDue(now, this.#owner)).length : undefined;
    const d = await deliverOutbox({ store: s.store, now: () => this.#o.now?.() ?? new Date(s.now()), mailFrom: s.config.mailFrom, ...(this.#o.sendMail ? { sendMail: this.#o.sendMail } : {}), ...(this.#o.fetch ? { fetch: this.#o.fetch } : {}) });
    return { reminders, escalations, ...(published === undefined ? {} : { published }), ...d };
  }
}

/**
 * Offers the case unless it already was. No idempotency key: the case itself says whether
 * it was offered (`escalation`), and the offer is saved with the case's revision check, so
 * of two processes racing only one saves it and the other finds it offered. A crash before
 * the save leaves the case unoffered, and the next tick offers it.
 */
async function offerOnce(s: DisclosureService, caseId: string, to: Parameters<DisclosureService['offerEscalation']>[1]): Promise<boolean> {
  try {
    await s.offerEscalation(caseId, to);
    return true;
  } catch (err) {
    if (err instanceof DisclosureError && err.code === 'ESCALATION_STATE') return false;
    throw err;
  }
}

function recipients(c: Case, r: Reminder, teamEmail: string | undefined): string[] {
  const to = teamEmail ? [teamEmail] : [];
  if (r.kind === 'vendor-not-acknowledged' || r.kind === 'vendor-statement-missing') {
    const v = c.participants.find((p) => p.id === r.vendorId);
    if (v?.contact) to.push(v.contact);
  }
  return to;
}

function describe(r: Reminder): string {
  switch (r.kind) {
    case 'vendor-not-acknowledged': return `A vendor notified at ${r.notifiedAt} has not acknowledged the case yet. Please acknowledge it on your case page.`;
    case 'case-stale': return `Nothing has happened on this case since ${r.lastUpdatedAt}.`;
    case 'embargo-ending': return `The embargo ends in ${r.daysBefore} day(s), at ${r.endsAt}.`;
    case 'vendor-statement-missing': return `The embargo ends at ${r.endsAt} and a vendor statement is still missing for ${r.vulnerabilityIds.length} vulnerability(ies).`;
    default: return 'The case needs attention.';
  }
}
