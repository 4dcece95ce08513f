/**
 * @module CVE JSON 5 record types and the fields cvekit derives from a record.
 *
 * The raw types follow the CVE Record Format 5.1.1 schema loosely: only the parts
 * cvekit reads are typed; everything else passes through untouched in `json`.
 */

/** A canonical CVE name, `CVE-YYYY-NNNN…` (X1520-10.1). */
export type CveId = string;

export const RECORD_STATES = ['PUBLISHED', 'REJECTED', 'RESERVED'] as const;
export type RecordState = (typeof RECORD_STATES)[number];

export interface LangString {
  readonly lang: string;
  readonly value: string;
}

export interface ProviderMetadata {
  readonly orgId: string;
  readonly shortName?: string;
  readonly dateUpdated?: string;
}

/** The raw CVE JSON 5 record, as published (dataType CVE_RECORD). */
export interface CveRecordJson {
  readonly dataType: 'CVE_RECORD';
  readonly dataVersion: string;
  readonly cveMetadata: {
    readonly cveId: string;
    readonly assignerOrgId: string;
    readonly assignerShortName?: string;
    readonly requesterUserId?: string;
    readonly serial?: number;
    readonly state: 'PUBLISHED' | 'REJECTED';
    readonly dateReserved?: string;
    readonly datePublished?: string;
    readonly dateUpdated?: string;
    readonly dateRejected?: string;
  };
  readonly containers: {
    readonly cna: CnaContainerJson;
    readonly adp?: readonly AdpContainerJson[];
  };
}

export interface CnaContainerJson {
  readonly providerMetadata: ProviderMetadata;
  readonly title?: string;
  readonly descriptions?: readonly LangString[];
  readonly rejectedReasons?: readonly LangString[];
  readonly replacedBy?: readonly string[];
  readonly affected?: readonly AffectedJson[];
  readonly problemTypes?: readonly ProblemTypeJson[];
  readonly metrics?: readonly MetricJson[];
  readonly references?: readonly ReferenceJson[];
  readonly datePublic?: string;
  readonly [key: string]: unknown;
}

export interface AdpContainerJson {
  readonly providerMetadata: ProviderMetadata;
  readonly title?: string;
  readonly descriptions?: readonly LangString[];
  readonly affected?: readonly AffectedJson[];
  readonly problemTypes?: readonly ProblemTypeJson[];
  readonly metrics?: readonly MetricJson[];
  readonly references?: readonly ReferenceJson[];
  readonly [key: string]: unknown;
}

export interface AffectedJson {
  readonly vendor?: string;
  readonly product?: string;
  readonly packageName?: string;
  readonly collectionURL?: string;
  readonly defaultStatus?: string;
  readonly cpes?: readonly string[];
  readonly versions?: readonly VersionJson[];
  readonly [key: string]: unknown;
}

export interface VersionJson {
  readonly version: string;
  readonly status: string;
  readonly versionType?: string;
  readonly lessThan?: string;
  readonly lessThanOrEqual?: string;
  readonly changes?: readonly { readonly at: string; readonly status: string }[];
}

export interface ProblemTypeJson {
  readonly descriptions: readonly {
    readonly lang: string;
    readonly description: string;
    readonly cweId?: string;
    readonly type?: string;
  }[];
}

export interface MetricJson {
  readonly format?: string;
  readonly scenarios?: readonly LangString[];
  readonly cvssV2_0?: CvssJson;
  readonly cvssV3_0?: CvssJson;
  readonly cvssV3_1?: CvssJson;
  readonly cvssV4_0?: CvssJson;
  readonly other?: { readonly type: string; readonly content: unknown };
}

export interface CvssJson {
  readonly version: string;
  readonly vectorString: string;
  readonly baseScore: number;
  readonly baseSeverity?: string;
  readonly [key: string]: unknown;
}

export interface ReferenceJson {
  readonly url: string;
  readonly name?: string;
  readonly tags?: readonly string[];
}

// ---------------------------------------------------------------------------
// Derived fields: what the store indexes and the pages show.

export const CVSS_VERSIONS = ['2.0', '3.0', '3.1', '4.0'] as const;
export type CvssVersion = (typeof CVSS_VERSIONS)[number];

/** Who provided a piece of data: the CNA, or an ADP named by its short name. */
export type ContainerSource = 'cna' | `adp:${string}`;

export interface MetricSummary {
  readonly source: ContainerSource;
  readonly version: CvssVersion;
  readonly vectorString: string;
  readonly baseScore: number;
  /** NONE, LOW, MEDIUM, HIGH, CRITICAL (v2 derived from the score). */
  readonly baseSeverity: string;
}

export interface AffectedSummary {
  readonly source: ContainerSource;
  readonly vendor: string;
  readonly product: string;
  readonly packageName?: string;
  readonly collectionURL?: string;
  readonly defaultStatus?: string;
  readonly cpes: readonly string[];
  readonly versions: readonly VersionJson[];
}

export interface ReferenceSummary {
  readonly source: ContainerSource;
  readonly url: string;
  readonly name?: string;
  readonly tags: readonly string[];
}

export interface KevSummary {
  readonly dateAdded: string;
  readonly reference?: string;
}

export interface SsvcSummary {
  readonly exploitation?: string;
  readonly automatable?: string;
  readonly technicalImpact?: string;
  readonly timestamp?: string;
  readonly version?: string;
}

export const REPLACEMENT_KINDS = ['replaced-by', 'duplicate-of'] as const;
export type ReplacementKind = (typeof REPLACEMENT_KINDS)[number];

/** A typed edge from a rejected or duplicate name to the name(s) to use instead (X1520-7.7, 7.8). */
export interface Replacement {
  readonly kind: ReplacementKind;
  readonly target: CveId;
  /** Where the edge was read from: `replacedBy`, `rejectedReasons`, `description`. */
  readonly from: string;
}

export interface RecordDates {
  readonly reserved?: string;
  readonly published?: string;
  readonly updated?: string;
  readonly rejected?: string;
  readonly public?: string;
}

/** Everything cvekit derives from one CVE JSON 5 record; pure function of the record. */
export interface RecordSummary {
  readonly cveId: CveId;
  readonly state: RecordState;
  readonly dataVersion: string;
  readonly assignerOrgId: string;
  readonly assignerShortName?: string;
  readonly title?: string;
  /** CNA descriptions (or rejected reasons for a REJECTED record), by language. */
  readonly descriptions: readonly LangString[];
  /** The English (or first) description, for lists and full text. */
  readonly description: string;
  readonly dates: RecordDates;
  readonly affected: readonly AffectedSummary[];
  /** CWE-NNN ids from every container, deduplicated. */
  readonly cweIds: readonly string[];
  readonly metrics: readonly MetricSummary[];
  readonly references: readonly ReferenceSummary[];
  readonly kev?: KevSummary;
  readonly ssvc?: SsvcSummary;
  readonly replacements: readonly Replacement[];
  /** Every other CVE name mentioned in descriptions (related names). */
  readonly related: readonly CveId[];
  /** ADP short names present. */
  readonly adpProviders: readonly string[];
}
