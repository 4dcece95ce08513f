/**
 * @module The one record type of MITRE's legacy CVE List formats (cve_1.0 `allitems.xml`,
 * CVRF 1.1 `allitems-cvrf.xml`, `allitems.csv`): a source of its own beside CVE JSON 5,
 * never replacing a CVE record; it keeps the old CAN- names and the historical texts.
 */
import { findReplacements, parseCveId } from '../cve/index.ts';
import type { CveId, Replacement } from '../cve/index.ts';

export const LEGACY_FORMATS = ['cve-1.0-xml', 'cvrf-1.1', 'allitems-csv'] as const;
export type LegacyFormat = (typeof LEGACY_FORMATS)[number];

/** cve_1.0.xsd `statusEnumType`. */
export const LEGACY_STATUSES = ['Entry', 'Candidate'] as const;
export type LegacyStatus = (typeof LEGACY_STATUSES)[number];

/** cve_1.0.xsd `votesType`: the Editorial Board's vote kinds. */
export const LEGACY_VOTE_KINDS = ['accept', 'modify', 'noop', 'recast', 'reject', 'reviewing', 'revote'] as const;
export type LegacyVoteKind = (typeof LEGACY_VOTE_KINDS)[number];

export interface LegacyReference {
  /** `BUGTRAQ`, `CERT`, `CONFIRM`, `MISC`… (cve_1.0 `ref/@source`). */
  readonly source?: string;
  readonly url?: string;
  /** The reference as written: `19981223 Re: CERT Advisory CA-98.13 …`. */
  readonly text: string;
}

export interface LegacyVote {
  readonly vote: LegacyVoteKind;
  /** The count MITRE wrote; it can differ from `voters.length`. */
  readonly count?: number;
  readonly voters: readonly string[];
}

export interface LegacyComment {
  readonly voter?: string;
  readonly text: string;
}

export interface LegacyMarkers {
  /** `** RESERVED **`: the name is reserved, no details yet. */
  readonly reserved: boolean;
  /** `** REJECT **`: do not use this name. */
  readonly rejected: boolean;
  /** `** DISPUTED **`: a party disputes the issue. */
  readonly disputed: boolean;
}

/**
 * One entry or candidate of the legacy CVE List.
 *
 * @example
 * { name: 'CVE-1999-0001', originalName: 'CAN-1999-0001', status: 'Candidate', phase: 'Modified',
 *   phaseDate: '2005-12-17', markers: { reserved: false, rejected: false, disputed: false }, … }
 */
export interface LegacyEntry {
  readonly kind: 'legacy-entry';
  /** Canonical `CVE-YYYY-NNNN…`. */
  readonly name: CveId;
  /** The name in its historical form: `CAN-…` for a candidate (cve_1.0 `type="CAN"`), else `CVE-…`; as written when the file uses `CAN-`. */
  readonly originalName: string;
  readonly status?: LegacyStatus;
  /** `Proposed`, `Interim`, `Modified`, `Assigned` (candidates only). */
  readonly phase?: string;
  /** The phase date, `YYYY-MM-DD`. */
  readonly phaseDate?: string;
  /** CVRF `Published` note, `YYYY-MM-DD`. */
  readonly published?: string;
  /** CVRF `Modified` note, `YYYY-MM-DD`. */
  readonly modified?: string;
  readonly description: string;
  readonly references: readonly LegacyReference[];
  readonly votes: readonly LegacyVote[];
  readonly comments: readonly LegacyComment[];
  readonly markers: LegacyMarkers;
  /** Names the text says to use instead (`ConsultIDs: CVE-X`, `duplicate of CVE-X`), by the CVE module's rules. */
  readonly replacements: readonly Replacement[];
  readonly source: {
    readonly format: LegacyFormat;
    /** 1-based line where the record starts. */
    readonly line: number;
    /** CVRF `Vulnerability/@Ordinal`. */
    readonly ordinal?: number;
  };
}

/** Header facts of a legacy file: its version and date where the format says them. */
export interface LegacyDocumentInfo {
  readonly format: LegacyFormat;
  /** CVRF `DocumentTracking/Version` (`2023.04.16.23`), CSV `CVE Version 20061101`. */
  readonly version?: string;
  /** CVRF `InitialReleaseDate`, CSV `Date: 20250101`, as ISO 8601. */
  readonly date?: string;
  readonly title?: string;
}

const RESERVED = /\*\*\s*RESERVED\s*\*\*/;
const REJECT = /\*\*\s*REJECT\s*\*\*/;
const DISPUTED = /\*\*\s*DISPUTED\s*\*\*/;

/** The `** … **` markers of a description (MITRE puts them first; DISPUTED may follow other text). */
export function legacyMarkers(description: string): LegacyMarkers {
  return { reserved: RESERVED.test(description), rejected: REJECT.test(description), disputed: DISPUTED.test(description) };
}

/**
 * Replacement names in a legacy text, through the CVE module's `findReplacements` (one set of
 * rules for CVE JSON 5 and legacy texts): only rejected texts count, so a DISPUTED entry that
 * mentions another CVE does not get a replacement.
 */
export function legacyReplacements(name: CveId, description: string, rejected: boolean): Replacement[] {
  if (!rejected) return [];
  return findReplacements({
    dataType: 'CVE_RECORD',
    dataVersion: '5.1',
    cveMetadata: { cveId: name, state: 'REJECTED', assignerOrgId: '00000000-0000-4000-8000-000000000000' },
    containers: { cna: { providerMetadata: { orgId: '00000000-0000-4000-8000-000000000000' }, rejectedReasons: [{ lang: 'en', value: description }] } },
  } as unknown as Parameters<typeof findReplacements>[0]);
}

/** Canonical and historical names from a name as written and the cve_1.0 `type`. */
export function legacyNames(written: string, type: string | undefined): { name: CveId; originalName: string } | { reason: string } {
  const p = parseCveId(written.trim());
  if (!p.ok) return { reason: p.reason };
  if (p.prefix === 'CAN') return { name: p.id, originalName: `CAN-${p.year}-${p.sequence}` };
  return { name: p.id, originalName: type === 'CAN' ? `CAN-${p.year}-${p.sequence}` : p.id };
}

/** `20051217` or `2005-12-17` as `2005-12-17`; undefined when not a real date. */
export function legacyDate(text: string): string | undefined {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

/** Line breaks and indentation inside the XML are layout, except in comments where they are the voter's. */
export const collapse = (text: string): string => text.replace(/\s+/g, ' ').trim();
