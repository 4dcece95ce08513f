/**
 * @module `reviseAdvisory`: a new version of an advisory with its revision history entry.
 */
import { assertValid } from './build.ts';
import { AdvisoryError } from './errors.ts';
import type { CsafDocument, CsafDocumentStatus, CsafRevision } from './types.ts';
import type { ValidateCsafOptions } from './validate.ts';
import { parseVersion } from './versions.ts';
import type { ParsedVersion } from './versions.ts';

export interface AdvisoryChange {
  /** When the revision is released; not before the latest revision (6.1.14). */
  readonly date: string;
  /** What changed, for the revision history. */
  readonly summary: string;
  /** The new document status; default unchanged. */
  readonly status?: CsafDocumentStatus;
  /** Semantic versioning only: which part to bump (default `minor`). Integer versions always go up by one. */
  readonly bump?: 'major' | 'minor' | 'patch';
  /** The content change itself, applied before the tracking data is updated. */
  readonly edit?: (doc: CsafDocument) => CsafDocument;
  readonly validate?: ValidateCsafOptions;
}

const format = (v: ParsedVersion): string => (v.kind === 'integer' ? String(v.major) : `${v.major}.${v.minor}.${v.patch}`);

function bumped(v: ParsedVersion, bump: AdvisoryChange['bump']): ParsedVersion {
  if (v.kind === 'integer') return { ...v, major: v.major + 1, prerelease: [] };
  // SemVer §9: a pre-release version bumps to its own release first (1.0.0-rc.1 → 1.0.0).
  if (v.prerelease.length > 0) return { ...v, prerelease: [] };
  if (bump === 'major') return { ...v, major: v.major + 1, minor: 0, patch: 0, prerelease: [] };
  if (bump === 'patch') return { ...v, patch: v.patch + 1, prerelease: [] };
  return { ...v, minor: v.minor + 1, patch: 0, prerelease: [] };
}

/**
 * Makes the next version of an advisory: applies `edit`, bumps `/document/tracking/version`,
 * appends the revision to the history and moves `current_release_date`. So that 6.1.14 (sorted
 * history), 6.1.16 (latest version), 6.1.21 (no missing item) and 6.1.22 (no duplicate) keep
 * holding, the new number is always above every number in the history, and the date not before
 * the latest revision. Releasing a draft (status draft → interim/final while the version is `0`,
 * `0.y.z` or a pre-release) makes it version `1` / `1.0.0` and drops the draft revisions, as
 * 6.1.18 and 6.1.19 require of a released history. The result validates or an
 * {@link AdvisoryError} is thrown; the input document is not changed.
 *
 * @example
 * reviseAdvisory(doc, { date: '2025-07-01T00:00:00.000Z', summary: 'Fixed versions for Widget 2.x added.' })
 * // version '1' → '2', revision_history + { date, number: '2', summary }
 */
export function reviseAdvisory(doc: CsafDocument, change: AdvisoryChange): CsafDocument {
  const edited = change.edit === undefined ? doc : change.edit(structuredClone(doc) as CsafDocument);
  const tracking = edited.document.tracking;
  const current = parseVersion(tracking.version);
  if (current === undefined) throw new AdvisoryError('BAD_INPUT', `version "${tracking.version}" is neither integer nor semantic versioning`);
  const when = Date.parse(change.date);
  if (Number.isNaN(when)) throw new AdvisoryError('BAD_INPUT', `bad revision date "${change.date}"`);
  const latest = Math.max(...tracking.revision_history.map((r) => Date.parse(r.date)));
  if (when < latest) {
    throw new AdvisoryError('REVISION_DATE_ORDER', `revision date ${change.date} is before the latest revision (${new Date(latest).toISOString()})`);
  }
  const status = change.status ?? tracking.status;
  const releasing = status !== 'draft' && (current.major === 0 || current.prerelease.length > 0);
  let history: CsafRevision[] = tracking.revision_history.filter((r) => {
    const v = parseVersion(r.number);
    // Draft revisions do not survive a release (6.1.18, 6.1.19).
    return !(releasing && v !== undefined && (v.major === 0 || v.prerelease.length > 0));
  });
  let next: ParsedVersion;
  if (releasing && current.major === 0) {
    next = { ...current, major: 1, minor: 0, patch: 0, prerelease: [] };
  } else {
    next = bumped(current, change.bump);
  }
  // Never reuse or go below a number already in the history.
  for (const r of history) {
    const v = parseVersion(r.number);
    if (v !== undefined && v.kind === next.kind && format(v) === format(next)) next = bumped(next, change.bump);
  }
  const number = format(next);
  history = [...history, { date: change.date, number, summary: change.summary }];
  const revised: CsafDocument = {
    ...edited,
    document: {
      ...edited.document,
      tracking: {
        ...tracking,
        version: number,
        status,
        revision_history: history,
        current_release_date: change.date,
        initial_release_date: history.length === 1 ? change.date : tracking.initial_release_date,
      },
    },
  };
  return assertValid(revised, change.validate);
}
