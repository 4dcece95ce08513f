/**
 * @module Byte helpers shared by the readers: BOM, UTF-8 checks, previews.
 */
import { isUtf8 } from 'node:buffer';

export const BOM = Uint8Array.of(0xef, 0xbb, 0xbf);

export function hasBom(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

export function stripBom(bytes: Uint8Array): Uint8Array {
  return hasBom(bytes) ? bytes.subarray(3) : bytes;
}

/**
 * Offset of the first byte that is not valid UTF-8 (RFC 3629: no overlongs, no surrogates,
 * nothing past U+10FFFF), or -1. The fast native check runs first; the scan only on failure.
 */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  if (isUtf8(bytes)) return -1;
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined) return i;
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (c < min || c > max) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** `25 50 44 46 …` for error messages about unknown content. */
export function hexPreview(bytes: Uint8Array, max = 8): string {
  const shown = Array.from(bytes.subarray(0, max), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return bytes.length === 0 ? '(empty)' : shown;
}

export function concat(parts: readonly Uint8Array[], total?: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const size = total ?? parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function isJsonSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/**
 * Decides, one segment at a time, whether a line is blank (only an optional leading BOM and
 * spaces, tabs, CR). The same machine serves reading and skipping, so ordinals agree.
 */
export class BlankLineTracker {
  private pos = 0;
  private bomOk = true;
  content = false;

  reset(): void {
    this.pos = 0;
    this.bomOk = true;
    this.content = false;
  }

  feed(seg: Uint8Array, from: number, to: number): void {
    if (this.content) return;
    for (let i = from; i < to; i++) {
      const b = seg[i];
      const p = this.pos++;
      if (p < 3 && this.bomOk) {
        if (b === BOM[p]) continue;
        this.bomOk = false;
        if (p > 0) {
          this.content = true;
          return;
        }
      }
      if (b === 0x20 || b === 0x09 || b === 0x0d) continue;
      this.content = true;
      return;
    }
  }

  /** Call at the end of the line. */
  isBlank(): boolean {
    if (this.content) return false;
    // A lone partial BOM (EF or EF BB) is content, and invalid UTF-8 at that.
    return !(this.bomOk && this.pos > 0 && this.pos < 3);
  }
}
