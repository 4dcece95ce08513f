/**
 * @module Mapping checks (the start of X1520-7.5: errors found in a source are reported to
 * its owner): a source record naming a CVE name this repository does not know, or knows as
 * REJECTED (with or without a replacement) while the source treats it as live, becomes a
 * mapping issue, kept with its first and last sighting until a recheck finds it resolved.
 */
import type { CveId } from '../cve/index.ts';
import type { KnownRecord, MappingIssue, MappingIssueInput, Store } from '../store/index.ts';

/** One source record to check: its name, where it is, and whether the source itself calls it rejected. */
export interface MappingSubject {
  readonly cveId: CveId;
  readonly record: string;
  /** The source says the name is rejected (NVD `Rejected`, a legacy `** REJECT **`): no issue when the repository agrees. */
  readonly rejectedInSource: boolean;
  /** Words about the source's view, appended to the detail (`NVD status Analyzed`). */
  readonly note?: string;
}

/** The issue one subject raises against what the repository knows, if any. */
export function mappingIssueOf(source: string, s: MappingSubject, known: KnownRecord | undefined): MappingIssueInput | undefined {
  const note = s.note ? `; ${s.note}` : '';
  if (!known) return { source, record: s.record, cveId: s.cveId, kind: 'unknown-cve', detail: `not in this repository's CVE List${note}` };
  if (known.state !== 'REJECTED' || s.rejectedInSource) return undefined;
  if (known.replacedBy.length > 0) {
    return { source, record: s.record, cveId: s.cveId, kind: 'rejected-replaced', detail: `REJECTED in the CVE List, use ${known.replacedBy.join(', ')} instead${note}` };
  }
  return { source, record: s.record, cveId: s.cveId, kind: 'rejected-live', detail: `REJECTED in the CVE List${note}` };
}

/**
 * Checks subjects in bulk against the store and keeps the issues. Skipped (returns
 * `undefined`) while the repository holds no CVE record at all: every name would be unknown.
 */
export class MappingChecker {
  readonly #store: Store;
  readonly #source: string;
  #enabled: boolean | undefined;
  #hadIssues: boolean | undefined;
  checked = 0;
  found = 0;

  constructor(store: Store, source: string) {
    this.#store = store;
    this.#source = source;
  }

  async enabled(): Promise<boolean> {
    this.#enabled ??= (await this.#store.counts()).total > 0;
    return this.#enabled;
  }

  async check(subjects: readonly MappingSubject[], at = new Date().toISOString()): Promise<MappingIssueInput[]> {
    if (subjects.length === 0 || !(await this.enabled())) return [];
    const known = await this.#store.enrich.knownRecords(subjects.map((s) => s.cveId));
    const issues: MappingIssueInput[] = [];
    const fine: CveId[] = [];
    for (const s of subjects) {
      const issue = mappingIssueOf(this.#source, s, known.get(s.cveId));
      if (issue) issues.push(issue);
      else fine.push(s.cveId);
    }
    this.checked += subjects.length;
    this.found += issues.length;
    await this.#store.enrich.recordMappingIssues(issues, at);
    // The source's newest record of these names raises nothing: earlier issues about them are settled.
    if (this.#hadIssues ??= (await this.#store.enrich.listMappingIssues({ source: this.#source, status: 'open', limit: 1 })).total > 0) {
      await this.#store.enrich.clearMappingIssues(this.#source, fine);
    }
    return issues;
  }
}

/**
 * Looks again at a source's open issues: those the repository no longer confirms (the name
 * was imported since, or un-rejected) are marked resolved. Returns how many.
 */
export async function recheckMappingIssues(store: Store, source?: string): Promise<number> {
  let resolved = 0;
  let afterId: number | undefined;
  for (;;) {
    const page = await store.enrich.listMappingIssues({ status: 'open', limit: 1000, ...(source ? { source } : {}), ...(afterId !== undefined ? { afterId } : {}) });
    if (page.items.length === 0) return resolved;
    afterId = page.items[page.items.length - 1].id;
    const known = await store.enrich.knownRecords(page.items.map((i) => i.cveId));
    const done: number[] = [];
    for (const i of page.items) if (!stillAnIssue(i, known.get(i.cveId))) done.push(i.id);
    await store.enrich.resolveMappingIssues(done);
    resolved += done.length;
  }
}

function stillAnIssue(issue: MappingIssue, known: KnownRecord | undefined): boolean {
  switch (issue.kind) {
    case 'unknown-cve':
      return known === undefined;
    case 'rejected-replaced':
      return known?.state === 'REJECTED' && known.replacedBy.length > 0;
    case 'rejected-live':
      return known?.state === 'REJECTED';
  }
}
