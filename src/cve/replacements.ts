/**
 * @module Typed edges from a rejected or duplicate CVE name to the name(s) to use
 * instead (X1520-7.7: report deprecated names' status; X1520-7.8: never output a
 * deprecated name whose entry names a better identifier).
 */
import { findCveIdMatches, normalizeCveId } from './cve-id.ts';
import type { CveId, CveRecordJson, LangString, Replacement, ReplacementKind } from './types.ts';

/**
 * Words that, right before a CVE name, make it the name to use instead. Collected
 * from the 146 REJECTED records of the CVE List sample and MITRE's legacy 1999 texts:
 * - `ConsultIDs: CVE-X, CVE-Y` / `Consult IDs: CVE-X` (MITRE's REJECT template)
 * - `Please use CVE-X (instead)`, `should reference CVE-X instead`, `should consult CVE-X and CVE-Y`
 * - `(reservation) duplicate of CVE-X`, `Accidental duplicate assignment of CVE-X`,
 *   `delayed it from being detected as a duplicate of CVE-X`
 * - `has been replaced by CVE-X`, `MERGED into CVE-X`, `SPLIT into CVE-X and CVE-Y`,
 *   `superseded by CVE-X`
 * The phrase must end at most a few words before the name (`split into two separate
 * CVEs (CVE-X and CVE-Y)`), matched against a bounded window: linear overall.
 */
const TRIGGER =
  /(?:consult ?ids\s*:|\buse\b|\breference\b|\bconsult\b|duplicate(?: assignment)? of|replaced by|merged into|split into|superseded by)(?:[^.:;]{0,32})$/i;
/** Between two names of one list: `, `, ` and `, ` or `, `/`, parentheses. */
const LIST_GLUE = /^[\s,;/()]*(?:and|or|&)?[\s,;/()]*$/i;
/** `ConsultIDs: none` is MITRE's explicit "no replacement" (later mentions are prose, e.g. `See also CVE-X`). */
const CONSULT_NONE = /consult ?ids\s*:\s*none\b/i;
/** The record says it duplicates another (X1520-7.7 distinguishes duplicates from other rejections). */
const SAYS_DUPLICATE = /duplicate/i;
/**
 * Markers of a legacy deprecated entry in a description. Descriptions of PUBLISHED
 * records also say `split into two separate CVEs (CVE-X and CVE-Y)` or `This may be a
 * duplicate of CVE-X` while the name stays valid, so description texts only yield
 * edges when the record is REJECTED or the text carries one of these markers.
 */
const DEPRECATED_MARKER = /\*\*\s*(?:REJECT|DUPLICATE)\s*\*|DO NOT USE THIS (?:CANDIDATE|CVE)/i;
/** How far back from a name the trigger phrase may start. */
const WINDOW = 64;

/** CVE names a deprecation text points to, in order, without the record's own name. */
function targetsInText(text: string, self: CveId): CveId[] {
  if (CONSULT_NONE.test(text)) return [];
  const out: CveId[] = [];
  let previousEnd = -1;
  let previousWasTarget = false;
  for (const m of findCveIdMatches(text)) {
    let isTarget: boolean;
    if (previousWasTarget && previousEnd >= 0 && LIST_GLUE.test(text.slice(previousEnd, m.index))) {
      // `ConsultIDs: CVE-X, CVE-Y`, `split into CVE-X and CVE-Y`: the list continues.
      isTarget = true;
    } else {
      const from = Math.max(previousEnd, m.index - WINDOW, 0);
      isTarget = TRIGGER.test(text.slice(from, m.index));
    }
    previousEnd = m.end;
    previousWasTarget = isTarget;
    if (isTarget && m.id !== self && !out.includes(m.id)) out.push(m.id);
  }
  return out;
}

function joinTexts(list: readonly LangString[] | undefined): string {
  if (!Array.isArray(list)) return '';
  let text = '';
  for (const item of list) if (typeof item?.value === 'string') text += `${item.value}\n`;
  return text;
}

/**
 * The typed replacement edges of a record (X1520-7.7, X1520-7.8), read from
 * `containers.cna.replacedBy` (CVE JSON 5.1), the `rejectedReasons` texts, and legacy
 * deprecation texts in descriptions (`** REJECT ** ... use CVE-X instead`,
 * `ConsultIDs: CVE-X, CVE-Y`, `This candidate is a duplicate of CVE-X`, `MERGED into`,
 * `SPLIT into`). Kind is `duplicate-of` when the record's text says duplicate, else
 * `replaced-by`. One edge per target (the first source wins, `replacedBy` first);
 * never the record's own name. A rejection that names no other CVE has no edges.
 *
 * @example
 * findReplacements(rejectedDuplicate) // [{ kind: 'duplicate-of', target: 'CVE-2024-3656', from: 'rejectedReasons' }]
 */
export function findReplacements(record: CveRecordJson): Replacement[] {
  const cna = record?.containers?.cna;
  if (cna === undefined || cna === null || typeof cna !== 'object') return [];
  const self = normalizeCveId(String(record.cveMetadata?.cveId ?? '')) ?? '';
  const rejected = record.cveMetadata?.state === 'REJECTED';
  const reasons = joinTexts(cna.rejectedReasons);
  const descriptions = joinTexts(cna.descriptions);
  const descriptionCounts = rejected || DEPRECATED_MARKER.test(descriptions);
  const kind: ReplacementKind =
    SAYS_DUPLICATE.test(reasons) || (descriptionCounts && SAYS_DUPLICATE.test(descriptions)) ? 'duplicate-of' : 'replaced-by';

  const edges: Replacement[] = [];
  const add = (target: CveId, from: string): void => {
    if (target === self || edges.some((e) => e.target === target)) return;
    edges.push({ kind, target, from });
  };
  if (Array.isArray(cna.replacedBy)) {
    for (const raw of cna.replacedBy) {
      const id = typeof raw === 'string' ? normalizeCveId(raw) : undefined;
      if (id !== undefined) add(id, 'replacedBy');
    }
  }
  if (reasons !== '') for (const id of targetsInText(reasons, self)) add(id, 'rejectedReasons');
  if (descriptionCounts && descriptions !== '') for (const id of targetsInText(descriptions, self)) add(id, 'description');
  return edges;
}
