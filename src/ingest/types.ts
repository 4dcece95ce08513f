/**
 * @module What input readers produce: raw items with their position, or errors.
 */

/** One raw record as read from an input, not yet parsed. */
export interface RawItem {
  readonly kind: 'item';
  /** 0, 1, 2… in the order the reader yields items; the resume cursor. */
  readonly ordinal: number;
  /** Human-readable place: `records.jsonl:120`, `cves/2024/1xxx/CVE-2024-1234.json`, `…zip!cves/…`. */
  readonly position: string;
  /** The CVE name the container gives (file name `CVE-2024-1234.json`), to check against `cveId`. */
  readonly nameHint?: string;
  /**
   * Set when `bytes` are a zip entry's raw deflate data, not yet inflated (reader option
   * `deferInflate`): the size and CRC-32 its headers declare, already checked against the
   * zip limits. `inflateRecord` turns the item into the record's own bytes, or an error.
   */
  readonly deflated?: { readonly size: number; readonly crc: number };
  readonly bytes: Uint8Array;
}

/** A problem with one part of the input: that part is quarantined or reported, the rest goes on. */
export interface RawError {
  readonly kind: 'error';
  readonly ordinal: number;
  readonly position: string;
  /** e.g. `JSON_TRUNCATED`, `ZIP_SLIP`, `ZIP_BOMB`, `ENTRY_TOO_LARGE`, `BAD_UTF8`. */
  readonly code: string;
  readonly message: string;
  /** The CVE name of the part, when the input names it without its bytes (a delta log's `RECORD_MISSING`). */
  readonly cveId?: string;
  readonly raw?: Uint8Array;
}

export type RawEvent = RawItem | RawError;

/** An opened input: what it is, its identity for resuming, and its items. */
/** Hears the CVE name of an item a resumed run passes over (see `InputSource.events`). */
export type PassedOver = (cveId: string | undefined) => void;

export interface InputSource {
  /** `jsonl`, `json`, `directory`, `zip`, `delta-log`, `stdin`. */
  readonly format: string;
  /** Stable identity of this exact input (path + size + mtime, URL + ETag/Last-Modified, content hash). */
  readonly key: string;
  /** What to show the user: the path or URL. */
  readonly location: string;
  /** Release name / commit / fetch time when the input says so (cvelistV5 release zip names, deltaLog fetchTime). */
  readonly release?: string;
  /** Total items when known cheaply (for the progress bar), else undefined. */
  readonly total?: number;
  /** Bytes total when known (progress by bytes for streams). */
  readonly totalBytes?: number;
  /**
   * Items from `startOrdinal` on (earlier ones are skipped cheaply where possible).
   * `onPassedOver`, when given, hears the CVE name (from the file or entry name, undefined
   * when it names none) of each item skipped, where the input names its items without
   * reading them: a directory, a zip, a delta log. A text input (JSONL, a JSON array) names
   * nothing before it is parsed and never calls it.
   */
  events(startOrdinal?: number, onPassedOver?: PassedOver): AsyncIterable<RawEvent>;
  /** Bytes consumed so far (for progress on streams). */
  bytesRead(): number;
  /** Remove temp files. */
  close(): Promise<void>;
}
