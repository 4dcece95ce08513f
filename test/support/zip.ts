/**
 * @module A small zip writer for tests: deflate or store, nested zips, and the lies real attacks
 * use (sizes and CRCs that do not match the data, `../` and backslash names, encryption flags).
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntrySpec {
  /** Entry name; raw bytes write it exactly (e.g. with backslashes). */
  readonly name: string | Uint8Array;
  /** Uncompressed content (ignored when `compressed` is given). */
  readonly data?: Uint8Array | string;
  /** Default `deflate`. */
  readonly method?: 'deflate' | 'store' | number;
  /** Already-compressed bytes to store as the entry's data (with `size` and `crc`). */
  readonly compressed?: Uint8Array;
  /** Lying headers: the uncompressed size, compressed size, CRC-32 to declare. */
  readonly declaredSize?: number;
  readonly declaredCompressedSize?: number;
  readonly declaredCrc?: number;
  /** Sets general purpose flag bit 0 (traditional encryption). */
  readonly encrypted?: boolean;
}

interface Prepared {
  name: Uint8Array;
  method: number;
  body: Uint8Array;
  size: number;
  compressedSize: number;
  crc: number;
  flags: number;
  offset: number;
}

const toBytes = (v: Uint8Array | string): Uint8Array => (typeof v === 'string' ? Buffer.from(v, 'utf8') : v);

/** A deflate stream of `size` zero bytes, for zip bombs (highly compressible, built in pieces). */
export function deflatedZeros(size: number): { compressed: Uint8Array; size: number; crc: number } {
  const block = Buffer.alloc(Math.min(size, 1 << 20));
  let crc = 0;
  for (let left = size; left > 0; left -= block.length) crc = crc32(block.subarray(0, Math.min(block.length, left)), crc);
  return { compressed: deflateRawSync(Buffer.alloc(size), { level: 9 }), size, crc };
}

/** Builds a zip archive in memory. */
export function writeZip(entries: readonly ZipEntrySpec[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  const prepared: Prepared[] = [];
  for (const e of entries) {
    const name = toBytes(e.name);
    const method = e.method === 'store' ? 0 : e.method === undefined || e.method === 'deflate' ? 8 : e.method;
    const data = e.data === undefined ? new Uint8Array(0) : toBytes(e.data);
    const body = e.compressed ?? (method === 8 ? deflateRawSync(data) : data);
    const p: Prepared = {
      name,
      method,
      body,
      size: e.declaredSize ?? data.length,
      compressedSize: e.declaredCompressedSize ?? body.length,
      crc: e.declaredCrc ?? (crc32(data) >>> 0),
      flags: (typeof e.name === 'string' ? 0x800 : 0) | (e.encrypted ? 0x1 : 0),
      offset,
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(p.flags, 6);
    local.writeUInt16LE(p.method, 8);
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(0x21, 12); // date 1980-01-01
    local.writeUInt32LE(p.crc >>> 0, 14);
    local.writeUInt32LE(p.compressedSize, 18);
    local.writeUInt32LE(p.size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    parts.push(local, Buffer.from(name), Buffer.from(body));
    offset += local.length + name.length + body.length;
    prepared.push(p);
  }
  const cdStart = offset;
  for (const p of prepared) {
    const h = Buffer.alloc(46);
    h.writeUInt32LE(0x02014b50, 0);
    h.writeUInt16LE(0x031e, 4); // made by: Unix, 3.0
    h.writeUInt16LE(20, 6);
    h.writeUInt16LE(p.flags, 8);
    h.writeUInt16LE(p.method, 10);
    h.writeUInt16LE(0, 12);
    h.writeUInt16LE(0x21, 14);
    h.writeUInt32LE(p.crc >>> 0, 16);
    h.writeUInt32LE(p.compressedSize, 20);
    h.writeUInt32LE(p.size, 24);
    h.writeUInt16LE(p.name.length, 28);
    h.writeUInt16LE(0, 30);
    h.writeUInt16LE(0, 32);
    h.writeUInt16LE(0, 34);
    h.writeUInt16LE(0, 36);
    h.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    h.writeUInt32LE(p.offset, 42);
    central.push(h, Buffer.from(p.name));
    offset += h.length + p.name.length;
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(prepared.length, 8);
  end.writeUInt16LE(prepared.length, 10);
  end.writeUInt32LE(offset - cdStart, 12);
  end.writeUInt32LE(cdStart, 16);
  end.writeUInt16LE(0, 20);
  return Buffer.concat([...parts, ...central, end]);
}
