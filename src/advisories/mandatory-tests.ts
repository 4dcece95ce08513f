/**
 * @module The mandatory tests of CSAF 2.0 §6.1, each our own code over the parsed document. They
 * run whether or not the document passed the JSON schema, so every access is defensive: a test
 * looks only at values of the shape it needs and ignores the rest (the schema reports those).
 */
import { scoreCvss } from '../cvss/index.ts';
import type { CvssV2V3Scores } from '../cvss/index.ts';
import type { CweCatalog } from './cwe.ts';
import { languageTagProblem } from './language.ts';
import { purlProblem } from './purl.ts';
import { validateCvssObject } from './schema-validate.ts';
import type { CsafIssue } from './types.ts';
import { compareVersions, isZeroVersion, parseVersion, versionKey } from './versions.ts';
import type { ParsedVersion } from './versions.ts';

type Json = Record<string, unknown>;

export interface MandatoryTestContext {
  /** Resolves CWE ids to names (6.1.11). */
  readonly cwe: () => CweCatalog;
}

export interface MandatoryTest {
  /** The section number, e.g. `6.1.14` or `6.1.27.4`. */
  readonly id: string;
  readonly name: string;
  readonly run: (doc: Json, ctx: MandatoryTestContext) => Omit<CsafIssue, 'test'>[];
}

// ---------------------------------------------------------------------------
// Defensive access

const isObj = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Json => (isObj(v) ? v : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: unknown): string[] => arr(v).filter((x): x is string => typeof x === 'string');

interface Located<T> {
  readonly value: T;
  readonly path: string;
}

/** Every `full_product_name_t` of the product tree with its path (§3.2.2). */
function fullProductNames(doc: Json): Located<Json>[] {
  const tree = obj(doc.product_tree);
  const found: Located<Json>[] = [];
  const walk = (branches: unknown, path: string): void => {
    arr(branches).forEach((branch, i) => {
      const b = obj(branch);
      if (isObj(b.product)) found.push({ value: b.product, path: `${path}/${i}/product` });
      walk(b.branches, `${path}/${i}/branches`);
    });
  };
  walk(tree.branches, '/product_tree/branches');
  arr(tree.full_product_names).forEach((p, i) => {
    if (isObj(p)) found.push({ value: p, path: `/product_tree/full_product_names/${i}` });
  });
  arr(tree.relationships).forEach((r, i) => {
    const fpn = obj(r).full_product_name;
    if (isObj(fpn)) found.push({ value: fpn, path: `/product_tree/relationships/${i}/full_product_name` });
  });
  return found;
}

/** Every branch with its path. */
function allBranches(doc: Json): Located<Json>[] {
  const found: Located<Json>[] = [];
  const walk = (branches: unknown, path: string): void => {
    arr(branches).forEach((branch, i) => {
      if (!isObj(branch)) return;
      found.push({ value: branch, path: `${path}/${i}` });
      walk(branch.branches, `${path}/${i}/branches`);
    });
  };
  walk(obj(doc.product_tree).branches, '/product_tree/branches');
  return found;
}

const definedProductIds = (doc: Json): Set<string> =>
  new Set(fullProductNames(doc).flatMap((p) => (typeof p.value.product_id === 'string' ? [p.value.product_id] : [])));

const vulnerabilities = (doc: Json): Located<Json>[] =>
  arr(doc.vulnerabilities).flatMap((v, i) => (isObj(v) ? [{ value: v, path: `/vulnerabilities/${i}` }] : []));

/** Group id → its product ids. */
const groupMembers = (doc: Json): Map<string, string[]> => {
  const groups = new Map<string, string[]>();
  for (const g of arr(obj(doc.product_tree).product_groups)) {
    const id = str(obj(g).group_id);
    if (id !== undefined) groups.set(id, [...(groups.get(id) ?? []), ...strings(obj(g).product_ids)]);
  }
  return groups;
};

/** The products an item (remediation, threat, flag) applies to, directly or through groups. */
const productsOf = (item: Json, groups: Map<string, string[]>): Set<string> =>
  new Set([...strings(item.product_ids), ...strings(item.group_ids).flatMap((g) => groups.get(g) ?? [])]);

const PRODUCT_STATUS_NAMES = [
  'first_affected',
  'first_fixed',
  'fixed',
  'known_affected',
  'known_not_affected',
  'last_affected',
  'recommended',
  'under_investigation',
] as const;

