/**
 * @module A separate process that races for CVE IDs: `node cna-reserve-worker.ts DB ORG USER COUNT YEAR`
 * reserves COUNT single IDs through the CNA service and prints the IDs it got as JSON.
 */
import { CnaError, CnaService } from '../../src/cna/index.ts';
import { openStore } from '../../src/store/index.ts';

const [db, org, username, count, year] = process.argv.slice(2);
const store = await openStore(db);
const service = new CnaService(store);
const o = await store.cna.getOrg(org);
const u = o && (await store.cna.getUser(o.uuid, username));
if (!o || !u) throw new Error('no such org or user');
const got: string[] = [];
const refused: string[] = [];
await Promise.all(
  Array.from({ length: Number(count) }, async (_, i) => {
    try {
      const r = await service.reserve({ org: o, user: u }, { amount: 1, year: Number(year), shortName: org, ...(i % 2 ? { batchType: 'nonsequential' } : {}) });
      got.push(...r.ids.map((x) => String(x.cve_id)));
    } catch (err) {
      if (!(err instanceof CnaError)) throw err;
      refused.push(err.code);
    }
  }),
);
await store.close();
process.stdout.write(JSON.stringify({ got, refused }));
