/** @module `Name <address>` or a bare e-mail address, as settings give them. */

const MAILBOX = /^\s*(?:(.*?)\s*<([^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)>|([^\s@<>]+@[^\s@<>]+\.[^\s@<>]+))\s*$/su;

/**
 * The name (the address when none is given) and the address of `text`, or why it is not one,
 * naming the setting `variable`: an address of at most 320 characters, a name of at most 200.
 */
export function parseMailbox(text: string, variable: string): { readonly name: string; readonly address: string } | { readonly error: string } {
  const m = MAILBOX.exec(text);
  const address = m?.[2] ?? m?.[3];
  if (!m || address === undefined || address.length > 320) return { error: `${variable} must be "Name <address>" or an e-mail address, got "${text.slice(0, 80)}"` };
  const name = (m[1] ?? '').trim() || address;
  if (name.length > 200) return { error: `${variable}: the name is longer than 200 characters` };
  return { name, address };
}
