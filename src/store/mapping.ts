/**
 * @module Rows to interface values, shared by both backends (SQLite gives JSON
 * columns as text, PostgreSQL as parsed values; both are accepted).
 * @internal
 */
import { parseCounts } from './rows.ts';
import type { RecordState } from '../cve/index.ts';
import type { CweEntry, JobInfo, KevEntry, QuarantineItem, SourceInfo, StoredRecord, VersionInfo } from './types.ts';

export type Row = Record<string, unknown>;

const str = (v: unknown): string => v as string;
const optStr = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : (v as string));

export function sourceKind(sourceId: string): string {
  const i = sourceId.indexOf(':');
  return i > 0 ? sourceId.slice(0, i) : sourceId;
}

/** A `records` row joined with its current `record_versions` row (json, date_updated). */
export function storedRecord(r: Row): StoredRecord {
  return {
    cveId: str(r.cve_id),
    state: r.state as RecordState,
    json: str(r.json),
    hash: str(r.hash),
    version: Number(r.version),
    dateUpdated: str(r.date_updated),
    source: str(r.source),
    arrivedAt: str(r.arrived_at),
  };
}

export function versionInfo(r: Row): VersionInfo {
  const origin = optStr(r.origin);
  return {
    cveId: str(r.cve_id),
    version: Number(r.version),
    hash: str(r.hash),
    dateUpdated: str(r.date_updated),
    source: str(r.source),
    ...(origin === undefined ? {} : { origin }),
    arrivedAt: str(r.arrived_at),
    current: Boolean(r.current),
  };
}

const SOURCE_FIELDS = ['description', 'location', 'lastSyncAt', 'contentDate', 'release', 'commit', 'nextSyncAt', 'lastError'] as const;

/** Given fields replace, undefined keeps, `''` clears; counts merge by key. */
export function mergeSource(old: SourceInfo | undefined, patch: Partial<SourceInfo> & { readonly id: string; readonly kind: string }): SourceInfo {
  const out: Record<string, unknown> = { id: patch.id, kind: patch.kind, counts: { ...(old?.counts ?? {}), ...(patch.counts ?? {}) } };
  for (const f of SOURCE_FIELDS) {
    const v = patch[f] !== undefined ? patch[f] : old?.[f];
    if (v !== undefined && v !== '') out[f] = v;
  }
  return out as unknown as SourceInfo;
}

export function sourceParams(s: SourceInfo): (string | null)[] {
  return [
    s.id,
    s.kind,
    s.description ?? null,
    s.location ?? null,
    s.lastSyncAt ?? null,
    s.contentDate ?? null,
    s.release ?? null,
    s.commit ?? null,
    s.nextSyncAt ?? null,
    s.lastError ?? null,
    JSON.stringify(s.counts),
  ];
}

export function sourceInfo(r: Row): SourceInfo {
  const out: Record<string, unknown> = { id: str(r.id), kind: str(r.kind) };
  const cols: Record<(typeof SOURCE_FIELDS)[number], string> = {
    description: 'description',
    location: 'location',
    lastSyncAt: 'last_sync_at',
    contentDate: 'content_date',
    release: 'release',
    commit: 'commit',
    nextSyncAt: 'next_sync_at',
    lastError: 'last_error',
  };
  for (const f of SOURCE_FIELDS) {
    const v = optStr(r[cols[f]]);
    if (v !== undefined) out[f] = v;
  }
  out.counts = typeof r.counts === 'string' ? parseCounts(r.counts) : ((r.counts ?? {}) as Record<string, number>);
  return out as unknown as SourceInfo;
}

export function quarantineItem(r: Row): QuarantineItem {
  const cveId = optStr(r.cve_id);
  const path = optStr(r.path);
  return {
    id: Number(r.id),
    source: str(r.source),
    position: str(r.position),
    ...(cveId === undefined ? {} : { cveId }),
    code: str(r.code),
    ...(path === undefined ? {} : { path }),
    message: str(r.message),
    size: Number(r.size),
    status: r.status as QuarantineItem['status'],
    createdAt: str(r.created_at),
  };
}

export function jobInfo(r: Row): JobInfo {
  const error = optStr(r.error);
  return {
    id: str(r.id),
    key: str(r.key),
    kind: str(r.kind),
    status: r.status as JobInfo['status'],
    position: (r.position ?? null) as string | null,
    counts: typeof r.counts === 'string' ? parseCounts(r.counts) : ((r.counts ?? {}) as Record<string, number>),
    startedAt: str(r.started_at),
    updatedAt: str(r.updated_at),
    ...(error === undefined ? {} : { error }),
  };
}

export function kevEntry(r: Row): KevEntry {
  return {
    cveId: str(r.cve_id),
    vendorProject: str(r.vendor_project),
    product: str(r.product),
    vulnerabilityName: str(r.vulnerability_name),
    dateAdded: str(r.date_added),
    shortDescription: str(r.short_description),
    requiredAction: str(r.required_action),
    dueDate: str(r.due_date),
    knownRansomwareCampaignUse: str(r.known_ransomware_campaign_use),
    notes: str(r.notes),
    cwes: typeof r.cwes === 'string' ? (JSON.parse(r.cwes) as string[]) : ((r.cwes ?? []) as string[]),
  };
}

export function cweEntry(r: Row): CweEntry {
  const abstraction = optStr(r.abstraction);
  const status = optStr(r.status);
  const description = optStr(r.description);
  return {
    id: str(r.id),
    name: str(r.name),
    type: str(r.type),
    ...(abstraction === undefined ? {} : { abstraction }),
    ...(status === undefined ? {} : { status }),
    ...(description === undefined ? {} : { description }),
  };
}