/** Every product id reference outside full product names (6.1.1's paths), with its path. */
function productReferences(doc: Json): Located<string>[] {
  const refs: Located<string>[] = [];
  const add = (values: unknown, path: string): void =>
    arr(values).forEach((v, i) => {
      if (typeof v === 'string') refs.push({ value: v, path: `${path}/${i}` });
    });
  const tree = obj(doc.product_tree);
  arr(tree.product_groups).forEach((g, i) => add(obj(g).product_ids, `/product_tree/product_groups/${i}/product_ids`));
  arr(tree.relationships).forEach((r, i) => {
    for (const key of ['product_reference', 'relates_to_product_reference']) {
      const ref = str(obj(r)[key]);
      if (ref !== undefined) refs.push({ value: ref, path: `/product_tree/relationships/${i}/${key}` });
    }
  });
  for (const { value: v, path } of vulnerabilities(doc)) {
    const status = obj(v.product_status);
    for (const name of PRODUCT_STATUS_NAMES) add(status[name], `${path}/product_status/${name}`);
    arr(v.remediations).forEach((r, i) => add(obj(r).product_ids, `${path}/remediations/${i}/product_ids`));
    arr(v.scores).forEach((s, i) => add(obj(s).products, `${path}/scores/${i}/products`));
    arr(v.threats).forEach((t, i) => add(obj(t).product_ids, `${path}/threats/${i}/product_ids`));
    // flags are not in 6.1.1's path list of CSAF 2.0, but they reference products the same way.
    arr(v.flags).forEach((f, i) => add(obj(f).product_ids, `${path}/flags/${i}/product_ids`));
  }
  return refs;
}

const duplicates = <T>(items: readonly T[], key: (item: T) => string | undefined): T[] => {
  const seen = new Set<string>();
  const dups: T[] = [];
  for (const item of items) {
    const k = key(item);
    if (k === undefined) continue;
    if (seen.has(k)) dups.push(item);
    seen.add(k);
  }
  return dups;
};

// ---------------------------------------------------------------------------
// CVSS (6.1.7 - 6.1.10)

interface CvssObject {
  readonly kind: 'cvss_v2' | 'cvss_v3';
  readonly value: Json;
  readonly path: string;
  readonly products: string[];
}

function cvssObjects(doc: Json): CvssObject[] {
  const found: CvssObject[] = [];
  for (const { value: v, path } of vulnerabilities(doc)) {
    arr(v.scores).forEach((s, i) => {
      const score = obj(s);
      for (const kind of ['cvss_v2', 'cvss_v3'] as const) {
        if (score[kind] !== undefined) {
          found.push({ kind, value: obj(score[kind]), path: `${path}/scores/${i}/${kind}`, products: strings(score.products) });
        }
      }
    });
  }
  return found;
}

/** The CVSS version an object claims: its `version`, else its vector's prefix. */
const cvssVersion = (c: CvssObject): string | undefined => {
  if (c.kind === 'cvss_v2') return '2.0';
  const version = str(c.value.version);
  if (version !== undefined) return version;
  return /^CVSS:(3\.[01])\//.exec(str(c.value.vectorString) ?? '')?.[1];
};

/** CVSS JSON property → vector metric abbreviation → { JSON enum value: vector value }. */
const V3_PROPERTIES: Record<string, readonly [string, Record<string, string>]> = (() => {
  const cia = { NONE: 'N', LOW: 'L', HIGH: 'H' };
  const req = { LOW: 'L', MEDIUM: 'M', HIGH: 'H', NOT_DEFINED: 'X' };
  const av = { NETWORK: 'N', ADJACENT_NETWORK: 'A', LOCAL: 'L', PHYSICAL: 'P' };
  const ac = { LOW: 'L', HIGH: 'H' };
  const pr = { NONE: 'N', LOW: 'L', HIGH: 'H' };
  const ui = { NONE: 'N', REQUIRED: 'R' };
  const s = { UNCHANGED: 'U', CHANGED: 'C' };
  const x = { NOT_DEFINED: 'X' };
  return {
    attackVector: ['AV', av],
    attackComplexity: ['AC', ac],
    privilegesRequired: ['PR', pr],
    userInteraction: ['UI', ui],
    scope: ['S', s],
    confidentialityImpact: ['C', cia],
    integrityImpact: ['I', cia],
    availabilityImpact: ['A', cia],
    exploitCodeMaturity: ['E', { UNPROVEN: 'U', PROOF_OF_CONCEPT: 'P', FUNCTIONAL: 'F', HIGH: 'H', ...x }],
    remediationLevel: ['RL', { OFFICIAL_FIX: 'O', TEMPORARY_FIX: 'T', WORKAROUND: 'W', UNAVAILABLE: 'U', ...x }],
    reportConfidence: ['RC', { UNKNOWN: 'U', REASONABLE: 'R', CONFIRMED: 'C', ...x }],
    confidentialityRequirement: ['CR', req],
    integrityRequirement: ['IR', req],
    availabilityRequirement: ['AR', req],
    modifiedAttackVector: ['MAV', { ...av, ...x }],
    modifiedAttackComplexity: ['MAC', { ...ac, ...x }],
    modifiedPrivilegesRequired: ['MPR', { ...pr, ...x }],
    modifiedUserInteraction: ['MUI', { ...ui, ...x }],
    modifiedScope: ['MS', { ...s, ...x }],
    modifiedConfidentialityImpact: ['MC', { ...cia, ...x }],
    modifiedIntegrityImpact: ['MI', { ...cia, ...x }],
    modifiedAvailabilityImpact: ['MA', { ...cia, ...x }],
  };
})();

