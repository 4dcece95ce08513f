/**
 * @module Escaping for the text formats: XML 1.0 text and attributes (characters XML 1.0
 * cannot carry are replaced, never emitted), and the "visible" form of text meant for
 * people (controls removed, bidirectional overrides shown, not obeyed).
 */

/**
 * Anything outside XML 1.0 `Char` (§2.2): C0 controls other than tab, LF, CR; lone
 * surrogates; U+FFFE, U+FFFF. With the `u` flag a lone surrogate is one code point here.
 */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;
const XML_TEXT_SPECIAL = /[&<>\r]/g;
const XML_ATTR_SPECIAL = /[&<>"\t\n\r]/g;
const XML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  // Kept as references so parsers do not normalise them away (XML 1.0 §2.11, §3.3.3).
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};
const escapeOne = (c: string): string => XML_ESCAPES[c]!;

/** U+FFFD in place of every character XML 1.0 cannot carry (a NUL, ESC, lone surrogate…). */
export function toXmlChars(text: string): string {
  return text.replace(NOT_XML_CHAR, '\ufffd');
}

/**
 * Escape text for XML element content. `>` is escaped too, so `]]>` never appears; CR is
 * written `&#13;` so it survives line-end normalisation.
 *
 * @example
 * xmlText('a < b ]]> \u0000') // 'a &lt; b ]]&gt; \ufffd'
 */
export function xmlText(text: string): string {
  return toXmlChars(text).replace(XML_TEXT_SPECIAL, escapeOne);
}

/** Escape text for a double-quoted XML attribute value (tab, LF, CR kept as references). */
export function xmlAttr(text: string): string {
  return toXmlChars(text).replace(XML_ATTR_SPECIAL, escapeOne);
}

/**
 * An XML comment holding `text`: `--` cannot appear inside a comment (XML 1.0 §2.5), nor
 * may it end with `-`, so dashes runs are broken up.
 */
export function xmlComment(text: string): string {
  const safe = toXmlChars(text).replace(/-(?=-)/g, '- ').replace(/-$/, '- ');
  return `<!-- ${safe} -->`;
}

/**
 * Bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069)
 * and the Arabic letter mark: they reorder what a reader sees ("Trojan Source",
 * CVE-2021-42574), so visible text shows them as `<U+202E>` instead of obeying them.
 */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069\u061c]/g;
/** C0 except tab and LF, DEL, C1; CR is folded into LF first. */
const INVISIBLE_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Text for people (plain text, CSV, feed titles and summaries): line ends as LF, control
 * characters removed, bidirectional controls made visible as `<U+202E>`, lone surrogates
 * as U+FFFD. Tabs and line feeds stay.
 */
export function visibleText(text: string): string {
  return text
    .toWellFormed()
    .replace(/\r\n?/g, '\n')
    .replace(INVISIBLE_CONTROLS, '')
    .replace(/[\ufffe\uffff]/g, '\ufffd')
    .replace(BIDI_CONTROLS, (c) => `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`);
}

/** {@link visibleText} on one line: every run of whitespace (line ends, tabs) becomes one space. */
export function oneLine(text: string): string {
  return visibleText(text).replace(/\s+/g, ' ').trim();
}

/** Cut `text` to at most `max` code units at a code point boundary, marking the cut with `…`. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
