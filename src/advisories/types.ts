/**
 * @module CSAF 2.0 document types (the parts cvekit writes and reads; everything else passes
 * through), validation results, and the advisory input of the builder.
 */

/** One problem found in a CSAF document. */
export interface CsafIssue {
  /** JSON pointer into the document, e.g. `/vulnerabilities/0/cwe`; '' for the whole document. */
  readonly path: string;
  /** What is wrong, in words. */
  readonly message: string;
  /** The CSAF 2.0 mandatory test that failed (`6.1.14`, `6.1.27.4`…); absent for JSON schema errors. */
  readonly test?: string;
}

export interface CsafValidationResult {
  readonly ok: boolean;
  readonly errors: readonly CsafIssue[];
}

/** Document statuses, CSAF 2.0 §3.2.1.12.6. */
export const CSAF_DOCUMENT_STATUSES = ['draft', 'interim', 'final'] as const;
export type CsafDocumentStatus = (typeof CSAF_DOCUMENT_STATUSES)[number];

/** Product status groups of a vulnerability, §3.2.3.9. */
export const CSAF_PRODUCT_STATUSES = [
  'first_affected',
  'first_fixed',
  'fixed',
  'known_affected',
  'known_not_affected',
  'last_affected',
  'recommended',
  'under_investigation',
] as const;
export type CsafProductStatusName = (typeof CSAF_PRODUCT_STATUSES)[number];
export type CsafProductStatus = Partial<Record<CsafProductStatusName, readonly string[]>>;

export interface CsafNote {
  readonly category: 'description' | 'details' | 'faq' | 'general' | 'legal_disclaimer' | 'other' | 'summary';
  readonly text: string;
  readonly title?: string;
  readonly audience?: string;
}

export interface CsafReference {
  readonly url: string;
  readonly summary: string;
  readonly category?: 'external' | 'self';
}

export interface CsafRevision {
  readonly date: string;
  readonly number: string;
  readonly summary: string;
  readonly legacy_version?: string;
}

export interface CsafTracking {
  readonly id: string;
  readonly current_release_date: string;
  readonly initial_release_date: string;
  readonly revision_history: readonly CsafRevision[];
  readonly status: CsafDocumentStatus;
  readonly version: string;
  readonly generator?: { readonly engine: { readonly name: string; readonly version?: string }; readonly date?: string };
  readonly aliases?: readonly string[];
}

export interface CsafPublisher {
  readonly category: 'coordinator' | 'discoverer' | 'other' | 'translator' | 'user' | 'vendor';
  readonly name: string;
  readonly namespace: string;
  readonly contact_details?: string;
  readonly issuing_authority?: string;
}

export interface CsafDocumentMeta {
  readonly category: string;
  readonly csaf_version: '2.0';
  readonly publisher: CsafPublisher;
  readonly title: string;
  readonly tracking: CsafTracking;
  readonly lang?: string;
  readonly source_lang?: string;
  readonly notes?: readonly CsafNote[];
  readonly references?: readonly CsafReference[];
  readonly distribution?: { readonly text?: string; readonly tlp?: { readonly label: string; readonly url?: string } };
  readonly aggregate_severity?: { readonly text: string; readonly namespace?: string };
  readonly acknowledgments?: readonly CsafAcknowledgment[];
}

export interface CsafProductIdentificationHelper {
  readonly cpe?: string;
  readonly purl?: string;
  readonly [key: string]: unknown;
}

export interface CsafFullProductName {
  readonly name: string;
  readonly product_id: string;
  readonly product_identification_helper?: CsafProductIdentificationHelper;
}

export interface CsafBranch {
  readonly category: string;
  readonly name: string;
  readonly branches?: readonly CsafBranch[];
  readonly product?: CsafFullProductName;
}

export interface CsafProductTree {
  readonly branches?: readonly CsafBranch[];
  readonly full_product_names?: readonly CsafFullProductName[];
  readonly product_groups?: readonly { readonly group_id: string; readonly product_ids: readonly string[]; readonly summary?: string }[];
  readonly relationships?: readonly {
    readonly category: string;
    readonly full_product_name: CsafFullProductName;
    readonly product_reference: string;
    readonly relates_to_product_reference: string;
  }[];
}

/** The FIRST CVSS JSON objects (v2.0, v3.0, v3.1): required fields typed, the rest passes through. */
export interface CsafCvss {
  readonly version: string;
  readonly vectorString: string;
  readonly baseScore: number;
  readonly baseSeverity?: string;
  readonly [key: string]: unknown;
}

export interface CsafScore {
  readonly products: readonly string[];
  readonly cvss_v2?: CsafCvss;
  readonly cvss_v3?: CsafCvss;
}

export interface CsafRemediation {
  readonly category: 'mitigation' | 'no_fix_planned' | 'none_available' | 'vendor_fix' | 'workaround';
  readonly details: string;
  readonly url?: string;
  readonly date?: string;
  readonly product_ids?: readonly string[];
  readonly group_ids?: readonly string[];
}

export interface CsafThreat {
  readonly category: 'exploit_status' | 'impact' | 'target_set';
  readonly details: string;
  readonly date?: string;
  readonly product_ids?: readonly string[];
  readonly group_ids?: readonly string[];
}

export interface CsafAcknowledgment {
  readonly names?: readonly string[];
  readonly organization?: string;
  readonly summary?: string;
  readonly urls?: readonly string[];
}

export interface CsafVulnerability {
  readonly cve?: string;
  readonly cwe?: { readonly id: string; readonly name: string };
  readonly title?: string;
  readonly notes?: readonly CsafNote[];
  readonly discovery_date?: string;
  readonly release_date?: string;
  readonly product_status?: CsafProductStatus;
  readonly scores?: readonly CsafScore[];
  readonly remediations?: readonly CsafRemediation[];
  readonly references?: readonly CsafReference[];
  readonly acknowledgments?: readonly CsafAcknowledgment[];
  readonly threats?: readonly CsafThreat[];
  readonly ids?: readonly { readonly system_name: string; readonly text: string }[];
  readonly flags?: readonly { readonly label: string; readonly product_ids?: readonly string[]; readonly group_ids?: readonly string[]; readonly date?: string }[];
  readonly involvements?: readonly { readonly party: string; readonly status: string; readonly date?: string; readonly summary?: string }[];
}

/** A CSAF 2.0 document. */
export interface CsafDocument {
  readonly document: CsafDocumentMeta;
  readonly product_tree?: CsafProductTree;
  readonly vulnerabilities?: readonly CsafVulnerability[];
}
