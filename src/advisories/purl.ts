/**
 * @module Package URL syntax check for mandatory test 6.1.13, after the parsing rules of the purl
 * specification ("How to parse a purl string"): scheme `pkg`, a type, a name, valid
 * percent-encoding, well-formed qualifier keys without duplicates. Type-specific rules (which
 * types need a namespace, how names are normalized) are not checked: they vary by type and
 * version of the type definitions, and none of them makes a purl unparsable.
 */

const TYPE = /^[a-zA-Z.+-][a-zA-Z0-9.+-]*$/;
const QUALIFIER_KEY = /^[a-zA-Z.\-_][a-zA-Z0-9.\-_]*$/;

const decode = (part: string): string | undefined => {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
};

/**
 * Why a purl is not valid, or undefined when it is.
 * @internal
 */
export function purlProblem(purl: string): string | undefined {
  if (/\s/.test(purl.trim()) || purl !== purl.trim()) return 'a purl must not contain whitespace';
  let rest = purl;
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    const subpath = rest.slice(hash + 1);
    if (subpath.split('/').some((s) => s !== '' && decode(s) === undefined)) return 'bad percent-encoding in subpath';
    rest = rest.slice(0, hash);
  }
  const question = rest.indexOf('?');
  if (question >= 0) {
    const keys = new Set<string>();
    for (const pair of rest.slice(question + 1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      if (eq <= 0) return `qualifier "${pair}" is not key=value`;
      const key = pair.slice(0, eq).toLowerCase();
      if (!QUALIFIER_KEY.test(key)) return `bad qualifier key "${key}"`;
      if (keys.has(key)) return `qualifier "${key}" given twice`;
      keys.add(key);
      if (decode(pair.slice(eq + 1)) === undefined) return `bad percent-encoding in qualifier "${key}"`;
    }
    rest = rest.slice(0, question);
  }
  const colon = rest.indexOf(':');
  if (colon < 0 || rest.slice(0, colon).toLowerCase() !== 'pkg') return 'a purl must start with "pkg:"';
  rest = rest.slice(colon + 1).replace(/^\/+/, '').replace(/\/+$/, '');
  const slash = rest.indexOf('/');
  if (slash <= 0) return 'a purl needs a type and a name';
  const type = rest.slice(0, slash);
  if (!TYPE.test(type)) return `bad type "${type}"`;
  rest = rest.slice(slash + 1);
  // An '@' before the last '/' belongs to the namespace (npm scopes such as @babel), not a version.
  const at = rest.lastIndexOf('@');
  if (at > rest.lastIndexOf('/')) {
    if (at === rest.length - 1 || decode(rest.slice(at + 1)) === undefined) return 'empty or badly encoded version';
    rest = rest.slice(0, at);
  }
  const segments = rest.split('/');
  const name = decode(segments.pop() ?? '');
  if (name === undefined || name === '') return 'a purl needs a name';
  for (const segment of segments) {
    const decoded = decode(segment);
    if (decoded === undefined) return 'bad percent-encoding in namespace';
    if (decoded === '') return 'empty namespace segment';
    if (decoded.includes('/')) return 'a namespace segment must not contain "/"';
  }
  return undefined;
}
