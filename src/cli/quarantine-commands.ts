/**
 * @module `cvekit quarantine list|show|retry|dismiss`: records that failed to import, with
 * their source, position, reason and raw bytes.
 */
import { readFile } from 'node:fs/promises';
import { normalizeCveId } from '../cve/index.ts';
import { completeItem, cveNameOfPath, ITEM_ERROR_CODES, parseItem } from '../ingest/index.ts';
import type { QuarantineItem, Store } from '../store/index.ts';
import { configFrom, intOption, parse, print, printJson, table, UsageError, withExistingStore, withStore, type Io } from './args.ts';

export const QUARANTINE_HELP = `Usage: cvekit quarantine <list|show|retry|dismiss> [options]

  list [--status open|retried|dismissed] [--source ID] [--limit N]
  show ID [--raw]           the reason, and with --raw the stored bytes as they arrived
  retry ID [--file PATH]    import the stored bytes again, with the import's checks (or a corrected
                            file of the same CVE) and mark it retried; exit 1 saying why if it still fails
  dismiss ID                mark it dismissed (kept for the record)`;

function parseId(text: string | undefined): number {
  const id = Number(text);
  if (!text || !Number.isInteger(id) || id < 1) throw new UsageError(`expected a quarantine id (a whole number), got "${text ?? ''}"`);
  return id;
}

/** A corrected record for an entry, from `--file`. */
interface Replacement {
  readonly path: string;
  readonly bytes: Uint8Array;
}

/**
 * Import an entry's record again: its stored bytes, checked as the import checked them (the
 * CVE name its file name gives included), or a corrected file, which must hold the record of
 * the CVE the entry is about (that name, else the one it was quarantined with).
 */
async function retry(store: Store, item: QuarantineItem & { readonly raw: Uint8Array }, replacement: Replacement | undefined): Promise<{ ok: boolean; outcome?: string; reason?: string }> {
  const nameHint = cveNameOfPath(item.position);
  const expected = (nameHint && normalizeCveId(nameHint)) ?? item.cveId;
  if (!replacement && item.code === ITEM_ERROR_CODES.RECORD_MISSING) {
    const what = expected ?? 'the record';
    return {
      ok: false,
      reason: `${item.code}: ${what} was not in the delta log's base when it was imported (${item.position}), so there are no bytes to retry; use --file PATH with its record, or import the delta log again once the base has it`,
    };
  }
  const parsed = parseItem({ kind: 'item', ordinal: 0, position: item.position, bytes: replacement?.bytes ?? item.raw, ...(replacement || !nameHint ? {} : { nameHint }) }, item.source);
  if (parsed.kind === 'quarantine') return { ok: false, reason: `${parsed.entry.code}: ${parsed.entry.message}` };
  if (replacement && expected && parsed.cveId !== expected) {
    return { ok: false, reason: `CVE_MISMATCH: entry #${item.id} is about ${expected}${nameHint ? ` (${item.position})` : ''} but ${replacement.path} holds ${parsed.cveId}; nothing stored` };
  }
  const done = completeItem(parsed, item.source);
  if ('kind' in done) return { ok: false, reason: `${done.entry.code}: ${done.entry.message}` };
  const result = await store.writeBatch([done]);
  await store.setQuarantineStatus(item.id, 'retried');
  return { ok: true, outcome: result.outcomes[0] };
}

export async function quarantineCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    status: { type: 'string' },
    source: { type: 'string' },
    limit: { type: 'string' },
    raw: { type: 'boolean' },
    file: { type: 'string' },
  });
  const [action, idText] = positionals;
  if (values.help) return print(io, QUARANTINE_HELP), 0;
  if (!action) throw new UsageError('missing action: list, show, retry or dismiss (cvekit quarantine --help)');
  const config = configFrom(values, io);
  // list and show only read: a missing store is refused rather than created.
  const open = action === 'list' || action === 'show' ? withExistingStore : withStore;
  return open(config, async (store) => {
    switch (action) {
      case 'list': {
        const status = values.status as QuarantineItem['status'] | undefined;
        if (status && !['open', 'retried', 'dismissed'].includes(status)) throw new UsageError(`--status must be open, retried or dismissed, got "${status}"`);
        const limit = intOption('limit', values.limit, { min: 1, max: 1_000_000 }) ?? 100;
        const items = await store.listQuarantine({ status, source: values.source, limit });
        if (values.json) printJson(io, items);
        else if (items.length === 0) print(io, 'Quarantine is empty.');
        else print(io, table([['ID', 'STATUS', 'SOURCE', 'POSITION', 'CVE', 'CODE', 'REASON'], ...items.map((i) => [String(i.id), i.status, i.source, i.position, i.cveId ?? '-', i.code, i.message.slice(0, 160)])]));
        return 0;
      }
      case 'show': {
        const item = await store.getQuarantine(parseId(idText));
        if (!item) throw new Error(`no quarantine entry ${idText}`);
        if (values.raw) {
          io.stdout.write(item.raw);
          return 0;
        }
        const { raw, ...rest } = item;
        if (values.json) printJson(io, { ...rest, rawText: Buffer.from(raw).toString('utf8').slice(0, 65536) });
        else print(io, [`#${item.id} ${item.status} from ${item.source} at ${item.position}`, `CVE: ${item.cveId ?? '(unknown)'}`, `Code: ${item.code}`, `Path: ${item.path ?? '-'}`, `Reason: ${item.message}`, `Size: ${item.size} bytes (cvekit quarantine show ${item.id} --raw prints them)`].join('\n'));
        return 0;
      }
      case 'retry': {
        const item = await store.getQuarantine(parseId(idText));
        if (!item) throw new Error(`no quarantine entry ${idText}`);
        const replacement = values.file ? { path: values.file, bytes: new Uint8Array(await readFile(values.file)) } : undefined;
        const result = await retry(store, item, replacement);
        if (values.json) printJson(io, { id: item.id, ...result });
        else print(io, result.ok ? `#${item.id}: stored (${result.outcome})` : `#${item.id}: still fails: ${result.reason}`);
        return result.ok ? 0 : 1;
      }
      case 'dismiss': {
        const id = parseId(idText);
        if (!(await store.getQuarantine(id))) throw new Error(`no quarantine entry ${idText}`);
        await store.setQuarantineStatus(id, 'dismissed');
        if (values.json) printJson(io, { id, status: 'dismissed' });
        else print(io, `#${id} dismissed`);
        return 0;
      }
      default:
        throw new UsageError(`unknown quarantine action "${action}": use list, show, retry or dismiss`);
    }
  });
}
