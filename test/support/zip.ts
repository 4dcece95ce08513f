/**
 * @module A small zip writer for tests: deflate or store, nested zips, and the lies real attacks
 * use (sizes and CRCs that do not match the data, `../` and backslash names, encryption flags).
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { crc32, deflateRawSync } from 'node:zlib';
import { checkoutPath } from '../../src/ingest/readers/fixtures.ts';

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
  /**
   * Streaming writers' layout (flag bit 3): the local header's CRC and sizes are zero and a data
   * descriptor follows the data; only the central directory has them, as many tools write.
   */
  readonly dataDescriptor?: boolean;
  /** An extra field in the local header only (its length differs from the central one's, as in real zips). */
  readonly extraLocal?: Uint8Array;
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

/** What a local and a central header both say of an entry. */
interface HeaderFields {
  readonly flags: number;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly nameLength: number;
}

/** A local file header (30 bytes); with `described`, its CRC and sizes are left zero for a data descriptor. */
function localHeader(f: HeaderFields, extraLength = 0, described = false): Buffer {
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(f.flags, 6);
  local.writeUInt16LE(f.method, 8);
  local.writeUInt16LE(0, 10); // time
  local.writeUInt16LE(0x21, 12); // date 1980-01-01
  local.writeUInt32LE(described ? 0 : f.crc >>> 0, 14);
  local.writeUInt32LE(described ? 0 : f.compressedSize, 18);
  local.writeUInt32LE(described ? 0 : f.size, 22);
  local.writeUInt16LE(f.nameLength, 26);
  local.writeUInt16LE(extraLength, 28);
  return local;
}

