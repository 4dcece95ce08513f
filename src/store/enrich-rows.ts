/**
 * @module Rows of the enrichment tables to typed values, and the one rule deciding what an
 * NVD write does, shared by both backends.
 * @internal
 */
import type { CveId } from '../cve/index.ts';
import type { EpssPoint, LegacyFormatId, MappingIssue, MappingIssueKind, NvdRecordWrite, NvdVersionInfo, NvdWriteOutcome, StoredLegacyEntry, StoredNvdRecord } from './enrich-types.ts';

type Row = Record<string, unknown>;

const opt = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));
const bool = (v: unknown): boolean => v === true || v === 1 || v === 1n || v === '1' || v === 't';

/**
 * Same hash as a version already kept: unchanged. Else a new version: current when its
 * `lastModified` is not older than the current one's (NVD's own order), else history only.
 */
export function decideNvd(current: { readonly lastModified: string } | undefined, sameHash: boolean, lastModified: string): NvdWriteOutcome {
  if (sameHash) return 'unchanged';
  if (!current) return 'added';
  return Date.parse(lastModified) >= Date.parse(current.lastModified) ? 'updated' : 'older';
}

/** What a batch of NVD writes does, from the current rows (`nvd_records`) and the (name, hash) pairs already kept. */
export interface NvdWritePlan {
  readonly outcomes: NvdWriteOutcome[];
  /** Every new version (all but unchanged), with its number. */
  readonly versions: { readonly w: NvdRecordWrite; readonly version: number }[];
  /** The new versions that become current (added, updated). */
  readonly currents: { readonly w: NvdRecordWrite; readonly version: number }[];
  /** Older versions: history only, the record's last_version moves. */
  readonly older: { readonly cveId: string; readonly version: number }[];
}

/** `current`: cve_id → its `nvd_records` row (last_version, last_modified); `known`: `"<cveId> <hash>"` of versions kept. */
export function planNvdWrites(writes: readonly NvdRecordWrite[], current: ReadonlyMap<string, Row>, known: ReadonlySet<string>): NvdWritePlan {
  const plan: NvdWritePlan = { outcomes: [], versions: [], currents: [], older: [] };
  for (const w of writes) {
    const cur = current.get(w.cveId);
    const outcome = decideNvd(cur ? { lastModified: String(cur.last_modified) } : undefined, known.has(`${w.cveId} ${w.hash}`), w.lastModified);
    plan.outcomes.push(outcome);
    if (outcome === 'unchanged') continue;
    const version = cur ? Number(cur.last_version) + 1 : 1;
    plan.versions.push({ w, version });
    if (outcome === 'older') plan.older.push({ cveId: w.cveId, version });
    else plan.currents.push({ w, version });
  }
  return plan;
}

export function nvdVersionFromRow(r: Row): NvdVersionInfo {
  const vulnStatus = opt(r.vuln_status);
  const origin = opt(r.origin);
  return {
    cveId: String(r.cve_id) as CveId,
    version: Number(r.version),
    hash: String(r.hash),
    lastModified: String(r.last_modified),
    ...(vulnStatus ? { vulnStatus } : {}),
    ...(origin ? { origin } : {}),
    arrivedAt: String(r.arrived_at),
    current: bool(r.current),
  };
}

export function nvdRecordFromRow(r: Row): StoredNvdRecord {
  const sourceIdentifier = opt(r.source_identifier);
  return {
    ...nvdVersionFromRow(r),
    format: String(r.format) as StoredNvdRecord['format'],
    published: String(r.published),
    ...(sourceIdentifier ? { sourceIdentifier } : {}),
    json: String(r.json),
  };
}

export function epssPoint(r: Row): EpssPoint {
  return {
    cveId: String(r.cve_id) as CveId,
    scoreDate: String(r.score_date),
    modelVersion: String(r.model_version),
    epss: Number(r.epss),
    percentile: Number(r.percentile),
  };
}

export function legacyFromRow(r: Row): StoredLegacyEntry {
  const status = opt(r.status);
  const phase = opt(r.phase);
  const release = opt(r.release);
  const origin = opt(r.origin);
  return {
    cveId: String(r.cve_id) as CveId,
    format: String(r.format) as LegacyFormatId,
    originalName: String(r.original_name),
    ...(status ? { status } : {}),
    ...(phase ? { phase } : {}),
    rejected: bool(r.rejected),
    reserved: bool(r.reserved),
    disputed: bool(r.disputed),
    replacedBy: JSON.parse(String(r.replaced_by ?? '[]')) as CveId[],
    hash: String(r.hash),
    json: String(r.json),
    ...(release ? { release } : {}),
    ...(origin ? { origin } : {}),
    firstSeen: String(r.first_seen),
    lastSeen: String(r.last_seen),
  };
}

export function mappingIssueFromRow(r: Row): MappingIssue {
  return {
    id: Number(r.id),
    source: String(r.source),
    record: String(r.record),
    cveId: String(r.cve_id) as CveId,
    kind: String(r.kind) as MappingIssueKind,
    detail: String(r.detail),
    status: String(r.status) as MappingIssue['status'],
    firstSeen: String(r.first_seen),
    lastSeen: String(r.last_seen),
  };
}