const V2_PROPERTIES: Record<string, readonly [string, Record<string, string>]> = (() => {
  const cia = { NONE: 'N', PARTIAL: 'P', COMPLETE: 'C' };
  const req = { LOW: 'L', MEDIUM: 'M', HIGH: 'H', NOT_DEFINED: 'ND' };
  const nd = { NOT_DEFINED: 'ND' };
  return {
    accessVector: ['AV', { NETWORK: 'N', ADJACENT_NETWORK: 'A', LOCAL: 'L' }],
    accessComplexity: ['AC', { HIGH: 'H', MEDIUM: 'M', LOW: 'L' }],
    authentication: ['Au', { MULTIPLE: 'M', SINGLE: 'S', NONE: 'N' }],
    confidentialityImpact: ['C', cia],
    integrityImpact: ['I', cia],
    availabilityImpact: ['A', cia],
    exploitability: ['E', { UNPROVEN: 'U', PROOF_OF_CONCEPT: 'POC', FUNCTIONAL: 'F', HIGH: 'H', ...nd }],
    remediationLevel: ['RL', { OFFICIAL_FIX: 'OF', TEMPORARY_FIX: 'TF', WORKAROUND: 'W', UNAVAILABLE: 'U', ...nd }],
    reportConfidence: ['RC', { UNCONFIRMED: 'UC', UNCORROBORATED: 'UR', CONFIRMED: 'C', ...nd }],
    collateralDamagePotential: ['CDP', { NONE: 'N', LOW: 'L', LOW_MEDIUM: 'LM', MEDIUM_HIGH: 'MH', HIGH: 'H', ...nd }],
    targetDistribution: ['TD', { NONE: 'N', LOW: 'L', MEDIUM: 'M', HIGH: 'H', ...nd }],
    confidentialityRequirement: ['CR', req],
    integrityRequirement: ['IR', req],
    availabilityRequirement: ['AR', req],
  };
})();

/** Scores of a CVSS object's vector, when the vector is valid and of the claimed version. */
const scoresOf = (c: CvssObject): CvssV2V3Scores | undefined => {
  const vector = str(c.value.vectorString);
  if (vector === undefined) return undefined;
  const scored = scoreCvss(vector);
  if (!scored.ok || scored.version === '4.0') return undefined;
  if (scored.version !== cvssVersion(c)) return undefined;
  return scored;
};

