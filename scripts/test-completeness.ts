/**
 * @module A `node --test` reporter that catches test files which ended early. A test file's
 * process that exits before its last test (a stray `process.exit(0)`, an event loop that
 * empties while a test still awaits) is reported by node:test as passing, with the tests it
 * never ran simply missing. This reporter counts, per file, the tests enqueued and the tests
 * completed, and writes both as JSON lines; `scripts/test.ts` fails the run when they differ.
 */

interface TestEvent {
  readonly type: string;
  readonly data?: { readonly file?: string };
}

export default async function* completeness(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const counts = new Map<string, { enqueued: number; completed: number }>();
  for await (const ev of source) {
    const file = ev.data?.file;
    if (!file || (ev.type !== 'test:enqueue' && ev.type !== 'test:complete')) continue;
    let c = counts.get(file);
    if (!c) counts.set(file, (c = { enqueued: 0, completed: 0 }));
    if (ev.type === 'test:enqueue') c.enqueued++;
    else c.completed++;
  }
  for (const [file, c] of counts) yield `${JSON.stringify({ file, ...c })}\n`;
}
