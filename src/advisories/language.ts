/**
 * @module Language tags (CSAF `lang_t`, BCP 47 / RFC 5646) for mandatory test 6.1.12: well formed
 * per RFC 5646 §2.1, and every primary language, script and region subtag exists.
 *
 * Existence is asked of the runtime's ICU/CLDR data (`Intl.DisplayNames` with `fallback: 'none'`)
 * rather than a bundled copy of the IANA registry: it knows every ISO 639-1 code (and the
 * deprecated iw/in/ji/mo), ISO 15924 scripts and ISO 3166 / UN M.49 regions. Its gap is rare ISO
 * 639-2/3 codes, so three-letter primary subtags CLDR does not know are accepted when well formed:
 * a missing rare language must never make a real advisory invalid. Private-use ranges (qaa–qtz,
 * Qaaa–Qabx, AA, QM–QZ, XA–XZ, ZZ) and the RFC 5646 grandfathered tags are valid by definition.
 */

/** RFC 5646 §2.1 langtag (extlang, variants, extensions, private use), case-insensitive. */
const LANGTAG =
  /^(?<language>[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})(?:-(?<script>[a-z]{4}))?(?:-(?<region>[a-z]{2}|\d{3}))?(?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*(?:-[\da-wyz](?:-[a-z\d]{2,8})+)*(?:-x(?:-[a-z\d]{1,8})+)?$/i;
const PRIVATE_USE = /^x(?:-[a-z\d]{1,8})+$/i;
/** RFC 5646 §2.2.8 grandfathered tags (irregular and regular). */
const GRANDFATHERED = new Set(
  [
    'en-GB-oed', 'i-ami', 'i-bnn', 'i-default', 'i-enochian', 'i-hak', 'i-klingon', 'i-lux', 'i-mingo', 'i-navajo',
    'i-pwn', 'i-tao', 'i-tay', 'i-tsu', 'sgn-BE-FR', 'sgn-BE-NL', 'sgn-CH-DE', 'art-lojban', 'cel-gaulish',
    'no-bok', 'no-nyn', 'zh-guoyu', 'zh-hakka', 'zh-min', 'zh-min-nan', 'zh-xiang',
  ].map((t) => t.toLowerCase()),
);
/** Private-use region subtags (RFC 5646 §2.2.4). */
const PRIVATE_REGION = /^(?:aa|q[m-z]|x[a-z]|zz)$/i;
const PRIVATE_SCRIPT = /^qa(?:a[a-z]|b[a-x])$/i;

let names: { language: Intl.DisplayNames; script: Intl.DisplayNames; region: Intl.DisplayNames } | undefined;
const displayNames = () =>
  (names ??= {
    language: new Intl.DisplayNames('en', { type: 'language', fallback: 'none' }),
    script: new Intl.DisplayNames('en', { type: 'script', fallback: 'none' }),
    region: new Intl.DisplayNames('en', { type: 'region', fallback: 'none' }),
  });

const known = (kind: 'language' | 'script' | 'region', code: string): boolean => {
  try {
    return displayNames()[kind].of(code) !== undefined;
  } catch {
    return false;
  }
};

/**
 * Why a language tag is not valid, or undefined when it is.
 * @internal
 */
export function languageTagProblem(tag: string): string | undefined {
  if (GRANDFATHERED.has(tag.toLowerCase()) || PRIVATE_USE.test(tag)) return undefined;
  const m = LANGTAG.exec(tag);
  if (m === null) return `"${tag}" is not a well-formed BCP 47 language tag`;
  const { language, script, region } = m.groups as { language: string; script?: string; region?: string };
  const primary = language.split('-')[0].toLowerCase();
  if (primary.length === 2 && !known('language', primary)) {
    return `"${tag}": "${primary}" is not an ISO 639-1 language code`;
  }
  // Three-letter codes (including qaa–qtz, und, mis, mul, zxx) are accepted when well formed.
  if (primary.length > 3) return `"${tag}": primary language subtag "${primary}" is reserved or registered-only`;
  if (script !== undefined && !PRIVATE_SCRIPT.test(script) && !known('script', script)) {
    return `"${tag}": "${script}" is not an ISO 15924 script code`;
  }
  if (region !== undefined && !PRIVATE_REGION.test(region) && !/^\d{3}$/.test(region) && !known('region', region.toUpperCase())) {
    return `"${tag}": "${region}" is not an ISO 3166-1 region code`;
  }
  return undefined;
}