/** Vector metric → value, as written in the vector. */
const vectorMetrics = (vector: string): Map<string, string> =>
  new Map(
    vector
      .replace(/^CVSS:3\.[01]\//, '')
      .split('/')
      .map((field) => field.split(':') as [string, string]),
  );

// ---------------------------------------------------------------------------
// Revision history (6.1.14 - 6.1.22, 6.1.30)

interface Revision {
  readonly index: number;
  readonly number: string;
  readonly version: ParsedVersion | undefined;
  readonly time: Instant | undefined;
  readonly path: string;
}

/** An RFC 3339 instant to full precision: milliseconds since the epoch, then the digits beyond. */
interface Instant {
  readonly ms: number;
  readonly beyondMs: string;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i;

/** Parses a timestamp without Date's millisecond truncation: the test files order revisions 0.1 ms apart. */
const instant = (text: string | undefined): Instant | undefined => {
  const m = RFC3339.exec(text ?? '');
  if (m === null) return undefined;
  const fraction = (m[2] ?? '').padEnd(3, '0');
  const ms = Date.parse(`${m[1]}.${fraction.slice(0, 3)}${m[3].toUpperCase()}`);
  return Number.isNaN(ms) ? undefined : { ms, beyondMs: fraction.slice(3).replace(/0+$/, '') };
};

const compareInstants = (a: Instant | undefined, b: Instant | undefined): number => {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  if (a.ms !== b.ms) return Math.sign(a.ms - b.ms);
  const width = Math.max(a.beyondMs.length, b.beyondMs.length);
  const [x, y] = [a.beyondMs.padEnd(width, '0'), b.beyondMs.padEnd(width, '0')];
  return x < y ? -1 : x > y ? 1 : 0;
};

const revisions = (doc: Json): Revision[] =>
  arr(obj(obj(doc.document).tracking).revision_history).flatMap((r, index) => {
    const number = str(obj(r).number);
    if (number === undefined) return [];
    return [{ index, number, version: parseVersion(number), time: instant(str(obj(r).date)), path: `/document/tracking/revision_history/${index}` }];
  });

/**
 * Revision history sorted ascending by date, as 6.1.14/16/21 ask; items of the same date are
 * ordered by their number (the valid examples of 6.1.14 and 6.1.16 list such ties newest first).
 */
const byDate = (doc: Json): Revision[] =>
  revisions(doc).sort(
    (a, b) =>
      compareInstants(a.time, b.time) ||
      (a.version !== undefined && b.version !== undefined && a.version.kind === b.version.kind ? compareVersions(a.version, b.version) : 0) ||
      a.index - b.index,
  );

const tracking = (doc: Json): Json => obj(obj(doc.document).tracking);
const docStatus = (doc: Json): string | undefined => str(tracking(doc).status);
const docVersion = (doc: Json): string | undefined => str(tracking(doc).version);

// ---------------------------------------------------------------------------
// Profiles (6.1.26, 6.1.27)

const PROFILE_CATEGORIES = [
  'csaf_base',
  'csaf_security_incident_response',
  'csaf_informational_advisory',
  'csaf_security_advisory',
  'csaf_vex',
] as const;
/** Names and values of the profiles other than CSAF Base, normalized as 6.1.26 says. */
const PROHIBITED_CATEGORY_NAMES = [
  'security_incident_response',
  'informational_advisory',
  'security_advisory',
  'vex',
  'csaf_security_incident_response',
  'csaf_informational_advisory',
  'csaf_security_advisory',
  'csaf_vex',
].map((n) => n.replace(/[-\s_]/g, '').toLowerCase());

const category = (doc: Json): string | undefined => str(obj(doc.document).category);
const inProfiles = (doc: Json, ...categories: string[]): boolean => categories.includes(category(doc) ?? '');

/** §3.2.3.5: every flag label of CSAF 2.0 is a VEX justification code. */
const VEX_JUSTIFICATIONS = new Set([
  'component_not_present',
  'inline_mitigations_already_exist',
  'vulnerable_code_cannot_be_controlled_by_adversary',
  'vulnerable_code_not_in_execute_path',
  'vulnerable_code_not_present',
]);

/**
 * 6.1.31: §6.1.31 deems it sufficient that the lower-cased name contains none of these strings.
 * Taken literally as substrings that would reject the section's own valid example "after-eight";
 * so the comparison operators count anywhere, the words only as whole words, where a word is a
 * run of letters, digits, '.', '_' and '-' (a hyphenated compound such as "after-eight" is a name).
 */
const RANGE_OPERATORS = ['<', '>'];
const RANGE_WORDS = new Set(['after', 'all', 'before', 'earlier', 'later', 'prior', 'versions']);
/** The range marker in a version name, if any (6.1.31). @internal */
export const rangeMarker = (name: string): string | undefined => {
  const lower = name.toLowerCase();
  return RANGE_OPERATORS.find((op) => lower.includes(op)) ?? lower.split(/[^a-z0-9._-]+/).find((word) => RANGE_WORDS.has(word));
};

// ---------------------------------------------------------------------------
// The tests

type Finding = Omit<CsafIssue, 'test'>;
const finding = (path: string, message: string): Finding => ({ path, message });

/** The mandatory tests implemented, in the order of §6.1. */
export const MANDATORY_TESTS: readonly MandatoryTest[] = [
  {
    id: '6.1.1',
    name: 'Missing Definition of Product ID',
    run: (doc) => {
      const defined = definedProductIds(doc);
      return productReferences(doc)
        .filter((r) => !defined.has(r.value))
        .map((r) => finding(r.path, `product ID "${r.value}" is not defined in the product tree`));
    },
  },
  {
    id: '6.1.2',
    name: 'Multiple Definition of Product ID',
    run: (doc) =>
      duplicates(fullProductNames(doc), (p) => str(p.value.product_id)).map((p) =>
        finding(`${p.path}/product_id`, `product ID "${String(p.value.product_id)}" is defined more than once`),
      ),
  },
  {
    id: '6.1.3',
    name: 'Circular Definition of Product ID',
    run: (doc) => {
      const relationships = arr(obj(doc.product_tree).relationships).map((r) => obj(r));
      const edges = new Map<string, string[]>();
      for (const r of relationships) {
        const id = str(obj(r.full_product_name).product_id);
        if (id === undefined) continue;
        const targets = [str(r.product_reference), str(r.relates_to_product_reference)].filter((t): t is string => t !== undefined);
        edges.set(id, [...(edges.get(id) ?? []), ...targets]);
      }
      const findings: Finding[] = [];
      relationships.forEach((r, i) => {
        const start = str(obj(r.full_product_name).product_id);
        if (start === undefined) return;
        // Depth-first over references: is `start` reachable from itself?
        const seen = new Set<string>();
        const stack = [...(edges.get(start) ?? [])];
        while (stack.length > 0) {
          const id = stack.pop()!;
          if (id === start) {
            findings.push(finding(`/product_tree/relationships/${i}/full_product_name/product_id`, `product ID "${start}" is defined through itself (circular relationship)`));
            return;
          }
          if (seen.has(id)) continue;
          seen.add(id);
          stack.push(...(edges.get(id) ?? []));
        }
      });
      return findings;
    },
  },
  {
    id: '6.1.4',
    name: 'Missing Definition of Product Group ID',
    run: (doc) => {
      const groups = groupMembers(doc);
      const findings: Finding[] = [];
      for (const { value: v, path } of vulnerabilities(doc)) {
        for (const key of ['remediations', 'threats', 'flags']) {
          arr(v[key]).forEach((item, i) =>
            arr(obj(item).group_ids).forEach((g, j) => {
              if (typeof g === 'string' && !groups.has(g)) {
                findings.push(finding(`${path}/${key}/${i}/group_ids/${j}`, `product group ID "${g}" is not defined in the product tree`));
              }
            }),
          );
        }
      }
      return findings;
    },
  },
  {
    id: '6.1.5',
    name: 'Multiple Definition of Product Group ID',
    run: (doc) =>
      duplicates(
        arr(obj(doc.product_tree).product_groups).map((g, i) => ({ id: str(obj(g).group_id), i })),
        (g) => g.id,
      ).map((g) => finding(`/product_tree/product_groups/${g.i}/group_id`, `product group ID "${g.id}" is defined more than once`)),
  },
  {
    id: '6.1.6',
    name: 'Contradicting Product Status',
    run: (doc) => {
      const groups = {
        affected: ['first_affected', 'known_affected', 'last_affected'],
        'not affected': ['known_not_affected'],
        fixed: ['first_fixed', 'fixed'],
        'under investigation': ['under_investigation'],
      };
      const findings: Finding[] = [];
      for (const { value: v, path } of vulnerabilities(doc)) {
        const status = obj(v.product_status);
        const memberOf = new Map<string, string[]>();
        for (const [group, names] of Object.entries(groups)) {
          const ids = new Set(names.flatMap((n) => strings(status[n])));
          for (const id of ids) memberOf.set(id, [...(memberOf.get(id) ?? []), group]);
        }
        for (const [id, inGroups] of memberOf) {
          if (inGroups.length > 1) {
            findings.push(finding(`${path}/product_status`, `product ID "${id}" is in contradicting product status groups: ${inGroups.join(', ')}`));
          }
        }
      }
      return findings;
    },
  },
  {
    id: '6.1.7',
    name: 'Multiple Scores with same Version per Product',
    run: (doc) => {
      const findings: Finding[] = [];
      for (const { path } of vulnerabilities(doc)) {
        const seen = new Set<string>();
        for (const c of cvssObjects(doc).filter((o) => o.path.startsWith(`${path}/`))) {
          const version = cvssVersion(c);
          if (version === undefined) continue;
          for (const product of new Set(c.products)) {
            const key = `${version}\u0000${product}`;
            if (seen.has(key)) findings.push(finding(c.path, `product ID "${product}" has more than one CVSS v${version} score`));
            seen.add(key);
          }
        }
      }
      return findings;
    },
  },
  {
    id: '6.1.8',
    name: 'Invalid CVSS',
    run: (doc) =>
      cvssObjects(doc).flatMap((c) => {
        const version = cvssVersion(c);
        if (version !== '2.0' && version !== '3.0' && version !== '3.1') {
          return [finding(c.path, `unknown CVSS version ${JSON.stringify(c.value.version)}: expected 3.0 or 3.1`)];
        }
        return validateCvssObject(version, c.value, c.path);
      }),
  },
  {
    id: '6.1.9',
    name: 'Invalid CVSS computation',
    run: (doc) =>
      cvssObjects(doc).flatMap((c) => {
        const scores = scoresOf(c);
        if (scores === undefined) return [];
        const expected: Record<string, number | string> = {
          baseScore: scores.baseScore,
          temporalScore: scores.temporalScore,
          environmentalScore: scores.environmentalScore,
        };
        if (c.kind === 'cvss_v3') {
          Object.assign(expected, {
            baseSeverity: scores.baseSeverity,
            temporalSeverity: scores.temporalSeverity,
            environmentalSeverity: scores.environmentalSeverity,
          });
        }
        return Object.entries(expected).flatMap(([key, value]) =>
          c.value[key] !== undefined && c.value[key] !== value
            ? [finding(`${c.path}/${key}`, `${key} is ${JSON.stringify(c.value[key])} but the vector gives ${JSON.stringify(value)}`)]
            : [],
        );
      }),
  },
  {
    id: '6.1.10',
    name: 'Inconsistent CVSS',
    run: (doc) =>
      cvssObjects(doc).flatMap((c) => {
        const vector = str(c.value.vectorString);
        const version = cvssVersion(c);
        if (vector === undefined || version === undefined) return [];
        const findings: Finding[] = [];
        if (c.kind === 'cvss_v3' && !vector.startsWith(`CVSS:${version}/`)) {
          findings.push(finding(`${c.path}/version`, `version ${version} contradicts the vector ${vector}`));
        }
        const metrics = vectorMetrics(vector);
        const properties = c.kind === 'cvss_v2' ? V2_PROPERTIES : V3_PROPERTIES;
        const notDefined = c.kind === 'cvss_v2' ? 'ND' : 'X';
        for (const [property, [metric, values]] of Object.entries(properties)) {
          const given = str(c.value[property]);
          if (given === undefined || values[given] === undefined) continue;
          const inVector = metrics.get(metric) ?? notDefined;
          if (values[given] !== inVector) {
            findings.push(finding(`${c.path}/${property}`, `${property} is ${given} but the vector has ${metric}:${inVector}`));
          }
        }
        return findings;
      }),
  },
  {
    id: '6.1.11',
    name: 'CWE',
    run: (doc, ctx) =>
      vulnerabilities(doc).flatMap(({ value: v, path }) => {
        if (!isObj(v.cwe)) return [];
        const id = str(v.cwe.id);
        const name = str(v.cwe.name);
        if (id === undefined) return [];
        const known = ctx.cwe().get(id);
        if (known === undefined) return [finding(`${path}/cwe/id`, `${id} is not in the CWE catalog`)];
        if (name !== undefined && name !== known) return [finding(`${path}/cwe/name`, `the name of ${id} is "${known}", not "${name}"`)];
        return [];
      }),
  },
  {
    id: '6.1.12',
    name: 'Language',
    run: (doc) =>
      (['lang', 'source_lang'] as const).flatMap((key) => {
        const tag = str(obj(doc.document)[key]);
        const problem = tag === undefined ? undefined : languageTagProblem(tag);
        return problem === undefined ? [] : [finding(`/document/${key}`, problem)];
      }),
  },
  {
    id: '6.1.13',
    name: 'PURL',
    run: (doc) =>
      fullProductNames(doc).flatMap(({ value, path }) => {
        const purl = str(obj(value.product_identification_helper).purl);
        const problem = purl === undefined ? undefined : purlProblem(purl);
        return problem === undefined ? [] : [finding(`${path}/product_identification_helper/purl`, `invalid purl "${purl}": ${problem}`)];
      }),
  },
  {
    id: '6.1.14',
    name: 'Sorted Revision History',
    run: (doc) => {
      const sorted = byDate(doc);
      const findings: Finding[] = [];
      for (let i = 1; i < sorted.length; i++) {
        const [a, b] = [sorted[i - 1], sorted[i]];
        if (a.version !== undefined && b.version !== undefined && a.version.kind === b.version.kind && compareVersions(a.version, b.version) > 0) {
          findings.push(finding(b.path, `revision "${b.number}" is dated after revision "${a.number}" but has a lower number`));
        }
      }
      return findings;
    },
  },
  {
    id: '6.1.15',
    name: 'Translator',
    run: (doc) => {
      const d = obj(doc.document);
      return str(obj(d.publisher).category) === 'translator' && str(d.source_lang) === undefined
        ? [finding('/document/source_lang', 'a translator must give the source language')]
        : [];
    },
  },
  {
    id: '6.1.16',
    name: 'Latest Document Version',
    run: (doc) => {
      const sorted = byDate(doc);
      const version = docVersion(doc);
      const parsed = version === undefined ? undefined : parseVersion(version);
      const last = sorted.at(-1);
      if (parsed === undefined || last?.version === undefined) return [];
      const draft = docStatus(doc) === 'draft';
      if (versionKey(parsed, draft) === versionKey(last.version, draft)) return [];
      return [finding('/document/tracking/version', `the document version is "${version}" but the latest revision is "${last.number}"`)];
    },
  },
  {
    id: '6.1.17',
    name: 'Document Status Draft',
    run: (doc) => {
      const version = docVersion(doc);
      const parsed = version === undefined ? undefined : parseVersion(version);
      if (parsed === undefined || docStatus(doc) === 'draft') return [];
      return isZeroVersion(parsed) || parsed.prerelease.length > 0
        ? [finding('/document/tracking/status', `version "${version}" is a draft version but the status is "${docStatus(doc)}"`)]
        : [];
    },
  },
  {
    id: '6.1.18',
    name: 'Released Revision History',
    run: (doc) => {
      const status = docStatus(doc);
      if (status !== 'final' && status !== 'interim') return [];
      return revisions(doc)
        .filter((r) => r.version !== undefined && isZeroVersion(r.version))
        .map((r) => finding(`${r.path}/number`, `the document is ${status} but revision "${r.number}" is a pre-release number`));
    },
  },
  {
    id: '6.1.19',
    name: 'Revision History Entries for Pre-release Versions',
    run: (doc) =>
      revisions(doc)
        .filter((r) => r.version !== undefined && r.version.prerelease.length > 0)
        .map((r) => finding(`${r.path}/number`, `revision "${r.number}" has a pre-release part`)),
  },
  {
    id: '6.1.20',
    name: 'Non-draft Document Version',
    run: (doc) => {
      const status = docStatus(doc);
      const version = docVersion(doc);
      const parsed = version === undefined ? undefined : parseVersion(version);
      return (status === 'final' || status === 'interim') && parsed !== undefined && parsed.prerelease.length > 0
        ? [finding('/document/tracking/version', `the document is ${status} but version "${version}" has a pre-release part`)]
        : [];
    },
  },
  {
    id: '6.1.21',
    name: 'Missing Item in Revision History',
    run: (doc) => {
      const sorted = byDate(doc).filter((r) => r.version !== undefined);
      if (sorted.length === 0) return [];
      const findings: Finding[] = [];
      const first = sorted[0];
      if (first.version!.major > 1) {
        findings.push(finding(first.path, `the first revision is "${first.number}": it must be 0 or 1 (major version 0 or 1)`));
      }
      for (let i = 1; i < sorted.length; i++) {
        const [a, b] = [sorted[i - 1], sorted[i]];
        if (b.version!.major > a.version!.major + 1) {
          findings.push(finding(b.path, `revision "${b.number}" follows "${a.number}": version ${a.version!.major + 1} is missing`));
        }
      }
      return findings;
    },
  },
  {
    id: '6.1.22',
    name: 'Multiple Definition in Revision History',
    run: (doc) =>
      duplicates(revisions(doc), (r) => r.number).map((r) => finding(`${r.path}/number`, `revision "${r.number}" appears more than once`)),
  },
  {
    id: '6.1.23',
    name: 'Multiple Use of Same CVE',
    run: (doc) =>
      duplicates(vulnerabilities(doc), (v) => str(v.value.cve)).map((v) =>
        finding(`${v.path}/cve`, `${String(v.value.cve)} is used by more than one vulnerability`),
      ),
  },
  {
    id: '6.1.24',
    name: 'Multiple Definition in Involvements',
    run: (doc) =>
      vulnerabilities(doc).flatMap(({ value: v, path }) =>
        duplicates(
          arr(v.involvements).map((x, i) => ({ x: obj(x), i })),
          ({ x }) => {
            const party = str(x.party);
            const date = instant(str(x.date));
            return party === undefined || date === undefined ? undefined : `${party}\u0000${date.ms}.${date.beyondMs}`;
          },
        ).map(({ x, i }) => finding(`${path}/involvements/${i}`, `party "${String(x.party)}" is listed more than once at ${String(x.date)}`)),
      ),
  },
  {
    id: '6.1.25',
    name: 'Multiple Use of Same Hash Algorithm',
    run: (doc) =>
      fullProductNames(doc).flatMap(({ value, path }) =>
        arr(obj(value.product_identification_helper).hashes).flatMap((h, i) =>
          duplicates(
            arr(obj(h).file_hashes).map((f, j) => ({ algorithm: str(obj(f).algorithm), j })),
            (f) => f.algorithm,
          ).map((f) =>
            finding(`${path}/product_identification_helper/hashes/${i}/file_hashes/${f.j}`, `hash algorithm "${f.algorithm}" is used more than once`),
          ),
        ),
      ),
  },
  {
    id: '6.1.26',
    name: 'Prohibited Document Category Name',
    run: (doc) => {
      const value = category(doc);
      if (value === undefined || (PROFILE_CATEGORIES as readonly string[]).includes(value)) return [];
      const normalized = value.replace(/[-\s_]/g, '').toLowerCase();
      if (PROHIBITED_CATEGORY_NAMES.includes(normalized)) {
        return [finding('/document/category', `"${value}" is the name of a CSAF profile other than CSAF Base`)];
      }
      if (value.toLowerCase().startsWith('csaf_')) {
        return [finding('/document/category', `"${value}" uses the reserved prefix "csaf_"`)];
      }
      return [];
    },
  },
  {
    id: '6.1.27.1',
    name: 'Document Notes',
    run: (doc) =>
      inProfiles(doc, 'csaf_informational_advisory', 'csaf_security_incident_response') &&
      !arr(obj(doc.document).notes).some((n) => ['description', 'details', 'general', 'summary'].includes(str(obj(n).category) ?? ''))
        ? [finding('/document/notes', 'the document needs a note of category description, details, general or summary')]
        : [],
  },
  {
    id: '6.1.27.2',
    name: 'Document References',
    run: (doc) =>
      inProfiles(doc, 'csaf_informational_advisory', 'csaf_security_incident_response') &&
      !arr(obj(doc.document).references).some((r) => str(obj(r).category) === 'external')
        ? [finding('/document/references', 'the document needs a reference of category external')]
        : [],
  },
  {
    id: '6.1.27.3',
    name: 'Vulnerabilities',
    run: (doc) =>
      inProfiles(doc, 'csaf_informational_advisory') && doc.vulnerabilities !== undefined
        ? [finding('/vulnerabilities', 'an informational advisory must not have vulnerabilities')]
        : [],
  },
  {
    id: '6.1.27.4',
    name: 'Product Tree',
    run: (doc) =>
      inProfiles(doc, 'csaf_security_advisory', 'csaf_vex') && doc.product_tree === undefined
        ? [finding('/product_tree', 'the profile requires a product tree')]
        : [],
  },
  {
    id: '6.1.27.5',
    name: 'Vulnerability Notes',
    run: (doc) =>
      inProfiles(doc, 'csaf_security_advisory', 'csaf_vex')
        ? vulnerabilities(doc).flatMap(({ value, path }) => (value.notes === undefined ? [finding(`${path}/notes`, 'the vulnerability has no notes')] : []))
        : [],
  },
  {
    id: '6.1.27.6',
    name: 'Product Status',
    run: (doc) =>
      inProfiles(doc, 'csaf_security_advisory')
        ? vulnerabilities(doc).flatMap(({ value, path }) =>
            value.product_status === undefined ? [finding(`${path}/product_status`, 'the vulnerability has no product status')] : [],
          )
        : [],
  },
  {
    id: '6.1.27.7',
    name: 'VEX Product Status',
    run: (doc) =>
      inProfiles(doc, 'csaf_vex')
        ? vulnerabilities(doc).flatMap(({ value, path }) => {
            const status = obj(value.product_status);
            return ['fixed', 'known_affected', 'known_not_affected', 'under_investigation'].some((k) => status[k] !== undefined)
              ? []
              : [finding(`${path}/product_status`, 'none of fixed, known_affected, known_not_affected, under_investigation is given')];
          })
        : [],
  },
  {
    id: '6.1.27.8',
    name: 'Vulnerability ID',
    run: (doc) =>
      inProfiles(doc, 'csaf_vex')
        ? vulnerabilities(doc).flatMap(({ value, path }) =>
            value.cve === undefined && value.ids === undefined ? [finding(path, 'the vulnerability has neither cve nor ids')] : [],
          )
        : [],
  },
  {
    id: '6.1.27.9',
    name: 'Impact Statement',
    run: (doc) => {
      if (!inProfiles(doc, 'csaf_vex')) return [];
      const groups = groupMembers(doc);
      return vulnerabilities(doc).flatMap(({ value, path }) => {
        const covered = new Set([
          ...arr(value.flags).flatMap((f) => [...productsOf(obj(f), groups)]),
          ...arr(value.threats)
            .filter((t) => str(obj(t).category) === 'impact')
            .flatMap((t) => [...productsOf(obj(t), groups)]),
        ]);
        return arr(obj(value.product_status).known_not_affected).flatMap((id, i) =>
          typeof id === 'string' && !covered.has(id)
            ? [finding(`${path}/product_status/known_not_affected/${i}`, `product ID "${id}" is known not affected but has no impact statement`)]
            : [],
        );
      });
    },
  },
  {
    id: '6.1.27.10',
    name: 'Action Statement',
    run: (doc) => {
      if (!inProfiles(doc, 'csaf_vex')) return [];
      const groups = groupMembers(doc);
      return vulnerabilities(doc).flatMap(({ value, path }) => {
        const covered = new Set(arr(value.remediations).flatMap((r) => [...productsOf(obj(r), groups)]));
        return arr(obj(value.product_status).known_affected).flatMap((id, i) =>
          typeof id === 'string' && !covered.has(id)
            ? [finding(`${path}/product_status/known_affected/${i}`, `product ID "${id}" is known affected but has no action statement (remediation)`)]
            : [],
        );
      });
    },
  },
  {
    id: '6.1.27.11',
    name: 'Vulnerabilities',
    run: (doc) =>
      inProfiles(doc, 'csaf_security_advisory', 'csaf_vex') && doc.vulnerabilities === undefined
        ? [finding('/vulnerabilities', 'the profile requires vulnerabilities')]
        : [],
  },
  {
    id: '6.1.28',
    name: 'Translation',
    run: (doc) => {
      const d = obj(doc.document);
      const [lang, source] = [str(d.lang), str(d.source_lang)];
      return lang !== undefined && source !== undefined && lang.toLowerCase() === source.toLowerCase()
        ? [finding('/document/source_lang', `the source language and the document language are both "${lang}"`)]
        : [];
    },
  },
  {
    id: '6.1.29',
    name: 'Remediation without Product Reference',
    run: (doc) =>
      vulnerabilities(doc).flatMap(({ value, path }) =>
        arr(value.remediations).flatMap((r, i) =>
          obj(r).product_ids === undefined && obj(r).group_ids === undefined
            ? [finding(`${path}/remediations/${i}`, 'the remediation names no product_ids or group_ids')]
            : [],
        ),
      ),
  },
  {
    id: '6.1.30',
    name: 'Mixed Integer and Semantic Versioning',
    run: (doc) => {
      const items = [
        ...revisions(doc).map((r) => ({ path: `${r.path}/number`, text: r.number, v: r.version })),
        ...(docVersion(doc) === undefined ? [] : [{ path: '/document/tracking/version', text: docVersion(doc)!, v: parseVersion(docVersion(doc)!) }]),
      ].filter((x) => x.v !== undefined);
      const first = items[0];
      return items
        .filter((x) => x.v!.kind !== first?.v!.kind)
        .map((x) => finding(x.path, `"${x.text}" uses ${x.v!.kind} versioning but "${first.text}" uses ${first.v!.kind} versioning`));
    },
  },
  {
    id: '6.1.31',
    name: 'Version Range in Product Version',
    run: (doc) =>
      allBranches(doc).flatMap(({ value, path }) => {
        const name = str(value.name);
        if (str(value.category) !== 'product_version' || name === undefined) return [];
        const word = rangeMarker(name);
        return word === undefined
          ? []
          : [finding(`${path}/name`, `product_version "${name}" contains "${word}", a version range: use product_version_range`)];
      }),
  },
  {
    id: '6.1.32',
    name: 'Flag without Product Reference',
    run: (doc) =>
      vulnerabilities(doc).flatMap(({ value, path }) =>
        arr(value.flags).flatMap((f, i) =>
          obj(f).product_ids === undefined && obj(f).group_ids === undefined
            ? [finding(`${path}/flags/${i}`, 'the flag names no product_ids or group_ids')]
            : [],
        ),
      ),
  },
  {
    id: '6.1.33',
    name: 'Multiple Flags with VEX Justification Codes per Product',
    run: (doc) => {
      const groups = groupMembers(doc);
      return vulnerabilities(doc).flatMap(({ value, path }) => {
        const seen = new Set<string>();
        const findings: Finding[] = [];
        arr(value.flags).forEach((f, i) => {
          if (!VEX_JUSTIFICATIONS.has(str(obj(f).label) ?? '')) return;
          for (const id of productsOf(obj(f), groups)) {
            if (seen.has(id)) findings.push(finding(`${path}/flags/${i}`, `product ID "${id}" has more than one VEX justification flag`));
            seen.add(id);
          }
        });
        return findings;
      });
    },
  },
];
