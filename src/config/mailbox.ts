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

/** `local@domain`: no spaces, angle brackets or second `@`; the domain may be a bare host name (`localhost`). */
const ADDRESS = /^[^\s@<>"]+@[^\s@<>"]+$/u;

/**
 * Why `text` is not a sender or recipient as a mail header takes it, or undefined when it
 * is one: `Display Name <local@domain>` or a bare `local@domain` (`form: 'address'` allows
 * only the latter). Control characters, which would end the header, are refused.
 */
export function mailboxProblem(text: string, variable: string, form: 'mailbox' | 'address' = 'mailbox'): string | undefined {
  const value = text.trim();
  const what = form === 'address' ? 'an e-mail address (name@domain)' : '"Display Name <name@domain>" or an e-mail address (name@domain)';
  const m = /^(?:([^<>]*?)\s*<([^<>]*)>|([^<>]*))$/su.exec(value);
  const address = m?.[2] ?? m?.[3];
  const ok = m !== null && address !== undefined && !/\p{Cc}/u.test(value) && ADDRESS.test(address) && address.length <= 320
    && (form === 'mailbox' || m[2] === undefined) && (m[1] ?? '').length <= 200;
  return ok ? undefined : `${variable} must be ${what}, got "${value.slice(0, 80)}"`;
}