/** A central directory file header (46 bytes) for an entry whose local header is at `offset`. */
function centralHeader(f: HeaderFields, offset: number): Buffer {
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE(0x031e, 4); // made by: Unix, 3.0
  h.writeUInt16LE(20, 6);
  h.writeUInt16LE(f.flags, 8);
  h.writeUInt16LE(f.method, 10);
  h.writeUInt16LE(0, 12);
  h.writeUInt16LE(0x21, 14);
  h.writeUInt32LE(f.crc >>> 0, 16);
  h.writeUInt32LE(f.compressedSize, 20);
  h.writeUInt32LE(f.size, 24);
  h.writeUInt16LE(f.nameLength, 28);
  h.writeUInt32LE((0o100644 << 16) >>> 0, 38);
  h.writeUInt32LE(offset, 42);
  return h;
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
      flags: (typeof e.name === 'string' ? 0x800 : 0) | (e.encrypted ? 0x1 : 0) | (e.dataDescriptor ? 0x8 : 0),
      offset,
    };
    const described = e.dataDescriptor === true;
    const extra = Buffer.from(e.extraLocal ?? new Uint8Array(0));
    const local = localHeader({ ...p, nameLength: name.length }, extra.length, described);
    const descriptor = Buffer.alloc(described ? 16 : 0);
    if (described) {
      descriptor.writeUInt32LE(0x08074b50, 0);
      descriptor.writeUInt32LE(p.crc >>> 0, 4);
      descriptor.writeUInt32LE(p.compressedSize, 8);
      descriptor.writeUInt32LE(p.size, 12);
    }
    parts.push(local, Buffer.from(name), extra, Buffer.from(body), descriptor);
    offset += local.length + name.length + extra.length + body.length + descriptor.length;
    prepared.push(p);
  }
  const cdStart = offset;
  for (const p of prepared) {
    const h = centralHeader({ ...p, nameLength: p.name.length }, p.offset);
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

/**
 * A cvelistV5 baseline release zip of these record lines, as the real ones are: a stored
 * `cves.zip` holding `cves/YYYY/Nxxx/CVE-….json` files indented by 4 spaces.
 */
export function baselineReleaseZip(lines: readonly string[]): Buffer {
  const files = lines.map((l) => {
    const rec = JSON.parse(l) as { cveMetadata: { cveId: string } };
    return { name: checkoutPath(rec.cveMetadata.cveId), data: JSON.stringify(rec, null, 4) };
  });
  return writeZip([{ name: 'cves.zip', data: writeZip(files), method: 'store' }]);
}

/**
 * Writes a zip file entry by entry without holding it: for archives too large to build in
 * memory (the bench's 300,000-record baseline). Past 65,535 entries it writes the zip64 end
 * records, as `zip` and the cvelistV5 releases do; offsets must stay under 4 GiB.
 */
export class ZipFileWriter {
  readonly #fd: number;
  readonly #central: Buffer[] = [];
  #offset = 0;
  #count = 0;
  readonly #buffer = Buffer.allocUnsafe(1 << 20);
  #used = 0;

  constructor(path: string) {
    this.#fd = openSync(path, 'w');
  }

  /** A file entry from bytes, deflated (the default, at `level`) or stored. */
  add(name: string, data: Uint8Array, method: 'deflate' | 'store' = 'deflate', level = 6): void {
    const body = method === 'deflate' ? deflateRawSync(data, { level }) : data;
    this.#entry(name, method === 'deflate' ? 8 : 0, crc32(data) >>> 0, body.length, data.length);
    this.#write(body);
  }

  /** A stored entry copied from a file (a nested zip), streamed twice: once for its CRC-32, once to copy. */
  addFile(name: string, path: string): void {
    const fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const chunk = Buffer.allocUnsafe(1 << 20);
    try {
      let crc = 0;
      for (let pos = 0, n; (n = readSync(fd, chunk, 0, chunk.length, pos)) > 0; pos += n) crc = crc32(chunk.subarray(0, n), crc);
      this.#entry(name, 0, crc >>> 0, size, size);
      for (let pos = 0, n; (n = readSync(fd, chunk, 0, chunk.length, pos)) > 0; pos += n) this.#write(chunk.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  }

  /** Writes the central directory and the end records, and closes the file. */
  finish(): void {
    const cdStart = this.#offset;
    for (const h of this.#central) this.#write(h);
    const cdSize = this.#offset - cdStart;
    const zip64 = this.#count > 0xffff;
    if (zip64) {
      const rec = Buffer.alloc(56);
      rec.writeUInt32LE(0x06064b50, 0);
      rec.writeBigUInt64LE(44n, 4); // size of the rest of this record
      rec.writeUInt16LE(45, 12); // made by
      rec.writeUInt16LE(45, 14); // needed: 4.5, zip64
      rec.writeBigUInt64LE(BigInt(this.#count), 24);
      rec.writeBigUInt64LE(BigInt(this.#count), 32);
      rec.writeBigUInt64LE(BigInt(cdSize), 40);
      rec.writeBigUInt64LE(BigInt(cdStart), 48);
      const locator = Buffer.alloc(20);
      locator.writeUInt32LE(0x07064b50, 0);
      locator.writeBigUInt64LE(BigInt(this.#offset), 8);
      locator.writeUInt32LE(1, 16);
      this.#write(rec);
      this.#write(locator);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(zip64 ? 0xffff : this.#count, 8);
    end.writeUInt16LE(zip64 ? 0xffff : this.#count, 10);
    end.writeUInt32LE(cdSize, 12);
    end.writeUInt32LE(cdStart, 16);
    this.#write(end);
    this.#flush();
    closeSync(this.#fd);
  }

  #entry(name: string, method: number, crc: number, compressedSize: number, size: number): void {
    if (this.#offset + compressedSize >= 0xffffffff || size >= 0xffffffff) throw new Error(`ZipFileWriter: ${name} would pass 4 GiB; zip64 offsets are not written`);
    const nameBytes = Buffer.from(name, 'utf8');
    const fields: HeaderFields = { flags: 0x800, method, crc, compressedSize, size, nameLength: nameBytes.length };
    const local = localHeader(fields);
    const h = centralHeader(fields, this.#offset);
    this.#central.push(h, nameBytes);
    this.#count++;
    this.#write(local);
    this.#write(nameBytes);
  }

  /**
   * Buffered: small pieces are copied into one reused 1 MiB buffer and written together. No
   * new Buffer per piece: V8 does not collect short-lived Buffers soon enough while its heap is
   * small (20,000 stored entries left 370 MiB resident that way, 94 MiB with this buffer).
   */
  #write(bytes: Uint8Array): void {
    this.#offset += bytes.length;
    if (this.#used + bytes.length > this.#buffer.length) this.#flush();
    if (bytes.length >= this.#buffer.length) {
      for (let done = 0; done < bytes.length; ) done += writeSync(this.#fd, bytes, done, bytes.length - done);
      return;
    }
    this.#buffer.set(bytes, this.#used);
    this.#used += bytes.length;
  }

  #flush(): void {
    for (let done = 0; done < this.#used; ) done += writeSync(this.#fd, this.#buffer, done, this.#used - done);
    this.#used = 0;
  }
}
