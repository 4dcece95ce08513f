/**
 * @module Look-ups by key that share round trips under load: at most `maxInFlight` queries
 * run at once; keys asked for while they run wait and go together in the next query (one
 * `= ANY($1)` statement instead of one statement each). Alone, a key is looked up at once
 * (the next microtask), so there is no added latency when the server is idle.
 *
 * Never stale: a key is only answered by a query that started after it was asked for, so a
 * read after a write sees the write; nothing is kept between queries.
 */

export interface BatchLoader<K, V> {
  load(key: K): Promise<V | undefined>;
}

interface Waiter<V> {
  resolve(v: V | undefined): void;
  reject(err: unknown): void;
}

/**
 * @param fetch answers a set of distinct keys (the ones it does not return are absent)
 * @param maxKeys most keys in one query
 */
export function batchLoader<K, V>(fetch: (keys: K[]) => Promise<Map<K, V>>, maxInFlight: number, maxKeys = 256): BatchLoader<K, V> {
  let pending = new Map<K, Waiter<V>[]>();
  let inFlight = 0;
  let scheduled = false;

  const run = (): void => {
    scheduled = false;
    while (inFlight < maxInFlight && pending.size > 0) {
      let batch: Map<K, Waiter<V>[]>;
      if (pending.size <= maxKeys) {
        batch = pending;
        pending = new Map();
      } else {
        batch = new Map();
        for (const [k, w] of pending) {
          if (batch.size >= maxKeys) break;
          batch.set(k, w);
          pending.delete(k);
        }
      }
      inFlight++;
      fetch([...batch.keys()]).then(
        (found) => {
          for (const [k, ws] of batch) for (const w of ws) w.resolve(found.get(k));
        },
        (err: unknown) => {
          for (const ws of batch.values()) for (const w of ws) w.reject(err);
        },
      ).finally(() => {
        inFlight--;
        run();
      });
    }
  };

  return {
    load(key) {
      return new Promise<V | undefined>((resolve, reject) => {
        const ws = pending.get(key);
        if (ws) ws.push({ resolve, reject });
        else pending.set(key, [{ resolve, reject }]);
        if (!scheduled && inFlight < maxInFlight) {
          // Keys asked for in the same turn (Promise.all over a page) go in one query.
          scheduled = true;
          queueMicrotask(run);
        }
      });
    },
  };
}
