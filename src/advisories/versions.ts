/**
 * @module CSAF `version_t` (§3.1.11): integer versioning or Semantic Versioning 2.0.0.
 */

const INTEGER = /^(0|[1-9][0-9]*)$/;
/** The SemVer 2.0.0 regular expression that `version_t` itself uses. */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export interface ParsedVersion {
  readonly kind: 'integer' | 'semver';
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** Pre-release identifiers (`rc.1` → ['rc', '1']); empty when none. */
  readonly prerelease: readonly string[];
  readonly build?: string;
}

/** Parses a `version_t`; undefined when it is neither an integer nor SemVer. @internal */
export function parseVersion(text: string): ParsedVersion | undefined {
  if (INTEGER.test(text)) return { kind: 'integer', major: Number(text), minor: 0, patch: 0, prerelease: [] };
  const m = SEMVER.exec(text);
  if (m === null) return undefined;
  return {
    kind: 'semver',
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
    prerelease: m[4] === undefined ? [] : m[4].split('.'),
    ...(m[5] === undefined ? {} : { build: m[5] }),
  };
}

const compareIdentifiers = (a: string, b: string): number => {
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) return Math.sign(Number(a) - Number(b));
  if (an) return -1;
  if (bn) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
};

/** SemVer §11 precedence (build metadata ignored); integers compare as numbers. @internal */
export function compareVersions(a: ParsedVersion, b: ParsedVersion): number {
  const core = Math.sign(a.major - b.major) || Math.sign(a.minor - b.minor) || Math.sign(a.patch - b.patch);
  if (core !== 0) return core;
  if (a.prerelease.length === 0 || b.prerelease.length === 0) {
    return a.prerelease.length === b.prerelease.length ? 0 : a.prerelease.length === 0 ? 1 : -1;
  }
  for (let i = 0; i < Math.min(a.prerelease.length, b.prerelease.length); i++) {
    const c = compareIdentifiers(a.prerelease[i], b.prerelease[i]);
    if (c !== 0) return c;
  }
  return Math.sign(a.prerelease.length - b.prerelease.length);
}

/** `0` or `0.y.z`: a version before the first release. @internal */
export const isZeroVersion = (v: ParsedVersion): boolean => v.major === 0;

/** The version without build metadata (and without its pre-release part when asked). @internal */
export function versionKey(v: ParsedVersion, dropPrerelease = false): string {
  if (v.kind === 'integer') return String(v.major);
  const pre = !dropPrerelease && v.prerelease.length > 0 ? `-${v.prerelease.join('.')}` : '';
  return `${v.major}.${v.minor}.${v.patch}${pre}`;
}
