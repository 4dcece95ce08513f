/**
 * @module A zip record left compressed by the reader (option `deferInflate`) inflated where it
 * is prepared: on the import's worker threads, so the import's own thread, which writes the
 * store, spends no time inflating. Only zlib and the record checks: cheap to load in a worker.
 */
import { crc32, inflateRawSync } from 'node:zlib';
import type { RawError, RawEvent, RawItem } from '../types.ts';
import { ITEM_ERROR_CODES } from './errors.ts';
import { recordEvent } from './text-split.ts';

/**
 * A deferred zip record (`RawItem.deflated`) inflated: the record's own bytes, checked as any
 * zip record is (its declared size and CRC-32, then UTF-8, a BOM dropped), or the error the
 * streaming reader gives for the same entry. Pure CPU; safe on a worker thread.
 */
export function inflateRecord(item: RawItem): RawEvent {
  const { deflated } = item;
  if (deflated === undefined) return item;
  const { ordinal, position, nameHint } = item;
  const fail = (code: string, message: string): RawError => ({ kind: 'error', ordinal, position, code, message: `${position}: ${message}` });
  let bytes: Buffer;
  try {
    bytes = inflateRawSync(item.bytes, { maxOutputLength: Math.max(1, deflated.size) });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE') return fail(ITEM_ERROR_CODES.ZIP_BOMB, `entry inflates past its declared size of ${deflated.size} bytes; stopped`);
    return fail(ITEM_ERROR_CODES.ZIP_CORRUPT, `entry data is corrupt: ${e.message}`);
  }
  if (bytes.length > deflated.size) return fail(ITEM_ERROR_CODES.ZIP_BOMB, `entry inflates past its declared size of ${deflated.size} bytes; stopped`);
  if (bytes.length !== deflated.size) return fail(ITEM_ERROR_CODES.ZIP_CORRUPT, `entry inflates to ${bytes.length} bytes, its header says ${deflated.size}`);
  if (crc32(bytes) >>> 0 !== deflated.crc) return fail(ITEM_ERROR_CODES.ZIP_CORRUPT, 'entry fails its CRC-32 check');
  return recordEvent(ordinal, position, bytes, { maxRecordBytes: Math.max(1, deflated.size), nameHint });
}
