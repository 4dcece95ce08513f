/**
 * @module writeBatch throughput on the real records (`cve5/records.jsonl`, 11,053), per
 * backend: a fresh store, batches of 1,000, records/s by wall clock and by CPU time
 * (this process, plus the PostgreSQL server's processes), so a busy machine shows.
 *
 *   node src/store/write-batch.bench.ts            # both backends
 *   CVEKIT_TEST_STORES=sqlite node src/store/write-batch.bench.ts
 */
import { readdirSync, readFileSync } from 'node:fs';
import { openTestStore, realRecordLines, recordWrite, testBackends } from '../../test/support/stores.ts';

/** User + system CPU (ms) of every process whose command line mentions `needle` (the server's data dir or port). */
function serverCpuMs(needle: string): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = fields[1];
      const parentCmd = ppid ? readFileSync(`/proc/${ppid}/cmdline`, 'utf8') : '';
      if (cmd.includes(needle) || parentCmd.includes(needle)) ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks * 10;
}

const batchSize = Number(process.env.BATCH ?? 1000);
const lines = realRecordLines();
const writes = lines.map((l, i) => recordWrite(l, { source: 'cvelistV5', origin: `records.jsonl:${i + 1}` }));
let t = performance.now();
for (const l of lines) JSON.parse(l);
const parseMs = performance.now() - t;
console.log(`JSON.parse alone: ${Math.round(lines.length / (parseMs / 1000))} records/s`);

for (const backend of testBackends()) {
  const ts = await openTestStore(backend);
  const port = backend === 'postgres' ? `-p\0${new URL(ts.db).port}\0` : '';
  const server0 = port ? serverCpuMs(port) : 0;
  const cpu0 = process.cpuUsage();
  t = performance.now();
  for (let i = 0; i < writes.length; i += batchSize) await ts.store.writeBatch(writes.slice(i, i + batchSize));
  const wall = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  const clientMs = (cpu.user + cpu.system) / 1000;
  const serverMs = port ? serverCpuMs(port) - server0 : 0;
  const rate = (ms: number) => Math.round(writes.length / (ms / 1000));
  console.log(
    `${backend}: ${writes.length} records in ${Math.round(wall)} ms = ${rate(wall)} records/s wall; ` +
      `CPU ${Math.round(clientMs)} ms here${port ? ` + ${Math.round(serverMs)} ms server` : ''} = ${rate(clientMs + serverMs)} records/s per CPU`,
  );
  await ts.cleanup();
}
