/**
 * Delivers the outbox: mail through SMTP (nodemailer) and signed webhooks. Items are
 * leased from the store, so several processes share the work without sending twice; a
 * failure is logged and retried with exponential backoff (1 min, 2, 4 … capped at 1 h),
 * so mail queued while the server is down goes out when it is back. Webhooks give up
 * after `maxWebhookAttempts` (the item stays in the store as `dead`, with its log).
 */
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { Store } from '../store/index.ts';
import type { DisclosureOutboxItem } from '../store/index.ts';
import { SIGNATURE_HEADER, signWebhook } from './crypto.ts';

/** Sends one mail; throws when the server refuses or cannot be reached. */
export type SendMail = (mail: { readonly from: string; readonly to: readonly string[]; readonly subject: string; readonly text: string; readonly messageId: string }) => Promise<void>;

/** A `SendMail` over SMTP (`smtp://user:pass@host:port`, `smtps://…`). */
export function smtpSender(url: string, opts: { readonly timeoutMs?: number } = {}): { readonly send: SendMail; close(): void } {
  const t = opts.timeoutMs ?? 10_000;
  const u = new URL(url);
  const transport: Transporter = nodemailer.createTransport({
    host: u.hostname, port: Number(u.port || (u.protocol === 'smtps:' ? 465 : 25)), secure: u.protocol === 'smtps:',
    ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
    // A local test server has no certificate; STARTTLS is still used whenever offered.
    tls: { rejectUnauthorized: u.searchParams.get('tls') !== 'insecure' ? true : false },
    connectionTimeout: t, greetingTimeout: t, socketTimeout: t,
  });
  return {
    async send(m) {
      await transport.sendMail({ from: m.from, to: [...m.to], subject: m.subject, text: m.text, messageId: m.messageId });
    },
    close: () => transport.close(),
  };
}

export interface DeliveryOptions {
  readonly store: Store;
  readonly now: () => Date;
  readonly mailFrom: string;
  /** Without it, mail items wait in the queue. */
  readonly sendMail?: SendMail;
  readonly fetch?: typeof fetch;
  readonly leaseMs?: number;
  readonly batch?: number;
  readonly maxWebhookAttempts?: number;
  readonly webhookTimeoutMs?: number;
}

/** Backoff before attempt n+1 after n failures: 1 min × 2^(n-1), at most 1 h. */
export function backoffMs(failures: number): number {
  return Math.min(3600_000, 60_000 * 2 ** Math.max(0, failures - 1));
}

/** One pass over the due items; returns how many were sent and how many failed. */
export async function deliverOutbox(o: DeliveryOptions): Promise<{ readonly sent: number; readonly failed: number }> {
  const nowMs = o.now().getTime();
  const items = await o.store.disclosure.leaseOutbox(new Date(nowMs).toISOString(), new Date(nowMs + (o.leaseMs ?? 120_000)).toISOString(), o.batch ?? 50);
  let sent = 0;
  let failed = 0;
  for (const item of items) {
    if (item.channel === 'mail' && !o.sendMail) continue;
    let detail: string;
    let ok = false;
    try {
      detail = item.channel === 'mail' ? await sendMailItem(o, item) : await sendWebhookItem(o, item);
      ok = true;
    } catch (err) {
      detail = (err as Error).message.slice(0, 500);
    }
    const at = o.now().toISOString();
    if (ok) {
      sent++;
      await o.store.disclosure.finishOutbox(item.id, { ok: true, at, detail });
    } else {
      failed++;
      const failures = item.attempts + 1;
      const giveUp = item.channel === 'webhook' && failures >= (o.maxWebhookAttempts ?? 10);
      await o.store.disclosure.finishOutbox(item.id, giveUp ? { ok: false, at, detail } : { ok: false, at, detail, retryAt: new Date(o.now().getTime() + backoffMs(failures)).toISOString() });
    }
  }
  return { sent, failed };
}

async function sendMailItem(o: DeliveryOptions, item: DisclosureOutboxItem): Promise<string> {
  const m = JSON.parse(item.payload) as { to: string[]; subject: string; text: string };
  await o.sendMail!({ from: o.mailFrom, to: m.to, subject: m.subject, text: m.text, messageId: `<${item.key}@cvekit>` });
  return `mail to ${m.to.length} recipient(s)`;
}

async function sendWebhookItem(o: DeliveryOptions, item: DisclosureOutboxItem): Promise<string> {
  const w = JSON.parse(item.payload) as { webhookId: string; event: string; body: string };
  const hook = await o.store.disclosure.getWebhook(w.webhookId);
  if (!hook) throw new Error(`webhook ${w.webhookId} no longer exists`);
  const t = Math.floor(o.now().getTime() / 1000);
  const res = await (o.fetch ?? fetch)(hook.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhook(hook.secret, w.body, t), 'x-cvekit-event': w.event, 'x-cvekit-delivery': item.key },
    body: w.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(o.webhookTimeoutMs ?? 10_000),
  });
  await res.body?.cancel().catch(() => undefined);
  if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}`);
  return `HTTP ${res.status}`;
}
