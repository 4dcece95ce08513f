/**
 * @module Row mapping shared by the SQLite and PostgreSQL disclosure stores: column
 * names to the types of `disclosure-types.ts` (booleans arrive as 0/1 or true/false).
 * @internal
 */
import type {
  DisclosureAuditEntry,
  DisclosureCaseRow,
  DisclosureChannel,
  DisclosureDeliveryLogEntry,
  DisclosureDocumentKind,
  DisclosureDocumentRow,
  DisclosurePublicAdvisoryRow,
  DisclosureEventRow,
  DisclosureFileInfo,
  DisclosureMessageRow,
  DisclosureOutboxItem,
  DisclosureReportRow,
  DisclosureTokenRow,
  DisclosureVendorRow,
  DisclosureWebhookRow,
} from './disclosure-types.ts';

export type Row = Record<string, unknown>;
export function reportRow(r: Row): DisclosureReportRow {
  return { id: String(r.id), receivedAt: String(r.received_at), ...(r.case_id == null ? {} : { caseId: String(r.case_id) }), status: r.status as 'open' | 'closed', body: String(r.body) };
}
export function caseRow(r: Row): DisclosureCaseRow {
  return { id: String(r.id), revision: Number(r.revision), createdAt: String(r.created_at), updatedAt: String(r.updated_at), open: bool(r.open), snapshot: String(r.snapshot) };
}
export function eventRow(r: Row): DisclosureEventRow {
  return { caseId: String(r.case_id), seq: Number(r.seq), at: String(r.at), actor: String(r.actor), type: String(r.type), data: String(r.data) };
}
export function tokenRow(r: Row): DisclosureTokenRow {
  return {
    hash: String(r.hash), kind: r.kind as DisclosureTokenRow['kind'],
    ...(r.report_id == null ? {} : { reportId: String(r.report_id) }),
    ...(r.case_id == null ? {} : { caseId: String(r.case_id) }),
    ...(r.participant_id == null ? {} : { participantId: String(r.participant_id) }),
    createdAt: String(r.created_at), expiresAt: String(r.expires_at), revoked: bool(r.revoked),
  };
}
export function fileInfo(r: Row): DisclosureFileInfo {
  return {
    id: String(r.id), ...(r.report_id == null ? {} : { reportId: String(r.report_id) }), ...(r.case_id == null ? {} : { caseId: String(r.case_id) }),
    name: String(r.name), mediaType: String(r.media_type), size: Number(r.size), sha256: String(r.sha256), uploadedBy: String(r.uploaded_by), createdAt: String(r.created_at),
  };
}
export function messageRow(r: Row): DisclosureMessageRow {
  return {
    id: String(r.id), ...(r.case_id == null ? {} : { caseId: String(r.case_id) }), ...(r.report_id == null ? {} : { reportId: String(r.report_id) }),
    ...(r.parent_id == null ? {} : { parentId: String(r.parent_id) }), author: String(r.author), visibility: r.visibility as DisclosureMessageRow['visibility'],
    body: String(r.body), createdAt: String(r.created_at),
  };
}
export function auditRow(r: Row): DisclosureAuditEntry {
  return {
    id: Number(r.id), at: String(r.at), actor: String(r.actor), action: String(r.action),
    ...(r.case_id == null ? {} : { caseId: String(r.case_id) }), ...(r.report_id == null ? {} : { reportId: String(r.report_id) }), ...(r.detail == null ? {} : { detail: String(r.detail) }),
  };
}
export function vendorRow(r: Row): DisclosureVendorRow {
  return { id: String(r.id), name: String(r.name), contacts: JSON.parse(String(r.contacts)), products: JSON.parse(String(r.products)), createdAt: String(r.created_at) };
}
export function webhookRow(r: Row): DisclosureWebhookRow {
  return { id: String(r.id), url: String(r.url), secret: String(r.secret), ...(r.vendor_id == null ? {} : { vendorId: String(r.vendor_id) }), createdAt: String(r.created_at) };
}
export function outboxRow(r: Row): DisclosureOutboxItem {
  return {
    id: Number(r.id), key: String(r.key), channel: r.channel as DisclosureChannel, payload: String(r.payload), createdAt: String(r.created_at),
    status: r.status as DisclosureOutboxItem['status'], attempts: Number(r.attempts), nextAttemptAt: String(r.next_attempt_at),
    ...(r.last_error == null ? {} : { lastError: String(r.last_error) }), ...(r.done_at == null ? {} : { doneAt: String(r.done_at) }),
  };
}

export function bool(v: unknown): boolean {
  return v === true || Number(v) === 1;
}

export function deliveryLogRow(r: Row): DisclosureDeliveryLogEntry {
  return { id: Number(r.id), outboxId: Number(r.outbox_id), attempt: Number(r.attempt), at: String(r.at), ok: bool(r.ok), detail: String(r.detail) };
}

export function documentRow(r: Row): DisclosureDocumentRow {
  return { caseId: String(r.case_id), kind: r.kind as DisclosureDocumentKind, key: String(r.doc_key), revision: Number(r.revision), updatedAt: String(r.updated_at), body: String(r.body) };
}

export function publicAdvisoryRow(r: Row): DisclosurePublicAdvisoryRow {
  return {
    id: String(r.id), caseId: String(r.case_id), version: String(r.version), title: String(r.title), cveIds: JSON.parse(String(r.cve_ids)) as string[],
    initialRelease: String(r.initial_release), currentRelease: String(r.current_release), csaf: String(r.csaf),
  };
}
