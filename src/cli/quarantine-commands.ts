/**
 * @module `cvekit quarantine list|show|retry|dismiss`: records that failed to import, with
 * their source, position, reason and raw bytes.
 */
import { readFile } from 'node:fs/promises';
import { completeItem, parseItem } from '../ingest/index.ts';
import type { QuarantineItem, Store } from '../store/index.ts';
import { configFrom, parse, print, printJson, table, UsageError, withStore, type Io } from './args.ts';

export const QUARANTINE_HELP = `Usage: cvekit quarantine <list|show|retry|dismiss> [options]

  list [--status open|retried|dismissed] [--source ID] [--limit N]
  show ID [--raw]           the reason, and with --raw the stored bytes as they arrived
  retry ID [--file PATH]    import the stored bytes again (or a corrected file) and mark it retried
  dismiss ID                mark it dismissed (kept for the record)`;

function parseId(text: string | undefined): number {
  const id = Number(text);
  if (!text || !Number.isInteger(id) || id < 1) throw new UsageError(`expected a quarantine id (a whole number), got "${text ?? ''}"`);
  return id;
}

async function retry(store: Store, item: QuarantineItem, raw: Uint8Array): Promise<{ ok: boolean; outcome?: string; reason?: string }> {
  const parsed = parseItem({ kind: 'item', ordinal: 0, position: item.position, bytes: raw }, item.source);
  if (parsed.kind === 'quarantine') return { ok: false, reason: `${parsed.entry.code}: ${parsed.entry.message}` };
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
  if (values.help || !action) return print(io, QUARANTINE_HELP), values.help ? 0 : 2;
  const config = configFrom(values, io);
  return withStore(config, async (store) => {
    switch (action) {
      case 'list': {
        const status = values.status as QuarantineItem['status'] | undefined;
        if (status && !['open', 'retried', 'dismissed'].includes(status)) throw new UsageError(`--status must be open, retried or dismissed, got "${status}"`);
        const limit = values.limit ? Number(values.limit) : 100;
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
        const raw = values.file ? new Uint8Array(await readFile(values.file)) : item.raw;
        const result = await retry(store, item, raw);
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
